//! `Idempotency-Key` on the POSTs that create something: the same key with the same body
//! replays the first response (status, body, `Location`, plus `Idempotent-Replayed: true`), a
//! different body is 409 `idempotency_conflict`, keys are scoped to the caller, and the
//! records outlive a restart.

use futures::future::join_all;
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};
use sqlx::Row;

use crate::helpers::{
    accept_body, assert_error, order_body, spawn_app, user_with_email, Fixture, Party, TestApp,
    ADMIN_TOKEN,
};

const HEADER: &str = "Idempotency-Key";

/// A response taken apart: status, headers of interest and the raw body.
#[derive(Debug)]
struct Reply {
    status: StatusCode,
    location: Option<String>,
    replayed: Option<String>,
    body: String,
}

impl Reply {
    async fn of(response: Response) -> Reply {
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
        };
        let (location, replayed) = (header("location"), header("idempotent-replayed"));
        Reply {
            status: response.status(),
            location,
            replayed,
            body: response.text().await.unwrap(),
        }
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{}: {e}", self.body))
    }
}

async fn post_with_key(app: &TestApp, path: &str, api_key: &str, key: &str, body: &Value) -> Reply {
    let response = app
        .client
        .post(format!("{}{path}", app.address))
        .bearer_auth(api_key)
        .header(HEADER, key)
        .json(body)
        .send()
        .await
        .expect("the request was sent");
    Reply::of(response).await
}

async fn create_with_key(app: &TestApp, wallet: &Party, key: &str, body: &Value) -> Reply {
    post_with_key(app, "/v1/orders", &wallet.key, key, body).await
}

/// The ids of the orders `key` can list.
async fn order_ids(app: &TestApp, key: &str) -> Vec<String> {
    let response = app.get("/v1/orders?limit=100", key).await;
    assert_eq!(response.status(), StatusCode::OK);
    let page: Value = response.json().await.unwrap();
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The first response to a key: 201 with the order and its `Location`, not marked replayed.
fn assert_first(reply: &Reply) -> Value {
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(reply.replayed, None, "a first response is not a replay");
    let order = reply.json();
    assert_eq!(
        reply.location.as_deref(),
        Some(format!("/v1/orders/{}", order["id"].as_str().unwrap()).as_str())
    );
    order
}

/// A replay of `first`: the same status, body and `Location`, marked replayed.
fn assert_replay_of(reply: &Reply, first: &Reply) {
    assert_eq!(reply.status, first.status, "{}", reply.body);
    assert_eq!(
        reply.body, first.body,
        "a replay repeats the first body exactly"
    );
    assert_eq!(reply.location, first.location);
    assert_eq!(reply.replayed.as_deref(), Some("true"));
}

/// A second wallet whose user `u-42` granted the fixture's partner access too.
async fn second_wallet(app: &TestApp, fixture: &Fixture) -> Fixture {
    let wallet = app.create_wallet("Second Wallet").await;
    app.add_user(
        &wallet,
        &fixture.user_ref,
        &user_with_email("bob@example.com"),
    )
    .await;
    app.grant_access(&wallet, &fixture.user_ref, &fixture.partner)
        .await;
    Fixture {
        wallet,
        partner: fixture.partner.clone(),
        user_ref: fixture.user_ref.clone(),
    }
}

#[tokio::test]
async fn the_same_key_and_body_replay_the_first_response() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    let body = order_body("offramp", &fixture);
    let first = create_with_key(&app, &fixture.wallet, "order-1", &body).await;
    let order = assert_first(&first);

    for _ in 0..3 {
        let again = create_with_key(&app, &fixture.wallet, "order-1", &body).await;
        assert_replay_of(&again, &first);
    }
    // The record keeps no copy of the response: it names the order, whose `order.created`
    // event holds the document the replays above answered with, byte for byte.
    let mut db = app.db().await;
    let stored = db
        .rows(
            "SELECT body, order_id FROM idempotency_keys WHERE key = $1",
            &["order-1"],
        )
        .await;
    db.close().await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].get::<String, _>("body"), "");
    assert_eq!(
        stored[0].get::<Option<String>, _>("order_id").as_deref(),
        order["id"].as_str()
    );
    // No second order.
    assert_eq!(
        order_ids(&app, &fixture.wallet.key).await,
        [order["id"].as_str().unwrap()]
    );
    assert_eq!(
        order_ids(&app, &fixture.partner.key).await,
        [order["id"].as_str().unwrap()]
    );
    assert_eq!(
        app.get_order(&fixture.wallet.key, order["id"].as_str().unwrap())
            .await,
        order
    );
}

