//! `GET /metrics`: Prometheus text exposition through the `metrics` facade, and the middleware
//! that counts HTTP requests.
//!
//! The recorder is process-wide (the `metrics` facade has one global recorder), so it is
//! installed once per process ([`install`], called first thing by `Application::build`).
//! Counters and histograms are recorded where things happen: requests here, order actors,
//! the journal and webhook senders in `rampflow_actors::instruments`, the cluster's in
//! `cluster::instruments`. Gauges are not kept
//! in the recorder between scrapes: each scrape sets them from the serving app's own atomics
//! and database, under one lock together with the render, so they describe that app even when
//! several apps share a process (as in the tests).
//!
//! No label carries an unbounded value: `route` is the route *pattern*
//! (`/v1/orders/{id}/accept`), `"unmatched"` for paths no route knows; `method` is one of the
//! standard methods or `"other"`; `status` is the numeric status code.

use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse};
use metrics::{counter, describe_counter, describe_histogram, gauge, histogram, Unit};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use rampflow_actors::crossings::Hop;
use rampflow_actors::instruments as names;
use rampflow_actors::order::{Status, TimerKind};

use super::AppState;
use crate::cluster::instruments as cluster;

pub const HTTP_REQUESTS: &str = "rampflow_http_requests_total";
pub const HTTP_REQUEST_DURATION: &str = "rampflow_http_request_duration_seconds";

/// The `route` of a request no route matched (the concrete path is never a label).
pub const UNMATCHED: &str = "unmatched";

/// Sub-millisecond to tens of seconds: request, command, commit and webhook attempt times.
const SECONDS: &[f64] = &[
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    5.0, 10.0, 30.0,
];
/// Timers normally fire within milliseconds of their deadline, but after downtime the overdue
/// ones fire at boot, late by as long as the process was down.
const LATENESS_SECONDS: &[f64] = &[
    0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 60.0, 300.0, 3600.0,
];
/// Writes per group-commit transaction (`journal.max_batch` defaults to 512).
const BATCH_ROWS: &[f64] = &[
    1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0, 4096.0,
];

/// How often histogram samples are folded into their buckets when nobody scrapes.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Serializes "set the gauges, render" so that two apps in one process never render each
/// other's gauges.
static SCRAPE: Mutex<()> = Mutex::new(());

/// The exporter configuration: explicit buckets for every histogram family.
pub fn builder() -> PrometheusBuilder {
    let buckets: [(&str, &[f64]); 9] = [
        (HTTP_REQUEST_DURATION, SECONDS),
        (names::COMMAND_DURATION, SECONDS),
        (names::TIMER_LATENESS, LATENESS_SECONDS),
        (names::JOURNAL_BATCH_ROWS, BATCH_ROWS),
        (names::JOURNAL_COMMIT_DURATION, SECONDS),
        (names::JOURNAL_CHECKPOINT_DURATION, SECONDS),
        (names::WEBHOOK_DELIVERY_DURATION, SECONDS),
        (cluster::FORWARD_DURATION, SECONDS),
        (cluster::LEASE_RENEWAL, SECONDS),
    ];
    buckets
        .into_iter()
        .fold(PrometheusBuilder::new(), |builder, (name, values)| {
            builder
                .set_buckets_for_metric(Matcher::Full(name.to_owned()), values)
                .expect("bucket lists are not empty")
        })
}

/// Installs the process-wide recorder the first time it is called; later calls (more apps in
/// the same process) get the same handle. `None` when another recorder was installed first.
pub fn install() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let recorder = builder().build_recorder();
            let handle = recorder.handle();
            if let Err(error) = metrics::set_global_recorder(recorder) {
                tracing::warn!(%error, "another metrics recorder is installed; /metrics is off");
                return None;
            }
            describe();
            names::describe();
            cluster::describe();
            let upkeep = handle.clone();
            let spawned = std::thread::Builder::new()
                .name("metrics-upkeep".into())
                .spawn(move || loop {
                    std::thread::sleep(UPKEEP_EVERY);
                    upkeep.run_upkeep();
                });
            if let Err(error) = spawned {
                tracing::warn!(%error, "no metrics upkeep thread; histograms drain at scrapes");
            }
            Some(handle)
        })
        .as_ref()
}

