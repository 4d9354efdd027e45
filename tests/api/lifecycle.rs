//! Every path of API.md § Lifecycle, in both directions: what each command sets, how `version`
//! and `history` move, which commands each status refuses (409 `invalid_transition`, nothing
//! changed) and safe retries (the same command again is 200 with the order as it is).
//!
//! The timer rows (acceptance timeout, reminder, deposit expiry, late funds on `expired`) are
//! covered in `timers.rs`.

use chrono::{DateTime, Utc};
use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{accept_body, assert_error, expected_funds, spawn_app, Fixture, TestApp};

pub(crate) const DIRECTIONS: [&str; 2] = ["onramp", "offramp"];

/// Every status a command can bring an order to (`expired` needs a timer).
const REACHABLE: [&str; 10] = [
    "created",
    "accepted",
    "funds_sent",
    "funds_received",
    "inconsistent",
    "completed",
    "rejected",
    "cancelled",
    "failed",
    "refunded",
];

/// The commands of the lifecycle table, by path segment.
const COMMANDS: [&str; 8] = [
    "accept",
    "reject",
    "cancel",
    "funds-sent",
    "funds-received",
    "complete",
    "fail",
    "refund",
];

/// API.md's "allowed from" column, without `expired` (not reachable by a command).
fn allowed_from(command: &str) -> &'static [&'static str] {
    match command {
        "accept" | "reject" => &["created"],
        "cancel" => &["created", "accepted"],
        "funds-sent" => &["accepted"],
        "funds-received" => &["accepted", "funds_sent"],
        "complete" => &["funds_received", "inconsistent"],
        "fail" => &["accepted", "funds_sent", "funds_received", "inconsistent"],
        "refund" => &["failed", "inconsistent"],
        other => panic!("unknown command {other}"),
    }
}

/// The key allowed to issue `command` (API.md's "who" column).
pub(crate) fn key_for<'a>(fixture: &'a Fixture, command: &str) -> &'a str {
    match command {
        "cancel" | "funds-sent" => &fixture.wallet.key,
        _ => &fixture.partner.key,
    }
}

/// An amount that differs from the expected one.
pub(crate) fn other_funds(direction: &str) -> &'static str {
    if direction == "offramp" {
        "9.5"
    } else {
        "14000.00"
    }
}

/// The commands (and bodies) that bring a new order to `status`.
pub(crate) fn steps_to(status: &str, direction: &str) -> Vec<(&'static str, Value)> {
    let accept = ("accept", accept_body(direction));
    let sent = ("funds-sent", json!({ "reference": "tx-1" }));
    let received = (
        "funds-received",
        json!({ "amount": expected_funds(direction) }),
    );
    let fail = (
        "fail",
        json!({ "code": "aml_check_failed", "reason": "flagged by screening" }),
    );
    match status {
        "created" => vec![],
        "accepted" => vec![accept],
        "funds_sent" => vec![accept, sent],
        "funds_received" => vec![accept, sent, received],
        "inconsistent" => vec![
            accept,
            sent,
            (
                "funds-received",
                json!({ "amount": other_funds(direction) }),
            ),
        ],
        "completed" => vec![
            accept,
            sent,
            received,
            ("complete", json!({ "transaction_id": "payout-1" })),
        ],
        "rejected" => vec![("reject", json!({ "reason": "no liquidity" }))],
        "cancelled" => vec![("cancel", json!({}))],
        "failed" => vec![accept, fail],
        "refunded" => vec![
            accept,
            fail,
            (
                "refund",
                json!({ "amount": expected_funds(direction), "transaction_id": "refund-1" }),
            ),
        ],
        other => panic!("no command path to {other}"),
    }
}

