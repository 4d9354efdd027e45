//! `rampflow scale`, run as the built binary with a small N: the report must account for every
//! order and every timer. Nothing here asserts on speed or on the size of a figure. And the
//! columns rehydration reads, on both engines.

use std::process::Command;

use rampflow::scale::report::Report;
use rampflow::scale::seed::{seed, Deadlines};
use rampflow_actors::order::Status;
use rampflow_actors::store::{LiveOrder, OrderStore};

use crate::journal_batch::database;

#[test]
fn scale_all_accounts_for_every_order_and_every_timer() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("scale.json");
    let mut command = Command::new(env!("CARGO_BIN_EXE_rampflow"));
    // The binary reads every `RAMPFLOW_*` variable as a setting and refuses unknown ones, such
    // as the tests' own `RAMPFLOW_TEST_DATABASE`.
    for (key, _) in std::env::vars() {
        if key.starts_with("RAMPFLOW_") {
            command.env_remove(key);
        }
    }
    let output = command
        .args(["scale", "all", "--orders", "2000", "--timer-window", "2s"])
        .args(["--drain", "2m", "--dir"])
        .arg(dir.path())
        .arg("--json")
        .arg(&json)
        .env("RAMPFLOW_ACTORS__ARBITERS", "2")
        .output()
        .expect("the rampflow binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "rampflow scale failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Report = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report.orders, 2000);
    assert!(report.machine.cores >= 1);
    assert!(report.command.iter().any(|arg| arg == "scale"));

    let idle = report.idle.as_ref().expect("the idle run");
    assert_eq!(idle.probe.actors, 2000, "every live order rehydrated");
    // Half created (acceptance), half accepted (reminder and expiry).
    assert_eq!(idle.probe.deadlines_pending, 3000);
    assert!(idle.probe.rehydrate_seconds > 0.0);
    assert!(idle.probe.rss_before_bytes.is_some() && idle.probe.rss_after_bytes.is_some());
    assert!(idle.probe.rss_per_order_bytes().is_some());

    let run = report.timers.as_ref().expect("the timers run");
    assert_eq!(run.probe.actors, 2000);
    let timers = run.probe.timers.as_ref().expect("timer figures");
    assert_eq!(timers.due, 2000);
    assert_eq!(timers.fired, 2000, "every timer fired once");
    assert_eq!(timers.lateness.count, 2000);
    assert_eq!(timers.committed, 2000, "every expiry committed");
    assert!(timers.committed_by_seconds.is_some());
    assert!(timers.lateness.max_ms >= timers.lateness.p99_ms);

    // The table names every figure, the machine and the command.
    for needle in [
        "RSS per idle live order",
        "rehydrate 2000 live orders",
        "timer lateness p99, 2000 timers",
        "cores (nproc)",
        "scale all --orders 2000",
    ] {
        assert!(
            stdout.contains(needle),
            "{needle:?} missing from:\n{stdout}"
        );
    }
    // The temporary databases are gone.
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .filter(|name| name.to_string_lossy().starts_with("rampflow-scale-"))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

/// Rehydration reads `LiveOrder`s from the order row's columns, not its document: on both
/// engines they must say what the stored order says.
async fn live_orders_match_the_stored_orders(on_postgres: bool) {
    let db = database(on_postgres).await;
    seed(&db.store, 300, Deadlines::Distant, |_| {})
        .await
        .unwrap();
    let mut after = None;
    let mut seen: Vec<LiveOrder> = Vec::new();
    loop {
        let page = db.store.live_orders(None, after, 128).await.unwrap();
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        seen.extend(page);
    }
    assert_eq!(seen.len(), 300);
    assert!(
        seen.windows(2).all(|pair| pair[0].id < pair[1].id),
        "in id order"
    );
    for live in &seen {
        let stored = db.store.load(live.id).await.unwrap().unwrap();
        assert_eq!(*live, LiveOrder::of(&stored));
    }
    let accepted = seen.iter().filter(|live| live.status == Status::Accepted);
    assert_eq!(accepted.count(), 150, "half accepted, half created");
}

#[tokio::test]
async fn live_orders_match_the_stored_orders_on_sqlite() {
    live_orders_match_the_stored_orders(false).await;
}

#[tokio::test]
async fn live_orders_match_the_stored_orders_on_postgres() {
    live_orders_match_the_stored_orders(true).await;
}