#[tokio::test]
async fn without_a_key_every_create_is_a_new_order() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    let first = app.new_order(&fixture, "onramp").await;
    let second = app.new_order(&fixture, "onramp").await;
    assert_ne!(first["id"], second["id"]);
    assert_eq!(order_ids(&app, &fixture.wallet.key).await.len(), 2);
}

#[tokio::test]
async fn a_replay_is_the_first_response_even_after_the_order_moved_on() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    let body = order_body("onramp", &fixture);
    let first = create_with_key(&app, &fixture.wallet, "order-2", &body).await;
    let order = assert_first(&first);
    let id = order["id"].as_str().unwrap();
    let accepted = app
        .command(&fixture.partner.key, id, "accept", &accept_body("onramp"))
        .await;
    assert_eq!(accepted.status(), StatusCode::OK);

    let again = create_with_key(&app, &fixture.wallet, "order-2", &body).await;
    assert_replay_of(&again, &first);
    assert_eq!(again.json()["status"], "created");
    assert_eq!(again.json()["version"], 1);
    // The order itself is where the accept took it.
    let now = app.get_order(&fixture.wallet.key, id).await;
    assert_eq!(now["status"], "accepted");
    assert_eq!(now["version"], 2);
}

#[tokio::test]
async fn a_replay_is_the_first_response_even_when_the_create_would_now_fail() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    let body = order_body("offramp", &fixture);
    let first = create_with_key(&app, &fixture.wallet, "order-revoked", &body).await;
    assert_first(&first);
    // The user withdraws the partner's access: a new create is refused...
    let revoked = app
        .delete(
            &format!(
                "/v1/users/{}/grants/{}",
                fixture.user_ref, fixture.partner.id
            ),
            &fixture.wallet.key,
        )
        .await;
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    let fresh = create_with_key(&app, &fixture.wallet, "order-fresh", &body).await;
    assert_eq!(fresh.status, StatusCode::FORBIDDEN, "{}", fresh.body);
    // ...but the request that already succeeded still gets its first response.
    let again = create_with_key(&app, &fixture.wallet, "order-revoked", &body).await;
    assert_replay_of(&again, &first);
    // And the refused key was not used up: it is free once access is granted again.
    assert_eq!(
        app.grant(&fixture.wallet, &fixture.user_ref, &fixture.partner)
            .await
            .status(),
        StatusCode::OK
    );
    let retried = create_with_key(&app, &fixture.wallet, "order-fresh", &body).await;
    assert_first(&retried);
}

#[tokio::test]
async fn the_same_key_with_a_different_body_is_a_conflict() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    let body = order_body("offramp", &fixture);
    let first = create_with_key(&app, &fixture.wallet, "order-3", &body).await;
    let order = assert_first(&first);

    let mut other_ref = body.clone();
    other_ref["external_ref"] = json!("w-992");
    let mut other_direction = body.clone();
    other_direction["direction"] = json!("onramp");
    let mut other_amount = body.clone();
    other_amount["crypto"]["amount"] = json!("11.00");
    for different in [other_ref, other_direction, other_amount] {
        let reply = create_with_key(&app, &fixture.wallet, "order-3", &different).await;
        assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
        let error = reply.json();
        assert_eq!(error["error"]["code"], "idempotency_conflict", "{error}");
        assert!(error["error"]["message"].is_string());
        assert_eq!(reply.replayed, None);
        assert_eq!(reply.location, None);
    }

    // Nothing was created, and the first request still replays.
    assert_eq!(
        order_ids(&app, &fixture.wallet.key).await,
        [order["id"].as_str().unwrap()]
    );
    let again = create_with_key(&app, &fixture.wallet, "order-3", &body).await;
    assert_replay_of(&again, &first);
}

