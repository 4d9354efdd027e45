//! The error envelope on every kind of failure (400, 404, 405, 413), bodies that are not JSON
//! or not declared as JSON, and `GET /v1/orders`: its query validation, its filters, and
//! cursor pagination that returns every order exactly once, newest first.

use std::time::Duration;

use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{
    accept_body, assert_invalid_field, order_body, spawn_app, Fixture, Party, TestApp, ADMIN_TOKEN,
};

/// Asserts the full envelope: status, JSON content type, `code`, a message, and `details`
/// that are null or an object.
async fn assert_envelope(response: Response, status: StatusCode, code: &str) -> Value {
    let got = response.status();
    let url = response.url().clone();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        content_type.starts_with("application/json"),
        "content type {content_type:?}"
    );
    let body: Value = response.json().await.expect("a JSON error body");
    assert_eq!(got, status, "{url}: {body}");
    let error = body["error"].as_object().expect("an error object");
    assert_eq!(error["code"], code, "{body}");
    assert!(
        error["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert!(
        error["details"].is_null() || error["details"].is_object(),
        "{body}"
    );
    assert_eq!(body.as_object().unwrap().len(), 1, "{body}");
    body
}

/// A request with a raw body and an optional content type.
async fn send_raw(
    app: &TestApp,
    method: Method,
    path: &str,
    key: &str,
    content_type: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> Response {
    let mut request = app
        .client
        .request(method, format!("{}{path}", app.address))
        .bearer_auth(key)
        .body(body);
    if let Some(content_type) = content_type {
        request = request.header("Content-Type", content_type);
    }
    request.send().await.expect("the request was sent")
}

async fn order_count(app: &TestApp, wallet: &Party) -> usize {
    app.get_page("/v1/orders?limit=100", &wallet.key).await["data"]
        .as_array()
        .unwrap()
        .len()
}

#[tokio::test]
async fn a_body_that_is_not_json_is_malformed() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    let json = "application/json";
    for body in [
        "{not json",
        "",
        "   ",
        "{\"direction\": \"offramp\",}",
        "{\"direction\": \"offramp\"} trailing",
        "{\"direction\": \"offramp\"}{}",
        "\u{feff}{}",
        "'single quotes'",
    ] {
        let response = send_raw(
            &app,
            Method::POST,
            "/v1/orders",
            &fixture.wallet.key,
            Some(json),
            body.to_owned(),
        )
        .await;
        assert_envelope(response, StatusCode::BAD_REQUEST, "malformed_request").await;
    }
    // Invalid UTF-8.
    let response = send_raw(
        &app,
        Method::POST,
        "/v1/orders",
        &fixture.wallet.key,
        Some(json),
        vec![b'{', b'"', 0xff, 0xfe, b'"', b':', b'1', b'}'],
    )
    .await;
    assert_envelope(response, StatusCode::BAD_REQUEST, "malformed_request").await;

    // Valid JSON of the wrong shape is a 422, not a 400.
    for body in ["[]", "null", "\"order\"", "42", "[{}]"] {
        let response = send_raw(
            &app,
            Method::POST,
            "/v1/orders",
            &fixture.wallet.key,
            Some(json),
            body,
        )
        .await;
        let error = assert_envelope(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert!(error["error"]["details"]["field"].is_string(), "{error}");
    }

    // The same on the other bodies: users, commands, admin.
    let order = app.new_order(&fixture, "offramp").await;
    let id = order["id"].as_str().unwrap();
    for (key, method, path) in [
        (
            &fixture.wallet.key,
            Method::PUT,
            "/v1/users/u-42".to_owned(),
        ),
        (
            &fixture.partner.key,
            Method::POST,
            format!("/v1/orders/{id}/accept"),
        ),
        (
            &fixture.partner.key,
            Method::POST,
            format!("/v1/orders/{id}/reject"),
        ),
        (
            &fixture.wallet.key,
            Method::POST,
            format!("/v1/orders/{id}/cancel"),
        ),
        (
            &fixture.wallet.key,
            Method::POST,
            format!("/v1/orders/{id}/funds-sent"),
        ),
        (
            &ADMIN_TOKEN.to_owned(),
            Method::POST,
            "/v1/admin/wallets".to_owned(),
        ),
    ] {
        let response = send_raw(&app, method.clone(), &path, key, Some(json), "{oops").await;
        assert_envelope(response, StatusCode::BAD_REQUEST, "malformed_request").await;
    }
    assert_eq!(order_count(&app, &fixture.wallet).await, 1);
    assert_eq!(app.get_order(&fixture.wallet.key, id).await, order);
    let response = app.get("/v1/users/u-42", &fixture.wallet.key).await;
    let user: Value = response.json().await.unwrap();
    assert_eq!(user["email"], "ada@example.com");
    let page = app.get_page("/v1/admin/wallets", ADMIN_TOKEN).await;
    assert_eq!(page["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_body_must_be_declared_as_json() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    let body = order_body("offramp", &fixture).to_string();
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("application/jsonp"),
        Some("multipart/form-data; boundary=x"),
    ] {
        let response = send_raw(
            &app,
            Method::POST,
            "/v1/orders",
            &fixture.wallet.key,
            content_type,
            body.clone(),
        )
        .await;
        assert_envelope(response, StatusCode::BAD_REQUEST, "malformed_request").await;
    }
    let response = send_raw(
        &app,
        Method::PUT,
        "/v1/users/u-1",
        &fixture.wallet.key,
        Some("text/plain"),
        "{}",
    )
    .await;
    assert_envelope(response, StatusCode::BAD_REQUEST, "malformed_request").await;
    assert_eq!(order_count(&app, &fixture.wallet).await, 0);
    let response = app.get("/v1/users/u-1", &fixture.wallet.key).await;
    assert_envelope(response, StatusCode::NOT_FOUND, "not_found").await;

    // Parameters on the media type are fine, and so is its case.
    for content_type in ["application/json; charset=utf-8", "Application/JSON"] {
        let response = send_raw(
            &app,
            Method::POST,
            "/v1/orders",
            &fixture.wallet.key,
            Some(content_type),
            body.clone(),
        )
        .await;
        assert_eq!(response.status(), StatusCode::CREATED, "{content_type}");
    }
    assert_eq!(order_count(&app, &fixture.wallet).await, 2);
}

#[tokio::test]
async fn commands_without_required_fields_may_have_an_empty_body() {
    // cancel and funds-sent take an optional body: nothing at all is the same as {}.
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    let order = app.new_order(&fixture, "offramp").await;
    let id = order["id"].as_str().unwrap();
    let response = app
        .command(&fixture.partner.key, id, "accept", &accept_body("offramp"))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = app
        .request(
            Method::POST,
            &format!("/v1/orders/{id}/funds-sent"),
            Some(&fixture.wallet.key),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let sent: Value = response.json().await.unwrap();
    assert_eq!(sent["status"], "funds_sent");
    // A command that needs fields does not take a missing body: there is no JSON to read.
    let response = app
        .request(
            Method::POST,
            &format!("/v1/orders/{id}/funds-received"),
            Some(&fixture.partner.key),
            None,
        )
        .await;
    assert_envelope(response, StatusCode::BAD_REQUEST, "malformed_request").await;
    // An empty JSON object is JSON, and names what is missing.
    let response = app
        .command(&fixture.partner.key, id, "funds-received", &json!({}))
        .await;
    assert_invalid_field(response, "amount").await;
    assert_eq!(app.get_order(&fixture.wallet.key, id).await, sent);
}

#[tokio::test]
async fn unknown_paths_are_not_found_in_the_envelope() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    let order = app.new_order(&fixture, "offramp").await;
    let id = order["id"].as_str().unwrap();
    for path in [
        "/".to_owned(),
        "/nope".to_owned(),
        "/v1".to_owned(),
        "/v1/nope".to_owned(),
        "/v2/orders".to_owned(),
        "/v1/orders/".to_owned(),
        format!("/v1/orders/{id}/nope"),
        format!("/v1/orders/{id}/accept/again"),
        "/v1/users".to_owned(),
        "/v1/admin".to_owned(),
    ] {
        for key in [Some(fixture.wallet.key.as_str()), Some(ADMIN_TOKEN), None] {
            let response = app.request(Method::GET, &path, key, None).await;
            assert_envelope(response, StatusCode::NOT_FOUND, "not_found").await;
        }
        let response = app
            .request(
                Method::POST,
                &path,
                Some(&fixture.wallet.key),
                Some(&json!({})),
            )
            .await;
        assert_envelope(response, StatusCode::NOT_FOUND, "not_found").await;
    }
}

#[tokio::test]
async fn a_wrong_method_on_a_known_path_is_405_in_the_envelope() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    let order = app.new_order(&fixture, "offramp").await;
    let id = order["id"].as_str().unwrap();
    for (method, path) in [
        (Method::DELETE, "/v1/orders".to_owned()),
        (Method::PUT, "/v1/orders".to_owned()),
        (Method::PATCH, "/v1/orders".to_owned()),
        (Method::DELETE, format!("/v1/orders/{id}")),
        (Method::POST, format!("/v1/orders/{id}")),
        (Method::GET, format!("/v1/orders/{id}/accept")),
        (Method::PUT, format!("/v1/orders/{id}/cancel")),
        (Method::POST, format!("/v1/orders/{id}/user")),
        (Method::POST, "/v1/users/u-42".to_owned()),
        (Method::POST, "/v1/users/u-42/grants".to_owned()),
        (
            Method::GET,
            format!("/v1/users/u-42/grants/{}", fixture.partner.id),
        ),
        (Method::DELETE, "/v1/users/u-42/access-log".to_owned()),
        (Method::DELETE, "/v1/admin/wallets".to_owned()),
        (
            Method::GET,
            format!("/v1/admin/wallets/{}/rotate-key", fixture.wallet.id),
        ),
    ] {
        let response = app
            .request(method.clone(), &path, Some(&fixture.wallet.key), None)
            .await;
        let allow = response
            .headers()
            .get("allow")
            .map(|v| v.to_str().unwrap().to_owned());
        assert_envelope(
            response,
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        )
        .await;
        if let Some(allow) = allow {
            assert!(
                !allow.contains(method.as_str()),
                "{method} {path}: Allow {allow}"
            );
        }
    }
    // Nothing was deleted.
    assert_eq!(app.get_order(&fixture.wallet.key, id).await, order);
    assert_eq!(
        app.get("/v1/users/u-42", &fixture.wallet.key)
            .await
            .status(),
        StatusCode::OK
    );
}

/// A JSON body of exactly `size` bytes: a valid user record padded with spaces.
fn padded_user(size: usize) -> String {
    let json = json!({ "email": "ada@example.com" }).to_string();
    assert!(size >= json.len());
    format!("{json}{}", " ".repeat(size - json.len()))
}

#[tokio::test]
async fn a_body_over_64_kib_is_refused_with_413() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    let limit = 64 * 1024;

    // At the limit is fine, one byte more is not.
    let response = send_raw(
        &app,
        Method::PUT,
        "/v1/users/u-at-limit",
        &fixture.wallet.key,
        Some("application/json"),
        padded_user(limit),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let response = send_raw(
        &app,
        Method::PUT,
        "/v1/users/u-over",
        &fixture.wallet.key,
        Some("application/json"),
        padded_user(limit + 1),
    )
    .await;
    assert_envelope(response, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
    let response = app.get("/v1/users/u-over", &fixture.wallet.key).await;
    assert_envelope(response, StatusCode::NOT_FOUND, "not_found").await;

    // A large order: a huge external_ref would be refused anyway, but size comes first.
    let mut body = order_body("offramp", &fixture);
    body["external_ref"] = json!("x".repeat(70 * 1024));
    let response = app.create_order(&fixture.wallet, &body).await;
    assert_envelope(response, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
    assert_eq!(order_count(&app, &fixture.wallet).await, 0);
}

/// Sends a raw HTTP/1.1 request and returns the status code and the whole response text.
async fn raw_http(app: &TestApp, request: &[u8]) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", app.port))
        .await
        .unwrap();
    stream.write_all(request).await.unwrap();
    let mut response = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response));
    // The server may close the connection before reading all of an oversized body; what it
    // answered before that is what counts.
    let _ = read.await.expect("the server answered");
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    (status, text)
}

