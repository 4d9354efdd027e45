//! A wallet's users: KYC data (create, replace, read, erase, every field checked), the grants
//! that let a partner read it, the partner's read through an order, and the access log.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{
    assert_error, assert_invalid_field, order_body, spawn_app, Fixture, Party, TestApp,
};

fn full_record() -> Value {
    json!({
        "email": "ada@example.com",
        "phone": "+2348012345678",
        "name": { "first": "Ada", "last": "Obi" },
        "birth_date": "1990-01-31",
        "country": "NG",
        "document": { "type": "passport", "number": "A1234567", "country": "NG" },
        "bank_account": { "bank_name": "GTBank", "account_number": "0123456789", "bank_code": "058" }
    })
}

const KYC_FIELDS: [&str; 7] = [
    "email",
    "phone",
    "name",
    "birth_date",
    "country",
    "document",
    "bank_account",
];

async fn get_user(app: &TestApp, wallet: &Party, user_ref: &str) -> Value {
    let response = app.get(&format!("/v1/users/{user_ref}"), &wallet.key).await;
    assert_eq!(response.status(), StatusCode::OK, "GET user {user_ref}");
    response.json().await.unwrap()
}

async fn put_ok(
    app: &TestApp,
    wallet: &Party,
    user_ref: &str,
    data: &Value,
    status: StatusCode,
) -> Value {
    let response = app.put_user(wallet, user_ref, data).await;
    let got = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(got, status, "PUT {user_ref} {data}: {body}");
    body
}

fn millis(timestamp: &Value) -> i64 {
    let text = timestamp.as_str().expect("a timestamp string");
    // RFC 3339 UTC with milliseconds, e.g. 2026-11-22T10:15:30.123Z
    assert_eq!(text.len(), 24, "{text}");
    assert!(text.ends_with('Z'), "{text}");
    let (date, time) = text.split_once('T').unwrap();
    let d: Vec<i64> = date.split('-').map(|p| p.parse().unwrap()).collect();
    let t: Vec<&str> = time.trim_end_matches('Z').split(':').collect();
    let (secs, ms) = t[2].split_once('.').unwrap();
    // Good enough to order timestamps of one test run.
    ((((d[0] * 12 + d[1]) * 31 + d[2]) * 24 + t[0].parse::<i64>().unwrap()) * 60
        + t[1].parse::<i64>().unwrap())
        * 60_000
        + secs.parse::<i64>().unwrap() * 1000
        + ms.parse::<i64>().unwrap()
}

#[tokio::test]
async fn put_creates_then_replaces_and_get_reads_it_back() {
    let app = spawn_app().await;
    let wallet = app.create_wallet("W").await;
    let record = full_record();

    let created = put_ok(&app, &wallet, "u-1", &record, StatusCode::CREATED).await;
    for field in KYC_FIELDS {
        assert_eq!(created[field], record[field], "{field}");
    }
    assert_eq!(created["user_ref"], "u-1");
    assert_eq!(created["created_at"], created["updated_at"]);
    millis(&created["created_at"]);
    assert_eq!(get_user(&app, &wallet, "u-1").await, created);

    // Replacing drops what the new data leaves out.
    let replacement = json!({ "email": "ada.obi@example.com", "country": "GH" });
    let replaced = put_ok(&app, &wallet, "u-1", &replacement, StatusCode::OK).await;
    assert_eq!(replaced["email"], "ada.obi@example.com");
    assert_eq!(replaced["country"], "GH");
    for field in ["phone", "name", "birth_date", "document", "bank_account"] {
        assert_eq!(replaced[field], Value::Null, "{field} should be gone");
    }
    assert_eq!(replaced["user_ref"], "u-1");
    assert_eq!(replaced["created_at"], created["created_at"]);
    assert!(millis(&replaced["updated_at"]) >= millis(&created["updated_at"]));
    assert_eq!(get_user(&app, &wallet, "u-1").await, replaced);

    // An empty object is a user with no data yet; optional parts may be left out.
    let empty = put_ok(&app, &wallet, "u-2", &json!({}), StatusCode::CREATED).await;
    for field in KYC_FIELDS {
        assert_eq!(empty[field], Value::Null, "{field}");
    }
    let partial = json!({
        "name": { "last": "Obi" },
        "document": { "type": "national_id", "number": "NIN-1" },
        "bank_account": { "account_number": "0123456789" }
    });
    let stored = put_ok(&app, &wallet, "u-3", &partial, StatusCode::CREATED).await;
    assert_eq!(stored["name"]["last"], "Obi");
    assert_eq!(stored["document"]["type"], "national_id");
    assert_eq!(stored["document"]["number"], "NIN-1");
    assert_eq!(stored["bank_account"]["account_number"], "0123456789");
    for document_type in ["driving_license", "residence_permit"] {
        let data = json!({ "document": { "type": document_type, "number": "X1" } });
        put_ok(&app, &wallet, "u-3", &data, StatusCode::OK).await;
    }

    // A user_ref may hold spaces and other printable characters, up to 128 of them.
    let long_ref = "r".repeat(128);
    put_ok(&app, &wallet, &long_ref, &json!({}), StatusCode::CREATED).await;
    get_user(&app, &wallet, &long_ref).await;
    put_ok(&app, &wallet, "Ada%20Obi", &json!({}), StatusCode::CREATED).await;
    assert_eq!(
        get_user(&app, &wallet, "Ada%20Obi").await["user_ref"],
        "Ada Obi"
    );
}

