//! Concurrent commands: one actor per order serializes them, so racing commands have exactly
//! one outcome, identical retries all succeed without a second change, and every order's
//! version, history and outbox stay in step.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{accept_body, expected_funds, spawn_app, spawn_app_with, Fixture, TestApp};
use crate::lifecycle::{assert_history, key_for, order_in, other_funds, statuses, DIRECTIONS};

/// One command to send: the key, the order, the command and its body.
struct Call {
    key: String,
    order_id: String,
    command: &'static str,
    body: Value,
}

impl Call {
    fn new(fixture: &Fixture, order_id: &str, command: &'static str, body: Value) -> Call {
        Call {
            key: key_for(fixture, command).to_owned(),
            order_id: order_id.to_owned(),
            command,
            body,
        }
    }
}

/// Sends all `calls` at once, each from its own task, released together by a barrier.
/// Returns the status and JSON body of each, in the order of `calls`.
async fn all_at_once(app: &TestApp, calls: Vec<Call>) -> Vec<(StatusCode, Value)> {
    let barrier = Arc::new(tokio::sync::Barrier::new(calls.len()));
    let tasks = calls.into_iter().map(|call| {
        let request = app
            .client
            .post(format!(
                "{}/v1/orders/{}/{}",
                app.address, call.order_id, call.command
            ))
            .bearer_auth(call.key)
            .json(&call.body);
        let barrier = barrier.clone();
        tokio::spawn(async move {
            barrier.wait().await;
            let response = request.send().await.expect("the request was sent");
            let status = response.status();
            let text = response.text().await.unwrap();
            let body: Value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{status}: {text:?} is not JSON: {e}"));
            (status, body)
        })
    });
    join_all(tasks)
        .await
        .into_iter()
        .map(|r| r.expect("the task finished"))
        .collect()
}

/// The order's outbox has one event per version, 1..=version, of the type of each history
/// entry.
async fn assert_outbox_matches(app: &TestApp, order: &Value) {
    let id = order["id"].as_str().unwrap();
    let events = app.stored_events(id).await;
    let versions: Vec<i64> = events.iter().map(|e| e.version).collect();
    let expected: Vec<i64> = (1..=order["version"].as_i64().unwrap()).collect();
    assert_eq!(versions, expected, "outbox of {id}");
    let types: Vec<String> = events.iter().map(|e| e.event_type.clone()).collect();
    let from_history: Vec<String> = statuses(order)
        .iter()
        .map(|s| format!("order.{s}"))
        .collect();
    assert_eq!(types, from_history, "event types of {id}");
    assert_eq!(events.last().unwrap().payload["data"], *order);
}

/// API.md § Lifecycle as edges: may an order go from `from` to `to`?
fn is_edge(from: &str, to: &str) -> bool {
    matches!(
        (from, to),
        ("created", "accepted" | "rejected" | "cancelled")
            | ("accepted", "cancelled" | "funds_sent")
            | ("accepted" | "funds_sent", "funds_received" | "inconsistent")
            | ("funds_received" | "inconsistent", "completed")
            | (
                "accepted" | "funds_sent" | "funds_received" | "inconsistent",
                "failed"
            )
            | ("failed" | "inconsistent", "refunded")
    )
}

