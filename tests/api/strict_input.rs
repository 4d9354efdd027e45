//! Strict input: every JSON body, and every object nested in one, must be a JSON object. An
//! array (which serde would read by position) or a scalar in its place is 422
//! `validation_failed` naming the field (`body` for the whole body), and changes nothing.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{
    accept_body, assert_invalid_field, order_body, spawn_app, TestApp, ADMIN_TOKEN,
};

/// One endpoint with a body: who calls it, a body it takes, and where that body has objects.
struct Endpoint {
    method: Method,
    path: String,
    key: String,
    body: Value,
    /// The objects inside `body`, as the server names them (`crypto`, `fees[0]`).
    objects: &'static [&'static str],
}

/// `body` with the value at `field` (`a.b`, `a[0].b`) replaced.
fn replaced(body: &Value, field: &str, value: Value) -> Value {
    let pointer = format!(
        "/{}",
        field
            .replace("].", "/")
            .replace(['[', '.'], "/")
            .replace(']', "")
    );
    let mut changed = body.clone();
    *changed
        .pointer_mut(&pointer)
        .unwrap_or_else(|| panic!("no {field} in {body}")) = value;
    changed
}

/// What serde would have read by position: the object's values as an array.
fn positional(object: &Value) -> Value {
    Value::Array(
        object
            .as_object()
            .expect("an object")
            .values()
            .cloned()
            .collect(),
    )
}

/// Sends `body` raw, as JSON.
async fn send(app: &TestApp, endpoint: &Endpoint, body: &Value) -> reqwest::Response {
    app.request(
        endpoint.method.clone(),
        &endpoint.path,
        Some(&endpoint.key),
        Some(body),
    )
    .await
}

async fn refused(app: &TestApp, endpoint: &Endpoint, body: Value, field: &str) {
    let response = send(app, endpoint, &body).await;
    let status = response.status();
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{} {} with {body}",
        endpoint.method,
        endpoint.path
    );
    let error = assert_invalid_field(response, field).await;
    assert!(
        error["error"]["details"]["reason"]
            .as_str()
            .unwrap()
            .contains("must be a JSON object"),
        "{} {} with {body}: {error}",
        endpoint.method,
        endpoint.path
    );
}

