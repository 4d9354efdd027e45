//! Standard Webhooks signing of a typical `order.created` body: one HMAC-SHA256 per live
//! secret, as every delivery attempt computes it.
//!
//! `cargo bench -p rampflow-actors --bench signing`

mod common;

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rampflow_actors::model::Timestamp;
use rampflow_actors::order::open;
use rampflow_actors::webhook::{generate_secret, sign, signature_header};
use rampflow_actors::write_for;

fn benches(c: &mut Criterion) {
    let change = open(
        common::new_order(),
        Timestamp::now(),
        Duration::from_secs(600),
    );
    let write = write_for(change, 0, None);
    let body = write.event_payload.clone();
    let id = write.event.id.to_string();
    let timestamp = 1_763_790_000_i64;
    let one = generate_secret();
    let two = generate_secret();

    let mut group = c.benchmark_group("webhook_signing");
    group.throughput(Throughput::Elements(1));
    group.bench_function("sign/one_secret", |b| {
        b.iter(|| sign(black_box(&one), black_box(&id), timestamp, black_box(&body)))
    });
    group.bench_function("signature_header/one_secret", |b| {
        b.iter(|| signature_header([one.as_str()], black_box(&id), timestamp, black_box(&body)))
    });
    group.bench_function("signature_header/two_secrets", |b| {
        b.iter(|| {
            signature_header(
                [one.as_str(), two.as_str()],
                black_box(&id),
                timestamp,
                black_box(&body),
            )
        })
    });
    group.finish();
    eprintln!("signing: body is {} bytes", body.len());
}

criterion_group!(signing, benches);
criterion_main!(signing);
