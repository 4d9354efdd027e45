//! Data keys and the records they seal.
//!
//! A sealed record is text, so it fits the columns that held the plaintext:
//! `rfe1:<data key id>:<base64 of nonce and AES-256-GCM ciphertext>`. The associated data names
//! the data key and the record's row ([`Record`]), so a ciphertext copied onto another row, or
//! under another key id, does not open.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rand::RngCore;
use zeroize::Zeroizing;

use super::master::{KEY_LEN, NONCE_LEN};
use super::CryptoError;

const PREFIX: &str = "rfe1:";

/// The row a sealed record belongs to: its associated data.
#[derive(Debug, Clone, Copy)]
pub enum Record<'a> {
    /// `users.data` of (wallet id, user ref).
    User { wallet: &'a str, user_ref: &'a str },
    /// `webhook_endpoints.secret` and `previous_secret` of the endpoint.
    WebhookEndpoint { id: &'a str },
    /// `idempotency_keys.body` of (owner, key): a first response carrying a new API key or
    /// webhook secret.
    IdempotentResponse { owner: &'a str, key: &'a str },
}

impl Record<'_> {
    fn associated_data(&self, key_id: &str) -> Vec<u8> {
        let (table, parts): (&str, Vec<&str>) = match self {
            Record::User { wallet, user_ref } => ("users", vec![wallet, user_ref]),
            Record::WebhookEndpoint { id } => ("webhook_endpoints", vec![id]),
            Record::IdempotentResponse { owner, key } => ("idempotency_keys", vec![owner, key]),
        };
        // Length-prefixed, so no two rows give the same bytes.
        let mut aad = format!("rampflow record v1\0{key_id}\0{table}").into_bytes();
        for part in parts {
            aad.extend_from_slice(&(part.len() as u32).to_be_bytes());
            aad.extend_from_slice(part.as_bytes());
        }
        aad
    }
}

/// Whether `stored` is a sealed record (rather than plaintext written before encryption).
pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(PREFIX)
}

/// The id of the data key that sealed `stored`.
pub fn key_id_of(stored: &str) -> Option<&str> {
    stored
        .strip_prefix(PREFIX)?
        .split_once(':')
        .map(|(id, _)| id)
}

/// A data key in the clear, in memory only: the database holds it wrapped by a master key.
pub struct DataKey {
    id: String,
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DataKey({})", self.id)
    }
}

impl DataKey {
    pub fn new(id: impl Into<String>, raw: &[u8; KEY_LEN]) -> DataKey {
        DataKey {
            id: id.into(),
            cipher: Aes256Gcm::new_from_slice(raw).expect("32 bytes"),
        }
    }

    /// A new random key named `id`, and its bytes (to wrap).
    pub fn generate(id: impl Into<String>) -> (DataKey, Zeroizing<[u8; KEY_LEN]>) {
        let mut raw = Zeroizing::new([0u8; KEY_LEN]);
        rand::rngs::OsRng.fill_bytes(raw.as_mut());
        (DataKey::new(id, &raw), raw)
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn seal(&self, record: Record<'_>, plaintext: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        rand::thread_rng().fill_bytes(&mut nonce);
        let aad = record.associated_data(&self.id);
        let sealed = self
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: &aad,
                },
            )
            .expect("AES-GCM encrypts records of any size we store");
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        format!("{PREFIX}{}:{}", self.id, STANDARD.encode(bytes))
    }

    pub fn open(&self, record: Record<'_>, stored: &str) -> Result<String, CryptoError> {
        let rest = stored
            .strip_prefix(PREFIX)
            .ok_or(CryptoError::Malformed("the record is not sealed"))?;
        let (key_id, encoded) = rest
            .split_once(':')
            .ok_or(CryptoError::Malformed("the sealed record names no key"))?;
        if key_id != self.id {
            return Err(CryptoError::DoesNotOpen);
        }
        let bytes = STANDARD
            .decode(encoded)
            .map_err(|_| CryptoError::Malformed("the sealed record is not base64"))?;
        if bytes.len() < NONCE_LEN {
            return Err(CryptoError::Malformed("the sealed record is truncated"));
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let aad = record.associated_data(&self.id);
        let plain = self
            .cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: &aad,
                },
            )
            .map_err(|_| CryptoError::DoesNotOpen)?;
        String::from_utf8(plain).map_err(|_| CryptoError::Malformed("the record is not UTF-8"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_opens_on_its_own_row_only() {
        let (key, _) = DataKey::generate("k1");
        let ada = Record::User {
            wallet: "w1",
            user_ref: "ada",
        };
        let sealed = key.seal(ada, r#"{"email":"ada@example.com"}"#);
        assert!(is_sealed(&sealed));
        assert_eq!(key_id_of(&sealed), Some("k1"));
        assert!(!sealed.contains("ada@example.com"));
        assert_eq!(
            key.open(ada, &sealed).unwrap(),
            r#"{"email":"ada@example.com"}"#
        );
        let bea = Record::User {
            wallet: "w1",
            user_ref: "bea",
        };
        assert!(matches!(
            key.open(bea, &sealed),
            Err(CryptoError::DoesNotOpen)
        ));
        let shifted = Record::User {
            wallet: "w1a",
            user_ref: "da",
        };
        assert!(key.open(shifted, &sealed).is_err());
        assert!(key
            .open(Record::WebhookEndpoint { id: "w1" }, &sealed)
            .is_err());
        let (other, _) = DataKey::generate("k1");
        assert!(other.open(ada, &sealed).is_err());
    }
}
