//! `kill -9` storms under sustained lifecycle load, on one PostgreSQL node and on a three-node
//! cluster: whatever was acknowledged survives, nothing happens twice, and once the load stops
//! every webhook is delivered, in per-order order, within a bounded drain.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::load::{lifecycles, verify_nothing_lost_or_doubled, verify_webhooks, Balancer, DRAIN};
use super::TestCluster;
use crate::receiver::Receiver;

/// Kills this many times (a node each time, in turn), restarting each victim at once.
const KILLS: usize = 10;

async fn storm(nodes: usize) {
    let mut cluster = TestCluster::start(nodes, &[]).await;
    let fixture = cluster.fixture().await;
    let (wallet_hooks, partner_hooks) = (Receiver::start().await, Receiver::start().await);
    let wallet_secret = cluster.endpoint(&fixture.wallet, &wallet_hooks.url).await;
    let partner_secret = cluster.endpoint(&fixture.partner, &partner_hooks.url).await;
    let balancer = Balancer::new(&cluster);
    let stop = Arc::new(AtomicBool::new(false));
    let (ledger, mut workers) = lifecycles(&balancer, &fixture, 8, stop.clone());

    for kill in 0..KILLS {
        tokio::time::sleep(Duration::from_millis(700)).await;
        let victim = kill % nodes;
        cluster.kill9(victim);
        balancer.follow(&cluster);
        cluster.restart(victim).await;
        balancer.follow(&cluster);
    }
    tokio::time::sleep(Duration::from_millis(700)).await;
    stop.store(true, Ordering::Relaxed);
    while workers.join_next().await.is_some() {}

    assert!(
        balancer.failures().is_empty(),
        "clients saw failures: {:?}",
        balancer.failures()
    );
    verify_nothing_lost_or_doubled(&cluster, &ledger).await;
    verify_webhooks(
        &cluster,
        &[
            (&wallet_hooks, &wallet_secret),
            (&partner_hooks, &partner_secret),
        ],
        DRAIN,
    )
    .await;
}

#[tokio::test]
async fn a_kill_storm_on_one_postgresql_node_loses_and_doubles_nothing() {
    storm(1).await;
}

#[tokio::test]
async fn a_kill_storm_on_a_three_node_cluster_loses_and_doubles_nothing() {
    storm(3).await;
}
