//! `rampflow loadgen` and `rampflow floor`, driven through the library against the real server
//! on a random port: short, slow runs whose effects are checked in the store. Nothing here
//! asserts on speed. The built binary against clusters is in `cluster::loadgen`.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use rampflow::floor;
use rampflow::loadgen::client::Target;
use rampflow::loadgen::orders::Requests;
use rampflow::loadgen::receiver::{Receivers, Routes};
use rampflow::loadgen::report::Report;
use rampflow::loadgen::setup::{Endpoint, World};
use rampflow::loadgen::stats::{Stats, Window};
use rampflow::loadgen::tracker::Tracker;
use rampflow::loadgen::{prepare, Load, Mix, Plan, Population, Scenario, Server};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_app_with, TestApp, ADMIN_TOKEN};

fn plan(scenario: Scenario, load: Load) -> Plan {
    Plan {
        scenario,
        load,
        duration: Duration::from_millis(1200),
        warmup: Duration::from_millis(200),
        drain: Duration::from_secs(15),
        population: Population {
            wallets: 2,
            partners: 2,
            users_per_wallet: 2,
            endpoints_per_party: 1,
        },
    }
}

async fn run(app: &TestApp, plan: Plan) -> (Report, World) {
    let prepared = prepare(
        std::slice::from_ref(&app.address),
        Server::Rampflow {
            admin_token: ADMIN_TOKEN.into(),
        },
        plan,
    )
    .await
    .expect("setup through the admin API");
    let report = prepared.execute(|_| {}).await.expect("the run");
    (report, prepared.world().clone())
}

/// Every order of `world`'s wallets, as the API lists them (`query` filters).
async fn stored_orders(app: &TestApp, world: &World, query: &str) -> Vec<Value> {
    let mut orders = Vec::new();
    for wallet in &world.wallets {
        let mut cursor: Option<String> = None;
        loop {
            let mut path = format!("/v1/orders?limit=100{query}");
            if let Some(cursor) = &cursor {
                path += &format!("&cursor={cursor}");
            }
            let page = app.get_page(&path, &wallet.key).await;
            orders.extend(page["data"].as_array().unwrap().iter().cloned());
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => break,
            }
        }
    }
    orders
}

#[tokio::test]
async fn closed_loop_creates_are_all_stored_and_the_report_counts_them() {
    let app = spawn_app().await;
    let (report, world) = run(
        &app,
        plan(Scenario::Create, Load::Closed { concurrency: 4 }),
    )
    .await;

    assert!(report.errors.is_empty(), "errors: {:?}", report.errors);
    assert!(report.requests > 0, "nothing completed in the window");
    assert_eq!(report.ops["create"].completed, report.requests);
    assert_eq!(report.latency.count, report.ops["create"].latency.count);
    assert!(report.ok_total >= report.requests);
    let stored = stored_orders(&app, &world, "").await;
    assert_eq!(
        stored.len() as u64,
        report.ok_total,
        "one stored order per 201"
    );
    assert!(stored.iter().all(|o| o["status"] == "created"));
    // Round-robin over every (user, partner, direction).
    let partners: std::collections::HashSet<_> =
        stored.iter().map(|o| o["partner_id"].clone()).collect();
    assert_eq!(partners.len(), 2);
    assert!(report.lifecycle.is_none());
}

#[tokio::test]
async fn creates_through_the_client_are_stored_and_counted_like_the_raw_ones() {
    let app = spawn_app().await;
    let (report, world) = run(
        &app,
        plan(Scenario::CreateViaClient, Load::Closed { concurrency: 2 }),
    )
    .await;

    assert!(report.errors.is_empty(), "errors: {:?}", report.errors);
    assert!(report.requests > 0, "nothing completed in the window");
    assert_eq!(report.ops["create"].completed, report.requests);
    let stored = stored_orders(&app, &world, "").await;
    assert_eq!(
        stored.len() as u64,
        report.ok_total,
        "one stored order per 201"
    );
}