/// A new order of the fixture, brought to `status` by commands; returns it as it is then.
pub(crate) async fn order_in(
    app: &TestApp,
    fixture: &Fixture,
    direction: &str,
    status: &str,
) -> Value {
    let order = app.new_order(fixture, direction).await;
    let id = order["id"].as_str().unwrap().to_owned();
    for (command, body) in steps_to(status, direction) {
        let response = app
            .command(key_for(fixture, command), &id, command, &body)
            .await;
        let code = response.status();
        let text = response.text().await.unwrap();
        assert_eq!(
            code,
            StatusCode::OK,
            "{command} on the way to {status}: {text}"
        );
    }
    let order = app.get_order(&fixture.wallet.key, &id).await;
    assert_eq!(order["status"], status, "{order}");
    order
}

/// The statuses of the order's history, in order.
pub(crate) fn statuses(order: &Value) -> Vec<String> {
    order["history"]
        .as_array()
        .expect("a history array")
        .iter()
        .map(|entry| entry["status"].as_str().unwrap().to_owned())
        .collect()
}

/// An RFC 3339 UTC timestamp with milliseconds: `2026-11-22T10:15:30.123Z`.
fn timestamp(value: &Value) -> DateTime<Utc> {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("{value} is not a timestamp"));
    assert_eq!(text.len(), 24, "{text} is not YYYY-MM-DDTHH:MM:SS.mmmZ");
    assert!(text.ends_with('Z') && &text[19..20] == ".", "{text}");
    DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("{text}: {e}"))
        .with_timezone(&Utc)
}

/// The invariants every order resource keeps: the history lists `expected`, one entry per
/// version, with ordered timestamps; the last entry is the status and the last update.
pub(crate) fn assert_history(order: &Value, expected: &[&str]) {
    assert_eq!(statuses(order), expected, "history of {order}");
    assert_eq!(
        order["version"],
        expected.len() as u64,
        "version of {order}"
    );
    assert_eq!(order["status"], *expected.last().unwrap());
    let history = order["history"].as_array().unwrap();
    let times: Vec<_> = history.iter().map(|e| timestamp(&e["at"])).collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "history out of order: {order}"
    );
    assert_eq!(timestamp(&order["created_at"]), times[0]);
    assert_eq!(timestamp(&order["updated_at"]), *times.last().unwrap());
}

/// Sends `command` (a JSON body, or no body at all for `None`), expects 200, and checks the
/// reply is the committed order as both parties then read it.
async fn step(
    app: &TestApp,
    fixture: &Fixture,
    id: &str,
    command: &str,
    body: Option<Value>,
) -> Value {
    let path = format!("/v1/orders/{id}/{command}");
    let response = app
        .request(
            Method::POST,
            &path,
            Some(key_for(fixture, command)),
            body.as_ref(),
        )
        .await;
    let order = ok(response, command).await;
    assert_eq!(order, app.get_order(&fixture.wallet.key, id).await);
    assert_eq!(order, app.get_order(&fixture.partner.key, id).await);
    order
}

async fn ok(response: Response, what: &str) -> Value {
    let status = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{what}: {text}");
    serde_json::from_str(&text).unwrap()
}

/// Seconds from `earlier` to `later`, both timestamps of the resource.
fn seconds_between(earlier: &Value, later: &Value) -> i64 {
    (timestamp(later) - timestamp(earlier)).num_milliseconds() / 1000
}

/// The accept of `accept_body(direction)` is reflected in the order.
fn assert_accepted(order: &Value, direction: &str) {
    assert_eq!(order["external_id"], "p-1");
    let deposit = &order["deposit"];
    if direction == "offramp" {
        assert_eq!(deposit["address"], "DepositAddr111");
        assert_eq!(deposit["tag"], Value::Null);
        assert_eq!(deposit["bank"], Value::Null);
    } else {
        assert_eq!(deposit["address"], Value::Null);
        assert_eq!(deposit["tag"], Value::Null);
        assert_eq!(
            deposit["bank"],
            json!({ "name": "GTBank", "account": "0123456789", "reference": "RF-1" })
        );
    }
    // Defaults from config: a 30 min window, a reminder 10 min before it closes.
    assert_eq!(
        seconds_between(&order["updated_at"], &deposit["expires_at"]),
        1800
    );
    assert_eq!(
        seconds_between(&deposit["remind_at"], &deposit["expires_at"]),
        600
    );
}

