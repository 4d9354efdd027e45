//! Who sees what: a key sees only its own resources (another party's order or user is a 404,
//! never a 403), each endpoint family refuses the roles it is not for with 403 `forbidden`,
//! and a missing or unknown key is a 401 before anything else is looked at.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{
    accept_body, assert_error, order_body, spawn_app, user_with_email, Fixture, Party, TestApp,
    ADMIN_TOKEN,
};

/// A second wallet routed to the same partner as `fixture`, with its own user and grant.
async fn second_wallet(app: &TestApp, fixture: &Fixture) -> Fixture {
    let wallet = app.create_wallet("Wallet B").await;
    app.add_user(&wallet, "u-b", &user_with_email("bea@example.com"))
        .await;
    app.grant_access(&wallet, "u-b", &fixture.partner).await;
    Fixture {
        wallet,
        partner: fixture.partner.clone(),
        user_ref: "u-b".into(),
    }
}

fn ids(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_wallet_cannot_see_list_or_command_another_wallets_orders() {
    let app = spawn_app().await;
    let a = app.fixture().await;
    let b = second_wallet(&app, &a).await;
    let order = app.new_order(&b, "offramp").await;
    let id = order["id"].as_str().unwrap();

    // Wallet A: not found, not listed, whatever the filter.
    let response = app.get(&format!("/v1/orders/{id}"), &a.wallet.key).await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    for query in [
        "",
        "?limit=100",
        "?status=created",
        "?direction=offramp",
        &format!("?partner_id={}", a.partner.id),
    ] {
        let page = app
            .get_page(&format!("/v1/orders{query}"), &a.wallet.key)
            .await;
        assert_eq!(page["data"], json!([]), "wallet A listed {query}: {page}");
        assert_eq!(page["next_cursor"], Value::Null);
    }
    for command in ["cancel", "funds-sent"] {
        let response = app.command(&a.wallet.key, id, command, &json!({})).await;
        assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    }

    // Wallet B and the partner still see it, untouched.
    let seen_by_b = app.get_order(&b.wallet.key, id).await;
    assert_eq!(seen_by_b, order);
    assert_eq!(app.get_order(&a.partner.key, id).await, order);
    let page = app.get_page("/v1/orders", &b.wallet.key).await;
    assert_eq!(ids(&page), [id]);

    // Wallet A's own order is invisible to wallet B in turn.
    let own = app.new_order(&a, "onramp").await;
    let own_id = own["id"].as_str().unwrap();
    let response = app
        .get(&format!("/v1/orders/{own_id}"), &b.wallet.key)
        .await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = app
        .command(&b.wallet.key, own_id, "cancel", &json!({}))
        .await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(
        ids(&app.get_page("/v1/orders", &a.wallet.key).await),
        [own_id]
    );
    assert_eq!(ids(&app.get_page("/v1/orders", &b.wallet.key).await), [id]);
    assert_eq!(
        app.get_order(&a.wallet.key, own_id).await["status"],
        "created"
    );
}

#[tokio::test]
async fn a_partner_sees_only_the_orders_routed_to_it() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    let other = app.create_partner("Partner Two").await;
    app.grant_access(&fixture.wallet, &fixture.user_ref, &other)
        .await;
    let mine_1 = app.new_order(&fixture, "offramp").await;
    let mine_2 = app.new_order(&fixture, "onramp").await;
    let mut to_other = order_body("offramp", &fixture);
    to_other["partner_id"] = json!(other.id);
    let response = app.create_order(&fixture.wallet, &to_other).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let theirs: Value = response.json().await.unwrap();
    let theirs_id = theirs["id"].as_str().unwrap();

    let first = &fixture.partner.key;
    let mut listed = ids(&app.get_page("/v1/orders", first).await);
    listed.sort();
    let mut expected = vec![
        mine_1["id"].as_str().unwrap().to_owned(),
        mine_2["id"].as_str().unwrap().to_owned(),
    ];
    expected.sort();
    assert_eq!(listed, expected);
    assert_eq!(
        ids(&app.get_page("/v1/orders", &other.key).await),
        [theirs_id]
    );
    // Filtering on another partner does not widen the view.
    let page = app
        .get_page(&format!("/v1/orders?partner_id={}", other.id), first)
        .await;
    assert_eq!(page["data"], json!([]));

    // The first partner can neither read nor command the other partner's order.
    let response = app.get(&format!("/v1/orders/{theirs_id}"), first).await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = app
        .get(&format!("/v1/orders/{theirs_id}/user"), first)
        .await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    for (command, body) in [
        ("accept", accept_body("offramp")),
        ("reject", json!({ "reason": "not mine" })),
        ("funds-received", json!({ "amount": "10" })),
        ("complete", json!({ "transaction_id": "t" })),
        ("fail", json!({ "code": "x", "reason": "y" })),
        ("refund", json!({ "amount": "10", "transaction_id": "t" })),
    ] {
        let response = app.command(first, theirs_id, command, &body).await;
        assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    }
    assert_eq!(app.get_order(&other.key, theirs_id).await, theirs);

    // Its own partner can.
    let response = app
        .command(&other.key, theirs_id, "accept", &accept_body("offramp"))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_wallet_cannot_reach_another_wallets_users() {
    let app = spawn_app().await;
    let a = app.fixture().await;
    let b = second_wallet(&app, &a).await;
    let user = format!("/v1/users/{}", b.user_ref);

    let response = app.get(&user, &a.wallet.key).await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = app.delete(&user, &a.wallet.key).await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = app.get(&format!("{user}/grants"), &a.wallet.key).await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = app.grant(&a.wallet, &b.user_ref, &a.partner).await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = app
        .delete(&format!("{user}/grants/{}", a.partner.id), &a.wallet.key)
        .await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;

    // Wallet B's user is intact, grant included.
    let response = app.get(&user, &b.wallet.key).await;
    assert_eq!(response.status(), StatusCode::OK);
    let data: Value = response.json().await.unwrap();
    assert_eq!(data["email"], "bea@example.com");
    let grants = app.get_page(&format!("{user}/grants"), &b.wallet.key).await;
    assert_eq!(grants["data"][0]["partner_id"], json!(a.partner.id));

    // Wallet A's own user of the same name is a different user.
    let response = app
        .put_user(&a.wallet, &b.user_ref, &json!({ "country": "GH" }))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let response = app.get(&user, &b.wallet.key).await;
    let data: Value = response.json().await.unwrap();
    assert_eq!(data["email"], "bea@example.com");
    assert_eq!(data["country"], Value::Null);
}

/// Every endpoint a role may not call, with a body that would otherwise be valid.
fn forbidden_calls(
    wallet: &Party,
    partner: &Party,
    user_ref: &str,
    order_id: &str,
) -> Vec<(String, Method, String, Option<Value>)> {
    let w = wallet.key.clone();
    let p = partner.key.clone();
    let a = ADMIN_TOKEN.to_owned();
    let order = format!("/v1/orders/{order_id}");
    let user = format!("/v1/users/{user_ref}");
    let grant = format!("{user}/grants/{}", partner.id);
    let new_order = json!({
        "direction": "offramp", "partner_id": partner.id, "user_ref": user_ref,
        "crypto": { "asset": "USDC", "network": "solana", "amount": "10.00" },
        "fiat": { "currency": "NGN", "amount": "15000.00" },
        "user_wallet_address": "F2etcaJ1userWallet", "payment_method": "bank_transfer"
    });
    let partner_commands = [
        ("accept", accept_body("offramp")),
        ("reject", json!({ "reason": "r" })),
        ("funds-received", json!({ "amount": "10" })),
        ("complete", json!({ "transaction_id": "t" })),
        ("fail", json!({ "code": "c", "reason": "r" })),
        ("refund", json!({ "amount": "10", "transaction_id": "t" })),
    ];
    let wallet_commands = [("cancel", json!({})), ("funds-sent", json!({}))];
    let admin = [
        (
            Method::POST,
            "/v1/admin/wallets".to_owned(),
            Some(json!({ "name": "x" })),
        ),
        (
            Method::POST,
            "/v1/admin/partners".to_owned(),
            Some(json!({ "name": "x" })),
        ),
        (Method::GET, "/v1/admin/wallets".to_owned(), None),
        (Method::GET, "/v1/admin/partners".to_owned(), None),
        (
            Method::POST,
            format!("/v1/admin/wallets/{}/rotate-key", wallet.id),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("/v1/admin/partners/{}/rotate-key", partner.id),
            Some(json!({})),
        ),
    ];
    let users = [
        (Method::PUT, user.clone(), Some(json!({ "country": "NG" }))),
        (Method::GET, user.clone(), None),
        (Method::DELETE, user.clone(), None),
        (Method::GET, format!("{user}/grants"), None),
        (Method::PUT, grant.clone(), Some(json!({}))),
        (Method::DELETE, grant.clone(), None),
        (Method::GET, format!("{user}/access-log"), None),
    ];

    let mut calls = Vec::new();
    // Partners: no creating orders, no wallet commands, no users, no admin.
    calls.push((
        p.clone(),
        Method::POST,
        "/v1/orders".to_owned(),
        Some(new_order.clone()),
    ));
    for (command, body) in &wallet_commands {
        calls.push((
            p.clone(),
            Method::POST,
            format!("{order}/{command}"),
            Some(body.clone()),
        ));
    }
    for (method, path, body) in users.iter().chain(admin.iter()) {
        calls.push((p.clone(), method.clone(), path.clone(), body.clone()));
    }
    // Wallets: no partner commands, no reading the user through the order, no admin.
    for (command, body) in &partner_commands {
        calls.push((
            w.clone(),
            Method::POST,
            format!("{order}/{command}"),
            Some(body.clone()),
        ));
    }
    calls.push((w.clone(), Method::GET, format!("{order}/user"), None));
    for (method, path, body) in &admin {
        calls.push((w.clone(), method.clone(), path.clone(), body.clone()));
    }
    // The operator: no orders at all, no users.
    calls.push((
        a.clone(),
        Method::POST,
        "/v1/orders".to_owned(),
        Some(new_order),
    ));
    calls.push((a.clone(), Method::GET, "/v1/orders".to_owned(), None));
    calls.push((a.clone(), Method::GET, order.clone(), None));
    calls.push((a.clone(), Method::GET, format!("{order}/user"), None));
    for (command, body) in partner_commands.iter().chain(wallet_commands.iter()) {
        calls.push((
            a.clone(),
            Method::POST,
            format!("{order}/{command}"),
            Some(body.clone()),
        ));
    }
    for (method, path, body) in &users {
        calls.push((a.clone(), method.clone(), path.clone(), body.clone()));
    }
    calls
}

#[tokio::test]
async fn each_role_is_refused_the_endpoints_of_the_others() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    let order = app.new_order(&fixture, "offramp").await;
    let id = order["id"].as_str().unwrap();
    let calls = forbidden_calls(&fixture.wallet, &fixture.partner, &fixture.user_ref, id);
    for (key, method, path, body) in &calls {
        let response = app
            .request(method.clone(), path, Some(key.as_str()), body.as_ref())
            .await;
        let status = response.status();
        let error: Value = response.json().await.unwrap();
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}: {error}");
        assert_eq!(
            error["error"]["code"], "forbidden",
            "{method} {path}: {error}"
        );
        assert!(error["error"]["message"].is_string());
    }

    // Nothing happened: the order, the user and its grant, the parties and their keys.
    assert_eq!(app.get_order(&fixture.wallet.key, id).await, order);
    let page = app.get_page("/v1/orders", &fixture.wallet.key).await;
    assert_eq!(page["data"].as_array().unwrap().len(), 1);
    let response = app
        .get(
            &format!("/v1/users/{}", fixture.user_ref),
            &fixture.wallet.key,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let grants = app
        .get_page(
            &format!("/v1/users/{}/grants", fixture.user_ref),
            &fixture.wallet.key,
        )
        .await;
    assert_eq!(grants["data"].as_array().unwrap().len(), 1);
    let log = app
        .get_page(
            &format!("/v1/users/{}/access-log", fixture.user_ref),
            &fixture.wallet.key,
        )
        .await;
    assert_eq!(log["data"], json!([]));
    for kind in ["wallets", "partners"] {
        let page = app
            .get_page(&format!("/v1/admin/{kind}"), ADMIN_TOKEN)
            .await;
        assert_eq!(page["data"].as_array().unwrap().len(), 1, "{kind}: {page}");
    }
    // The keys were not rotated.
    assert_eq!(
        app.get(&format!("/v1/orders/{id}"), &fixture.partner.key)
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_role_is_checked_before_the_body() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    let order = app.new_order(&fixture, "offramp").await;
    let id = order["id"].as_str().unwrap();
    let garbage = json!({ "nonsense": [1, 2, 3] });
    let calls = [
        (&fixture.partner.key, Method::POST, "/v1/orders".to_owned()),
        (
            &fixture.partner.key,
            Method::PUT,
            "/v1/users/u-1".to_owned(),
        ),
        (
            &fixture.partner.key,
            Method::POST,
            format!("/v1/orders/{id}/cancel"),
        ),
        (
            &fixture.wallet.key,
            Method::POST,
            format!("/v1/orders/{id}/accept"),
        ),
        (
            &fixture.wallet.key,
            Method::POST,
            format!("/v1/orders/{id}/complete"),
        ),
        (
            &fixture.wallet.key,
            Method::POST,
            "/v1/admin/wallets".to_owned(),
        ),
    ];
    for (key, method, path) in &calls {
        let response = app
            .request(method.clone(), path, Some(key.as_str()), Some(&garbage))
            .await;
        assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;
        // Not JSON at all: still the role first.
        let response = app
            .client
            .request(method.clone(), format!("{}{path}", app.address))
            .bearer_auth(key)
            .header("Content-Type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap();
        assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    }
    // The role is also checked before the order is looked up.
    let unknown = "01890a5d-ac96-774b-bcce-b302099a8057";
    let response = app
        .command(
            &fixture.wallet.key,
            unknown,
            "accept",
            &accept_body("offramp"),
        )
        .await;
    assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    let response = app
        .get(&format!("/v1/orders/{unknown}/user"), &fixture.wallet.key)
        .await;
    assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    assert_eq!(app.get_order(&fixture.wallet.key, id).await, order);
}

#[tokio::test]
async fn a_missing_or_unknown_key_is_unauthorized_everywhere() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    let order = app.new_order(&fixture, "offramp").await;
    let id = order["id"].as_str().unwrap();
    let unknown_order = "01890a5d-ac96-774b-bcce-b302099a8057";
    let endpoints: Vec<(Method, String, Option<Value>)> = vec![
        (
            Method::POST,
            "/v1/orders".into(),
            Some(order_body("offramp", &fixture)),
        ),
        (Method::GET, "/v1/orders".into(), None),
        (Method::GET, format!("/v1/orders/{id}"), None),
        (Method::GET, format!("/v1/orders/{unknown_order}"), None),
        (Method::GET, "/v1/orders/not-a-uuid".into(), None),
        (Method::GET, format!("/v1/orders/{id}/user"), None),
        (
            Method::POST,
            format!("/v1/orders/{id}/accept"),
            Some(accept_body("offramp")),
        ),
        (
            Method::POST,
            format!("/v1/orders/{id}/accept"),
            Some(json!({ "bad": 1 })),
        ),
        (
            Method::POST,
            format!("/v1/orders/{id}/cancel"),
            Some(json!({})),
        ),
        (
            Method::PUT,
            "/v1/users/u-42".into(),
            Some(json!({ "country": "NG" })),
        ),
        (Method::GET, "/v1/users/u-42".into(), None),
        (Method::DELETE, "/v1/users/u-42".into(), None),
        (Method::GET, "/v1/users/u-42/grants".into(), None),
        (
            Method::PUT,
            format!("/v1/users/u-42/grants/{}", fixture.partner.id),
            Some(json!({})),
        ),
        (Method::GET, "/v1/users/u-42/access-log".into(), None),
        (
            Method::POST,
            "/v1/admin/wallets".into(),
            Some(json!({ "name": "x" })),
        ),
        (Method::GET, "/v1/admin/partners".into(), None),
        (
            Method::POST,
            format!("/v1/admin/wallets/{}/rotate-key", fixture.wallet.id),
            Some(json!({})),
        ),
    ];
    // A key of the right shape that was never issued, an empty key, another scheme, and a
    // key with a character changed.
    let mut tampered = fixture.wallet.key.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    let headers = [
        None,
        Some("Bearer rfw_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".to_owned()),
        Some("Bearer ".to_owned()),
        Some(format!("Basic {}", fixture.wallet.key)),
        Some(fixture.wallet.key.clone()),
        Some(format!("Bearer {tampered}")),
        Some(format!("Bearer {}x", ADMIN_TOKEN)),
    ];
    for (method, path, body) in &endpoints {
        for header in &headers {
            let mut request = app
                .client
                .request(method.clone(), format!("{}{path}", app.address));
            if let Some(header) = header {
                request = request.header("Authorization", header);
            }
            if let Some(body) = body {
                request = request.json(body);
            }
            let response = request.send().await.unwrap();
            let status = response.status();
            let error: Value = response.json().await.unwrap();
            assert_eq!(
                status,
                StatusCode::UNAUTHORIZED,
                "{method} {path} with {header:?}: {error}"
            );
            assert_eq!(error["error"]["code"], "unauthorized", "{error}");
            assert!(error["error"]["message"].is_string());
        }
    }
    // None of that created or changed anything.
    assert_eq!(app.get_order(&fixture.wallet.key, id).await, order);
    let page = app.get_page("/v1/orders", &fixture.wallet.key).await;
    assert_eq!(page["data"].as_array().unwrap().len(), 1);
    let page = app.get_page("/v1/admin/wallets", ADMIN_TOKEN).await;
    assert_eq!(page["data"].as_array().unwrap().len(), 1);
    assert_eq!(
        app.get("/v1/users/u-42", &fixture.wallet.key)
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn an_invalid_order_id_in_the_path_is_not_found() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    for key in [&fixture.wallet.key, &fixture.partner.key] {
        for id in ["not-a-uuid", "123", "01890a5d-ac96-774b-bcce-b302099a8057"] {
            let response = app.get(&format!("/v1/orders/{id}"), key).await;
            assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
        }
    }
    let response = app
        .command(&fixture.wallet.key, "not-a-uuid", "cancel", &json!({}))
        .await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = app
        .command(
            &fixture.partner.key,
            "nope",
            "accept",
            &accept_body("offramp"),
        )
        .await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = app.get("/v1/orders/nope/user", &fixture.partner.key).await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
}