#[tokio::test]
async fn every_body_and_every_nested_object_must_be_an_object() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    let order = app.new_order(&fixture, "offramp").await;
    let id = order["id"].as_str().unwrap();
    let wallet = fixture.wallet.key.clone();
    let partner = fixture.partner.key.clone();
    let pair = json!({
        "direction": "onramp",
        "crypto": {"asset": "USDC", "network": "solana"},
        "fiat_currency": "NGN",
        "rate": "1500"
    });
    let fee = json!({"percent": "1", "fixed": {"NGN": "50"}});
    let command = |name: &str, key: &str, body: Value, objects: &'static [&'static str]| Endpoint {
        method: Method::POST,
        path: format!("/v1/orders/{id}/{name}"),
        key: key.to_owned(),
        body,
        objects,
    };
    let mut offramp_accept = accept_body("offramp");
    offramp_accept["deposit"]["tag"] = json!({"type": "memo", "value": "123"});
    offramp_accept["fees"] = json!([{"type": "partner", "amount": "1.00", "asset": "NGN"}]);
    let endpoints = vec![
        Endpoint {
            method: Method::POST,
            path: "/v1/admin/wallets".into(),
            key: ADMIN_TOKEN.into(),
            body: json!({"name": "Array Wallet"}),
            objects: &[],
        },
        Endpoint {
            method: Method::POST,
            path: "/v1/admin/partners".into(),
            key: ADMIN_TOKEN.into(),
            body: json!({"name": "Array Partner"}),
            objects: &[],
        },
        Endpoint {
            method: Method::PUT,
            path: "/v1/users/u-42".into(),
            key: wallet.clone(),
            body: json!({
                "email": "ada@example.com",
                "name": {"first": "Ada", "last": "Obi"},
                "document": {"type": "passport", "number": "A1234567", "country": "NG"},
                "bank_account": {"bank_name": "GTBank", "account_number": "0123456789", "bank_code": "058"}
            }),
            objects: &["name", "document", "bank_account"],
        },
        Endpoint {
            method: Method::PUT,
            path: "/v1/partner/pricing".into(),
            key: partner.clone(),
            body: json!({"pairs": [pair], "fee": fee}),
            objects: &["pairs[0]", "pairs[0].crypto", "fee", "fee.fixed"],
        },
        Endpoint {
            method: Method::PUT,
            path: "/v1/wallet/fee".into(),
            key: wallet.clone(),
            body: fee.clone(),
            objects: &["fixed"],
        },
        Endpoint {
            method: Method::POST,
            path: "/v1/quotes".into(),
            key: wallet.clone(),
            body: json!({
                "direction": "onramp",
                "crypto": {"asset": "USDC", "network": "solana"},
                "fiat_currency": "NGN",
                "fiat_amount": "15000.00"
            }),
            objects: &["crypto"],
        },
        Endpoint {
            method: Method::POST,
            path: "/v1/orders".into(),
            key: wallet.clone(),
            body: order_body("offramp", &fixture),
            objects: &["crypto", "fiat"],
        },
        command(
            "accept",
            &partner,
            offramp_accept,
            &["deposit", "deposit.tag", "fees[0]"],
        ),
        command("accept", &partner, accept_body("onramp"), &["deposit.bank"]),
        command("reject", &partner, json!({"reason": "too late"}), &[]),
        command("cancel", &wallet, json!({}), &[]),
        command("funds-sent", &wallet, json!({"reference": "tx-1"}), &[]),
        command("funds-received", &partner, json!({"amount": "10.00"}), &[]),
        command("complete", &partner, json!({"transaction_id": "tx-2"}), &[]),
        command(
            "fail",
            &partner,
            json!({"code": "aml_check_failed", "reason": "checks"}),
            &[],
        ),
        command(
            "refund",
            &partner,
            json!({"amount": "10.00", "transaction_id": "tx-3"}),
            &[],
        ),
        Endpoint {
            method: Method::POST,
            path: "/v1/webhook-endpoints".into(),
            key: wallet.clone(),
            body: json!({"url": "https://example.com/hooks", "event_types": ["order.created"], "description": "d"}),
            objects: &[],
        },
    ];

    for endpoint in &endpoints {
        for top in [
            positional(&endpoint.body),
            json!([]),
            json!([null, null]),
            json!("body"),
            json!(1),
            json!(true),
            Value::Null,
        ] {
            refused(&app, endpoint, top, "body").await;
        }
        for &field in endpoint.objects {
            let object = endpoint
                .body
                .pointer(&format!(
                    "/{}",
                    field
                        .replace("].", "/")
                        .replace(['[', '.'], "/")
                        .replace(']', "")
                ))
                .unwrap()
                .clone();
            for inner in [
                positional(&object),
                json!([null, null]),
                json!("x"),
                json!(3),
            ] {
                refused(
                    &app,
                    endpoint,
                    replaced(&endpoint.body, field, inner),
                    field,
                )
                .await;
            }
        }
    }

    // Nothing was done: the order is as it was created, no wallet or partner was added, the
    // user, the fee and the price list were never written.
    let unchanged = app.get_order(&wallet, id).await;
    assert_eq!(unchanged["status"], "created");
    assert_eq!(unchanged["version"], 1);
    for (kind, count) in [("wallets", 1), ("partners", 1)] {
        let page = app
            .get_page(&format!("/v1/admin/{kind}"), ADMIN_TOKEN)
            .await;
        assert_eq!(
            page["data"].as_array().unwrap().len(),
            count,
            "{kind}: {page}"
        );
    }
    let user: Value = app
        .get("/v1/users/u-42", &wallet)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(user["name"], Value::Null, "{user}");
    let pricing: Value = app
        .get("/v1/partner/pricing", &partner)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(pricing["pairs"], json!([]), "{pricing}");
    let wallet_fee: Value = app
        .get("/v1/wallet/fee", &wallet)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(wallet_fee, json!({"percent": "0", "fixed": {}}));

    // And the bodies themselves are fine: the same requests as objects are taken.
    for endpoint in &endpoints[..5] {
        let status = send(&app, endpoint, &endpoint.body).await.status();
        assert!(
            status.is_success(),
            "{} {}: {status}",
            endpoint.method,
            endpoint.path
        );
    }
    let response = send(&app, &endpoints[9], &endpoints[9].body).await;
    assert_eq!(response.status(), StatusCode::OK);
}

