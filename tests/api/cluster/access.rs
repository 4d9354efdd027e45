//! Access taken away through one node is refused by every node as soon as the change answers:
//! a revoked grant, a deleted user, a rotated key. Each node first caches what it is about to
//! lose (it serves the key and the grant once), so the test proves the caches follow.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use super::{create_body, TestCluster};
use crate::helpers::Fixture;
use crate::recovery::ADMIN;

/// Every node creates an order for the fixture's user and lets the partner read the user's
/// data: each has the wallet's and the partner's keys and the grant in its caches afterwards.
/// Returns an order id per node.
async fn warm_every_node(cluster: &TestCluster, fixture: &Fixture) -> Vec<String> {
    let mut orders = Vec::new();
    for index in 0..cluster.len() {
        let node = cluster.node(index);
        let created = node
            .post(
                "/v1/orders",
                &fixture.wallet.key,
                &create_body(fixture, "offramp", index),
            )
            .await;
        let id = created["id"].as_str().unwrap().to_owned();
        let (status, user) = node
            .call(
                Method::GET,
                &format!("/v1/orders/{id}/user"),
                &fixture.partner.key,
                None,
            )
            .await
            .unwrap();
        assert_eq!(status, StatusCode::OK, "{user}");
        orders.push(id);
    }
    orders
}

async fn status_of(
    cluster: &TestCluster,
    index: usize,
    method: Method,
    path: &str,
    key: &str,
    body: Option<&Value>,
) -> (StatusCode, Value) {
    cluster
        .node(index)
        .call(method, path, key, body)
        .await
        .unwrap_or_else(|| panic!("no answer from node {index}"))
}

/// Nodes 1 and 2, which had the grant cached, neither create an order for the user nor hand
/// the user's data to the partner.
async fn refused_on_other_nodes(
    cluster: &TestCluster,
    fixture: &Fixture,
    orders: &[String],
    after: &str,
) {
    for index in [1, 2] {
        let body = create_body(fixture, "offramp", 100 + index);
        let (status, answer) = status_of(
            cluster,
            index,
            Method::POST,
            "/v1/orders",
            &fixture.wallet.key,
            Some(&body),
        )
        .await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "after {after}, node {index} created an order: {answer}"
        );
        assert_eq!(answer["error"]["code"], "access_not_granted");
        let path = format!("/v1/orders/{}/user", orders[index]);
        let (status, answer) = status_of(
            cluster,
            index,
            Method::GET,
            &path,
            &fixture.partner.key,
            None,
        )
        .await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "after {after}, node {index} handed out the user's data: {answer}"
        );
        assert_eq!(answer["error"]["code"], "access_not_granted");
    }
}

#[tokio::test]
async fn revocation_user_delete_and_key_rotation_through_one_node_hold_on_every_node_at_once() {
    let cluster = TestCluster::start(3, &[]).await;
    let fixture = cluster.fixture().await;
    let grant = format!(
        "/v1/users/{}/grants/{}",
        fixture.user_ref, fixture.partner.id
    );

    // A revoked grant.
    let orders = warm_every_node(&cluster, &fixture).await;
    let (status, _) = status_of(
        &cluster,
        0,
        Method::DELETE,
        &grant,
        &fixture.wallet.key,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    refused_on_other_nodes(&cluster, &fixture, &orders, "a revoked grant").await;

    // A deleted user (granted again first, and cached again everywhere).
    let (status, _) = status_of(
        &cluster,
        0,
        Method::PUT,
        &grant,
        &fixture.wallet.key,
        Some(&json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let orders = warm_every_node(&cluster, &fixture).await;
    let user = format!("/v1/users/{}", fixture.user_ref);
    let (status, _) = status_of(
        &cluster,
        0,
        Method::DELETE,
        &user,
        &fixture.wallet.key,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    refused_on_other_nodes(&cluster, &fixture, &orders, "a deleted user").await;

    // Rotated keys: the wallet's and the partner's, each through node 0.
    for (kind, party) in [("wallets", &fixture.wallet), ("partners", &fixture.partner)] {
        let (status, body) =
            status_of(&cluster, 1, Method::GET, "/v1/orders", &party.key, None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, _) = status_of(&cluster, 2, Method::GET, "/v1/orders", &party.key, None).await;
        assert_eq!(status, StatusCode::OK);
        let path = format!("/v1/admin/{kind}/{}/rotate-key", party.id);
        let (status, rotated) =
            status_of(&cluster, 0, Method::POST, &path, ADMIN, Some(&json!({}))).await;
        assert_eq!(status, StatusCode::OK, "{rotated}");
        let new_key = rotated["api_key"].as_str().unwrap().to_owned();
        for index in [1, 2] {
            let (status, body) =
                status_of(&cluster, index, Method::GET, "/v1/orders", &party.key, None).await;
            assert_eq!(
                status,
                StatusCode::UNAUTHORIZED,
                "node {index} took the old {kind} key: {body}"
            );
            let (status, _) =
                status_of(&cluster, index, Method::GET, "/v1/orders", &new_key, None).await;
            assert_eq!(
                status,
                StatusCode::OK,
                "node {index} refused the new {kind} key"
            );
        }
    }
}
