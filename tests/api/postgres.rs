//! The same service on PostgreSQL. The whole suite runs on PostgreSQL in `tests/api_postgres`;
//! these few always do, so even `cargo test --test api` alone touches both engines.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{accept_body, assert_error, expected_funds, spawn_postgres_app};

#[tokio::test]
async fn both_directions_complete_on_postgres() {
    let app = spawn_postgres_app().await;
    let fixture = app.fixture().await;
    for direction in ["onramp", "offramp"] {
        let order = app.new_order(&fixture, direction).await;
        let id = order["id"].as_str().unwrap();
        let (wallet, partner) = (&fixture.wallet.key, &fixture.partner.key);
        let steps = [
            (partner, "accept", accept_body(direction)),
            (wallet, "funds-sent", json!({})),
            (
                partner,
                "funds-received",
                json!({ "amount": expected_funds(direction) }),
            ),
            (partner, "complete", json!({ "transaction_id": "tx-1" })),
        ];
        for (key, command, body) in steps {
            let response = app.command(key, id, command, &body).await;
            assert_eq!(response.status(), StatusCode::OK, "{direction} {command}");
        }
        let order = app.get_order(wallet, id).await;
        assert_eq!(order["status"], "completed");
        assert_eq!(order["version"], 5);
    }
}

#[tokio::test]
async fn compare_and_set_and_transitions_hold_on_postgres() {
    let app = spawn_postgres_app().await;
    let fixture = app.fixture().await;
    let order = app.new_order(&fixture, "offramp").await;
    let id = order["id"].as_str().unwrap().to_owned();
    let partner = fixture.partner.key.clone();
    let accepts = (0..10).map(|n| {
        let body = json!({ "external_id": format!("p-{n}"), "deposit": { "address": "Addr1" } });
        let (app, id, partner) = (&app, id.clone(), partner.clone());
        async move { app.command(&partner, &id, "accept", &body).await.status() }
    });
    let statuses = futures::future::join_all(accepts).await;
    let wins = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    assert_eq!(wins, 1, "exactly one accept wins: {statuses:?}");
    assert!(statuses
        .iter()
        .all(|s| *s == StatusCode::OK || *s == StatusCode::CONFLICT));
    assert_eq!(app.get_order(&fixture.wallet.key, &id).await["version"], 2);

    let response = app
        .command(&partner, &id, "reject", &json!({ "reason": "late" }))
        .await;
    let error = assert_error(response, StatusCode::CONFLICT, "invalid_transition").await;
    assert_eq!(error["error"]["details"]["status"], "accepted");
}

#[tokio::test]
async fn listings_page_newest_first_on_postgres() {
    let app = spawn_postgres_app().await;
    let fixture = app.fixture().await;
    let mut created = Vec::new();
    for _ in 0..5 {
        created.push(
            app.new_order(&fixture, "onramp").await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    created.reverse();
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/orders?limit=2&cursor={c}"),
            None => "/v1/orders?limit=2".to_owned(),
        };
        let page: Value = app
            .get(&path, &fixture.wallet.key)
            .await
            .json()
            .await
            .unwrap();
        seen.extend(
            page["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["id"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, created);
}
