//! The webhook endpoints API: register, list, delete, rotate the secret; validation, the SSRF
//! guard, isolation between parties, and Idempotency-Key. Deliveries themselves are tested in
//! `webhooks.rs`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{
    assert_error, assert_invalid_field, spawn_app, spawn_app_with, TestApp, ADMIN_TOKEN,
};

const PATH: &str = "/v1/webhook-endpoints";

/// An app that accepts loopback receivers.
async fn local_app() -> TestApp {
    spawn_app_with(|s| s.webhook_allow_private_targets = true).await
}

/// `whsec_` and the base64 of 32 bytes.
fn assert_secret(secret: &Value) {
    let text = secret.as_str().expect("a secret string");
    let encoded = text
        .strip_prefix("whsec_")
        .unwrap_or_else(|| panic!("no whsec_ prefix: {text}"));
    let bytes = STANDARD.decode(encoded).expect("base64 after whsec_");
    assert_eq!(bytes.len(), 32, "{text}");
}

fn assert_millis_timestamp(value: &Value) -> chrono::DateTime<chrono::FixedOffset> {
    let text = value.as_str().expect("a timestamp string");
    assert!(
        text.ends_with('Z') && text.len() == "2026-11-22T10:15:30.123Z".len(),
        "{text}"
    );
    chrono::DateTime::parse_from_rfc3339(text).expect("RFC 3339")
}

async fn create(app: &TestApp, key: &str, body: &Value) -> Value {
    let response = app.post(PATH, key, body).await;
    assert_eq!(response.status(), StatusCode::CREATED, "POST {body}");
    response.json().await.unwrap()
}

fn ids(page: &Value) -> Vec<&str> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn a_wallet_registers_lists_and_deletes_endpoints() {
    let app = local_app().await;
    let wallet = app.create_wallet("W").await;

    let first = create(
        &app,
        &wallet.key,
        &json!({
            "url": "http://127.0.0.1:9/hooks/rampflow",
            "event_types": ["order.completed", "order.created"],
            "description": "settlement"
        }),
    )
    .await;
    assert!(uuid::Uuid::parse_str(first["id"].as_str().unwrap()).is_ok());
    assert_eq!(first["url"], "http://127.0.0.1:9/hooks/rampflow");
    assert_eq!(
        first["event_types"],
        json!(["order.completed", "order.created"])
    );
    assert_eq!(first["description"], "settlement");
    assert_eq!(first["disabled"], false);
    assert_secret(&first["secret"]);
    assert_millis_timestamp(&first["created_at"]);

    let second = create(
        &app,
        &wallet.key,
        &json!({ "url": "http://127.0.0.1:9/all" }),
    )
    .await;
    assert_eq!(second["event_types"], Value::Null);
    assert_eq!(second["description"], Value::Null);
    assert_secret(&second["secret"]);
    assert_ne!(first["secret"], second["secret"]);

    // Listed oldest first, without secrets.
    let page = app.get_page(PATH, &wallet.key).await;
    assert_eq!(
        ids(&page),
        [
            first["id"].as_str().unwrap(),
            second["id"].as_str().unwrap()
        ]
    );
    assert_eq!(page["next_cursor"], Value::Null);
    for listed in page["data"].as_array().unwrap() {
        assert!(listed.get("secret").is_none(), "secret listed: {listed}");
    }
    let mut without_secret = first.clone();
    without_secret.as_object_mut().unwrap().remove("secret");
    assert_eq!(page["data"][0], without_secret);

    // Pages of one.
    let one = app.get_page(&format!("{PATH}?limit=1"), &wallet.key).await;
    assert_eq!(ids(&one), [first["id"].as_str().unwrap()]);
    let cursor = one["next_cursor"].as_str().expect("a next page");
    let rest = app
        .get_page(&format!("{PATH}?limit=1&cursor={cursor}"), &wallet.key)
        .await;
    assert_eq!(ids(&rest), [second["id"].as_str().unwrap()]);
    assert_eq!(rest["next_cursor"], Value::Null);

    // Delete: 204 with no body, gone from the list, 404 the second time.
    let id = first["id"].as_str().unwrap();
    let response = app.delete(&format!("{PATH}/{id}"), &wallet.key).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(response.bytes().await.unwrap().is_empty());
    let page = app.get_page(PATH, &wallet.key).await;
    assert_eq!(ids(&page), [second["id"].as_str().unwrap()]);
    let response = app.delete(&format!("{PATH}/{id}"), &wallet.key).await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = app
        .post(
            &format!("{PATH}/{id}/rotate-secret"),
            &wallet.key,
            &json!({}),
        )
        .await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;

    // Unknown and malformed ids.
    let unknown = uuid::Uuid::now_v7();
    for path in [format!("{PATH}/{unknown}"), format!("{PATH}/not-a-uuid")] {
        let response = app.delete(&path, &wallet.key).await;
        assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    }
}

