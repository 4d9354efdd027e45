//! A request/reply round trip to an actix actor against a raw tokio mpsc + oneshot round trip,
//! all inside one actix `System`; then the real path of a read: `Registry::snapshot` to a live
//! `OrderActor` (on one of the registry's arbiter threads) with an in-memory `OrderStore`.
//!
//! `cargo bench --bench actor_round_trip`

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix::{Actor, Arbiter, Context, Handler, Message};
use async_trait::async_trait;
use criterion::{criterion_group, criterion_main, Criterion};
use rampflow_actors::journal::{Journal, JournalSettings};
use rampflow_actors::model::OrderId;
use rampflow_actors::order::{OrderState, Party};
use rampflow_actors::registry::{Registry, RegistrySettings};
use rampflow_actors::shard::{Shards, DEFAULT_SHARD_COUNT};
use rampflow_actors::store::{
    BlockingCommitter, LiveOrder, OrderStore, OrderWrite, StoreError, WriteOutcome,
};
use rampflow_actors::webhook::Nudge;
use tokio::sync::{mpsc, oneshot};

/// A trivial actor: answers a number with the next one.
struct Echo;

impl Actor for Echo {
    type Context = Context<Self>;
}

struct Ping(u64);

impl Message for Ping {
    type Result = u64;
}

impl Handler<Ping> for Echo {
    type Result = u64;

    fn handle(&mut self, msg: Ping, _ctx: &mut Context<Self>) -> u64 {
        msg.0 + 1
    }
}

/// Orders in a map; every write lands (the benches only create).
#[derive(Default)]
struct MemoryStore {
    orders: Mutex<HashMap<OrderId, OrderState>>,
}

#[async_trait]
impl OrderStore for MemoryStore {
    /// Commits only through the async path: the journal's writer is a Tokio task.
    fn blocking_committer(&self) -> Option<Box<dyn BlockingCommitter>> {
        None
    }

    async fn commit(&self, writes: &[OrderWrite]) -> Result<Vec<WriteOutcome>, StoreError> {
        let mut orders = self.orders.lock().unwrap();
        Ok(writes
            .iter()
            .map(|write| {
                orders.insert(write.state.order.id, (*write.state).clone());
                WriteOutcome::Committed
            })
            .collect())
    }

    async fn load(&self, id: OrderId) -> Result<Option<OrderState>, StoreError> {
        Ok(self.orders.lock().unwrap().get(&id).cloned())
    }

    async fn live_orders(
        &self,
        _shard: Option<rampflow_actors::shard::ShardId>,
        _after: Option<OrderId>,
        _limit: u32,
    ) -> Result<Vec<LiveOrder>, StoreError> {
        Ok(Vec::new())
    }
}

fn benches(c: &mut Criterion) {
    let system = actix::System::new();
    let mut group = c.benchmark_group("round_trip");

    let echo = system.block_on(async { Echo.start() });
    group.bench_function("actix_send/same_thread", |b| {
        b.iter_custom(|iters| {
            system.block_on(async {
                let started = Instant::now();
                for i in 0..iters {
                    std::hint::black_box(echo.send(Ping(i)).await.unwrap());
                }
                started.elapsed()
            })
        })
    });

    let arbiter = Arbiter::new();
    let remote = system.block_on(async { Echo::start_in_arbiter(&arbiter.handle(), |_| Echo) });
    group.bench_function("actix_send/other_arbiter", |b| {
        b.iter_custom(|iters| {
            system.block_on(async {
                let started = Instant::now();
                for i in 0..iters {
                    std::hint::black_box(remote.send(Ping(i)).await.unwrap());
                }
                started.elapsed()
            })
        })
    });

    let (requests, mut inbox) = mpsc::channel::<(u64, oneshot::Sender<u64>)>(64);
    system.block_on(async {
        actix::spawn(async move {
            while let Some((n, reply)) = inbox.recv().await {
                let _ = reply.send(n + 1);
            }
        });
    });
    group.bench_function("tokio_mpsc_oneshot/same_thread", |b| {
        b.iter_custom(|iters| {
            system.block_on(async {
                let started = Instant::now();
                for i in 0..iters {
                    let (reply, answer) = oneshot::channel();
                    requests.send((i, reply)).await.unwrap();
                    std::hint::black_box(answer.await.unwrap());
                }
                started.elapsed()
            })
        })
    });

    // The registry places its actors on its own arbiters, so this read crosses threads.
    let (registry, id) = system.block_on(async {
        let store = Arc::new(MemoryStore::default());
        let journal = Journal::start(store.clone(), JournalSettings::default(), Nudge::default());
        let registry = Registry::start(
            store,
            journal,
            RegistrySettings {
                arbiters: 1,
                ..RegistrySettings::default()
            },
            Arc::new(Shards::single_node("test", DEFAULT_SHARD_COUNT)),
        );
        let reply = registry
            .create(common::new_order(), Duration::from_secs(3600), None)
            .await
            .unwrap();
        let id = reply.state.order.id;
        while registry.active_actors() == 0 {
            actix::clock::sleep(Duration::from_millis(1)).await;
        }
        (registry, id)
    });
    group.bench_function("registry_snapshot/order_actor", |b| {
        b.iter_custom(|iters| {
            system.block_on(async {
                let started = Instant::now();
                for _ in 0..iters {
                    std::hint::black_box(registry.snapshot(id, Party::Server).await.unwrap());
                }
                started.elapsed()
            })
        })
    });
    group.finish();
    arbiter.stop();
}

criterion_group!(actor_round_trip, benches);
criterion_main!(actor_round_trip);
