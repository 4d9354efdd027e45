//! Webhook endpoints (wallets and partners): register, list, delete, rotate the secret.
//!
//! The secret (`whsec_` and 32 random bytes in base64) is shown when the endpoint is created
//! and when it is rotated, never in listings. After a rotation the previous secret keeps
//! signing beside the new one for [`PREVIOUS_SECRET_TTL`], so receivers can switch without
//! dropping deliveries.

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use rampflow_actors::model::Timestamp;
use rampflow_actors::order::EventType;
use rampflow_actors::webhook::generate_secret;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::auth::Principal;
use super::body::RawBody;
use super::error::ApiError;
use super::idempotency::{self, Start};
use super::openapi as doc;
use super::pagination::{Page, Query};
use super::ssrf;
use super::AppState;
use crate::store::webhooks::{EndpointRow, NewEndpoint};

/// How long the secret before a rotation keeps signing.
pub const PREVIOUS_SECRET_TTL: Duration = Duration::from_secs(24 * 60 * 60);

pub const MAX_DESCRIPTION_CHARS: usize = 256;

/// A webhook endpoint to register.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CreateEndpoint {
    /// An `https://` (or `http://`) URL. Loopback, private, link-local and other
    /// non-public addresses are refused, at registration and again at every connection.
    #[schema(format = "uri", example = "https://wallet.example.com/hooks/rampflow")]
    url: String,
    /// The event types to send; left out or `null` for every type. An empty list is refused.
    #[serde(default)]
    #[schema(value_type = Option<Vec<rampflow_actors::order::EventType>>)]
    event_types: Option<Vec<String>>,
    /// At most 256 characters.
    #[serde(default)]
    #[schema(max_length = 256)]
    description: Option<String>,
}

/// An endpoint as listed: everything but the secret.
#[derive(Serialize, ToSchema)]
struct EndpointView {
    #[schema(format = "uuid", example = "01936f0c-3e4f-7a5b-8c6d-7e8f9a0b1c2d")]
    id: String,
    #[schema(format = "uri")]
    url: String,
    /// The event types sent to it; `null` for every type.
    #[schema(value_type = Option<Vec<rampflow_actors::order::EventType>>, required)]
    event_types: Option<Vec<String>>,
    #[schema(required)]
    description: Option<String>,
    /// Set once a delivery got 410 Gone: nothing more is sent to it.
    disabled: bool,
    created_at: Timestamp,
}

impl From<EndpointRow> for EndpointView {
    fn from(row: EndpointRow) -> Self {
        EndpointView {
            id: row.id,
            url: row.url,
            event_types: row.event_types,
            description: row.description,
            disabled: row.disabled,
            created_at: row.created_at,
        }
    }
}

/// The endpoint just created, with its secret (shown this once).
#[derive(Serialize, ToSchema)]
struct CreatedEndpoint {
    #[schema(format = "uuid", example = "01936f0c-3e4f-7a5b-8c6d-7e8f9a0b1c2d")]
    id: String,
    #[schema(format = "uri")]
    url: String,
    /// The event types sent to it; `null` for every type.
    #[schema(value_type = Option<Vec<rampflow_actors::order::EventType>>, required)]
    event_types: Option<Vec<String>>,
    #[schema(required)]
    description: Option<String>,
    /// The signing secret, shown this once: `whsec_` and base64 of 32 random bytes.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    secret: String,
    disabled: bool,
    created_at: Timestamp,
}

/// The new secret of an endpoint.
#[derive(Serialize, ToSchema)]
struct RotatedSecret {
    #[schema(format = "uuid", example = "01936f0c-3e4f-7a5b-8c6d-7e8f9a0b1c2d")]
    id: String,
    /// The new signing secret, shown this once.
    #[schema(example = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD")]
    secret: String,
    /// Until then the previous secret signs beside the new one.
    previous_secret_expires_at: Timestamp,
}

/// Endpoints belong to wallets and partners; the operator has none.
fn owner(principal: &Principal) -> Result<String, ApiError> {
    match principal {
        Principal::Wallet(_) | Principal::Partner(_) => Ok(principal.owner_key()),
        Principal::Operator => Err(ApiError::forbidden(
            "webhook endpoints belong to wallets and partners",
        )),
    }
}

