//! When PostgreSQL fails under a steady lifecycle load (ISSUE: fast 503s, honest readiness, no
//! actor left behind a commit it could not confirm). The built binary runs as a child process
//! and reaches its database through a [`FaultProxy`] that refuses, blackholes, flaps, or cuts
//! a connection right after a journal transaction's `COMMIT` went out.
//!
//! Each run checks, while the fault lasts and after it:
//! - every request started during the outage is answered within 2 s: 2xx, or 503 with
//!   `Retry-After`; no request ever gets a 500;
//! - `/readyz` answers within 1 s throughout, names the database while it is down, and is 200
//!   again soon after the database is back;
//! - afterwards every order's `GET` equals its row, the webhooks delivered agree with both,
//!   every acknowledged change is stored, and nothing is lost or doubled.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::Row;

use crate::fault_proxy::{Fault, FaultProxy};
use crate::helpers::{
    accept_body, expected_funds, order_body, postgres_server, Engine, Fixture, TestDatabase,
};
use crate::receiver::Receiver;
use crate::recovery::Server;

/// The promise for a request started while the database is down.
const ANSWER_LIMIT: Duration = Duration::from_secs(2);
/// The promise for `/readyz`, whatever the database does.
const READYZ_LIMIT: Duration = Duration::from_secs(1);
/// Lifecycles driven at once.
const WORKERS: usize = 6;

/// The runs under load take turns: each promises answers within a time, which other outage
/// runs sharing the two cores would only blur.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const ENV: [(&str, &str); 3] = [
    ("RAMPFLOW_WEBHOOK_ALLOW_PRIVATE_TARGETS", "true"),
    ("RAMPFLOW_WEBHOOKS__POLL_INTERVAL", "200ms"),
    ("RAMPFLOW_WEBHOOK_RETRY_SCHEDULE", "1s,1s,2s,5s,10s,30s"),
];

/// A server on PostgreSQL behind a fault proxy, a wallet with a webhook endpoint, a partner.
struct Rig {
    database: TestDatabase,
    proxy: FaultProxy,
    server: Server,
    fixture: Fixture,
    hooks: Receiver,
}

impl Rig {
    async fn start() -> Rig {
        Rig::start_with(&[]).await
    }

    /// With `extra` settings over the module's.
    async fn start_with(extra: &[(&str, &str)]) -> Rig {
        let database = TestDatabase::new(Engine::Postgres).await;
        let upstream = postgres_server()
            .rsplit('@')
            .next()
            .expect("host:port")
            .trim_end_matches('/')
            .to_owned();
        let proxy = FaultProxy::start(&upstream).await;
        let url = proxy.url_for(&database.url());
        let env: Vec<(&str, &str)> = ENV.iter().chain(extra).copied().collect();
        let server = Server::start_at(database.dir(), &url, &env).await;
        let fixture = server.fixture().await;
        let hooks = Receiver::start().await;
        server
            .post(
                "/v1/webhook-endpoints",
                &fixture.wallet.key,
                &json!({ "url": hooks.url }),
            )
            .await;
        Rig {
            database,
            proxy,
            server,
            fixture,
            hooks,
        }
    }
}

/// One request and how it ended.
#[derive(Debug, Clone)]
struct Exchange {
    what: String,
    started: Instant,
    took: Duration,
    /// `None`: no answer at all (the client gave up).
    status: Option<StatusCode>,
    code: String,
    retry_after: bool,
}

/// What the load saw: every exchange, and every change acknowledged (order id -> versions).
#[derive(Default)]
struct Seen {
    exchanges: Vec<Exchange>,
    acked: BTreeMap<String, Vec<i64>>,
}