#[tokio::test]
async fn the_happy_path_in_both_directions() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    for direction in DIRECTIONS {
        let response = app
            .create_order(
                &fixture.wallet,
                &crate::helpers::order_body(direction, &fixture),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        let order: Value = response.json().await.unwrap();
        let id = order["id"].as_str().unwrap().to_owned();
        assert_eq!(location, format!("/v1/orders/{id}"));
        assert_history(&order, &["created"]);
        assert_eq!(order["direction"], direction);
        assert_eq!(order["wallet_id"], fixture.wallet.id.as_str());
        assert_eq!(order["partner_id"], fixture.partner.id.as_str());
        assert_eq!(order["user_ref"], "u-42");
        assert_eq!(order["external_ref"], "w-991");
        assert_eq!(
            order["crypto"],
            json!({ "asset": "USDC", "network": "solana", "amount": "10.00" })
        );
        assert_eq!(
            order["fiat"],
            json!({ "currency": "NGN", "amount": "15000.00" })
        );
        assert_eq!(order["user_wallet_address"], "F2etcaJ1userWallet");
        assert_eq!(order["payment_method"], "bank_transfer");
        assert_eq!(order["fees"], json!([]));
        for absent in [
            "external_id",
            "rate",
            "deposit",
            "funds",
            "transaction_id",
            "refund",
            "failure",
        ] {
            assert_eq!(order[absent], Value::Null, "{absent} of a new order");
        }
        assert_eq!(order, app.get_order(&fixture.partner.key, &id).await);

        let order = step(&app, &fixture, &id, "accept", Some(accept_body(direction))).await;
        assert_history(&order, &["created", "accepted"]);
        assert_accepted(&order, direction);

        let order = step(
            &app,
            &fixture,
            &id,
            "funds-sent",
            Some(json!({ "reference": "tx-1" })),
        )
        .await;
        assert_history(&order, &["created", "accepted", "funds_sent"]);
        assert_eq!(
            order["funds"],
            json!({ "amount": null, "reference": "tx-1" })
        );

        // The same value written differently ("10" for "10.00") is the expected amount.
        let amount = if direction == "offramp" {
            "10"
        } else {
            "15000"
        };
        let order = step(
            &app,
            &fixture,
            &id,
            "funds-received",
            Some(json!({ "amount": amount })),
        )
        .await;
        assert_history(
            &order,
            &["created", "accepted", "funds_sent", "funds_received"],
        );
        assert_eq!(
            order["funds"],
            json!({ "amount": amount, "reference": "tx-1" })
        );

        let order = step(
            &app,
            &fixture,
            &id,
            "complete",
            Some(json!({ "transaction_id": "chain-tx-9" })),
        )
        .await;
        assert_history(
            &order,
            &[
                "created",
                "accepted",
                "funds_sent",
                "funds_received",
                "completed",
            ],
        );
        assert_eq!(order["transaction_id"], "chain-tx-9");
        // Without crypto_amount / fiat_amount the amounts stay as ordered.
        assert_eq!(order["crypto"]["amount"], "10.00");
        assert_eq!(order["fiat"]["amount"], "15000.00");
        assert_accepted(&order_with_accept_time(&order), direction);
        assert_eq!(order["failure"], Value::Null);
        assert_eq!(order["refund"], Value::Null);
    }
}

/// The order with `updated_at` set back to the time it was accepted (for `assert_accepted`).
fn order_with_accept_time(order: &Value) -> Value {
    let mut order = order.clone();
    let accepted_at = order["history"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["status"] == "accepted")
        .unwrap()["at"]
        .clone();
    order["updated_at"] = accepted_at;
    order
}