#[tokio::test]
async fn keys_are_scoped_to_the_caller() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    let other = second_wallet(&app, &fixture).await;
    let body = order_body("offramp", &fixture);
    assert_eq!(body, order_body("offramp", &other), "the very same request");

    let mine = create_with_key(&app, &fixture.wallet, "shared-key", &body).await;
    let theirs = create_with_key(&app, &other.wallet, "shared-key", &body).await;
    let my_order = assert_first(&mine);
    let their_order = assert_first(&theirs);
    assert_ne!(my_order["id"], their_order["id"]);
    assert_eq!(my_order["wallet_id"], fixture.wallet.id.as_str());
    assert_eq!(their_order["wallet_id"], other.wallet.id.as_str());

    // Each wallet replays its own.
    assert_replay_of(
        &create_with_key(&app, &fixture.wallet, "shared-key", &body).await,
        &mine,
    );
    assert_replay_of(
        &create_with_key(&app, &other.wallet, "shared-key", &body).await,
        &theirs,
    );
    assert_eq!(
        order_ids(&app, &fixture.wallet.key).await,
        [my_order["id"].as_str().unwrap()]
    );
    assert_eq!(
        order_ids(&app, &other.wallet.key).await,
        [their_order["id"].as_str().unwrap()]
    );

    // The operator's keys are its own too.
    let wallet = post_with_key(
        &app,
        "/v1/admin/wallets",
        ADMIN_TOKEN,
        "shared-key",
        &json!({ "name": "Third Wallet" }),
    )
    .await;
    assert_eq!(wallet.status, StatusCode::CREATED, "{}", wallet.body);
    assert_eq!(wallet.replayed, None);
}

#[tokio::test]
async fn a_key_longer_than_255_characters_is_refused() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    let body = order_body("onramp", &fixture);
    for bad in ["k".repeat(256), "k".repeat(1000), String::new()] {
        let reply = create_with_key(&app, &fixture.wallet, &bad, &body).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            reply.body
        );
        let error = reply.json();
        assert_eq!(error["error"]["code"], "validation_failed");
        assert_eq!(error["error"]["details"]["field"], HEADER, "{error}");
    }
    assert!(order_ids(&app, &fixture.wallet.key).await.is_empty());

    // 255 is fine.
    let longest = "k".repeat(255);
    let first = create_with_key(&app, &fixture.wallet, &longest, &body).await;
    assert_first(&first);
    assert_replay_of(
        &create_with_key(&app, &fixture.wallet, &longest, &body).await,
        &first,
    );
    assert_eq!(order_ids(&app, &fixture.wallet.key).await.len(), 1);
}