#[tokio::test]
async fn a_chunked_body_over_64_kib_is_refused_with_413() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    let chunked = |body: &str| {
        let mut request = format!(
            "PUT /v1/users/u-chunked HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {}\r\n\
             Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
            fixture.wallet.key
        );
        for piece in body.as_bytes().chunks(8 * 1024) {
            request.push_str(&format!("{:x}\r\n", piece.len()));
            request.push_str(std::str::from_utf8(piece).unwrap());
            request.push_str("\r\n");
        }
        request.push_str("0\r\n\r\n");
        request
    };
    let (status, text) = raw_http(&app, chunked(&padded_user(70 * 1024)).as_bytes()).await;
    assert_eq!(status, 413, "{text}");
    assert!(text.contains("\"payload_too_large\""), "{text}");
    let response = app.get("/v1/users/u-chunked", &fixture.wallet.key).await;
    assert_envelope(response, StatusCode::NOT_FOUND, "not_found").await;

    // A small chunked body is read normally.
    let (status, text) = raw_http(&app, chunked(&padded_user(20 * 1024)).as_bytes()).await;
    assert_eq!(status, 201, "{text}");
}

#[tokio::test]
async fn an_oversized_body_does_not_hide_a_missing_key_or_a_wrong_role() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    let big = padded_user(70 * 1024);
    // Unknown key and missing key: 401.
    let response = send_raw(
        &app,
        Method::PUT,
        "/v1/users/u-1",
        "rfw_never_issued_key_0000000000000000000000000",
        Some("application/json"),
        big.clone(),
    )
    .await;
    assert_envelope(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
    let response = app
        .client
        .put(format!("{}/v1/users/u-1", app.address))
        .header("Content-Type", "application/json")
        .body(big.clone())
        .send()
        .await
        .unwrap();
    assert_envelope(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
    // A partner may not store users, whatever the size of the body.
    let response = send_raw(
        &app,
        Method::PUT,
        "/v1/users/u-1",
        &fixture.partner.key,
        Some("application/json"),
        big,
    )
    .await;
    assert_envelope(response, StatusCode::FORBIDDEN, "forbidden").await;
}

// --- GET /v1/orders ---

fn ids(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Follows `next_cursor` from `first` (a path with its query) until the end.
async fn all_pages(app: &TestApp, key: &str, first: &str) -> (Vec<String>, usize) {
    all_pages_from(app, key, first, None).await
}

/// Like [`all_pages`], starting from `cursor`.
async fn all_pages_from(
    app: &TestApp,
    key: &str,
    first: &str,
    cursor: Option<&str>,
) -> (Vec<String>, usize) {
    let mut seen = Vec::new();
    let separator = if first.contains('?') { '&' } else { '?' };
    let mut path = match cursor {
        Some(cursor) => format!("{first}{separator}cursor={cursor}"),
        None => first.to_owned(),
    };
    let mut pages = 0;
    loop {
        let page = app.get_page(&path, key).await;
        pages += 1;
        assert!(pages <= 50, "paging does not end");
        seen.extend(ids(&page));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("{first}{separator}cursor={cursor}"),
            None => return (seen, pages),
        }
    }
}

async fn create_orders(app: &TestApp, fixture: &Fixture, n: usize) -> Vec<Value> {
    let mut orders = Vec::new();
    for i in 0..n {
        let direction = if i % 2 == 0 { "offramp" } else { "onramp" };
        orders.push(app.new_order(fixture, direction).await);
    }
    orders
}

fn newest_first(orders: &[Value]) -> Vec<String> {
    orders
        .iter()
        .rev()
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn orders_are_paged_newest_first_each_exactly_once() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    let orders = create_orders(&app, &fixture, 5).await;
    let expected = newest_first(&orders);

    let page = app
        .get_page("/v1/orders?limit=2", &fixture.wallet.key)
        .await;
    assert_eq!(ids(&page), expected[..2]);
    assert!(page["next_cursor"].is_string());
    // The listed documents are the order resources.
    assert_eq!(page["data"][0], orders[4]);

    for key in [&fixture.wallet.key, &fixture.partner.key] {
        let (seen, pages) = all_pages(&app, key, "/v1/orders?limit=2").await;
        assert_eq!(seen, expected);
        assert_eq!(pages, 3);
        let (seen, pages) = all_pages(&app, key, "/v1/orders?limit=1").await;
        assert_eq!(seen, expected);
        assert_eq!(pages, 5);
    }
    // A page that ends exactly at the last order says there is nothing more.
    let page = app
        .get_page("/v1/orders?limit=5", &fixture.wallet.key)
        .await;
    assert_eq!(ids(&page), expected);
    assert_eq!(page["next_cursor"], Value::Null);
    let page = app
        .get_page("/v1/orders?limit=100", &fixture.wallet.key)
        .await;
    assert_eq!(ids(&page), expected);
    // The default limit (20) holds all five.
    let page = app.get_page("/v1/orders", &fixture.wallet.key).await;
    assert_eq!(ids(&page), expected);
    assert_eq!(page["next_cursor"], Value::Null);

    // An order created while paging does not shift the pages still to come.
    let page = app
        .get_page("/v1/orders?limit=2", &fixture.wallet.key)
        .await;
    let cursor = page["next_cursor"].as_str().unwrap().to_owned();
    let newer = app.new_order(&fixture, "offramp").await;
    let (rest, _) = all_pages_from(
        &app,
        &fixture.wallet.key,
        "/v1/orders?limit=2",
        Some(&cursor),
    )
    .await;
    assert_eq!(rest, expected[2..]);
    let page = app
        .get_page("/v1/orders?limit=1", &fixture.wallet.key)
        .await;
    assert_eq!(ids(&page), [newer["id"].as_str().unwrap()]);
}

#[tokio::test]
async fn the_order_list_query_is_validated() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    create_orders(&app, &fixture, 1).await;
    let base64_of_not_an_id = "bm90LWFuLWlk"; // "not-an-id"
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=-1", "limit"),
        ("limit=1.5", "limit"),
        ("limit=ten", "limit"),
        ("limit=1&limit=2", "limit"),
        ("cursor=!!!", "cursor"),
        (&format!("cursor={base64_of_not_an_id}") as &str, "cursor"),
        ("status=bogus", "status"),
        ("status=CREATED", "status"),
        ("direction=sideways", "direction"),
        ("partner_id=not-a-uuid", "partner_id"),
        ("created_after=yesterday", "created_after"),
        ("created_after=2026-01-01", "created_after"),
        ("created_before=1700000000", "created_before"),
        ("sort=asc", "sort"),
        ("user_ref=u-42", "user_ref"),
    ] {
        for key in [&fixture.wallet.key, &fixture.partner.key] {
            let response = app.get(&format!("/v1/orders?{query}"), key).await;
            let body = assert_invalid_field(response, field).await;
            assert_eq!(
                body["error"]["details"].as_object().unwrap().len(),
                2,
                "{body}"
            );
        }
    }
    // An empty parameter is not "no filter" (tests/api/strict_input.rs tries every one).
    let response = app
        .get("/v1/orders?status=&limit=", &fixture.wallet.key)
        .await;
    assert_invalid_field(response, "status").await;
}

