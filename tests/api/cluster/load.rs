//! Sustained load on a cluster, the way clients behind a load balancer see it, and the checks
//! that nothing acknowledged was lost or done twice.
//!
//! - [`Balancer`] sends each request to the next running node, round robin. A refused
//!   connection, a request cut off, or a 503 with `Retry-After` is tried again on the next
//!   node shortly after, as a load balancer and a careful client would: commands are safe to
//!   retry, creates carry an `Idempotency-Key`. Any other 5xx, and a 503 without
//!   `Retry-After`, is recorded as a failure.
//! - [`Ledger`] keeps what was acknowledged: each order and the last version a 2xx returned.
//! - [`lifecycles`] runs workers that carry orders from creation to completion.
//! - [`Load`] puts it together: receivers, workers behind a balancer, and every check at the
//!   end.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use super::{create_body, TestCluster, SETTLE};
use crate::helpers::{accept_body, expected_funds, Fixture};
use crate::receiver::{Received, Receiver};

/// How long one request may be retried before the test calls it lost.
const RETRY_FOR: Duration = Duration::from_secs(40);

#[derive(Clone)]
pub(crate) struct Balancer {
    nodes: Arc<RwLock<Vec<String>>>,
    next: Arc<AtomicUsize>,
    client: reqwest::Client,
    failures: Arc<Mutex<Vec<String>>>,
    /// 503s answered (with `Retry-After`), and requests retried after a refused connection.
    pub(crate) unavailable: Arc<AtomicUsize>,
    pub(crate) unreachable: Arc<AtomicUsize>,
}

impl Balancer {
    pub(crate) fn new(cluster: &TestCluster) -> Balancer {
        let balancer = Balancer {
            nodes: Arc::default(),
            next: Arc::default(),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap(),
            failures: Arc::default(),
            unavailable: Arc::default(),
            unreachable: Arc::default(),
        };
        balancer.follow(cluster);
        balancer
    }

    /// Sends to the nodes running now (call after a node stopped or came back).
    pub(crate) fn follow(&self, cluster: &TestCluster) {
        let addresses = cluster
            .up()
            .into_iter()
            .map(|i| cluster.node(i).address.clone())
            .collect();
        *self.nodes.write().unwrap() = addresses;
    }

    /// Failures a client would have seen: 5xx other than a 503 with `Retry-After`.
    pub(crate) fn failures(&self) -> Vec<String> {
        self.failures.lock().unwrap().clone()
    }

