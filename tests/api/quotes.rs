//! Pricing and quotes (API.md § Pricing and quotes): three partners with different rates,
//! fees and limits, a wallet fee and a platform fee. Every expected amount below was computed
//! by hand from the contract's rules (and checked with Python's `decimal`), not by the server's
//! code:
//!
//! - wallet fee 0.5 %, platform fee 0.1 %;
//! - on-ramp USDC/solana/NGN: A rate 1500, fee 1 % + 50 NGN; B rate 1490, fee 2 %, max 10000;
//!   C rate 1480, fee 3 %, min 15000;
//! - off-ramp: A rate 1450, B rate 1460 with max 10000, C rate 1470 with min 14000 (each
//!   partner has one fee, for both directions).

use std::collections::BTreeMap;
use std::time::Duration;

use rampflow_client::UserData;
use reqwest::StatusCode;
use rust_decimal::Decimal;
use serde_json::{json, Value};

use crate::helpers::{
    assert_error, assert_invalid_field, spawn_app_with, user_with_email, Party, TestApp,
};

const USER: &str = "u-42";

struct Market {
    app: TestApp,
    wallet: Party,
    a: Party,
    b: Party,
    c: Party,
}

fn platform_fee(settings: &mut rampflow::config::Settings) {
    settings.platform_fee = rampflow::pricing::FeeSchedule {
        percent: "0.1".parse().unwrap(),
        fixed: BTreeMap::new(),
    };
}

fn pair(direction: &str, rate: &str, min: Option<&str>, max: Option<&str>) -> Value {
    json!({
        "direction": direction,
        "crypto": {"asset": "USDC", "network": "solana"},
        "fiat_currency": "NGN",
        "rate": rate,
        "min_fiat": min,
        "max_fiat": max,
    })
}

async fn price(app: &TestApp, partner: &Party, pairs: Vec<Value>, percent: &str, fixed: Value) {
    let body = json!({"pairs": pairs, "fee": {"percent": percent, "fixed": fixed}});
    let response = app.put("/v1/partner/pricing", &partner.key, &body).await;
    assert_eq!(response.status(), StatusCode::OK);
    let stored: Value = response.json().await.unwrap();
    assert_eq!(stored, body);
    let read: Value = app
        .get("/v1/partner/pricing", &partner.key)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(read, body);
}

