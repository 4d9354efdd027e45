//! The two user-data endpoints over HTTP, against a running server: `PUT /v1/users/{ref}`
//! (seals the data under the user's key) and `GET /v1/orders/{id}/user` (opens it, and logs the
//! read), each in closed loop, reporting requests/s and latency percentiles. It talks only to
//! the public API, so it measures any build: run it against a server of the commit before
//! encryption and one after (README, "Each change, before and after").
//!
//! ```text
//! RAMPFLOW_BENCH_URL=http://127.0.0.1:8080 RAMPFLOW_BENCH_ADMIN_TOKEN=… \
//!   cargo bench --bench users_http      # RAMPFLOW_BENCH_CONCURRENCY=32, _SECONDS=10
//! ```

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use serde_json::{json, Value};

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

fn kyc(n: usize) -> Value {
    json!({
        "email": format!("user{n}@example.com"),
        "phone": "+2348031234567",
        "name": { "first": format!("First{n}"), "last": "Last" },
        "birth_date": "1990-01-31",
        "country": "NG",
        "document": { "type": "passport", "number": format!("A{n:08}"), "country": "NG" },
        "bank_account": { "bank_name": "GTBank", "account_number": format!("{n:010}"), "bank_code": "058" }
    })
}

async fn expect(response: reqwest::Response, what: &str) -> Value {
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    assert!(status.is_success(), "{what}: {status} {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// Runs `request(i)` in closed loop on `concurrency` tasks for `seconds` after a warmup of a
/// fifth of that; prints the rate and percentiles.
async fn measure<F, Fut>(name: &str, concurrency: usize, seconds: u64, request: F)
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let request = Arc::new(request);
    let stop = Arc::new(AtomicBool::new(false));
    let recording = Arc::new(AtomicBool::new(false));
    let histogram = Arc::new(Mutex::new(
        Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).unwrap(),
    ));
    let errors = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let mut tasks = Vec::new();
    for slot in 0..concurrency {
        let (request, stop, recording, histogram, errors) = (
            request.clone(),
            stop.clone(),
            recording.clone(),
            histogram.clone(),
            errors.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut i = slot;
            let mut local = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).unwrap();
            while !stop.load(Ordering::Relaxed) {
                let started = Instant::now();
                let ok = request(i).await;
                if recording.load(Ordering::Relaxed) {
                    if ok {
                        local.record(started.elapsed().as_micros() as u64).unwrap();
                    } else {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
                i += concurrency;
            }
            histogram.lock().unwrap().add(local).unwrap();
        }));
    }
    tokio::time::sleep(Duration::from_secs((seconds / 5).max(1))).await;
    recording.store(true, Ordering::Relaxed);
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    recording.store(false, Ordering::Relaxed);
    let elapsed = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        task.await.unwrap();
    }
    let h = histogram.lock().unwrap();
    let ms = |q: f64| h.value_at_quantile(q) as f64 / 1000.0;
    println!(
        "{name:<28} {:>8.0} req/s   p50 {:>6.2} ms   p99 {:>6.2} ms   p99.9 {:>6.2} ms   errors {}",
        h.len() as f64 / elapsed.as_secs_f64(),
        ms(0.5),
        ms(0.99),
        ms(0.999),
        errors.load(Ordering::Relaxed)
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        // `cargo test --benches` and friends: nothing to list, nothing to check.
        return;
    }
    let Ok(url) = std::env::var("RAMPFLOW_BENCH_URL") else {
        eprintln!("set RAMPFLOW_BENCH_URL (and RAMPFLOW_BENCH_ADMIN_TOKEN) to a running server");
        return;
    };
    let admin = env_or("RAMPFLOW_BENCH_ADMIN_TOKEN", "");
    let concurrency: usize = env_or("RAMPFLOW_BENCH_CONCURRENCY", "32").parse().unwrap();
    let seconds: u64 = env_or("RAMPFLOW_BENCH_SECONDS", "10").parse().unwrap();
    let users: usize = 1000;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()
        .unwrap();

    let wallet = expect(
        client
            .post(format!("{url}/v1/admin/wallets"))
            .bearer_auth(&admin)
            .json(&json!({"name": "bench wallet"}))
            .send()
            .await
            .unwrap(),
        "create wallet",
    )
    .await;
    let partner = expect(
        client
            .post(format!("{url}/v1/admin/partners"))
            .bearer_auth(&admin)
            .json(&json!({"name": "bench partner"}))
            .send()
            .await
            .unwrap(),
        "create partner",
    )
    .await;
    let wallet_key = wallet["api_key"].as_str().unwrap().to_owned();
    let partner_key = partner["api_key"].as_str().unwrap().to_owned();
    let partner_id = partner["id"].as_str().unwrap().to_owned();
    for n in 0..users {
        expect(
            client
                .put(format!("{url}/v1/users/u-{n}"))
                .bearer_auth(&wallet_key)
                .json(&kyc(n))
                .send()
                .await
                .unwrap(),
            "put user",
        )
        .await;
    }
    let mut orders = Vec::new();
    for n in 0..16 {
        expect(
            client
                .put(format!("{url}/v1/users/u-{n}/grants/{partner_id}"))
                .bearer_auth(&wallet_key)
                .json(&json!({}))
                .send()
                .await
                .unwrap(),
            "grant",
        )
        .await;
        let order = expect(
            client
                .post(format!("{url}/v1/orders"))
                .bearer_auth(&wallet_key)
                .json(&json!({
                    "direction": "offramp", "partner_id": partner_id, "user_ref": format!("u-{n}"),
                    "crypto": {"asset": "USDC", "network": "solana", "amount": "10.00"},
                    "fiat": {"currency": "NGN", "amount": "15000.00"},
                    "user_wallet_address": "F2etcaJ1bench", "payment_method": "bank_transfer"
                }))
                .send()
                .await
                .unwrap(),
            "create order",
        )
        .await;
        orders.push(order["id"].as_str().unwrap().to_owned());
    }
    println!("{concurrency} requests in flight, {seconds} s each, {users} users");

    {
        let (client, url, key) = (client.clone(), url.clone(), wallet_key.clone());
        measure("PUT /v1/users/{ref}", concurrency, seconds, move |i| {
            let request = client
                .put(format!("{url}/v1/users/u-{}", i % users))
                .bearer_auth(&key)
                .json(&kyc(i));
            async move { request.send().await.is_ok_and(|r| r.status().is_success()) }
        })
        .await;
    }
    {
        let (client, url, key) = (client.clone(), url.clone(), partner_key.clone());
        let orders = Arc::new(orders);
        measure("GET /v1/orders/{id}/user", concurrency, seconds, move |i| {
            let request = client
                .get(format!("{url}/v1/orders/{}/user", orders[i % orders.len()]))
                .bearer_auth(&key);
            async move { request.send().await.is_ok_and(|r| r.status().is_success()) }
        })
        .await;
    }
}