    /// Sends until an answer that is not "try again"; `None` if none came within
    /// [`RETRY_FOR`].
    pub(crate) async fn send(
        &self,
        method: Method,
        path: &str,
        key: &str,
        idempotency_key: Option<&str>,
        body: Option<&Value>,
    ) -> Option<(StatusCode, Value)> {
        let deadline = tokio::time::Instant::now() + RETRY_FOR;
        while tokio::time::Instant::now() < deadline {
            let address = {
                let nodes = self.nodes.read().unwrap();
                if nodes.is_empty() {
                    None
                } else {
                    Some(nodes[self.next.fetch_add(1, Ordering::Relaxed) % nodes.len()].clone())
                }
            };
            let Some(address) = address else {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            };
            let mut request = self
                .client
                .request(method.clone(), format!("{address}{path}"))
                .bearer_auth(key);
            if let Some(idempotency_key) = idempotency_key {
                request = request.header("Idempotency-Key", idempotency_key);
            }
            if let Some(body) = body {
                request = request.json(body);
            }
            let response = match request.send().await {
                Ok(response) => response,
                Err(_) => {
                    self.unreachable.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let status = response.status();
            let retry_after = response.headers().contains_key("retry-after");
            let Ok(bytes) = response.bytes().await else {
                self.unreachable.fetch_add(1, Ordering::Relaxed);
                continue;
            };
            let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            if status == StatusCode::SERVICE_UNAVAILABLE && retry_after {
                self.unavailable.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
            if status.is_server_error() {
                self.failures
                    .lock()
                    .unwrap()
                    .push(format!("{method} {path} on {address}: {status} {body}"));
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
            return Some((status, body));
        }
        self.failures
            .lock()
            .unwrap()
            .push(format!("{method} {path}: no answer for {RETRY_FOR:?}"));
        None
    }
}

/// What was acknowledged, per order: the last version a 2xx answered with.
#[derive(Default)]
pub(crate) struct Ledger {
    acked: Mutex<HashMap<String, i64>>,
    errors: Mutex<Vec<String>>,
}

impl Ledger {
    fn ack(&self, order: &Value) {
        let id = order["id"].as_str().unwrap().to_owned();
        let version = order["version"].as_i64().unwrap();
        let mut acked = self.acked.lock().unwrap();
        let last = acked.entry(id).or_insert(0);
        *last = (*last).max(version);
    }

    fn error(&self, error: String) {
        self.errors.lock().unwrap().push(error);
    }

    pub(crate) fn acked(&self) -> HashMap<String, i64> {
        self.acked.lock().unwrap().clone()
    }

    pub(crate) fn errors(&self) -> Vec<String> {
        self.errors.lock().unwrap().clone()
    }
}

/// Runs `workers` workers until `stop` is set, each carrying one order at a time from creation
/// to completion through the balancer.
fn lifecycles(
    balancer: &Balancer,
    fixture: &Fixture,
    workers: usize,
    stop: Arc<AtomicBool>,
) -> (Arc<Ledger>, tokio::task::JoinSet<()>) {
    let ledger = Arc::new(Ledger::default());
    let mut set = tokio::task::JoinSet::new();
    let run = uuid::Uuid::now_v7().simple().to_string();
    for worker in 0..workers {
        let (balancer, fixture, stop, ledger) = (
            balancer.clone(),
            fixture.clone(),
            stop.clone(),
            ledger.clone(),
        );
        let run = run.clone();
        set.spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                let direction = if n % 2 == 0 { "offramp" } else { "onramp" };
                let key = format!("{run}-{worker}-{n}");
                one_lifecycle(
                    &balancer,
                    &fixture,
                    direction,
                    &key,
                    worker * 100_000 + n,
                    &ledger,
                )
                .await;
                n += 1;
            }
        });
    }
    (ledger, set)
}

async fn one_lifecycle(
    balancer: &Balancer,
    fixture: &Fixture,
    direction: &str,
    idempotency_key: &str,
    n: usize,
    ledger: &Ledger,
) {
    let (wallet, partner) = (&fixture.wallet.key, &fixture.partner.key);
    let created = balancer
        .send(
            Method::POST,
            "/v1/orders",
            wallet,
            Some(idempotency_key),
            Some(&create_body(fixture, direction, n)),
        )
        .await;
    let id = match created {
        Some((StatusCode::CREATED, order)) => {
            ledger.ack(&order);
            order["id"].as_str().unwrap().to_owned()
        }
        Some((status, body)) => return ledger.error(format!("create: {status} {body}")),
        None => return,
    };
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
    for (key, command, body) in steps {
        let path = format!("/v1/orders/{id}/{command}");
        match balancer
            .send(Method::POST, &path, key, None, Some(&body))
            .await
        {
            Some((StatusCode::OK, order)) => ledger.ack(&order),
            Some((status, body)) => {
                return ledger.error(format!("{command} {id}: {status} {body}"))
            }
            None => return,
        }
    }
}

/// Checks, after the load: every acknowledged change is stored (no order behind its last
/// acknowledged version), no change happened twice (each order's events are exactly versions
/// 1, 2, … with one event per version, in the lifecycle's order), and no worker saw a
/// refusal a correct server would not give.
async fn verify_nothing_lost_or_doubled(cluster: &TestCluster, ledger: &Ledger) {
    assert!(
        ledger.errors().is_empty(),
        "unexpected answers: {:?}",
        ledger.errors()
    );
    let acked = ledger.acked();
    assert!(!acked.is_empty(), "the load acknowledged nothing");
    let mut db = cluster.db().await;
    let rows: Vec<(String, i64, String)> = sqlx::query_as(
        "SELECT order_id, version, type FROM order_events ORDER BY order_id, version",
    )
    .fetch_all(&mut db)
    .await
    .unwrap();
    let mut events: HashMap<String, Vec<(i64, String)>> = HashMap::new();
    for (order, version, event_type) in rows {
        events.entry(order).or_default().push((version, event_type));
    }
    const LIFE: [&str; 5] = [
        "order.created",
        "order.accepted",
        "order.funds_sent",
        "order.funds_received",
        "order.completed",
    ];
    for (id, version) in &acked {
        let stored = events.get(id).cloned().unwrap_or_default();
        assert!(
            stored.len() as i64 >= *version,
            "order {id}: acknowledged at version {version}, stored {stored:?}"
        );
        for (index, (stored_version, event_type)) in stored.iter().enumerate() {
            assert_eq!(*stored_version, index as i64 + 1, "order {id}: {stored:?}");
            assert_eq!(event_type, LIFE[index], "order {id}: {stored:?}");
        }
    }
}

/// Waits (at most `limit`) until each receiver has, for every stored event of its party's
/// orders, a verified delivery; then checks that per order they arrived in version order.
async fn verify_webhooks(cluster: &TestCluster, receivers: &[(&Receiver, &str)], limit: Duration) {
    let mut db = cluster.db().await;
    let stored: Vec<(String, String, i64)> =
        sqlx::query_as("SELECT id, order_id, version FROM order_events")
            .fetch_all(&mut db)
            .await
            .unwrap();
    for (receiver, secret) in receivers {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let received = receiver.received();
            let got: std::collections::HashSet<String> = received
                .iter()
                .filter(|r| r.succeeded())
                .map(Received::webhook_id)
                .collect();
            let missing = stored.iter().filter(|(id, _, _)| !got.contains(id)).count();
            if missing == 0 {
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{missing} of {} events never reached {} within {limit:?}",
                stored.len(),
                receiver.url
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let received = receiver.received();
        assert!(
            received.iter().all(|r| r.verify(secret)),
            "a signature failed"
        );
        let mut last: HashMap<String, i64> = HashMap::new();
        for delivery in &received {
            let order = delivery.order_id();
            let version = delivery.version();
            let previous = last.entry(order.clone()).or_insert(0);
            assert!(
                version >= *previous,
                "order {order}: version {version} arrived after version {previous}"
            );
            *previous = version;
        }
    }
}

/// How long the drain after a storm may take: retries run on a schedule of seconds.
const DRAIN: Duration = SETTLE;

/// Lifecycle load on a cluster, with the wallet's and the partner's webhook receivers.
pub(crate) struct Load {
    pub(crate) balancer: Balancer,
    stop: Arc<AtomicBool>,
    ledger: Arc<Ledger>,
    workers: tokio::task::JoinSet<()>,
    hooks: [(Receiver, String); 2],
}

impl Load {
    /// Registers an endpoint for the fixture's wallet and partner, and starts `workers`
    /// lifecycle workers behind a balancer.
    pub(crate) async fn start(cluster: &TestCluster, fixture: &Fixture, workers: usize) -> Load {
        let (wallet_hooks, partner_hooks) = (Receiver::start().await, Receiver::start().await);
        let wallet_secret = cluster.endpoint(&fixture.wallet, &wallet_hooks.url).await;
        let partner_secret = cluster.endpoint(&fixture.partner, &partner_hooks.url).await;
        let balancer = Balancer::new(cluster);
        let stop = Arc::new(AtomicBool::new(false));
        let (ledger, workers) = lifecycles(&balancer, fixture, workers, stop.clone());
        Load {
            balancer,
            stop,
            ledger,
            workers,
            hooks: [
                (wallet_hooks, wallet_secret),
                (partner_hooks, partner_secret),
            ],
        }
    }

    /// Stops the load and checks everything: no client saw a failure, nothing acknowledged
    /// was lost or done twice, and every webhook arrived, verified, in per-order order,
    /// within a bounded drain.
    pub(crate) async fn finish_and_verify(mut self, cluster: &TestCluster) {
        self.stop.store(true, Ordering::Relaxed);
        while self.workers.join_next().await.is_some() {}
        let failures = self.balancer.failures();
        assert!(failures.is_empty(), "clients saw failures: {failures:?}");
        verify_nothing_lost_or_doubled(cluster, &self.ledger).await;
        let receivers: Vec<(&Receiver, &str)> = self
            .hooks
            .iter()
            .map(|(receiver, secret)| (receiver, secret.as_str()))
            .collect();
        verify_webhooks(cluster, &receivers, DRAIN).await;
    }
}
