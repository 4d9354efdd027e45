//! `Idempotency-Key` on POSTs that create something: the same key with the same request
//! replays the first response; the same key with another request is 409
//! `idempotency_conflict`. Keys are scoped to the caller. The record is written in the same
//! transaction as what the request created, so a crash can never leave one without the other.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use dashmap::DashMap;
use rampflow_actors::model::Timestamp;
use rampflow_actors::registry::IdempotencyClaim;
use rampflow_actors::store::IdempotencyRecord;
use sha2::{Digest, Sha256};

use super::auth::Principal;
use super::error::ApiError;
use super::AppState;
use crate::keys::{Record, Vault};

pub const HEADER: &str = "Idempotency-Key";
const MAX_KEY_LEN: usize = 255;

/// Requests with a key that are being processed right now, so a concurrent duplicate gets a
/// clear 409 instead of racing the first.
pub type InFlight = DashMap<(String, String), ()>;

/// A request that holds a fresh key. Dropping it frees the key for a retry if the request
/// failed before anything was recorded.
pub struct Claim {
    pub owner: String,
    pub key: String,
    pub request_hash: String,
    in_flight: Arc<InFlight>,
}

impl Drop for Claim {
    fn drop(&mut self) {
        self.in_flight
            .remove(&(self.owner.clone(), self.key.clone()));
    }
}

impl Claim {
    pub fn for_registry(&self) -> IdempotencyClaim {
        IdempotencyClaim {
            owner: self.owner.clone(),
            key: self.key.clone(),
            request_hash: self.request_hash.clone(),
        }
    }

    /// The record of a response that carries a new API key or secret: its body sealed.
    pub fn record_sealed(
        &self,
        status: StatusCode,
        body: &str,
        sealer: &Sealer,
    ) -> IdempotencyRecord {
        self.record(status, sealer.seal(&self.owner, &self.key, body))
    }

    pub fn record(&self, status: StatusCode, body: String) -> IdempotencyRecord {
        IdempotencyRecord {
            owner: self.owner.clone(),
            key: self.key.clone(),
            request_hash: self.request_hash.clone(),
            status: status.as_u16(),
            body: body.into(),
            created_at: Timestamp::now(),
            created_order: None,
        }
    }
}

pub enum Start {
    /// No key, or a key not seen before: go ahead.
    Proceed(Option<Claim>),
    /// The key was used before with this very request: here is the first response.
    Replay { status: StatusCode, body: String },
}

impl Start {
    fn replay((status, body): (StatusCode, String)) -> Start {
        Start::Replay { status, body }
    }
}

pub async fn start(
    state: &AppState,
    principal: &Principal,
    req: &HttpRequest,
    body: &[u8],
) -> Result<Start, ApiError> {
    let Some(key) = key_of(req)? else {
        return Ok(Start::Proceed(None));
    };
    let owner = principal.owner_key();
    let request_hash = fingerprint(req, body);
    if let Some(record) = state.store.find_idempotency_record(&owner, &key).await? {
        return replay(state, record, &request_hash).map(Start::replay);
    }
    let slot = (owner.clone(), key.clone());
    if state.in_flight.insert(slot, ()).is_some() {
        return Err(ApiError::idempotency_conflict(
            "a request with this Idempotency-Key is still being processed",
        ));
    }
    let claim = Claim {
        owner,
        key,
        request_hash,
        in_flight: state.in_flight.clone(),
    };
    // The first request may have finished between the lookup and the claim.
    if let Some(record) = state
        .store
        .find_idempotency_record(&claim.owner, &claim.key)
        .await?
    {
        return replay(state, record, &claim.request_hash).map(Start::replay);
    }
    Ok(Start::Proceed(Some(claim)))
}

/// Like [`start`], but without asking the database first, for creates whose own write claims
/// the key (the record is inserted in the order's transaction, and a taken key fails that
/// write). A fresh key, the usual case, then costs no read. The caller must pass every error
/// it is about to return through [`recorded_response`]: a key that was already used gets its
/// first response, exactly as if [`start`] had found it.
pub async fn start_optimistic(
    state: &AppState,
    principal: &Principal,
    req: &HttpRequest,
    body: &[u8],
) -> Result<Start, ApiError> {
    let Some(key) = key_of(req)? else {
        return Ok(Start::Proceed(None));
    };
    let owner = principal.owner_key();
    let request_hash = fingerprint(req, body);
    if state
        .in_flight
        .insert((owner.clone(), key.clone()), ())
        .is_some()
    {
        // Busy right now, or just finished: a stored record answers the latter.
        return match state.store.find_idempotency_record(&owner, &key).await? {
            Some(record) => replay(state, record, &request_hash).map(Start::replay),
            None => Err(ApiError::idempotency_conflict(
                "a request with this Idempotency-Key is still being processed",
            )),
        };
    }
    Ok(Start::Proceed(Some(Claim {
        owner,
        key,
        request_hash,
        in_flight: state.in_flight.clone(),
    })))
}

/// The first response to `claim`'s key, if one is stored: what a request that failed after
/// [`start_optimistic`] answers instead of its error.
pub async fn recorded_response(
    state: &AppState,
    claim: &Claim,
) -> Result<Option<(StatusCode, String)>, ApiError> {
    match state
        .store
        .find_idempotency_record(&claim.owner, &claim.key)
        .await?
    {
        None => Ok(None),
        Some(record) => replay(state, record, &claim.request_hash).map(Some),
    }
}