/// Known types, each once, in the order given. `None` (or `null`) means every type; an
/// empty list is refused, as it would mean none.
fn valid_event_types(types: Option<Vec<String>>) -> Result<Option<Vec<EventType>>, ApiError> {
    let Some(types) = types else {
        return Ok(None);
    };
    if types.is_empty() {
        return Err(ApiError::validation(
            "event_types",
            "must list at least one event type, or be left out for every type",
        ));
    }
    let mut parsed: Vec<EventType> = Vec::with_capacity(types.len());
    for (index, name) in types.iter().enumerate() {
        let event_type = EventType::parse(name).ok_or_else(|| {
            ApiError::validation(
                format!("event_types[{index}]"),
                format!("{name:?} is not an event type"),
            )
        })?;
        if !parsed.contains(&event_type) {
            parsed.push(event_type);
        }
    }
    Ok(Some(parsed))
}

fn valid_description(description: Option<String>) -> Result<Option<String>, ApiError> {
    match description {
        Some(text) if text.chars().count() > MAX_DESCRIPTION_CHARS => Err(ApiError::validation(
            "description",
            format!("must be at most {MAX_DESCRIPTION_CHARS} characters"),
        )),
        other => Ok(other),
    }
}

/// `POST /v1/webhook-endpoints` (wallet or partner, Idempotency-Key)
#[utoipa::path(
    post,
    path = "/v1/webhook-endpoints",
    tag = "webhooks",
    operation_id = "create_webhook_endpoint",
    summary = "Register a webhook endpoint",
    description = "Registers a URL to receive the events of the caller's orders (a wallet's own orders, or those routed to a partner). The response carries the signing secret, shown this once. Takes an `Idempotency-Key`.",
    security(("bearer" = ["wallet", "partner"])),
    params(("Idempotency-Key" = Option<String>, Header, max_length = 255, description = "Makes the request safe to retry: the same key with the same body replays the first response for at least 24 h; with another body it is 409 `idempotency_conflict`.")),
    request_body(content = CreateEndpoint, example = json!({"url": "https://wallet.example.com/hooks/rampflow", "event_types": ["order.accepted", "order.completed"], "description": "production"})),
    responses(
        (status = 201, description = "The endpoint, with its secret.", body = CreatedEndpoint,
            headers(("Idempotent-Replayed" = String, description = "`true` when this is the replay of an earlier request with the same Idempotency-Key.")),
            example = json!({"id": doc::ENDPOINT_ID, "url": "https://wallet.example.com/hooks/rampflow", "event_types": ["order.accepted", "order.completed"], "description": "production", "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "disabled": false, "created_at": "2026-11-22T10:15:30.123Z"})),
        (status = 400, response = doc::MalformedRequest),
        (status = 401, response = doc::Unauthorized),
        (status = 403, description = "`forbidden`: webhook endpoints belong to wallets and partners (the operator has none).", body = doc::ErrorBody,
            example = json!(doc::error_example("forbidden", "webhook endpoints belong to wallets and partners", serde_json::Value::Null))),
        (status = 409, description = "`idempotency_conflict`: the Idempotency-Key was used with another body, or is in use right now.", body = doc::ErrorBody,
            example = json!(doc::error_example("idempotency_conflict", "this Idempotency-Key was used with a different request", serde_json::Value::Null))),
        (status = 413, response = doc::PayloadTooLarge),
        (status = 422, description = "`validation_failed`: an invalid or non-public `url`, an unknown or empty `event_types`, a `description` too long, an unknown field, or an invalid Idempotency-Key.", body = doc::ErrorBody,
            example = json!(doc::validation_example("event_types[0]", "\"order.nope\" is not an event type"))),
        (status = 429, response = doc::RateLimited),
        (status = 500, response = doc::Internal),
    ),
)]
pub async fn create(
    principal: Principal,
    req: HttpRequest,
    body: RawBody,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let owner = owner(&principal)?;
    let input: CreateEndpoint = body.json()?;
    let url = ssrf::parse_webhook_url(&input.url)?;
    let event_types = valid_event_types(input.event_types)?;
    let description = valid_description(input.description)?;
    let claim = match idempotency::start(&state, &principal, &req, body.bytes()).await? {
        Start::Replay { status, body } => return Ok(idempotency::replay_response(status, body)),
        Start::Proceed(claim) => claim,
    };
    ssrf::check_target(&url, state.settings.webhook_allow_private_targets).await?;
    let endpoint = NewEndpoint {
        id: uuid::Uuid::now_v7().to_string(),
        owner,
        url: url.to_string(),
        description,
        event_types,
        secret: generate_secret(),
        created_at: Timestamp::now(),
    };
    let response = CreatedEndpoint {
        id: endpoint.id.clone(),
        url: endpoint.url.clone(),
        event_types: endpoint
            .event_types
            .as_ref()
            .map(|types| types.iter().map(|t| t.as_str().to_owned()).collect()),
        description: endpoint.description.clone(),
        secret: endpoint.secret.clone(),
        disabled: false,
        created_at: endpoint.created_at,
    };
    let body = serde_json::to_string(&response).map_err(ApiError::internal)?;
    // The response carries the secret: the remembered copy is sealed.
    let record = claim
        .as_ref()
        .map(|claim| claim.record_sealed(StatusCode::CREATED, &body, &state.sealer));
    if !state
        .store
        .create_webhook_endpoint(&endpoint, record.as_ref())
        .await?
    {
        return Err(ApiError::idempotency_conflict(
            "a request with this Idempotency-Key is already being processed",
        ));
    }
    Ok(HttpResponse::Created()
        .content_type("application/json")
        .body(body))
}

/// `GET /v1/webhook-endpoints`: the caller's endpoints, oldest first, without secrets.
#[utoipa::path(
    get,
    path = "/v1/webhook-endpoints",
    tag = "webhooks",
    operation_id = "list_webhook_endpoints",
    summary = "List webhook endpoints",
    description = "The caller's endpoints, oldest first, without their secrets. Deleted endpoints are not listed.",
    security(("bearer" = ["wallet", "partner"])),
    params(super::pagination::PageParams),
    responses(
        (status = 200, description = "A page of endpoints.", body = Page<EndpointView>, example = json!(doc::page_example(vec![json!({"id": doc::ENDPOINT_ID, "url": "https://wallet.example.com/hooks/rampflow", "event_types": ["order.accepted", "order.completed"], "description": "production", "disabled": false, "created_at": "2026-11-22T10:15:30.123Z"})]))),
        (status = 400, description = "`malformed_request`: the query string cannot be parsed.", body = doc::ErrorBody,
            example = json!(doc::error_example("malformed_request", "the query string could not be parsed", serde_json::Value::Null))),
        (status = 401, response = doc::Unauthorized),
        (status = 403, description = "`forbidden`: webhook endpoints belong to wallets and partners (the operator has none).", body = doc::ErrorBody,
            example = json!(doc::error_example("forbidden", "webhook endpoints belong to wallets and partners", serde_json::Value::Null))),
        (status = 422, description = "`validation_failed`: an unknown query parameter, or an invalid `limit` or `cursor`.", body = doc::ErrorBody,
            example = json!(doc::validation_example("limit", "must be an integer from 1 to 100"))),
        (status = 429, response = doc::RateLimited),
        (status = 500, response = doc::Internal),
    ),
)]
pub async fn list(
    principal: Principal,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let owner = owner(&principal)?;
    let query = Query::parse(req.query_string(), &[])?;
    let limit = query.limit()?;
    let after = query.cursor()?;
    let rows = state
        .store
        .list_webhook_endpoints(&owner, after.as_deref(), limit + 1)
        .await?;
    let views: Vec<EndpointView> = rows.into_iter().map(EndpointView::from).collect();
    Ok(
        HttpResponse::Ok().json(Page::from_overfetch(views, limit, |v: &EndpointView| {
            v.id.clone()
        })),
    )
}

