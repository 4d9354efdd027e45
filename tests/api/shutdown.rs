//! SIGTERM with webhook attempts in flight, against the built binary on SQLite and on
//! PostgreSQL: the order actors are passivated while the HTTP workers still answer, and only
//! then do the workers stop; the attempts run to their end (here, the receiver never answers,
//! so the webhook timeout), their outcomes are recorded before the process exits, and it exits
//! 0 without a panic (stopping the webhook thread while it held a database connection used to
//! panic in sqlx's `PoolConnection::drop`).

use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::{order_body, Engine, TestDatabase};
use crate::receiver::{Receiver, Reply};
use crate::recovery::Server;

const LIMIT: Duration = Duration::from_secs(30);

async fn sigterm_with_attempts_in_flight(engine: Engine) {
    let database = TestDatabase::new(engine).await;
    let env = [
        ("RAMPFLOW_WEBHOOK_ALLOW_PRIVATE_TARGETS", "true"),
        ("RAMPFLOW_WEBHOOK_TIMEOUT", "3s"),
        ("RAMPFLOW_WEBHOOKS__POLL_INTERVAL", "100ms"),
    ];
    // The receiver takes every request and never answers it.
    let hooks = Receiver::start().await;
    hooks.script([Reply::Hold(200), Reply::Hold(200), Reply::Hold(200)]);

    let mut server = Server::start(&database, &env).await;
    let fixture = server.fixture().await;
    server
        .post(
            "/v1/webhook-endpoints",
            &fixture.wallet.key,
            &json!({ "url": hooks.url }),
        )
        .await;
    let mut orders = Vec::new();
    for direction in ["onramp", "offramp", "onramp"] {
        let order = server
            .post(
                "/v1/orders",
                &fixture.wallet.key,
                &order_body(direction, &fixture),
            )
            .await;
        orders.push(order["id"].as_str().unwrap().to_owned());
    }
    hooks.wait_for(3, LIMIT).await;

    server.sigterm();
    let status = server.wait_for_exit(LIMIT).await;
    let deadline = tokio::time::Instant::now() + LIMIT;
    while !server.log_text().contains("\"stopped\"") {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no \"stopped\" in the log:\n{}",
            server.log_text()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let log = server.log_text();
    assert!(status.success(), "exit status {status}; log:\n{log}");
    assert!(!log.contains("panicked"), "a panic at shutdown:\n{log}");
    // The three orders' actors were passivated before the HTTP workers were told to stop.
    let passivated = log
        .lines()
        .position(|line| line.contains("order actors passivated"))
        .unwrap_or_else(|| panic!("no passivation in the log:\n{log}"));
    let http_stopping = log
        .lines()
        .position(|line| line.contains("no new requests"))
        .unwrap_or_else(|| panic!("no stop of the HTTP workers in the log:\n{log}"));
    assert!(
        passivated < http_stopping,
        "passivated after the HTTP workers stopped:\n{log}"
    );
    let line = log.lines().nth(passivated).unwrap();
    assert!(line.contains("\"passivated\":3"), "{line}");
    drop(server);

    // Each attempt was recorded before the exit: on the same database, every delivery has
    // its timed-out attempt and is still pending, to be retried.
    let server = Server::start(&database, &env).await;
    for order in &orders {
        let (_, page) = server
            .call(
                reqwest::Method::GET,
                &format!("/v1/events?order_id={order}"),
                &fixture.wallet.key,
                None,
            )
            .await
            .unwrap();
        let event_id = page["data"][0]["id"].as_str().unwrap().to_owned();
        let (_, event): (_, Value) = server
            .call(
                reqwest::Method::GET,
                &format!("/v1/events/{event_id}"),
                &fixture.wallet.key,
                None,
            )
            .await
            .unwrap();
        let attempts = event["deliveries"][0]["attempts_log"]
            .as_array()
            .unwrap_or_else(|| panic!("no attempts in {event}"));
        assert!(
            attempts.first().is_some_and(|a| a["error"]
                .as_str()
                .unwrap_or_default()
                .contains("timed out")),
            "the attempt in flight at SIGTERM is recorded: {event}"
        );
    }
}

#[tokio::test]
async fn sigterm_with_attempts_in_flight_exits_cleanly_on_sqlite() {
    sigterm_with_attempts_in_flight(Engine::Sqlite).await;
}

#[tokio::test]
async fn sigterm_with_attempts_in_flight_exits_cleanly_on_postgres() {
    sigterm_with_attempts_in_flight(Engine::Postgres).await;
}
