//! The operator's endpoints: wallets and partners, and their API keys.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use rampflow_actors::model::{PartnerId, Timestamp, WalletId};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::auth::{generate_key, hash_key, Principal};
use super::body::RawBody;
use super::error::ApiError;
use super::idempotency::{self, Start};
use super::openapi as doc;
use super::pagination::{Page, Query};
use super::AppState;
use crate::store::parties::{KeyOwner, PartyKind, PartyRow};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Acme Wallet"}))]
struct CreateParty {
    /// 1 to 128 printable characters; surrounding spaces are trimmed.
    #[schema(min_length = 1, max_length = 128)]
    name: String,
}

/// A wallet or a partner, as listed.
#[derive(Serialize, ToSchema)]
struct PartyView {
    #[schema(format = "uuid", example = "01936f0a-1c2d-7e3f-8a4b-5c6d7e8f9a0b")]
    id: String,
    name: String,
    created_at: Timestamp,
}

/// A wallet or a partner with its API key. The key is shown here only: store it now.
#[derive(Serialize, ToSchema)]
struct PartyWithKey {
    #[schema(format = "uuid", example = "01936f0a-1c2d-7e3f-8a4b-5c6d7e8f9a0b")]
    id: String,
    name: String,
    /// `rfw_` (wallets) or `rfp_` (partners) and 43 base64url characters.
    #[schema(example = "rfw_4pQ2mX7bKc9LrT1vY8nZ3hJ6sD0fG5wE2aU7iO9kPqM")]
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
#[utoipa::path(
    post,
    path = "/v1/admin/{kind}",
    tag = "operator",
    operation_id = "create_{party}",
    summary = "Create a {party}",
    description = "Creates a {party} and issues its API key, which this response shows once (the server keeps only its hash). Takes an `Idempotency-Key`: a replay returns the same key.",
    security(("bearer" = ["operator"])),
    params(
        ("kind" = String, Path, description = "`wallets` or `partners`."),
        ("Idempotency-Key" = Option<String>, Header, max_length = 255, description = "Makes the request safe to retry: the same key with the same body replays the first response for at least 24 h; with another body it is 409 `idempotency_conflict`."),
    ),
    request_body(content = CreateParty, example = json!({"name": "Acme"})),
    responses(
        (status = 201, description = "The {party} and its API key.", body = PartyWithKey,
            headers(("Idempotent-Replayed" = String, description = "`true` when this is the replay of an earlier request with the same Idempotency-Key.")),
            example = json!({"id": doc::WALLET_ID, "name": "Acme", "api_key": "rfw_4pQ2mX7bKc9LrT1vY8nZ3hJ6sD0fG5wE2aU7iO9kPqM", "created_at": "2026-11-22T10:15:30.123Z"})),
        (status = 400, response = doc::MalformedRequest),
        (status = 401, response = doc::Unauthorized),
        (status = 403, description = "`forbidden`: only the operator may call this endpoint.", body = doc::ErrorBody,
            example = json!(doc::error_example("forbidden", "only the operator may call this endpoint", serde_json::Value::Null))),
        (status = 409, description = "`idempotency_conflict`: the Idempotency-Key was used with another body, or is in use right now.", body = doc::ErrorBody,
            example = json!(doc::error_example("idempotency_conflict", "this Idempotency-Key was used with a different request", serde_json::Value::Null))),
        (status = 413, response = doc::PayloadTooLarge),
        (status = 422, description = "`validation_failed`: `name` is missing or invalid, an unknown field, or an invalid Idempotency-Key.", body = doc::ErrorBody,
            example = json!(doc::validation_example("name", "must be 1 to 128 printable characters"))),
        (status = 429, response = doc::RateLimited),
        (status = 500, response = doc::Internal),
    ),
)]
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
        .map(|claim| claim.record_sealed(StatusCode::CREATED, &body, &state.sealer));
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
#[utoipa::path(
    get,
    path = "/v1/admin/{kind}",
    tag = "operator",
    operation_id = "list_{parties}",
    summary = "List {parties}",
    description = "The {parties}, in id order (oldest first), without their keys.",
    security(("bearer" = ["operator"])),
    params(("kind" = String, Path, description = "`wallets` or `partners`."), super::pagination::PageParams),
    responses(
        (status = 200, description = "A page of {parties}.", body = Page<PartyView>,
            example = json!(doc::page_example(vec![json!({"id": doc::WALLET_ID, "name": "Acme", "created_at": "2026-11-22T10:15:30.123Z"})]))),
        (status = 400, description = "`malformed_request`: the query string cannot be parsed.", body = doc::ErrorBody,
            example = json!(doc::error_example("malformed_request", "the query string could not be parsed", serde_json::Value::Null))),
        (status = 401, response = doc::Unauthorized),
        (status = 403, description = "`forbidden`: only the operator may call this endpoint.", body = doc::ErrorBody,
            example = json!(doc::error_example("forbidden", "only the operator may call this endpoint", serde_json::Value::Null))),
        (status = 422, description = "`validation_failed`: an unknown query parameter, or an invalid `limit` or `cursor`.", body = doc::ErrorBody,
            example = json!(doc::validation_example("limit", "must be an integer from 1 to 100"))),
        (status = 429, response = doc::RateLimited),
        (status = 500, response = doc::Internal),
    ),
)]
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
#[utoipa::path(
    post,
    path = "/v1/admin/{kind}/{id}/rotate-key",
    tag = "operator",
    operation_id = "rotate_{party}_key",
    summary = "Rotate a {party}'s API key",
    description = "Issues a new API key for the {party}, shown once; the old key stops working at once. The body, if any, is ignored.",
    security(("bearer" = ["operator"])),
    params(("kind" = String, Path, description = "`wallets` or `partners`."), ("id" = String, Path, format = "uuid", description = "The {party}'s id.")),
    responses(
        (status = 200, description = "The {party} and its new API key.", body = PartyWithKey,
            example = json!({"id": doc::WALLET_ID, "name": "Acme", "api_key": "rfw_Zq8v1Lm3Kx7Tb2Wn9Yd4Hc6Rf0Sg5Pj1Ua8Ei3Oo7Qw", "created_at": "2026-11-22T10:15:30.123Z"})),
        (status = 401, response = doc::Unauthorized),
        (status = 403, description = "`forbidden`: only the operator may call this endpoint.", body = doc::ErrorBody,
            example = json!(doc::error_example("forbidden", "only the operator may call this endpoint", serde_json::Value::Null))),
        (status = 404, description = "`not_found`: no {party} has this id.", body = doc::ErrorBody,
            example = json!(doc::error_example("not_found", "no such {party}", serde_json::Value::Null))),
        (status = 429, response = doc::RateLimited),
        (status = 500, response = doc::Internal),
    ),
)]
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
    // In a cluster, every node's cached copy runs out before the answer (cluster::coherence).
    state.cache_policy.outlive_cached_copies().await;
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
