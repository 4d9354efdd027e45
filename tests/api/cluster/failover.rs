//! A node dies, freezes or restarts under load: its orders move to the others, their timers
//! fire there, nothing acknowledged is lost and nothing is done twice.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::DateTime;
use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::load::Load;
use super::{create_body, TestCluster, LEASE, SETTLE};
use crate::helpers::{accept_body, Fixture};

fn millis(value: &Value) -> i64 {
    DateTime::parse_from_rfc3339(value.as_str().expect("a timestamp"))
        .expect("RFC 3339")
        .timestamp_millis()
}

fn now_millis() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Creates `count` orders through node `via` (so it owns them) and returns their ids.
async fn orders_owned_by(
    cluster: &TestCluster,
    fixture: &Fixture,
    via: usize,
    count: usize,
) -> Vec<String> {
    let mut ids = Vec::new();
    for n in 0..count {
        let created = cluster
            .node(via)
            .post(
                "/v1/orders",
                &fixture.wallet.key,
                &create_body(fixture, "offramp", 1000 + n),
            )
            .await;
        ids.push(created["id"].as_str().unwrap().to_owned());
    }
    ids
}

/// Polls (through node `via`) until the order is `expired`; returns it.
async fn wait_expired(cluster: &TestCluster, via: usize, key: &str, id: &str) -> Value {
    let deadline = tokio::time::Instant::now() + SETTLE;
    loop {
        let order = cluster.node(via).get_order(key, id).await;
        if order["status"] == "expired" {
            return order;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{id} never expired: {order}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_killed_nodes_timers_fire_on_the_survivors_within_the_lease_and_nothing_is_lost() {
    let mut cluster = TestCluster::start(3, &[("RAMPFLOW_ACCEPT_TIMEOUT", "3s")]).await;
    let fixture = cluster.fixture().await;
    let load = Load::start(&cluster, &fixture, 6).await;

    // Orders nobody accepts, owned by node 2: their acceptance timers must fire elsewhere.
    let doomed = orders_owned_by(&cluster, &fixture, 2, 10).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let killed_at = now_millis();
    cluster.kill9(2);
    load.balancer.follow(&cluster);

    for id in &doomed {
        let order = wait_expired(&cluster, 0, &fixture.wallet.key, id).await;
        let created = millis(&order["created_at"]);
        let deadline = created + 3_000;
        let fired = millis(&order["updated_at"]);
        let limit = deadline.max(killed_at + LEASE.as_millis() as i64) + 2_000;
        assert!(
            fired <= limit,
            "{id}: due at {deadline}, node killed at {killed_at}, fired at {fired} (limit {limit})"
        );
        assert_eq!(order["version"], 2, "{order}");
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    load.finish_and_verify(&cluster).await;
}

#[tokio::test]
async fn a_frozen_node_commits_nothing_once_its_lease_is_gone_and_nothing_is_doubled() {
    let cluster = TestCluster::start(3, &[]).await;
    let fixture = cluster.fixture().await;
    let owned = orders_owned_by(&cluster, &fixture, 2, 12).await;

    // Commands keep reaching node 2 (directly) while it freezes mid-stream.
    let stop = Arc::new(AtomicBool::new(false));
    let hammer = {
        let (node, partner, ids, stop) = (
            cluster.node(2).address.clone(),
            fixture.partner.key.clone(),
            owned.clone(),
            stop.clone(),
        );
        tokio::spawn(async move {
            let client = reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap();
            let mut answers = Vec::new();
            for id in ids.iter().cycle() {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let sent = client
                    .post(format!("{node}/v1/orders/{id}/accept"))
                    .bearer_auth(&partner)
                    .json(&accept_body("offramp"))
                    .send()
                    .await;
                if let Ok(response) = sent {
                    answers.push(response.status());
                }
            }
            answers
        })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    cluster.freeze(2);
    // Past its lease: the others take its shards and serve its orders.
    let deadline = tokio::time::Instant::now() + SETTLE;
    loop {
        let owner = cluster.owner_of(&owned[0]).await;
        if owner.is_some_and(|owner| owner != 2) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "node 2's shards never moved"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for id in &owned {
        // While a shard settles on its new owner, a 503 asks the client to retry shortly.
        let path = format!("/v1/orders/{id}/cancel");
        let (status, order) = loop {
            let answer = cluster
                .node(0)
                .call(Method::POST, &path, &fixture.wallet.key, None)
                .await;
            match answer {
                Some((StatusCode::SERVICE_UNAVAILABLE, _)) | None
                    if tokio::time::Instant::now() < deadline => {}
                Some(answer) => break answer,
                None => panic!("{id}: no answer"),
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        assert!(
            status == StatusCode::OK || status == StatusCode::CONFLICT,
            "{id}: {status} {order}"
        );
    }
    cluster.thaw(2);
    stop.store(true, Ordering::Relaxed);
    let answers = hammer.await.unwrap();
    assert!(
        answers
            .iter()
            .all(|s| !s.is_server_error() || *s == StatusCode::SERVICE_UNAVAILABLE),
        "the frozen node answered {answers:?}"
    );
    // After it woke up, nothing it still had in hand was committed over the others' changes:
    // each order changed at most twice (accepted, then cancelled), one event per version.
    for id in &owned {
        let events = cluster.stored_events(id).await;
        let versions: Vec<i64> = events.iter().map(|(v, _)| *v).collect();
        assert_eq!(
            versions,
            (1..=versions.len() as i64).collect::<Vec<_>>(),
            "{id}: {events:?}"
        );
        let types: Vec<&str> = events.iter().map(|(_, t)| t.as_str()).collect();
        assert!(
            matches!(
                types.as_slice(),
                ["order.created", "order.cancelled"]
                    | ["order.created", "order.accepted", "order.cancelled"]
            ),
            "{id}: {types:?}"
        );
        let order = cluster.node(1).get_order(&fixture.wallet.key, id).await;
        assert_eq!(order["status"], "cancelled", "{order}");
    }
    // And it found out: it takes its share again, under new epochs.
    cluster.wait_until_balanced().await;
}

#[tokio::test]
async fn a_rolling_restart_under_load_loses_nothing_and_answers_only_503_with_retry_after() {
    let mut cluster = TestCluster::start(3, &[]).await;
    let fixture = cluster.fixture().await;
    let load = Load::start(&cluster, &fixture, 6).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    for index in 0..cluster.len() {
        let status = cluster.terminate(index).await;
        assert!(status.success(), "node {index} exited with {status}");
        load.balancer.follow(&cluster);
        cluster.restart(index).await;
        load.balancer.follow(&cluster);
        cluster.wait_until_balanced().await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    load.finish_and_verify(&cluster).await;
}
