//! Cluster mode, black-box: real rampflow nodes (the built binary, a process each) on one fresh
//! PostgreSQL database, on loopback ports, driven over HTTP like an operator, a wallet and a
//! partner (and a load balancer that spreads requests over the nodes) would. Nodes are killed
//! (SIGKILL), frozen (SIGSTOP/SIGCONT) and stopped (SIGTERM) like real processes.

mod access;
mod failover;
mod fencing;
mod keys;
mod load;
mod loadgen;
mod routing;
mod single;
mod storm;
mod timers;

use std::collections::HashMap;
use std::time::Duration;

use rampflow_actors::model::OrderId;
use rampflow_actors::shard::shard_of;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{
    create_postgres_database, drop_postgres_database, postgres_server, Fixture, Party,
};
use crate::recovery::{Server, ADMIN};

/// The lease the test nodes run with: short, so a dead node's shards move quickly.
pub(crate) const LEASE: Duration = Duration::from_secs(2);

/// How long a poll waits for something the cluster should do within a few rounds.
pub(crate) const SETTLE: Duration = Duration::from_secs(20);

/// Nodes sharing one PostgreSQL database. The database is dropped, and every node killed, when
/// it drops.
pub(crate) struct TestCluster {
    database: Option<String>,
    env: Vec<(String, String)>,
    dirs: Vec<tempfile::TempDir>,
    nodes: Vec<Option<Server>>,
    /// Nodes stopped with SIGSTOP: they take no request until thawed.
    frozen: std::sync::Mutex<std::collections::HashSet<usize>>,
}

impl TestCluster {
    /// Starts `count` nodes, one after the other, each ready (it owns its share) before the
    /// next starts. `env` adds or overrides settings for every node.
    pub(crate) async fn start(count: usize, env: &[(&str, &str)]) -> TestCluster {
        let database = create_postgres_database().await;
        let mut cluster = TestCluster {
            env: node_env(env),
            database: Some(database),
            dirs: Vec::new(),
            nodes: Vec::new(),
            frozen: Default::default(),
        };
        for _ in 0..count {
            cluster.add_node().await;
        }
        cluster.wait_until_balanced().await;
        cluster
    }

    /// Starts one more node; returns its index.
    pub(crate) async fn add_node(&mut self) -> usize {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let server = Server::start_at(dir.path(), &self.url(), &self.env_refs()).await;
        self.dirs.push(dir);
        self.nodes.push(Some(server));
        self.nodes.len() - 1
    }

    /// Starts node `index` again (after a kill or a stop), on its own data directory.
    pub(crate) async fn restart(&mut self, index: usize) {
        assert!(self.nodes[index].is_none(), "node {index} is still running");
        let server = Server::start_at(self.dirs[index].path(), &self.url(), &self.env_refs()).await;
        self.nodes[index] = Some(server);
    }

    /// The cluster's database URL.
    fn url(&self) -> String {
        let name = self.database.as_deref().expect("the database exists");
        format!("{}/{name}", postgres_server())
    }

