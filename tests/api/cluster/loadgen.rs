//! `rampflow loadgen`, the built binary, against clusters: servers given with `--target`
//! twice, and the clusters `--spawn-cluster` starts on a PostgreSQL database of its own, which
//! must be gone afterwards. Short runs, no assertion on speed. They live here rather than in
//! `tests/api/loadgen.rs` because that file is compiled into both test binaries (one per
//! engine), and these start PostgreSQL nodes whatever the engine under test.

use serde_json::{json, Value};

use super::TestCluster;
use crate::helpers::postgres_server;
use crate::recovery::ADMIN;

/// Settings for the nodes `--spawn-cluster` starts in these tests (RAMPFLOW_* variables reach
/// them): few threads, and webhook retries that come back quickly.
const SMALL_NODES: [(&str, &str); 4] = [
    ("RAMPFLOW_HTTP__WORKERS", "2"),
    ("RAMPFLOW_ACTORS__ARBITERS", "1"),
    ("RAMPFLOW_DATABASE__MAX_CONNECTIONS", "6"),
    (
        "RAMPFLOW_WEBHOOK_RETRY_SCHEDULE",
        "0s,500ms,1s,1s,1s,1s,1s,1s,1s,1s",
    ),
];

/// The built binary as `rampflow loadgen ARGS`, with none of the test's own RAMPFLOW_*
/// variables (rampflow refuses unknown ones, and they would reach the servers it starts).
fn loadgen_command(args: &[&str]) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_rampflow"));
    command.arg("loadgen").args(args);
    for (key, _) in std::env::vars() {
        if key.starts_with("RAMPFLOW_") {
            command.env_remove(key);
        }
    }
    command.env("RUST_LOG", "warn");
    command
}