#[tokio::test]
async fn accept_sets_rate_fees_tag_and_windows() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    for direction in DIRECTIONS {
        let order = app.new_order(&fixture, direction).await;
        let id = order["id"].as_str().unwrap();
        let deposit = if direction == "offramp" {
            json!({ "address": "rXrpDeposit1", "tag": { "type": "destination-tag", "value": "12345" } })
        } else {
            json!({ "bank": { "name": "Access Bank", "account": "9876543210" } })
        };
        let fees = json!([
            { "type": "partner", "amount": "150.00", "asset": "NGN" },
            { "type": "network", "amount": "0.01", "asset": "USDC" }
        ]);
        let body = json!({
            "external_id": "partner-order-77",
            "rate": "1500.25",
            "fees": fees,
            "deposit": deposit,
            "deposit_window_secs": 3600,
            "remind_before_secs": 900
        });
        let order = step(&app, &fixture, id, "accept", Some(body)).await;
        assert_history(&order, &["created", "accepted"]);
        assert_eq!(order["external_id"], "partner-order-77");
        assert_eq!(order["rate"], "1500.25");
        assert_eq!(order["fees"], fees);
        let got = &order["deposit"];
        if direction == "offramp" {
            assert_eq!(got["address"], "rXrpDeposit1");
            assert_eq!(
                got["tag"],
                json!({ "type": "destination-tag", "value": "12345" })
            );
            assert_eq!(got["bank"], Value::Null);
        } else {
            assert_eq!(got["address"], Value::Null);
            assert_eq!(
                got["bank"],
                json!({ "name": "Access Bank", "account": "9876543210", "reference": null })
            );
        }
        assert_eq!(
            seconds_between(&order["updated_at"], &got["expires_at"]),
            3600
        );
        assert_eq!(seconds_between(&got["remind_at"], &got["expires_at"]), 900);

        // remind_before_secs = 0: no reminder.
        let order = app.new_order(&fixture, direction).await;
        let id = order["id"].as_str().unwrap();
        let mut body = accept_body(direction);
        body["deposit_window_secs"] = json!(120);
        body["remind_before_secs"] = json!(0);
        let order = step(&app, &fixture, id, "accept", Some(body)).await;
        assert_eq!(
            seconds_between(&order["updated_at"], &order["deposit"]["expires_at"]),
            120
        );
        assert_eq!(order["deposit"]["remind_at"], Value::Null);
    }
}

#[tokio::test]
async fn accept_with_the_wrong_kind_of_deposit_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    for direction in DIRECTIONS {
        let order = app.new_order(&fixture, direction).await;
        let id = order["id"].as_str().unwrap();
        let other = if direction == "offramp" {
            "onramp"
        } else {
            "offramp"
        };
        let response = app
            .command(&fixture.partner.key, id, "accept", &accept_body(other))
            .await;
        let error = assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(error["error"]["details"]["field"], "deposit", "{error}");
        assert_eq!(app.get_order(&fixture.wallet.key, id).await, order);
        // The order can still be accepted properly.
        let order = step(&app, &fixture, id, "accept", Some(accept_body(direction))).await;
        assert_history(&order, &["created", "accepted"]);
    }
}

#[tokio::test]
async fn complete_replaces_the_amounts_it_is_given() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    for direction in DIRECTIONS {
        let order = order_in(&app, &fixture, direction, "funds_received").await;
        let id = order["id"].as_str().unwrap();
        let order = step(
            &app,
            &fixture,
            id,
            "complete",
            Some(json!({
                "transaction_id": "payout-77",
                "crypto_amount": "9.87654321",
                "fiat_amount": "14850.50"
            })),
        )
        .await;
        assert_history(
            &order,
            &[
                "created",
                "accepted",
                "funds_sent",
                "funds_received",
                "completed",
            ],
        );
        assert_eq!(order["transaction_id"], "payout-77");
        assert_eq!(
            order["crypto"],
            json!({ "asset": "USDC", "network": "solana", "amount": "9.87654321" })
        );
        assert_eq!(
            order["fiat"],
            json!({ "currency": "NGN", "amount": "14850.50" })
        );

        // Only one of them: the other stays.
        let order = order_in(&app, &fixture, direction, "funds_received").await;
        let id = order["id"].as_str().unwrap();
        let order = step(
            &app,
            &fixture,
            id,
            "complete",
            Some(json!({ "transaction_id": "payout-78", "fiat_amount": "14999" })),
        )
        .await;
        assert_eq!(order["crypto"]["amount"], "10.00");
        assert_eq!(order["fiat"]["amount"], "14999");
    }
}