async fn market_with(customize: impl FnOnce(&mut rampflow::config::Settings)) -> Market {
    let app = spawn_app_with(|s| {
        platform_fee(s);
        customize(s);
    })
    .await;
    let wallet = app.create_wallet("Wallet").await;
    let a = app.create_partner("A").await;
    let b = app.create_partner("B").await;
    let c = app.create_partner("C").await;
    price(
        &app,
        &a,
        vec![
            pair("onramp", "1500", None, None),
            pair("offramp", "1450", None, None),
        ],
        "1",
        json!({"NGN": "50"}),
    )
    .await;
    price(
        &app,
        &b,
        vec![
            pair("onramp", "1490", None, Some("10000.00")),
            pair("offramp", "1460", None, Some("10000.00")),
        ],
        "2",
        json!({}),
    )
    .await;
    price(
        &app,
        &c,
        vec![
            pair("onramp", "1480", Some("15000"), None),
            pair("offramp", "1470", Some("14000"), None),
        ],
        "3",
        json!({}),
    )
    .await;
    let response = app
        .put(
            "/v1/wallet/fee",
            &wallet.key,
            &json!({"percent": "0.5", "fixed": {}}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        app.get("/v1/wallet/fee", &wallet.key)
            .await
            .json::<Value>()
            .await
            .unwrap(),
        json!({"percent": "0.5", "fixed": {}})
    );
    app.add_user(&wallet, USER, &user_with_email("ada@example.com"))
        .await;
    for partner in [&a, &b, &c] {
        app.grant_access(&wallet, USER, partner).await;
    }
    Market {
        app,
        wallet,
        a,
        b,
        c,
    }
}

async fn market() -> Market {
    market_with(|_| {}).await
}

fn ask(direction: &str, amount_field: &str, amount: &str) -> Value {
    json!({
        "direction": direction,
        "crypto": {"asset": "USDC", "network": "solana"},
        "fiat_currency": "NGN",
        amount_field: amount,
    })
}

async fn quote(m: &Market, body: &Value) -> Value {
    let response = m.app.post("/v1/quotes", &m.wallet.key, body).await;
    let status = response.status();
    let quote: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{quote}");
    quote
}

fn fees(quote: &Value) -> Vec<(String, String)> {
    quote["fees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            assert_eq!(f["asset"], "NGN");
            (
                f["type"].as_str().unwrap().to_owned(),
                f["amount"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn f(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(t, a)| ((*t).to_owned(), (*a).to_owned()))
        .collect()
}

fn dec(value: &Value) -> Decimal {
    value.as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn the_best_onramp_quote_by_fiat_amount() {
    let m = market().await;
    // 15000: B is over its max; A gives 9.80666666, C 9.77027027.
    let q = quote(&m, &ask("onramp", "fiat_amount", "15000.00")).await;
    assert_eq!(q["partner_id"], m.a.id);
    assert_eq!(q["direction"], "onramp");
    assert_eq!(
        q["crypto"],
        json!({"asset": "USDC", "network": "solana", "amount": "9.80666666"})
    );
    assert_eq!(q["fiat"], json!({"currency": "NGN", "amount": "15000.00"}));
    assert_eq!(q["rate"], "1500");
    assert_eq!(
        fees(&q),
        f(&[
            ("partner", "200.00"),
            ("wallet", "75.00"),
            ("platform", "15.00")
        ])
    );
    assert!(q["expires_at"].as_str().unwrap().ends_with('Z'));
    // 5000: C is under its min; B gives 3.26845637, A 3.24666666.
    let q = quote(&m, &ask("onramp", "fiat_amount", "5000")).await;
    assert_eq!(q["partner_id"], m.b.id);
    assert_eq!(q["crypto"]["amount"], "3.26845637");
    assert_eq!(q["fiat"]["amount"], "5000.00");
    assert_eq!(
        fees(&q),
        f(&[
            ("partner", "100.00"),
            ("wallet", "25.00"),
            ("platform", "5.00")
        ])
    );
    // One partner asked for by id: its own quote, even if not the best.
    let mut body = ask("onramp", "fiat_amount", "15000.00");
    body["partner_id"] = json!(m.c.id);
    let q = quote(&m, &body).await;
    assert_eq!(q["partner_id"], m.c.id);
    assert_eq!(q["crypto"]["amount"], "9.77027027");
}

#[tokio::test]
async fn the_best_onramp_quote_by_crypto_amount_pays_the_least() {
    let m = market().await;
    // 10 USDC: A needs 15294.71 NGN (15294.70 gives 9.99999999), C 15352.69, B is over max.
    let q = quote(&m, &ask("onramp", "crypto_amount", "10")).await;
    assert_eq!(q["partner_id"], m.a.id);
    assert_eq!(q["fiat"]["amount"], "15294.71");
    assert_eq!(q["crypto"]["amount"], "10.00000000");
    assert_eq!(
        fees(&q),
        f(&[
            ("partner", "202.95"),
            ("wallet", "76.47"),
            ("platform", "15.29")
        ])
    );
    let cheaper = quote(&m, &{
        let mut body = ask("onramp", "fiat_amount", "15294.70");
        body["partner_id"] = json!(m.a.id);
        body
    })
    .await;
    assert!(dec(&cheaper["crypto"]["amount"]) < Decimal::TEN);
}

#[tokio::test]
async fn the_best_offramp_quotes() {
    let m = market().await;
    // 10 USDC: A 14500 − 282.00 = 14218.00; C 14700 − (441.00 + 73.50 + 14.70) = 14170.80;
    // B's 14600 is over its max. A gives the most fiat.
    let q = quote(&m, &ask("offramp", "crypto_amount", "10")).await;
    assert_eq!(q["partner_id"], m.a.id);
    assert_eq!(q["crypto"]["amount"], "10.00000000");
    assert_eq!(q["fiat"]["amount"], "14218.00");
    assert_eq!(
        fees(&q),
        f(&[
            ("partner", "195.00"),
            ("wallet", "72.50"),
            ("platform", "14.50")
        ])
    );
    // 14000 NGN wanted: A sends 9.84720690 USDC, C 9.87946259 (3 % fee): A sends the least.
    let q = quote(&m, &ask("offramp", "fiat_amount", "14000.00")).await;
    assert_eq!(q["partner_id"], m.a.id);
    assert_eq!(q["crypto"]["amount"], "9.84720690");
    assert_eq!(q["fiat"]["amount"], "14000.00");
}

#[tokio::test]
async fn compare_lists_every_eligible_partner_best_first_and_each_is_usable() {
    let m = market().await;
    let path = "/v1/quotes/compare?direction=onramp&asset=USDC&network=solana&fiat_currency=NGN&fiat_amount=25000";
    let response = m.app.get(path, &m.wallet.key).await;
    assert_eq!(response.status(), StatusCode::OK);
    let page: Value = response.json().await.unwrap();
    let data = page["data"].as_array().unwrap();
    // B is over its max; A 16.36666666 before C 16.28378378.
    let partners: Vec<&str> = data
        .iter()
        .map(|q| q["partner_id"].as_str().unwrap())
        .collect();
    assert_eq!(partners, vec![m.a.id.as_str(), m.c.id.as_str()]);
    assert_eq!(data[0]["crypto"]["amount"], "16.36666666");
    assert_eq!(data[1]["crypto"]["amount"], "16.28378378");
    assert_ne!(data[0]["id"], data[1]["id"]);
    // The second quote is stored and usable.
    let order = order_from(&m, data[1]["id"].as_str().unwrap()).await;
    assert_eq!(order.0, StatusCode::CREATED, "{}", order.1);
    assert_eq!(order.1["partner_id"], m.c.id);
    // Compare at 5000: A and B, B first.
    let path = "/v1/quotes/compare?direction=onramp&asset=USDC&network=solana&fiat_currency=NGN&fiat_amount=5000.00";
    let page: Value = m.app.get(path, &m.wallet.key).await.json().await.unwrap();
    let partners: Vec<&str> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["partner_id"].as_str().unwrap())
        .collect();
    assert_eq!(partners, vec![m.b.id.as_str(), m.a.id.as_str()]);
    // Unknown or missing parameters are refused.
    let response = m
        .app
        .get(
            "/v1/quotes/compare?direction=onramp&asset=USDC&network=solana&fiat_currency=NGN",
            &m.wallet.key,
        )
        .await;
    assert_invalid_field(response, "fiat_amount").await;
    let response = m.app.get(&format!("{path}&x=1"), &m.wallet.key).await;
    assert_invalid_field(response, "x").await;
}

async fn order_from(m: &Market, quote_id: &str) -> (StatusCode, Value) {
    let body = json!({
        "quote_id": quote_id,
        "user_ref": USER,
        "user_wallet_address": "F2etcaJ1userWallet",
        "payment_method": "bank_transfer",
    });
    let response = m.app.create_order(&m.wallet, &body).await;
    (response.status(), response.json().await.unwrap())
}

#[tokio::test]
async fn an_order_from_a_quote_carries_its_amounts_rate_and_fees() {
    let m = market().await;
    let q = quote(&m, &ask("onramp", "fiat_amount", "15000.00")).await;
    let (status, order) = order_from(&m, q["id"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::CREATED, "{order}");
    assert_eq!(order["partner_id"], q["partner_id"]);
    assert_eq!(order["direction"], "onramp");
    assert_eq!(order["crypto"], q["crypto"]);
    assert_eq!(order["fiat"], q["fiat"]);
    assert_eq!(order["rate"], q["rate"]);
    assert_eq!(order["fees"], q["fees"]);
    let read = m
        .app
        .get_order(&m.wallet.key, order["id"].as_str().unwrap())
        .await;
    assert_eq!(read["fees"], q["fees"]);
    // The quote is used up.
    let (status, body) = order_from(&m, q["id"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["details"]["field"], "quote_id");
}

#[tokio::test]
async fn direction_and_partner_must_match_the_quote_and_amounts_are_left_out() {
    let m = market().await;
    let q = quote(&m, &ask("offramp", "crypto_amount", "10")).await;
    let id = q["id"].as_str().unwrap();
    let base = json!({
        "quote_id": id,
        "user_ref": USER,
        "user_wallet_address": "F2etcaJ1userWallet",
        "payment_method": "bank_transfer",
    });
    let mut body = base.clone();
    body["direction"] = json!("onramp");
    assert_invalid_field(m.app.create_order(&m.wallet, &body).await, "direction").await;
    let mut body = base.clone();
    body["partner_id"] = json!(m.b.id);
    assert_invalid_field(m.app.create_order(&m.wallet, &body).await, "partner_id").await;
    let mut body = base.clone();
    body["crypto"] = json!({"asset": "USDC", "network": "solana", "amount": "1"});
    assert_invalid_field(m.app.create_order(&m.wallet, &body).await, "crypto").await;
    // Another wallet cannot use it.
    let other = m.app.create_wallet("Other").await;
    m.app.add_user(&other, USER, &UserData::default()).await;
    m.app.grant_access(&other, USER, &m.a).await;
    assert_invalid_field(m.app.create_order(&other, &base).await, "quote_id").await;
    // Matching direction and partner are fine.
    let mut body = base.clone();
    body["direction"] = json!("offramp");
    body["partner_id"] = json!(m.a.id);
    let response = m.app.create_order(&m.wallet, &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn the_user_grant_still_applies_and_does_not_use_the_quote() {
    let m = market().await;
    let q = quote(&m, &ask("onramp", "fiat_amount", "15000.00")).await;
    m.app
        .delete(
            &format!("/v1/users/{USER}/grants/{}", m.a.id),
            &m.wallet.key,
        )
        .await;
    let body = json!({
        "quote_id": q["id"],
        "user_ref": USER,
        "user_wallet_address": "F2etcaJ1userWallet",
        "payment_method": "bank_transfer",
    });
    assert_error(
        m.app.create_order(&m.wallet, &body).await,
        StatusCode::FORBIDDEN,
        "access_not_granted",
    )
    .await;
    m.app.grant_access(&m.wallet, USER, &m.a).await;
    let response = m.app.create_order(&m.wallet, &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn quotes_expire() {
    let m = market_with(|s| s.quote_ttl = Duration::from_millis(300)).await;
    let q = quote(&m, &ask("onramp", "fiat_amount", "15000.00")).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (status, body) = order_from(&m, q["id"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["details"]["field"], "quote_id");
    let (status, body) = order_from(&m, "01936f11-4a5b-7c6d-8e9f-0a1b2c3d4e5f").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["details"]["field"], "quote_id");
}

#[tokio::test]
async fn two_concurrent_orders_on_one_quote_exactly_one_wins() {
    let m = market().await;
    for _ in 0..3 {
        let q = quote(&m, &ask("onramp", "fiat_amount", "15000.00")).await;
        let id = q["id"].as_str().unwrap();
        let (first, second, third) =
            tokio::join!(order_from(&m, id), order_from(&m, id), order_from(&m, id));
        let statuses = [first.0, second.0, third.0];
        assert_eq!(
            statuses
                .iter()
                .filter(|s| **s == StatusCode::CREATED)
                .count(),
            1,
            "{statuses:?}"
        );
        assert_eq!(
            statuses
                .iter()
                .filter(|s| **s == StatusCode::UNPROCESSABLE_ENTITY)
                .count(),
            2
        );
    }
}

#[tokio::test]
async fn a_quote_request_replays_with_its_idempotency_key() {
    let m = market().await;
    let body = ask("onramp", "fiat_amount", "15000.00");
    let send = || {
        m.app
            .client
            .post(format!("{}/v1/quotes", m.app.address))
            .bearer_auth(&m.wallet.key)
            .header("Idempotency-Key", "q-1")
            .json(&body)
            .send()
    };
    let first = send().await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    let again = send().await.unwrap();
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(again.headers()["Idempotent-Replayed"], "true");
    assert_eq!(again.json::<Value>().await.unwrap(), first);
    let other = m
        .app
        .client
        .post(format!("{}/v1/quotes", m.app.address))
        .bearer_auth(&m.wallet.key)
        .header("Idempotency-Key", "q-1")
        .json(&ask("onramp", "fiat_amount", "16000.00"))
        .send()
        .await
        .unwrap();
    assert_error(other, StatusCode::CONFLICT, "idempotency_conflict").await;
}

async fn reason(response: reqwest::Response) -> String {
    let body = assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    body["error"]["details"]["reason"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn edge_cases_are_clear_422s() {
    let m = market().await;
    let post = |body: Value| post_as(&m.app, &m.wallet.key, body);
    // Nobody prices BTC.
    let mut body = ask("onramp", "fiat_amount", "15000.00");
    body["crypto"]["asset"] = json!("BTC");
    assert_eq!(reason(post(body).await).await, "no_partner");
    // Over every on-ramp limit? A has none; ask C alone, under its min.
    let mut body = ask("onramp", "fiat_amount", "100.00");
    body["partner_id"] = json!(m.c.id);
    assert_eq!(reason(post(body).await).await, "no_partner");
    // A's fixed 50 NGN plus the percentages take all of 50.00.
    let mut body = ask("onramp", "fiat_amount", "50.00");
    body["partner_id"] = json!(m.a.id);
    assert_eq!(reason(post(body).await).await, "fees_exceed_amount");
    // Both amounts, or neither.
    let mut body = ask("onramp", "fiat_amount", "50.00");
    body["crypto_amount"] = json!("1");
    assert_invalid_field(post(body).await, "crypto_amount").await;
    let mut body = ask("onramp", "fiat_amount", "50.00");
    body.as_object_mut().unwrap().remove("fiat_amount");
    assert_invalid_field(post(body).await, "fiat_amount").await;
    // Finer than the currency's minor units.
    assert_invalid_field(
        post(ask("onramp", "fiat_amount", "100.001")).await,
        "fiat_amount",
    )
    .await;
    // A rate of zero is refused, and so is a fee of 100 %.
    let response = m
        .app
        .put(
            "/v1/partner/pricing",
            &m.a.key,
            &json!({"pairs": [pair("onramp", "0", None, None)]}),
        )
        .await;
    assert_invalid_field(response, "pairs[0].rate").await;
    let response = m
        .app
        .put(
            "/v1/partner/pricing",
            &m.a.key,
            &json!({"pairs": [], "fee": {"percent": "100"}}),
        )
        .await;
    assert_invalid_field(response, "fee.percent").await;
    let response = m
        .app
        .put("/v1/wallet/fee", &m.wallet.key, &json!({"percent": 1}))
        .await;
    assert_invalid_field(response, "percent").await;
    // Roles.
    assert_error(
        m.app.get("/v1/partner/pricing", &m.wallet.key).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_error(
        post_as(&m.app, &m.a.key, ask("onramp", "fiat_amount", "100")).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
}

#[tokio::test]
async fn outside_every_partners_limits_is_no_partner() {
    let app = spawn_app_with(platform_fee).await;
    let wallet = app.create_wallet("Wallet").await;
    let a = app.create_partner("A").await;
    let b = app.create_partner("B").await;
    price(
        &app,
        &a,
        vec![pair("onramp", "1500", Some("1000"), Some("2000"))],
        "0",
        json!({}),
    )
    .await;
    price(
        &app,
        &b,
        vec![pair("onramp", "1500", Some("5000"), None)],
        "0",
        json!({}),
    )
    .await;
    for amount in ["999.99", "2000.01", "4999.99"] {
        let response = app
            .post(
                "/v1/quotes",
                &wallet.key,
                &ask("onramp", "fiat_amount", amount),
            )
            .await;
        let body = assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(body["error"]["details"]["reason"], "no_partner");
        assert_eq!(body["error"]["details"]["cause"], "outside_limits");
    }
    // The limits are inclusive.
    for (amount, partner) in [("1000", &a), ("2000.00", &a), ("5000", &b)] {
        let response = app
            .post(
                "/v1/quotes",
                &wallet.key,
                &ask("onramp", "fiat_amount", amount),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let q: Value = response.json().await.unwrap();
        assert_eq!(q["partner_id"], partner.id);
    }
}

async fn post_as(app: &TestApp, key: &str, body: Value) -> reqwest::Response {
    app.post("/v1/quotes", key, &body).await
}