#[tokio::test]
async fn a_replacement_right_after_the_creation_is_still_a_200() {
    // Created-or-replaced must not depend on the clock: a PUT that follows the first one
    // within the same millisecond is a replacement too.
    let app = spawn_app().await;
    let wallet = app.create_wallet("W").await;
    for n in 0..30 {
        let user_ref = format!("u-{n}");
        put_ok(
            &app,
            &wallet,
            &user_ref,
            &json!({ "country": "NG" }),
            StatusCode::CREATED,
        )
        .await;
        let replaced = put_ok(
            &app,
            &wallet,
            &user_ref,
            &json!({ "country": "GH" }),
            StatusCode::OK,
        )
        .await;
        assert_eq!(replaced["country"], "GH");
    }
    // Two PUTs of a new user at once: one creates it, the other replaces it.
    for n in 0..20 {
        let user_ref = format!("u-race-{n}");
        let (ng, gh) = (json!({ "country": "NG" }), json!({ "country": "GH" }));
        let (first, second) = tokio::join!(
            app.put_user(&wallet, &user_ref, &ng),
            app.put_user(&wallet, &user_ref, &gh),
        );
        let mut statuses = [first.status(), second.status()];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::OK, StatusCode::CREATED],
            "{user_ref}: one PUT creates, the other replaces"
        );
    }
}

#[tokio::test]
async fn get_and_delete_of_an_unknown_user_are_not_found() {
    let app = spawn_app().await;
    let wallet = app.create_wallet("W").await;
    for response in [
        app.get("/v1/users/nobody", &wallet.key).await,
        app.delete("/v1/users/nobody", &wallet.key).await,
        app.get("/v1/users/nobody/grants", &wallet.key).await,
    ] {
        assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    }
}

