//! Timers in a cluster: only an order's owner arms them, so each fires once; and each webhook
//! goes out once, from the owner.

use std::collections::HashMap;
use std::time::Duration;

use super::{create_body, TestCluster, SETTLE};
use crate::receiver::Receiver;

#[tokio::test]
async fn with_every_node_up_each_order_expires_once_and_each_webhook_arrives_once() {
    let cluster = TestCluster::start(3, &[("RAMPFLOW_ACCEPT_TIMEOUT", "2s")]).await;
    let fixture = cluster.fixture().await;
    let (wallet_hooks, partner_hooks) = (Receiver::start().await, Receiver::start().await);
    let wallet_secret = cluster.endpoint(&fixture.wallet, &wallet_hooks.url).await;
    let partner_secret = cluster.endpoint(&fixture.partner, &partner_hooks.url).await;

    let mut ids = Vec::new();
    for n in 0..30 {
        let node = cluster.node(n % 3);
        let created = node
            .post(
                "/v1/orders",
                &fixture.wallet.key,
                &create_body(&fixture, "offramp", n),
            )
            .await;
        ids.push(created["id"].as_str().unwrap().to_owned());
    }
    let deadline = tokio::time::Instant::now() + SETTLE;
    for id in &ids {
        loop {
            let order = cluster.node(0).get_order(&fixture.wallet.key, id).await;
            if order["status"] == "expired" {
                assert_eq!(order["version"], 2, "expired once: {order}");
                assert_eq!(order["failure"]["code"], "partner_timeout", "{order}");
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{id} never expired: {order}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let events = cluster.stored_events(id).await;
        let types: Vec<&str> = events.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(types, ["order.created", "order.expired"], "{id}");
    }

    // Two events per order, to each party's endpoint, each exactly once.
    for (receiver, secret) in [
        (&wallet_hooks, &wallet_secret),
        (&partner_hooks, &partner_secret),
    ] {
        receiver.wait_for(ids.len() * 2, SETTLE).await;
        // A moment more, for a duplicate that would come late.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let received = receiver.received();
        assert!(
            received.iter().all(|r| r.verify(secret)),
            "a signature failed"
        );
        let mut per_event: HashMap<String, usize> = HashMap::new();
        for delivery in &received {
            *per_event.entry(delivery.webhook_id()).or_default() += 1;
        }
        let doubled: Vec<_> = per_event.iter().filter(|(_, n)| **n > 1).collect();
        assert!(doubled.is_empty(), "delivered more than once: {doubled:?}");
        assert_eq!(
            per_event.len(),
            ids.len() * 2,
            "{} deliveries",
            received.len()
        );
    }
}
