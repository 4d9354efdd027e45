//! Any node answers any request: commands reach the order's owner, reads are current, and two
//! nodes never both change one order.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use super::{create_body, TestCluster};
use crate::helpers::{accept_body, expected_funds};
use crate::recovery::Server;

async fn call(
    node: &Server,
    method: Method,
    path: &str,
    key: &str,
    body: Option<&Value>,
) -> (StatusCode, Value) {
    node.call(method.clone(), path, key, body)
        .await
        .unwrap_or_else(|| panic!("no answer to {method} {path} from {}", node.address))
}

#[tokio::test]
async fn one_order_lives_its_whole_life_with_each_request_on_another_node() {
    let cluster = TestCluster::start(3, &[]).await;
    let fixture = cluster.fixture().await;
    let (wallet, partner) = (&fixture.wallet.key, &fixture.partner.key);
    for direction in ["offramp", "onramp"] {
        let (status, created) = call(
            cluster.node(0),
            Method::POST,
            "/v1/orders",
            wallet,
            Some(&create_body(&fixture, direction, 1)),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let id = created["id"].as_str().unwrap().to_owned();
        // A create is never forwarded: the node that took it owns the new order.
        assert_eq!(cluster.owner_of(&id).await, Some(0));

        let steps: [(&str, &str, Value, &str); 4] = [
            (partner, "accept", accept_body(direction), "accepted"),
            (wallet, "funds-sent", json!({}), "funds_sent"),
            (
                partner,
                "funds-received",
                json!({ "amount": expected_funds(direction) }),
                "funds_received",
            ),
            (
                partner,
                "complete",
                json!({ "transaction_id": "tx-1" }),
                "completed",
            ),
        ];
        let mut version = 1;
        for (step, (key, command, body, status_after)) in steps.into_iter().enumerate() {
            // Read on one node, command on the next, read on the one after.
            let reader = cluster.node(step % 3);
            let (status, order) = call(
                reader,
                Method::GET,
                &format!("/v1/orders/{id}"),
                wallet,
                None,
            )
            .await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(
                order["version"],
                version,
                "stale read on node {}: {order}",
                step % 3
            );

            let commander = cluster.node((step + 1) % 3);
            let path = format!("/v1/orders/{id}/{command}");
            let (status, order) = call(commander, Method::POST, &path, key, Some(&body)).await;
            assert_eq!(
                status,
                StatusCode::OK,
                "{command} on node {}: {order}",
                (step + 1) % 3
            );
            version += 1;
            assert_eq!(order["status"], status_after);
            assert_eq!(order["version"], version);

            for reader in 0..3 {
                let (_, order) = call(
                    cluster.node(reader),
                    Method::GET,
                    &format!("/v1/orders/{id}"),
                    partner,
                    None,
                )
                .await;
                assert_eq!(
                    order["version"], version,
                    "node {reader} read a stale order: {order}"
                );
                assert_eq!(order["status"], status_after);
            }
        }
        let stored = cluster.stored_events(&id).await;
        let versions: Vec<i64> = stored.iter().map(|(v, _)| *v).collect();
        assert_eq!(
            versions,
            vec![1, 2, 3, 4, 5],
            "one event per change: {stored:?}"
        );
    }
    // The commands for orders another node owned were forwarded, not refused.
    let mut forwarded = 0.0;
    for index in 0..3 {
        let metrics = cluster.node(index).metrics_text().await;
        forwarded += metric(
            &metrics,
            "rampflow_cluster_forwarded_requests_total{outcome=\"ok\"}",
        );
    }
    assert!(
        forwarded >= 4.0,
        "commands were forwarded to the owner: {forwarded}"
    );
}

#[tokio::test]
async fn conflicting_commands_on_two_nodes_have_exactly_one_winner() {
    let cluster = TestCluster::start(3, &[]).await;
    let fixture = cluster.fixture().await;
    let partner = fixture.partner.key.clone();
    let mut ids = Vec::new();
    for n in 0..200 {
        let node = cluster.node(n % 3);
        let (status, created) = call(
            node,
            Method::POST,
            "/v1/orders",
            &fixture.wallet.key,
            Some(&create_body(&fixture, "offramp", n)),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        ids.push(created["id"].as_str().unwrap().to_owned());
    }
    // For each order, an accept through one node and a reject through another, at once.
    let races = ids.iter().enumerate().map(|(n, id)| {
        let (accepting, rejecting) = (cluster.node(n % 3), cluster.node((n + 1) % 3));
        let partner = partner.clone();
        async move {
            let (accept_path, reject_path) = (
                format!("/v1/orders/{id}/accept"),
                format!("/v1/orders/{id}/reject"),
            );
            let (accept_body, reject_body) = (accept_body("offramp"), json!({ "reason": "no" }));
            let accept = call(
                accepting,
                Method::POST,
                &accept_path,
                &partner,
                Some(&accept_body),
            );
            let reject = call(
                rejecting,
                Method::POST,
                &reject_path,
                &partner,
                Some(&reject_body),
            );
            let ((accepted, _), (rejected, _)) = futures::join!(accept, reject);
            (id.clone(), accepted, rejected)
        }
    });
    let outcomes = futures::future::join_all(races).await;
    for (id, accepted, rejected) in &outcomes {
        let statuses = [*accepted, *rejected];
        assert!(
            !statuses.iter().any(|s| s.is_server_error()),
            "order {id}: a 5xx: accept {accepted}, reject {rejected}"
        );
        let wins = statuses.iter().filter(|s| **s == StatusCode::OK).count();
        assert_eq!(wins, 1, "order {id}: accept {accepted}, reject {rejected}");
        assert!(
            statuses.contains(&StatusCode::CONFLICT),
            "order {id}: the loser gets 409"
        );
        let expected = if *accepted == StatusCode::OK {
            "accepted"
        } else {
            "rejected"
        };
        let (_, order) = call(
            cluster.node(2),
            Method::GET,
            &format!("/v1/orders/{id}"),
            &partner,
            None,
        )
        .await;
        assert_eq!(order["status"], expected, "{order}");
        assert_eq!(order["version"], 2, "one transition, not two: {order}");
    }
    let mut db = cluster.db().await;
    let doubled: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT order_id FROM order_events GROUP BY order_id HAVING count(*) <> 2) t",
    )
    .fetch_one(&mut db)
    .await
    .unwrap();
    assert_eq!(doubled, 0, "every order has exactly its two events");
}

/// A counter's value in Prometheus text, 0 if absent.
pub(crate) fn metric(text: &str, series: &str) -> f64 {
    text.lines()
        .find(|line| line.starts_with(series))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
        .unwrap_or(0.0)
}