/// Drives whole lifecycles (create, accept, funds-sent, funds-received, complete) until
/// `stop`, each request retried after `Retry-After` as the contract says a client should.
async fn drive(
    address: String,
    fixture: Fixture,
    seen: Arc<Mutex<Seen>>,
    stop: tokio::sync::watch::Receiver<bool>,
) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .pool_max_idle_per_host(WORKERS)
        .build()
        .unwrap();
    let mut workers = Vec::new();
    for worker in 0..WORKERS {
        let (client, address, fixture, seen, stop) = (
            client.clone(),
            address.clone(),
            fixture.clone(),
            seen.clone(),
            stop.clone(),
        );
        workers.push(tokio::spawn(async move {
            let direction = if worker % 2 == 0 { "onramp" } else { "offramp" };
            while !*stop.borrow() {
                let key = uuid::Uuid::now_v7().to_string();
                let create = order_body(direction, &fixture);
                let Some(order) = exchange(
                    &client,
                    &address,
                    &seen,
                    &stop,
                    "/v1/orders".into(),
                    &fixture.wallet.key,
                    &create,
                    Some(&key),
                )
                .await
                else {
                    return;
                };
                let id = order["id"].as_str().unwrap().to_owned();
                let steps = [
                    ("accept", accept_body(direction), &fixture.partner.key),
                    (
                        "funds-sent",
                        json!({ "reference": "tx-1" }),
                        &fixture.wallet.key,
                    ),
                    (
                        "funds-received",
                        json!({ "amount": expected_funds(direction) }),
                        &fixture.partner.key,
                    ),
                    (
                        "complete",
                        json!({ "transaction_id": "payout-1" }),
                        &fixture.partner.key,
                    ),
                ];
                for (command, body, party) in steps {
                    let path = format!("/v1/orders/{id}/{command}");
                    if exchange(&client, &address, &seen, &stop, path, party, &body, None)
                        .await
                        .is_none()
                    {
                        return;
                    }
                }
            }
        }));
    }
    for worker in workers {
        worker.await.unwrap();
    }
}