#[tokio::test]
async fn every_kyc_field_is_checked_and_a_refused_put_changes_nothing() {
    let app = spawn_app().await;
    let wallet = app.create_wallet("W").await;
    let stored = put_ok(&app, &wallet, "u-1", &full_record(), StatusCode::CREATED).await;
    let cases: Vec<(Value, &str)> = vec![
        (json!({ "email": "not-an-email" }), "email"),
        (json!({ "email": "ada@localhost" }), "email"),
        (json!({ "email": "@example.com" }), "email"),
        (json!({ "email": "ada @example.com" }), "email"),
        (json!({ "email": 5 }), "email"),
        (json!({ "phone": "12345" }), "phone"),
        (json!({ "phone": "2348012345678" }), "phone"),
        (json!({ "phone": "+234 801 234 5678" }), "phone"),
        (json!({ "phone": "+123456" }), "phone"),
        (json!({ "phone": "+1234567890123456" }), "phone"),
        (json!({ "phone": "+0348012345678" }), "phone"),
        (json!({ "birth_date": "1990-02-30" }), "birth_date"),
        (json!({ "birth_date": "2999-01-01" }), "birth_date"),
        (json!({ "birth_date": "1990-1-5" }), "birth_date"),
        (json!({ "birth_date": "31/01/1990" }), "birth_date"),
        (
            json!({ "birth_date": "1990-01-31T00:00:00Z" }),
            "birth_date",
        ),
        (json!({ "birth_date": "1899-12-31" }), "birth_date"),
        (json!({ "country": "ZZ" }), "country"),
        (json!({ "country": "ng" }), "country"),
        (json!({ "country": "NGA" }), "country"),
        (
            json!({ "document": { "type": "library_card", "number": "1" } }),
            "document.type",
        ),
        (json!({ "document": { "number": "1" } }), "document.type"),
        (
            json!({ "document": { "type": 3, "number": "1" } }),
            "document.type",
        ),
        (
            json!({ "document": { "type": null, "number": "1" } }),
            "document.type",
        ),
        (
            json!({ "document": { "type": "passport" } }),
            "document.number",
        ),
        (
            json!({ "document": { "type": "passport", "number": "" } }),
            "document.number",
        ),
        (
            json!({ "document": { "type": "passport", "number": "1", "country": "XX" } }),
            "document.country",
        ),
        (
            json!({ "document": { "type": "passport", "number": "1", "expiry": "2030-01-01" } }),
            "document.expiry",
        ),
        (json!({ "document": "passport" }), "document"),
        (json!({ "bank_account": {} }), "bank_account.account_number"),
        (
            json!({ "bank_account": { "account_number": "" } }),
            "bank_account.account_number",
        ),
        (
            json!({ "bank_account": { "account_number": "1", "bank_code": "c".repeat(33) } }),
            "bank_account.bank_code",
        ),
        (
            json!({ "bank_account": { "account_number": "1", "iban": "x" } }),
            "bank_account.iban",
        ),
        (json!({ "name": { "first": "" } }), "name.first"),
        (json!({ "name": { "first": " Ada" } }), "name.first"),
        (json!({ "name": { "last": "x".repeat(101) } }), "name.last"),
        (json!({ "name": { "middle": "x" } }), "name.middle"),
        (json!({ "name": "Ada Obi" }), "name"),
        (json!({ "nickname": "ada" }), "nickname"),
        (json!({ "user_ref": "u-1" }), "user_ref"),
    ];
    for (body, field) in &cases {
        // Refused for an existing user: the stored data stays.
        let response = app.put_user(&wallet, "u-1", body).await;
        let status = response.status();
        let error: Value = response.json().await.unwrap();
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {error}");
        assert_eq!(
            error["error"]["code"], "validation_failed",
            "{body}: {error}"
        );
        assert_eq!(
            error["error"]["details"]["field"], *field,
            "{body}: {error}"
        );
        // Refused for a new user: nothing is created.
        let response = app.put_user(&wallet, "u-new", body).await;
        assert_invalid_field(response, field).await;
    }
    assert_eq!(get_user(&app, &wallet, "u-1").await, stored);
    let response = app.get("/v1/users/u-new", &wallet.key).await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;

    // The user_ref in the path is checked too.
    let too_long = "r".repeat(129);
    let response = app.put_user(&wallet, &too_long, &json!({})).await;
    assert_invalid_field(response, "user_ref").await;
    let response = app.put_user(&wallet, "%20padded", &json!({})).await;
    assert_invalid_field(response, "user_ref").await;
}

#[tokio::test]
async fn two_wallets_keep_their_own_user_of_the_same_ref() {
    let app = spawn_app().await;
    let first = app.create_wallet("First").await;
    let second = app.create_wallet("Second").await;
    put_ok(
        &app,
        &first,
        "u-1",
        &json!({ "email": "one@example.com" }),
        StatusCode::CREATED,
    )
    .await;
    put_ok(
        &app,
        &second,
        "u-1",
        &json!({ "email": "two@example.com" }),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        get_user(&app, &first, "u-1").await["email"],
        "one@example.com"
    );
    assert_eq!(
        get_user(&app, &second, "u-1").await["email"],
        "two@example.com"
    );

    let response = app.delete("/v1/users/u-1", &first.key).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let response = app.get("/v1/users/u-1", &first.key).await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(
        get_user(&app, &second, "u-1").await["email"],
        "two@example.com"
    );
}