fn key_of(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(key) = req.headers().get(HEADER) else {
        return Ok(None);
    };
    key.to_str()
        .ok()
        .filter(|k| {
            !k.is_empty() && k.len() <= MAX_KEY_LEN && k.bytes().all(|b| b.is_ascii_graphic())
        })
        .map(|k| Some(k.to_owned()))
        .ok_or_else(|| ApiError::validation(HEADER, "must be 1 to 255 visible ASCII characters"))
}

fn replay(
    state: &AppState,
    record: IdempotencyRecord,
    request_hash: &str,
) -> Result<(StatusCode, String), ApiError> {
    if record.request_hash != request_hash {
        return Err(ApiError::idempotency_conflict(
            "this Idempotency-Key was used with a different request",
        ));
    }
    let body = state
        .sealer
        .open(&record.owner, &record.key, &record.body)?;
    let status = StatusCode::from_u16(record.status).map_err(ApiError::internal)?;
    Ok((status, body))
}

/// A replayed response, marked so clients can tell.
pub fn replay_response(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("application/json")
        .insert_header(("Idempotent-Replayed", "true"))
        .body(body)
}

/// What makes two requests "the same": method, path and body bytes.
fn fingerprint(req: &HttpRequest, body: &[u8]) -> String {
    let mut hash = Sha256::new();
    hash.update(req.method().as_str().as_bytes());
    hash.update(b" ");
    hash.update(req.path().as_bytes());
    hash.update(b"\n");
    hash.update(body);
    hex::encode(hash.finalize())
}

/// Responses that carry a freshly issued API key or webhook secret are kept sealed, so the
/// database never holds a usable key: under the shared data key of the key hierarchy
/// ([`crate::keys`]), bound to their (owner, key) row. Records written before the master key
/// came in (`sealed:v1:`, keyed by the operator's token) still open until they expire.
pub struct Sealer {
    legacy: Aes256Gcm,
    vault: Arc<Vault>,
}

const LEGACY_PREFIX: &str = "sealed:v1:";

impl Sealer {
    pub fn new(admin_token: &str, vault: Arc<Vault>) -> Sealer {
        let key = Sha256::digest(format!("rampflow idempotency seal v1:{admin_token}").as_bytes());
        Sealer {
            legacy: Aes256Gcm::new_from_slice(&key).expect("a 32-byte key"),
            vault,
        }
    }

    pub fn seal(&self, owner: &str, key: &str, plaintext: &str) -> String {
        self.vault
            .seal_shared(Record::IdempotentResponse { owner, key }, plaintext)
    }

    /// Plain bodies pass through; sealed ones are opened.
    pub fn open(&self, owner: &str, key: &str, stored: &str) -> Result<String, ApiError> {
        if let Some(encoded) = stored.strip_prefix(LEGACY_PREFIX) {
            return self.open_legacy(encoded);
        }
        self.vault
            .open_shared(Record::IdempotentResponse { owner, key }, stored)
            .map_err(|error| {
                ApiError::internal(format!(
                    "a sealed idempotent response does not open: {error}"
                ))
            })
    }

    fn open_legacy(&self, encoded: &str) -> Result<String, ApiError> {
        let bytes = STANDARD.decode(encoded).map_err(ApiError::internal)?;
        if bytes.len() < 12 {
            return Err(ApiError::internal("sealed idempotency record is truncated"));
        }
        let (nonce, sealed) = bytes.split_at(12);
        let plain = self
            .legacy
            .decrypt(Nonce::from_slice(nonce), sealed)
            .map_err(|_| {
                ApiError::internal("sealed idempotency record does not open (admin token changed?)")
            })?;
        String::from_utf8(plain).map_err(ApiError::internal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{DataKey, Keyring, MasterKey};

    fn sealer(token: &str) -> Sealer {
        let vault = Vault::with_keyring(
            Keyring::new(vec![MasterKey::generate()]),
            DataKey::generate("shared").0,
        );
        Sealer::new(token, Arc::new(vault))
    }

    #[test]
    fn sealed_bodies_round_trip_on_their_own_key_only_and_hide_the_secret() {
        let sealer = sealer("token");
        let sealed = sealer.seal("operator", "k1", r#"{"api_key":"rfw_secret"}"#);
        assert!(!sealed.contains("rfw_secret"));
        assert_eq!(
            sealer.open("operator", "k1", &sealed).unwrap(),
            r#"{"api_key":"rfw_secret"}"#
        );
        assert!(sealer.open("operator", "k2", &sealed).is_err());
        assert_eq!(sealer.open("operator", "k1", "{}").unwrap(), "{}");
    }

    #[test]
    fn records_sealed_with_the_admin_token_still_open() {
        let sealer = sealer("token");
        let key = Sha256::digest(b"rampflow idempotency seal v1:token");
        let cipher = Aes256Gcm::new_from_slice(&key).unwrap();
        let nonce = [3u8; 12];
        let mut bytes = nonce.to_vec();
        bytes.extend(
            cipher
                .encrypt(Nonce::from_slice(&nonce), &b"{}"[..])
                .unwrap(),
        );
        let stored = format!("{LEGACY_PREFIX}{}", STANDARD.encode(bytes));
        assert_eq!(sealer.open("operator", "k", &stored).unwrap(), "{}");
    }
}