/// POSTs until it succeeds (retrying 503s after their `Retry-After`) or the load stops.
#[allow(clippy::too_many_arguments)]
async fn exchange(
    client: &reqwest::Client,
    address: &str,
    seen: &Mutex<Seen>,
    stop: &tokio::sync::watch::Receiver<bool>,
    path: String,
    key: &str,
    body: &Value,
    idempotency_key: Option<&str>,
) -> Option<Value> {
    loop {
        let mut request = client
            .post(format!("{address}{path}"))
            .bearer_auth(key)
            .json(body);
        if let Some(idempotency_key) = idempotency_key {
            request = request.header("Idempotency-Key", idempotency_key);
        }
        let started = Instant::now();
        let response = request.send().await;
        let took = started.elapsed();
        let (status, retry_after, answer) = match response {
            Ok(response) => {
                let status = response.status();
                let retry_after = response.headers().contains_key("retry-after");
                let answer: Value = response.json().await.unwrap_or(Value::Null);
                (Some(status), retry_after, answer)
            }
            Err(_) => (None, false, Value::Null),
        };
        let code = answer["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let succeeded = status.is_some_and(|status| status.is_success());
        {
            let mut seen = seen.lock().unwrap();
            seen.exchanges.push(Exchange {
                what: format!("POST {path}"),
                started,
                took,
                status,
                code: code.clone(),
                retry_after,
            });
            if succeeded {
                let id = answer["id"].as_str().unwrap().to_owned();
                let version = answer["version"].as_i64().unwrap();
                seen.acked.entry(id).or_default().push(version);
            }
        }
        if succeeded {
            return Some(answer);
        }
        if *stop.borrow() {
            return None;
        }
        let retryable = status == Some(StatusCode::SERVICE_UNAVAILABLE) || status.is_none();
        assert!(
            retryable,
            "POST {path}: {status:?} {answer} is neither 2xx nor retryable"
        );
        tokio::time::sleep(Duration::from_millis(if retry_after { 1000 } else { 200 })).await;
    }
}

/// One `/readyz` answer.
#[derive(Debug, Clone)]
struct Readiness {
    at: Instant,
    took: Duration,
    status: Option<StatusCode>,
    database_down: bool,
}

/// Polls `/readyz` every 100 ms until `stop`.
async fn watch_readiness(
    address: String,
    log: Arc<Mutex<Vec<Readiness>>>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    while !*stop.borrow() {
        let at = Instant::now();
        let answer = client.get(format!("{address}/readyz")).send().await;
        let took = at.elapsed();
        let (status, body) = match answer {
            Ok(response) => (
                Some(response.status()),
                response.json::<Value>().await.unwrap_or(Value::Null),
            ),
            Err(_) => (None, Value::Null),
        };
        log.lock().unwrap().push(Readiness {
            at,
            took,
            status,
            database_down: body["components"]["database"]["status"] == "down",
        });
        tokio::select! {
            _ = stop.changed() => {}
            () = tokio::time::sleep(Duration::from_millis(100)) => {}
        }
    }
}

/// A fault from `start` for `length`.
#[derive(Debug, Clone, Copy)]
struct Window {
    start: Instant,
    end: Instant,
}

/// Runs `faults` (each a fault and how long it lasts, followed by how long the database is
/// back before the next) under load, then checks everything the module promises.
async fn under_load(fault: Fault, schedule: &[(Duration, Duration)]) {
    let _turn = ONE_AT_A_TIME.lock().await;
    let rig = Rig::start().await;
    let seen = Arc::new(Mutex::new(Seen::default()));
    let readiness = Arc::new(Mutex::new(Vec::new()));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let load = tokio::spawn(drive(
        rig.server.address.clone(),
        rig.fixture.clone(),
        seen.clone(),
        stopped.clone(),
    ));
    let watcher = tokio::spawn(watch_readiness(
        rig.server.address.clone(),
        readiness.clone(),
        stopped,
    ));
    // Some orders in every state before the first fault.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut windows = Vec::new();
    for (down, up) in schedule {
        let start = Instant::now();
        rig.proxy.set(fault);
        tokio::time::sleep(*down).await;
        rig.proxy.set(Fault::None);
        windows.push(Window {
            start,
            end: Instant::now(),
        });
        tokio::time::sleep(*up).await;
    }
    // Long enough for every kind of answer after the last recovery.
    tokio::time::sleep(Duration::from_secs(3)).await;
    stop.send_replace(true);
    load.await.unwrap();
    watcher.await.unwrap();

    let seen = std::mem::take(&mut *seen.lock().unwrap());
    let readiness = readiness.lock().unwrap().clone();
    let log = rig.server.log_text();
    check_answers(&seen.exchanges, &windows, &log);
    check_readiness(&readiness, &windows, fault);
    check_agreement(&rig, &seen).await;
    // Requests already waiting on the database when the fault began: answered how long after.
    let in_flight = seen
        .exchanges
        .iter()
        .filter(|e| e.started < windows[0].start && e.started + e.took > windows[0].start)
        .map(|e| (e.started + e.took).duration_since(windows[0].start))
        .max();
    let mut during_outage: Vec<Duration> = seen
        .exchanges
        .iter()
        .filter(|e| during(&windows, e.started))
        .map(|e| e.took)
        .collect();
    during_outage.sort();
    let named = readiness
        .iter()
        .find(|r| r.at >= windows[0].start && r.database_down)
        .map(|r| r.at + r.took - windows[0].start);
    // The figures the README quotes.
    println!(
        "{fault:?}: {} requests, {} answered 503; those in flight when it began answered within {in_flight:?}; \
         requests started during the outage: {} answered in p50 {:?}, max {:?}; \
         /readyz named the database {named:?} after the fault began",
        seen.exchanges.len(),
        seen.exchanges
            .iter()
            .filter(|e| e.status == Some(StatusCode::SERVICE_UNAVAILABLE))
            .count(),
        during_outage.len(),
        during_outage.get(during_outage.len() / 2),
        during_outage.last(),
    );
    assert!(!log.contains("panicked"), "a panic in the log:\n{log}");
}

fn during(windows: &[Window], at: Instant) -> bool {
    windows.iter().any(|w| at >= w.start && at <= w.end)
}

/// No 500 ever; every request started during an outage answered in time, 2xx or 503 with
/// `Retry-After`.
fn check_answers(exchanges: &[Exchange], windows: &[Window], log: &str) {
    assert!(
        exchanges
            .iter()
            .any(|e| e.status == Some(StatusCode::SERVICE_UNAVAILABLE)),
        "no request was refused during the outage: the fault did not bite"
    );
    for e in exchanges {
        assert!(
            e.status
                .is_some_and(|s| s.is_success() || s == StatusCode::SERVICE_UNAVAILABLE),
            "{} got {:?} {} after {:?}\nlog:\n{log}",
            e.what,
            e.status,
            e.code,
            e.took
        );
        if e.status == Some(StatusCode::SERVICE_UNAVAILABLE) {
            assert!(
                e.retry_after,
                "{}: 503 {} without Retry-After",
                e.what, e.code
            );
            assert!(
                [
                    "database_unavailable",
                    "commit_unknown",
                    "overloaded",
                    "shard_unavailable"
                ]
                .contains(&e.code.as_str()),
                "{}: 503 with code {:?}",
                e.what,
                e.code
            );
        }
        if during(windows, e.started) {
            assert!(
                e.took <= ANSWER_LIMIT,
                "{} started during the outage took {:?} ({:?} {})",
                e.what,
                e.took,
                e.status,
                e.code
            );
        }
    }
}

/// `/readyz` in time throughout; down naming the database once the fault had time to be
/// noticed; ready again soon after each recovery.
fn check_readiness(readiness: &[Readiness], windows: &[Window], fault: Fault) {
    for r in readiness {
        assert!(
            r.took <= READYZ_LIMIT && r.status.is_some(),
            "/readyz took {:?} ({:?})",
            r.took,
            r.status
        );
    }
    // Two failed probes: two probe periods for a refusal, two probe timeouts for a blackhole.
    let noticed = match fault {
        Fault::Blackhole => Duration::from_millis(1600),
        _ => Duration::from_millis(900),
    };
    for window in windows
        .iter()
        .filter(|w| w.end - w.start > noticed + Duration::from_millis(300))
    {
        let named = readiness
            .iter()
            .filter(|r| r.at >= window.start + noticed && r.at + r.took <= window.end)
            .collect::<Vec<_>>();
        assert!(!named.is_empty(), "no /readyz during the outage");
        for r in named {
            assert!(
                r.status == Some(StatusCode::SERVICE_UNAVAILABLE) && r.database_down,
                "/readyz during the outage: {:?}, database down: {}",
                r.status,
                r.database_down
            );
        }
    }
    for window in windows {
        let ready_again = readiness
            .iter()
            .find(|r| r.at >= window.end && r.status == Some(StatusCode::OK))
            .map(|r| r.at + r.took - window.end);
        println!("ready again {ready_again:?} after the database came back");
        assert!(
            ready_again.is_some_and(|after| after <= Duration::from_secs(3)),
            "/readyz not 200 within 3 s of recovery: {ready_again:?}"
        );
    }
}

/// After the load: every order's `GET` equals its row; its events run 1..=version with no
/// gap or double; every acknowledged version is stored; the webhooks delivered agree.
async fn check_agreement(rig: &Rig, seen: &Seen) {
    let mut db = rig.database.connect().await;
    let rows = db.rows("SELECT id, version, status FROM orders", &[]).await;
    let stored: HashMap<String, (i64, String)> = rows
        .iter()
        .map(|row| {
            (
                row.get::<String, _>("id"),
                (row.get::<i64, _>("version"), row.get::<String, _>("status")),
            )
        })
        .collect();
    for (id, versions) in &seen.acked {
        let (version, _) = stored
            .get(id)
            .unwrap_or_else(|| panic!("acknowledged order {id} is not stored"));
        let highest = versions.iter().max().unwrap();
        assert!(
            version >= highest,
            "{id}: stored v{version}, acknowledged v{highest}"
        );
    }
    // Webhooks drain: each order's last event reaches the receiver.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let received = rig.hooks.received();
        let mut delivered: HashMap<String, i64> = HashMap::new();
        for hook in received.iter().filter(|h| h.succeeded()) {
            let version = delivered.entry(hook.order_id()).or_default();
            *version = (*version).max(hook.version());
        }
        let behind = stored
            .iter()
            .filter(|(id, (version, _))| delivered.get(*id) != Some(version))
            .count();
        if behind == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{behind} orders' last webhooks never arrived"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let received = rig.hooks.received();
    let mut ids_by_event: HashMap<(String, i64), String> = HashMap::new();
    for hook in &received {
        let id = ids_by_event
            .entry((hook.order_id(), hook.version()))
            .or_insert_with(|| hook.webhook_id());
        assert_eq!(
            *id,
            hook.webhook_id(),
            "one event delivered under two webhook-ids: {}",
            hook.summary()
        );
    }
    for (id, (version, status)) in &stored {
        let events = db.stored_events(id).await;
        let versions: Vec<i64> = events.iter().map(|e| e.version).collect();
        assert_eq!(
            versions,
            (1..=*version).collect::<Vec<_>>(),
            "{id}: events do not run 1..=v{version}"
        );
        for event in &events {
            let payload_version = event.payload["data"]["version"].as_i64();
            assert_eq!(
                payload_version,
                Some(event.version),
                "{id}: an event's payload"
            );
            assert!(
                ids_by_event.contains_key(&(id.clone(), event.version)),
                "{id} v{}: stored but never delivered",
                event.version
            );
        }
        let order = rig.server.get_order(&rig.fixture.wallet.key, id).await;
        assert_eq!(
            order["version"],
            json!(version),
            "{id}: GET against the row"
        );
        assert_eq!(order["status"], json!(status), "{id}: GET against the row");
    }
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_for_ten_seconds_under_load() {
    under_load(Fault::Refuse, &[(Duration::from_secs(10), Duration::ZERO)]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blackholed_for_ten_seconds_under_load() {
    under_load(
        Fault::Blackhole,
        &[(Duration::from_secs(10), Duration::ZERO)],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_one_second_flaps_under_load() {
    let flap = (Duration::from_secs(1), Duration::from_secs(1));
    under_load(Fault::Refuse, &[flap; 20]).await;
}

/// The commit reaches the database, the answer never reaches the server: the client is told
/// `commit_unknown` (503, `Retry-After`), reads show the committed version once the database
/// answers (never the old one beside a delivered webhook), and retrying is harmless.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commit_whose_answer_is_lost_is_commit_unknown_and_reads_follow_the_database() {
    let rig = Rig::start().await;
    let (wallet, partner) = (&rig.fixture.wallet.key, &rig.fixture.partner.key);
    let order = rig
        .server
        .post("/v1/orders", wallet, &order_body("onramp", &rig.fixture))
        .await;
    let id = order["id"].as_str().unwrap().to_owned();

    rig.proxy.cut_next_commit(Duration::from_millis(1500));
    let accept = format!("/v1/orders/{id}/accept");
    let (status, answer) = rig
        .server
        .call(
            reqwest::Method::POST,
            &accept,
            partner,
            Some(&accept_body("onramp")),
        )
        .await
        .expect("an answer");
    assert_eq!(rig.proxy.cuts(), 1, "the accept's commit was not cut");
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{answer}");
    assert_eq!(answer["error"]["code"], "commit_unknown", "{answer}");

    // The database did commit it.
    let mut db = rig.database.connect().await;
    let row = db
        .rows("SELECT version, status FROM orders WHERE id = $1", &[&id])
        .await;
    assert_eq!(row[0].get::<i64, _>("version"), 2);
    assert_eq!(row[0].get::<String, _>("status"), "accepted");
    db.close().await;

    // Every read answers the database's version, or 503 while the database is away: never
    // the version before the commit.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, body) = rig
            .server
            .call(
                reqwest::Method::GET,
                &format!("/v1/orders/{id}"),
                wallet,
                None,
            )
            .await
            .expect("an answer");
        if status == StatusCode::OK {
            assert_eq!(body["version"], 2, "a read contradicts the commit: {body}");
            assert_eq!(body["status"], "accepted");
            break;
        }
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert!(Instant::now() < deadline, "the order never became readable");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let hooks = rig
        .hooks
        .wait_for_order(&id, 2, Duration::from_secs(30))
        .await;
    assert!(hooks.iter().any(|h| h.event_type() == "order.accepted"));

    // Retrying the same command is safe: 200 with the stored version, nothing written twice.
    let (status, retried) = rig
        .server
        .call(
            reqwest::Method::POST,
            &accept,
            partner,
            Some(&accept_body("onramp")),
        )
        .await
        .unwrap();
    assert_eq!(status, StatusCode::OK, "{retried}");
    assert_eq!(retried["version"], 2);
    assert_eq!(rig.database.stored_events(&id).await.len(), 2);

    // A create with an Idempotency-Key cut the same way replays the order it made.
    let body = order_body("offramp", &rig.fixture);
    rig.proxy.cut_next_commit(Duration::from_millis(1500));
    let create = |key: &'static str| {
        rig.server
            .client
            .post(format!("{}/v1/orders", rig.server.address))
            .bearer_auth(wallet)
            .header("Idempotency-Key", key)
            .json(&body)
            .send()
    };
    let first = create("cut-create-1").await.unwrap();
    assert_eq!(first.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(first.headers().contains_key("retry-after"));
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["error"]["code"], "commit_unknown", "{first}");
    let deadline = Instant::now() + Duration::from_secs(20);
    let replayed = loop {
        let response = create("cut-create-1").await.unwrap();
        if response.status() == StatusCode::CREATED {
            break response.json::<Value>().await.unwrap();
        }
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(Instant::now() < deadline, "the create never replayed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let mut db = rig.database.connect().await;
    let made = db
        .rows("SELECT id FROM orders WHERE id <> $1", &[&id])
        .await;
    db.close().await;
    assert_eq!(made.len(), 1, "the create was made once");
    assert_eq!(
        replayed["id"].as_str(),
        Some(made[0].get::<String, _>("id").as_str())
    );
    // Its actor runs (its acceptance timer is armed): the order is served as stored.
    let fetched = rig
        .server
        .get_order(wallet, replayed["id"].as_str().unwrap())
        .await;
    assert_eq!(fetched["status"], "created");
}

/// When the SIGTERM comes.
#[derive(Debug, Clone, Copy)]
enum Phase {
    JustStarted,
    Refused,
    Blackholed,
    Recovering,
}

/// SIGTERM in `phase`, with lifecycles in flight: the process exits 0, in bounded time,
/// without a panic in its log.
async fn sigterm_when(phase: Phase) {
    let _turn = ONE_AT_A_TIME.lock().await;
    let rig = Rig::start().await;
    let seen = Arc::new(Mutex::new(Seen::default()));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let load = tokio::spawn(drive(
        rig.server.address.clone(),
        rig.fixture.clone(),
        seen,
        stopped,
    ));
    match phase {
        Phase::JustStarted => {}
        Phase::Refused | Phase::Blackholed | Phase::Recovering => {
            tokio::time::sleep(Duration::from_millis(500)).await;
            let fault = match phase {
                Phase::Blackholed => Fault::Blackhole,
                _ => Fault::Refuse,
            };
            rig.proxy.set(fault);
            tokio::time::sleep(Duration::from_secs(2)).await;
            if let Phase::Recovering = phase {
                rig.proxy.set(Fault::None);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    let mut server = rig.server;
    let sent = Instant::now();
    server.sigterm();
    let status = server.wait_for_exit(Duration::from_secs(60)).await;
    let took = sent.elapsed();
    stop.send_replace(true);
    load.abort();
    let log = server.log_text();
    println!("{phase:?}: exited {status} {took:?} after SIGTERM");
    assert!(
        status.success(),
        "{phase:?}: exit status {status}; log:\n{log}"
    );
    assert!(!log.contains("panicked"), "{phase:?}: a panic:\n{log}");
    assert!(
        log.contains("\"stopped\""),
        "{phase:?}: no \"stopped\":\n{log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_just_after_a_start_exits_cleanly() {
    sigterm_when(Phase::JustStarted).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_while_the_database_refuses_exits_cleanly() {
    sigterm_when(Phase::Refused).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_while_the_database_is_blackholed_exits_cleanly() {
    sigterm_when(Phase::Blackholed).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_while_the_database_recovers_exits_cleanly() {
    sigterm_when(Phase::Recovering).await;
}

/// A deadline that comes due while the database refuses fires once it answers again: the
/// order expires (and the wallet hears of it), late but not lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timer_due_during_an_outage_fires_after_it() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let Rig {
        database,
        proxy,
        server,
        fixture,
        hooks: _hooks,
    } = Rig::start_with(&[("RAMPFLOW_ACCEPT_TIMEOUT", "3s")]).await;
    let order = server
        .post(
            "/v1/orders",
            &fixture.wallet.key,
            &order_body("onramp", &fixture),
        )
        .await;
    let id = order["id"].as_str().unwrap().to_owned();
    let path = format!("/v1/orders/{id}");

    // Down from before the deadline until well after it.
    proxy.set(Fault::Refuse);
    tokio::time::sleep(Duration::from_secs(6)).await;
    let (status, body) = server
        .call(reqwest::Method::GET, &path, &fixture.wallet.key, None)
        .await
        .unwrap();
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"]["code"], "database_unavailable");
    proxy.set(Fault::None);

    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, body) = server
            .call(reqwest::Method::GET, &path, &fixture.wallet.key, None)
            .await
            .unwrap();
        if status == StatusCode::OK && body["status"] == "expired" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the acceptance timeout never fired after the outage: {status} {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let events = database.stored_events(&id).await;
    assert_eq!(events.len(), 2, "created, then expired once");
    assert_eq!(events[1].event_type, "order.expired");
}