fn grant_partners(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["partner_id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn grants_are_given_listed_and_revoked() {
    let app = spawn_app().await;
    let wallet = app.create_wallet("W").await;
    let partner = app.create_partner("P1").await;
    let other = app.create_partner("P2").await;
    put_ok(&app, &wallet, "u-1", &json!({}), StatusCode::CREATED).await;
    let grants_path = "/v1/users/u-1/grants";

    let page = app.get_page(grants_path, &wallet.key).await;
    assert_eq!(page, json!({ "data": [], "next_cursor": null }));

    let response = app.grant(&wallet, "u-1", &partner).await;
    assert_eq!(response.status(), StatusCode::OK);
    let granted: Value = response.json().await.unwrap();
    assert_eq!(granted["partner_id"], json!(partner.id));
    millis(&granted["granted_at"]);
    let page = app.get_page(grants_path, &wallet.key).await;
    assert_eq!(
        page,
        json!({ "data": [granted.clone()], "next_cursor": null })
    );

    // Granting again is harmless and keeps the first grant time.
    let response = app.grant(&wallet, "u-1", &partner).await;
    assert_eq!(response.status(), StatusCode::OK);
    let again: Value = response.json().await.unwrap();
    assert_eq!(again, granted);

    let response = app.grant(&wallet, "u-1", &other).await;
    assert_eq!(response.status(), StatusCode::OK);
    let mut listed = grant_partners(&app.get_page(grants_path, &wallet.key).await);
    listed.sort();
    let mut expected = vec![partner.id.clone(), other.id.clone()];
    expected.sort();
    assert_eq!(listed, expected);

    // Revoking one leaves the other.
    let response = app
        .delete(&format!("{grants_path}/{}", partner.id), &wallet.key)
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        grant_partners(&app.get_page(grants_path, &wallet.key).await),
        [other.id.as_str()]
    );
    // Revoking what is not granted is a 404.
    let response = app
        .delete(&format!("{grants_path}/{}", partner.id), &wallet.key)
        .await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = app
        .delete(&format!("{grants_path}/not-a-uuid"), &wallet.key)
        .await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = app
        .delete(
            &format!("/v1/users/nobody/grants/{}", other.id),
            &wallet.key,
        )
        .await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn a_grant_needs_an_existing_user_and_partner() {
    let app = spawn_app().await;
    let wallet = app.create_wallet("W").await;
    let partner = app.create_partner("P").await;
    put_ok(&app, &wallet, "u-1", &json!({}), StatusCode::CREATED).await;

    let response = app.grant(&wallet, "nobody", &partner).await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = app.get("/v1/users/nobody", &wallet.key).await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;

    for partner_id in [
        "01890a5d-ac96-774b-bcce-b302099a8057".to_owned(),
        "not-a-uuid".to_owned(),
        // A wallet is not a partner.
        wallet.id.clone(),
    ] {
        let response = app
            .put(
                &format!("/v1/users/u-1/grants/{partner_id}"),
                &wallet.key,
                &json!({}),
            )
            .await;
        assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    }
    let page = app.get_page("/v1/users/u-1/grants", &wallet.key).await;
    assert_eq!(page["data"], json!([]));
}

#[tokio::test]
async fn the_grant_list_is_paged() {
    let app = spawn_app().await;
    let wallet = app.create_wallet("W").await;
    put_ok(&app, &wallet, "u-1", &json!({}), StatusCode::CREATED).await;
    let mut expected = Vec::new();
    for n in 0..5 {
        let partner = app.create_partner(&format!("P{n}")).await;
        assert_eq!(
            app.grant(&wallet, "u-1", &partner).await.status(),
            StatusCode::OK
        );
        expected.push(partner.id);
    }
    let mut seen = Vec::new();
    let mut path = "/v1/users/u-1/grants?limit=2".to_owned();
    loop {
        let page = app.get_page(&path, &wallet.key).await;
        let data = grant_partners(&page);
        assert!(data.len() <= 2, "{page}");
        seen.extend(data);
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/v1/users/u-1/grants?limit=2&cursor={cursor}"),
            None => break,
        }
        assert!(seen.len() <= 5, "paging does not end");
    }
    seen.sort();
    expected.sort();
    assert_eq!(seen, expected);

    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=x", "limit"),
        ("cursor=%%%", "cursor"),
        ("status=x", "status"),
    ] {
        let response = app
            .get(&format!("/v1/users/u-1/grants?{query}"), &wallet.key)
            .await;
        assert_invalid_field(response, field).await;
    }
}