#[tokio::test]
async fn a_partner_rejects_a_new_order() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    for direction in DIRECTIONS {
        let order = app.new_order(&fixture, direction).await;
        let id = order["id"].as_str().unwrap();
        let order = step(
            &app,
            &fixture,
            id,
            "reject",
            Some(json!({ "reason": "user is outside our service area" })),
        )
        .await;
        assert_history(&order, &["created", "rejected"]);
        assert_eq!(
            order["failure"],
            json!({ "code": "rejected", "reason": "user is outside our service area" })
        );
        assert_eq!(order["deposit"], Value::Null);
        assert_eq!(order["external_id"], Value::Null);
    }
}

#[tokio::test]
async fn a_wallet_cancels_from_created_and_from_accepted() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    for direction in DIRECTIONS {
        // From created, with no body at all.
        let order = app.new_order(&fixture, direction).await;
        let id = order["id"].as_str().unwrap();
        let order = step(&app, &fixture, id, "cancel", None).await;
        assert_history(&order, &["created", "cancelled"]);
        assert_eq!(order["failure"], Value::Null);

        // From accepted, with `{}`.
        let order = order_in(&app, &fixture, direction, "accepted").await;
        let id = order["id"].as_str().unwrap();
        let order = step(&app, &fixture, id, "cancel", Some(json!({}))).await;
        assert_history(&order, &["created", "accepted", "cancelled"]);
        assert_eq!(order["external_id"], "p-1");
        assert_eq!(order["funds"], Value::Null);
    }
}

#[tokio::test]
async fn a_different_amount_makes_the_order_inconsistent_and_it_can_be_refunded() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    for direction in DIRECTIONS {
        let order = order_in(&app, &fixture, direction, "funds_sent").await;
        let id = order["id"].as_str().unwrap();
        let order = step(
            &app,
            &fixture,
            id,
            "funds-received",
            Some(json!({ "amount": other_funds(direction), "reference": "partner-seen-1" })),
        )
        .await;
        assert_history(
            &order,
            &["created", "accepted", "funds_sent", "inconsistent"],
        );
        // The partner's reference replaces the wallet's.
        assert_eq!(
            order["funds"],
            json!({ "amount": other_funds(direction), "reference": "partner-seen-1" })
        );
        assert_eq!(order["failure"], Value::Null);

        let order = step(
            &app,
            &fixture,
            id,
            "refund",
            Some(json!({ "amount": other_funds(direction), "transaction_id": "refund-tx-1" })),
        )
        .await;
        assert_history(
            &order,
            &[
                "created",
                "accepted",
                "funds_sent",
                "inconsistent",
                "refunded",
            ],
        );
        // Off-ramp users sent crypto: it goes back to user_wallet_address unless told otherwise.
        let address = if direction == "offramp" {
            json!("F2etcaJ1userWallet")
        } else {
            Value::Null
        };
        assert_eq!(
            order["refund"],
            json!({ "amount": other_funds(direction), "transaction_id": "refund-tx-1", "address": address })
        );
        assert_eq!(order["transaction_id"], Value::Null);
    }
}

