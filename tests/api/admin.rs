//! The operator's endpoints: creating wallets and partners, listing them (paged, never with
//! keys), and rotating their API keys.

use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{
    assert_error, assert_invalid_field, order_body, spawn_app, Fixture, TestApp, ADMIN_TOKEN,
};

async fn create(app: &TestApp, kind: &str, body: &Value) -> reqwest::Response {
    app.post(&format!("/v1/admin/{kind}"), ADMIN_TOKEN, body)
        .await
}

/// Every party of `kind`, following `next_cursor` with pages of `limit`.
async fn list_all(app: &TestApp, kind: &str, limit: u32) -> Vec<Value> {
    let mut all = Vec::new();
    let mut path = format!("/v1/admin/{kind}?limit={limit}");
    let mut pages = 0;
    loop {
        let page = app.get_page(&path, ADMIN_TOKEN).await;
        let data = page["data"].as_array().unwrap();
        assert!(data.len() <= limit as usize, "{page}");
        all.extend(data.iter().cloned());
        pages += 1;
        assert!(pages <= 100, "paging does not end");
        match page["next_cursor"].as_str() {
            Some(cursor) => {
                assert!(!data.is_empty(), "an empty page with a cursor: {page}");
                path = format!("/v1/admin/{kind}?limit={limit}&cursor={cursor}");
            }
            None => break,
        }
    }
    all
}