/// `rampflow loadgen ARGS --json FILE` with `env`, which must succeed; returns the JSON report.
async fn loadgen_binary(args: &[&str], env: &[(&str, &str)]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("report.json");
    let mut command = loadgen_command(args);
    command
        .arg("--json")
        .arg(&json)
        .current_dir(dir.path())
        .envs(env.iter().copied());
    let output = command.output().await.expect("the rampflow binary runs");
    assert!(
        output.status.success(),
        "rampflow loadgen {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap()
}

/// Short, closed-loop settings for a run of `scenario`.
fn short(scenario: &str) -> Vec<&str> {
    vec![
        "--scenario",
        scenario,
        "--concurrency",
        "4",
        "--duration",
        "1s",
        "--warmup",
        "200ms",
        "--drain",
        "15s",
        "--wallets",
        "1",
        "--partners",
        "1",
        "--users",
        "2",
    ]
}

/// A run's lifecycle figures: no error, every order completed, and every delivery (the first
/// of each, duplicates aside) heard and verified.
fn assert_every_lifecycle_completed(run: &Value) {
    assert_eq!(run["errors"], json!({}), "{run:#}");
    let lifecycle = &run["lifecycle"];
    let created = lifecycle["orders_created"].as_u64().unwrap();
    assert!(created > 0, "{run:#}");
    assert_eq!(lifecycle["orders_completed"], created, "{run:#}");
    assert_eq!(lifecycle["orders_incomplete"], 0, "{run:#}");
    assert_eq!(lifecycle["bad_signatures"], 0, "{run:#}");
    let first_time = lifecycle["deliveries"].as_u64().unwrap()
        - lifecycle["duplicate_deliveries"].as_u64().unwrap();
    assert_eq!(first_time, 10 * created, "{run:#}");
}

/// Whether the PostgreSQL server still has database `name`.
async fn database_exists(name: &str) -> bool {
    use sqlx::Connection;
    let mut admin = sqlx::PgConnection::connect(&format!("{}/postgres", postgres_server()))
        .await
        .unwrap();
    let found: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(name)
        .fetch_optional(&mut admin)
        .await
        .unwrap();
    found.is_some()
}

/// `--spawn-cluster`'s report: `nodes` nodes, on a database that is gone now.
async fn assert_spawned_and_cleaned_up(report: &Value, nodes: usize) {
    let spawned = &report["spawned"];
    assert_eq!(spawned["nodes"], nodes);
    assert_eq!(spawned["database"], "postgres");
    let database = spawned["database_name"].as_str().expect("a database name");
    assert!(
        !database_exists(database).await,
        "{database} was not dropped"
    );
}

#[tokio::test]
async fn loadgen_given_two_targets_sends_to_both_and_hears_webhooks_from_both() {
    let cluster = TestCluster::start(2, &[]).await;
    let (a, b) = (&cluster.node(0).address, &cluster.node(1).address);
    let mut args = vec!["--target", a, "--target", b, "--admin-token", ADMIN];
    args.extend(short("lifecycle"));
    let report = loadgen_binary(&args, &[]).await;

    assert!(report["spawned"].is_null());
    let run = &report["runs"][0];
    assert_eq!(run["targets"], json!([a, b]));
    assert_every_lifecycle_completed(run);
    // A create lands on the node that receives it: orders on both nodes' shards means creates
    // went to both.
    let mut db = cluster.db().await;
    let owners: i64 = sqlx::query_scalar(
        "SELECT count(DISTINCT s.owner) FROM orders o JOIN cluster_shards s ON s.shard = o.shard",
    )
    .fetch_one(&mut db)
    .await
    .unwrap();
    assert_eq!(owners, 2);
}

#[tokio::test]
async fn spawn_cluster_runs_creates_on_every_node_then_drops_its_database() {
    let postgres = postgres_server();
    let mut args = vec!["--spawn-cluster", "2", "--postgres", &postgres];
    args.extend(short("create"));
    let report = loadgen_binary(&args, &SMALL_NODES).await;

    let run = &report["runs"][0];
    assert_eq!(run["targets"].as_array().unwrap().len(), 2);
    assert_eq!(run["errors"], json!({}), "{run:#}");
    assert!(run["ops"]["create"]["completed"].as_u64().unwrap() > 0);
    assert_spawned_and_cleaned_up(&report, 2).await;
}

#[tokio::test]
async fn spawn_cluster_carries_lifecycles_to_completed_with_every_delivery_verified() {
    let postgres = postgres_server();
    let mut args = vec!["--spawn-cluster", "2", "--postgres", &postgres];
    args.extend(short("lifecycle"));
    let report = loadgen_binary(&args, &SMALL_NODES).await;

    assert_every_lifecycle_completed(&report["runs"][0]);
    assert_spawned_and_cleaned_up(&report, 2).await;
}

#[tokio::test]
async fn forward_repeats_accepts_through_the_owner_and_through_another_node() {
    let postgres = postgres_server();
    let mut args = vec!["--spawn-cluster", "2", "--postgres", &postgres];
    args.extend(short("forward"));
    args.extend(["--orders", "8"]);
    let report = loadgen_binary(&args, &SMALL_NODES).await;

    let run = &report["runs"][0];
    assert_eq!(run["errors"], json!({}), "{run:#}");
    for op in ["accept local", "accept forwarded"] {
        assert!(run["ops"][op]["completed"].as_u64().unwrap() > 0, "{run:#}");
    }
    let forward = &run["forward"];
    assert_eq!(forward["orders"], 16, "8 through each node");
    assert_eq!(forward["orders_moved"], 0);
    assert!(forward["forwarded"]["count"].as_u64().unwrap() > 0);
    assert_spawned_and_cleaned_up(&report, 2).await;
}

#[tokio::test]
async fn forward_refuses_a_single_node() {
    let output = loadgen_command(&["--spawn", "--scenario", "forward"])
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("two nodes or more"), "{stderr}");
}

#[tokio::test]
async fn failover_kills_a_node_and_every_one_of_its_orders_is_served_and_expired_elsewhere() {
    let postgres = postgres_server();
    let args = [
        "--spawn-cluster",
        "2",
        "--postgres",
        &postgres,
        "--scenario",
        "failover",
        "--orders",
        "8",
        "--wallets",
        "1",
        "--partners",
        "1",
    ];
    let mut env = SMALL_NODES.to_vec();
    env.push(("RAMPFLOW_CLUSTER_LEASE", "2s"));
    let report = loadgen_binary(&args, &env).await;

    assert!(report["runs"].as_array().unwrap().is_empty());
    let failover = &report["failover"];
    assert_eq!(failover["nodes"], 2);
    assert_eq!(failover["lease_ms"], 2000);
    assert_eq!(failover["orders"], 8, "{failover:#}");
    assert_eq!(failover["not_served"], 0, "{failover:#}");
    assert_eq!(failover["timers_not_fired"], 0, "{failover:#}");
    assert_eq!(failover["shards_taken_over"], 128, "{failover:#}");
    for figure in ["first_timer_ms", "last_timer_ms", "all_served_ms"] {
        assert!(failover[figure].as_f64().unwrap() > 0.0, "{failover:#}");
    }
    assert_spawned_and_cleaned_up(&report, 2).await;
}
