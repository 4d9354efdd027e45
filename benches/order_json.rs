//! Encoding and decoding the order resource (once per change: the row, the event and the
//! reply share one encoding) and the webhook event payload `{"type","timestamp","data"}`.
//!
//! `cargo bench --bench order_json`

mod common;

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use rampflow_actors::model::Timestamp;
use rampflow_actors::order::{open, Order};
use rampflow_actors::write_for;
use serde::Deserialize;

/// What a receiver decodes from a webhook body.
#[allow(dead_code)]
#[derive(Deserialize)]
struct EventPayload {
    #[serde(rename = "type")]
    event_type: String,
    timestamp: String,
    data: Order,
}

fn benches(c: &mut Criterion) {
    let now = Timestamp::now();
    let created = open(common::new_order(), now, Duration::from_secs(600));
    let order = created.state.order.clone();
    let document = serde_json::to_string(&order).unwrap();
    let payload = write_for(created, 0, None).event_payload;

    c.bench_function("order/encode_json", |b| {
        b.iter(|| serde_json::to_string(black_box(&order)).unwrap())
    });
    c.bench_function("order/decode_json", |b| {
        b.iter(|| serde_json::from_str::<Order>(black_box(&document)).unwrap())
    });
    // write_for: the order encoded once, plus the event payload that embeds it (what the
    // journal receives for every change).
    c.bench_function("event/write_for", |b| {
        b.iter_batched(
            || open(common::new_order(), now, Duration::from_secs(600)),
            |change| write_for(change, 0, None),
            criterion::BatchSize::SmallInput,
        )
    });
    c.bench_function("event/decode_payload", |b| {
        b.iter(|| serde_json::from_str::<EventPayload>(black_box(&payload)).unwrap())
    });
    eprintln!(
        "order_json: order document {} bytes, event payload {} bytes",
        document.len(),
        payload.len()
    );
}

criterion_group!(order_json, benches);
criterion_main!(order_json);