async fn read_user(app: &TestApp, partner: &Party, order_id: &str) -> reqwest::Response {
    app.get(&format!("/v1/orders/{order_id}/user"), &partner.key)
        .await
}

async fn access_log(app: &TestApp, fixture: &Fixture) -> Vec<Value> {
    let page = app
        .get_page(
            &format!("/v1/users/{}/access-log?limit=100", fixture.user_ref),
            &fixture.wallet.key,
        )
        .await;
    assert_eq!(page["next_cursor"], Value::Null);
    page["data"].as_array().unwrap().clone()
}

#[tokio::test]
async fn the_partner_reads_the_user_while_the_grant_stands_and_every_read_is_logged() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    let stored = put_ok(
        &app,
        &fixture.wallet,
        &fixture.user_ref,
        &full_record(),
        StatusCode::OK,
    )
    .await;
    let order = app.new_order(&fixture, "offramp").await;
    let id = order["id"].as_str().unwrap();
    assert!(access_log(&app, &fixture).await.is_empty());

    let response = read_user(&app, &fixture.partner, id).await;
    assert_eq!(response.status(), StatusCode::OK);
    let seen: Value = response.json().await.unwrap();
    assert_eq!(seen["user_ref"], json!(fixture.user_ref));
    for field in KYC_FIELDS {
        assert_eq!(seen[field], stored[field], "{field}");
    }
    let log = access_log(&app, &fixture).await;
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0]["partner_id"], json!(fixture.partner.id));
    assert_eq!(log[0]["order_id"], json!(id));
    millis(&log[0]["at"]);

    // The partner always reads the current data.
    put_ok(
        &app,
        &fixture.wallet,
        &fixture.user_ref,
        &json!({ "email": "new@example.com" }),
        StatusCode::OK,
    )
    .await;
    let response = read_user(&app, &fixture.partner, id).await;
    assert_eq!(response.status(), StatusCode::OK);
    let seen: Value = response.json().await.unwrap();
    assert_eq!(seen["email"], "new@example.com");
    assert_eq!(seen["phone"], Value::Null);
    assert_eq!(access_log(&app, &fixture).await.len(), 2);

    // Revoked: refused, and a refused read is not logged.
    let response = app
        .delete(
            &format!(
                "/v1/users/{}/grants/{}",
                fixture.user_ref, fixture.partner.id
            ),
            &fixture.wallet.key,
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let response = read_user(&app, &fixture.partner, id).await;
    assert_error(response, StatusCode::FORBIDDEN, "access_not_granted").await;
    assert_eq!(access_log(&app, &fixture).await.len(), 2);
    // Nor can the wallet route a new order for the user to that partner any more.
    let response = app
        .create_order(&fixture.wallet, &order_body("offramp", &fixture))
        .await;
    assert_error(response, StatusCode::FORBIDDEN, "access_not_granted").await;
    // The order itself is still the partner's to see.
    assert_eq!(app.get_order(&fixture.partner.key, id).await, order);

    // Granted again: readable again.
    assert_eq!(
        app.grant(&fixture.wallet, &fixture.user_ref, &fixture.partner)
            .await
            .status(),
        StatusCode::OK
    );
    let response = read_user(&app, &fixture.partner, id).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(access_log(&app, &fixture).await.len(), 3);
}

#[tokio::test]
async fn only_the_orders_partner_may_read_the_user() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    let order = app.new_order(&fixture, "onramp").await;
    let id = order["id"].as_str().unwrap();

    // Another partner, even one the user granted access to, cannot read through this order.
    let other = app.create_partner("Other").await;
    assert_eq!(
        app.grant(&fixture.wallet, &fixture.user_ref, &other)
            .await
            .status(),
        StatusCode::OK
    );
    let response = read_user(&app, &other, id).await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    // The wallet is not a partner.
    let response = app
        .get(&format!("/v1/orders/{id}/user"), &fixture.wallet.key)
        .await;
    assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    // Unknown orders.
    let response = read_user(
        &app,
        &fixture.partner,
        "01890a5d-ac96-774b-bcce-b302099a8057",
    )
    .await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    assert!(access_log(&app, &fixture).await.is_empty());
}

