//! One journal batch commit on SQLite (WAL, `synchronous=FULL`, as the service opens it) in a
//! temp dir: batches of 1, 64 and 300 new orders through the real `Store`'s
//! `OrderStore::commit`, one transaction per batch. Criterion's elements/s is rows/s (one
//! order row and one outbox event per element).
//!
//! `cargo bench --bench journal`

mod common;

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rampflow::config::Settings;
use rampflow::store::Store;
use rampflow_actors::model::Timestamp;
use rampflow_actors::order::open;
use rampflow_actors::store::{OrderStore, OrderWrite, WriteOutcome};
use rampflow_actors::write_for;

fn writes(n: usize) -> Vec<OrderWrite> {
    let now = Timestamp::now();
    (0..n)
        .map(|_| {
            write_for(
                open(common::new_order(), now, Duration::from_secs(600)),
                0,
                None,
            )
        })
        .collect()
}

fn benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut settings = Settings::defaults();
    settings.data_dir = dir.path().to_path_buf();
    settings.database_url = format!("sqlite://{}/bench.db", dir.path().display());
    let store = runtime.block_on(async {
        let store = Store::connect(&settings).await.unwrap();
        store.migrate().await.unwrap();
        store
    });

    let mut group = c.benchmark_group("journal_commit_sqlite");
    group.sample_size(20);
    for batch in [1usize, 64, 300] {
        group.throughput(Throughput::Elements(batch as u64));
        group.bench_with_input(BenchmarkId::from_parameter(batch), &batch, |b, &batch| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let batch = writes(batch);
                    let started = Instant::now();
                    let outcomes = runtime.block_on(store.commit(&batch)).unwrap();
                    total += started.elapsed();
                    assert!(outcomes.iter().all(|o| *o == WriteOutcome::Committed));
                }
                total
            })
        });
    }
    group.finish();
    runtime.block_on(store.close());
}

criterion_group!(journal, benches);
criterion_main!(journal);
