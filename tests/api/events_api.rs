//! The events API: who sees which order events, filters and pagination, one event with the
//! caller's deliveries, and redelivery. Whether deliveries actually reach receivers is tested
//! in `webhooks.rs`; here the receivers never answer, so every delivery stays pending for the
//! whole test whatever the delivery engine does.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{
    accept_body, assert_error, assert_invalid_field, expected_funds, spawn_app, spawn_app_with,
    user_with_email, Db, Fixture, TestApp, ADMIN_TOKEN,
};

/// Accepted connections that are never answered: an attempt to deliver here hangs until the
/// (long) webhook timeout, so deliveries stay pending and unattempted while the test runs.
fn silent_receiver() -> (std::net::TcpListener, String) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a local port");
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    (listener, url)
}

async fn app_with_silent_receivers() -> TestApp {
    spawn_app_with(|s| {
        s.webhook_allow_private_targets = true;
        s.webhook_timeout = Duration::from_secs(300);
    })
    .await
}

/// created → accepted → funds_received → completed: four events.
async fn complete_order(app: &TestApp, fixture: &Fixture, direction: &str) -> String {
    let order = app.new_order(fixture, direction).await;
    let id = order["id"].as_str().unwrap().to_owned();
    let partner = &fixture.partner.key;
    let steps = [
        ("accept", accept_body(direction)),
        (
            "funds-received",
            json!({ "amount": expected_funds(direction) }),
        ),
        ("complete", json!({ "transaction_id": "payout-1" })),
    ];
    for (command, body) in steps {
        let response = app.command(partner, &id, command, &body).await;
        assert_eq!(response.status(), StatusCode::OK, "{command}");
    }
    id
}

fn types(page: &Value) -> Vec<&str> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect()
}

fn ids(page: &Value) -> Vec<&str> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect()
}

/// A second partner and wallet, the wallet's user granting that partner access.
async fn other_parties(app: &TestApp) -> Fixture {
    let wallet = app.create_wallet("Other Wallet").await;
    let partner = app.create_partner("Other Partner").await;
    app.add_user(&wallet, "u-o", &user_with_email("o@example.com"))
        .await;
    app.grant_access(&wallet, "u-o", &partner).await;
    Fixture {
        wallet,
        partner,
        user_ref: "u-o".into(),
    }
}

async fn event_of(app: &TestApp, key: &str, order_id: &str, event_type: &str) -> Value {
    let page = app
        .get_page(
            &format!("/v1/events?order_id={order_id}&type={event_type}"),
            key,
        )
        .await;
    assert_eq!(page["data"].as_array().unwrap().len(), 1, "{page}");
    page["data"][0].clone()
}

#[tokio::test]
async fn a_wallet_sees_its_orders_events_newest_first() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    let order_id = complete_order(&app, &fixture, "offramp").await;

    let page = app.get_page("/v1/events", &fixture.wallet.key).await;
    assert_eq!(
        types(&page),
        [
            "order.completed",
            "order.funds_received",
            "order.accepted",
            "order.created"
        ]
    );
    assert_eq!(page["next_cursor"], Value::Null);
    for (index, event) in page["data"].as_array().unwrap().iter().enumerate() {
        let version = 4 - index as i64;
        assert!(uuid::Uuid::parse_str(event["id"].as_str().unwrap()).is_ok());
        assert_eq!(event["order_id"], order_id.as_str());
        assert_eq!(event["order_version"], version);
        assert_eq!(event["payload"]["type"], event["type"]);
        assert_eq!(event["payload"]["data"]["id"], order_id.as_str());
        assert_eq!(event["payload"]["data"]["version"], version);
        assert!(event["payload"]["timestamp"].is_string());
        let created_at = event["created_at"].as_str().unwrap();
        assert!(
            created_at.ends_with('Z') && created_at.len() == 24,
            "{created_at}"
        );
        assert!(chrono::DateTime::parse_from_rfc3339(created_at).is_ok());
        // No endpoints: nothing to deliver.
        assert_eq!(event["delivery"], Value::Null);
    }
    // The payload is the webhook body as stored.
    let stored = app.stored_events(&order_id).await;
    assert_eq!(stored.len(), 4);
    for event in &stored {
        let listed = page["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["order_version"] == event.version)
            .unwrap();
        assert_eq!(listed["payload"], event.payload);
        assert_eq!(listed["type"], event.event_type.as_str());
    }

    // Pages of two, following the cursor.
    let first = app
        .get_page("/v1/events?limit=2", &fixture.wallet.key)
        .await;
    assert_eq!(types(&first), ["order.completed", "order.funds_received"]);
    let cursor = first["next_cursor"].as_str().expect("a next page");
    let second = app
        .get_page(
            &format!("/v1/events?limit=2&cursor={cursor}"),
            &fixture.wallet.key,
        )
        .await;
    assert_eq!(types(&second), ["order.accepted", "order.created"]);
    let rest = match second["next_cursor"].as_str() {
        Some(cursor) => {
            app.get_page(
                &format!("/v1/events?limit=2&cursor={cursor}"),
                &fixture.wallet.key,
            )
            .await
        }
        None => json!({ "data": [] }),
    };
    assert_eq!(rest["data"], json!([]));
}