    fn env_refs(&self) -> Vec<(&str, &str)> {
        self.env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    pub(crate) fn len(&self) -> usize {
        self.nodes.len()
    }

    pub(crate) fn node(&self, index: usize) -> &Server {
        self.nodes[index]
            .as_ref()
            .unwrap_or_else(|| panic!("node {index} is down"))
    }

    pub(crate) fn is_up(&self, index: usize) -> bool {
        self.nodes[index].is_some()
    }

    /// The indexes of the nodes running now (frozen ones included).
    pub(crate) fn up(&self) -> Vec<usize> {
        (0..self.nodes.len()).filter(|i| self.is_up(*i)).collect()
    }

    /// The nodes that answer: running and not frozen.
    pub(crate) fn answering(&self) -> Vec<usize> {
        let frozen = self.frozen.lock().unwrap();
        self.up()
            .into_iter()
            .filter(|i| !frozen.contains(i))
            .collect()
    }

    /// `kill -9`.
    pub(crate) fn kill9(&mut self, index: usize) {
        self.nodes[index].take().expect("the node runs").kill9();
    }

    /// SIGTERM, then waits for it to exit on its own; returns its exit status.
    pub(crate) async fn terminate(&mut self, index: usize) -> std::process::ExitStatus {
        let mut server = self.nodes[index].take().expect("the node runs");
        server.sigterm();
        server.wait_for_exit(Duration::from_secs(60)).await
    }

    /// SIGSTOP: the process stops where it is, connections open, locks held.
    pub(crate) fn freeze(&self, index: usize) {
        self.node(index).signal(nix::sys::signal::Signal::SIGSTOP);
        self.frozen.lock().unwrap().insert(index);
    }

    /// SIGCONT.
    pub(crate) fn thaw(&self, index: usize) {
        self.node(index).signal(nix::sys::signal::Signal::SIGCONT);
        self.frozen.lock().unwrap().remove(&index);
    }

    /// A direct connection to the cluster's database, to look at what is stored.
    pub(crate) async fn db(&self) -> sqlx::PgConnection {
        use sqlx::Connection;
        let name = self.database.as_deref().expect("the database exists");
        sqlx::PgConnection::connect(&format!("{}/{name}", postgres_server()))
            .await
            .expect("the test connects to the cluster's database")
    }

    /// `GET /v1/ops/cluster`, asked of node `via`.
    pub(crate) async fn ops(&self, via: usize) -> Value {
        let (status, body) = self
            .node(via)
            .call(Method::GET, "/v1/ops/cluster", ADMIN, None)
            .await
            .expect("an answer from /v1/ops/cluster");
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    /// Each running node's id (`this_node` of its own ops view), by index.
    pub(crate) async fn node_ids(&self) -> HashMap<String, usize> {
        let mut ids = HashMap::new();
        for index in self.answering() {
            let ops = self.ops(index).await;
            ids.insert(ops["this_node"].as_str().unwrap().to_owned(), index);
        }
        ids
    }

    /// Waits until every shard is owned by a live node and every running node owns its share
    /// (all within one of each other).
    pub(crate) async fn wait_until_balanced(&self) {
        let up = self.answering();
        let deadline = tokio::time::Instant::now() + SETTLE;
        loop {
            let ops = self.ops(up[0]).await;
            let counts: Vec<usize> = ops["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|node| node["alive"] == true)
                .map(|node| node["shards"].as_array().unwrap().len())
                .collect();
            let unowned = ops["unowned_shards"].as_array().unwrap().len();
            let balanced = unowned == 0
                && counts.len() == up.len()
                && counts.iter().max().unwrap_or(&0) - counts.iter().min().unwrap_or(&0) <= 1;
            if balanced {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the cluster never balanced: {counts:?}, {unowned} unowned\n{ops}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The index of the node owning `order_id`'s shard now, per the database.
    pub(crate) async fn owner_of(&self, order_id: &str) -> Option<usize> {
        let ops = self.ops(self.answering()[0]).await;
        let shard = shard_of(
            OrderId::parse(order_id).unwrap(),
            ops["shard_count"].as_u64().unwrap() as u32,
        )
        .get();
        let ids = self.node_ids().await;
        ops["nodes"].as_array().unwrap().iter().find_map(|node| {
            let owns = node["shards"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["shard"] == shard);
            (owns && node["alive"] == true)
                .then(|| ids.get(node["id"].as_str().unwrap()).copied())
                .flatten()
        })
    }

    /// A wallet, a partner, and a user of the wallet who granted the partner access, set up
    /// through node 0.
    pub(crate) async fn fixture(&self) -> Fixture {
        self.node(self.up()[0]).fixture().await
    }

    /// Registers a webhook endpoint of `party` at `url`.
    pub(crate) async fn endpoint(&self, party: &Party, url: &str) -> String {
        let body = self
            .node(self.up()[0])
            .post("/v1/webhook-endpoints", &party.key, &json!({ "url": url }))
            .await;
        body["secret"].as_str().unwrap().to_owned()
    }

    /// An order's stored events, `(version, type)` in version order.
    pub(crate) async fn stored_events(&self, order_id: &str) -> Vec<(i64, String)> {
        use sqlx::Row;
        let mut db = self.db().await;
        let rows = sqlx::query(
            "SELECT version, type FROM order_events WHERE order_id = $1 ORDER BY version",
        )
        .bind(order_id)
        .fetch_all(&mut db)
        .await
        .expect("the events are readable");
        rows.iter()
            .map(|row| (row.get("version"), row.get("type")))
            .collect()
    }
}

impl Drop for TestCluster {
    fn drop(&mut self) {
        for index in 0..self.nodes.len() {
            if let Some(server) = self.nodes[index].take() {
                server.signal(nix::sys::signal::Signal::SIGCONT);
                server.kill9();
            }
        }
        if let Some(name) = self.database.take() {
            drop_postgres_database(name);
        }
    }
}

/// The master key of the test clusters: base64 of 32 bytes.
pub(crate) const CLUSTER_MASTER_KEY: &str = "Y2x1c3Rlci10ZXN0LW1hc3Rlci1rZXktMzItYnl0ZXM=";

/// The settings every test node starts with: the cluster's database, a short lease, webhooks
/// to loopback receivers retried quickly.
fn node_env(extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = [
        ("RAMPFLOW_CLUSTER_LEASE", format!("{}ms", LEASE.as_millis())),
        ("RAMPFLOW_WEBHOOK_ALLOW_PRIVATE_TARGETS", "true".into()),
        (
            "RAMPFLOW_WEBHOOK_RETRY_SCHEDULE",
            "0s,500ms,1s,1s,1s,1s,1s,1s,1s,1s".into(),
        ),
        ("RAMPFLOW_WEBHOOK_TIMEOUT", "5s".into()),
        // Every node of a cluster needs the same master key.
        ("RAMPFLOW_MASTER_KEY", CLUSTER_MASTER_KEY.into()),
        ("RAMPFLOW_HTTP__WORKERS", "2".into()),
        ("RAMPFLOW_ACTORS__ARBITERS", "1".into()),
        ("RAMPFLOW_DATABASE__MAX_CONNECTIONS", "6".into()),
        ("RUST_LOG", "info,sqlx=warn,actix_server=warn".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    for (key, value) in extra {
        env.retain(|(k, _)| k != key);
        env.push(((*key).to_owned(), (*value).to_owned()));
    }
    env
}

/// The body of a create for the fixture, with an idempotency-friendly external ref.
pub(crate) fn create_body(fixture: &Fixture, direction: &str, n: usize) -> Value {
    let mut body = crate::helpers::order_body(direction, fixture);
    body["external_ref"] = json!(format!("w-{n}"));
    body
}
