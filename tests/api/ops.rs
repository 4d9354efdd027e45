//! `GET /v1/ops/stats`: the operator's view of the actors.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{accept_body, assert_error, spawn_app_with, ADMIN_TOKEN};

#[tokio::test]
async fn stats_count_live_actors_by_status_and_pending_timers() {
    let app = spawn_app_with(|s| s.actors.passivate_after = Duration::from_secs(600)).await;
    let fixture = app.fixture().await;
    let first = app.new_order(&fixture, "offramp").await;
    let second = app.new_order(&fixture, "onramp").await;
    let accepted = app
        .command(
            &fixture.partner.key,
            first["id"].as_str().unwrap(),
            "accept",
            &accept_body("offramp"),
        )
        .await;
    assert_eq!(accepted.status(), StatusCode::OK);
    let cancelled = app
        .command(
            &fixture.wallet.key,
            second["id"].as_str().unwrap(),
            "cancel",
            &json!({}),
        )
        .await;
    assert_eq!(cancelled.status(), StatusCode::OK);

    let stats: Value = app
        .get("/v1/ops/stats", ADMIN_TOKEN)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stats["actors"]["live"], 2);
    assert_eq!(stats["actors"]["by_status"]["accepted"], 1);
    assert_eq!(stats["actors"]["by_status"]["cancelled"], 1);
    assert_eq!(stats["actors"]["by_status"]["created"], 0);
    // The accepted order waits on its reminder and its expiry; the cancelled one on nothing.
    assert_eq!(stats["timers_pending"]["reminder"], 1);
    assert_eq!(stats["timers_pending"]["expiry"], 1);
    assert_eq!(stats["timers_pending"]["acceptance"], 0);
    assert_eq!(stats["mailbox_depth"], 0);
    assert_eq!(
        stats["journal"]["rows"], 4,
        "two creates, one accept, one cancel"
    );
    assert_eq!(stats["webhooks"]["pending"], 0, "no endpoints, no backlog");
    assert_eq!(stats["webhooks"]["backlog_by_endpoint"], json!([]));
}

/// A request's thread crossings: a create goes to the journal and back, and nothing else (its
/// actor starts on the HTTP worker that took the request); a command to an actor on the
/// worker that takes it goes to the journal and back too (one worker here). (No webhook endpoints: no delivery is
/// handed to the webhooks.)
#[tokio::test]
async fn stats_count_each_requests_thread_crossings() {
    let app = spawn_app_with(|s| s.http.workers = 1).await;
    let fixture = app.fixture().await;
    let crossings = || async {
        let stats: Value = app
            .get("/v1/ops/stats", ADMIN_TOKEN)
            .await
            .json()
            .await
            .unwrap();
        stats["thread_crossings"].clone()
    };
    let grown = |before: &Value, after: &Value| -> Value {
        let before = before.as_object().expect("an object of counts");
        Value::Object(
            before
                .iter()
                .map(|(hop, was)| {
                    let is = after[hop].as_u64().unwrap();
                    (hop.clone(), json!(is - was.as_u64().unwrap()))
                })
                .collect(),
        )
    };

    let before = crossings().await;
    let order = app.new_order(&fixture, "offramp").await;
    let created = crossings().await;
    assert_eq!(
        grown(&before, &created),
        json!({"to_journal": 1, "from_journal": 1, "to_order_actor": 0,
            "from_order_actor": 0, "start_actor": 0, "to_webhooks": 0})
    );
    let accepted = app
        .command(
            &fixture.partner.key,
            order["id"].as_str().unwrap(),
            "accept",
            &accept_body("offramp"),
        )
        .await;
    assert_eq!(accepted.status(), StatusCode::OK);
    assert_eq!(
        grown(&created, &crossings().await),
        json!({"to_journal": 1, "from_journal": 1, "to_order_actor": 0,
            "from_order_actor": 0, "start_actor": 0, "to_webhooks": 0})
    );
}

#[tokio::test]
async fn stats_are_for_the_operator_only() {
    let app = spawn_app_with(|_| {}).await;
    let fixture = app.fixture().await;
    let response = app.get("/v1/ops/stats", &fixture.wallet.key).await;
    assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;
}

#[tokio::test]
async fn readyz_reports_each_component_and_turns_503_when_the_database_is_gone() {
    let app = crate::helpers::spawn_postgres_app().await;
    let ready = app
        .request(reqwest::Method::GET, "/readyz", None, None)
        .await;
    assert_eq!(ready.status(), StatusCode::OK);
    let body: Value = ready.json().await.unwrap();
    for component in ["database", "registry", "journal", "webhook_senders"] {
        assert_eq!(body["components"][component]["status"], "up", "{body}");
    }

    // Take the database away under the running server: its connections are cut.
    let database = app.postgres_database_name().expect("a PostgreSQL app");
    crate::helpers::drop_postgres_database(database);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let response = app
            .request(reqwest::Method::GET, "/readyz", None, None)
            .await;
        if response.status() == StatusCode::SERVICE_UNAVAILABLE {
            assert_eq!(response.headers()["retry-after"], "1");
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["status"], "not_ready");
            assert_eq!(
                body["error"]["code"], "overloaded",
                "the error envelope too: {body}"
            );
            assert_eq!(body["error"]["details"]["down"]["database"], "unreachable");
            assert_eq!(body["components"]["database"]["status"], "down", "{body}");
            assert_eq!(body["components"]["journal"]["status"], "up", "{body}");
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "readyz never noticed the database went away"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Liveness is not readiness: the process still serves.
    let alive = app
        .request(reqwest::Method::GET, "/healthz", None, None)
        .await;
    assert_eq!(alive.status(), StatusCode::OK);
}

#[tokio::test]
async fn stats_show_the_webhook_backlog_by_endpoint() {
    // An endpoint nobody answers, and a long retry schedule, keep the deliveries pending. The
    // port is held by a socket that is bound but never listens: connections are refused and
    // no other test can take the port meanwhile.
    let app = spawn_app_with(|s| {
        s.webhook_allow_private_targets = true;
        s.webhook_retry_schedule = vec![Duration::ZERO, Duration::from_secs(3600)];
    })
    .await;
    let fixture = app.fixture().await;
    let silent = tokio::net::TcpSocket::new_v4().unwrap();
    silent.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let url = format!("http://{}/hooks", silent.local_addr().unwrap());
    let response = app
        .post(
            "/v1/webhook-endpoints",
            &fixture.wallet.key,
            &json!({ "url": url }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let endpoint: Value = response.json().await.unwrap();
    app.new_order(&fixture, "offramp").await;
    app.new_order(&fixture, "onramp").await;

    let stats: Value = app
        .get("/v1/ops/stats", ADMIN_TOKEN)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stats["webhooks"]["pending"], 2, "{stats}");
    let backlog = &stats["webhooks"]["backlog_by_endpoint"][0];
    assert_eq!(backlog["endpoint_id"], endpoint["id"]);
    assert_eq!(backlog["pending"], 2);
    assert_eq!(backlog["disabled"], false);
}
