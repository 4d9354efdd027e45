//! Back-pressure: a full write queue or a full mailbox is a 503 `overloaded` with Retry-After,
//! never an unbounded queue, and nothing refused is half-done.
//!
//! To make the queue fill deterministically, the test holds a lock itself that the journal's
//! commit must wait for, and the requests behind it pile up.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{order_body, spawn_app_with, Db, Engine, TestApp};

/// Holds a lock that stops every order write until released, from the test's own connection.
/// On SQLite, the database's write lock: the journal's transaction waits (busy timeout). On
/// PostgreSQL, an EXCLUSIVE lock on `orders`: it conflicts with the ROW EXCLUSIVE lock every
/// insert and update of an order takes, so the journal's transaction waits at its first order
/// write (PostgreSQL waits for a lock without a limit), while reads go on.
async fn hold_write_lock(app: &TestApp) -> Db {
    let mut db = app.db().await;
    match db.engine() {
        Engine::Sqlite => {
            db.execute("BEGIN IMMEDIATE", &[]).await;
        }
        Engine::Postgres => {
            db.execute("BEGIN", &[]).await;
            db.execute("LOCK TABLE orders IN EXCLUSIVE MODE", &[]).await;
        }
    }
    db
}

async fn release(mut lock: Db) {
    lock.execute("ROLLBACK", &[]).await;
    lock.close().await;
}

/// Runs the requests concurrently. Requests either wait behind the held lock or are refused at
/// once, so the first 503 proves the bound held; only then is the lock released and the
/// waiting requests let through. No timing assumption: with the lock held nothing can finish
/// except a refusal.
async fn release_after_first_refusal<T>(
    requests: impl Iterator<Item = impl std::future::Future<Output = T>>,
    lock: Db,
    status: impl Fn(&T) -> StatusCode,
) -> Vec<T> {
    use futures::StreamExt;
    let mut pending: futures::stream::FuturesUnordered<_> = requests.collect();
    let mut lock = Some(lock);
    let mut results = Vec::new();
    while let Some(result) = pending.next().await {
        if status(&result) == StatusCode::SERVICE_UNAVAILABLE {
            if let Some(lock) = lock.take() {
                release(lock).await;
            }
        }
        results.push(result);
    }
    if let Some(lock) = lock {
        release(lock).await;
    }
    results
}

#[tokio::test]
async fn a_full_write_queue_answers_503_and_loses_nothing_it_acknowledged() {
    let app = spawn_app_with(|s| {
        s.journal.queue_capacity = 2;
        s.journal.max_batch = 1;
        // SQLite's wait for the held lock; PostgreSQL's has no limit.
        s.database.busy_timeout = Duration::from_secs(30);
    })
    .await;
    let fixture = app.fixture().await;
    let lock = hold_write_lock(&app).await;

    let creates = (0..12).map(|n| {
        let mut body = order_body("offramp", &fixture);
        body["external_ref"] = json!(format!("w-{n}"));
        let (app, wallet) = (&app, &fixture.wallet);
        async move { app.create_order(wallet, &body).await }
    });
    let responses = release_after_first_refusal(creates, lock, |r| r.status()).await;

    let mut created = Vec::new();
    let mut refused = 0;
    for response in responses {
        match response.status() {
            StatusCode::CREATED => {
                let order: Value = response.json().await.unwrap();
                created.push(order["id"].as_str().unwrap().to_owned());
            }
            StatusCode::SERVICE_UNAVAILABLE => {
                assert_eq!(response.headers()["retry-after"], "1");
                let body: Value = response.json().await.unwrap();
                assert_eq!(body["error"]["code"], "overloaded");
                refused += 1;
            }
            other => panic!("unexpected status {other}"),
        }
    }
    assert!(
        refused > 0,
        "a queue of 2 behind a held lock must refuse some of 12 creates"
    );
    assert!(
        !created.is_empty(),
        "the queued creates commit once the lock is released"
    );
    let listed: Value = app
        .get("/v1/orders?limit=100", &fixture.wallet.key)
        .await
        .json()
        .await
        .unwrap();
    let mut listed: Vec<String> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect();
    listed.sort();
    created.sort();
    assert_eq!(listed, created, "exactly the acknowledged orders exist");
}

#[tokio::test]
async fn a_full_mailbox_answers_503() {
    let app = spawn_app_with(|s| {
        s.actors.mailbox_capacity = 1;
        // SQLite's wait for the held lock; PostgreSQL's has no limit.
        s.database.busy_timeout = Duration::from_secs(30);
    })
    .await;
    let fixture = app.fixture().await;
    let order = app.new_order(&fixture, "offramp").await;
    let id = order["id"].as_str().unwrap().to_owned();
    let lock = hold_write_lock(&app).await;

    // The first accept takes the actor and waits on the lock; the mailbox (1, plus one slot
    // per sender that actix allows) fills behind it; the rest are refused.
    let accepts = (0..10).map(|n| {
        let body = json!({ "external_id": format!("p-{n}"), "deposit": { "address": "Addr1" } });
        let (app, id, key) = (&app, id.clone(), fixture.partner.key.clone());
        async move { app.command(&key, &id, "accept", &body).await.status() }
    });
    let statuses = release_after_first_refusal(accepts, lock, |s| *s).await;
    let overloaded = statuses
        .iter()
        .filter(|s| **s == StatusCode::SERVICE_UNAVAILABLE)
        .count();
    let accepted = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    assert!(overloaded > 0, "some accepts must be refused: {statuses:?}");
    assert_eq!(accepted, 1, "exactly one accept wins: {statuses:?}");
    assert!(statuses.iter().all(|s| [
        StatusCode::OK,
        StatusCode::CONFLICT,
        StatusCode::SERVICE_UNAVAILABLE
    ]
    .contains(s)));
    assert_eq!(app.get_order(&fixture.wallet.key, &id).await["version"], 2);
}

/// Memory is bounded: once the order actors in memory reach `actors.max_live`, creates answer
/// 503 `overloaded` with `Retry-After` and change nothing, while the orders already in memory
/// keep being served. Ops see the ceiling in `/v1/ops/stats` and `/metrics`.
#[tokio::test]
async fn creates_past_the_ceiling_on_live_actors_answer_503_and_change_nothing() {
    let app = spawn_app_with(|settings| settings.actors.max_live = 3).await;
    let fixture = app.fixture().await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(app.new_order(&fixture, "onramp").await["id"].clone());
    }
    let refused = app
        .create_order(&fixture.wallet, &order_body("offramp", &fixture))
        .await;
    assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(refused.headers().contains_key("retry-after"));
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "overloaded", "{body}");
    let page = app
        .get_page("/v1/orders?limit=100", &fixture.wallet.key)
        .await;
    assert_eq!(
        page["data"].as_array().unwrap().len(),
        3,
        "the refused create left nothing"
    );

    // The orders in memory are served as before.
    let accepted = app
        .command(
            &fixture.partner.key,
            ids[0].as_str().unwrap(),
            "accept",
            &crate::helpers::accept_body("onramp"),
        )
        .await;
    assert_eq!(accepted.status(), StatusCode::OK);

    let stats: Value = app
        .get("/v1/ops/stats", crate::helpers::ADMIN_TOKEN)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stats["actors"]["max_live"], json!(3), "{stats}");
    assert_eq!(stats["actors"]["live"], json!(3), "{stats}");
    let metrics = app.get("/metrics", "").await.text().await.unwrap();
    assert!(metrics.contains("rampflow_order_actors_max 3"), "{metrics}");
    assert!(
        metrics.contains("rampflow_order_creates_refused_at_ceiling_total 1"),
        "{metrics}"
    );
}
