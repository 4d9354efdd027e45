//! `GET /metrics`: every family is served in Prometheus text format, counters move with what
//! the app does, gauges describe this app, and no label carries an id, a key or a URL.
//!
//! The recorder is process-wide and the tests run in parallel in one process, so counters are
//! read before and after and their deltas asserted as "at least": another test's requests may
//! land in the same series meanwhile, never fewer. (The request counter is checked exactly in
//! the unit tests of `src/http/metrics.rs`, under a recorder of their own.) Gauges are set from
//! the scraped app's own state at each scrape, so they are asserted exactly.

use std::collections::BTreeMap;
use std::time::Duration;

use regex::Regex;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{accept_body, expected_funds, spawn_app_with, TestApp};
use crate::receiver::{Receiver, Reply};
use crate::webhooks::register;

const WAIT: Duration = Duration::from_secs(15);

/// Every family the issue names; histograms are checked for `_bucket`, `_sum` and `_count`.
const COUNTERS_AND_GAUGES: &[&str] = &[
    "rampflow_http_requests_total",
    "rampflow_order_actors",
    "rampflow_orders_live",
    "rampflow_order_actor_activations_total",
    "rampflow_order_actor_passivations_total",
    "rampflow_order_actor_restarts_total",
    "rampflow_order_mailbox_depth",
    "rampflow_order_transitions_total",
    "rampflow_timers_pending",
    "rampflow_timers_fired_total",
    "rampflow_journal_queue_depth",
    "rampflow_webhook_deliveries_total",
    "rampflow_webhook_pending",
    "rampflow_webhook_endpoints_disabled",
    "rampflow_thread_crossings_total",
];
const HISTOGRAMS: &[&str] = &[
    "rampflow_http_request_duration_seconds",
    "rampflow_order_command_duration_seconds",
    "rampflow_timer_lateness_seconds",
    "rampflow_journal_batch_rows",
    "rampflow_journal_commit_duration_seconds",
    "rampflow_journal_checkpoint_duration_seconds",
    "rampflow_webhook_delivery_duration_seconds",
];

/// One scrape: the raw text, and every sample by its series (`name{labels}`).
struct Scrape {
    text: String,
    samples: BTreeMap<String, f64>,
}

impl Scrape {
    /// The sample of `series`, 0 if absent (a counter not yet touched).
    fn value(&self, series: &str) -> f64 {
        self.samples.get(series).copied().unwrap_or(0.0)
    }

    /// The sample of `series`, which must be there.
    fn exact(&self, series: &str) -> f64 {
        *self
            .samples
            .get(series)
            .unwrap_or_else(|| panic!("no {series} in:\n{}", self.text))
    }

    fn has_family(&self, family: &str) -> bool {
        self.samples.keys().any(|series| {
            series
                .strip_prefix(family)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('{'))
        })
    }
}

async fn scrape(app: &TestApp) -> Scrape {
    // No key: /metrics is open like /healthz.
    let response = app.request(Method::GET, "/metrics", None, None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("text/plain"),
        "not the text format: {content_type}"
    );
    let text = response.text().await.unwrap();
    let samples = text
        .lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let (series, value) = line
                .rsplit_once(' ')
                .unwrap_or_else(|| panic!("not a sample line: {line}"));
            let value = value
                .parse::<f64>()
                .unwrap_or_else(|_| panic!("not a number in: {line}"));
            (series.to_owned(), value)
        })
        .collect();
    Scrape { text, samples }
}

/// Asserts that `series` grew by at least `by` between the two scrapes.
fn assert_grew(before: &Scrape, after: &Scrape, series: &str, by: f64) {
    let grown = after.exact(series) - before.value(series);
    assert!(
        grown >= by,
        "{series} grew by {grown}, expected at least {by}\n{}",
        after.text
    );
}

