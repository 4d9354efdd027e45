//! Order events (wallets and partners): list, read with the caller's delivery attempts, and
//! redeliver.
//!
//! A wallet sees the events of its orders, a partner those of the orders routed to it. The
//! `delivery` of an event sums up the caller's own deliveries of it (to its endpoints, deleted
//! ones included): `pending` while any is pending, else `failed` if any failed, else
//! `delivered`; `null` when none of its endpoints was sent the event.

use actix_web::{web, HttpRequest, HttpResponse};
use rampflow_actors::model::{EventId, OrderId, Timestamp};
use rampflow_actors::order::EventType;
use serde::Serialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

use super::auth::Principal;
use super::error::ApiError;
use super::openapi as doc;
use super::pagination::{Page, Query};
use super::AppState;
use crate::store::orders::OrderScope;
use crate::store::webhooks::{owner_of, DeliveryRow, DeliverySummary, EventFilter, EventRow};

/// The event resource.
#[derive(Serialize, ToSchema)]
struct EventView {
    #[schema(value_type = rampflow_actors::model::EventId)]
    id: String,
    #[serde(rename = "type")]
    #[schema(value_type = EventType)]
    event_type: String,
    #[schema(value_type = rampflow_actors::model::OrderId)]
    order_id: String,
    /// The order's `version` after the change this event announces.
    order_version: i64,
    created_at: Timestamp,
    /// The webhook body, as delivered.
    #[schema(value_type = doc::WebhookPayload)]
    payload: Value,
    /// The caller's deliveries of this event, summed up: `pending` while any is pending, else
    /// `failed` if any failed, else `delivered`; `null` when none of the caller's endpoints was
    /// sent it.
    #[schema(value_type = Option<DeliverySummaryName>, required)]
    delivery: Option<&'static str>,
}

/// How the caller's deliveries of an event stand.
#[derive(ToSchema)]
#[schema(as = DeliverySummary, rename_all = "snake_case")]
#[allow(dead_code)]
enum DeliverySummaryName {
    Pending,
    Delivered,
    Failed,
}

/// `GET /v1/events/{id}`: the event and the caller's deliveries of it.
#[derive(Serialize, ToSchema)]
struct EventWithDeliveries {
    #[serde(flatten)]
    event: EventView,
    deliveries: Vec<DeliveryView>,
}

/// One delivery of the event to one of the caller's endpoints.
#[derive(Serialize, ToSchema)]
struct DeliveryView {
    #[schema(format = "uuid", example = "01936f0c-3e4f-7a5b-8c6d-7e8f9a0b1c2d")]
    endpoint_id: String,
    /// `pending`, `delivered` or `failed`.
    #[schema(value_type = DeliverySummaryName)]
    state: String,
    attempts: i64,
    /// When the next attempt is due; `null` once the delivery is settled.
    #[schema(required)]
    next_attempt_at: Option<Timestamp>,
    /// The HTTP status of the last attempt; `null` when it got no answer.
    #[schema(required)]
    last_status: Option<i64>,
    #[schema(required)]
    last_error: Option<String>,
    attempts_log: Vec<AttemptView>,
}

/// One attempt at a delivery.
#[derive(Serialize, ToSchema)]
struct AttemptView {
    attempted_at: Timestamp,
    /// The receiver's HTTP status; `null` when it did not answer (timeout, refused...).
    #[schema(required)]
    status_code: Option<i64>,
    duration_ms: i64,
    #[schema(required)]
    error: Option<String>,
    /// The start of the receiver's answer.
    #[schema(required)]
    response_body: Option<String>,
}

/// A redelivery that was queued.
#[derive(Serialize, ToSchema)]
struct Redelivery {
    #[schema(value_type = rampflow_actors::model::EventId)]
    event_id: String,
    /// How many deliveries were queued (one per live endpoint of the caller that wants the
    /// event's type).
    deliveries: u64,
}

/// The filters of `GET /v1/events` (documentation only: the handler reads them with [`Query`]).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct EventFilterParams {
    /// Events of this order.
    order_id: Option<OrderId>,
    /// Events of this type.
    #[param(rename = "type")]
    event_type: Option<EventType>,
    /// Events whose deliveries to the caller's endpoints stand so.
    delivery: Option<DeliverySummaryName>,
}

