//! Every invalid field of `POST /v1/orders` and of the lifecycle commands is a 422
//! `validation_failed` naming the field the way the client wrote it, and a refused request
//! changes nothing: no order is created, a commanded order keeps its status and version.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{
    accept_body, assert_error, assert_invalid_field, expected_funds, order_body, spawn_app,
    user_in, Fixture, TestApp,
};

/// `body` with the value at the dotted `path` replaced (or added).
fn with(body: &Value, path: &str, value: Value) -> Value {
    let mut body = body.clone();
    let (parent, name) = split(path);
    body.pointer_mut(&parent)
        .and_then(Value::as_object_mut)
        .unwrap_or_else(|| panic!("no object at {parent}"))
        .insert(name.to_owned(), value);
    body
}

/// `body` without the value at the dotted `path`.
fn without(body: &Value, path: &str) -> Value {
    let mut body = body.clone();
    let (parent, name) = split(path);
    let removed = body
        .pointer_mut(&parent)
        .and_then(Value::as_object_mut)
        .and_then(|object| object.remove(name));
    assert!(removed.is_some(), "nothing to remove at {path}");
    body
}

fn split(path: &str) -> (String, &str) {
    match path.rsplit_once('.') {
        Some((parent, name)) => (format!("/{}", parent.replace('.', "/")), name),
        None => (String::new(), path),
    }
}

/// The wallet's orders, all of them (a fresh app never has more than one page here).
async fn wallet_orders(app: &TestApp, fixture: &Fixture) -> Vec<Value> {
    let page = app
        .get_page("/v1/orders?limit=100", &fixture.wallet.key)
        .await;
    page["data"].as_array().unwrap().clone()
}

/// Posts `body` as a new order and expects a 422 naming `field`.
async fn refused_create(app: &TestApp, fixture: &Fixture, body: &Value, field: &str) {
    let response = app.create_order(&fixture.wallet, body).await;
    let status = response.status();
    let error: Value = response.json().await.unwrap();
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "expected 422 for {body}, got {status}: {error}"
    );
    assert_eq!(
        error["error"]["code"], "validation_failed",
        "{body} -> {error}"
    );
    assert_eq!(
        error["error"]["details"]["field"], field,
        "{body} -> {error}"
    );
    assert!(
        error["error"]["details"]["reason"].is_string(),
        "{body} -> {error}"
    );
    assert!(error["error"]["message"].is_string(), "{body} -> {error}");
}

