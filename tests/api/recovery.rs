//! The durability promises (ARCHITECTURE.md § Promises 1 and 3, API.md § Running) against the
//! built binary run as a child process: `kill -9` in the middle of a burst of requests, SIGTERM
//! with requests in flight, and deadlines that must fire, exactly once, after a restart on the
//! same database (the engine under test's: a SQLite file, or a PostgreSQL database made for
//! the test and dropped after it).
//!
//! Every child is killed when its guard drops, so a failing test leaves no server behind. Ports
//! are the ones the server reports in its JSON log; nothing waits a fixed time for a server.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rampflow_client::model::{OrderId, UserRef};
use rampflow_client::UserData;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{
    accept_body, as_json, expected_funds, order_body, test_client, Fixture, Party, TestDatabase,
};

pub(crate) const ADMIN: &str = "recovery-admin-token";
/// How long a server may take to start (the first start also creates the database).
const BOOT_LIMIT: Duration = Duration::from_secs(60);
/// How long a poll may wait for something the server should do at once.
const LIMIT: Duration = Duration::from_secs(15);

/// The `rampflow` binary serving on a port of its own choosing; killed (SIGKILL) on drop.
pub(crate) struct Server {
    child: Child,
    pub(crate) address: String,
    pub(crate) client: reqwest::Client,
    logs: Arc<Mutex<Vec<String>>>,
    /// The log reader has read the child's stderr to its end.
    logs_ended: Arc<AtomicBool>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts `rampflow serve` on `database` (and its data directory), with `env` over the
    /// test settings, and waits until it is listening and ready (live orders rehydrated).
    pub(crate) async fn start(database: &TestDatabase, env: &[(&str, &str)]) -> Server {
        Server::start_at(database.dir(), &database.url(), env).await
    }

    /// Starts `rampflow serve` with `dir` as its data directory on the database at `url` (a
    /// node of a cluster has a directory of its own and shares the database).
    pub(crate) async fn start_at(dir: &std::path::Path, url: &str, env: &[(&str, &str)]) -> Server {
        let mut command = Command::new(env!("CARGO_BIN_EXE_rampflow"));
        command
            .arg("serve")
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (key, _) in std::env::vars() {
            if key.starts_with("RAMPFLOW_") {
                command.env_remove(key);
            }
        }
        command
            .env("RAMPFLOW_BIND", "127.0.0.1:0")
            .env("RAMPFLOW_DATABASE_URL", url)
            .env("RAMPFLOW_DATA_DIR", dir)
            .env("RAMPFLOW_ADMIN_TOKEN", ADMIN)
            .env("RAMPFLOW_LOG_FORMAT", "json")
            .env("RAMPFLOW_HTTP__WORKERS", "2")
            .env("RAMPFLOW_ACTORS__ARBITERS", "2")
            .env("RUST_LOG", "info,sqlx=warn,actix_server=warn");
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command.spawn().expect("the rampflow binary starts");
        let stderr = child.stderr.take().expect("piped stderr");
        let logs = Arc::new(Mutex::new(Vec::new()));
        let logs_ended = Arc::new(AtomicBool::new(false));
        let (port_tx, port_rx) = tokio::sync::oneshot::channel();
        {
            // Keeps draining stderr for the life of the process, so the child never blocks.
            let logs = logs.clone();
            let logs_ended = logs_ended.clone();
            std::thread::spawn(move || {
                let mut port_tx = Some(port_tx);
                for line in BufReader::new(stderr).lines() {
                    let Ok(line) = line else { break };
                    if let Ok(entry) = serde_json::from_str::<Value>(&line) {
                        if entry["message"] == "rampflow is listening" {
                            if let (Some(tx), Some(port)) = (port_tx.take(), entry["port"].as_u64())
                            {
                                let _ = tx.send(port as u16);
                            }
                        }
                    }
                    logs.lock().unwrap().push(line);
                }
                logs_ended.store(true, Ordering::Release);
            });
        }
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        let mut server = Server {
            child,
            address: String::new(),
            client,
            logs,
            logs_ended,
        };
        let port = match tokio::time::timeout(BOOT_LIMIT, port_rx).await {
            Ok(Ok(port)) => port,
            _ => panic!(
                "rampflow never said it was listening; its log:\n{}",
                server.log_text()
            ),
        };
        server.address = format!("http://127.0.0.1:{port}");
        server.wait_until_ready().await;
        server
    }