#[tokio::test]
async fn a_partner_registers_endpoints_too() {
    let app = local_app().await;
    let partner = app.create_partner("P").await;
    let endpoint = create(
        &app,
        &partner.key,
        &json!({ "url": "https://127.0.0.1:8443/in", "event_types": ["order.created"] }),
    )
    .await;
    assert_secret(&endpoint["secret"]);
    let page = app.get_page(PATH, &partner.key).await;
    assert_eq!(ids(&page), [endpoint["id"].as_str().unwrap()]);
}

#[tokio::test]
async fn rotating_gives_a_new_secret_and_keeps_the_old_one_for_a_day() {
    let app = local_app().await;
    let wallet = app.create_wallet("W").await;
    let endpoint = create(&app, &wallet.key, &json!({ "url": "http://127.0.0.1:9/h" })).await;
    let id = endpoint["id"].as_str().unwrap();

    let before = chrono::Utc::now();
    let response = app
        .request(
            Method::POST,
            &format!("{PATH}/{id}/rotate-secret"),
            Some(&wallet.key),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let rotated: Value = response.json().await.unwrap();
    assert_eq!(rotated["id"], id);
    assert_secret(&rotated["secret"]);
    assert_ne!(rotated["secret"], endpoint["secret"]);
    let expires = assert_millis_timestamp(&rotated["previous_secret_expires_at"]);
    let ahead = expires.with_timezone(&chrono::Utc) - before;
    assert!(
        ahead > chrono::Duration::hours(24) - chrono::Duration::minutes(1)
            && ahead <= chrono::Duration::hours(24) + chrono::Duration::minutes(1),
        "{ahead}"
    );

    // Again: another new secret.
    let again: Value = app
        .post(
            &format!("{PATH}/{id}/rotate-secret"),
            &wallet.key,
            &json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_secret(&again["secret"]);
    assert_ne!(again["secret"], rotated["secret"]);
    assert_ne!(again["secret"], endpoint["secret"]);

    // The listing never shows a secret.
    let page = app.get_page(PATH, &wallet.key).await;
    assert!(page["data"][0].get("secret").is_none());
}

#[tokio::test]
async fn invalid_bodies_name_the_field() {
    let app = local_app().await;
    let wallet = app.create_wallet("W").await;
    let long_url = format!("https://example.com/{}", "a".repeat(2048));
    let cases = [
        (json!({}), "url"),
        (json!({ "url": 42 }), "url"),
        (json!({ "url": "not a url" }), "url"),
        (json!({ "url": "ftp://127.0.0.1/hooks" }), "url"),
        (json!({ "url": "file:///etc/passwd" }), "url"),
        (json!({ "url": "https://user:pw@127.0.0.1/hooks" }), "url"),
        (json!({ "url": long_url }), "url"),
        (
            json!({ "url": "http://127.0.0.1:9/h", "event_types": ["order.created", "order.nope"] }),
            "event_types[1]",
        ),
        (
            json!({ "url": "http://127.0.0.1:9/h", "event_types": ["order.created", 7] }),
            "event_types[1]",
        ),
        (
            json!({ "url": "http://127.0.0.1:9/h", "event_types": [] }),
            "event_types",
        ),
        (
            json!({ "url": "http://127.0.0.1:9/h", "event_types": "order.created" }),
            "event_types",
        ),
        (
            json!({ "url": "http://127.0.0.1:9/h", "description": "x".repeat(257) }),
            "description",
        ),
        (
            json!({ "url": "http://127.0.0.1:9/h", "secret": "whsec_mine" }),
            "secret",
        ),
    ];
    for (body, field) in cases {
        let response = app.post(PATH, &wallet.key, &body).await;
        assert_invalid_field(response, field).await;
    }
    // Not JSON at all.
    let response = app
        .client
        .post(format!("{}{PATH}", app.address))
        .bearer_auth(&wallet.key)
        .header("Content-Type", "application/json")
        .body("{nope")
        .send()
        .await
        .unwrap();
    assert_error(response, StatusCode::BAD_REQUEST, "malformed_request").await;
    // A 256-character description is fine; nothing invalid was stored.
    create(
        &app,
        &wallet.key,
        &json!({ "url": "http://127.0.0.1:9/h", "description": "é".repeat(256) }),
    )
    .await;
    let page = app.get_page(PATH, &wallet.key).await;
    assert_eq!(page["data"].as_array().unwrap().len(), 1);
    // Listing takes only limit and cursor.
    for query in ["?limit=0", "?limit=101", "?cursor=***", "?owner=x"] {
        let response = app.get(&format!("{PATH}{query}"), &wallet.key).await;
        assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
}

#[tokio::test]
async fn private_targets_are_refused_unless_allowed() {
    let targets = [
        "http://127.0.0.1:8080/hooks",
        "http://10.0.0.1/hooks",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]:8080/hooks",
        "http://localhost:8080/hooks",
        "http://192.168.1.10/hooks",
        "http://[::ffff:127.0.0.1]/hooks",
    ];
    let strict = spawn_app().await;
    let wallet = strict.create_wallet("W").await;
    for url in targets {
        let response = strict.post(PATH, &wallet.key, &json!({ "url": url })).await;
        let body = assert_invalid_field(response, "url").await;
        let reason = body["error"]["details"]["reason"].as_str().unwrap();
        assert!(reason.contains("not allowed"), "{url}: {reason}");
    }
    // A host that does not resolve is refused too.
    let response = strict
        .post(
            PATH,
            &wallet.key,
            &json!({ "url": "https://no-such-host.invalid/hooks" }),
        )
        .await;
    assert_invalid_field(response, "url").await;
    // Nothing was stored.
    let page = strict.get_page(PATH, &wallet.key).await;
    assert_eq!(page["data"], json!([]));
    // A public address is fine.
    create(
        &strict,
        &wallet.key,
        &json!({ "url": "https://93.184.216.34/hooks" }),
    )
    .await;

    let relaxed = local_app().await;
    let wallet = relaxed.create_wallet("W").await;
    for url in targets {
        create(&relaxed, &wallet.key, &json!({ "url": url })).await;
    }
    let page = relaxed
        .get_page(&format!("{PATH}?limit=100"), &wallet.key)
        .await;
    assert_eq!(page["data"].as_array().unwrap().len(), targets.len());
}

#[tokio::test]
async fn parties_see_only_their_own_endpoints_and_the_operator_none() {
    let app = local_app().await;
    let a = app.create_wallet("A").await;
    let b = app.create_wallet("B").await;
    let partner = app.create_partner("P").await;
    let endpoint = create(&app, &a.key, &json!({ "url": "http://127.0.0.1:9/a" })).await;
    let id = endpoint["id"].as_str().unwrap();

    for other in [&b.key, &partner.key] {
        let page = app.get_page(PATH, other).await;
        assert_eq!(page["data"], json!([]));
        let response = app.delete(&format!("{PATH}/{id}"), other).await;
        assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
        let response = app
            .post(&format!("{PATH}/{id}/rotate-secret"), other, &json!({}))
            .await;
        assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    }
    // Still there, secret unchanged by the attempts.
    let page = app.get_page(PATH, &a.key).await;
    assert_eq!(ids(&page), [id]);

    // The operator has no endpoints.
    let response = app
        .post(PATH, ADMIN_TOKEN, &json!({ "url": "http://127.0.0.1:9/o" }))
        .await;
    assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    let response = app.get(PATH, ADMIN_TOKEN).await;
    assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    let response = app.delete(&format!("{PATH}/{id}"), ADMIN_TOKEN).await;
    assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    let response = app
        .post(
            &format!("{PATH}/{id}/rotate-secret"),
            ADMIN_TOKEN,
            &json!({}),
        )
        .await;
    assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;

    // No key at all.
    let response = app
        .request(
            Method::POST,
            PATH,
            None,
            Some(&json!({ "url": "http://127.0.0.1:9/x" })),
        )
        .await;
    assert_error(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
    let response = app.request(Method::GET, PATH, None, None).await;
    assert_error(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
    // A wrong method is a 405 in the envelope.
    let response = app.request(Method::PUT, PATH, Some(&a.key), None).await;
    assert_error(
        response,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    )
    .await;
}

#[tokio::test]
async fn an_idempotency_key_replays_the_creation_with_its_secret() {
    let app = local_app().await;
    let wallet = app.create_wallet("W").await;
    let other = app.create_wallet("O").await;
    let body = json!({ "url": "http://127.0.0.1:9/idem", "event_types": ["order.created"] });
    let post = |key: String, body: Value, idem: &'static str| {
        let request = app
            .client
            .post(format!("{}{PATH}", app.address))
            .bearer_auth(key)
            .header("Idempotency-Key", idem)
            .json(&body);
        async move { request.send().await.unwrap() }
    };

    let first = post(wallet.key.clone(), body.clone(), "hook-1").await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    let replay = post(wallet.key.clone(), body.clone(), "hook-1").await;
    assert_eq!(replay.status(), StatusCode::CREATED);
    assert_eq!(
        replay
            .headers()
            .get("Idempotent-Replayed")
            .and_then(|v| v.to_str().ok()),
        Some("true")
    );
    let replay: Value = replay.json().await.unwrap();
    assert_eq!(replay, first);
    assert_secret(&replay["secret"]);

    // A different body with the same key.
    let conflict = post(
        wallet.key.clone(),
        json!({ "url": "http://127.0.0.1:9/other" }),
        "hook-1",
    )
    .await;
    assert_error(conflict, StatusCode::CONFLICT, "idempotency_conflict").await;

    // Another party's key space is its own.
    let theirs = post(other.key.clone(), body.clone(), "hook-1").await;
    assert_eq!(theirs.status(), StatusCode::CREATED);
    let theirs: Value = theirs.json().await.unwrap();
    assert_ne!(theirs["id"], first["id"]);

    // One endpoint only for the wallet.
    let page = app.get_page(PATH, &wallet.key).await;
    assert_eq!(ids(&page), [first["id"].as_str().unwrap()]);

    // A refused request does not use up the key.
    let strict = spawn_app().await;
    let wallet = strict.create_wallet("W").await;
    let request = |url: &str| {
        strict
            .client
            .post(format!("{}{PATH}", strict.address))
            .bearer_auth(&wallet.key)
            .header("Idempotency-Key", "k")
            .json(&json!({ "url": url }))
            .send()
    };
    let refused = request("http://127.0.0.1:9/x").await.unwrap();
    assert_invalid_field(refused, "url").await;
    let accepted = request("https://93.184.216.34/x").await.unwrap();
    assert_eq!(accepted.status(), StatusCode::CREATED);
}
