//! `kill -9` storms under sustained lifecycle load, on one PostgreSQL node and on a three-node
//! cluster: whatever was acknowledged survives, nothing happens twice, and once the load stops
//! every webhook is delivered, in per-order order, within a bounded drain.

use std::time::Duration;

use super::load::Load;
use super::{TestCluster, LEASE};

/// Kills this many times (a node each time, in turn), restarting each victim at once.
const KILLS: usize = 10;

async fn storm(nodes: usize) {
    let mut cluster = TestCluster::start(nodes, &[]).await;
    let fixture = cluster.fixture().await;
    let load = Load::start(&cluster, &fixture, 8).await;
    for kill in 0..KILLS {
        tokio::time::sleep(Duration::from_millis(700)).await;
        let victim = kill % nodes;
        cluster.kill9(victim);
        load.balancer.follow(&cluster);
        // In a cluster, every other victim stays down past its lease, so the survivors take
        // its shards over; the others come back at once on their own data directory and
        // take their shards back themselves.
        if nodes > 1 && kill % 2 == 1 {
            tokio::time::sleep(LEASE + Duration::from_millis(500)).await;
        }
        cluster.restart(victim).await;
        load.balancer.follow(&cluster);
    }
    tokio::time::sleep(Duration::from_millis(700)).await;
    load.finish_and_verify(&cluster).await;
}

#[tokio::test]
async fn a_kill_storm_on_one_postgresql_node_loses_and_doubles_nothing() {
    storm(1).await;
}

#[tokio::test]
async fn a_kill_storm_on_a_three_node_cluster_loses_and_doubles_nothing() {
    storm(3).await;
}