#[tokio::test]
async fn create_refuses_every_invalid_field_and_creates_nothing() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    let valid = order_body("offramp", &fixture);
    let long = |n: usize| Value::String("x".repeat(n));

    let cases: Vec<(Value, &str)> = vec![
        // Fiat finer than the currency's minor units.
        (
            with(&valid, "fiat.amount", json!("15000.001")),
            "fiat.amount",
        ),
        (
            with(
                &valid,
                "fiat",
                json!({ "currency": "JPY", "amount": "1.5" }),
            ),
            "fiat.amount",
        ),
        // JSON numbers where a decimal string is expected.
        (with(&valid, "crypto.amount", json!(10.5)), "crypto.amount"),
        (with(&valid, "crypto.amount", json!(10)), "crypto.amount"),
        (with(&valid, "fiat.amount", json!(15000)), "fiat.amount"),
        // Not a plain positive decimal.
        (with(&valid, "crypto.amount", json!("0")), "crypto.amount"),
        (
            with(&valid, "crypto.amount", json!("0.00")),
            "crypto.amount",
        ),
        (with(&valid, "crypto.amount", json!("-1")), "crypto.amount"),
        (with(&valid, "crypto.amount", json!("1e5")), "crypto.amount"),
        (with(&valid, "crypto.amount", json!("abc")), "crypto.amount"),
        (with(&valid, "crypto.amount", json!("")), "crypto.amount"),
        (with(&valid, "crypto.amount", json!(" 10")), "crypto.amount"),
        (with(&valid, "crypto.amount", json!("1,5")), "crypto.amount"),
        (
            with(&valid, "crypto.amount", json!("1.0000000000000000001")),
            "crypto.amount",
        ),
        (with(&valid, "crypto.amount", json!(null)), "crypto.amount"),
        (
            with(&valid, "fiat.amount", json!("-15000.00")),
            "fiat.amount",
        ),
        // Asset codes ^[A-Z0-9]{2,12}$.
        (with(&valid, "crypto.asset", json!("usdc")), "crypto.asset"),
        (with(&valid, "crypto.asset", json!("U")), "crypto.asset"),
        (with(&valid, "crypto.asset", json!("USD-C")), "crypto.asset"),
        (
            with(&valid, "crypto.asset", json!("ABCDEFGHIJKLM")),
            "crypto.asset",
        ),
        // Networks ^[a-z0-9-]{2,32}$.
        (
            with(&valid, "crypto.network", json!("Solana")),
            "crypto.network",
        ),
        (with(&valid, "crypto.network", json!("s")), "crypto.network"),
        (
            with(&valid, "crypto.network", json!("sol_ana")),
            "crypto.network",
        ),
        (with(&valid, "crypto.network", long(33)), "crypto.network"),
        // Real ISO 4217 currencies only.
        (with(&valid, "fiat.currency", json!("ZZZ")), "fiat.currency"),
        (with(&valid, "fiat.currency", json!("ngn")), "fiat.currency"),
        (with(&valid, "fiat.currency", json!("XXX")), "fiat.currency"),
        // Direction.
        (with(&valid, "direction", json!("sideways")), "direction"),
        (with(&valid, "direction", json!("OFFRAMP")), "direction"),
        (with(&valid, "direction", json!(1)), "direction"),
        (with(&valid, "direction", json!(true)), "direction"),
        (with(&valid, "direction", json!(null)), "direction"),
        (with(&valid, "direction", json!(["offramp"])), "direction"),
        // user_ref: 1 to 128 printable characters.
        (with(&valid, "user_ref", long(129)), "user_ref"),
        (with(&valid, "user_ref", json!("")), "user_ref"),
        (with(&valid, "user_ref", json!("u\n42")), "user_ref"),
        // Other bounded texts.
        (with(&valid, "external_ref", long(129)), "external_ref"),
        (
            with(&valid, "user_wallet_address", json!("F2 etc")),
            "user_wallet_address",
        ),
        // payment_method ^[a-z0-9_]{1,64}$.
        (
            with(&valid, "payment_method", json!("Bank Transfer")),
            "payment_method",
        ),
        (
            with(&valid, "payment_method", json!("bank-transfer")),
            "payment_method",
        ),
        (with(&valid, "payment_method", json!("")), "payment_method"),
        (with(&valid, "payment_method", long(65)), "payment_method"),
        // partner_id must be a UUID of a partner that exists.
        (
            with(&valid, "partner_id", json!("not-a-uuid")),
            "partner_id",
        ),
        (
            with(
                &valid,
                "partner_id",
                json!("01890a5d-ac96-774b-bcce-b302099a8057"),
            ),
            "partner_id",
        ),
        // A wallet's id is not a partner's.
        (
            with(&valid, "partner_id", json!(fixture.wallet.id)),
            "partner_id",
        ),
        // Unknown fields, at the top and nested, are named.
        (with(&valid, "surprise", json!(1)), "surprise"),
        (with(&valid, "crypto.extra", json!("x")), "crypto.extra"),
        (with(&valid, "fiat.rate", json!("1")), "fiat.rate"),
        // Missing required fields are named by their full path.
        (without(&valid, "direction"), "direction"),
        (without(&valid, "partner_id"), "partner_id"),
        (without(&valid, "user_ref"), "user_ref"),
        (without(&valid, "crypto"), "crypto"),
        (without(&valid, "fiat"), "fiat"),
        (
            without(&valid, "user_wallet_address"),
            "user_wallet_address",
        ),
        (without(&valid, "payment_method"), "payment_method"),
        (without(&valid, "crypto.amount"), "crypto.amount"),
        (without(&valid, "crypto.asset"), "crypto.asset"),
        (without(&valid, "crypto.network"), "crypto.network"),
        (without(&valid, "fiat.currency"), "fiat.currency"),
        (without(&valid, "fiat.amount"), "fiat.amount"),
    ];
    for (body, field) in &cases {
        refused_create(&app, &fixture, body, field).await;
    }
    assert!(
        wallet_orders(&app, &fixture).await.is_empty(),
        "a refused create left an order behind"
    );
    let partner_view = app.get_page("/v1/orders", &fixture.partner.key).await;
    assert_eq!(partner_view["data"], json!([]));
}