/// A command whose body may be left out still takes no body, and `{}`, but not `[]`.
#[tokio::test]
async fn an_optional_body_may_be_empty_but_not_an_array() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    let order = app.new_order(&fixture, "offramp").await;
    let id = order["id"].as_str().unwrap();
    let response = app
        .command(&fixture.wallet.key, id, "cancel", &json!([]))
        .await;
    assert_invalid_field(response, "body").await;
    let response = app
        .request(
            Method::POST,
            &format!("/v1/orders/{id}/cancel"),
            Some(&fixture.wallet.key),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

/// An empty query value is not "no filter": `?partner_id=` is 422 naming the parameter, on
/// every filter of every list (and of the quote comparison), with or without `=`.
#[tokio::test]
async fn an_empty_query_value_is_refused_naming_the_parameter() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    app.new_order(&fixture, "offramp").await;
    let wallet = fixture.wallet.key.as_str();
    let partner = fixture.partner.key.as_str();
    let page = ["limit", "cursor"];
    let lists: Vec<(&str, &str, Vec<&str>)> = vec![
        (
            "/v1/orders",
            wallet,
            vec![
                "status",
                "direction",
                "partner_id",
                "external_id",
                "created_after",
                "created_before",
            ],
        ),
        ("/v1/orders", partner, vec!["status", "external_id"]),
        ("/v1/events", wallet, vec!["order_id", "type", "delivery"]),
        ("/v1/events", partner, vec!["order_id", "type", "delivery"]),
        ("/v1/webhook-endpoints", wallet, vec![]),
        ("/v1/users/u-42/grants", wallet, vec![]),
        ("/v1/users/u-42/access-log", wallet, vec![]),
        ("/v1/admin/wallets", ADMIN_TOKEN, vec![]),
        ("/v1/admin/partners", ADMIN_TOKEN, vec![]),
    ];
    for (path, key, filters) in lists {
        // The list itself answers, so each refusal below is the empty value's.
        app.get_page(path, key).await;
        for name in filters.iter().chain(page.iter()) {
            for query in [format!("{name}="), name.to_string()] {
                let url = format!("{path}?{query}");
                let response = app.get(&url, key).await;
                assert_eq!(
                    response.status(),
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "GET {url}"
                );
                assert_invalid_field(response, name).await;
            }
        }
    }
    // `GET /v1/quotes/compare`: each parameter empty, the others valid.
    let compare = [
        ("direction", "onramp"),
        ("asset", "USDC"),
        ("network", "solana"),
        ("fiat_currency", "NGN"),
        ("fiat_amount", "15000"),
    ];
    for (empty, _) in compare {
        let query: Vec<String> = compare
            .iter()
            .map(|(name, value)| {
                if *name == empty {
                    format!("{name}=")
                } else {
                    format!("{name}={value}")
                }
            })
            .collect();
        let url = format!("/v1/quotes/compare?{}", query.join("&"));
        assert_invalid_field(app.get(&url, wallet).await, empty).await;
    }
    let url = "/v1/quotes/compare?direction=offramp&asset=USDC&network=solana&fiat_currency=NGN&crypto_amount=";
    assert_invalid_field(app.get(url, wallet).await, "crypto_amount").await;
}