fn describe() {
    describe_counter!(
        HTTP_REQUESTS,
        "HTTP requests answered, by method, route pattern and status code."
    );
    describe_histogram!(
        HTTP_REQUEST_DURATION,
        Unit::Seconds,
        "Time to answer an HTTP request (until the response head), by route pattern."
    );
}

/// `GET /metrics`. No authentication, like `/healthz`: operators scrape it from inside the
/// network, and it holds only aggregate figures (no order id, key, URL or other unbounded
/// value in any label).
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    operation_id = "get_metrics",
    summary = "Prometheus metrics",
    description = "The Prometheus text exposition format (version 0.0.4). No key needed: scrape it from inside the network; it holds only aggregate figures.",
    responses(
        (status = 200, description = "The metrics.", content_type = "text/plain; version=0.0.4", body = String,
            example = json!("# TYPE rampflow_http_requests_total counter\nrampflow_http_requests_total{method=\"GET\",route=\"/v1/orders/{id}\",status=\"200\"} 42\n")),
        (status = 503, description = "Metrics are unavailable: another metrics recorder is installed in this process.", content_type = "text/plain", body = String,
            example = json!("metrics are unavailable: another recorder is installed in this process\n")),
    ),
)]
pub async fn render(state: web::Data<AppState>) -> HttpResponse {
    let Some(handle) = install() else {
        return HttpResponse::ServiceUnavailable()
            .content_type("text/plain; charset=utf-8")
            .body("metrics are unavailable: another recorder is installed in this process\n");
    };
    // The one await happens before the lock is taken.
    let webhooks = state.store.webhook_gauges().await;
    if let Err(error) = &webhooks {
        tracing::warn!(%error, "could not count webhook deliveries for /metrics");
    }
    let body = {
        let _scrape = SCRAPE.lock().unwrap_or_else(PoisonError::into_inner);
        set_gauges(&state);
        if let Ok(webhooks) = webhooks {
            gauge!(names::WEBHOOK_PENDING).set(webhooks.pending as f64);
            gauge!(names::WEBHOOK_ENDPOINTS_DISABLED).set(webhooks.endpoints_disabled as f64);
        }
        handle.render()
    };
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(body)
}

/// The gauges, and the counters kept as this app's own atomics (thread crossings), from them.
fn set_gauges(state: &AppState) {
    let registry = &state.registry;
    let actors = registry.stats();
    gauge!(names::ORDER_ACTORS).set(actors.live_actors() as f64);
    gauge!(names::ORDER_ACTORS_MAX).set(registry.max_live() as f64);
    for status in Status::ALL {
        gauge!(names::ORDERS_LIVE, "status" => status.as_str()).set(actors.live_in(status) as f64);
    }
    let mailboxes = actors
        .mailbox_depth
        .load(std::sync::atomic::Ordering::Relaxed);
    gauge!(names::MAILBOX_DEPTH).set(mailboxes.max(0) as f64);
    for kind in TimerKind::ALL {
        gauge!(names::TIMERS_PENDING, "kind" => kind.as_str())
            .set(actors.pending_timers(kind).max(0) as f64);
    }
    gauge!(names::JOURNAL_QUEUE_DEPTH).set(registry.journal().queue_depth() as f64);
    let crossings = registry.journal().crossings();
    for hop in Hop::ALL {
        counter!(names::THREAD_CROSSINGS, "hop" => hop.as_str()).absolute(crossings.count(hop));
    }
    gauge!(cluster::SHARDS_OWNED).set(state.cluster.shards().held().len() as f64);
    gauge!(cluster::NODES_ALIVE).set(state.cluster.nodes_alive() as f64);
}

/// The middleware: one count and one duration sample per request, by route pattern.
pub async fn track(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = method_label(req.method());
    // Matched on the path the way the router matches it, so a handler's error (which leaves no
    // response to read the matched pattern from) is still counted under its route.
    let route = req
        .resource_map()
        .match_pattern(req.match_info().unprocessed())
        .unwrap_or_else(|| UNMATCHED.to_owned());
    let result = next.call(req).await;
    let status = match &result {
        Ok(response) => response.status(),
        Err(error) => error.as_response_error().status_code(),
    };
    counter!(
        HTTP_REQUESTS,
        "method" => method,
        "route" => route.clone(),
        "status" => status.as_u16().to_string()
    )
    .increment(1);
    histogram!(HTTP_REQUEST_DURATION, "route" => route).record(started.elapsed());
    result
}