    pub(crate) fn log_text(&self) -> String {
        self.logs.lock().unwrap().join("\n")
    }

    async fn wait_until_ready(&mut self) {
        let deadline = tokio::time::Instant::now() + BOOT_LIMIT;
        loop {
            let ready = self
                .client
                .get(format!("{}/readyz", self.address))
                .send()
                .await
                .map(|r| r.status() == StatusCode::OK)
                .unwrap_or(false);
            if ready {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("rampflow exited ({status}); its log:\n{}", self.log_text());
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "rampflow never became ready; its log:\n{}",
                self.log_text()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// `kill -9`: no shutdown of any kind.
    pub(crate) fn kill9(mut self) {
        self.child.kill().expect("SIGKILL sent");
        self.child.wait().expect("the killed server is reaped");
    }

    /// Sends `signal` to the process (SIGSTOP and SIGCONT freeze and thaw it).
    #[allow(dead_code)] // the cluster tests' (they run in the `api` binary only)
    pub(crate) fn signal(&self, signal: nix::sys::signal::Signal) {
        use nix::unistd::Pid;
        nix::sys::signal::kill(Pid::from_raw(self.child.id() as i32), signal)
            .expect("the signal is sent");
    }

    pub(crate) fn sigterm(&self) {
        use nix::sys::signal::{kill, Signal};
        use nix::unistd::Pid;
        kill(Pid::from_raw(self.child.id() as i32), Signal::SIGTERM).expect("SIGTERM sent");
    }

    /// Waits for the process to exit on its own.
    /// Waits for the process to exit, and then for its log to be read to the end: the last
    /// lines may still be in the pipe when it exits (on a busy machine the reader lags).
    pub(crate) async fn wait_for_exit(&mut self, limit: Duration) -> ExitStatus {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().expect("the child can be waited on") {
                while !self.logs_ended.load(Ordering::Acquire) {
                    assert!(
                        tokio::time::Instant::now() < deadline,
                        "rampflow exited ({status}) but its log never ended:\n{}",
                        self.log_text()
                    );
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                return status;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "rampflow did not exit within {limit:?}; its log:\n{}",
                self.log_text()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Sends a request; `Some((status, body))` once the whole response arrived, `None` when
    /// there was no complete answer (the server died, say).
    pub(crate) async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        key: &str,
        body: Option<&Value>,
    ) -> Option<(StatusCode, Value)> {
        send(&self.client, &self.address, method, path, key, body).await
    }

    async fn expect(&self, method: reqwest::Method, path: &str, key: &str, body: &Value) -> Value {
        let (status, answer) = self
            .call(method.clone(), path, key, Some(body))
            .await
            .unwrap_or_else(|| panic!("no answer to {method} {path}"));
        assert!(status.is_success(), "{method} {path}: {status} {answer}");
        answer
    }

    /// Panics with the server's log when a setup call through `rampflow-client` failed.
    fn succeeded<T>(&self, what: &str, answer: Result<T, rampflow_client::Error>) -> T {
        answer.unwrap_or_else(|e| panic!("{what}: {e}\nlog:\n{}", self.log_text()))
    }

    /// A wallet, a partner, and a user with KYC data who granted the partner access, made
    /// through `rampflow-client`.
    pub(crate) async fn fixture(&self) -> Fixture {
        let operator = test_client(&self.address, ADMIN);
        let wallet = operator.create_wallet("recovery wallets").await;
        let wallet = self.succeeded("create the wallet", wallet);
        let partner = operator.create_partner("recovery partners").await;
        let partner = self.succeeded("create the partner", partner);
        let user_ref = UserRef::parse("u-recovery").unwrap();
        let data = UserData {
            email: Some("ada@example.com".into()),
            country: Some("NG".into()),
            ..UserData::default()
        };
        let wallet = Party::new(&self.address, wallet.id.to_string(), wallet.api_key);
        let user = wallet.client.put_user(&user_ref, &data).await;
        self.succeeded("put the user", user);
        let grant = wallet.client.grant(&user_ref, &partner.id).await;
        self.succeeded("grant the partner", grant);
        Fixture {
            wallet,
            partner: Party::new(&self.address, partner.id.to_string(), partner.api_key),
            user_ref: user_ref.to_string(),
        }
    }

    /// `GET /metrics` as text.
    #[allow(dead_code)] // the cluster tests' (they run in the `api` binary only)
    pub(crate) async fn metrics_text(&self) -> String {
        self.client
            .get(format!("{}/metrics", self.address))
            .send()
            .await
            .expect("an answer from /metrics")
            .text()
            .await
            .expect("the metrics text")
    }

    pub(crate) async fn post(&self, path: &str, key: &str, body: &Value) -> Value {
        self.expect(reqwest::Method::POST, path, key, body).await
    }

    /// The order as the party with `key` reads it, through `rampflow-client`.
    pub(crate) async fn get_order(&self, key: &str, id: &str) -> Value {
        let order_id = OrderId::parse(id).expect("an order id");
        let order = test_client(&self.address, key).get_order(&order_id).await;
        as_json(&self.succeeded(&format!("GET order {id}"), order))
    }

    async fn wait_for_status(&self, key: &str, id: &str, status: &str, limit: Duration) -> Value {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let order = self.get_order(key, id).await;
            if order["status"] == status {
                return order;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "order {id} is still {} after {limit:?}, expected {status}: {order}\nlog:\n{}",
                order["status"],
                self.log_text()
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

async fn send(
    client: &reqwest::Client,
    address: &str,
    method: reqwest::Method,
    path: &str,
    key: &str,
    body: Option<&Value>,
) -> Option<(StatusCode, Value)> {
    let mut request = client
        .request(method, format!("{address}{path}"))
        .bearer_auth(key);
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await.ok()?;
    let status = response.status();
    let bytes = response.bytes().await.ok()?;
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Some((status, body))
}

fn millis(value: &Value) -> i64 {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("not a timestamp: {value}"));
    DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("{text} is not RFC 3339: {e}"))
        .timestamp_millis()
}

fn statuses(order: &Value) -> Vec<String> {
    order["history"]
        .as_array()
        .expect("a history")
        .iter()
        .map(|entry| entry["status"].as_str().unwrap().to_owned())
        .collect()
}

async fn event_types(database: &TestDatabase, id: &str) -> Vec<(i64, String)> {
    database
        .stored_events(id)
        .await
        .into_iter()
        .map(|event| (event.version, event.event_type))
        .collect()
}

fn numbered(types: &[&str]) -> Vec<(i64, String)> {
    types
        .iter()
        .enumerate()
        .map(|(i, t)| (i as i64 + 1, (*t).to_owned()))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// A burst of orders moving through their lives, and what it was told.

/// The last acknowledged state of one order, and the target of a request that got no answer.
#[derive(Debug, Clone)]
struct Acked {
    status: String,
    version: u64,
    unanswered: Option<String>,
}

type Ledger = Arc<Mutex<HashMap<String, Acked>>>;

struct Workload {
    ledger: Ledger,
    acks: Arc<AtomicUsize>,
    /// Answers that were not 2xx: none are expected under this load, but for the 503s of a
    /// server that was told to stop.
    refused: Arc<Mutex<Vec<String>>>,
    /// Set once the server was told to stop; from then on a 503 `overloaded` with
    /// `Retry-After` is the stopping server's answer, counted here rather than refused.
    stopping: Arc<AtomicBool>,
    refused_while_stopping: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    workers: Vec<tokio::task::JoinHandle<()>>,
}

impl Workload {
    /// `workers` concurrent clients, each creating orders and moving them along one of four
    /// paths, one request at a time, until told to stop or the server stops answering.
    fn start(server: &Server, fixture: &Fixture, workers: usize) -> Workload {
        let workload = Workload {
            ledger: Default::default(),
            acks: Default::default(),
            refused: Default::default(),
            stopping: Default::default(),
            refused_while_stopping: Default::default(),
            stop: Default::default(),
            workers: Vec::new(),
        };
        let mut handles = Vec::new();
        for worker in 0..workers {
            let client = reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap();
            let (address, fixture) = (server.address.clone(), fixture.clone());
            let (ledger, acks, refused, stop) = (
                workload.ledger.clone(),
                workload.acks.clone(),
                workload.refused.clone(),
                workload.stop.clone(),
            );
            let (stopping, refused_while_stopping) = (
                workload.stopping.clone(),
                workload.refused_while_stopping.clone(),
            );
            handles.push(tokio::spawn(async move {
                let mut round = worker;
                while !stop.load(Ordering::Relaxed) {
                    let flow = Flow {
                        client: &client,
                        address: &address,
                        ledger: &ledger,
                        acks: &acks,
                        refused: &refused,
                        stopping: &stopping,
                        refused_while_stopping: &refused_while_stopping,
                    };
                    if flow.run(&fixture, round % 4).await.is_none() {
                        break;
                    }
                    round += 1;
                }
            }));
        }
        Workload {
            workers: handles,
            ..workload
        }
    }

    async fn wait_for_acks(&self, count: usize) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        while self.acks.load(Ordering::Relaxed) < count {
            assert!(
                tokio::time::Instant::now() < deadline,
                "only {} requests acknowledged; refused: {:?}",
                self.acks.load(Ordering::Relaxed),
                self.refused.lock().unwrap()
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// The server is about to be told to stop.
    fn signalled(&self) {
        self.stopping.store(true, Ordering::SeqCst);
    }

    /// Stops the clients (the server is gone or going) and returns what they were told.
    async fn finish(self) -> HashMap<String, Acked> {
        self.stop.store(true, Ordering::Relaxed);
        for worker in self.workers {
            tokio::time::timeout(Duration::from_secs(60), worker)
                .await
                .expect("the clients stop once the server is gone")
                .expect("a client panicked");
        }
        let refused = self.refused.lock().unwrap();
        assert!(refused.is_empty(), "requests refused: {refused:?}");
        eprintln!(
            "{} requests refused with 503 while the server stopped",
            self.refused_while_stopping.load(Ordering::Relaxed)
        );
        let ledger = self.ledger.lock().unwrap().clone();
        let unanswered = ledger.values().filter(|a| a.unanswered.is_some()).count();
        eprintln!(
            "{} acknowledged requests on {} orders; {unanswered} commands left unanswered",
            self.acks.load(Ordering::Relaxed),
            ledger.len()
        );
        ledger
    }
}

struct Flow<'a> {
    client: &'a reqwest::Client,
    address: &'a str,
    ledger: &'a Ledger,
    acks: &'a AtomicUsize,
    refused: &'a Mutex<Vec<String>>,
    stopping: &'a AtomicBool,
    refused_while_stopping: &'a AtomicUsize,
}

impl Flow<'_> {
    /// One order from creation along path `kind`; `None` once a request goes unanswered.
    async fn run(&self, fixture: &Fixture, kind: usize) -> Option<()> {
        let direction = if kind.is_multiple_of(2) {
            "offramp"
        } else {
            "onramp"
        };
        let (wallet, partner) = (fixture.wallet.key.as_str(), fixture.partner.key.as_str());
        let created = self
            .call(None, wallet, "/v1/orders", &order_body(direction, fixture))
            .await?;
        let id = created["id"].as_str().unwrap().to_owned();
        let accept = accept_body(direction);
        let funds = json!({ "amount": expected_funds(direction), "reference": "r-1" });
        let steps: Vec<(&str, &str, Value, &str)> = match kind {
            0 => vec![
                (partner, "accept", accept, "accepted"),
                (wallet, "funds-sent", json!({}), "funds_sent"),
                (partner, "funds-received", funds, "funds_received"),
                (
                    partner,
                    "complete",
                    json!({ "transaction_id": "t-1" }),
                    "completed",
                ),
            ],
            1 => vec![
                (partner, "accept", accept, "accepted"),
                (partner, "funds-received", funds, "funds_received"),
            ],
            2 => vec![(partner, "reject", json!({ "reason": "no" }), "rejected")],
            _ => vec![
                (partner, "accept", accept, "accepted"),
                (wallet, "cancel", json!({}), "cancelled"),
            ],
        };
        for (key, command, body, target) in steps {
            let path = format!("/v1/orders/{id}/{command}");
            self.call(Some((&id, target)), key, &path, &body).await?;
        }
        Some(())
    }

    /// A POST. For a command on order `id` heading to `target`, the ledger notes the request as
    /// unanswered until a complete answer arrives.
    async fn call(
        &self,
        command: Option<(&str, &str)>,
        key: &str,
        path: &str,
        body: &Value,
    ) -> Option<Value> {
        if let Some((id, target)) = command {
            let mut ledger = self.ledger.lock().unwrap();
            ledger.get_mut(id).unwrap().unanswered = Some(target.to_owned());
        }
        let (status, answer) = send(
            self.client,
            self.address,
            reqwest::Method::POST,
            path,
            key,
            Some(body),
        )
        .await?;
        if !status.is_success() {
            // A real answer that is not a 2xx: nothing changed.
            if let Some((id, _)) = command {
                self.ledger.lock().unwrap().get_mut(id).unwrap().unanswered = None;
            }
            if status == reqwest::StatusCode::SERVICE_UNAVAILABLE
                && answer["error"]["code"] == "overloaded"
                && self.stopping.load(Ordering::SeqCst)
            {
                self.refused_while_stopping.fetch_add(1, Ordering::Relaxed);
                return None;
            }
            self.refused
                .lock()
                .unwrap()
                .push(format!("POST {path}: {status} {answer}"));
            return None;
        }
        let id = answer["id"].as_str().expect("an order in the answer");
        self.ledger.lock().unwrap().insert(
            id.to_owned(),
            Acked {
                status: answer["status"].as_str().unwrap().to_owned(),
                version: answer["version"].as_u64().unwrap(),
                unanswered: None,
            },
        );
        self.acks.fetch_add(1, Ordering::Relaxed);
        Some(answer)
    }
}

/// Every acknowledged order is in the store at its acknowledged status and version: exactly,
/// or one step further when a later command got no answer and did commit. Its events are
/// versions 1..=version, one each.
async fn verify(
    server: &Server,
    database: &TestDatabase,
    fixture: &Fixture,
    ledger: &HashMap<String, Acked>,
) -> usize {
    let events = event_counts(database).await;
    let mut committed_unanswered = 0;
    for (id, acked) in ledger {
        let order = server.get_order(&fixture.wallet.key, id).await;
        let status = order["status"].as_str().unwrap();
        let version = order["version"].as_u64().unwrap();
        let exact = status == acked.status && version == acked.version;
        let one_further =
            acked.unanswered.as_deref() == Some(status) && version == acked.version + 1;
        assert!(
            exact || one_further,
            "order {id} was acknowledged as {acked:?} but is {status} v{version} after the restart"
        );
        if !exact {
            committed_unanswered += 1;
        }
        let history = statuses(&order);
        assert_eq!(history.len() as u64, version, "{order}");
        assert_eq!(history.last().map(String::as_str), Some(status), "{order}");
        assert_eq!(
            events.get(id.as_str()).copied(),
            Some((version as i64, 1, version as i64)),
            "order {id} at v{version}: (events, first version, last version)"
        );
    }
    eprintln!("{committed_unanswered} unanswered commands had committed");
    committed_unanswered
}

/// For every order: how many events, the first version and the last.
async fn event_counts(database: &TestDatabase) -> HashMap<String, (i64, i64, i64)> {
    use sqlx::Row;
    let mut db = database.connect().await;
    let rows = db
        .rows(
            "SELECT order_id, COUNT(*) AS n, MIN(version) AS first, MAX(version) AS last
             FROM order_events GROUP BY order_id",
            &[],
        )
        .await;
    db.close().await;
    rows.iter()
        .map(|row| {
            (
                row.get::<String, _>("order_id"),
                (row.get("n"), row.get("first"), row.get("last")),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_acknowledged_change_survives_kill_9_in_the_middle_of_a_burst() {
    let database = TestDatabase::for_test().await;
    let server = Server::start(&database, &[]).await;
    let fixture = server.fixture().await;

    let workload = Workload::start(&server, &fixture, 16);
    workload.wait_for_acks(300).await;
    // Killed with requests in flight and commits queued.
    server.kill9();
    let ledger = workload.finish().await;
    assert!(ledger.len() >= 50, "{} orders", ledger.len());

    let server = Server::start(&database, &[]).await;
    verify(&server, &database, &fixture, &ledger).await;

    // The keys survive too, and the restarted server takes new work.
    let fresh = server
        .post(
            "/v1/orders",
            &fixture.wallet.key,
            &order_body("offramp", &fixture),
        )
        .await;
    assert_eq!(fresh["version"], 1);
    let id = fresh["id"].as_str().unwrap();
    let accepted = server
        .post(
            &format!("/v1/orders/{id}/accept"),
            &fixture.partner.key,
            &accept_body("offramp"),
        )
        .await;
    assert_eq!(accepted["version"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_with_requests_in_flight_exits_0_and_keeps_every_acknowledged_change() {
    let database = TestDatabase::for_test().await;
    let mut server = Server::start(&database, &[]).await;
    let fixture = server.fixture().await;

    let workload = Workload::start(&server, &fixture, 16);
    workload.wait_for_acks(300).await;
    workload.signalled();
    server.sigterm();
    let acked_before_the_signal = workload.acks.load(Ordering::Relaxed);
    let acks = workload.acks.clone();
    let status = server.wait_for_exit(Duration::from_secs(60)).await;
    let ledger = workload.finish().await;
    eprintln!(
        "{} requests were answered after the signal",
        acks.load(Ordering::Relaxed) - acked_before_the_signal
    );
    let log = server.log_text();
    assert_eq!(status.code(), Some(0), "exit status {status}; log:\n{log}");
    assert!(
        log.lines()
            .any(|line| line.contains(r#""message":"stopped""#)),
        "no clean stop in the log:\n{log}"
    );
    assert!(
        !log.contains("still uncommitted"),
        "stopped with work uncommitted:\n{log}"
    );
    drop(server);

    let server = Server::start(&database, &[]).await;
    let committed_unanswered = verify(&server, &database, &fixture, &ledger).await;
    // Requests the server took in before the signal were answered: what went unanswered was
    // cut off before the server read it, and changed nothing. What came while its actors were
    // passivated was refused with a 503, and changed nothing either (`verify` finds those
    // orders exactly as last acknowledged).
    assert_eq!(
        committed_unanswered, 0,
        "commands committed but never answered"
    );
}

#[tokio::test]
async fn a_pending_acceptance_deadline_fires_exactly_once_after_restarts() {
    let database = TestDatabase::for_test().await;
    let env = [("RAMPFLOW_ACCEPT_TIMEOUT", "3s")];
    let server = Server::start(&database, &env).await;
    let fixture = server.fixture().await;
    let order = server
        .post(
            "/v1/orders",
            &fixture.wallet.key,
            &order_body("offramp", &fixture),
        )
        .await;
    let id = order["id"].as_str().unwrap().to_owned();
    let deadline = millis(&order["created_at"]) + 3_000;
    server.kill9();

    // Two crashes in a row: each start re-arms the deadline from the store.
    let server = Server::start(&database, &env).await;
    server.kill9();
    let server = Server::start(&database, &env).await;
    let expired = server
        .wait_for_status(&fixture.wallet.key, &id, "expired", LIMIT)
        .await;
    assert_eq!(expired["failure"]["code"], "partner_timeout", "{expired}");
    assert_eq!(expired["version"], 2, "{expired}");
    assert_eq!(statuses(&expired), ["created", "expired"]);
    assert!(
        millis(&expired["history"][1]["at"]) >= deadline,
        "fired early"
    );

    // Once more through a crash: the fired deadline is not armed again.
    server.kill9();
    let server = Server::start(&database, &env).await;
    let order = server.get_order(&fixture.partner.key, &id).await;
    assert_eq!(order, expired);
    assert_eq!(
        event_types(&database, &id).await,
        numbered(&["order.created", "order.expired"])
    );
}

#[tokio::test]
async fn deposit_deadlines_armed_before_a_kill_fire_after_the_restart() {
    let database = TestDatabase::for_test().await;
    let server = Server::start(&database, &[]).await;
    let fixture = server.fixture().await;
    let (wallet, partner) = (&fixture.wallet.key, &fixture.partner.key);

    // Reminder in 4 s, expiry in 8 s.
    let accepted = server
        .post("/v1/orders", wallet, &order_body("offramp", &fixture))
        .await;
    let accepted_id = accepted["id"].as_str().unwrap().to_owned();
    let mut body = accept_body("offramp");
    body["deposit_window_secs"] = json!(8);
    body["remind_before_secs"] = json!(4);
    let accepted = server
        .post(&format!("/v1/orders/{accepted_id}/accept"), partner, &body)
        .await;
    let remind_at = millis(&accepted["deposit"]["remind_at"]);
    let expires_at = millis(&accepted["deposit"]["expires_at"]);

    // Funds sent; expiry in 8 s, no reminder.
    let sent = server
        .post("/v1/orders", wallet, &order_body("onramp", &fixture))
        .await;
    let sent_id = sent["id"].as_str().unwrap().to_owned();
    let mut body = accept_body("onramp");
    body["deposit_window_secs"] = json!(8);
    body["remind_before_secs"] = json!(0);
    let sent = server
        .post(&format!("/v1/orders/{sent_id}/accept"), partner, &body)
        .await;
    let sent_expires_at = millis(&sent["deposit"]["expires_at"]);
    let sent = server
        .post(
            &format!("/v1/orders/{sent_id}/funds-sent"),
            wallet,
            &json!({ "reference": "tx-9" }),
        )
        .await;
    assert_eq!(sent["version"], 3, "{sent}");
    server.kill9();

    let server = Server::start(&database, &[]).await;
    let limit = LIMIT + Duration::from_secs(8);
    let expired = server
        .wait_for_status(wallet, &accepted_id, "expired", limit)
        .await;
    assert_eq!(expired["failure"]["code"], "deposit_expired", "{expired}");
    assert_eq!(expired["version"], 4, "reminder then expiry: {expired}");
    assert_eq!(statuses(&expired), ["created", "accepted", "expired"]);
    assert!(millis(&expired["history"][2]["at"]) >= expires_at);
    let events = database.stored_events(&accepted_id).await;
    let types: Vec<_> = events
        .iter()
        .map(|e| (e.version, e.event_type.clone()))
        .collect();
    assert_eq!(
        types,
        numbered(&[
            "order.created",
            "order.accepted",
            "order.deposit_reminder",
            "order.expired"
        ])
    );
    assert!(events[2].created_at >= remind_at, "reminded early");

    let expired = server
        .wait_for_status(wallet, &sent_id, "expired", limit)
        .await;
    assert_eq!(expired["failure"]["code"], "deposit_expired", "{expired}");
    assert_eq!(expired["version"], 4, "{expired}");
    assert_eq!(
        statuses(&expired),
        ["created", "accepted", "funds_sent", "expired"]
    );
    assert!(millis(&expired["history"][3]["at"]) >= sent_expires_at);
    assert_eq!(expired["funds"]["reference"], "tx-9");
    assert_eq!(
        event_types(&database, &sent_id).await,
        numbered(&[
            "order.created",
            "order.accepted",
            "order.funds_sent",
            "order.expired"
        ])
    );
}

#[tokio::test]
async fn a_deadline_that_passed_while_the_server_was_down_fires_right_after_restart() {
    let database = TestDatabase::for_test().await;
    let env = [("RAMPFLOW_ACCEPT_TIMEOUT", "3s")];
    let server = Server::start(&database, &env).await;
    let fixture = server.fixture().await;
    let (wallet, partner) = (&fixture.wallet.key, &fixture.partner.key);

    let waiting = server
        .post("/v1/orders", wallet, &order_body("onramp", &fixture))
        .await;
    let waiting_id = waiting["id"].as_str().unwrap().to_owned();
    let acceptance_due = millis(&waiting["created_at"]) + 3_000;

    let accepted = server
        .post("/v1/orders", wallet, &order_body("offramp", &fixture))
        .await;
    let accepted_id = accepted["id"].as_str().unwrap().to_owned();
    let mut body = accept_body("offramp");
    body["deposit_window_secs"] = json!(1);
    body["remind_before_secs"] = json!(0);
    let accepted = server
        .post(&format!("/v1/orders/{accepted_id}/accept"), partner, &body)
        .await;
    let expiry_due = millis(&accepted["deposit"]["expires_at"]);
    server.kill9();
    let killed_at = Utc::now().timestamp_millis();

    // Stay down until both deadlines are behind us.
    let latest = acceptance_due.max(expiry_due);
    while Utc::now().timestamp_millis() <= latest + 200 {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let restarted_at = Utc::now().timestamp_millis();
    let server = Server::start(&database, &env).await;
    let ready_at = Utc::now().timestamp_millis();

    for (id, code, due, versions) in [
        (&waiting_id, "partner_timeout", acceptance_due, 2),
        (&accepted_id, "deposit_expired", expiry_due, 3),
    ] {
        let expired = server.wait_for_status(wallet, id, "expired", LIMIT).await;
        assert_eq!(expired["failure"]["code"], code, "{expired}");
        assert_eq!(expired["version"], versions, "{expired}");
        let fired_at = millis(&expired["updated_at"]);
        assert!(
            fired_at >= restarted_at,
            "fired at {fired_at}, before the restart at {restarted_at}"
        );
        // Late by the downtime, plus at most the poll's limit after the server was ready.
        let downtime = ready_at - killed_at;
        assert!(
            fired_at - due <= (ready_at - due) + LIMIT.as_millis() as i64,
            "due {due}, fired {fired_at}, down {downtime} ms"
        );
        let expired_entries = statuses(&expired)
            .iter()
            .filter(|s| *s == "expired")
            .count();
        assert_eq!(expired_entries, 1, "{expired}");
    }
    assert_eq!(
        event_types(&database, &waiting_id).await,
        numbered(&["order.created", "order.expired"])
    );
    assert_eq!(
        event_types(&database, &accepted_id).await,
        numbered(&["order.created", "order.accepted", "order.expired"])
    );
}