#[tokio::test]
async fn create_accepts_the_boundaries_of_each_rule() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    let valid = order_body("onramp", &fixture);
    let cases = [
        with(
            &valid,
            "fiat",
            json!({ "currency": "JPY", "amount": "1500" }),
        ),
        with(&valid, "fiat.amount", json!("15000.5")),
        with(&valid, "crypto.amount", json!("0.000000000000000001")),
        with(&valid, "crypto.amount", json!("999999999999999")),
        with(&valid, "crypto.asset", json!("AB")),
        with(&valid, "crypto.asset", json!("ABCDEFGHIJ12")),
        with(&valid, "crypto.network", json!("bnb-smart-chain")),
        with(&valid, "crypto.network", Value::String("a".repeat(32))),
        with(&valid, "payment_method", Value::String("a".repeat(64))),
        without(&valid, "external_ref"),
    ];
    for body in &cases {
        let response = app.create_order(&fixture.wallet, body).await;
        let status = response.status();
        let order: Value = response.json().await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{body} -> {order}");
        // Amounts come back exactly as written.
        assert_eq!(order["crypto"], body["crypto"]);
        assert_eq!(order["fiat"], body["fiat"]);
    }
    assert_eq!(wallet_orders(&app, &fixture).await.len(), cases.len());
}

#[tokio::test]
async fn create_without_a_grant_is_access_not_granted_and_creates_nothing() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    // A user who exists but never granted this partner access.
    app.add_user(&fixture.wallet, "u-no-grant", &user_in("NG"))
        .await;
    let body = with(
        &order_body("offramp", &fixture),
        "user_ref",
        json!("u-no-grant"),
    );
    let response = app.create_order(&fixture.wallet, &body).await;
    assert_error(response, StatusCode::FORBIDDEN, "access_not_granted").await;

    // No such user at all.
    let body = with(&order_body("offramp", &fixture), "user_ref", json!("ghost"));
    let response = app.create_order(&fixture.wallet, &body).await;
    assert_error(response, StatusCode::FORBIDDEN, "access_not_granted").await;

    // A grant to another partner does not count for this one.
    let other = app.create_partner("Other Partner").await;
    let body = with(
        &order_body("offramp", &fixture),
        "partner_id",
        json!(other.id),
    );
    let response = app.create_order(&fixture.wallet, &body).await;
    assert_error(response, StatusCode::FORBIDDEN, "access_not_granted").await;

    // A user of another wallet with the same ref and a grant does not count either.
    let other_wallet = app.create_wallet("Other Wallet").await;
    app.add_user(&other_wallet, "u-other", &user_in("NG")).await;
    app.grant_access(&other_wallet, "u-other", &fixture.partner)
        .await;
    let body = with(
        &order_body("offramp", &fixture),
        "user_ref",
        json!("u-other"),
    );
    let response = app.create_order(&fixture.wallet, &body).await;
    assert_error(response, StatusCode::FORBIDDEN, "access_not_granted").await;

    assert!(wallet_orders(&app, &fixture).await.is_empty());
    let other_orders = app.get_page("/v1/orders", &other_wallet.key).await;
    assert_eq!(other_orders["data"], json!([]));
}

#[tokio::test]
async fn an_invalid_field_is_reported_before_a_missing_grant() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    let body = with(
        &with(&order_body("offramp", &fixture), "user_ref", json!("ghost")),
        "crypto.amount",
        json!("abc"),
    );
    let response = app.create_order(&fixture.wallet, &body).await;
    assert_invalid_field(response, "crypto.amount").await;
    assert!(wallet_orders(&app, &fixture).await.is_empty());
}

