//! One off-ramp order through its whole life: the thread every other test pulls on.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{accept_body, spawn_app};

#[tokio::test]
async fn an_offramp_order_goes_from_created_to_completed() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    let order = app.new_order(&fixture, "offramp").await;
    assert_eq!(order["status"], "created");
    assert_eq!(order["version"], 1);
    let id = order["id"].as_str().unwrap();

    let partner = &fixture.partner.key;
    let wallet = &fixture.wallet.key;
    let accepted = app
        .command(partner, id, "accept", &accept_body("offramp"))
        .await;
    assert_eq!(accepted.status(), StatusCode::OK);
    let accepted: serde_json::Value = accepted.json().await.unwrap();
    assert_eq!(accepted["status"], "accepted");
    assert_eq!(accepted["deposit"]["address"], "DepositAddr111");

    let sent = app
        .command(wallet, id, "funds-sent", &json!({ "reference": "tx-1" }))
        .await;
    assert_eq!(sent.status(), StatusCode::OK);
    let received = app
        .command(partner, id, "funds-received", &json!({ "amount": "10" }))
        .await;
    assert_eq!(received.status(), StatusCode::OK);
    let completed = app
        .command(
            partner,
            id,
            "complete",
            &json!({ "transaction_id": "bank-tx-9" }),
        )
        .await;
    assert_eq!(completed.status(), StatusCode::OK);

    let order = app.get_order(wallet, id).await;
    assert_eq!(order["status"], "completed");
    assert_eq!(order["version"], 5);
    let statuses: Vec<_> = order["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["status"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        statuses,
        [
            "created",
            "accepted",
            "funds_sent",
            "funds_received",
            "completed"
        ]
    );
}
