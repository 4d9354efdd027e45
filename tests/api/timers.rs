//! The server's own deadlines (API.md § Lifecycle, timer rows), in process with short
//! configured durations: the acceptance timeout, the deposit reminder and the deposit expiry;
//! late funds after an expiry; and timers that must stay quiet once the order moved on.
//!
//! Nothing here assumes a machine speed: every wait polls with a generous limit, and "this
//! did not happen" is only concluded after a later deadline of the same order (or of an order
//! created later) has visibly fired, so a slow machine can make a test slower, not wrong.
//! Where a command must beat a deadline, the deadline is seconds away.

use std::time::Duration;

use chrono::DateTime;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{accept_body, assert_error, expected_funds, spawn_app_with, Fixture, TestApp};

/// How long a poll may wait for something the server should do within a second or two.
const LIMIT: Duration = Duration::from_secs(10);

fn millis(value: &Value) -> i64 {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("not a timestamp: {value}"));
    DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("{text} is not RFC 3339: {e}"))
        .timestamp_millis()
}

fn statuses(order: &Value) -> Vec<String> {
    order["history"]
        .as_array()
        .expect("a history")
        .iter()
        .map(|entry| entry["status"].as_str().unwrap().to_owned())
        .collect()
}

/// When the order entered `status` (its one history entry for it).
fn entered(order: &Value, status: &str) -> i64 {
    let entries: Vec<_> = order["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["status"] == status)
        .collect();
    assert_eq!(entries.len(), 1, "one {status} entry expected: {order}");
    millis(&entries[0]["at"])
}

async fn event_types(app: &TestApp, order_id: &str) -> Vec<(i64, String)> {
    app.stored_events(order_id)
        .await
        .into_iter()
        .map(|event| (event.version, event.event_type))
        .collect()
}

fn numbered(types: &[&str]) -> Vec<(i64, String)> {
    types
        .iter()
        .enumerate()
        .map(|(i, t)| (i as i64 + 1, (*t).to_owned()))
        .collect()
}

/// Polls until the order's version reaches `version`.
async fn wait_for_version(app: &TestApp, key: &str, order_id: &str, version: u64) -> Value {
    let deadline = tokio::time::Instant::now() + LIMIT;
    loop {
        let order = app.get_order(key, order_id).await;
        if order["version"].as_u64().unwrap() >= version {
            return order;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "order {order_id} is still at version {} after {LIMIT:?}, expected {version}: {order}",
            order["version"]
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Accepts with the default accept body plus `extra` fields; expects 200 and returns the order.
async fn accept(
    app: &TestApp,
    fixture: &Fixture,
    order_id: &str,
    direction: &str,
    extra: Value,
) -> Value {
    let mut body = accept_body(direction);
    for (field, value) in extra.as_object().unwrap() {
        body[field] = value.clone();
    }
    let response = app
        .command(&fixture.partner.key, order_id, "accept", &body)
        .await;
    assert_eq!(response.status(), StatusCode::OK, "accept {body}");
    let order: Value = response.json().await.unwrap();
    assert_eq!(order["status"], "accepted");
    assert_eq!(order["version"], 2);
    order
}

async fn ok(response: reqwest::Response) -> Value {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

#[tokio::test]
async fn an_order_nobody_accepts_expires_with_partner_timeout() {
    let app = spawn_app_with(|s| s.accept_timeout = Duration::from_millis(300)).await;
    let fixture = app.fixture().await;
    for direction in ["offramp", "onramp"] {
        let order = app.new_order(&fixture, direction).await;
        let id = order["id"].as_str().unwrap();
        let created_at = millis(&order["created_at"]);

        let expired = app
            .wait_for_status(&fixture.wallet.key, id, "expired", LIMIT)
            .await;
        assert_eq!(expired["failure"]["code"], "partner_timeout", "{expired}");
        assert!(expired["failure"]["reason"].is_string(), "{expired}");
        assert_eq!(expired["version"], 2);
        assert_eq!(statuses(&expired), ["created", "expired"]);
        assert!(
            entered(&expired, "expired") >= created_at + 300,
            "expired before its deadline: {expired}"
        );
        assert_eq!(expired["updated_at"], expired["history"][1]["at"]);
        assert!(expired["deposit"].is_null());

        // The partner sees it too, and can no longer act on it.
        let seen = app.get_order(&fixture.partner.key, id).await;
        assert_eq!(seen["status"], "expired");
        let late = app
            .command(&fixture.partner.key, id, "accept", &accept_body(direction))
            .await;
        let error = assert_error(late, StatusCode::CONFLICT, "invalid_transition").await;
        assert_eq!(error["error"]["details"]["status"], "expired");
        let late = app
            .command(
                &fixture.partner.key,
                id,
                "reject",
                &json!({ "reason": "late" }),
            )
            .await;
        assert_error(late, StatusCode::CONFLICT, "invalid_transition").await;

        let events = app.stored_events(id).await;
        let types: Vec<_> = events
            .iter()
            .map(|e| (e.version, e.event_type.clone()))
            .collect();
        assert_eq!(types, numbered(&["order.created", "order.expired"]));
        let payload = &events[1].payload;
        assert_eq!(payload["type"], "order.expired");
        assert_eq!(payload["data"]["status"], "expired");
        assert_eq!(payload["data"]["version"], 2);
        assert_eq!(payload["data"]["failure"]["code"], "partner_timeout");
    }
}

#[tokio::test]
async fn the_deposit_reminder_bumps_the_version_and_keeps_the_status() {
    // Reminder half a second after acceptance; the expiry is far away.
    let app = spawn_app_with(|s| {
        s.deposit_window = Duration::from_secs(30);
        s.deposit_reminder = Duration::from_millis(29_500);
    })
    .await;
    let fixture = app.fixture().await;
    let order = app.new_order(&fixture, "offramp").await;
    let id = order["id"].as_str().unwrap();
    let accepted = accept(&app, &fixture, id, "offramp", json!({})).await;
    let accepted_at = millis(&accepted["updated_at"]);
    let expires_at = millis(&accepted["deposit"]["expires_at"]);
    let remind_at = millis(&accepted["deposit"]["remind_at"]);
    assert_eq!(expires_at, accepted_at + 30_000, "{accepted}");
    assert_eq!(remind_at, expires_at - 29_500, "{accepted}");

    let reminded = wait_for_version(&app, &fixture.wallet.key, id, 3).await;
    assert_eq!(reminded["version"], 3, "{reminded}");
    assert_eq!(reminded["status"], "accepted");
    assert_eq!(
        statuses(&reminded),
        ["created", "accepted"],
        "no transition"
    );
    assert_eq!(reminded["deposit"], accepted["deposit"]);
    assert!(reminded["failure"].is_null());
    assert!(millis(&reminded["updated_at"]) >= remind_at, "{reminded}");

    let events = app.stored_events(id).await;
    let types: Vec<_> = events
        .iter()
        .map(|e| (e.version, e.event_type.clone()))
        .collect();
    assert_eq!(
        types,
        numbered(&["order.created", "order.accepted", "order.deposit_reminder"])
    );
    let reminder = &events[2];
    assert!(reminder.created_at >= remind_at, "reminded early");
    assert_eq!(reminder.payload["type"], "order.deposit_reminder");
    assert_eq!(reminder.payload["data"]["status"], "accepted");
    assert_eq!(reminder.payload["data"]["version"], 3);

    // The order carries on from the new version.
    let sent = ok(app
        .command(&fixture.wallet.key, id, "funds-sent", &json!({}))
        .await)
    .await;
    assert_eq!(sent["status"], "funds_sent");
    assert_eq!(sent["version"], 4);
}

#[tokio::test]
async fn the_reminder_fires_once_and_then_the_deposit_expires() {
    let app = spawn_app_with(|_| {}).await;
    let fixture = app.fixture().await;
    let order = app.new_order(&fixture, "onramp").await;
    let id = order["id"].as_str().unwrap();
    let accepted = accept(
        &app,
        &fixture,
        id,
        "onramp",
        json!({ "deposit_window_secs": 2, "remind_before_secs": 1 }),
    )
    .await;
    let accepted_at = millis(&accepted["updated_at"]);
    let expires_at = millis(&accepted["deposit"]["expires_at"]);
    assert_eq!(expires_at, accepted_at + 2_000);
    assert_eq!(
        millis(&accepted["deposit"]["remind_at"]),
        expires_at - 1_000
    );

    let expired = app
        .wait_for_status(&fixture.wallet.key, id, "expired", LIMIT)
        .await;
    assert_eq!(expired["failure"]["code"], "deposit_expired", "{expired}");
    assert_eq!(
        expired["version"], 4,
        "created, accepted, reminder, expired"
    );
    assert_eq!(statuses(&expired), ["created", "accepted", "expired"]);
    assert!(entered(&expired, "expired") >= expires_at, "expired early");

    assert_eq!(
        event_types(&app, id).await,
        numbered(&[
            "order.created",
            "order.accepted",
            "order.deposit_reminder",
            "order.expired"
        ])
    );
}

#[tokio::test]
async fn an_accepted_order_expires_when_the_deposit_window_closes() {
    let app = spawn_app_with(|_| {}).await;
    let fixture = app.fixture().await;
    let order = app.new_order(&fixture, "offramp").await;
    let id = order["id"].as_str().unwrap();
    let accepted = accept(
        &app,
        &fixture,
        id,
        "offramp",
        json!({ "deposit_window_secs": 1, "remind_before_secs": 0 }),
    )
    .await;
    assert!(accepted["deposit"]["remind_at"].is_null(), "{accepted}");
    let expires_at = millis(&accepted["deposit"]["expires_at"]);
    assert_eq!(expires_at, millis(&accepted["updated_at"]) + 1_000);

    let expired = app
        .wait_for_status(&fixture.partner.key, id, "expired", LIMIT)
        .await;
    assert_eq!(expired["failure"]["code"], "deposit_expired", "{expired}");
    assert!(expired["failure"]["reason"].is_string());
    assert_eq!(expired["version"], 3);
    assert_eq!(statuses(&expired), ["created", "accepted", "expired"]);
    assert!(entered(&expired, "expired") >= expires_at, "expired early");
    // The deposit instructions stay on the record.
    assert_eq!(expired["deposit"], accepted["deposit"]);

    // Nothing a wallet can do brings it back to life.
    let sent = app
        .command(&fixture.wallet.key, id, "funds-sent", &json!({}))
        .await;
    assert_error(sent, StatusCode::CONFLICT, "invalid_transition").await;
    let cancel = app
        .command(&fixture.wallet.key, id, "cancel", &json!({}))
        .await;
    assert_error(cancel, StatusCode::CONFLICT, "invalid_transition").await;

    assert_eq!(
        event_types(&app, id).await,
        numbered(&["order.created", "order.accepted", "order.expired"])
    );
}

#[tokio::test]
async fn an_order_whose_funds_were_sent_but_never_arrived_expires() {
    let app = spawn_app_with(|_| {}).await;
    let fixture = app.fixture().await;
    let order = app.new_order(&fixture, "onramp").await;
    let id = order["id"].as_str().unwrap();
    // Three seconds for one funds-sent request to land before the window closes.
    let accepted = accept(
        &app,
        &fixture,
        id,
        "onramp",
        json!({ "deposit_window_secs": 3, "remind_before_secs": 0 }),
    )
    .await;
    let expires_at = millis(&accepted["deposit"]["expires_at"]);
    let sent = ok(app
        .command(
            &fixture.wallet.key,
            id,
            "funds-sent",
            &json!({ "reference": "tx-1" }),
        )
        .await)
    .await;
    assert_eq!(sent["status"], "funds_sent");
    assert_eq!(sent["version"], 3);
    assert_eq!(
        sent["deposit"]["expires_at"], accepted["deposit"]["expires_at"],
        "funds-sent keeps the deadline"
    );

    let expired = app
        .wait_for_status(&fixture.wallet.key, id, "expired", LIMIT)
        .await;
    assert_eq!(expired["failure"]["code"], "deposit_expired", "{expired}");
    assert_eq!(expired["version"], 4);
    assert_eq!(
        statuses(&expired),
        ["created", "accepted", "funds_sent", "expired"]
    );
    assert!(entered(&expired, "expired") >= expires_at, "expired early");
    assert_eq!(expired["funds"]["reference"], "tx-1", "{expired}");
    assert_eq!(
        event_types(&app, id).await,
        numbered(&[
            "order.created",
            "order.accepted",
            "order.funds_sent",
            "order.expired"
        ])
    );
}

/// Accepts with a one-second window and no reminder, and waits for the expiry.
async fn expired_order(app: &TestApp, fixture: &Fixture, direction: &str) -> String {
    let order = app.new_order(fixture, direction).await;
    let id = order["id"].as_str().unwrap().to_owned();
    accept(
        app,
        fixture,
        &id,
        direction,
        json!({ "deposit_window_secs": 1, "remind_before_secs": 0 }),
    )
    .await;
    let expired = app
        .wait_for_status(&fixture.partner.key, &id, "expired", LIMIT)
        .await;
    assert_eq!(expired["failure"]["code"], "deposit_expired");
    assert_eq!(expired["version"], 3);
    // Give a short `passivate_after` time to send the settled actor away (if it has not, the
    // late funds simply reach it in memory).
    tokio::time::sleep(Duration::from_millis(200)).await;
    id
}

#[tokio::test]
async fn late_funds_after_an_expiry_are_taken_and_the_order_completes() {
    // Expired orders settle and their actors leave memory quickly: the late funds then also
    // exercise activating an expired order from the store.
    let app = spawn_app_with(|s| s.actors.passivate_after = Duration::from_millis(50)).await;
    let fixture = app.fixture().await;
    for direction in ["offramp", "onramp"] {
        let id = expired_order(&app, &fixture, direction).await;
        let received = ok(app
            .command(
                &fixture.partner.key,
                &id,
                "funds-received",
                &json!({ "amount": expected_funds(direction), "reference": "late-1" }),
            )
            .await)
        .await;
        assert_eq!(received["status"], "funds_received", "{received}");
        assert_eq!(received["version"], 4);
        assert!(received["failure"].is_null(), "{received}");
        assert_eq!(received["funds"]["reference"], "late-1");

        let completed = ok(app
            .command(
                &fixture.partner.key,
                &id,
                "complete",
                &json!({ "transaction_id": "tx-late" }),
            )
            .await)
        .await;
        assert_eq!(completed["status"], "completed");
        assert_eq!(completed["version"], 5);
        assert_eq!(completed["transaction_id"], "tx-late");

        let order = app.get_order(&fixture.wallet.key, &id).await;
        assert_eq!(order["status"], "completed");
        assert_eq!(order["version"], 5);
        assert_eq!(
            statuses(&order),
            [
                "created",
                "accepted",
                "expired",
                "funds_received",
                "completed"
            ]
        );
        assert_eq!(
            event_types(&app, &id).await,
            numbered(&[
                "order.created",
                "order.accepted",
                "order.expired",
                "order.funds_received",
                "order.completed"
            ])
        );
    }
}

#[tokio::test]
async fn late_funds_of_another_amount_make_the_order_inconsistent_and_it_is_refunded() {
    let app = spawn_app_with(|s| s.actors.passivate_after = Duration::from_millis(50)).await;
    let fixture = app.fixture().await;
    let id = expired_order(&app, &fixture, "offramp").await;
    let received = ok(app
        .command(
            &fixture.partner.key,
            &id,
            "funds-received",
            &json!({ "amount": "9.50" }),
        )
        .await)
    .await;
    assert_eq!(received["status"], "inconsistent", "{received}");
    assert_eq!(received["version"], 4);
    assert_eq!(received["funds"]["amount"], "9.50");

    let refunded = ok(app
        .command(
            &fixture.partner.key,
            &id,
            "refund",
            &json!({ "amount": "9.50", "transaction_id": "refund-tx-1" }),
        )
        .await)
    .await;
    assert_eq!(refunded["status"], "refunded", "{refunded}");
    assert_eq!(refunded["version"], 5);
    assert_eq!(refunded["refund"]["amount"], "9.50");
    assert_eq!(refunded["refund"]["transaction_id"], "refund-tx-1");
    // Off-ramp: the refund goes back to the user's own address by default.
    assert_eq!(refunded["refund"]["address"], "F2etcaJ1userWallet");
    assert_eq!(
        statuses(&refunded),
        ["created", "accepted", "expired", "inconsistent", "refunded"]
    );
    assert_eq!(
        event_types(&app, &id).await,
        numbered(&[
            "order.created",
            "order.accepted",
            "order.expired",
            "order.inconsistent",
            "order.refunded"
        ])
    );
}

#[tokio::test]
async fn no_timer_fires_once_the_order_moved_on() {
    // Acceptance deadline three seconds after creation (time enough for the accept to land
    // first); by default the reminder comes four seconds after acceptance, the expiry later.
    let app = spawn_app_with(|s| {
        s.accept_timeout = Duration::from_secs(3);
        s.deposit_window = Duration::from_secs(30);
        s.deposit_reminder = Duration::from_secs(26);
    })
    .await;
    let fixture = app.fixture().await;
    let (wallet, partner) = (&fixture.wallet.key, &fixture.partner.key);

    // Accepted before the acceptance deadline; rejected; cancelled.
    let accepted = app.new_order(&fixture, "offramp").await;
    let accepted_id = accepted["id"].as_str().unwrap();
    let accepted_at = accept(&app, &fixture, accepted_id, "offramp", json!({})).await;
    let rejected = app.new_order(&fixture, "offramp").await;
    let rejected_id = rejected["id"].as_str().unwrap();
    ok(app
        .command(partner, rejected_id, "reject", &json!({ "reason": "no" }))
        .await)
    .await;
    let cancelled = app.new_order(&fixture, "onramp").await;
    let cancelled_id = cancelled["id"].as_str().unwrap();
    ok(app
        .command(wallet, cancelled_id, "cancel", &json!({}))
        .await)
    .await;
    // Funds sent before the reminder (three seconds away): then neither reminder nor anything
    // but the expiry may follow.
    let sent = app.new_order(&fixture, "onramp").await;
    let sent_id = sent["id"].as_str().unwrap();
    accept(
        &app,
        &fixture,
        sent_id,
        "onramp",
        json!({ "deposit_window_secs": 6, "remind_before_secs": 3 }),
    )
    .await;
    let funds_sent = ok(app.command(wallet, sent_id, "funds-sent", &json!({})).await).await;
    assert_eq!(
        funds_sent["version"], 3,
        "funds-sent came after the reminder"
    );
    // Untouched, created after the others: its acceptance deadline is the latest of all.
    let witness = app.new_order(&fixture, "offramp").await;
    let witness_id = witness["id"].as_str().unwrap();

    // The witness expiring means every earlier acceptance deadline has passed.
    let expired = app
        .wait_for_status(wallet, witness_id, "expired", LIMIT)
        .await;
    assert_eq!(expired["failure"]["code"], "partner_timeout");
    // The reminder of the accepted order comes after its old acceptance deadline too.
    let reminded = wait_for_version(&app, wallet, accepted_id, 3).await;
    // The expiry of the funds-sent order comes after its reminder's deadline.
    let sent_expired = app.wait_for_status(wallet, sent_id, "expired", LIMIT).await;

    assert!(
        millis(&reminded["updated_at"]) > millis(&accepted["created_at"]) + 3_000,
        "the reminder is a barrier past the acceptance deadline"
    );
    assert_eq!(reminded["status"], "accepted", "{reminded}");
    assert_eq!(reminded["version"], 3);
    assert!(reminded["failure"].is_null());
    assert_eq!(statuses(&reminded), ["created", "accepted"]);
    assert_eq!(reminded["deposit"], accepted_at["deposit"]);
    assert_eq!(
        event_types(&app, accepted_id).await,
        numbered(&["order.created", "order.accepted", "order.deposit_reminder"])
    );

    for (id, status) in [(rejected_id, "rejected"), (cancelled_id, "cancelled")] {
        let order = app.get_order(wallet, id).await;
        assert_eq!(order["status"], status, "{order}");
        assert_eq!(order["version"], 2, "{order}");
        assert_eq!(statuses(&order), ["created", status]);
        assert_eq!(
            event_types(&app, id).await,
            numbered(&["order.created", &format!("order.{status}")])
        );
    }
    let order = app.get_order(wallet, rejected_id).await;
    assert_eq!(order["failure"]["code"], "rejected", "{order}");

    assert_eq!(sent_expired["failure"]["code"], "deposit_expired");
    assert_eq!(
        sent_expired["version"], 4,
        "no reminder once funds were sent"
    );
    assert_eq!(
        event_types(&app, sent_id).await,
        numbered(&[
            "order.created",
            "order.accepted",
            "order.funds_sent",
            "order.expired"
        ])
    );
}

#[tokio::test]
async fn the_default_reminder_is_skipped_when_the_window_is_shorter() {
    // The contract's defaults: a 30-minute window, the reminder 10 minutes before it closes.
    let app = spawn_app_with(|_| {}).await;
    let fixture = app.fixture().await;

    let mut cases = Vec::new();
    for (window, remind_before) in [
        (None, Some(600_000)),
        (Some(601), Some(600_000)),
        (Some(600), None),
        (Some(300), None),
    ] {
        let order = app.new_order(&fixture, "offramp").await;
        let id = order["id"].as_str().unwrap().to_owned();
        let extra = match window {
            Some(secs) => json!({ "deposit_window_secs": secs }),
            None => json!({}),
        };
        let accepted = accept(&app, &fixture, &id, "offramp", extra).await;
        let window_ms = window.map_or(1_800_000, |secs| secs * 1_000);
        let expires_at = millis(&accepted["deposit"]["expires_at"]);
        assert_eq!(
            expires_at,
            millis(&accepted["updated_at"]) + window_ms,
            "{window:?}"
        );
        match remind_before {
            Some(before) => assert_eq!(
                millis(&accepted["deposit"]["remind_at"]),
                expires_at - before,
                "{window:?}: {accepted}"
            ),
            None => assert!(
                accepted["deposit"]["remind_at"].is_null(),
                "{window:?}: {accepted}"
            ),
        }
        // Reading it back gives the same deadlines.
        let read = app.get_order(&fixture.wallet.key, &id).await;
        assert_eq!(read["deposit"], accepted["deposit"]);
        cases.push(id);
    }

    // An explicit reminder must fit in the window.
    let order = app.new_order(&fixture, "offramp").await;
    let id = order["id"].as_str().unwrap();
    let mut body = accept_body("offramp");
    body["deposit_window_secs"] = json!(300);
    body["remind_before_secs"] = json!(300);
    let refused = app.command(&fixture.partner.key, id, "accept", &body).await;
    let error = assert_error(
        refused,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(error["error"]["details"]["field"], "remind_before_secs");
    assert_eq!(app.get_order(&fixture.wallet.key, id).await["version"], 1);

    // A one-second window under the ten-minute default reminder: the order expires, and no
    // reminder is ever sent.
    let accepted = accept(
        &app,
        &fixture,
        id,
        "offramp",
        json!({ "deposit_window_secs": 1 }),
    )
    .await;
    assert!(accepted["deposit"]["remind_at"].is_null(), "{accepted}");
    let expired = app
        .wait_for_status(&fixture.wallet.key, id, "expired", LIMIT)
        .await;
    assert_eq!(expired["version"], 3, "{expired}");
    assert_eq!(
        event_types(&app, id).await,
        numbered(&["order.created", "order.accepted", "order.expired"])
    );
}

#[tokio::test]
async fn a_configured_window_shorter_than_the_reminder_has_no_reminder() {
    let app = spawn_app_with(|s| {
        s.deposit_window = Duration::from_secs(300);
        s.deposit_reminder = Duration::from_secs(600);
    })
    .await;
    let fixture = app.fixture().await;
    let order = app.new_order(&fixture, "onramp").await;
    let id = order["id"].as_str().unwrap();
    let accepted = accept(&app, &fixture, id, "onramp", json!({})).await;
    assert!(accepted["deposit"]["remind_at"].is_null(), "{accepted}");
    assert_eq!(
        millis(&accepted["deposit"]["expires_at"]),
        millis(&accepted["updated_at"]) + 300_000
    );
    // An explicit reminder inside that window is still honoured.
    let order = app.new_order(&fixture, "onramp").await;
    let id = order["id"].as_str().unwrap();
    let accepted = accept(
        &app,
        &fixture,
        id,
        "onramp",
        json!({ "remind_before_secs": 60 }),
    )
    .await;
    assert_eq!(
        millis(&accepted["deposit"]["remind_at"]),
        millis(&accepted["deposit"]["expires_at"]) - 60_000
    );
}