#[tokio::test]
async fn the_access_log_is_newest_first_and_paged() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    let first = app.new_order(&fixture, "offramp").await;
    let second = app.new_order(&fixture, "onramp").await;
    let other = app.create_partner("Other").await;
    assert_eq!(
        app.grant(&fixture.wallet, &fixture.user_ref, &other)
            .await
            .status(),
        StatusCode::OK
    );
    let mut body = order_body("offramp", &fixture);
    body["partner_id"] = json!(other.id);
    let response = app.create_order(&fixture.wallet, &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let third: Value = response.json().await.unwrap();

    // Reads in a known order: first, second, third, first.
    let reads = [
        (&fixture.partner, &first),
        (&fixture.partner, &second),
        (&other, &third),
        (&fixture.partner, &first),
    ];
    for (partner, order) in reads {
        let response = read_user(&app, partner, order["id"].as_str().unwrap()).await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let expected: Vec<(String, String)> = reads
        .iter()
        .rev()
        .map(|(p, o)| (p.id.clone(), o["id"].as_str().unwrap().to_owned()))
        .collect();

    let log = access_log(&app, &fixture).await;
    let got: Vec<(String, String)> = log
        .iter()
        .map(|e| {
            (
                e["partner_id"].as_str().unwrap().to_owned(),
                e["order_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(got, expected, "newest first");
    for pair in log.windows(2) {
        assert!(millis(&pair[0]["at"]) >= millis(&pair[1]["at"]));
    }

    // Paged one by one, the same entries in the same order, each once.
    let base = format!("/v1/users/{}/access-log", fixture.user_ref);
    let mut paged = Vec::new();
    let mut path = format!("{base}?limit=1");
    loop {
        let page = app.get_page(&path, &fixture.wallet.key).await;
        assert!(page["data"].as_array().unwrap().len() <= 1);
        paged.extend(page["data"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("{base}?limit=1&cursor={cursor}"),
            None => break,
        }
        assert!(paged.len() <= log.len(), "paging does not end");
    }
    assert_eq!(paged, log);

    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("cursor=not-a-cursor", "cursor"),
        ("partner_id=x", "partner_id"),
    ] {
        let response = app
            .get(&format!("{base}?{query}"), &fixture.wallet.key)
            .await;
        assert_invalid_field(response, field).await;
    }

    // Another wallet sees nothing of it, even under the same user_ref.
    let stranger = app.create_wallet("Stranger").await;
    put_ok(
        &app,
        &stranger,
        &fixture.user_ref,
        &json!({}),
        StatusCode::CREATED,
    )
    .await;
    let page = app.get_page(&base, &stranger.key).await;
    assert_eq!(page["data"], json!([]));
}

#[tokio::test]
async fn deleting_a_user_erases_the_data_and_its_grants() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    let order = app.new_order(&fixture, "offramp").await;
    let id = order["id"].as_str().unwrap();
    let user = format!("/v1/users/{}", fixture.user_ref);

    let response = app.delete(&user, &fixture.wallet.key).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(response.bytes().await.unwrap().is_empty());
    let response = app.get(&user, &fixture.wallet.key).await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = app.delete(&user, &fixture.wallet.key).await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = app
        .get(&format!("{user}/grants"), &fixture.wallet.key)
        .await;
    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;

    // The order keeps its user_ref, but the partner can no longer read the user.
    let kept = app.get_order(&fixture.wallet.key, id).await;
    assert_eq!(kept["user_ref"], json!(fixture.user_ref));
    let response = read_user(&app, &fixture.partner, id).await;
    assert_error(response, StatusCode::FORBIDDEN, "access_not_granted").await;
    // No new order can be made for the user.
    let response = app
        .create_order(&fixture.wallet, &order_body("offramp", &fixture))
        .await;
    assert_error(response, StatusCode::FORBIDDEN, "access_not_granted").await;

    // A user created again under the same ref starts without the old grants or data.
    let fresh = put_ok(
        &app,
        &fixture.wallet,
        &fixture.user_ref,
        &json!({}),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(fresh["email"], Value::Null);
    let page = app
        .get_page(&format!("{user}/grants"), &fixture.wallet.key)
        .await;
    assert_eq!(page["data"], json!([]));
    let response = read_user(&app, &fixture.partner, id).await;
    assert_error(response, StatusCode::FORBIDDEN, "access_not_granted").await;
    let response = app
        .create_order(&fixture.wallet, &order_body("offramp", &fixture))
        .await;
    assert_error(response, StatusCode::FORBIDDEN, "access_not_granted").await;
}