/// Sends `command` with `body` and expects a 422 naming `field`; then the order is unchanged.
async fn refused_command(
    app: &TestApp,
    key: &str,
    before: &Value,
    command: &str,
    body: &Value,
    field: &str,
) {
    let id = before["id"].as_str().unwrap();
    let response = app.command(key, id, command, body).await;
    let status = response.status();
    let error: Value = response.json().await.unwrap();
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{command} {body}: expected 422, got {status}: {error}"
    );
    assert_eq!(
        error["error"]["code"], "validation_failed",
        "{command} {body} -> {error}"
    );
    assert_eq!(
        error["error"]["details"]["field"], field,
        "{command} {body} -> {error}"
    );
    assert!(error["error"]["details"]["reason"].is_string());
    let after = app.get_order(key, id).await;
    assert_eq!(after, *before, "{command} {body} changed the order");
}

#[tokio::test]
async fn accept_refuses_invalid_bodies_and_leaves_the_order_created() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    let partner = &fixture.partner.key;
    let offramp = app.new_order(&fixture, "offramp").await;
    let onramp = app.new_order(&fixture, "onramp").await;
    let valid = accept_body("offramp");
    let fee = |t: Value, amount: Value| json!({ "type": t, "amount": amount, "asset": "NGN" });

    let cases: Vec<(Value, &str)> = vec![
        // No deposit instructions at all.
        (without(&valid, "deposit"), "deposit"),
        (with(&valid, "deposit", json!({})), "deposit"),
        // Both a crypto address and bank details.
        (
            with(
                &valid,
                "deposit",
                json!({ "address": "DepositAddr111",
                        "bank": { "name": "GTBank", "account": "0123456789" } }),
            ),
            "deposit",
        ),
        // An off-ramp order needs a crypto address, not bank details.
        (accept_body("onramp"), "deposit"),
        // Rates are positive decimal strings.
        (with(&valid, "rate", json!("abc")), "rate"),
        (with(&valid, "rate", json!(1500.5)), "rate"),
        (with(&valid, "rate", json!("0")), "rate"),
        // Fees.
        (
            with(&valid, "fees", json!([fee(json!("bogus"), json!("1"))])),
            "fees[0].type",
        ),
        (
            with(&valid, "fees", json!([fee(json!(7), json!("1"))])),
            "fees[0].type",
        ),
        (
            with(
                &valid,
                "fees",
                json!([
                    fee(json!("partner"), json!("1")),
                    fee(json!("gas"), json!("1"))
                ]),
            ),
            "fees[1].type",
        ),
        (
            with(&valid, "fees", json!([fee(json!("partner"), json!(1))])),
            "fees[0].amount",
        ),
        (
            with(&valid, "fees", json!([fee(json!("partner"), json!("-1"))])),
            "fees[0].amount",
        ),
        (
            with(
                &valid,
                "fees",
                json!([{ "type": "partner", "amount": "1", "asset": "ngn" }]),
            ),
            "fees[0].asset",
        ),
        (
            with(
                &valid,
                "fees",
                json!([{ "type": "partner", "amount": "1" }]),
            ),
            "fees[0].asset",
        ),
        (
            with(
                &valid,
                "fees",
                json!([{ "type": "partner", "amount": "1", "asset": "NGN", "note": "x" }]),
            ),
            "fees[0].note",
        ),
        (with(&valid, "fees", json!({ "type": "partner" })), "fees"),
        // The deposit itself.
        (
            with(&valid, "deposit", json!({ "address": "Deposit Addr" })),
            "deposit.address",
        ),
        (
            with(
                &valid,
                "deposit",
                json!({ "address": "DepositAddr111", "tag": { "type": "note", "value": "1" } }),
            ),
            "deposit.tag.type",
        ),
        (
            with(
                &valid,
                "deposit",
                json!({ "address": "DepositAddr111", "tag": { "type": 1, "value": "1" } }),
            ),
            "deposit.tag.type",
        ),
        (
            with(
                &valid,
                "deposit",
                json!({ "address": "DepositAddr111", "memo": "1" }),
            ),
            "deposit.memo",
        ),
        // Windows are bounded.
        (
            with(&valid, "deposit_window_secs", json!(0)),
            "deposit_window_secs",
        ),
        (
            with(&valid, "deposit_window_secs", json!(8 * 24 * 3600)),
            "deposit_window_secs",
        ),
        (
            with(&valid, "deposit_window_secs", json!("600")),
            "deposit_window_secs",
        ),
        (
            with(
                &with(&valid, "deposit_window_secs", json!(600)),
                "remind_before_secs",
                json!(600),
            ),
            "remind_before_secs",
        ),
        (
            with(&valid, "external_id", Value::String("x".repeat(129))),
            "external_id",
        ),
        (with(&valid, "surprise", json!(true)), "surprise"),
    ];
    for (body, field) in &cases {
        refused_command(&app, partner, &offramp, "accept", body, field).await;
    }

    // An on-ramp order needs bank details, not a crypto address; its bank details are checked.
    let onramp_valid = accept_body("onramp");
    let onramp_cases: Vec<(Value, &str)> = vec![
        (accept_body("offramp"), "deposit"),
        (
            with(
                &onramp_valid,
                "deposit",
                json!({ "bank": { "name": "GTBank" } }),
            ),
            "deposit.bank.account",
        ),
        (
            with(
                &onramp_valid,
                "deposit",
                json!({ "bank": { "name": "GTBank", "account": "0123456789", "iban": "x" } }),
            ),
            "deposit.bank.iban",
        ),
        (
            with(
                &onramp_valid,
                "deposit",
                json!({ "bank": { "name": "GTBank", "account": "0123456789" },
                        "tag": { "type": "memo", "value": "1" } }),
            ),
            "deposit.tag",
        ),
    ];
    for (body, field) in &onramp_cases {
        refused_command(&app, partner, &onramp, "accept", body, field).await;
    }

    // Both orders still take a valid accept, and only then move to version 2.
    for order in [&offramp, &onramp] {
        let direction = order["direction"].as_str().unwrap();
        let response = app
            .command(
                partner,
                order["id"].as_str().unwrap(),
                "accept",
                &accept_body(direction),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let accepted: Value = response.json().await.unwrap();
        assert_eq!(accepted["status"], "accepted");
        assert_eq!(accepted["version"], 2);
    }
}