#[tokio::test]
async fn closed_loop_lifecycle_orders_complete_with_every_webhook_verified() {
    let app = spawn_app_with(|s| s.webhook_allow_private_targets = true).await;
    let (report, world) = run(
        &app,
        plan(Scenario::Lifecycle, Load::Closed { concurrency: 3 }),
    )
    .await;

    assert!(report.errors.is_empty(), "errors: {:?}", report.errors);
    let lifecycle = report.lifecycle.as_ref().expect("lifecycle figures");
    assert!(lifecycle.orders_created > 0);
    assert_eq!(lifecycle.orders_completed, lifecycle.orders_created);
    assert_eq!(lifecycle.orders_incomplete, 0);
    assert_eq!(lifecycle.bad_signatures, 0);
    // Five events per order (created, accepted, funds_sent, funds_received, completed), to
    // the wallet's endpoint and to the partner's.
    assert_eq!(
        lifecycle.deliveries - lifecycle.duplicate_deliveries,
        10 * lifecycle.orders_created
    );
    for op in [
        "create",
        "accept",
        "funds-sent",
        "funds-received",
        "complete",
    ] {
        assert!(report.ops.contains_key(op), "no successful {op}");
    }
    assert!(lifecycle.exchanges_in_window >= lifecycle.deliveries_in_window);

    let stored = stored_orders(&app, &world, "").await;
    assert_eq!(stored.len() as u64, lifecycle.orders_created);
    for order in &stored {
        assert_eq!(order["status"], "completed", "{}", order["id"]);
        assert_eq!(order["version"], 5);
    }
}

#[tokio::test]
async fn open_loop_lifecycle_at_a_low_rate_completes_every_order() {
    let app = spawn_app_with(|s| s.webhook_allow_private_targets = true).await;
    let load = Load::Open {
        rate: 20.0,
        connections: 4,
    };
    let (report, world) = run(&app, plan(Scenario::Lifecycle, load)).await;

    assert!(report.errors.is_empty(), "errors: {:?}", report.errors);
    assert_eq!(report.not_sent, 0);
    assert_eq!(report.rate, Some(20.0));
    let lifecycle = report.lifecycle.as_ref().expect("lifecycle figures");
    // 20/s for 1.4 s (warmup included): 28 creates on the schedule.
    assert_eq!(lifecycle.orders_created, 28);
    assert_eq!(lifecycle.orders_completed, 28);
    assert_eq!(
        lifecycle.deliveries - lifecycle.duplicate_deliveries,
        10 * 28
    );
    let completed = stored_orders(&app, &world, "&status=completed").await;
    assert_eq!(completed.len(), 28);
    assert!(lifecycle.webhook_lag.count > 0);
    assert!(lifecycle.order_latency.count > 0);
}

#[tokio::test]
async fn webhooks_counts_every_delivery_to_every_endpoint_without_reacting() {
    let app = spawn_app_with(|s| s.webhook_allow_private_targets = true).await;
    let mut plan = plan(Scenario::Webhooks, Load::Closed { concurrency: 3 });
    plan.population.endpoints_per_party = 2;
    let (report, world) = run(&app, plan).await;

    assert!(report.errors.is_empty(), "errors: {:?}", report.errors);
    assert!(report.lifecycle.is_none());
    let webhooks = report.webhooks.as_ref().expect("webhooks figures");
    assert_eq!(world.wallet_endpoints.len(), 2 * world.wallets.len());
    assert_eq!(world.partner_endpoints.len(), 2 * world.partners.len());
    assert!(webhooks.orders_created > 0);
    assert_eq!(webhooks.orders_created, report.ok_total);
    // order.created to both endpoints of the wallet and both of the partner.
    assert_eq!(webhooks.deliveries_expected, 4 * webhooks.orders_created);
    assert_eq!(webhooks.deliveries_verified, webhooks.deliveries_expected);
    assert_eq!(webhooks.undelivered, 0);
    assert_eq!(webhooks.bad_signatures, 0);
    assert!(webhooks.deliveries_in_window <= webhooks.deliveries_verified);
    assert!(webhooks.webhook_lag.count > 0);
    assert_eq!(report.headline(), webhooks.deliveries_per_second);

    // Nobody reacted: every order is still as created.
    let stored = stored_orders(&app, &world, "").await;
    assert_eq!(stored.len() as u64, webhooks.orders_created);
    assert!(stored.iter().all(|o| o["status"] == "created"));
}