#[tokio::test]
async fn an_inconsistent_order_can_still_be_completed() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    for direction in DIRECTIONS {
        // Funds reported straight from accepted, more than expected.
        let order = order_in(&app, &fixture, direction, "accepted").await;
        let id = order["id"].as_str().unwrap();
        let paid = if direction == "offramp" {
            "12.00"
        } else {
            "18000.00"
        };
        let order = step(
            &app,
            &fixture,
            id,
            "funds-received",
            Some(json!({ "amount": paid })),
        )
        .await;
        assert_history(&order, &["created", "accepted", "inconsistent"]);
        assert_eq!(order["funds"], json!({ "amount": paid, "reference": null }));

        let order = step(
            &app,
            &fixture,
            id,
            "complete",
            Some(json!({
                "transaction_id": "payout-12",
                "crypto_amount": "12.00",
                "fiat_amount": "18000.00"
            })),
        )
        .await;
        assert_history(
            &order,
            &["created", "accepted", "inconsistent", "completed"],
        );
        assert_eq!(order["transaction_id"], "payout-12");
        assert_eq!(order["crypto"]["amount"], "12.00");
        assert_eq!(order["fiat"]["amount"], "18000.00");
        assert_eq!(order["refund"], Value::Null);
    }
}

#[tokio::test]
async fn fail_from_every_allowed_status_then_refund() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    for direction in DIRECTIONS {
        for from in ["accepted", "funds_sent", "funds_received", "inconsistent"] {
            let order = order_in(&app, &fixture, direction, from).await;
            let id = order["id"].as_str().unwrap();
            let mut history = statuses(&order);
            let before = order.clone();

            let order = step(
                &app,
                &fixture,
                id,
                "fail",
                Some(
                    json!({ "code": "bank_unreachable", "reason": format!("failed while {from}") }),
                ),
            )
            .await;
            history.push("failed".into());
            let expected: Vec<&str> = history.iter().map(String::as_str).collect();
            assert_history(&order, &expected);
            assert_eq!(
                order["failure"],
                json!({ "code": "bank_unreachable", "reason": format!("failed while {from}") })
            );
            // Fail touches nothing else.
            for kept in [
                "deposit",
                "funds",
                "external_id",
                "crypto",
                "fiat",
                "transaction_id",
            ] {
                assert_eq!(order[kept], before[kept], "{kept} after fail from {from}");
            }

            // An explicit refund address wins over the default.
            let refund =
                json!({ "amount": "1.5", "transaction_id": "refund-9", "address": "RefundTo1" });
            let order = step(&app, &fixture, id, "refund", Some(refund)).await;
            history.push("refunded".into());
            let expected: Vec<&str> = history.iter().map(String::as_str).collect();
            assert_history(&order, &expected);
            assert_eq!(
                order["refund"],
                json!({ "amount": "1.5", "transaction_id": "refund-9", "address": "RefundTo1" })
            );
            // The failure stays on record.
            assert_eq!(order["failure"]["code"], "bank_unreachable");
        }
    }
}

#[tokio::test]
async fn a_failed_order_is_refunded_to_the_default_address() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    for direction in DIRECTIONS {
        let order = order_in(&app, &fixture, direction, "failed").await;
        let id = order["id"].as_str().unwrap();
        let order = step(
            &app,
            &fixture,
            id,
            "refund",
            Some(json!({ "amount": "10.00", "transaction_id": "refund-2" })),
        )
        .await;
        assert_history(&order, &["created", "accepted", "failed", "refunded"]);
        let address = if direction == "offramp" {
            json!("F2etcaJ1userWallet")
        } else {
            Value::Null
        };
        assert_eq!(
            order["refund"],
            json!({ "amount": "10.00", "transaction_id": "refund-2", "address": address })
        );
    }
}

#[tokio::test]
async fn funds_can_be_received_without_the_wallet_saying_it_sent_them() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    for direction in DIRECTIONS {
        let order = order_in(&app, &fixture, direction, "accepted").await;
        let id = order["id"].as_str().unwrap();
        let order = step(
            &app,
            &fixture,
            id,
            "funds-received",
            Some(json!({ "amount": expected_funds(direction), "reference": "bank-ref-7" })),
        )
        .await;
        assert_history(&order, &["created", "accepted", "funds_received"]);
        assert_eq!(
            order["funds"],
            json!({ "amount": expected_funds(direction), "reference": "bank-ref-7" })
        );
        let order = step(
            &app,
            &fixture,
            id,
            "complete",
            Some(json!({ "transaction_id": "payout-3" })),
        )
        .await;
        assert_history(
            &order,
            &["created", "accepted", "funds_received", "completed"],
        );
    }
}

