//! The operator's endpoints: wallets and partners, and their API keys.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use rampflow_actors::model::{PartnerId, Timestamp, WalletId};
use serde::{Deserialize, Serialize};

use super::auth::{generate_key, hash_key, Principal};
use super::body::RawBody;
use super::error::ApiError;
use super::idempotency::{self, Start};
use super::pagination::{Page, Query};
use super::AppState;
use crate::store::parties::{KeyOwner, PartyKind, PartyRow};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateParty {
    name: String,
}

#[derive(Serialize)]
struct PartyView {
    id: String,
    name: String,
    created_at: Timestamp,
}

#[derive(Serialize)]
struct PartyWithKey {
    id: String,
    name: String,
    api_key: String,
    created_at: Timestamp,
}

fn kind_of(path_kind: &str) -> Result<PartyKind, ApiError> {
    match path_kind {
        "wallets" => Ok(PartyKind::Wallet),
        "partners" => Ok(PartyKind::Partner),
        _ => Err(ApiError::not_found("path")),
    }
}

fn valid_name(name: &str) -> Result<String, ApiError> {
    let trimmed = name.trim();
    if trimmed.is_empty() || trimmed.chars().count() > 128 || trimmed.chars().any(char::is_control)
    {
        return Err(ApiError::validation(
            "name",
            "must be 1 to 128 printable characters",
        ));
    }
    Ok(trimmed.to_owned())
}

/// `POST /v1/admin/{wallets|partners}`
pub async fn create(
    principal: Principal,
    path: web::Path<String>,
    req: HttpRequest,
    body: RawBody,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    principal.operator()?;
    let kind = kind_of(&path)?;
    let input: CreateParty = body.json()?;
    let name = valid_name(&input.name)?;
    let claim = match idempotency::start(&state, &principal, &req, body.bytes()).await? {
        Start::Replay { status, body } => return Ok(idempotency::replay_response(status, body)),
        Start::Proceed(claim) => claim,
    };
    let id = match kind {
        PartyKind::Wallet => WalletId::new().to_string(),
        PartyKind::Partner => PartnerId::new().to_string(),
    };
    let api_key = generate_key(kind);
    let row = PartyRow {
        id: id.clone(),
        name: name.clone(),
        created_at: Timestamp::now(),
    };
    let response = PartyWithKey {
        id,
        name,
        api_key: api_key.clone(),
        created_at: row.created_at,
    };
    let body = serde_json::to_string(&response).map_err(ApiError::internal)?;
    let record = claim
        .as_ref()
        .map(|claim| claim.record(StatusCode::CREATED, state.sealer.seal(&body)));
    let created = state
        .store
        .create_party(kind, &row, &hash_key(&api_key), record.as_ref())
        .await?;
    if !created {
        return Err(ApiError::idempotency_conflict(
            "a request with this Idempotency-Key is already being processed",
        ));
    }
    Ok(HttpResponse::Created()
        .content_type("application/json")
        .body(body))
}

/// `GET /v1/admin/{wallets|partners}`
pub async fn list(
    principal: Principal,
    path: web::Path<String>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    principal.operator()?;
    let kind = kind_of(&path)?;
    let query = Query::parse(req.query_string(), &[])?;
    let limit = query.limit()?;
    let after = query.cursor()?;
    let rows = state
        .store
        .list_parties(kind, after.as_deref(), limit + 1)
        .await?;
    let views = rows
        .into_iter()
        .map(|row| PartyView {
            id: row.id,
            name: row.name,
            created_at: row.created_at,
        })
        .collect();
    Ok(
        HttpResponse::Ok().json(Page::from_overfetch(views, limit, |v: &PartyView| {
            v.id.clone()
        })),
    )
}

/// `POST /v1/admin/{wallets|partners}/{id}/rotate-key`: a new key; the old one stops working
/// at once.
pub async fn rotate_key(
    principal: Principal,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    principal.operator()?;
    let (kind, id) = path.into_inner();
    let kind = kind_of(&kind)?;
    let owner = match kind {
        PartyKind::Wallet => WalletId::parse(&id).map(KeyOwner::Wallet),
        PartyKind::Partner => PartnerId::parse(&id).map(KeyOwner::Partner),
    }
    .map_err(|_| ApiError::not_found(kind_name(kind)))?;
    let party = state
        .store
        .find_party(kind, &id)
        .await?
        .ok_or_else(|| ApiError::not_found(kind_name(kind)))?;
    let api_key = generate_key(kind);
    if !state
        .store
        .rotate_key(kind, &id, &hash_key(&api_key))
        .await?
    {
        return Err(ApiError::not_found(kind_name(kind)));
    }
    state.keys.forget(owner);
    Ok(HttpResponse::Ok().json(PartyWithKey {
        id: party.id,
        name: party.name,
        api_key,
        created_at: party.created_at,
    }))
}

fn kind_name(kind: PartyKind) -> &'static str {
    match kind {
        PartyKind::Wallet => "wallet",
        PartyKind::Partner => "partner",
    }
}