#[tokio::test]
async fn a_failed_create_does_not_use_up_its_key() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;

    // Refused for want of a grant: nothing is remembered under the key.
    let put = app
        .put_user(
            &fixture.wallet,
            "u-7",
            &json!({ "email": "cy@example.com" }),
        )
        .await;
    assert!(put.status().is_success());
    let mut body = order_body("offramp", &fixture);
    body["user_ref"] = json!("u-7");
    let response = app
        .client
        .post(format!("{}/v1/orders", app.address))
        .bearer_auth(&fixture.wallet.key)
        .header(HEADER, "order-4")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_error(response, StatusCode::FORBIDDEN, "access_not_granted").await;
    assert_eq!(
        app.grant(&fixture.wallet, "u-7", &fixture.partner)
            .await
            .status(),
        StatusCode::OK
    );
    let first = create_with_key(&app, &fixture.wallet, "order-4", &body).await;
    assert_first(&first);
    assert_replay_of(
        &create_with_key(&app, &fixture.wallet, "order-4", &body).await,
        &first,
    );

    // Refused as invalid: the key is still free for the corrected request.
    let mut invalid = order_body("offramp", &fixture);
    invalid["crypto"]["amount"] = json!(10);
    let reply = create_with_key(&app, &fixture.wallet, "order-5", &invalid).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    let fixed = order_body("offramp", &fixture);
    let first = create_with_key(&app, &fixture.wallet, "order-5", &fixed).await;
    assert_first(&first);
    assert_eq!(order_ids(&app, &fixture.wallet.key).await.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_with_one_key_create_one_order() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    let body = order_body("offramp", &fixture);
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(10));
    let requests = (0..10).map(|_| {
        let request = app
            .client
            .post(format!("{}/v1/orders", app.address))
            .bearer_auth(&fixture.wallet.key)
            .header(HEADER, "order-6")
            .json(&body);
        let barrier = barrier.clone();
        tokio::spawn(async move {
            barrier.wait().await;
            Reply::of(request.send().await.unwrap()).await
        })
    });
    let replies: Vec<Reply> = join_all(requests)
        .await
        .into_iter()
        .map(|r| r.unwrap())
        .collect();

    // Each is the creation, a replay of it, or told the first is still in progress.
    let mut ids = std::collections::HashSet::new();
    for reply in &replies {
        match reply.status {
            StatusCode::CREATED => {
                ids.insert(reply.json()["id"].as_str().unwrap().to_owned());
            }
            StatusCode::CONFLICT => {
                assert_eq!(reply.json()["error"]["code"], "idempotency_conflict");
            }
            other => panic!("unexpected {other}: {}", reply.body),
        }
    }
    assert_eq!(ids.len(), 1, "one order for one key: {replies:?}");
    let id = ids.into_iter().next().unwrap();
    let originals: Vec<&Reply> = replies
        .iter()
        .filter(|r| r.status == StatusCode::CREATED && r.replayed.is_none())
        .collect();
    assert_eq!(originals.len(), 1, "{replies:?}");
    for reply in replies.iter().filter(|r| r.status == StatusCode::CREATED) {
        assert_eq!(reply.body, originals[0].body);
    }
    assert_eq!(order_ids(&app, &fixture.wallet.key).await, [id.as_str()]);

    // Once settled, the key replays.
    assert_replay_of(
        &create_with_key(&app, &fixture.wallet, "order-6", &body).await,
        originals[0],
    );
}