#[tokio::test]
async fn mixed_sends_creates_reads_and_commands() {
    let app = spawn_app().await;
    let mix: Mix = "create=40,read=30,command=30".parse().unwrap();
    let (report, world) = run(
        &app,
        plan(Scenario::Mixed(mix), Load::Closed { concurrency: 2 }),
    )
    .await;

    assert!(report.errors.is_empty(), "errors: {:?}", report.errors);
    // Commands carry the most advanced order first, so some orders go all the way.
    for op in ["create", "read", "accept", "complete"] {
        assert!(report.ops.contains_key(op), "no successful {op}: {report}");
    }
    let completed = stored_orders(&app, &world, "&status=completed").await;
    assert!(!completed.is_empty(), "no order reached completed");
    assert!(completed.iter().all(|o| o["version"] == 5));
}

#[tokio::test]
async fn a_delivery_with_a_bad_signature_is_refused_and_counted() {
    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let other = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
    let mut world = World::synthetic(&Population {
        wallets: 1,
        partners: 1,
        users_per_wallet: 1,
        endpoints_per_party: 1,
    });
    world.wallet_endpoints = vec![Endpoint {
        id: "e-1".into(),
        secret: secret.into(),
    }];
    world.partner_endpoints = vec![Endpoint {
        id: "e-2".into(),
        secret: secret.into(),
    }];
    let start = tokio::time::Instant::now();
    let window = Window::new(start, Duration::ZERO, Duration::from_secs(60));
    let stats = Arc::new(Stats::new(window));
    let receivers = Receivers::start().await.unwrap();
    let routes = Routes::new(
        &world,
        Arc::new(Requests::new(&world)),
        stats.clone(),
        Arc::new(Tracker::new(window)),
        vec![Arc::new(Target::parse("http://127.0.0.1:9").await.unwrap())],
    )
    .unwrap();
    receivers.install(routes);

    let body = json!({
        "type": "order.deposit_reminder",
        "timestamp": "2026-11-22T10:15:30.123Z",
        "data": { "id": "01936f11-4a5b-7c6d-8e9f-0a1b2c3d4e5f", "direction": "offramp", "version": 2 }
    })
    .to_string();
    let deliver = |signer: &str| {
        let now = chrono::Utc::now().timestamp();
        let signature = standardwebhooks::Webhook::new(signer)
            .unwrap()
            .sign("msg_1", now, body.as_bytes())
            .unwrap();
        reqwest::Client::new()
            .post(format!("{}/wallet/0", receivers.url()))
            .header("webhook-id", "msg_1")
            .header("webhook-timestamp", now.to_string())
            .header("webhook-signature", signature)
            .body(body.clone())
            .send()
    };

    let forged = deliver(other).await.unwrap();
    assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(receivers.counts().bad_signatures.load(Ordering::Relaxed), 1);
    let (_, errors) = stats.take();
    assert_eq!(errors.get("webhook bad signature"), Some(&1));

    let genuine = deliver(secret).await.unwrap();
    assert!(genuine.status().is_success());
    assert_eq!(receivers.counts().bad_signatures.load(Ordering::Relaxed), 1);
    assert_eq!(receivers.counts().deliveries.load(Ordering::Relaxed), 2);
    let again = deliver(secret).await.unwrap();
    assert!(again.status().is_success(), "a duplicate is still a 2xx");
    assert_eq!(receivers.counts().duplicates.load(Ordering::Relaxed), 1);
}