#[tokio::test]
async fn events_filter_by_order_and_type() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    let done = complete_order(&app, &fixture, "onramp").await;
    let fresh = app.new_order(&fixture, "offramp").await;
    let fresh = fresh["id"].as_str().unwrap();
    let key = &fixture.wallet.key;

    let page = app.get_page("/v1/events", key).await;
    assert_eq!(page["data"].as_array().unwrap().len(), 5);
    assert_eq!(page["data"][0]["order_id"], fresh);

    let page = app
        .get_page(&format!("/v1/events?order_id={done}"), key)
        .await;
    assert_eq!(page["data"].as_array().unwrap().len(), 4);
    assert!(page["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["order_id"] == done.as_str()));

    let page = app.get_page("/v1/events?type=order.created", key).await;
    assert_eq!(types(&page), ["order.created", "order.created"]);
    assert_eq!(page["data"][0]["order_id"], fresh);
    assert_eq!(page["data"][1]["order_id"], done.as_str());

    let page = app
        .get_page(
            &format!("/v1/events?order_id={fresh}&type=order.completed"),
            key,
        )
        .await;
    assert_eq!(page["data"], json!([]));
    // No endpoints, so nothing is pending, delivered or failed.
    for delivery in ["pending", "delivered", "failed"] {
        let page = app
            .get_page(&format!("/v1/events?delivery={delivery}"), key)
            .await;
        assert_eq!(page["data"], json!([]), "{delivery}");
    }

    // Invalid filters.
    for (query, field) in [
        ("type=order.nope", "type"),
        ("type=created", "type"),
        ("order_id=42", "order_id"),
        ("delivery=lost", "delivery"),
        ("status=created", "status"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("cursor=%2A%2A", "cursor"),
        ("cursor=bm90LWEtdXVpZA", "cursor"),
    ] {
        let response = app.get(&format!("/v1/events?{query}"), key).await;
        assert_invalid_field(response, field).await;
    }
}

#[tokio::test]
async fn parties_see_only_the_events_of_their_orders() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    let others = other_parties(&app).await;
    let mine = complete_order(&app, &fixture, "offramp").await;
    let theirs = app.new_order(&others, "onramp").await;
    let theirs = theirs["id"].as_str().unwrap();

    // The partner sees every event of the orders routed to it, and only those.
    let page = app.get_page("/v1/events", &fixture.partner.key).await;
    assert_eq!(page["data"].as_array().unwrap().len(), 4);
    assert!(page["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["order_id"] == mine.as_str()));
    let page = app.get_page("/v1/events", &others.partner.key).await;
    assert_eq!(types(&page), ["order.created"]);
    assert_eq!(page["data"][0]["order_id"], theirs);

    // Each wallet its own.
    let page = app.get_page("/v1/events", &others.wallet.key).await;
    assert_eq!(types(&page), ["order.created"]);
    let stranger = app.create_wallet("Stranger").await;
    let page = app.get_page("/v1/events", &stranger.key).await;
    assert_eq!(page["data"], json!([]));
    // Filtering by another party's order shows nothing either.
    let page = app
        .get_page(&format!("/v1/events?order_id={mine}"), &others.wallet.key)
        .await;
    assert_eq!(page["data"], json!([]));

    // One event: its parties may read it, nobody else.
    let event = event_of(&app, &fixture.wallet.key, &mine, "order.accepted").await;
    let id = event["id"].as_str().unwrap();
    for key in [&fixture.wallet.key, &fixture.partner.key] {
        let response = app.get(&format!("/v1/events/{id}"), key).await;
        assert_eq!(response.status(), StatusCode::OK);
        let read: Value = response.json().await.unwrap();
        assert_eq!(read["id"], id);
        assert_eq!(read["type"], "order.accepted");
        assert_eq!(read["order_version"], 2);
        assert_eq!(read["payload"], event["payload"]);
        assert_eq!(read["deliveries"], json!([]));
    }
    for key in [&others.wallet.key, &others.partner.key, &stranger.key] {
        let response = app.get(&format!("/v1/events/{id}"), key).await;
        assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
        let response = app
            .post(&format!("/v1/events/{id}/redeliver"), key, &json!({}))
            .await;
        assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    }
    for path in [
        format!("/v1/events/{}", uuid::Uuid::now_v7()),
        "/v1/events/not-an-id".to_owned(),
    ] {
        let response = app.get(&path, &fixture.wallet.key).await;
        assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    }

    // The operator has no events.
    let response = app.get("/v1/events", ADMIN_TOKEN).await;
    assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    let response = app.get(&format!("/v1/events/{id}"), ADMIN_TOKEN).await;
    assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    let response = app
        .post(
            &format!("/v1/events/{id}/redeliver"),
            ADMIN_TOKEN,
            &json!({}),
        )
        .await;
    assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;
}

#[tokio::test]
async fn deliveries_are_summed_up_shown_and_redelivered() {
    let app = app_with_silent_receivers().await;
    let fixture = app.fixture().await;
    let (_receiver, url) = silent_receiver();
    let wallet = &fixture.wallet.key;
    let partner = &fixture.partner.key;
    let every = app.register_endpoint(wallet, &url, None).await.endpoint.id;
    let completions = app
        .register_endpoint(wallet, &url, Some(json!(["order.completed"])))
        .await
        .endpoint
        .id;
    let doomed = app.register_endpoint(wallet, &url, None).await.endpoint.id;
    let partners = app.register_endpoint(partner, &url, None).await.endpoint.id;
    let order_id = complete_order(&app, &fixture, "offramp").await;

    // Every event has pending deliveries for the wallet.
    let page = app.get_page("/v1/events", wallet).await;
    assert_eq!(page["data"].as_array().unwrap().len(), 4);
    assert!(page["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["delivery"] == "pending"));
    let pending = app.get_page("/v1/events?delivery=pending", wallet).await;
    assert_eq!(ids(&pending), ids(&page));

    // One event, with the caller's deliveries only, by endpoint.
    let created = event_of(&app, wallet, &order_id, "order.created").await;
    let created_id = created["id"].as_str().unwrap();
    let read: Value = app
        .get(&format!("/v1/events/{created_id}"), wallet)
        .await
        .json()
        .await
        .unwrap();
    let endpoints: Vec<&str> = read["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["endpoint_id"].as_str().unwrap())
        .collect();
    let mut expected = vec![every.as_str(), doomed.as_str()];
    expected.sort();
    assert_eq!(endpoints, expected, "{read}");
    for delivery in read["deliveries"].as_array().unwrap() {
        assert_eq!(delivery["state"], "pending");
        assert_eq!(delivery["attempts"], 0);
        assert!(delivery["next_attempt_at"].is_string());
        assert_eq!(delivery["attempts_log"], json!([]));
    }
    let read: Value = app
        .get(&format!("/v1/events/{created_id}"), partner)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(read["deliveries"].as_array().unwrap().len(), 1);
    assert_eq!(read["deliveries"][0]["endpoint_id"], partners.as_str());

    // Deleting an endpoint fails its pending deliveries; the others keep the events pending.
    let response = app
        .delete(&format!("/v1/webhook-endpoints/{doomed}"), wallet)
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let read: Value = app
        .get(&format!("/v1/events/{created_id}"), wallet)
        .await
        .json()
        .await
        .unwrap();
    let gone = read["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["endpoint_id"] == doomed.as_str())
        .unwrap();
    assert_eq!(gone["state"], "failed");
    assert_eq!(gone["last_error"], "endpoint deleted");
    assert_eq!(gone["next_attempt_at"], Value::Null);
    assert_eq!(read["delivery"], "pending");

    // Redelivery: to the live endpoints that want the type.
    let response = app
        .post(
            &format!("/v1/events/{created_id}/redeliver"),
            wallet,
            &json!({}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, json!({ "event_id": created_id, "deliveries": 1 }));
    let completed = event_of(&app, wallet, &order_id, "order.completed").await;
    let completed_id = completed["id"].as_str().unwrap();
    let response = app
        .post(
            &format!("/v1/events/{completed_id}/redeliver"),
            wallet,
            &json!({}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["deliveries"], 2);
    let response = app
        .post(
            &format!("/v1/events/{created_id}/redeliver"),
            partner,
            &json!({}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["deliveries"], 1);
    // Without a body too.
    let response = app
        .request(
            reqwest::Method::POST,
            &format!("/v1/events/{created_id}/redeliver"),
            Some(wallet),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);

    let read: Value = app
        .get(&format!("/v1/events/{completed_id}"), wallet)
        .await
        .json()
        .await
        .unwrap();
    let live: Vec<&Value> = read["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["endpoint_id"] != doomed.as_str())
        .collect();
    assert_eq!(live.len(), 2);
    assert!(live
        .iter()
        .any(|d| d["endpoint_id"] == completions.as_str()));
    for delivery in live {
        assert_eq!(delivery["state"], "pending");
        assert_eq!(delivery["attempts"], 0);
    }

    // The summary and its filter over every state, set straight in the database; then a
    // redelivery starts a settled delivery over.
    let accepted = event_of(&app, wallet, &order_id, "order.accepted").await;
    let accepted_id = accepted["id"].as_str().unwrap();
    let funds = event_of(&app, wallet, &order_id, "order.funds_received").await;
    let funds_id = funds["id"].as_str().unwrap();
    let mut db = app.db().await;
    db.execute(
        "UPDATE webhook_deliveries SET state = 'delivered' WHERE event_id = $1",
        &[accepted_id],
    )
    .await;
    db.execute(
        "UPDATE webhook_deliveries SET state = 'failed', attempts = 8, last_status = 500,
             leased_until = 99999999999999
         WHERE event_id = $1",
        &[funds_id],
    )
    .await;
    let delivered = app.get_page("/v1/events?delivery=delivered", wallet).await;
    assert_eq!(ids(&delivered), [accepted_id]);
    assert_eq!(delivered["data"][0]["delivery"], "delivered");
    let failed = app.get_page("/v1/events?delivery=failed", wallet).await;
    assert_eq!(ids(&failed), [funds_id]);
    let pending = app.get_page("/v1/events?delivery=pending", wallet).await;
    assert_eq!(ids(&pending), [completed_id, created_id]);
    let filtered = app
        .get_page(
            &format!("/v1/events?delivery=failed&order_id={order_id}&type=order.funds_received"),
            wallet,
        )
        .await;
    assert_eq!(ids(&filtered), [funds_id]);

    let before = chrono::Utc::now().timestamp_millis();
    let response = app
        .post(
            &format!("/v1/events/{funds_id}/redeliver"),
            wallet,
            &json!({}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let rows = deliveries(&mut db, funds_id).await;
    let live: Vec<&DeliveryRow> = rows.iter().filter(|r| r.endpoint_id == every).collect();
    assert_eq!(live.len(), 1);
    let row = live[0];
    assert_eq!(row.state, "pending");
    assert_eq!(row.attempts, 0);
    assert!(row.next_attempt_at >= before - 5 && row.next_attempt_at <= before + 60_000);
    // The engine may claim it again at once; it holds no stale lease from before.
    assert!(row.leased_until.is_none_or(|until| until < 99999999999999));
    assert!(row.updated_at >= before - 5);
    // The deleted endpoint's delivery stays failed.
    let dead = rows.iter().find(|r| r.endpoint_id == doomed).unwrap();
    assert_eq!(dead.state, "failed");
    // The summary follows: one live delivery pending again.
    let read: Value = app
        .get(&format!("/v1/events/{funds_id}"), wallet)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(read["delivery"], "pending");
    db.close().await;
}

#[derive(Debug)]
struct DeliveryRow {
    endpoint_id: String,
    state: String,
    attempts: i64,
    next_attempt_at: i64,
    leased_until: Option<i64>,
    updated_at: i64,
}

/// The event's deliveries, as stored.
async fn deliveries(db: &mut Db, event_id: &str) -> Vec<DeliveryRow> {
    use sqlx::Row;
    let rows = db
        .rows(
            "SELECT endpoint_id, state, attempts, next_attempt_at, leased_until, updated_at
             FROM webhook_deliveries WHERE event_id = $1",
            &[event_id],
        )
        .await;
    rows.iter()
        .map(|row| DeliveryRow {
            endpoint_id: row.get("endpoint_id"),
            state: row.get("state"),
            attempts: row.get("attempts"),
            next_attempt_at: row.get("next_attempt_at"),
            leased_until: row.get("leased_until"),
            updated_at: row.get("updated_at"),
        })
        .collect()
}
