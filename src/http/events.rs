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
use serde_json::Value;

use super::auth::Principal;
use super::error::ApiError;
use super::pagination::{Page, Query};
use super::AppState;
use crate::store::orders::OrderScope;
use crate::store::webhooks::{owner_of, DeliveryRow, DeliverySummary, EventFilter, EventRow};

/// The event resource.
#[derive(Serialize)]
struct EventView {
    id: String,
    #[serde(rename = "type")]
    event_type: String,
    order_id: String,
    order_version: i64,
    created_at: Timestamp,
    /// The webhook body, as delivered.
    payload: Value,
    delivery: Option<&'static str>,
}

/// `GET /v1/events/{id}`: the event and the caller's deliveries of it.
#[derive(Serialize)]
struct EventWithDeliveries {
    #[serde(flatten)]
    event: EventView,
    deliveries: Vec<DeliveryView>,
}

#[derive(Serialize)]
struct DeliveryView {
    endpoint_id: String,
    state: String,
    attempts: i64,
    /// When the next attempt is due; `null` once the delivery is settled.
    next_attempt_at: Option<Timestamp>,
    last_status: Option<i64>,
    last_error: Option<String>,
    attempts_log: Vec<AttemptView>,
}

#[derive(Serialize)]
struct AttemptView {
    attempted_at: Timestamp,
    status_code: Option<i64>,
    duration_ms: i64,
    error: Option<String>,
    response_body: Option<String>,
}

#[derive(Serialize)]
struct Redelivery {
    event_id: String,
    deliveries: u64,
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