/// The floor on a random port in its own actix System.
struct Floor {
    address: String,
    orders: Arc<floor::Orders>,
    server: actix_web::dev::ServerHandle,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Floor {
    async fn start() -> Floor {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        let orders = Arc::new(floor::Orders::default());
        let shared = orders.clone();
        let (ready, started) = tokio::sync::oneshot::channel();
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = floor::serve(listener, 1, shared).expect("the floor builds");
                let _ = ready.send(server.handle());
                let _ = server.await;
            })
        });
        let server = started.await.unwrap();
        Floor {
            address,
            orders,
            server,
            thread: Some(thread),
        }
    }
}

impl Drop for Floor {
    fn drop(&mut self) {
        drop(self.server.stop(false));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn floor_order() -> Value {
    json!({
        "direction": "offramp",
        "partner_id": "01936f11-4a5b-7c6d-8e9f-0a1b2c3d4e5f",
        "user_ref": "u-42",
        "crypto": { "asset": "USDC", "network": "solana", "amount": "10.00" },
        "fiat": { "currency": "NGN", "amount": "15000.00" },
        "user_wallet_address": "F2etcaJ1refundAddress",
        "payment_method": "bank_transfer",
        "external_ref": "w-991"
    })
}

#[tokio::test]
async fn the_floor_stores_an_order_and_refuses_bad_bodies() {
    let floor = Floor::start().await;
    let client = reqwest::Client::new();
    let url = format!("{}/v1/orders", floor.address);

    let created = client.post(&url).json(&floor_order()).send().await.unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let order: Value = created.json().await.unwrap();
    assert_eq!(order["status"], "created");
    assert_eq!(order["version"], 1);
    assert_eq!(order["crypto"]["amount"], "10.00");
    assert_eq!(order["fiat"]["amount"], "15000.00");
    let id: uuid::Uuid = order["id"].as_str().unwrap().parse().unwrap();
    assert_eq!(floor.orders.len(), 1);
    assert_eq!(floor.orders.get(&id).unwrap().input.user_ref, "u-42");

    let mut number = floor_order();
    number["fiat"]["amount"] = json!(15000.0);
    let refused = client.post(&url).json(&number).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "validation_failed");

    let mut unknown = floor_order();
    unknown["surprise"] = json!(true);
    let refused = client.post(&url).json(&unknown).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let broken = client
        .post(&url)
        .header("Content-Type", "application/json")
        .body("{\"direction\":")
        .send()
        .await
        .unwrap();
    assert_eq!(broken.status(), StatusCode::BAD_REQUEST);
    let body: Value = broken.json().await.unwrap();
    assert_eq!(body["error"]["code"], "malformed_request");
    assert_eq!(floor.orders.len(), 1, "nothing stored from a refused body");
}

#[tokio::test]
async fn loadgen_drives_the_floor_with_the_same_creates() {
    let floor = Floor::start().await;
    let prepared = prepare(
        std::slice::from_ref(&floor.address),
        Server::Floor,
        plan(Scenario::Create, Load::Closed { concurrency: 2 }),
    )
    .await
    .unwrap();
    let report = prepared.execute(|_| {}).await.unwrap();
    assert_eq!(report.server, "floor");
    assert!(report.errors.is_empty(), "errors: {:?}", report.errors);
    assert!(report.requests > 0);
    assert_eq!(floor.orders.len() as u64, report.ok_total);

    let refused = prepare(
        std::slice::from_ref(&floor.address),
        Server::Floor,
        plan(Scenario::Lifecycle, Load::Closed { concurrency: 2 }),
    )
    .await;
    assert!(refused.is_err(), "the floor has no lifecycle");
}
