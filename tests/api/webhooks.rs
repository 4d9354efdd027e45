//! Webhook delivery end to end: real receivers, signatures verified with standardwebhooks.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{
    accept_body, expected_funds, order_body, spawn_app_with, Db, Fixture, TestApp, TestDatabase,
};
use crate::receiver::{Received, Receiver, Reply};
use crate::recovery::Server;

const WAIT: Duration = Duration::from_secs(15);

/// [`TestApp::register_endpoint`] as the pair these tests take apart: (endpoint id, secret).
pub async fn register(
    app: &TestApp,
    key: &str,
    url: &str,
    event_types: Option<Value>,
) -> (String, String) {
    let created = app.register_endpoint(key, url, event_types).await;
    (created.endpoint.id, created.secret)
}

#[tokio::test]
async fn the_partner_hears_of_new_orders_and_the_wallet_of_every_change() {
    let app = spawn_app_with(|s| s.webhook_allow_private_targets = true).await;
    let fixture = app.fixture().await;
    let wallet_hooks = Receiver::start().await;
    let partner_hooks = Receiver::start().await;
    let (_, wallet_secret) = register(&app, &fixture.wallet.key, &wallet_hooks.url, None).await;
    let (_, partner_secret) = register(&app, &fixture.partner.key, &partner_hooks.url, None).await;

    let order = app.new_order(&fixture, "offramp").await;
    let id = order["id"].as_str().unwrap();
    let created = partner_hooks.wait_for(1, WAIT).await;
    assert_eq!(created[0].event_type(), "order.created");
    assert!(
        created[0].verify(&partner_secret),
        "the partner can verify the signature"
    );
    assert_eq!(created[0].json()["data"]["id"], id);

    let (wallet, partner) = (&fixture.wallet.key, &fixture.partner.key);
    for (key, command, body) in [
        (partner, "accept", accept_body("offramp")),
        (wallet, "funds-sent", json!({})),
        (
            partner,
            "funds-received",
            json!({ "amount": expected_funds("offramp") }),
        ),
        (partner, "complete", json!({ "transaction_id": "tx-1" })),
    ] {
        assert_eq!(
            app.command(key, id, command, &body).await.status(),
            StatusCode::OK
        );
    }
    let received = wallet_hooks.wait_for(5, WAIT).await;
    let types: Vec<String> = received.iter().map(|r| r.event_type()).collect();
    assert_eq!(
        types,
        [
            "order.created",
            "order.accepted",
            "order.funds_sent",
            "order.funds_received",
            "order.completed"
        ]
    );
    let versions: Vec<i64> = received
        .iter()
        .map(|r| r.json()["data"]["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, [1, 2, 3, 4, 5]);
    assert!(received.iter().all(|r| r.verify(&wallet_secret)));
}

#[tokio::test]
async fn failed_attempts_are_retried_with_the_same_webhook_id() {
    let app = spawn_app_with(|s| {
        s.webhook_allow_private_targets = true;
        s.webhook_retry_schedule = vec![
            Duration::ZERO,
            Duration::from_millis(100),
            Duration::from_millis(100),
        ];
        s.webhooks.poll_interval = Duration::from_millis(50);
    })
    .await;
    let fixture = app.fixture().await;
    let hooks = Receiver::start().await;
    hooks.script([Reply::Status(500), Reply::Status(500)]);
    let (_, secret) = register(&app, &fixture.partner.key, &hooks.url, None).await;
    app.new_order(&fixture, "onramp").await;
    let received = hooks.wait_for(3, WAIT).await;
    let ids: Vec<String> = received.iter().map(|r| r.webhook_id()).collect();
    assert_eq!(ids[0], ids[1]);
    assert_eq!(ids[1], ids[2]);
    assert!(received.iter().all(|r| r.verify(&secret)));
}

// ---------------------------------------------------------------------------------------------
// Shared pieces of the delivery tests below.

/// A generous deadline for anything the server should do soon.
const LONG_WAIT: Duration = Duration::from_secs(30);

/// The first attempt at once, then `retries` more, `step` apart.
fn schedule(retries: usize, step: Duration) -> Vec<Duration> {
    let mut schedule = vec![Duration::ZERO];
    schedule.extend(std::iter::repeat_n(step, retries));
    schedule
}

/// Private targets allowed, a fast poll, a generous timeout (a slow machine must not turn a
/// 200 into a timeout), and this schedule.
async fn delivery_app(schedule: Vec<Duration>) -> TestApp {
    delivery_app_with(schedule, Duration::from_secs(10)).await
}

async fn delivery_app_with(schedule: Vec<Duration>, timeout: Duration) -> TestApp {
    spawn_app_with(move |s| {
        s.webhook_allow_private_targets = true;
        s.webhook_retry_schedule = schedule;
        s.webhook_timeout = timeout;
        s.webhooks.poll_interval = Duration::from_millis(50);
    })
    .await
}

/// Takes an order of `direction` from created to completed; returns the resources the four
/// commands answered with (versions 2 to 5).
async fn drive(app: &TestApp, fixture: &Fixture, id: &str, direction: &str) -> Vec<Value> {
    let (wallet, partner) = (&fixture.wallet.key, &fixture.partner.key);
    let mut resources = Vec::new();
    for (key, command, body) in [
        (partner, "accept", accept_body(direction)),
        (wallet, "funds-sent", json!({})),
        (
            partner,
            "funds-received",
            json!({ "amount": expected_funds(direction) }),
        ),
        (partner, "complete", json!({ "transaction_id": "tx-1" })),
    ] {
        let response = app.command(key, id, command, &body).await;
        assert_eq!(response.status(), StatusCode::OK, "{command}");
        resources.push(response.json().await.unwrap());
    }
    resources
}

const LIFE: [&str; 5] = [
    "order.created",
    "order.accepted",
    "order.funds_sent",
    "order.funds_received",
    "order.completed",
];

/// The delivery promise for one order and one endpoint, given the requests it got in arrival
/// order: each of versions 1..=`versions` was answered 2xx exactly once, in increasing order,
/// and no request for a version came before every lower version had been answered 2xx.
fn assert_delivered_in_version_order(received: &[Received], versions: i64) {
    let summary: Vec<String> = received.iter().map(Received::summary).collect();
    let succeeded: Vec<i64> = received
        .iter()
        .filter(|r| r.succeeded())
        .map(Received::version)
        .collect();
    assert_eq!(
        succeeded,
        (1..=versions).collect::<Vec<_>>(),
        "2xx-answered versions, in arrival order: {summary:?}"
    );
    for (j, request) in received.iter().enumerate() {
        let version = request.version();
        for earlier in 1..version {
            assert!(
                received[..j]
                    .iter()
                    .any(|r| r.version() == earlier && r.succeeded()),
                "request {j} (v{version}) came before v{earlier} was answered 2xx: {summary:?}"
            );
        }
        assert!(
            received[j..].iter().all(|r| r.version() >= version),
            "an earlier version came after v{version}: {summary:?}"
        );
    }
}

/// One row of `webhook_deliveries`, read from the test's database.
#[derive(Debug, Clone)]
struct DeliveryRow {
    event_id: String,
    order_id: String,
    version: i64,
    state: String,
    attempts: i64,
    last_status: Option<i64>,
    last_error: Option<String>,
    /// Unix milliseconds: claimed by a sender until then.
    leased_until: Option<i64>,
}

/// The endpoint's deliveries, by order and version.
async fn delivery_rows(database: &TestDatabase, endpoint_id: &str) -> Vec<DeliveryRow> {
    let mut db = database.connect().await;
    let rows = read_delivery_rows(&mut db, endpoint_id).await;
    db.close().await;
    rows
}

async fn read_delivery_rows(db: &mut Db, endpoint_id: &str) -> Vec<DeliveryRow> {
    use sqlx::Row;
    let rows = db
        .rows(
            "SELECT event_id, order_id, order_version, state, attempts, last_status, last_error,
                    leased_until
             FROM webhook_deliveries WHERE endpoint_id = $1 ORDER BY order_id, order_version",
            &[endpoint_id],
        )
        .await;
    rows.iter()
        .map(|row| DeliveryRow {
            event_id: row.get("event_id"),
            order_id: row.get("order_id"),
            version: row.get("order_version"),
            state: row.get("state"),
            attempts: row.get("attempts"),
            last_status: row.get("last_status"),
            last_error: row.get("last_error"),
            leased_until: row.get("leased_until"),
        })
        .collect()
}

/// Polls the endpoint's deliveries until `done` holds, or fails after `limit`.
async fn wait_for_rows(
    database: &TestDatabase,
    endpoint_id: &str,
    what: &str,
    limit: Duration,
    done: impl Fn(&[DeliveryRow]) -> bool,
) -> Vec<DeliveryRow> {
    let deadline = tokio::time::Instant::now() + limit;
    let mut db = database.connect().await;
    loop {
        let rows = read_delivery_rows(&mut db, endpoint_id).await;
        if done(&rows) {
            db.close().await;
            return rows;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what}: not within {limit:?}; deliveries: {rows:#?}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// The order's event ids in version order, from `order_events`.
async fn event_ids(database: &TestDatabase, order_id: &str) -> Vec<String> {
    use sqlx::Row;
    let mut db = database.connect().await;
    let rows = db
        .rows(
            "SELECT id FROM order_events WHERE order_id = $1 ORDER BY version",
            &[order_id],
        )
        .await;
    db.close().await;
    rows.iter().map(|row| row.get("id")).collect()
}

/// `(status_code, error)` of every attempt of one delivery, oldest first.
async fn attempt_rows(
    database: &TestDatabase,
    event_id: &str,
    endpoint_id: &str,
) -> Vec<(Option<i64>, Option<String>)> {
    use sqlx::Row;
    let mut db = database.connect().await;
    let rows = db
        .rows(
            "SELECT status_code, error FROM webhook_attempts
             WHERE event_id = $1 AND endpoint_id = $2 ORDER BY seq",
            &[event_id, endpoint_id],
        )
        .await;
    db.close().await;
    rows.iter()
        .map(|row| (row.get("status_code"), row.get("error")))
        .collect()
}

/// `GET /v1/events?{query}` as the party with `key`: the events of the page.
async fn list_events(app: &TestApp, key: &str, query: &str) -> Vec<Value> {
    let page = app.get_page(&format!("/v1/events?{query}"), key).await;
    page["data"].as_array().unwrap().clone()
}

/// An event's delivery state as `GET /v1/events` reports it.
fn delivery_state(event: &Value) -> String {
    let delivery = &event["delivery"];
    delivery
        .as_str()
        .or_else(|| delivery["state"].as_str())
        .unwrap_or_else(|| panic!("no delivery state in {event}"))
        .to_owned()
}

/// Polls `GET /v1/events?order_id=` until the event of `version` shows delivery `state`.
async fn wait_for_event_delivery(
    app: &TestApp,
    key: &str,
    order_id: &str,
    version: i64,
    state: &str,
) -> Value {
    let deadline = tokio::time::Instant::now() + LONG_WAIT;
    loop {
        let events = list_events(app, key, &format!("order_id={order_id}")).await;
        let event = events
            .iter()
            .find(|e| e["order_version"] == version)
            .unwrap_or_else(|| panic!("no event v{version} of {order_id}: {events:?}"))
            .clone();
        if delivery_state(&event) == state {
            return event;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "event v{version} of {order_id} is still {} rather than {state}: {event}",
            event["delivery"]
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// A request's headers with its `webhook-signature` replaced by `signature`.
fn with_signature(received: &Received, signature: &str) -> Received {
    let mut copy = received.clone();
    copy.headers.insert(
        "webhook-signature",
        http::HeaderValue::from_str(signature).unwrap(),
    );
    copy
}

// ---------------------------------------------------------------------------------------------
// 410 Gone

#[tokio::test]
async fn gone_disables_the_endpoint_and_fails_what_it_still_had_pending() {
    let app = delivery_app(schedule(5, Duration::from_millis(100))).await;
    let fixture = app.fixture().await;
    let gone = Receiver::start().await;
    let kept = Receiver::start().await;
    // The first request waits until the test has queued more behind it, then gets 410.
    gone.script([Reply::Hold(410)]);
    let (gone_id, _) = register(&app, &fixture.wallet.key, &gone.url, None).await;
    let (_, kept_secret) = register(&app, &fixture.wallet.key, &kept.url, None).await;

    let order = app.new_order(&fixture, "offramp").await;
    let id = order["id"].as_str().unwrap();
    gone.wait_for(1, WAIT).await;
    drive(&app, &fixture, id, "offramp").await;
    let database = app.database();
    wait_for_rows(
        database,
        &gone_id,
        "v2..v5 queued behind the held v1",
        WAIT,
        |rows| rows.len() == 5 && rows.iter().all(|r| r.state == "pending"),
    )
    .await;

    gone.release();
    let rows = wait_for_rows(database, &gone_id, "every delivery failed", WAIT, |rows| {
        rows.iter().all(|r| r.state == "failed")
    })
    .await;
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[0].last_status, Some(410));
    assert_eq!(rows[0].attempts, 1);
    for row in &rows[1..] {
        assert_eq!(
            row.attempts, 0,
            "v{} was never attempted: {row:?}",
            row.version
        );
    }

    let endpoints = app
        .get_page("/v1/webhook-endpoints", &fixture.wallet.key)
        .await;
    let endpoint = endpoints["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == gone_id.as_str())
        .expect("the disabled endpoint is still listed")
        .clone();
    assert_eq!(endpoint["disabled"], true, "{endpoint}");

    // The other endpoint of the same wallet got everything, and still gets new events.
    let first = kept.wait_for_order(id, 5, WAIT).await;
    assert_delivered_in_version_order(&first, 5);
    let second = app.new_order(&fixture, "offramp").await;
    let second_id = second["id"].as_str().unwrap();
    let accepted = app
        .command(
            &fixture.partner.key,
            second_id,
            "accept",
            &accept_body("offramp"),
        )
        .await;
    assert_eq!(accepted.status(), StatusCode::OK);
    let later = kept.wait_for_order(second_id, 2, WAIT).await;
    assert_delivered_in_version_order(&later, 2);
    assert!(kept.received().iter().all(|r| r.verify(&kept_secret)));

    // The disabled endpoint got nothing after its 410, and nothing was queued for it.
    assert_eq!(gone.received().len(), 1);
    let rows = delivery_rows(database, &gone_id).await;
    assert!(
        rows.iter().all(|r| r.order_id == id),
        "deliveries were queued for a disabled endpoint: {rows:#?}"
    );
}

/// An attempt that was in flight when another one got 410 must not bring its delivery back
/// to `pending` on a disabled endpoint (where nothing would ever send it again). Read through
/// the events API.
#[tokio::test]
async fn an_attempt_finishing_after_the_410_does_not_leave_a_pending_delivery_behind() {
    let app = delivery_app(schedule(5, Duration::from_millis(100))).await;
    let fixture = app.fixture().await;
    let key = &fixture.wallet.key;
    let hooks = Receiver::start().await;
    // First order: held, then 410. Second order: 500, well after the 410 was recorded.
    hooks.script([
        Reply::Hold(410),
        Reply::DelayThen(Duration::from_millis(1500), 500),
    ]);
    let (endpoint_id, _) = register(&app, key, &hooks.url, None).await;

    let first = app.new_order(&fixture, "offramp").await;
    hooks.wait_for(1, WAIT).await;
    let second = app.new_order(&fixture, "offramp").await;
    hooks.wait_for(2, WAIT).await;
    hooks.release();

    for (order, status) in [(&first, 410), (&second, 500)] {
        let id = order["id"].as_str().unwrap();
        let events = list_events(&app, key, &format!("order_id={id}")).await;
        let event_id = events[0]["id"].as_str().unwrap().to_owned();
        // Once this attempt is recorded, its delivery must be settled as failed.
        let delivery = wait_for_event_detail(&app, key, &event_id, |event| {
            event["deliveries"][0]["attempts"] == 1
        })
        .await["deliveries"][0]
            .clone();
        assert_eq!(delivery["endpoint_id"], endpoint_id.as_str());
        assert_eq!(delivery["last_status"], status, "{delivery}");
        assert_eq!(
            delivery["state"], "failed",
            "the delivery of a disabled endpoint after a {status}: {delivery}"
        );
        assert!(delivery["next_attempt_at"].is_null(), "{delivery}");
    }
    assert_eq!(
        hooks.received().len(),
        2,
        "nothing more is sent to a disabled endpoint"
    );
}

/// Polls `GET /v1/events/{id}` until `done` holds for it.
async fn wait_for_event_detail(
    app: &TestApp,
    key: &str,
    event_id: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = tokio::time::Instant::now() + LONG_WAIT;
    loop {
        let response = app.get(&format!("/v1/events/{event_id}"), key).await;
        assert_eq!(response.status(), StatusCode::OK);
        let event: Value = response.json().await.unwrap();
        if done(&event) {
            return event;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "event {event_id}: not as expected within {LONG_WAIT:?}: {event}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

// ---------------------------------------------------------------------------------------------
// Retry-After

#[tokio::test]
async fn retry_after_is_honoured_on_429_and_503_and_ignored_otherwise() {
    // Without Retry-After, the second attempt would come about 100 ms after the first.
    let app = delivery_app(schedule(3, Duration::from_millis(100))).await;
    let fixture = app.fixture().await;
    let too_many = Receiver::start().await;
    let unavailable = Receiver::start().await;
    let unavailable_until = Receiver::start().await;
    let broken = Receiver::start().await;
    too_many.script([Reply::StatusWithRetryAfter(429, "2".into())]);
    unavailable.script([Reply::StatusWithRetryAfter(503, "2".into())]);
    // Retry-After as an HTTP date, four seconds ahead (whole seconds, so at least three).
    let scripted_at = (std::time::SystemTime::now(), Instant::now());
    let until = chrono::Utc::now() + chrono::Duration::seconds(4);
    let until_secs = until.timestamp();
    let until_instant = scripted_at.1
        + (std::time::UNIX_EPOCH + Duration::from_secs(until_secs as u64))
            .duration_since(scripted_at.0)
            .unwrap();
    unavailable_until.script([Reply::StatusWithRetryAfter(
        503,
        until.format("%a, %d %b %Y %H:%M:%S GMT").to_string(),
    )]);
    // A 500 is retried on the schedule: its Retry-After (an hour) is not honoured.
    broken.script([Reply::StatusWithRetryAfter(500, "3600".into())]);
    for hooks in [&too_many, &unavailable, &unavailable_until, &broken] {
        register(&app, &fixture.wallet.key, &hooks.url, None).await;
    }

    app.new_order(&fixture, "onramp").await;
    for (name, hooks) in [("429", &too_many), ("503", &unavailable)] {
        let received = hooks.wait_for(2, WAIT).await;
        assert_eq!(received[0].webhook_id(), received[1].webhook_id());
        let gap = received[1].at - received[0].at;
        assert!(
            gap >= Duration::from_millis(1900),
            "{name} with Retry-After: 2 was retried after {gap:?}"
        );
        assert_eq!(received[1].status, 200);
    }
    let received = unavailable_until.wait_for(2, WAIT).await;
    assert!(
        received[1].at + Duration::from_millis(100) >= until_instant,
        "503 with Retry-After: {until} was retried {:?} early",
        until_instant - received[1].at
    );
    // Within WAIT (15 s), far less than the hour it asked for.
    let received = broken.wait_for(2, WAIT).await;
    assert_eq!(received[0].webhook_id(), received[1].webhook_id());
}

// ---------------------------------------------------------------------------------------------
// Timeouts

#[tokio::test]
async fn an_attempt_that_times_out_is_retried_and_the_event_ends_delivered() {
    let app = delivery_app_with(
        schedule(4, Duration::from_millis(100)),
        Duration::from_millis(500),
    )
    .await;
    let fixture = app.fixture().await;
    let hooks = Receiver::start().await;
    hooks.script([Reply::Delay(Duration::from_secs(3))]);
    let (endpoint_id, secret) = register(&app, &fixture.wallet.key, &hooks.url, None).await;

    let order = app.new_order(&fixture, "offramp").await;
    let id = order["id"].as_str().unwrap();
    let received = hooks.wait_for(2, WAIT).await;
    assert_eq!(received[0].webhook_id(), received[1].webhook_id());
    assert!(received.iter().all(|r| r.verify(&secret)));
    assert!(
        received[1].at - received[0].at >= Duration::from_millis(400),
        "the retry came before the first attempt could have timed out"
    );

    let event = wait_for_event_delivery(&app, &fixture.wallet.key, id, 1, "delivered").await;
    assert_eq!(event["id"], received[0].webhook_id().as_str());
    let rows = delivery_rows(app.database(), &endpoint_id).await;
    assert_eq!(rows[0].state, "delivered");
    let attempts = attempt_rows(app.database(), &rows[0].event_id, &endpoint_id).await;
    assert!(attempts.len() >= 2, "{attempts:?}");
    let (status, error) = &attempts[0];
    assert_eq!(*status, None, "a timed-out attempt has no status");
    assert!(
        error.as_deref().unwrap_or_default().contains("timed out"),
        "{error:?}"
    );
    assert_eq!(attempts.last().unwrap().0, Some(200));
}

// ---------------------------------------------------------------------------------------------
// Order

#[tokio::test]
async fn one_order_reaches_an_endpoint_in_version_order_even_when_attempts_fail() {
    let app = delivery_app(schedule(6, Duration::from_millis(100))).await;
    let fixture = app.fixture().await;
    let hooks = Receiver::start().await;
    // By arrival: v1 fails twice, v2 once, v4 once (502, then a 429 without Retry-After).
    hooks.script([
        Reply::Status(500),
        Reply::Status(500),
        Reply::Status(200),
        Reply::Status(500),
        Reply::Status(200),
        Reply::Status(200),
        Reply::Status(502),
        Reply::Status(429),
    ]);
    let (_, secret) = register(&app, &fixture.wallet.key, &hooks.url, None).await;

    let order = app.new_order(&fixture, "offramp").await;
    let id = order["id"].as_str().unwrap();
    // Every later event is committed while v1 is still failing.
    drive(&app, &fixture, id, "offramp").await;
    let received = hooks
        .wait_until("v5 answered 2xx", LONG_WAIT, |received| {
            received.iter().any(|r| r.version() == 5 && r.succeeded())
        })
        .await;
    assert_delivered_in_version_order(&received, 5);
    let types: Vec<String> = received
        .iter()
        .filter(|r| r.succeeded())
        .map(Received::event_type)
        .collect();
    assert_eq!(types, LIFE);
    let failures = received.iter().filter(|r| !r.succeeded()).count();
    assert_eq!(failures, 5, "every scripted failure was used: {received:?}");
    assert!(received.iter().all(|r| r.verify(&secret)));
    // Every retry of a version carried the same webhook-id.
    for version in 1..=5 {
        let ids: std::collections::HashSet<String> = received
            .iter()
            .filter(|r| r.version() == version)
            .map(Received::webhook_id)
            .collect();
        assert_eq!(ids.len(), 1, "v{version}");
    }
}

#[tokio::test]
async fn an_order_whose_deliveries_keep_failing_does_not_hold_up_another_order() {
    let app = delivery_app(schedule(100, Duration::from_millis(200))).await;
    let fixture = app.fixture().await;
    // The stuck order exists before the endpoint, so its first delivery there is v2, and the
    // receiver already fails it by the time that arrives.
    let stuck = app.new_order(&fixture, "offramp").await;
    let stuck_id = stuck["id"].as_str().unwrap();
    let hooks = Receiver::start().await;
    hooks.fail_order(stuck_id, 500);
    let (endpoint_id, secret) = register(&app, &fixture.wallet.key, &hooks.url, None).await;
    drive(&app, &fixture, stuck_id, "offramp").await;
    hooks.wait_for_order(stuck_id, 2, WAIT).await;

    let flowing = app.new_order(&fixture, "offramp").await;
    let flowing_id = flowing["id"].as_str().unwrap();
    drive(&app, &fixture, flowing_id, "offramp").await;
    let received = hooks.wait_for_order(flowing_id, 5, WAIT).await;
    assert_delivered_in_version_order(&received, 5);
    assert!(received.iter().all(|r| r.verify(&secret)));

    // Meanwhile the stuck order never got past v2, which is still pending (not exhausted).
    let stuck_requests = hooks.received_for(stuck_id);
    assert!(
        stuck_requests
            .iter()
            .all(|r| r.version() == 2 && r.status == 500),
        "{:?}",
        stuck_requests
            .iter()
            .map(Received::summary)
            .collect::<Vec<_>>()
    );
    let rows = delivery_rows(app.database(), &endpoint_id).await;
    let stuck_rows: Vec<&DeliveryRow> = rows.iter().filter(|r| r.order_id == stuck_id).collect();
    assert_eq!(stuck_rows.len(), 4);
    assert!(
        stuck_rows.iter().all(|r| r.state == "pending"),
        "{stuck_rows:#?}"
    );
    assert!(stuck_rows[0].attempts >= 2);

    // Once the receiver recovers, the stuck order's events follow, in order.
    hooks.clear_order(stuck_id);
    hooks
        .wait_until("the stuck order's v5 answered 2xx", LONG_WAIT, |received| {
            received
                .iter()
                .any(|r| r.order_id() == stuck_id && r.version() == 5 && r.succeeded())
        })
        .await;
    let stuck_requests = hooks.received_for(stuck_id);
    let succeeded: Vec<i64> = stuck_requests
        .iter()
        .filter(|r| r.succeeded())
        .map(Received::version)
        .collect();
    assert_eq!(succeeded, [2, 3, 4, 5]);
    let versions: Vec<i64> = stuck_requests.iter().map(Received::version).collect();
    assert!(versions.windows(2).all(|w| w[0] <= w[1]), "{versions:?}");
}

// ---------------------------------------------------------------------------------------------
// Secrets

#[tokio::test]
async fn after_a_rotation_deliveries_carry_two_signatures_that_both_verify() {
    let app = delivery_app(schedule(3, Duration::from_millis(100))).await;
    let fixture = app.fixture().await;
    let hooks = Receiver::start().await;
    let (endpoint_id, old_secret) = register(&app, &fixture.wallet.key, &hooks.url, None).await;

    app.new_order(&fixture, "offramp").await;
    let before = hooks.wait_for(1, WAIT).await;
    let header = before[0].headers["webhook-signature"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        header.split(' ').count(),
        1,
        "one secret, one signature: {header}"
    );
    assert!(before[0].verify(&old_secret));

    let response = app
        .post(
            &format!("/v1/webhook-endpoints/{endpoint_id}/rotate-secret"),
            &fixture.wallet.key,
            &json!({}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let rotated: Value = response.json().await.unwrap();
    assert_eq!(rotated["id"], endpoint_id.as_str());
    let new_secret = rotated["secret"].as_str().unwrap().to_owned();
    assert!(new_secret.starts_with("whsec_"));
    assert_ne!(new_secret, old_secret);
    let expires = chrono::DateTime::parse_from_rfc3339(
        rotated["previous_secret_expires_at"].as_str().unwrap(),
    )
    .expect("an RFC 3339 expiry");
    let in_a_day = chrono::Utc::now() + chrono::Duration::hours(24);
    assert!(
        (expires.timestamp() - in_a_day.timestamp()).abs() < 120,
        "the old secret should keep signing for 24 h, until {expires}"
    );

    app.new_order(&fixture, "offramp").await;
    let after = hooks.wait_for(2, WAIT).await;
    let delivery = &after[1];
    let header = delivery.headers["webhook-signature"]
        .to_str()
        .unwrap()
        .to_owned();
    let entries: Vec<&str> = header.split(' ').collect();
    assert_eq!(
        entries.len(),
        2,
        "two live secrets, two signatures: {header}"
    );
    assert!(entries.iter().all(|e| e.starts_with("v1,")), "{header}");
    assert!(delivery.verify(&new_secret), "verifies with the new secret");
    assert!(delivery.verify(&old_secret), "verifies with the old secret");
    // Each entry is the signature of exactly one of the two secrets.
    let single: Vec<Received> = entries
        .iter()
        .map(|e| with_signature(delivery, e))
        .collect();
    let by_new: Vec<bool> = single.iter().map(|r| r.verify(&new_secret)).collect();
    let by_old: Vec<bool> = single.iter().map(|r| r.verify(&old_secret)).collect();
    assert!(
        (by_new == [true, false] && by_old == [false, true])
            || (by_new == [false, true] && by_old == [true, false]),
        "new: {by_new:?}, old: {by_old:?}"
    );
    let stranger = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    assert!(!delivery.verify(stranger));
}

// ---------------------------------------------------------------------------------------------
// Filters

#[tokio::test]
async fn event_types_choose_what_an_endpoint_receives() {
    let app = delivery_app(schedule(3, Duration::from_millis(100))).await;
    let fixture = app.fixture().await;
    let everything = Receiver::start().await;
    let completed_only = Receiver::start().await;
    let two_types = Receiver::start().await;
    let key = &fixture.wallet.key;
    register(&app, key, &everything.url, None).await;
    let (completed_id, _) = register(
        &app,
        key,
        &completed_only.url,
        Some(json!(["order.completed"])),
    )
    .await;
    register(
        &app,
        key,
        &two_types.url,
        Some(json!(["order.created", "order.funds_sent"])),
    )
    .await;

    let order = app.new_order(&fixture, "offramp").await;
    let id = order["id"].as_str().unwrap();
    drive(&app, &fixture, id, "offramp").await;

    let all = everything.wait_for(5, WAIT).await;
    let types: Vec<String> = all.iter().map(Received::event_type).collect();
    assert_eq!(types, LIFE);
    let two = two_types.wait_for(2, WAIT).await;
    let types: Vec<String> = two.iter().map(Received::event_type).collect();
    assert_eq!(types, ["order.created", "order.funds_sent"]);
    let completed = completed_only.wait_for(1, WAIT).await;
    assert_eq!(completed[0].event_type(), "order.completed");
    assert_eq!(completed[0].version(), 5);

    // Nothing else was ever queued for the filtered endpoints.
    let rows = delivery_rows(app.database(), &completed_id).await;
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(completed_only.received().len(), 1);
    assert_eq!(two_types.received().len(), 2);
}

// ---------------------------------------------------------------------------------------------
// Redelivery

#[tokio::test]
async fn a_delivered_event_can_be_redelivered() {
    let app = delivery_app(schedule(3, Duration::from_millis(100))).await;
    let fixture = app.fixture().await;
    let hooks = Receiver::start().await;
    let (_, secret) = register(&app, &fixture.wallet.key, &hooks.url, None).await;
    let order = app.new_order(&fixture, "offramp").await;
    let id = order["id"].as_str().unwrap();
    let first = hooks.wait_for(1, WAIT).await;
    let event = wait_for_event_delivery(&app, &fixture.wallet.key, id, 1, "delivered").await;
    let event_id = event["id"].as_str().unwrap();
    assert_eq!(first[0].webhook_id(), event_id);

    let response = app
        .post(
            &format!("/v1/events/{event_id}/redeliver"),
            &fixture.wallet.key,
            &json!({}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let again = hooks.wait_for(2, WAIT).await;
    assert_eq!(again[1].webhook_id(), event_id, "the same webhook-id");
    assert!(again[1].verify(&secret));
    assert_eq!(again[1].json(), first[0].json(), "the same event");
    wait_for_event_delivery(&app, &fixture.wallet.key, id, 1, "delivered").await;
}

// ---------------------------------------------------------------------------------------------
// An exhausted schedule

#[tokio::test]
async fn an_exhausted_schedule_fails_the_delivery_and_the_next_event_follows() {
    let app = delivery_app(vec![Duration::ZERO, Duration::from_millis(100)]).await;
    let fixture = app.fixture().await;
    let hooks = Receiver::start().await;
    hooks.script([Reply::Status(500), Reply::Status(500)]);
    let (endpoint_id, _) = register(&app, &fixture.wallet.key, &hooks.url, None).await;
    let order = app.new_order(&fixture, "offramp").await;
    let id = order["id"].as_str().unwrap();
    let accepted = app
        .command(&fixture.partner.key, id, "accept", &accept_body("offramp"))
        .await;
    assert_eq!(accepted.status(), StatusCode::OK);

    let received = hooks.wait_for(3, WAIT).await;
    let seen: Vec<(i64, u16)> = received.iter().map(|r| (r.version(), r.status)).collect();
    assert_eq!(
        seen,
        [(1, 500), (1, 500), (2, 200)],
        "two attempts of v1, then v2"
    );

    wait_for_event_delivery(&app, &fixture.wallet.key, id, 1, "failed").await;
    wait_for_event_delivery(&app, &fixture.wallet.key, id, 2, "delivered").await;
    let failed = list_events(
        &app,
        &fixture.wallet.key,
        &format!("order_id={id}&delivery=failed"),
    )
    .await;
    let versions: Vec<&Value> = failed.iter().map(|e| &e["order_version"]).collect();
    assert_eq!(versions, [&json!(1)]);
    let rows = delivery_rows(app.database(), &endpoint_id).await;
    assert_eq!(
        (
            rows[0].state.as_str(),
            rows[0].attempts,
            rows[0].last_status
        ),
        ("failed", 2, Some(500))
    );
    assert_eq!((rows[1].state.as_str(), rows[1].attempts), ("delivered", 1));
    // Nothing more comes for the failed event.
    assert_eq!(hooks.received().len(), 3);
}

// ---------------------------------------------------------------------------------------------
// What a delivery looks like

#[tokio::test]
async fn a_delivery_is_signed_standard_webhooks_and_carries_the_order_resource() {
    let app = delivery_app(schedule(3, Duration::from_millis(100))).await;
    let fixture = app.fixture().await;
    let hooks = Receiver::start().await;
    let (_, secret) = register(&app, &fixture.wallet.key, &hooks.url, None).await;
    let created = app.new_order(&fixture, "offramp").await;
    let id = created["id"].as_str().unwrap();
    hooks.wait_for(1, WAIT).await;
    let at_version_1 = app.get_order(&fixture.wallet.key, id).await;
    assert_eq!(at_version_1["version"], 1);
    let accepted = app
        .command(&fixture.partner.key, id, "accept", &accept_body("offramp"))
        .await;
    assert_eq!(accepted.status(), StatusCode::OK);
    let at_version_2: Value = accepted.json().await.unwrap();
    let received = hooks.wait_for(2, WAIT).await;
    let ids = event_ids(app.database(), id).await;
    assert_eq!(ids.len(), 2);

    for (n, (delivery, resource, event_type)) in [
        (&received[0], &at_version_1, "order.created"),
        (&received[1], &at_version_2, "order.accepted"),
    ]
    .into_iter()
    .enumerate()
    {
        assert!(delivery.verify(&secret));
        assert_eq!(delivery.webhook_id(), ids[n], "webhook-id is the event id");
        let timestamp: i64 = delivery.headers["webhook-timestamp"]
            .to_str()
            .unwrap()
            .parse()
            .expect("unix seconds");
        let now = chrono::Utc::now().timestamp();
        assert!(
            (now - timestamp).abs() <= 10,
            "webhook-timestamp {timestamp}, now {now}"
        );
        assert!(delivery.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json"));
        let body = delivery.json();
        let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(sorted, ["data", "timestamp", "type"], "{body}");
        assert_eq!(body["type"], event_type);
        assert_eq!(
            &body["data"], resource,
            "data is the order resource at that version"
        );
        assert_eq!(
            body["timestamp"], resource["updated_at"],
            "the event's time"
        );
        chrono::DateTime::parse_from_rfc3339(body["timestamp"].as_str().unwrap())
            .expect("an RFC 3339 timestamp");
    }
    assert_eq!(
        received[0].json()["data"],
        created,
        "v1 is what the create answered"
    );

    // The events API tells the same story.
    let events = list_events(&app, &fixture.wallet.key, &format!("order_id={id}")).await;
    let mut listed: Vec<(i64, String, String)> = events
        .iter()
        .map(|e| {
            (
                e["order_version"].as_i64().unwrap(),
                e["id"].as_str().unwrap().to_owned(),
                e["type"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    listed.sort();
    assert_eq!(
        listed,
        [
            (1, ids[0].clone(), "order.created".to_owned()),
            (2, ids[1].clone(), "order.accepted".to_owned())
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// kill -9 with deliveries pending, and a receiver that was down

#[tokio::test]
async fn pending_deliveries_survive_kill_9_and_reach_a_receiver_that_was_down() {
    let database = TestDatabase::for_test().await;
    // The wallet's receiver is down: its port is held by a socket that is bound but never
    // listens, so connections are refused and no other test can take the port meanwhile.
    let down = tokio::net::TcpSocket::new_v4().unwrap();
    down.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let down_port = down.local_addr().unwrap().port();
    // The partner's receiver hangs: connections are taken (by the kernel's backlog) and never
    // answered, so an attempt is in flight, its delivery leased, until the timeout.
    let hanging = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let hanging_port = hanging.local_addr().unwrap().port();
    // Fifty attempts 200 ms apart: far more than the receivers are out for, so no delivery is
    // exhausted before they come back. A 5 s timeout keeps each attempt on the hanging
    // receiver in flight long enough to kill the server in the middle of one.
    let retry_schedule = schedule(49, Duration::from_millis(200))
        .iter()
        .map(|d| format!("{}ms", d.as_millis()))
        .collect::<Vec<_>>()
        .join(",");
    let env = [
        ("RAMPFLOW_WEBHOOK_ALLOW_PRIVATE_TARGETS", "true"),
        ("RAMPFLOW_WEBHOOK_RETRY_SCHEDULE", retry_schedule.as_str()),
        ("RAMPFLOW_WEBHOOKS__POLL_INTERVAL", "100ms"),
        ("RAMPFLOW_WEBHOOK_TIMEOUT", "5s"),
    ];
    let server = Server::start(&database, &env).await;
    let fixture = server.fixture().await;
    let mut endpoints = Vec::new();
    for (party, port) in [
        (&fixture.wallet, down_port),
        (&fixture.partner, hanging_port),
    ] {
        let endpoint = server
            .post(
                "/v1/webhook-endpoints",
                &party.key,
                &json!({ "url": format!("http://127.0.0.1:{port}/hooks") }),
            )
            .await;
        endpoints.push((
            endpoint["id"].as_str().unwrap().to_owned(),
            endpoint["secret"].as_str().unwrap().to_owned(),
        ));
    }
    let (down_id, hanging_id) = (endpoints[0].0.clone(), endpoints[1].0.clone());

    // One order all the way through, one accepted: seven events for each endpoint.
    let (wallet, partner) = (&fixture.wallet.key, &fixture.partner.key);
    let mut orders = Vec::new();
    for (direction, commands) in [("offramp", 4), ("onramp", 1)] {
        let order = server
            .post("/v1/orders", wallet, &order_body(direction, &fixture))
            .await;
        let id = order["id"].as_str().unwrap().to_owned();
        let steps = [
            (partner, "accept", accept_body(direction)),
            (wallet, "funds-sent", json!({})),
            (
                partner,
                "funds-received",
                json!({ "amount": expected_funds(direction) }),
            ),
            (partner, "complete", json!({ "transaction_id": "tx-1" })),
        ];
        for (key, command, body) in steps.into_iter().take(commands) {
            server
                .post(&format!("/v1/orders/{id}/{command}"), key, &body)
                .await;
        }
        orders.push((id, commands as i64 + 1));
    }
    // Attempts to the receiver that is down were made and refused; nothing was delivered or
    // given up.
    wait_for_rows(
        &database,
        &down_id,
        "refused attempts recorded",
        WAIT,
        |rows| rows.len() == 7 && rows.iter().filter(|r| r.attempts >= 1).count() == 2,
    )
    .await;
    let rows = delivery_rows(&database, &down_id).await;
    assert!(rows.iter().all(|r| r.state == "pending"), "{rows:#?}");
    for head in rows.iter().filter(|r| r.attempts >= 1) {
        assert_eq!(
            head.version, 1,
            "only each order's first event is tried: {rows:#?}"
        );
        assert!(
            head.last_error
                .as_deref()
                .unwrap_or_default()
                .contains("connect"),
            "{head:?}"
        );
    }
    // Kill it in the middle of an attempt to the hanging receiver: a lease taken in the last
    // second, by an attempt that has seconds left before its timeout.
    let lease = rampflow_actors::webhook::lease_for(Duration::from_secs(5)).as_millis() as i64;
    wait_for_rows(
        &database,
        &hanging_id,
        "an attempt in flight",
        WAIT,
        |rows| {
            let now = chrono::Utc::now().timestamp_millis();
            rows.len() == 7
                && rows.iter().any(|r| {
                    r.leased_until
                        .is_some_and(|until| until - lease > now - 1000)
                })
        },
    )
    .await;
    server.kill9();
    let rows = delivery_rows(&database, &hanging_id).await;
    assert!(
        rows.iter().any(|r| r.leased_until.is_some()),
        "the kill left a leased delivery behind: {rows:#?}"
    );
    assert!(rows.iter().all(|r| r.state == "pending"), "{rows:#?}");

    // Both receivers come back on their ports, then the server on the same database.
    drop(down);
    drop(hanging);
    let receivers = [
        Receiver::start_on(down_port).await,
        Receiver::start_on(hanging_port).await,
    ];
    let _server = Server::start(&database, &env).await;
    for (hooks, (endpoint_id, secret)) in receivers.iter().zip(&endpoints) {
        let received = hooks.wait_for(7, LONG_WAIT).await;
        assert!(
            received.iter().all(|r| r.verify(secret)),
            "every delivery verifies"
        );
        for (id, versions) in &orders {
            let of_order: Vec<Received> = received
                .iter()
                .filter(|r| &r.order_id() == id)
                .cloned()
                .collect();
            assert_delivered_in_version_order(&of_order, *versions);
            let webhook_ids: Vec<String> = of_order.iter().map(Received::webhook_id).collect();
            assert_eq!(
                webhook_ids,
                event_ids(&database, id).await,
                "the events' own ids"
            );
        }
        wait_for_rows(
            &database,
            endpoint_id,
            "every delivery recorded",
            LONG_WAIT,
            |rows| rows.len() == 7 && rows.iter().all(|r| r.state == "delivered"),
        )
        .await;
    }
}

/// A server (its own process, so its counters are its own) whose wallet and partner each
/// have one endpoint, at `hooks`.
async fn server_with_one_receiver(database: &TestDatabase, hooks: &Receiver) -> (Server, Fixture) {
    let env = [("RAMPFLOW_WEBHOOK_ALLOW_PRIVATE_TARGETS", "true")];
    let server = Server::start(database, &env).await;
    let fixture = server.fixture().await;
    for party in [&fixture.wallet, &fixture.partner] {
        server
            .post(
                "/v1/webhook-endpoints",
                &party.key,
                &json!({ "url": hooks.url }),
            )
            .await;
    }
    (server, fixture)
}

/// `rampflow_webhook_dispatched_total{via}` in a scrape of `/metrics`.
fn dispatched(metrics: &str, via: &str) -> u64 {
    metrics
        .lines()
        .find(|line| {
            line.starts_with(&format!(
                "rampflow_webhook_dispatched_total{{via=\"{via}\"}}"
            ))
        })
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|count| count.parse::<u64>().ok())
        .unwrap_or_else(|| panic!("no {via} count in:\n{metrics}"))
}

/// A new order event's deliveries leave at commit time: the transaction that commits the
/// change leases them to the node and hands them to their senders, so the first attempt of
/// every event of an uneventful lifecycle needs no claim. (The server runs as its own process,
/// so its counters are its own.)
#[tokio::test]
async fn first_deliveries_leave_at_commit_time_without_a_claim() {
    let database = TestDatabase::for_test().await;
    let hooks = Receiver::start().await;
    let (server, fixture) = server_with_one_receiver(&database, &hooks).await;
    let order = server
        .post(
            "/v1/orders",
            &fixture.wallet.key,
            &order_body("offramp", &fixture),
        )
        .await;
    let id = order["id"].as_str().unwrap();
    // The accept's deliveries are heads (and so leave at commit time) only once the created
    // event's are settled: per order and endpoint, one event at a time.
    let mut db = database.connect().await;
    let deadline = Instant::now() + WAIT;
    while db
        .rows(
            "SELECT event_id FROM webhook_deliveries WHERE order_id = $1 AND state = 'delivered'",
            &[id],
        )
        .await
        .len()
        < 2
    {
        assert!(
            Instant::now() < deadline,
            "the created event was never delivered"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    db.close().await;
    server
        .post(
            &format!("/v1/orders/{id}/accept"),
            &fixture.partner.key,
            &accept_body("offramp"),
        )
        .await;
    // Both parties hear of both changes, in order.
    let received = hooks.wait_for(4, WAIT).await;
    assert_eq!(received.len(), 4);
    let versions: Vec<i64> = received.iter().map(Received::version).collect();
    assert_eq!(
        versions.iter().filter(|v| **v == 1).count(),
        2,
        "{versions:?}"
    );
    assert_eq!(
        versions.iter().filter(|v| **v == 2).count(),
        2,
        "{versions:?}"
    );

    let metrics = server.metrics_text().await;
    let dispatched = |via: &str| dispatched(&metrics, via);
    assert_eq!(
        dispatched("commit"),
        4,
        "every first attempt left at commit time"
    );
    assert_eq!(dispatched("claim"), 0, "nothing needed a claim");
}

/// An order's next event whose delivery waits behind one still in flight leaves from the
/// transaction that records the earlier attempt: the recorder (on SQLite on the journal's
/// thread, on PostgreSQL through the store) leases the next delivery of each queue it moved on
/// and hands it to its sender, so nothing needs a claim. Each party hears of both changes, in
/// order.
#[tokio::test]
async fn a_delivery_held_back_by_one_in_flight_leaves_as_that_one_is_recorded() {
    let database = TestDatabase::for_test().await;
    let hooks = Receiver::start().await;
    // The created event's two deliveries are held, unanswered, until released below.
    hooks.script([Reply::Hold(200), Reply::Hold(200)]);
    let (server, fixture) = server_with_one_receiver(&database, &hooks).await;
    let order = server
        .post(
            "/v1/orders",
            &fixture.wallet.key,
            &order_body("offramp", &fixture),
        )
        .await;
    let id = order["id"].as_str().unwrap();
    assert_eq!(
        hooks.wait_for(2, WAIT).await.len(),
        2,
        "order.created, held"
    );
    // Committed while both created deliveries are still in flight: the accept's wait.
    server
        .post(
            &format!("/v1/orders/{id}/accept"),
            &fixture.partner.key,
            &accept_body("offramp"),
        )
        .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        hooks.received().len(),
        2,
        "order.accepted waits behind order.created"
    );
    hooks.release();

    let received = hooks.wait_for(4, WAIT).await;
    let versions: Vec<i64> = received.iter().map(Received::version).collect();
    assert_eq!(versions.len(), 4, "{versions:?}");
    assert!(
        versions[..2].iter().all(|v| *v == 1) && versions[2..].iter().all(|v| *v == 2),
        "each party hears version 1, then 2: {versions:?}"
    );
    let metrics = server.metrics_text().await;
    let dispatched = |via: &str| dispatched(&metrics, via);
    assert_eq!(
        (dispatched("commit"), dispatched("claim")),
        (4, 0),
        "the accept's deliveries were handed over by the recorder's transaction"
    );
}