/// Standard methods by name; anything else (extension methods are unbounded) as `"other"`.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use actix_web::middleware::from_fn;
    use actix_web::test as actix_test;
    use actix_web::App;

    use super::*;

    async fn ok() -> HttpResponse {
        HttpResponse::Ok().finish()
    }

    async fn boom() -> Result<HttpResponse, actix_web::Error> {
        Err(actix_web::error::ErrorConflict("no"))
    }

    /// Runs requests against a small app under a recorder of the test's own (thread-local, so
    /// the count is exact whatever else runs in the process) and renders it.
    fn scrape(paths: &'static [(&'static str, &'static str)]) -> String {
        let recorder = builder().build_recorder();
        let handle = recorder.handle();
        metrics::with_local_recorder(&recorder, || {
            actix_web::rt::System::new().block_on(async {
                let app = actix_test::init_service(
                    App::new()
                        .service(
                            web::scope("/v1")
                                .service(web::resource("/orders/{id}/accept").post(ok))
                                .service(web::resource("/orders/{id}/fail").post(boom)),
                        )
                        .wrap(from_fn(track)),
                )
                .await;
                for (method, path) in paths {
                    let request = actix_test::TestRequest::default()
                        .method(Method::from_bytes(method.as_bytes()).unwrap())
                        .uri(path)
                        .to_request();
                    let _ = actix_test::call_service(&app, request).await;
                }
            })
        });
        handle.render()
    }

    #[test]
    fn requests_are_counted_by_route_pattern_never_by_path() {
        let text = scrape(&[
            (
                "POST",
                "/v1/orders/0190a5a4-3c2e-7cc1-9b8e-4c1e2a8d9f10/accept",
            ),
            (
                "POST",
                "/v1/orders/0190a5a4-3c2e-7cc1-9b8e-4c1e2a8d9f11/accept",
            ),
            (
                "GET",
                "/v1/orders/0190a5a4-3c2e-7cc1-9b8e-4c1e2a8d9f12/accept",
            ),
            (
                "POST",
                "/v1/orders/0190a5a4-3c2e-7cc1-9b8e-4c1e2a8d9f13/fail",
            ),
            ("GET", "/v1/nothing/0190a5a4-3c2e-7cc1-9b8e-4c1e2a8d9f14"),
            ("BREW", "/coffee"),
        ]);
        let line = |series: &str| {
            text.lines()
                .find(|line| line.starts_with(series))
                .unwrap_or_else(|| panic!("no {series} in:\n{text}"))
                .rsplit(' ')
                .next()
                .unwrap()
                .to_owned()
        };
        assert_eq!(
            line(
                r#"rampflow_http_requests_total{method="POST",route="/v1/orders/{id}/accept",status="200"}"#
            ),
            "2"
        );
        // A known path with a method it does not take: the route, answered 405.
        assert_eq!(
            line(
                r#"rampflow_http_requests_total{method="GET",route="/v1/orders/{id}/accept",status="405"}"#
            ),
            "1"
        );
        assert_eq!(
            line(
                r#"rampflow_http_requests_total{method="POST",route="/v1/orders/{id}/fail",status="409"}"#
            ),
            "1"
        );
        assert_eq!(
            line(r#"rampflow_http_requests_total{method="GET",route="unmatched",status="404"}"#),
            "1"
        );
        assert_eq!(
            line(r#"rampflow_http_requests_total{method="other",route="unmatched",status="404"}"#),
            "1"
        );
        assert_eq!(
            line(r#"rampflow_http_request_duration_seconds_count{route="/v1/orders/{id}/accept"}"#),
            "3"
        );
        assert!(text.contains(
            r#"rampflow_http_request_duration_seconds_bucket{route="unmatched",le="0.0001"}"#
        ));
        assert!(
            !text.contains("0190a5a4"),
            "a concrete path leaked:\n{text}"
        );
        assert!(!text.contains("/coffee") && !text.contains("BREW"));
    }

    #[test]
    fn methods_outside_the_standard_set_are_other() {
        assert_eq!(method_label(&Method::PATCH), "PATCH");
        assert_eq!(
            method_label(&Method::from_bytes(b"PURGE").unwrap()),
            "other"
        );
    }
}
