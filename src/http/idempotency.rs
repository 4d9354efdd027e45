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
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::auth::Principal;
use super::error::ApiError;
use super::AppState;

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

    pub fn record(&self, status: StatusCode, body: String) -> IdempotencyRecord {
        IdempotencyRecord {
            owner: self.owner.clone(),
            key: self.key.clone(),
            request_hash: self.request_hash.clone(),
            status: status.as_u16(),
            body,
            created_at: Timestamp::now(),
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
    let body = state.sealer.open(&record.body)?;
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

/// Responses that carry a freshly issued API key are kept encrypted, so the database never
/// holds a usable key: the key to open them derives from the operator's token, which only the
/// operator (the one caller who can replay them) presents.
pub struct Sealer {
    cipher: Aes256Gcm,
}

const SEALED_PREFIX: &str = "sealed:v1:";

impl Sealer {
    pub fn new(admin_token: &str) -> Sealer {
        let key = Sha256::digest(format!("rampflow idempotency seal v1:{admin_token}").as_bytes());
        Sealer {
            cipher: Aes256Gcm::new_from_slice(&key).expect("a 32-byte key"),
        }
    }

    pub fn seal(&self, plaintext: &str) -> String {
        let mut nonce = [0u8; 12];
        rand::thread_rng().fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), plaintext.as_bytes())
            .expect("AES-GCM encryption does not fail for small inputs");
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        format!("{SEALED_PREFIX}{}", STANDARD.encode(bytes))
    }

    /// Plain bodies pass through; sealed ones are decrypted.
    pub fn open(&self, stored: &str) -> Result<String, ApiError> {
        let Some(encoded) = stored.strip_prefix(SEALED_PREFIX) else {
            return Ok(stored.to_owned());
        };
        let bytes = STANDARD.decode(encoded).map_err(ApiError::internal)?;
        if bytes.len() < 12 {
            return Err(ApiError::internal("sealed idempotency record is truncated"));
        }
        let (nonce, sealed) = bytes.split_at(12);
        let plain = self
            .cipher
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

    #[test]
    fn sealed_bodies_round_trip_and_hide_the_key() {
        let sealer = Sealer::new("token");
        let sealed = sealer.seal(r#"{"api_key":"rfw_secret"}"#);
        assert!(!sealed.contains("rfw_secret"));
        assert_eq!(sealer.open(&sealed).unwrap(), r#"{"api_key":"rfw_secret"}"#);
        assert!(Sealer::new("other").open(&sealed).is_err());
        assert_eq!(sealer.open("{}").unwrap(), "{}");
    }
}
