//! Bearer keys and roles.
//!
//! Keys are 32 random bytes, shown once and stored only as SHA-256 hashes. They carry 256 bits
//! of entropy, so a fast hash is enough: there is nothing to brute-force. Known hashes are
//! cached in memory so the hot path does not query the database to authenticate.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::web::Data;
use actix_web::{FromRequest, HttpRequest};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use dashmap::DashMap;
use futures::future::LocalBoxFuture;
use rampflow_actors::model::{PartnerId, WalletId};
use rampflow_actors::order::Party;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::error::ApiError;
use super::AppState;
use crate::cluster::coherence::CachePolicy;
use crate::store::parties::{KeyOwner, PartyKind};

/// The authenticated caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Principal {
    Operator,
    Wallet(WalletId),
    Partner(PartnerId),
}

impl Principal {
    pub fn operator(&self) -> Result<(), ApiError> {
        match self {
            Principal::Operator => Ok(()),
            _ => Err(ApiError::forbidden(
                "only the operator may call this endpoint",
            )),
        }
    }

    pub fn wallet(&self) -> Result<WalletId, ApiError> {
        match self {
            Principal::Wallet(id) => Ok(*id),
            _ => Err(ApiError::forbidden("only a wallet may call this endpoint")),
        }
    }

    pub fn partner(&self) -> Result<PartnerId, ApiError> {
        match self {
            Principal::Partner(id) => Ok(*id),
            _ => Err(ApiError::forbidden("only a partner may call this endpoint")),
        }
    }

    /// The order-facing party: wallets and partners see orders, the operator does not.
    pub fn party(&self) -> Result<Party, ApiError> {
        match self {
            Principal::Wallet(id) => Ok(Party::Wallet(*id)),
            Principal::Partner(id) => Ok(Party::Partner(*id)),
            Principal::Operator => {
                Err(ApiError::forbidden("orders belong to wallets and partners"))
            }
        }
    }

    /// A stable string naming the caller, for scoping idempotency keys.
    pub fn owner_key(&self) -> String {
        match self {
            Principal::Operator => "operator".to_owned(),
            Principal::Wallet(id) => format!("wallet:{id}"),
            Principal::Partner(id) => format!("partner:{id}"),
        }
    }
}

/// A new API key: a role prefix and 32 random bytes.
pub fn generate_key(kind: PartyKind) -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let prefix = match kind {
        PartyKind::Wallet => "rfw_",
        PartyKind::Partner => "rfp_",
    };
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

pub fn generate_admin_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("rfa_{}", URL_SAFE_NO_PAD.encode(bytes))
}

pub fn hash_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// Who holds which key hash.
pub struct Keys {
    admin_hash: String,
    /// Each known key's owner, with the moment the read that found it started.
    known: DashMap<String, (KeyOwner, Instant)>,
    /// Moves on every rotation. A lookup that started before a rotation must not put the key
    /// it read back into the cache after the rotation forgot it.
    generation: AtomicU64,
    /// How long a cached key is trusted: for good on a single node (a rotation forgets it
    /// here), `cluster.cache_ttl` in a cluster, where a rotation may go through another node.
    policy: CachePolicy,
}

impl Keys {
    pub fn new(admin_token: &str, policy: CachePolicy) -> Keys {
        Keys {
            admin_hash: hash_key(admin_token),
            known: DashMap::new(),
            generation: AtomicU64::new(0),
            policy,
        }
    }

    /// The cached owner of a key hash, while it may still be trusted.
    fn cached(&self, hash: &str) -> Option<KeyOwner> {
        let (owner, read_at) = *self.known.get(hash)?;
        if self.policy.is_fresh(read_at) {
            return Some(owner);
        }
        self.known.remove(hash);
        None
    }

    /// Forgets the cached keys of one party (after a rotation).
    pub fn forget(&self, owner: KeyOwner) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.known.retain(|_, (cached, _)| *cached != owner);
    }
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<Data<AppState>>().cloned();
        let key = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(bearer_token)
            .map(str::to_owned);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal("application state missing"))?;
            let key = key
                .filter(|k| !k.is_empty())
                .ok_or_else(ApiError::unauthorized)?;
            let hash = hash_key(&key);
            if hash == state.keys.admin_hash {
                return Ok(Principal::Operator);
            }
            if let Some(owner) = state.keys.cached(&hash) {
                return limited(&state, principal_of(owner));
            }
            let generation = state.keys.generation.load(Ordering::SeqCst);
            let read_at = Instant::now();
            let owner = state
                .store
                .key_owner(&hash)
                .await?
                .ok_or_else(ApiError::unauthorized)?;
            if state.keys.generation.load(Ordering::SeqCst) == generation {
                state.keys.known.insert(hash, (owner, read_at));
            }
            limited(&state, principal_of(owner))
        })
    }
}

/// The token of `Authorization: Bearer <token>`; the scheme is case-insensitive (RFC 9110).
fn bearer_token(header: &str) -> Option<&str> {
    let (scheme, token) = header.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Wallets and partners are rate limited per key; the operator is not.
fn limited(state: &AppState, principal: Principal) -> Result<Principal, ApiError> {
    state
        .rate_limiter
        .check(&principal)
        .map_err(ApiError::rate_limited)?;
    Ok(principal)
}

fn principal_of(owner: KeyOwner) -> Principal {
    match owner {
        KeyOwner::Wallet(id) => Principal::Wallet(id),
        KeyOwner::Partner(id) => Principal::Partner(id),
    }
}