/// `DELETE /v1/webhook-endpoints/{id}`: no more deliveries; the pending ones fail.
#[utoipa::path(
    delete,
    path = "/v1/webhook-endpoints/{id}",
    tag = "webhooks",
    operation_id = "delete_webhook_endpoint",
    summary = "Delete a webhook endpoint",
    description = "Nothing more is sent to it; its pending deliveries fail.",
    security(("bearer" = ["wallet", "partner"])),
    params(("id" = String, Path, format = "uuid", description = "The endpoint id.")),
    responses(
        (status = 204, description = "The endpoint is deleted."),
        (status = 401, response = doc::Unauthorized),
        (status = 403, description = "`forbidden`: webhook endpoints belong to wallets and partners (the operator has none).", body = doc::ErrorBody,
            example = json!(doc::error_example("forbidden", "webhook endpoints belong to wallets and partners", serde_json::Value::Null))),
        (status = 404, description = "`not_found`: the caller has no such endpoint.", body = doc::ErrorBody,
            example = json!(doc::error_example("not_found", "no such webhook endpoint", serde_json::Value::Null))),
        (status = 429, response = doc::RateLimited),
        (status = 500, response = doc::Internal),
    ),
)]
pub async fn delete(
    principal: Principal,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let owner = owner(&principal)?;
    let id = endpoint_id(&path)?;
    if !state
        .store
        .delete_webhook_endpoint(&owner, &id, Timestamp::now())
        .await?
    {
        return Err(ApiError::not_found("webhook endpoint"));
    }
    // In a cluster, every node's cached copy runs out before the answer (cluster::coherence).
    state.cache_policy.outlive_cached_copies().await;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /v1/webhook-endpoints/{id}/rotate-secret`: a new secret; the old one keeps signing
/// beside it for 24 hours.
#[utoipa::path(
    post,
    path = "/v1/webhook-endpoints/{id}/rotate-secret",
    tag = "webhooks",
    operation_id = "rotate_webhook_secret",
    summary = "Rotate an endpoint's signing secret",
    description = "A new secret, shown once. The previous one keeps signing beside it for 24 hours (`webhook-signature` then carries two signatures), so the receiver can switch without dropping deliveries. The body, if any, is ignored.",
    security(("bearer" = ["wallet", "partner"])),
    params(("id" = String, Path, format = "uuid", description = "The endpoint id.")),
    responses(
        (status = 200, description = "The new secret.", body = RotatedSecret, example = json!({"id": doc::ENDPOINT_ID, "secret": "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD", "previous_secret_expires_at": "2026-11-23T10:15:30.123Z"})),
        (status = 401, response = doc::Unauthorized),
        (status = 403, description = "`forbidden`: webhook endpoints belong to wallets and partners (the operator has none).", body = doc::ErrorBody,
            example = json!(doc::error_example("forbidden", "webhook endpoints belong to wallets and partners", serde_json::Value::Null))),
        (status = 404, description = "`not_found`: the caller has no such endpoint.", body = doc::ErrorBody,
            example = json!(doc::error_example("not_found", "no such webhook endpoint", serde_json::Value::Null))),
        (status = 429, response = doc::RateLimited),
        (status = 500, response = doc::Internal),
    ),
)]
pub async fn rotate_secret(
    principal: Principal,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let owner = owner(&principal)?;
    let id = endpoint_id(&path)?;
    let secret = generate_secret();
    let previous_until = Timestamp::now().plus(PREVIOUS_SECRET_TTL);
    if !state
        .store
        .rotate_webhook_secret(&owner, &id, &secret, previous_until)
        .await?
    {
        return Err(ApiError::not_found("webhook endpoint"));
    }
    // In a cluster, every node's cached copy runs out before the answer (cluster::coherence).
    state.cache_policy.outlive_cached_copies().await;
    Ok(HttpResponse::Ok().json(RotatedSecret {
        id,
        secret,
        previous_secret_expires_at: previous_until,
    }))
}

/// Endpoint ids are UUIDs; anything else names no endpoint.
fn endpoint_id(path: &str) -> Result<String, ApiError> {
    uuid::Uuid::try_parse(path)
        .map(|id| id.hyphenated().to_string())
        .map_err(|_| ApiError::not_found("webhook endpoint"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_types_are_known_deduplicated_and_never_empty() {
        assert_eq!(valid_event_types(None).unwrap(), None);
        assert_eq!(
            valid_event_types(Some(vec![
                "order.completed".into(),
                "order.created".into(),
                "order.completed".into(),
            ]))
            .unwrap(),
            Some(vec![EventType::Completed, EventType::Created])
        );
        assert!(valid_event_types(Some(vec![])).is_err());
        assert!(
            valid_event_types(Some(vec!["order.created".into(), "order.nope".into()])).is_err()
        );
    }

    #[test]
    fn descriptions_are_bounded_in_characters() {
        assert!(valid_description(Some("é".repeat(MAX_DESCRIPTION_CHARS))).is_ok());
        assert!(valid_description(Some("x".repeat(MAX_DESCRIPTION_CHARS + 1))).is_err());
        assert_eq!(valid_description(None).unwrap(), None);
    }
}