/// After distinct commands raced on one order: every 200 is one change (its own version, in
/// history order), every 409 names a status the order really had, and the order's version,
/// history and outbox agree.
async fn assert_one_consistent_outcome(
    app: &TestApp,
    fixture: &Fixture,
    before: &Value,
    results: &[(StatusCode, Value)],
) -> Value {
    let id = before["id"].as_str().unwrap();
    let order = app.get_order(&fixture.wallet.key, id).await;
    let history = statuses(&order);
    let start = before["version"].as_u64().unwrap() as usize;
    assert_eq!(history[..start], statuses(before)[..], "{order}");
    assert_eq!(order["version"], history.len() as u64);
    for pair in history.windows(2) {
        assert!(is_edge(&pair[0], &pair[1]), "illegal path {history:?}");
    }

    let mut winners: Vec<&Value> = results
        .iter()
        .filter(|(status, _)| *status == StatusCode::OK)
        .map(|(_, body)| body)
        .collect();
    winners.sort_by_key(|body| body["version"].as_u64());
    assert_eq!(
        start + winners.len(),
        history.len(),
        "one change per success: {results:?}"
    );
    for (offset, body) in winners.iter().enumerate() {
        let version = start + offset + 1;
        assert_eq!(body["version"], version as u64, "{results:?}");
        assert_eq!(body["status"], history[version - 1].as_str());
    }
    if let Some(last) = winners.last() {
        assert_eq!(**last, order, "the last success is the order as it is");
    }
    for (status, body) in results {
        if *status == StatusCode::OK {
            continue;
        }
        assert_eq!(*status, StatusCode::CONFLICT, "{body}");
        assert_eq!(body["error"]["code"], "invalid_transition", "{body}");
        let seen = body["error"]["details"]["status"].as_str().unwrap();
        assert!(
            history[start - 1..].iter().any(|s| s == seen),
            "409 names {seen}, which the order never was: {history:?}"
        );
    }
    assert_outbox_matches(app, &order).await;
    order
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_different_accepts_on_one_order_have_exactly_one_winner() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    for direction in DIRECTIONS {
        let order = app.new_order(&fixture, direction).await;
        let id = order["id"].as_str().unwrap();
        let calls = (0..20)
            .map(|i| {
                let mut body = accept_body(direction);
                body["external_id"] = json!(format!("partner-{i}"));
                Call::new(&fixture, id, "accept", body)
            })
            .collect();
        let results = all_at_once(&app, calls).await;

        let winners: Vec<usize> = (0..20)
            .filter(|i| results[*i].0 == StatusCode::OK)
            .collect();
        assert_eq!(winners.len(), 1, "{results:?}");
        let winner = winners[0];
        for (i, (status, body)) in results.iter().enumerate() {
            if i == winner {
                continue;
            }
            assert_eq!(*status, StatusCode::CONFLICT, "{body}");
            assert_eq!(
                *body,
                json!({ "error": {
                    "code": "invalid_transition",
                    "message": "order is accepted; cannot accept",
                    "details": { "status": "accepted" }
                }})
            );
        }

        let order = app.get_order(&fixture.partner.key, id).await;
        assert_eq!(order, results[winner].1);
        assert_history(&order, &["created", "accepted"]);
        assert_eq!(order["external_id"], format!("partner-{winner}"));
        assert_outbox_matches(&app, &order).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_identical_commands_all_succeed_with_a_single_change() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    for direction in DIRECTIONS {
        let order = app.new_order(&fixture, direction).await;
        let id = order["id"].as_str().unwrap();
        let calls = (0..20)
            .map(|_| Call::new(&fixture, id, "accept", accept_body(direction)))
            .collect();
        let results = all_at_once(&app, calls).await;
        let order = app.get_order(&fixture.wallet.key, id).await;
        assert_history(&order, &["created", "accepted"]);
        for (status, body) in &results {
            assert_eq!(*status, StatusCode::OK, "{body}");
            assert_eq!(*body, order);
        }

        // The wallet's funds-sent, twenty times at once.
        let calls = (0..20)
            .map(|_| Call::new(&fixture, id, "funds-sent", json!({ "reference": "tx-1" })))
            .collect();
        let results = all_at_once(&app, calls).await;
        let order = app.get_order(&fixture.wallet.key, id).await;
        assert_history(&order, &["created", "accepted", "funds_sent"]);
        for (status, body) in &results {
            assert_eq!(*status, StatusCode::OK, "{body}");
            assert_eq!(*body, order);
        }
        assert_outbox_matches(&app, &order).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn commands_on_many_orders_at_once_all_succeed() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    const PER_DIRECTION: usize = 15;

    // Creates at once, too.
    let barrier = Arc::new(tokio::sync::Barrier::new(2 * PER_DIRECTION));
    let creates = DIRECTIONS
        .iter()
        .flat_map(|d| std::iter::repeat_n(*d, PER_DIRECTION))
        .map(|direction| {
            let request = app
                .client
                .post(format!("{}/v1/orders", app.address))
                .bearer_auth(&fixture.wallet.key)
                .json(&crate::helpers::order_body(direction, &fixture));
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                let response = request.send().await.unwrap();
                assert_eq!(response.status(), StatusCode::CREATED);
                let order: Value = response.json().await.unwrap();
                order
            })
        });
    let orders: Vec<Value> = join_all(creates)
        .await
        .into_iter()
        .map(|r| r.unwrap())
        .collect();
    let ids: HashSet<&str> = orders.iter().map(|o| o["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids.len(),
        2 * PER_DIRECTION,
        "every create made its own order"
    );

    let direction_of = |order: &Value| order["direction"].as_str().unwrap().to_owned();
    type Round = (&'static str, fn(&str) -> Value, &'static str);
    let rounds: [Round; 4] = [
        ("accept", |d| accept_body(d), "accepted"),
        (
            "funds-sent",
            |_| json!({ "reference": "tx-1" }),
            "funds_sent",
        ),
        (
            "funds-received",
            |d| json!({ "amount": expected_funds(d) }),
            "funds_received",
        ),
        (
            "complete",
            |_| json!({ "transaction_id": "payout-1" }),
            "completed",
        ),
    ];
    for (round, (command, body, status)) in rounds.into_iter().enumerate() {
        let calls = orders
            .iter()
            .map(|o| {
                Call::new(
                    &fixture,
                    o["id"].as_str().unwrap(),
                    command,
                    body(&direction_of(o)),
                )
            })
            .collect();
        let results = all_at_once(&app, calls).await;
        for ((code, body), order) in results.iter().zip(&orders) {
            assert_eq!(*code, StatusCode::OK, "{command}: {body}");
            assert_eq!(body["id"], order["id"]);
            assert_eq!(body["status"], status);
            assert_eq!(body["version"], round as u64 + 2);
        }
    }

    for order in &orders {
        let order = app
            .get_order(&fixture.wallet.key, order["id"].as_str().unwrap())
            .await;
        assert_history(
            &order,
            &[
                "created",
                "accepted",
                "funds_sent",
                "funds_received",
                "completed",
            ],
        );
        assert_outbox_matches(&app, &order).await;
    }
    let page = app
        .get("/v1/orders?status=completed&limit=100", &fixture.wallet.key)
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    let page: Value = page.json().await.unwrap();
    assert_eq!(page["data"].as_array().unwrap().len(), 2 * PER_DIRECTION);
}

/// Races of distinct commands on one order, from a given status.
fn races(direction: &str) -> Vec<(&'static str, Vec<(&'static str, Value)>)> {
    let received = json!({ "amount": expected_funds(direction) });
    let fail = json!({ "code": "race_lost", "reason": "raced" });
    vec![
        (
            "accepted",
            vec![("funds-received", received.clone()), ("cancel", json!({}))],
        ),
        (
            "funds_sent",
            vec![
                (
                    "funds-received",
                    json!({ "amount": other_funds(direction) }),
                ),
                ("fail", fail.clone()),
            ],
        ),
        (
            "created",
            vec![
                ("accept", accept_body(direction)),
                ("reject", json!({ "reason": "raced" })),
                ("cancel", json!({})),
            ],
        ),
        (
            "accepted",
            vec![
                ("funds-sent", json!({ "reference": "tx-r" })),
                ("funds-received", received.clone()),
                ("cancel", json!({})),
                ("fail", fail.clone()),
            ],
        ),
        (
            "funds_received",
            vec![
                ("complete", json!({ "transaction_id": "payout-r" })),
                ("fail", fail.clone()),
            ],
        ),
        (
            "inconsistent",
            vec![
                ("complete", json!({ "transaction_id": "payout-r" })),
                (
                    "refund",
                    json!({ "amount": other_funds(direction), "transaction_id": "refund-r" }),
                ),
                ("fail", fail),
            ],
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_commands_end_in_one_consistent_outcome() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    for direction in DIRECTIONS {
        for (from, commands) in races(direction) {
            for _ in 0..6 {
                let before = order_in(&app, &fixture, direction, from).await;
                let id = before["id"].as_str().unwrap();
                let calls = commands
                    .iter()
                    .map(|(command, body)| Call::new(&fixture, id, command, body.clone()))
                    .collect();
                let results = all_at_once(&app, calls).await;
                // Every command here is allowed from `from`: whichever runs first succeeds.
                assert!(
                    results.iter().any(|(s, _)| *s == StatusCode::OK),
                    "{from}: {results:?}"
                );
                assert_one_consistent_outcome(&app, &fixture, &before, &results).await;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn funds_received_racing_cancel_has_a_single_winner() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    for direction in DIRECTIONS {
        for _ in 0..10 {
            let before = order_in(&app, &fixture, direction, "accepted").await;
            let id = before["id"].as_str().unwrap();
            let results = all_at_once(
                &app,
                vec![
                    Call::new(
                        &fixture,
                        id,
                        "funds-received",
                        json!({ "amount": expected_funds(direction) }),
                    ),
                    Call::new(&fixture, id, "cancel", json!({})),
                ],
            )
            .await;
            let oks = results.iter().filter(|(s, _)| *s == StatusCode::OK).count();
            assert_eq!(oks, 1, "exactly one of them wins: {results:?}");
            let order = assert_one_consistent_outcome(&app, &fixture, &before, &results).await;
            let status = order["status"].as_str().unwrap();
            assert!(
                status == "funds_received" || status == "cancelled",
                "{order}"
            );
            assert_eq!(order["version"], 3);
            let loser = results.iter().find(|(s, _)| *s != StatusCode::OK).unwrap();
            assert_eq!(loser.1["error"]["details"]["status"], status);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn readers_never_see_a_torn_or_older_order() {
    let app = Arc::new(spawn_app().await);
    let fixture = app.fixture().await;
    for direction in DIRECTIONS {
        let order = app.new_order(&fixture, direction).await;
        let id = order["id"].as_str().unwrap().to_owned();
        let readers: Vec<_> = (0..4)
            .map(|reader| {
                let app = app.clone();
                let key = if reader % 2 == 0 {
                    fixture.wallet.key.clone()
                } else {
                    fixture.partner.key.clone()
                };
                let id = id.clone();
                tokio::spawn(async move {
                    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
                    let mut last = 0;
                    let mut reads = 0;
                    loop {
                        let order = app.get_order(&key, &id).await;
                        let version = order["version"].as_u64().unwrap();
                        assert!(
                            version >= last,
                            "version went back from {last} to {version}"
                        );
                        let history = statuses(&order);
                        assert_eq!(history.len() as u64, version, "{order}");
                        assert_eq!(order["status"], history.last().unwrap().as_str());
                        last = version;
                        reads += 1;
                        if order["status"] == "completed" {
                            return reads;
                        }
                        assert!(
                            tokio::time::Instant::now() < deadline,
                            "never saw the order completed"
                        );
                    }
                })
            })
            .collect();
        for (command, body) in crate::lifecycle::steps_to("completed", direction) {
            let response = app
                .command(key_for(&fixture, command), &id, command, &body)
                .await;
            assert_eq!(response.status(), StatusCode::OK, "{command}");
        }
        for reader in join_all(readers).await {
            assert!(reader.expect("the reader finished") >= 1);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_commands_on_orders_that_are_not_in_memory() {
    let app = spawn_app().await;
    let fixture = app.fixture().await;
    let mut failed = Vec::new();
    let mut live = Vec::new();
    for direction in DIRECTIONS {
        failed.push(order_in(&app, &fixture, direction, "failed").await);
        live.push(order_in(&app, &fixture, direction, "created").await);
    }
    // After a restart, live orders are rehydrated; failed ones are activated on demand, here
    // by twenty commands at once.
    let app = app.restart().await;
    for order in failed {
        let id = order["id"].as_str().unwrap();
        let calls = (0..20)
            .map(|i| {
                Call::new(
                    &fixture,
                    id,
                    "refund",
                    json!({ "amount": "1.00", "transaction_id": format!("refund-{i}") }),
                )
            })
            .collect();
        let results = all_at_once(&app, calls).await;
        let winners: Vec<usize> = (0..20)
            .filter(|i| results[*i].0 == StatusCode::OK)
            .collect();
        assert_eq!(winners.len(), 1, "{results:?}");
        let order = assert_one_consistent_outcome(&app, &fixture, &order, &results).await;
        assert_history(&order, &["created", "accepted", "failed", "refunded"]);
        assert_eq!(
            order["refund"]["transaction_id"],
            format!("refund-{}", winners[0])
        );
    }
    for order in live {
        let id = order["id"].as_str().unwrap();
        let direction = order["direction"].as_str().unwrap();
        let calls = (0..20)
            .map(|i| {
                let mut body = accept_body(direction);
                body["external_id"] = json!(format!("after-restart-{i}"));
                Call::new(&fixture, id, "accept", body)
            })
            .collect();
        let results = all_at_once(&app, calls).await;
        let order = assert_one_consistent_outcome(&app, &fixture, &order, &results).await;
        assert_history(&order, &["created", "accepted"]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_commands_while_settled_orders_leave_memory() {
    // Settled orders (failed, completed, ...) leave memory as soon as they are idle, so every
    // round below races activation, passivation and the commands themselves. (This found
    // commands answered 500 "order actor dropped the reply": an actor passivating in the very
    // poll that had just taken a command.)
    let app = spawn_app_with(|settings| {
        settings.actors.passivate_after = Duration::from_millis(1);
    })
    .await;
    let fixture = app.fixture().await;
    for direction in DIRECTIONS {
        for round in 0..5 {
            let before = order_in(&app, &fixture, direction, "failed").await;
            let id = before["id"].as_str().unwrap();
            let calls = (0..20)
                .map(|i| {
                    Call::new(
                        &fixture,
                        id,
                        "refund",
                        json!({ "amount": "1.00", "transaction_id": format!("refund-{round}-{i}") }),
                    )
                })
                .collect();
            // Readers at the same time: each sees the order before or after the refund, whole.
            let reads = join_all((0..10).map(|_| app.get_order(&fixture.partner.key, id)));
            let (results, reads) = tokio::join!(all_at_once(&app, calls), reads);
            for read in reads {
                let status = read["status"].as_str().unwrap();
                assert!(status == "failed" || status == "refunded", "{read}");
                assert_eq!(read["version"], statuses(&read).len() as u64, "{read}");
            }
            let winners = results.iter().filter(|(s, _)| *s == StatusCode::OK).count();
            assert_eq!(winners, 1, "{results:?}");
            let order = assert_one_consistent_outcome(&app, &fixture, &before, &results).await;
            assert_history(&order, &["created", "accepted", "failed", "refunded"]);

            // Twenty identical retries of the winning refund: all 200, nothing changes.
            let winner = results.iter().find(|(s, _)| *s == StatusCode::OK).unwrap();
            let refund = &winner.1["refund"];
            let body =
                json!({ "amount": refund["amount"], "transaction_id": refund["transaction_id"] });
            let calls = (0..20)
                .map(|_| Call::new(&fixture, id, "refund", body.clone()))
                .collect();
            for (status, body) in all_at_once(&app, calls).await {
                assert_eq!(status, StatusCode::OK, "{body}");
                assert_eq!(body, order);
            }
            assert_eq!(app.get_order(&fixture.partner.key, id).await, order);
            assert_outbox_matches(&app, &order).await;
        }
    }
}