fn is_uuid(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.iter().map(|p| p.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
        && parts
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[tokio::test]
async fn the_operator_creates_wallets_and_partners_with_working_keys() {
    let app = spawn_app().await;
    let mut keys = HashSet::new();
    for kind in ["wallets", "partners"] {
        let response = create(&app, kind, &json!({ "name": "Acme Pay" })).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let party: Value = response.json().await.unwrap();
        let object = party.as_object().unwrap();
        let mut fields: Vec<&str> = object.keys().map(String::as_str).collect();
        fields.sort();
        assert_eq!(fields, ["api_key", "created_at", "id", "name"], "{party}");
        assert!(is_uuid(party["id"].as_str().unwrap()), "{party}");
        assert_eq!(party["name"], "Acme Pay");
        let key = party["api_key"].as_str().unwrap();
        assert!(key.len() >= 32, "a short key: {key}");
        assert!(keys.insert(key.to_owned()), "a key was issued twice");
        let created_at = party["created_at"].as_str().unwrap();
        assert!(
            created_at.ends_with('Z') && created_at.len() == 24,
            "{created_at}"
        );
    }

    // The keys work for their role: a full fixture made from them can trade.
    let fixture = app.fixture().await;
    let order = app.new_order(&fixture, "offramp").await;
    assert_eq!(order["wallet_id"], json!(fixture.wallet.id));
    assert_eq!(order["partner_id"], json!(fixture.partner.id));
    assert_eq!(
        app.get_order(&fixture.partner.key, order["id"].as_str().unwrap())
            .await["id"],
        order["id"]
    );
}

#[tokio::test]
async fn a_party_needs_a_proper_name() {
    let app = spawn_app().await;
    for kind in ["wallets", "partners"] {
        for (body, field) in [
            (json!({ "name": "" }), "name"),
            (json!({ "name": "   " }), "name"),
            (json!({ "name": "x".repeat(129) }), "name"),
            (json!({ "name": "bad\nname" }), "name"),
            (json!({ "name": 42 }), "name"),
            (json!({ "name": null }), "name"),
            (json!({}), "name"),
            (json!({ "name": "Acme", "api_key": "mine" }), "api_key"),
        ] {
            let response = create(&app, kind, &body).await;
            assert_invalid_field(response, field).await;
        }
        let response = app
            .client
            .post(format!("{}/v1/admin/{kind}", app.address))
            .bearer_auth(ADMIN_TOKEN)
            .header("Content-Type", "application/json")
            .body("{\"name\":")
            .send()
            .await
            .unwrap();
        assert_error(response, StatusCode::BAD_REQUEST, "malformed_request").await;
        // Nothing was created.
        let page = app
            .get_page(&format!("/v1/admin/{kind}"), ADMIN_TOKEN)
            .await;
        assert_eq!(page, json!({ "data": [], "next_cursor": null }));
    }
    // 128 characters is fine.
    let response = create(&app, "wallets", &json!({ "name": "x".repeat(128) })).await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn lists_show_each_party_without_its_key() {
    let app = spawn_app().await;
    let mut created = Vec::new();
    for name in ["Alpha", "Beta", "Gamma"] {
        let response = create(&app, "wallets", &json!({ "name": name })).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        created.push(response.json::<Value>().await.unwrap());
    }
    let response = create(&app, "partners", &json!({ "name": "Ramp Co" })).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let partner: Value = response.json().await.unwrap();

    let page = app.get_page("/v1/admin/wallets", ADMIN_TOKEN).await;
    assert_eq!(page["next_cursor"], Value::Null);
    let listed = page["data"].as_array().unwrap();
    assert_eq!(listed.len(), 3);
    let text = page.to_string();
    for party in &created {
        let entry = listed
            .iter()
            .find(|e| e["id"] == party["id"])
            .unwrap_or_else(|| panic!("{party} is not listed"));
        assert_eq!(
            *entry,
            json!({ "id": party["id"], "name": party["name"], "created_at": party["created_at"] })
        );
        assert!(!text.contains(party["api_key"].as_str().unwrap()));
    }
    assert!(!text.contains("api_key"));

    let page = app.get_page("/v1/admin/partners", ADMIN_TOKEN).await;
    assert_eq!(
        page,
        json!({ "data": [{ "id": partner["id"], "name": "Ramp Co", "created_at": partner["created_at"] }],
                "next_cursor": null })
    );
}

#[tokio::test]
async fn lists_are_paged_and_every_party_comes_once() {
    let app = spawn_app().await;
    let mut expected = HashSet::new();
    for n in 0..7 {
        let response = create(&app, "wallets", &json!({ "name": format!("W{n}") })).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        expected.insert(response.json::<Value>().await.unwrap()["id"].clone());
    }
    for n in 0..3 {
        let response = create(&app, "partners", &json!({ "name": format!("P{n}") })).await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }

    for limit in [1, 2, 3, 7, 100] {
        let all = list_all(&app, "wallets", limit).await;
        assert_eq!(all.len(), 7, "limit {limit}");
        let ids: HashSet<Value> = all.iter().map(|w| w["id"].clone()).collect();
        assert_eq!(ids, expected, "limit {limit}");
    }
    // A full first page of exactly `limit` says whether more follow.
    let page = app.get_page("/v1/admin/wallets?limit=7", ADMIN_TOKEN).await;
    assert_eq!(page["data"].as_array().unwrap().len(), 7);
    assert_eq!(page["next_cursor"], Value::Null);
    let page = app.get_page("/v1/admin/wallets?limit=2", ADMIN_TOKEN).await;
    assert_eq!(page["data"].as_array().unwrap().len(), 2);
    assert!(page["next_cursor"].is_string());
    // The default page holds them all here.
    let page = app.get_page("/v1/admin/wallets", ADMIN_TOKEN).await;
    assert_eq!(page["data"].as_array().unwrap().len(), 7);
    assert_eq!(list_all(&app, "partners", 2).await.len(), 3);

    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=-1", "limit"),
        ("limit=two", "limit"),
        ("cursor=***", "cursor"),
        ("name=W1", "name"),
    ] {
        let response = app
            .get(&format!("/v1/admin/wallets?{query}"), ADMIN_TOKEN)
            .await;
        assert_invalid_field(response, field).await;
    }
}

#[tokio::test]
async fn rotating_a_key_retires_the_old_one_at_once() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    let order = app.new_order(&fixture, "offramp").await;
    let id = order["id"].as_str().unwrap();
    let wallet_path = format!("/v1/admin/wallets/{}/rotate-key", fixture.wallet.id);
    let partner_path = format!("/v1/admin/partners/{}/rotate-key", fixture.partner.id);

    // The old keys are known (and possibly cached) before the rotation.
    assert_eq!(
        app.get_order(&fixture.wallet.key, id).await["id"],
        json!(id)
    );
    assert_eq!(
        app.get_order(&fixture.partner.key, id).await["id"],
        json!(id)
    );

    let response = app.post(&wallet_path, ADMIN_TOKEN, &json!({})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let rotated: Value = response.json().await.unwrap();
    assert_eq!(rotated["id"], json!(fixture.wallet.id));
    assert_eq!(rotated["name"], "Test Wallet");
    let new_key = rotated["api_key"].as_str().unwrap().to_owned();
    assert_ne!(new_key, fixture.wallet.key);

    // Several tries, so every worker has had the chance to answer from a stale cache.
    for _ in 0..6 {
        let response = app
            .get(&format!("/v1/orders/{id}"), &fixture.wallet.key)
            .await;
        assert_error(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
        let response = app.get(&format!("/v1/orders/{id}"), &new_key).await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    // The new key acts as the same wallet: its orders and users are still there.
    let page = app.get_page("/v1/orders", &new_key).await;
    assert_eq!(page["data"][0]["id"], json!(id));
    let response = app
        .get(&format!("/v1/users/{}", fixture.user_ref), &new_key)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    // The partner was not touched.
    assert_eq!(
        app.get_order(&fixture.partner.key, id).await["id"],
        json!(id)
    );

    // Partners rotate the same way.
    let response = app.post(&partner_path, ADMIN_TOKEN, &json!({})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let rotated: Value = response.json().await.unwrap();
    assert_eq!(rotated["id"], json!(fixture.partner.id));
    let new_partner_key = rotated["api_key"].as_str().unwrap().to_owned();
    for _ in 0..6 {
        let response = app
            .get(&format!("/v1/orders/{id}"), &fixture.partner.key)
            .await;
        assert_error(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
    }
    let accepted = app
        .command(
            &new_partner_key,
            id,
            "accept",
            &crate::helpers::accept_body("offramp"),
        )
        .await;
    assert_eq!(accepted.status(), StatusCode::OK);

    // Rotating again retires the second key as well.
    let response = app.post(&wallet_path, ADMIN_TOKEN, &json!({})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let third_key = response.json::<Value>().await.unwrap()["api_key"]
        .as_str()
        .unwrap()
        .to_owned();
    let response = app.get("/v1/orders", &new_key).await;
    assert_error(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
    let fixture = Fixture {
        wallet: fixture.wallet.with_key(third_key),
        partner: fixture.partner.with_key(new_partner_key),
        user_ref: fixture.user_ref.clone(),
    };
    let response = app
        .create_order(&fixture.wallet, &order_body("onramp", &fixture))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);

    // The list never shows a key.
    let page = app.get_page("/v1/admin/wallets", ADMIN_TOKEN).await;
    assert!(!page.to_string().contains("api_key"));
    assert!(!page.to_string().contains(&fixture.wallet.key));
}

#[tokio::test]
async fn rotating_an_unknown_party_is_not_found() {
    let app = spawn_app().await;
    let wallet = app.create_wallet("W").await;
    let partner = app.create_partner("P").await;
    for path in [
        "/v1/admin/wallets/01890a5d-ac96-774b-bcce-b302099a8057/rotate-key".to_owned(),
        "/v1/admin/partners/01890a5d-ac96-774b-bcce-b302099a8057/rotate-key".to_owned(),
        "/v1/admin/wallets/not-a-uuid/rotate-key".to_owned(),
        // The right id under the wrong kind.
        format!("/v1/admin/partners/{}/rotate-key", wallet.id),
        format!("/v1/admin/wallets/{}/rotate-key", partner.id),
        format!("/v1/admin/things/{}/rotate-key", wallet.id),
    ] {
        let response = app.post(&path, ADMIN_TOKEN, &json!({})).await;
        assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    }
    // Nobody's key changed.
    assert_eq!(
        app.get("/v1/orders", &wallet.key).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.get("/v1/orders", &partner.key).await.status(),
        StatusCode::OK
    );
    for path in ["/v1/admin/things", "/v1/admin/operators"] {
        let response = app.get(path, ADMIN_TOKEN).await;
        assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
        let response = app.post(path, ADMIN_TOKEN, &json!({ "name": "x" })).await;
        assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    }
}
