//! The actix-web front end. One module per resource; shared pieces: [`auth`] (keys and
//! roles), [`error`] (the envelope), [`body`] (JSON bodies into domain types),
//! [`pagination`] and [`idempotency`].

pub mod admin;
pub mod auth;
pub mod body;
pub mod database_gate;
pub mod error;
pub mod events;
pub mod health;
pub mod idempotency;
pub mod metrics;
pub mod openapi;
pub mod ops;
pub mod orders;
pub mod pagination;
pub mod pricing;
pub mod rate_limit;
pub mod request_log;
pub mod ssrf;
pub mod users;
pub mod webhooks;

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use actix_web::dev::{Service, ServiceResponse};
use actix_web::middleware::ErrorHandlers;
use actix_web::{web, HttpResponse};
use futures::FutureExt;
use rampflow_actors::registry::Registry;

use crate::config::Settings;
use crate::store::Store;
use error::ApiError;

/// What every handler shares.
pub struct AppState {
    pub settings: Arc<Settings>,
    pub store: Store,
    pub registry: Registry,
    pub keys: auth::Keys,
    pub sealer: idempotency::Sealer,
    pub in_flight: Arc<idempotency::InFlight>,
    /// Wakes the webhook dispatcher after deliveries were added outside the journal.
    pub deliveries: rampflow_actors::webhook::Nudge,
    pub webhook_health: rampflow_actors::webhook::dispatcher::WebhookHealth,
    pub rate_limiter: rate_limit::RateLimiter,
    /// This node's place in the cluster (a cluster of one on SQLite).
    pub cluster: crate::cluster::Cluster,
    /// How long cached keys and grants are trusted; changes wait it out in a cluster.
    pub cache_policy: crate::cluster::coherence::CachePolicy,
}

/// Registers every route. Each path is a `resource`, so a known path with an unknown method
/// answers 405 rather than 404.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/healthz").get(health::healthz))
        .service(web::resource("/readyz").get(health::readyz))
        // The OpenAPI document and Swagger UI, served from the binary (see `openapi`).
        .service(web::resource("/openapi.json").get(openapi::spec))
        .service(web::resource("/docs").get(openapi::docs))
        .service(web::resource("/docs/{file:.*}").get(openapi::docs_file))
        // No auth, like /healthz: ops scrape it from inside the network (aggregates only).
        .service(web::resource("/metrics").get(metrics::render))
        .service(
            web::scope("/v1")
                // Answers 503 at once while the database is unreachable (see `database_gate`).
                .wrap(actix_web::middleware::from_fn(database_gate::guard))
                // Orders first, in scopes of their own: actix tries routes in order and matches
                // every `{param}` pattern with a regex, so the hot paths should not queue
                // behind a dozen others.
                .service(
                    web::scope("/orders")
                        .service(web::resource("").post(orders::create).get(orders::list))
                        .service(
                            web::scope("/{id}")
                                // Commands for orders another node owns go to that node.
                                .wrap(actix_web::middleware::from_fn(
                                    crate::cluster::forward::to_owner,
                                ))
                                .service(web::resource("").get(orders::get))
                                .service(web::resource("/user").get(users::read_for_order))
                                .service(web::resource("/accept").post(orders::accept))
                                .service(web::resource("/reject").post(orders::reject))
                                .service(web::resource("/cancel").post(orders::cancel))
                                .service(web::resource("/funds-sent").post(orders::funds_sent))
                                .service(
                                    web::resource("/funds-received").post(orders::funds_received),
                                )
                                .service(web::resource("/complete").post(orders::complete))
                                .service(web::resource("/fail").post(orders::fail))
                                .service(web::resource("/refund").post(orders::refund)),
                        ),
                )
                .service(
                    web::resource("/admin/{kind}")
                        .post(admin::create)
                        .get(admin::list),
                )
                .service(web::resource("/admin/{kind}/{id}/rotate-key").post(admin::rotate_key))
                .service(web::resource("/ops/stats").get(ops::stats))
                .service(web::resource("/ops/cluster").get(ops::cluster))
                .service(
                    web::resource("/users/{user_ref}")
                        .put(users::put)
                        .get(users::get)
                        .delete(users::delete),
                )
                .service(web::resource("/users/{user_ref}/grants").get(users::list_grants))
                .service(
                    web::resource("/users/{user_ref}/grants/{partner_id}")
                        .put(users::grant)
                        .delete(users::revoke),
                )
                .service(web::resource("/users/{user_ref}/access-log").get(users::access_log))
                .service(
                    web::resource("/partner/pricing")
                        .put(pricing::put_pricing)
                        .get(pricing::get_pricing),
                )
                .service(
                    web::resource("/wallet/fee")
                        .put(pricing::put_wallet_fee)
                        .get(pricing::get_wallet_fee),
                )
                .service(web::resource("/quotes").post(pricing::create_quote))
                .service(web::resource("/quotes/compare").get(pricing::compare))
                .service(
                    web::resource("/webhook-endpoints")
                        .post(webhooks::create)
                        .get(webhooks::list),
                )
                .service(web::resource("/webhook-endpoints/{id}").delete(webhooks::delete))
                .service(
                    web::resource("/webhook-endpoints/{id}/rotate-secret")
                        .post(webhooks::rotate_secret),
                )
                .service(web::resource("/events").get(events::list))
                .service(web::resource("/events/{id}").get(events::get))
                .service(web::resource("/events/{id}/redeliver").post(events::redeliver)),
        )
        .default_service(web::to(|| async {
            Err::<HttpResponse, _>(ApiError::not_found("path"))
        }));
}

/// Builds the app: state, routes, the error envelope for actix's own errors, and a guard that
/// turns a panicking handler into a 500 instead of a dead worker.
pub fn app(
    state: web::Data<AppState>,
) -> actix_web::App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    actix_web::App::new()
        .app_data(state)
        .configure(routes)
        .wrap_fn(|req, service| {
            let response = service.call(req);
            async move {
                AssertUnwindSafe(response)
                    .catch_unwind()
                    .await
                    .unwrap_or_else(
                        |_| Err(ApiError::internal("a request handler panicked").into()),
                    )
            }
        })
        .wrap(ErrorHandlers::new().default_handler(error::envelope_for_bare_errors))
        .wrap(actix_web::middleware::from_fn(metrics::track))
        .wrap(actix_web::middleware::from_fn(request_log::request_span))
}