/// Polls the scrape until `done` holds, or fails after `WAIT`.
async fn scrape_until(app: &TestApp, what: &str, done: impl Fn(&Scrape) -> bool) -> Scrape {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let scraped = scrape(app).await;
        if done(&scraped) {
            return scraped;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what} never showed in /metrics:\n{}",
            scraped.text
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test]
async fn a_lifecycle_shows_in_every_family_with_bounded_labels() {
    let app = spawn_app_with(|s| {
        s.actors.passivate_after = Duration::from_secs(600);
        s.webhook_allow_private_targets = true;
        s.webhook_retry_schedule = vec![
            Duration::ZERO,
            Duration::from_millis(50),
            Duration::from_millis(50),
        ];
    })
    .await;
    let fixture = app.fixture().await;
    // The wallet's receiver fails once (a retry), then takes everything; the partner's is gone.
    let wallet_hooks = Receiver::start().await;
    wallet_hooks.script([Reply::Status(500)]);
    let partner_hooks = Receiver::start().await;
    partner_hooks.script([Reply::Status(410)]);
    register(&app, &fixture.wallet.key, &wallet_hooks.url, None).await;
    register(&app, &fixture.partner.key, &partner_hooks.url, None).await;

    let before = scrape(&app).await;

    let order = app.new_order(&fixture, "offramp").await;
    let id = order["id"].as_str().unwrap();
    // The partner's endpoint is disabled (410 to `order.created`) before the order moves on.
    // On PostgreSQL, an event committed while the 410 is being recorded can leave a delivery
    // pending for the disabled endpoint, for good; waiting keeps this test off that race.
    partner_hooks.wait_for(1, WAIT).await;
    scrape_until(&app, "the endpoint disabled", |s| {
        s.value("rampflow_webhook_endpoints_disabled") == 1.0
    })
    .await;
    let (wallet, partner) = (&fixture.wallet.key, &fixture.partner.key);
    for (key, command, body) in [
        (partner, "accept", accept_body("offramp")),
        (wallet, "funds-sent", json!({ "reference": "tx-1" })),
        (
            partner,
            "funds-received",
            json!({ "amount": expected_funds("offramp") }),
        ),
        (partner, "complete", json!({ "transaction_id": "payout-1" })),
    ] {
        let response = app.command(key, id, command, &body).await;
        assert_eq!(response.status(), StatusCode::OK, "{command}");
    }
    // A command the state machine refuses.
    let refused = app
        .command(
            partner,
            id,
            "fail",
            &json!({ "code": "too_late", "reason": "already paid out" }),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    // Paths no route knows, one with an id in it.
    let unknown = format!("/no-such-place/{id}");
    let missing = app.request(Method::GET, &unknown, Some(wallet), None).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let missing = app
        .request(Method::PATCH, "/v1/no-such-route", Some(wallet), None)
        .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);

    // Webhooks: the wallet hears five events after one failure, the partner's endpoint is gone.
    wallet_hooks.wait_for(6, WAIT).await;
    partner_hooks.wait_for(1, WAIT).await;
    let after = scrape_until(&app, "the webhooks settling", |s| {
        s.value("rampflow_webhook_pending") == 0.0
            && s.value("rampflow_webhook_endpoints_disabled") == 1.0
    })
    .await;

    // Every family is there; histograms with buckets, sum and count.
    for family in COUNTERS_AND_GAUGES {
        assert!(after.has_family(family), "no {family} in:\n{}", after.text);
    }
    for family in HISTOGRAMS {
        assert!(
            after.text.contains(&format!("# TYPE {family} histogram")),
            "{family} is not a histogram:\n{}",
            after.text
        );
        for part in ["_bucket", "_sum", "_count"] {
            let series = format!("{family}{part}");
            assert!(after.has_family(&series), "no {series} in:\n{}", after.text);
        }
        assert!(
            after.text.contains(&format!("{family}_bucket{{"))
                && after.text.contains("le=\"+Inf\""),
            "{family} has no buckets"
        );
    }

    // Transitions, one per status change, creation included.
    for (from, to) in [
        ("none", "created"),
        ("created", "accepted"),
        ("accepted", "funds_sent"),
        ("funds_sent", "funds_received"),
        ("funds_received", "completed"),
    ] {
        let series = format!(r#"rampflow_order_transitions_total{{from="{from}",to="{to}"}}"#);
        assert_grew(&before, &after, &series, 1.0);
    }
    assert!(
        !after.text.contains(r#"from="accepted",to="accepted""#),
        "a reminder is not a transition"
    );

    // Requests by route pattern, method and status.
    for (method, route, status) in [
        ("POST", "/v1/orders", "201"),
        ("POST", "/v1/orders/{id}/accept", "200"),
        ("POST", "/v1/orders/{id}/funds-sent", "200"),
        ("POST", "/v1/orders/{id}/funds-received", "200"),
        ("POST", "/v1/orders/{id}/complete", "200"),
        ("POST", "/v1/orders/{id}/fail", "409"),
        ("GET", "unmatched", "404"),
        ("PATCH", "unmatched", "404"),
        ("GET", "/metrics", "200"),
    ] {
        let series = format!(
            r#"rampflow_http_requests_total{{method="{method}",route="{route}",status="{status}"}}"#
        );
        assert_grew(&before, &after, &series, 1.0);
    }
    assert_grew(
        &before,
        &after,
        r#"rampflow_http_request_duration_seconds_count{route="/v1/orders/{id}/accept"}"#,
        1.0,
    );

    // Commands, the refused one included, each timed once.
    for command in ["accept", "funds_sent", "funds_received", "complete", "fail"] {
        let series =
            format!(r#"rampflow_order_command_duration_seconds_count{{command="{command}"}}"#);
        assert_grew(&before, &after, &series, 1.0);
    }
    assert_grew(
        &before,
        &after,
        "rampflow_order_actor_activations_total",
        1.0,
    );
    // Five commits, each in a batch of its own or shared.
    assert_grew(&before, &after, "rampflow_journal_batch_rows_sum", 5.0);
    assert_grew(&before, &after, "rampflow_journal_batch_rows_count", 1.0);
    assert_grew(
        &before,
        &after,
        "rampflow_journal_commit_duration_seconds_count",
        1.0,
    );

    // Webhook attempts by outcome.
    assert_grew(
        &before,
        &after,
        r#"rampflow_webhook_deliveries_total{outcome="retry"}"#,
        1.0,
    );
    assert_grew(
        &before,
        &after,
        r#"rampflow_webhook_deliveries_total{outcome="delivered"}"#,
        5.0,
    );
    assert_grew(
        &before,
        &after,
        r#"rampflow_webhook_deliveries_total{outcome="failed"}"#,
        1.0,
    );
    assert_grew(
        &before,
        &after,
        "rampflow_webhook_delivery_duration_seconds_count",
        7.0,
    );

    // Gauges are this app's own, exactly: one completed order in memory, nothing waiting.
    assert_eq!(after.exact("rampflow_order_actors"), 1.0);
    for status in [
        "created",
        "accepted",
        "rejected",
        "cancelled",
        "funds_sent",
        "funds_received",
        "inconsistent",
        "completed",
        "failed",
        "refunded",
        "expired",
    ] {
        let expected = if status == "completed" { 1.0 } else { 0.0 };
        let series = format!(r#"rampflow_orders_live{{status="{status}"}}"#);
        assert_eq!(after.exact(&series), expected, "{series}");
    }
    for kind in ["acceptance", "reminder", "expiry"] {
        let series = format!(r#"rampflow_timers_pending{{kind="{kind}"}}"#);
        assert_eq!(after.exact(&series), 0.0, "{series}");
    }
    assert_eq!(after.exact("rampflow_order_mailbox_depth"), 0.0);
    assert_eq!(after.exact("rampflow_journal_queue_depth"), 0.0);
    assert_eq!(after.exact("rampflow_webhook_pending"), 0.0);
    assert_eq!(after.exact("rampflow_webhook_endpoints_disabled"), 1.0);

    // No label carries an id, a key, a URL or a concrete path.
    let uuid = Regex::new(r"(?i)[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}")
        .unwrap();
    assert!(
        !uuid.is_match(&after.text),
        "a UUID in /metrics: {:?}",
        uuid.find(&after.text)
    );
    for leak in [
        id,
        &fixture.wallet.id,
        &fixture.partner.id,
        &fixture.wallet.key,
        &fixture.partner.key,
        &wallet_hooks.url,
        "127.0.0.1",
        "/no-such",
        "payout-1",
    ] {
        assert!(!after.text.contains(leak), "{leak} leaked into /metrics");
    }
    let route = Regex::new(r#"route="([^"]*)""#).unwrap();
    for found in route.captures_iter(&after.text) {
        let route = &found[1];
        assert!(
            route == "unmatched" || route.starts_with('/'),
            "odd route label {route}"
        );
    }
}

#[tokio::test]
async fn a_timer_that_fires_is_counted_with_its_lateness() {
    let app = spawn_app_with(|s| s.accept_timeout = Duration::from_millis(200)).await;
    let fixture = app.fixture().await;
    let before = scrape(&app).await;

    // Nobody accepts: the acceptance timer expires the order.
    let order = app.new_order(&fixture, "offramp").await;
    let id = order["id"].as_str().unwrap();
    app.wait_for_status(&fixture.wallet.key, id, "expired", WAIT)
        .await;
    // The command's time is the last figure the actor records for the timer.
    let series = r#"rampflow_order_command_duration_seconds_count{command="timer_acceptance"}"#;
    let after = scrape_until(&app, "the timer command", |s| {
        s.value(series) > before.value(series)
    })
    .await;

    for series in [
        r#"rampflow_timers_fired_total{kind="acceptance"}"#,
        r#"rampflow_timer_lateness_seconds_count{kind="acceptance"}"#,
        r#"rampflow_order_transitions_total{from="created",to="expired"}"#,
    ] {
        assert_grew(&before, &after, series, 1.0);
    }
    assert_eq!(
        after.exact(r#"rampflow_orders_live{status="expired"}"#),
        1.0
    );
    assert_eq!(
        after.exact(r#"rampflow_timers_pending{kind="acceptance"}"#),
        0.0
    );
}

#[tokio::test]
async fn passivation_and_activation_are_counted() {
    let app = spawn_app_with(|s| s.actors.passivate_after = Duration::from_millis(50)).await;
    let fixture = app.fixture().await;
    let before = scrape(&app).await;

    // A settled order leaves memory after a quiet moment, and a command brings it back.
    let order = app.new_order(&fixture, "offramp").await;
    let id = order["id"].as_str().unwrap();
    let cancelled = app
        .command(&fixture.wallet.key, id, "cancel", &json!({}))
        .await;
    assert_eq!(cancelled.status(), StatusCode::OK);
    let passivated = scrape_until(&app, "the passivation", |s| {
        s.value("rampflow_order_actor_passivations_total")
            > before.value("rampflow_order_actor_passivations_total")
            && s.value("rampflow_order_actors") == 0.0
    })
    .await;
    assert_eq!(
        passivated.exact(r#"rampflow_orders_live{status="cancelled"}"#),
        0.0
    );
    let again = app
        .command(&fixture.wallet.key, id, "cancel", &json!({}))
        .await;
    assert_eq!(again.status(), StatusCode::OK, "a retried command");
    let after = scrape(&app).await;

    // Started at its creation, and again after it left memory.
    assert_grew(
        &before,
        &after,
        "rampflow_order_actor_activations_total",
        2.0,
    );
    assert_grew(
        &passivated,
        &after,
        "rampflow_order_actor_activations_total",
        1.0,
    );
}

/// The families are there before anything happened, at zero where nothing could have.
#[tokio::test]
async fn a_fresh_app_already_serves_every_family_but_those_of_requests() {
    let app = spawn_app_with(|_| {}).await;
    let scraped = scrape(&app).await;
    for family in [
        "rampflow_order_actor_restarts_total",
        "rampflow_timers_fired_total",
        "rampflow_webhook_deliveries_total",
        "rampflow_order_actors",
        "rampflow_webhook_pending",
    ] {
        assert!(scraped.has_family(family), "no {family}");
    }
    assert!(scraped
        .text
        .contains("# TYPE rampflow_timer_lateness_seconds histogram"));
    assert_eq!(scraped.exact("rampflow_order_actors"), 0.0);
    assert_eq!(scraped.exact("rampflow_webhook_pending"), 0.0);
}
