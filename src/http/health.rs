//! Liveness and readiness.

use actix_web::{web, HttpResponse};
use serde_json::{json, Map, Value};

use super::AppState;

/// `GET /healthz`: the process is up and serving.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    operation_id = "healthz",
    summary = "Liveness",
    description = "The process is up and serving. No key needed.",
    responses((status = 200, description = "Alive.", body = super::openapi::Health)),
)]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// `GET /readyz`: every component can do its job; 503 with `Retry-After` when one cannot.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "operations",
    operation_id = "readyz",
    summary = "Readiness",
    description = "Whether every component can do its job: the database answers, the live orders are back in memory, the journal writer and the webhook dispatcher run, and (on PostgreSQL) the node owns its share of the shards or every shard has an owner, and it is not leaving. No key needed. The 503 carries this report and, like every non-2xx, the error envelope (`error`, code `overloaded`, the down components in `details`).",
    responses(
        (status = 200, description = "Ready.", body = super::openapi::ReadinessReport),
        (status = 503, description = "Not ready: the report says which component is down. `Retry-After` is set.", body = super::openapi::ReadinessReport,
            headers(("Retry-After" = u32, description = "Seconds to wait before asking again.")),
            example = json!({"status": "not_ready", "components": {"database": {"status": "down", "reason": "unreachable"}, "registry": {"status": "up"}, "journal": {"status": "up"}, "webhook_senders": {"status": "up"}}, "journal_queue_depth": 0, "error": {"code": "overloaded", "message": "not ready: database unreachable", "details": {"down": {"database": "unreachable"}}}})),
    ),
)]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    // The breaker's verdict, kept fresh by the probe: readiness never waits on the database.
    let database_up = !state.store.breaker().is_open();
    let journal = state.registry.journal();
    let cluster_why = if state.cluster.is_leaving() {
        "leaving: handing its shards over"
    } else {
        "taking its share of the shards"
    };
    let registry = match (state.registry.is_stopping(), state.registry.is_rehydrated()) {
        (true, _) => (false, "stopping: its order actors are passivated"),
        (false, rehydrated) => (rehydrated, "rehydrating live orders"),
    };
    let mut components = vec![
        ("database", database_up, "unreachable"),
        ("registry", registry.0, registry.1),
        ("journal", journal.is_running(), "writer stopped"),
        (
            "webhook_senders",
            state.webhook_health.is_alive(),
            "dispatcher not claiming",
        ),
    ];
    // On PostgreSQL: ready once this node owns its share of the shards, or every shard has
    // an owner (and not while it is leaving).
    if state.cluster.is_clustered() {
        components.push(("cluster", state.cluster.is_ready(), cluster_why));
    }
    let ready = components.iter().all(|(_, up, _)| *up);
    let detail: Map<String, Value> = components
        .iter()
        .map(|(name, up, why)| {
            let value = if *up {
                json!({ "status": "up" })
            } else {
                json!({ "status": "down", "reason": why })
            };
            ((*name).to_owned(), value)
        })
        .collect();
    let mut body = json!({
        "status": if ready { "ready" } else { "not_ready" },
        "components": detail,
        "journal_queue_depth": journal.queue_depth(),
    });
    if ready {
        return HttpResponse::Ok().json(body);
    }
    // Not ready is a non-2xx like any other: it carries the error envelope too, beside the
    // report ops tools read.
    let down: Map<String, Value> = components
        .iter()
        .filter(|(_, up, _)| !*up)
        .map(|(name, _, why)| ((*name).to_owned(), json!(why)))
        .collect();
    let summary = down
        .iter()
        .map(|(name, why)| format!("{name} {}", why.as_str().unwrap_or_default()))
        .collect::<Vec<_>>()
        .join(", ");
    body["error"] = json!({
        "code": "overloaded",
        "message": format!("not ready: {summary}"),
        "details": { "down": down },
    });
    HttpResponse::ServiceUnavailable()
        .insert_header(("Retry-After", "1"))
        .json(body)
}