#[tokio::test]
async fn admin_creates_replay_the_same_party_and_its_key_works() {
    let app = spawn_app().await;
    for kind in ["wallets", "partners"] {
        let path = format!("/v1/admin/{kind}");
        let body = json!({ "name": format!("Replayed {kind}") });
        let first = post_with_key(&app, &path, ADMIN_TOKEN, &format!("{kind}-1"), &body).await;
        assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
        assert_eq!(first.replayed, None);
        let party = first.json();
        let api_key = party["api_key"].as_str().unwrap();
        assert!(!api_key.is_empty());

        let again = post_with_key(&app, &path, ADMIN_TOKEN, &format!("{kind}-1"), &body).await;
        assert_eq!(again.status, StatusCode::CREATED);
        assert_eq!(again.body, first.body, "the same id and the same api_key");
        assert_eq!(again.replayed.as_deref(), Some("true"));

        // One party, and the key it was given works.
        let response = app.get(&path, ADMIN_TOKEN).await;
        assert_eq!(response.status(), StatusCode::OK);
        let list: Value = response.json().await.unwrap();
        let ids: Vec<&Value> = list["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| &p["id"])
            .collect();
        assert_eq!(ids, [&party["id"]]);
        let response = app.get("/v1/orders", api_key).await;
        assert_eq!(response.status(), StatusCode::OK);

        // Another name under the same key is a conflict and creates nothing.
        let reply = post_with_key(
            &app,
            &path,
            ADMIN_TOKEN,
            &format!("{kind}-1"),
            &json!({ "name": "Someone Else" }),
        )
        .await;
        assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
        assert_eq!(reply.json()["error"]["code"], "idempotency_conflict");
        let list: Value = app.get(&path, ADMIN_TOKEN).await.json().await.unwrap();
        assert_eq!(list["data"].as_array().unwrap().len(), 1);
    }

    // A key names one request: the same key and body on the other collection is a conflict.
    let reply = post_with_key(
        &app,
        "/v1/admin/partners",
        ADMIN_TOKEN,
        "wallets-1",
        &json!({ "name": "Replayed wallets" }),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    assert_eq!(reply.json()["error"]["code"], "idempotency_conflict");
}

#[tokio::test]
async fn the_database_never_holds_a_replayable_api_key_in_clear() {
    let app = spawn_app().await;
    let reply = post_with_key(
        &app,
        "/v1/admin/wallets",
        ADMIN_TOKEN,
        "sealed-1",
        &json!({ "name": "Sealed" }),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    let api_key = reply.json()["api_key"].as_str().unwrap().to_owned();

    use sqlx::Row;
    let mut db = app.db().await;
    let rows = db.rows("SELECT body FROM idempotency_keys", &[]).await;
    db.close().await;
    assert_eq!(rows.len(), 1);
    let stored: String = rows[0].get("body");
    assert!(
        !stored.contains(&api_key),
        "the stored replay shows the key"
    );
}

#[tokio::test]
async fn replays_survive_a_restart() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    let body = order_body("onramp", &fixture);
    let first_order = create_with_key(&app, &fixture.wallet, "order-7", &body).await;
    let order = assert_first(&first_order);
    let party_body = json!({ "name": "Before Restart" });
    let first_party = post_with_key(
        &app,
        "/v1/admin/partners",
        ADMIN_TOKEN,
        "partner-7",
        &party_body,
    )
    .await;
    assert_eq!(first_party.status, StatusCode::CREATED);

    let app = app.restart().await;

    let again = create_with_key(&app, &fixture.wallet, "order-7", &body).await;
    assert_replay_of(&again, &first_order);
    assert_eq!(
        order_ids(&app, &fixture.wallet.key).await,
        [order["id"].as_str().unwrap()]
    );
    let mut different = body.clone();
    different["external_ref"] = json!("w-other");
    let reply = create_with_key(&app, &fixture.wallet, "order-7", &different).await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);

    let again = post_with_key(
        &app,
        "/v1/admin/partners",
        ADMIN_TOKEN,
        "partner-7",
        &party_body,
    )
    .await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.body);
    assert_eq!(again.body, first_party.body);
    assert_eq!(again.replayed.as_deref(), Some("true"));
    let api_key = again.json()["api_key"].as_str().unwrap().to_owned();
    assert_eq!(
        app.get("/v1/orders", &api_key).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn keys_belong_to_the_party_not_to_one_api_key() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    let body = order_body("offramp", &fixture);
    let first = create_with_key(&app, &fixture.wallet, "order-8", &body).await;
    assert_first(&first);

    let rotated = app
        .post(
            &format!("/v1/admin/wallets/{}/rotate-key", fixture.wallet.id),
            ADMIN_TOKEN,
            &json!({}),
        )
        .await;
    assert_eq!(rotated.status(), StatusCode::OK);
    let rotated: Value = rotated.json().await.unwrap();
    let wallet = fixture
        .wallet
        .with_key(rotated["api_key"].as_str().unwrap());
    assert_ne!(wallet.key, fixture.wallet.key);
    assert_replay_of(
        &create_with_key(&app, &wallet, "order-8", &body).await,
        &first,
    );
    assert_eq!(order_ids(&app, &wallet.key).await.len(), 1);
}