fn event_with_deliveries_example() -> Value {
    let mut event = json!({"id": doc::EVENT_ID, "type": "order.accepted", "order_id": doc::ORDER_ID, "order_version": 2, "created_at": "2026-11-22T10:16:02.481Z", "payload": {"type": "order.accepted", "timestamp": "2026-11-22T10:16:02.481Z", "data": doc::order_example("accepted")}, "delivery": "delivered"});
    event["deliveries"] = json!([{
        "endpoint_id": doc::ENDPOINT_ID,
        "state": "delivered",
        "attempts": 2,
        "next_attempt_at": null,
        "last_status": 200,
        "last_error": null,
        "attempts_log": [
            {"attempted_at": "2026-11-22T10:16:02.500Z", "status_code": 503, "duration_ms": 41, "error": null, "response_body": "busy"},
            {"attempted_at": "2026-11-22T10:16:07.912Z", "status_code": 200, "duration_ms": 38, "error": null, "response_body": "ok"}
        ]
    }]);
    event
}

fn event_view(row: EventRow) -> Result<EventView, ApiError> {
    let payload = serde_json::from_str(&row.payload).map_err(ApiError::internal)?;
    Ok(EventView {
        id: row.id,
        event_type: row.event_type,
        order_id: row.order_id,
        order_version: row.order_version,
        created_at: row.created_at,
        payload,
        delivery: row.delivery.map(|d| d.as_str()),
    })
}

fn delivery_view(row: DeliveryRow) -> DeliveryView {
    DeliveryView {
        next_attempt_at: (row.state == "pending").then_some(row.next_attempt_at),
        endpoint_id: row.endpoint_id,
        state: row.state,
        attempts: row.attempts,
        last_status: row.last_status,
        last_error: row.last_error,
        attempts_log: row
            .attempts_log
            .into_iter()
            .map(|a| AttemptView {
                attempted_at: a.attempted_at,
                status_code: a.status_code,
                duration_ms: a.duration_ms,
                error: a.error,
                response_body: a.response_body,
            })
            .collect(),
    }
}

/// Events belong to the parties of orders; the operator has none.
fn scope(principal: &Principal) -> Result<OrderScope, ApiError> {
    match principal {
        Principal::Wallet(id) => Ok(OrderScope::Wallet(*id)),
        Principal::Partner(id) => Ok(OrderScope::Partner(*id)),
        Principal::Operator => Err(ApiError::forbidden("events belong to wallets and partners")),
    }
}

/// Event ids are UUIDs; anything else names no event.
fn event_id(path: &str) -> Result<EventId, ApiError> {
    EventId::parse(path).map_err(|_| ApiError::not_found("event"))
}

async fn visible_event(
    state: &AppState,
    scope: OrderScope,
    path: &str,
) -> Result<EventRow, ApiError> {
    state
        .store
        .find_event(scope, event_id(path)?)
        .await?
        .ok_or_else(|| ApiError::not_found("event"))
}

/// `GET /v1/events?order_id=&type=&delivery=pending|delivered|failed&limit=&cursor=`,
/// newest first.
#[utoipa::path(
    get,
    path = "/v1/events",
    tag = "events",
    operation_id = "list_events",
    summary = "List events",
    description = "The events of the caller's orders, newest first.",
    security(("bearer" = ["wallet", "partner"])),
    params(EventFilterParams, super::pagination::PageParams),
    responses(
        (status = 200, description = "A page of events.", body = Page<EventView>, example = json!(doc::page_example(vec![json!({"id": doc::EVENT_ID, "type": "order.accepted", "order_id": doc::ORDER_ID, "order_version": 2, "created_at": "2026-11-22T10:16:02.481Z", "payload": {"type": "order.accepted", "timestamp": "2026-11-22T10:16:02.481Z", "data": doc::order_example("accepted")}, "delivery": "delivered"})]))),
        doc::ListErrors,
        (status = 403, description = "`forbidden`: events belong to wallets and partners (the operator has none).", body = doc::ErrorBody,
            example = json!(doc::error_example("forbidden", "events belong to wallets and partners", serde_json::Value::Null))),
        (status = 422, description = "`validation_failed`: an unknown query parameter, an invalid filter (an unknown event type, say), or an invalid `limit` or `cursor`.", body = doc::ErrorBody,
            example = json!(doc::validation_example("type", "is not an event type"))),
    ),
)]
pub async fn list(
    principal: Principal,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let scope = scope(&principal)?;
    let query = Query::parse(req.query_string(), &["order_id", "type", "delivery"])?;
    let limit = query.limit()?;
    let filter = EventFilter {
        order_id: query
            .get("order_id")
            .map(|id| OrderId::parse(id).map_err(|e| ApiError::validation("order_id", e.0)))
            .transpose()?,
        event_type: query
            .get("type")
            .map(|name| {
                EventType::parse(name)
                    .ok_or_else(|| ApiError::validation("type", "is not an event type"))
            })
            .transpose()?,
        delivery: query
            .get("delivery")
            .map(|d| {
                DeliverySummary::parse(d).ok_or_else(|| {
                    ApiError::validation("delivery", "must be pending, delivered or failed")
                })
            })
            .transpose()?,
        before_id: query
            .cursor()?
            .map(|c| {
                EventId::parse(&c)
                    .map_err(|_| ApiError::validation("cursor", "is not a cursor this API issued"))
            })
            .transpose()?,
    };
    let rows = state.store.list_events(scope, &filter, limit + 1).await?;
    let views = rows
        .into_iter()
        .map(event_view)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(
        HttpResponse::Ok().json(Page::from_overfetch(views, limit, |v: &EventView| {
            v.id.clone()
        })),
    )
}