/// A valid body for `command` that differs from every body `steps_to` uses, so that it is
/// never taken for a safe retry.
fn probe_body(command: &str, direction: &str) -> Value {
    match command {
        "accept" => {
            let mut body = accept_body(direction);
            body["external_id"] = json!("p-probe");
            body
        }
        "reject" => json!({ "reason": "probe" }),
        "cancel" => json!({}),
        "funds-sent" => json!({ "reference": "probe-ref" }),
        "funds-received" => json!({ "amount": "3.33" }),
        "complete" => json!({ "transaction_id": "probe-tx" }),
        "fail" => json!({ "code": "probe_failure", "reason": "probe" }),
        "refund" => json!({ "amount": "3.33", "transaction_id": "probe-refund" }),
        other => panic!("unknown command {other}"),
    }
}

#[tokio::test]
async fn every_command_outside_the_table_is_an_invalid_transition_and_changes_nothing() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    let mut probed = 0;
    for direction in DIRECTIONS {
        for status in REACHABLE {
            let order = order_in(&app, &fixture, direction, status).await;
            let id = order["id"].as_str().unwrap();
            for command in COMMANDS {
                if allowed_from(command).contains(&status) {
                    continue;
                }
                // A second cancel of a cancelled order is a safe retry (no body to differ).
                if command == "cancel" && status == "cancelled" {
                    continue;
                }
                let response = app
                    .command(
                        key_for(&fixture, command),
                        id,
                        command,
                        &probe_body(command, direction),
                    )
                    .await;
                let error =
                    assert_error(response, StatusCode::CONFLICT, "invalid_transition").await;
                assert_eq!(
                    error,
                    json!({ "error": {
                        "code": "invalid_transition",
                        "message": format!("order is {status}; cannot {command}"),
                        "details": { "status": status }
                    }}),
                    "{command} on a {direction} order that is {status}"
                );
                assert_eq!(
                    app.get_order(&fixture.wallet.key, id).await,
                    order,
                    "{command} on a {status} order changed it"
                );
                probed += 1;
            }
        }
    }
    // 10 statuses x 8 commands, less the 15 allowed pairs and the cancel retry, twice.
    assert_eq!(probed, 2 * (80 - 15 - 1));
}

#[tokio::test]
async fn accept_on_a_completed_order_is_answered_exactly_as_documented() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    let order = order_in(&app, &fixture, "offramp", "completed").await;
    let id = order["id"].as_str().unwrap();
    let response = app
        .command(
            &fixture.partner.key,
            id,
            "accept",
            &probe_body("accept", "offramp"),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!({"error":{"code":"invalid_transition","message":"order is completed; cannot accept","details":{"status":"completed"}}})
    );
}

#[tokio::test]
async fn repeating_a_command_with_the_same_body_is_a_safe_retry() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    for direction in DIRECTIONS {
        for target in REACHABLE.into_iter().filter(|s| *s != "created") {
            let order = order_in(&app, &fixture, direction, target).await;
            let id = order["id"].as_str().unwrap();
            let (command, body) = steps_to(target, direction).pop().unwrap();
            let key = key_for(&fixture, command);

            let again = ok(app.command(key, id, command, &body).await, command).await;
            assert_eq!(
                again, order,
                "retrying {command} into {target} changed the order"
            );

            if command == "cancel" {
                // cancel has no body that could differ: `{}` and no body are the same command.
                let path = format!("/v1/orders/{id}/cancel");
                let response = app.request(Method::POST, &path, Some(key), None).await;
                assert_eq!(ok(response, "cancel without a body").await, order);
            } else {
                // A different body is not a retry.
                let response = app
                    .command(key, id, command, &probe_body(command, direction))
                    .await;
                let error =
                    assert_error(response, StatusCode::CONFLICT, "invalid_transition").await;
                assert_eq!(error["error"]["details"]["status"], target, "{error}");
            }
            assert_eq!(app.get_order(&fixture.wallet.key, id).await, order);
        }
    }
}

