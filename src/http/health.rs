//! Liveness and readiness.

use actix_web::{web, HttpResponse};
use serde_json::json;

use super::AppState;

/// `GET /healthz`: the process is up and serving.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// `GET /readyz`: the database answers and the live orders are back in memory.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let database = state.store.ping().await.is_ok();
    let registry = state.registry.is_rehydrated();
    let body = json!({
        "status": if database && registry { "ready" } else { "not_ready" },
        "components": {
            "database": if database { "up" } else { "down" },
            "registry": if registry { "up" } else { "starting" },
        }
    });
    if database && registry {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable()
            .insert_header(("Retry-After", "1"))
            .json(body)
    }
}