/// `GET /v1/events/{id}`: the event with the caller's deliveries and every attempt.
#[utoipa::path(
    get,
    path = "/v1/events/{id}",
    tag = "events",
    operation_id = "get_event",
    summary = "Read an event and its deliveries",
    description = "The event, with the caller's deliveries of it (to its endpoints, deleted ones included) and every attempt.",
    security(("bearer" = ["wallet", "partner"])),
    params(("id" = EventId, Path, description = "The event id.")),
    responses(
        (status = 200, description = "The event.", body = EventWithDeliveries, example = json!(event_with_deliveries_example())),
        doc::ReadErrors,
        (status = 403, description = "`forbidden`: events belong to wallets and partners (the operator has none).", body = doc::ErrorBody,
            example = json!(doc::error_example("forbidden", "events belong to wallets and partners", serde_json::Value::Null))),
        (status = 404, description = "`not_found`: no such event of the caller's orders.", body = doc::ErrorBody,
            example = json!(doc::error_example("not_found", "no such event", serde_json::Value::Null))),
    ),
)]
pub async fn get(
    principal: Principal,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let scope = scope(&principal)?;
    let event = visible_event(&state, scope, &path).await?;
    let deliveries = state
        .store
        .event_deliveries(&owner_of(scope), &event.id)
        .await?;
    Ok(HttpResponse::Ok().json(EventWithDeliveries {
        event: event_view(event)?,
        deliveries: deliveries.into_iter().map(delivery_view).collect(),
    }))
}

/// `POST /v1/events/{id}/redeliver` → 202: sends the event again, from a first attempt, to
/// every live endpoint of the caller that wants its type.
#[utoipa::path(
    post,
    path = "/v1/events/{id}/redeliver",
    tag = "events",
    operation_id = "redeliver_event",
    summary = "Send an event again",
    description = "Queues the event again, from a first attempt, for every live endpoint of the caller that wants its type. The body, if any, is ignored.",
    security(("bearer" = ["wallet", "partner"])),
    params(("id" = EventId, Path, description = "The event id.")),
    responses(
        (status = 202, description = "The deliveries are queued.", body = Redelivery, example = json!({"event_id": doc::EVENT_ID, "deliveries": 1})),
        doc::ReadErrors,
        (status = 403, description = "`forbidden`: events belong to wallets and partners (the operator has none).", body = doc::ErrorBody,
            example = json!(doc::error_example("forbidden", "events belong to wallets and partners", serde_json::Value::Null))),
        (status = 404, description = "`not_found`: no such event of the caller's orders.", body = doc::ErrorBody,
            example = json!(doc::error_example("not_found", "no such event", serde_json::Value::Null))),
    ),
)]
pub async fn redeliver(
    principal: Principal,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let scope = scope(&principal)?;
    let event = visible_event(&state, scope, &path).await?;
    let deliveries = state
        .store
        .redeliver_event(&owner_of(scope), &event, Timestamp::now())
        .await?;
    if deliveries > 0 {
        state.deliveries.nudge();
    }
    Ok(HttpResponse::Accepted().json(Redelivery {
        event_id: event.id,
        deliveries,
    }))
}