#[tokio::test]
async fn safe_retries_of_accept_and_complete() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    let partner = &fixture.partner.key;
    for direction in DIRECTIONS {
        let order = app.new_order(&fixture, direction).await;
        let id = order["id"].as_str().unwrap();
        let first = ok(
            app.command(partner, id, "accept", &accept_body(direction))
                .await,
            "accept",
        )
        .await;
        assert_eq!(first["version"], 2);
        let second = ok(
            app.command(partner, id, "accept", &accept_body(direction))
                .await,
            "accept again",
        )
        .await;
        assert_eq!(second, first);

        let mut other = accept_body(direction);
        other["external_id"] = json!("p-2");
        let error = assert_error(
            app.command(partner, id, "accept", &other).await,
            StatusCode::CONFLICT,
            "invalid_transition",
        )
        .await;
        assert_eq!(error["error"]["details"]["status"], "accepted");
        let now = app.get_order(partner, id).await;
        assert_eq!(now, first);
        assert_eq!(now["external_id"], "p-1");

        // Once the order has moved on, the same accept is no longer a retry.
        let received = ok(
            app.command(
                partner,
                id,
                "funds-received",
                &json!({ "amount": expected_funds(direction) }),
            )
            .await,
            "funds-received",
        )
        .await;
        assert_eq!(received["version"], 3);
        let error = assert_error(
            app.command(partner, id, "accept", &accept_body(direction))
                .await,
            StatusCode::CONFLICT,
            "invalid_transition",
        )
        .await;
        assert_eq!(error["error"]["details"]["status"], "funds_received");

        let complete = json!({ "transaction_id": "payout-1", "crypto_amount": "9.99" });
        let first = ok(
            app.command(partner, id, "complete", &complete).await,
            "complete",
        )
        .await;
        assert_eq!(first["version"], 4);
        assert_eq!(first["crypto"]["amount"], "9.99");
        for _ in 0..3 {
            let again = ok(
                app.command(partner, id, "complete", &complete).await,
                "complete again",
            )
            .await;
            assert_eq!(again, first);
        }
        for different in [
            json!({ "transaction_id": "payout-2", "crypto_amount": "9.99" }),
            json!({ "transaction_id": "payout-1" }),
            json!({ "transaction_id": "payout-1", "crypto_amount": "9.98" }),
        ] {
            let error = assert_error(
                app.command(partner, id, "complete", &different).await,
                StatusCode::CONFLICT,
                "invalid_transition",
            )
            .await;
            assert_eq!(error["error"]["details"]["status"], "completed");
        }
        let now = app.get_order(partner, id).await;
        assert_eq!(now, first);
        assert_history(
            &now,
            &["created", "accepted", "funds_received", "completed"],
        );
    }
}

#[tokio::test]
async fn safe_retries_still_work_after_a_restart() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    // Live orders come back at boot; settled ones are loaded on demand. Both remember the
    // command that last changed them.
    let mut orders = Vec::new();
    for direction in DIRECTIONS {
        for status in ["accepted", "funds_sent", "failed", "completed"] {
            orders.push((
                direction,
                status,
                order_in(&app, &fixture, direction, status).await,
            ));
        }
    }
    let app = app.restart().await;
    for (direction, status, order) in orders {
        let id = order["id"].as_str().unwrap();
        let (command, body) = steps_to(status, direction).pop().unwrap();
        let key = key_for(&fixture, command);
        let again = ok(app.command(key, id, command, &body).await, command).await;
        assert_eq!(again, order, "retrying {command} after a restart");
        let error = assert_error(
            app.command(key, id, command, &probe_body(command, direction))
                .await,
            StatusCode::CONFLICT,
            "invalid_transition",
        )
        .await;
        assert_eq!(error["error"]["details"]["status"], status);
        assert_eq!(app.get_order(&fixture.wallet.key, id).await, order);
    }
}