#[tokio::test]
async fn reject_needs_a_reason() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    let partner = &fixture.partner.key;
    let order = app.new_order(&fixture, "offramp").await;
    let cases: Vec<(Value, &str)> = vec![
        (json!({}), "reason"),
        (json!({ "reason": "" }), "reason"),
        (json!({ "reason": null }), "reason"),
        (json!({ "reason": 42 }), "reason"),
        (json!({ "reason": "x".repeat(1001) }), "reason"),
        (json!({ "reason": "no liquidity", "code": "x" }), "code"),
    ];
    for (body, field) in &cases {
        refused_command(&app, partner, &order, "reject", body, field).await;
    }
    let response = app
        .command(
            partner,
            order["id"].as_str().unwrap(),
            "reject",
            &json!({ "reason": "no liquidity" }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let rejected: Value = response.json().await.unwrap();
    assert_eq!(rejected["status"], "rejected");
    assert_eq!(rejected["version"], 2);
}

#[tokio::test]
async fn commands_after_acceptance_refuse_invalid_bodies_and_keep_the_version() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    let (partner, wallet) = (&fixture.partner.key, &fixture.wallet.key);
    let order = app.new_order(&fixture, "offramp").await;
    let id = order["id"].as_str().unwrap().to_owned();
    let response = app
        .command(partner, &id, "accept", &accept_body("offramp"))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let accepted = app.get_order(partner, &id).await;
    assert_eq!(accepted["version"], 2);

    // funds-received: the amount is a required decimal string.
    for (body, field) in [
        (json!({ "amount": 10 }), "amount"),
        (json!({ "amount": 10.0 }), "amount"),
        (json!({}), "amount"),
        (json!({ "reference": "r-1" }), "amount"),
        (json!({ "amount": "0" }), "amount"),
        (json!({ "amount": "1e1" }), "amount"),
        (json!({ "amount": "10", "reference": "" }), "reference"),
        (json!({ "amount": "10", "extra": 1 }), "extra"),
    ] {
        refused_command(&app, partner, &accepted, "funds-received", &body, field).await;
    }

    // fail: a snake_case code and a reason.
    for (body, field) in [
        (json!({ "code": "Bad-Code", "reason": "x" }), "code"),
        (json!({ "code": "aml check", "reason": "x" }), "code"),
        (json!({ "code": "", "reason": "x" }), "code"),
        (json!({ "code": "a".repeat(65), "reason": "x" }), "code"),
        (json!({ "code": "é", "reason": "x" }), "code"),
        (json!({ "reason": "x" }), "code"),
        (json!({ "code": "aml_check_failed" }), "reason"),
        (
            json!({ "code": "aml_check_failed", "reason": "" }),
            "reason",
        ),
    ] {
        refused_command(&app, partner, &accepted, "fail", &body, field).await;
    }

    // funds-sent and cancel (wallet): bodies are optional but still checked.
    for (body, field) in [
        (json!({ "reference": "" }), "reference"),
        (json!({ "reference": 7 }), "reference"),
        (json!({ "amount": "10" }), "amount"),
    ] {
        refused_command(&app, wallet, &accepted, "funds-sent", &body, field).await;
    }
    refused_command(
        &app,
        wallet,
        &accepted,
        "cancel",
        &json!({ "why": "x" }),
        "why",
    )
    .await;

    // A body error is reported before the status is looked at: refund and complete are not
    // allowed from `accepted`, yet an invalid body is a 422, not a 409.
    for (body, field) in [
        (json!({ "amount": "abc", "transaction_id": "t" }), "amount"),
        (json!({ "transaction_id": "t" }), "amount"),
        (json!({ "amount": "10" }), "transaction_id"),
        (
            json!({ "amount": "10", "transaction_id": "t", "address": "a b" }),
            "address",
        ),
    ] {
        refused_command(&app, partner, &accepted, "refund", &body, field).await;
    }
    refused_command(
        &app,
        partner,
        &accepted,
        "complete",
        &json!({}),
        "transaction_id",
    )
    .await;
    // ... while a valid one is a 409 that changes nothing either.
    let response = app
        .command(partner, &id, "complete", &json!({ "transaction_id": "t" }))
        .await;
    let conflict = assert_error(response, StatusCode::CONFLICT, "invalid_transition").await;
    assert_eq!(conflict["error"]["details"]["status"], "accepted");
    assert_eq!(app.get_order(partner, &id).await, accepted);

    // Move on to funds_received and check complete.
    let response = app
        .command(
            partner,
            &id,
            "funds-received",
            &json!({ "amount": expected_funds("offramp") }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let received = app.get_order(partner, &id).await;
    assert_eq!(received["status"], "funds_received");
    assert_eq!(received["version"], 3);
    for (body, field) in [
        (json!({}), "transaction_id"),
        (json!({ "transaction_id": "" }), "transaction_id"),
        (json!({ "transaction_id": 9 }), "transaction_id"),
        (json!({ "crypto_amount": "10" }), "transaction_id"),
        (
            json!({ "transaction_id": "t", "crypto_amount": 10 }),
            "crypto_amount",
        ),
        (
            json!({ "transaction_id": "t", "fiat_amount": "-1" }),
            "fiat_amount",
        ),
        // NGN has 2 decimal places.
        (
            json!({ "transaction_id": "t", "fiat_amount": "15000.001" }),
            "fiat_amount",
        ),
        (
            json!({ "transaction_id": "t", "status": "completed" }),
            "status",
        ),
    ] {
        refused_command(&app, partner, &received, "complete", &body, field).await;
    }
    let response = app
        .command(
            partner,
            &id,
            "complete",
            &json!({ "transaction_id": "bank-tx-9" }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let completed: Value = response.json().await.unwrap();
    assert_eq!(completed["status"], "completed");
    assert_eq!(completed["version"], 4);
    assert_eq!(completed["transaction_id"], "bank-tx-9");
}

#[tokio::test]
async fn a_command_with_an_invalid_body_on_an_unknown_order_is_still_a_422() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    let unknown = "01890a5d-ac96-774b-bcce-b302099a8057";
    let response = app
        .command(&fixture.partner.key, unknown, "accept", &json!({}))
        .await;
    assert_invalid_field(response, "deposit").await;
    // With a valid body the same order is simply not found.
    let response = app
        .command(
            &fixture.partner.key,
            unknown,
            "accept",
            &accept_body("offramp"),
        )
        .await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
}