#[tokio::test]
async fn the_order_list_filters() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    let second = app.create_partner("Second Partner").await;
    app.grant_access(&fixture.wallet, &fixture.user_ref, &second)
        .await;
    let wallet = &fixture.wallet.key;

    // Early: two orders with the first partner.
    let early = create_orders(&app, &fixture, 2).await; // offramp, onramp
    let early_last = early
        .iter()
        .map(|o| o["created_at"].as_str().unwrap().to_owned())
        .max()
        .unwrap();
    // The store keeps milliseconds: a pause makes the later orders strictly later.
    tokio::time::sleep(Duration::from_millis(25)).await;
    // Late: two orders with the first partner, one with the second.
    let late = create_orders(&app, &fixture, 2).await;
    let mut to_second = order_body("onramp", &fixture);
    to_second["partner_id"] = json!(second.id);
    let response = app.create_order(&fixture.wallet, &to_second).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let on_second: Value = response.json().await.unwrap();
    for order in &late {
        assert!(order["created_at"].as_str().unwrap() > early_last.as_str());
    }

    // The partner accepts one early off-ramp order with an external id, and rejects a late one.
    let accepted_id = early[0]["id"].as_str().unwrap();
    let mut accept = accept_body("offramp");
    accept["external_id"] = json!("ext-77");
    let response = app
        .command(&fixture.partner.key, accepted_id, "accept", &accept)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let rejected_id = late[1]["id"].as_str().unwrap();
    let response = app
        .command(
            &fixture.partner.key,
            rejected_id,
            "reject",
            &json!({ "reason": "no" }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);

    let id = |o: &Value| o["id"].as_str().unwrap().to_owned();
    let all = vec![
        id(&on_second),
        id(&late[1]),
        id(&late[0]),
        id(&early[1]),
        id(&early[0]),
    ];
    let pick = |wanted: &[&Value]| -> Vec<String> {
        let wanted: Vec<String> = wanted.iter().map(|o| id(o)).collect();
        all.iter().filter(|i| wanted.contains(i)).cloned().collect()
    };

    let cases: Vec<(String, Vec<String>)> = vec![
        ("status=accepted".into(), pick(&[&early[0]])),
        ("status=rejected".into(), pick(&[&late[1]])),
        (
            "status=created".into(),
            pick(&[&on_second, &late[0], &early[1]]),
        ),
        ("status=completed".into(), vec![]),
        ("direction=offramp".into(), pick(&[&late[0], &early[0]])),
        (
            "direction=onramp".into(),
            pick(&[&on_second, &late[1], &early[1]]),
        ),
        (format!("partner_id={}", second.id), pick(&[&on_second])),
        (
            format!("partner_id={}", fixture.partner.id),
            pick(&[&late[1], &late[0], &early[1], &early[0]]),
        ),
        ("external_id=ext-77".into(), pick(&[&early[0]])),
        ("external_id=nope".into(), vec![]),
        ("created_after=2000-01-01T00:00:00Z".into(), all.clone()),
        ("created_after=2999-01-01T00:00:00Z".into(), vec![]),
        (
            "created_before=2999-01-01T00:00:00.000Z".into(),
            all.clone(),
        ),
        ("created_before=2000-01-01T00:00:00Z".into(), vec![]),
        (
            "status=created&direction=onramp".into(),
            pick(&[&on_second, &early[1]]),
        ),
        (
            format!("status=created&direction=onramp&partner_id={}", second.id),
            pick(&[&on_second]),
        ),
    ];
    for (query, expected) in cases {
        let (seen, _) = all_pages(&app, wallet, &format!("/v1/orders?{query}&limit=2")).await;
        assert_eq!(seen, expected, "wallet ?{query}");
    }

    // Time windows around the pause: one millisecond after the last early order.
    let after_early = plus_one_milli(&early_last);
    let late_ids = pick(&[&on_second, &late[1], &late[0]]);
    let early_ids = pick(&[&early[1], &early[0]]);
    let (seen, _) = all_pages(
        &app,
        wallet,
        &format!("/v1/orders?created_after={after_early}"),
    )
    .await;
    assert_eq!(seen, late_ids);
    let (seen, _) = all_pages(
        &app,
        wallet,
        &format!("/v1/orders?created_before={after_early}&limit=1"),
    )
    .await;
    assert_eq!(seen, early_ids);
    // The same instant written with an offset.
    let offset = to_plus_one_hour(&after_early);
    let (seen, _) = all_pages(
        &app,
        wallet,
        &format!("/v1/orders?created_after={}", offset.replace('+', "%2B")),
    )
    .await;
    assert_eq!(seen, late_ids);

    // The partner's view is filtered the same way, within its own orders.
    let (seen, _) = all_pages(&app, &fixture.partner.key, "/v1/orders?status=created").await;
    assert_eq!(seen, pick(&[&late[0], &early[1]]));
    let (seen, _) = all_pages(&app, &second.key, "/v1/orders?direction=onramp").await;
    assert_eq!(seen, pick(&[&on_second]));
    let (seen, _) = all_pages(&app, &second.key, "/v1/orders?external_id=ext-77").await;
    assert!(seen.is_empty());
}

