//! `rampflow demo` through its library entry point: the whole story runs against a real server,
//! and the simulated parties' receivers refuse webhooks that do not verify.

use std::time::Duration;

use base64::Engine;
use rampflow::config::Secret;
use rampflow::demo::receiver::{Receiver, Tally};
use rampflow::demo::{run, Options};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::spawn_app_with;

/// Base64 of 32 bytes.
const DEMO_MASTER_KEY: &str = "ZGVtby10ZXN0LW1hc3Rlci1rZXktb2YtMzItYnl0ZXM=";

const LIFE: [&str; 5] = [
    "order.created",
    "order.accepted",
    "order.funds_sent",
    "order.funds_received",
    "order.completed",
];

#[actix_web::test]
async fn the_demo_takes_both_orders_to_completed_with_every_webhook_verified() {
    let dir = tempfile::tempdir().unwrap();
    let database_url = format!("sqlite://{}", dir.path().join("demo.db").display());
    // The demo's database outlives it, so its master key is the test's.
    let mut options = Options {
        database_url: Some(database_url.clone()),
        webhook_wait: Duration::from_secs(30),
        ..Options::default()
    };
    options.settings.master_key = Some(Secret::new(DEMO_MASTER_KEY));
    let mut narration = Vec::new();
    let summary = run(options, &mut narration)
        .await
        .expect("the demo succeeds");
    let narration = String::from_utf8(narration).expect("the narration is UTF-8");

    let directions: Vec<&str> = summary
        .orders
        .iter()
        .map(|o| o.direction.as_str())
        .collect();
    assert_eq!(directions, ["onramp", "offramp"]);
    for order in &summary.orders {
        assert_eq!(order.status, "completed", "{order:?}");
        assert_eq!(order.version, 5, "{order:?}");
        assert_eq!(order.events, LIFE, "{order:?}");
    }
    // Every event of both lives, as received by both parties.
    for event in LIFE {
        let heard = narration
            .lines()
            .filter(|line| line.contains(&format!("← {event} ")))
            .filter(|line| line.contains("signature verified"))
            .count();
        assert_eq!(heard, 4, "{event} twice per order:\n{narration}");
    }
    for request in [
        "POST /v1/admin/wallets",
        "POST /v1/admin/partners",
        "POST /v1/webhook-endpoints",
        "PUT  /v1/users/u-ada ",
        "POST /v1/quotes",
        "POST /v1/orders ",
        "/user ",
        "/accept ",
        "/funds-sent ",
        "/funds-received ",
        "/complete ",
    ] {
        assert!(
            narration.contains(request),
            "no {request:?} in:\n{narration}"
        );
    }
    for party in [&summary.wallet, &summary.partner] {
        let Tally {
            verified,
            events,
            duplicates,
            rejected,
        } = party.webhooks;
        assert_eq!(events, 10, "{party:?}");
        assert_eq!(verified, events + duplicates, "{party:?}");
        assert_eq!(rejected, 0, "{party:?}");
    }
    assert_eq!(summary.database_url, database_url);

    // The demo's server is gone; a new one on the same database reads the orders back.
    let app = spawn_app_with(|s| {
        s.database_url = database_url.clone();
        s.master_key = Some(Secret::new(DEMO_MASTER_KEY));
    })
    .await;
    for order in &summary.orders {
        for key in [&summary.wallet.api_key, &summary.partner.api_key] {
            let read = app.get_order(key, &order.id).await;
            assert_eq!(read["status"], "completed", "{read}");
            assert_eq!(read["version"], 5, "{read}");
            assert_eq!(read["direction"], order.direction.as_str());
        }
        let history: Vec<Value> = app.get_order(&summary.wallet.api_key, &order.id).await
            ["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|step| step["status"].clone())
            .collect();
        assert_eq!(
            history,
            [
                "created",
                "accepted",
                "funds_sent",
                "funds_received",
                "completed"
            ]
        );
    }
}

/// A `whsec_` secret of 32 random bytes, as the server makes them.
fn secret() -> String {
    let bytes: [u8; 32] = rand::random();
    format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

async fn deliver(url: &str, id: &str, signature: &str, body: &str) -> StatusCode {
    reqwest::Client::new()
        .post(url)
        .header("webhook-id", id)
        .header(
            "webhook-timestamp",
            chrono::Utc::now().timestamp().to_string(),
        )
        .header("webhook-signature", signature)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .expect("the receiver answers")
        .status()
}

fn sign(secret: &str, id: &str, body: &str) -> String {
    standardwebhooks::Webhook::new(secret)
        .unwrap()
        .sign(id, chrono::Utc::now().timestamp(), body.as_bytes())
        .unwrap()
}

#[actix_web::test]
async fn the_simulated_receivers_refuse_webhooks_that_do_not_verify() {
    let mut receiver = Receiver::start("partner").await.unwrap();
    let url = receiver.url().to_owned();
    let order_id = "01936f0a-1c2d-7e3f-8a4b-5c6d7e8f9a0b";
    let body = json!({
        "type": "order.created",
        "timestamp": "2026-11-22T10:15:30.123Z",
        "data": { "id": order_id, "version": 1, "status": "created" }
    })
    .to_string();
    let real = secret();

    // Before its endpoint is registered, the receiver has no secret: nothing verifies.
    let signed = sign(&real, "evt_1", &body);
    assert_eq!(
        deliver(&url, "evt_1", &signed, &body).await,
        StatusCode::UNAUTHORIZED
    );
    receiver.set_secret(&real).unwrap();
    // Signed with another secret.
    let forged = sign(&secret(), "evt_1", &body);
    assert_eq!(
        deliver(&url, "evt_1", &forged, &body).await,
        StatusCode::UNAUTHORIZED
    );
    // The right signature over another body.
    let tampered = body.replace("\"version\":1", "\"version\":2");
    assert_ne!(tampered, body);
    let signed = sign(&real, "evt_1", &body);
    assert_eq!(
        deliver(&url, "evt_1", &signed, &tampered).await,
        StatusCode::UNAUTHORIZED
    );
    // The real thing, then a redelivery of it.
    assert_eq!(deliver(&url, "evt_1", &signed, &body).await, StatusCode::OK);
    assert_eq!(deliver(&url, "evt_1", &signed, &body).await, StatusCode::OK);

    assert_eq!(
        receiver.tally(),
        Tally {
            verified: 2,
            events: 1,
            duplicates: 1,
            rejected: 3
        }
    );
    let delivery = receiver
        .expect(order_id, "order.created", Duration::from_secs(10))
        .await
        .expect("the verified event is in the inbox");
    assert_eq!(
        (delivery.version, delivery.webhook_id.as_str()),
        (1, "evt_1")
    );
    // Only once, and nothing that was refused got through.
    let error = receiver
        .expect(order_id, "order.created", Duration::from_millis(200))
        .await
        .expect_err("the redelivery was dropped");
    assert!(
        error
            .to_string()
            .contains("received no order.created webhook"),
        "{error}"
    );
    assert!(receiver.unclaimed().is_empty());
    receiver.stop().await;
}
