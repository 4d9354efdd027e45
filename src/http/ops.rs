//! `GET /v1/ops/stats`: a JSON snapshot of the actors for the operator.

use std::sync::atomic::Ordering;

use actix_web::{web, HttpResponse};
use rampflow_actors::order::{Status, TimerKind};
use serde_json::{json, Map, Value};

use super::auth::Principal;
use super::error::ApiError;
use super::AppState;

/// `GET /v1/ops/stats`
#[utoipa::path(
    get,
    path = "/v1/ops/stats",
    tag = "operations",
    operation_id = "get_ops_stats",
    summary = "Live figures of the order actors (operator)",
    description = "Live actors by status, mailbox depth, pending timers and the group-commit journal's figures, read from memory.",
    security(("bearer" = ["operator"])),
    responses(
        (status = 200, description = "The figures.", body = super::openapi::OpsStats),
        (status = 401, response = super::openapi::Unauthorized),
        (status = 403, description = "`forbidden`: only the operator may call this endpoint.", body = super::openapi::ErrorBody,
            example = json!(super::openapi::error_example("forbidden", "only the operator may call this endpoint", Value::Null))),
        (status = 429, response = super::openapi::RateLimited),
        (status = 500, response = super::openapi::Internal),
    ),
)]
pub async fn stats(
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    principal.operator()?;
    let registry = &state.registry;
    let actors = registry.stats();
    let by_status: Map<String, Value> = Status::ALL
        .iter()
        .map(|status| (status.as_str().to_owned(), json!(actors.live_in(*status))))
        .collect();
    let timers: Map<String, Value> = TimerKind::ALL
        .iter()
        .map(|kind| {
            (
                kind.as_str().to_owned(),
                json!(actors.pending_timers(*kind)),
            )
        })
        .collect();
    // The 100 largest backlogs; ops need the endpoints that are behind, not every one.
    let backlog = state.store.webhook_backlog(100).await?;
    let journal = registry.journal().stats();
    Ok(HttpResponse::Ok().json(json!({
        "actors": {
            "live": actors.live_actors(),
            "by_status": by_status,
            "activations": actors.activations.load(Ordering::Relaxed),
            "passivations": actors.passivations.load(Ordering::Relaxed),
            "restarts": actors.restarts.load(Ordering::Relaxed),
            "rehydrated": registry.is_rehydrated(),
        },
        "mailbox_depth": actors.mailbox_depth.load(Ordering::Relaxed),
        "timers_pending": timers,
        "journal": {
            "queue_depth": registry.journal().queue_depth(),
            "batches": journal.batches.load(Ordering::Relaxed),
            "rows": journal.rows.load(Ordering::Relaxed),
            "failed_batches": journal.failed_batches.load(Ordering::Relaxed),
            "last_batch_rows": journal.last_batch_rows.load(Ordering::Relaxed),
            "last_commit_micros": journal.last_commit_micros.load(Ordering::Relaxed),
        },
        "webhooks": {
            "pending": backlog.iter().map(|b| b.pending).sum::<i64>(),
            "backlog_by_endpoint": backlog
                .iter()
                .map(|b| json!({
                    "endpoint_id": b.endpoint_id,
                    "pending": b.pending,
                    "disabled": b.disabled,
                }))
                .collect::<Vec<_>>(),
        },
    })))
}