/// `2026-11-22T10:15:30.123Z` plus one millisecond, in the same format.
fn plus_one_milli(timestamp: &str) -> String {
    let (head, millis) = timestamp.trim_end_matches('Z').rsplit_once('.').unwrap();
    let millis: u32 = millis.parse().unwrap();
    if millis < 999 {
        format!("{head}.{:03}Z", millis + 1)
    } else {
        // Rare: keep it simple and correct by going through whole seconds.
        let (date, time) = head.split_once('T').unwrap();
        let parts: Vec<u32> = time.split(':').map(|p| p.parse().unwrap()).collect();
        let secs = parts[0] * 3600 + parts[1] * 60 + parts[2] + 1;
        assert!(
            secs < 24 * 3600,
            "the test straddles midnight; run it again"
        );
        format!(
            "{date}T{:02}:{:02}:{:02}.000Z",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )
    }
}

/// The same instant as a `...Z` timestamp, written with a +01:00 offset.
fn to_plus_one_hour(timestamp: &str) -> String {
    let (date, time) = timestamp.trim_end_matches('Z').split_once('T').unwrap();
    let hour: u32 = time[..2].parse().unwrap();
    if hour == 23 {
        // Would change the date; an equivalent offset of zero is still a different spelling.
        return format!("{date}T{time}+00:00");
    }
    format!("{date}T{:02}{}+01:00", hour + 1, &time[2..])
}
