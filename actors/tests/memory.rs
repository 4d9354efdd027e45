//! Memory per live order is bounded: a ceiling on actors in memory, and idle live orders that
//! keep only their summary.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

mod common;

use common::{eventually, new_order, MemoryStore};
use rampflow_actors::journal::{Journal, JournalSettings};
use rampflow_actors::model::{PartnerId, WalletId};
use rampflow_actors::order::{Party, ReplyError, Status};
use rampflow_actors::registry::{Registry, RegistrySettings};
use rampflow_actors::shard::{Shards, DEFAULT_SHARD_COUNT};
use rampflow_actors::webhook::Nudge;

fn start(store: Arc<MemoryStore>, settings: RegistrySettings) -> Registry {
    let journal = Journal::start(store.clone(), JournalSettings::default(), Nudge::default());
    Registry::start(
        store,
        journal,
        settings,
        Arc::new(Shards::single_node("test", DEFAULT_SHARD_COUNT)),
    )
}

#[actix_rt::test]
async fn creates_past_the_ceiling_are_overloaded_and_commit_nothing() {
    let store = Arc::new(MemoryStore::default());
    let registry = start(
        store.clone(),
        RegistrySettings {
            arbiters: 1,
            max_live: 2,
            ..RegistrySettings::default()
        },
    );
    let (wallet, partner) = (WalletId::new(), PartnerId::new());
    for _ in 0..2 {
        registry
            .create(new_order(wallet, partner), Duration::from_secs(600), None)
            .await
            .unwrap();
    }
    let refused = registry
        .create(new_order(wallet, partner), Duration::from_secs(600), None)
        .await;
    assert!(
        matches!(refused, Err(ReplyError::Overloaded)),
        "{refused:?}"
    );
    assert_eq!(store.orders.lock().unwrap().len(), 2);
    assert_eq!(registry.active_actors(), 2);
    assert_eq!(registry.max_live(), 2);
}

/// The ceiling holds under concurrency: creates whose commits are all under way at once (each
/// takes 300 ms here) are counted against it before they commit, so no more than `max_live`
/// of them land, however many passed the check together.
#[actix_rt::test]
async fn concurrent_creates_cannot_pass_the_ceiling_together() {
    let store = Arc::new(MemoryStore::default());
    store.slow_commits.store(true, Ordering::SeqCst);
    let registry = start(
        store.clone(),
        RegistrySettings {
            arbiters: 1,
            max_live: 3,
            ..RegistrySettings::default()
        },
    );
    let (wallet, partner) = (WalletId::new(), PartnerId::new());
    let creates: Vec<_> = (0..10)
        .map(|_| {
            let registry = registry.clone();
            actix::spawn(async move {
                registry
                    .create(new_order(wallet, partner), Duration::from_secs(600), None)
                    .await
            })
        })
        .collect();
    let (mut created, mut refused) = (0, 0);
    for create in creates {
        match create.await.unwrap() {
            Ok(_) => created += 1,
            Err(ReplyError::Overloaded) => refused += 1,
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((created, refused), (3, 7));
    assert_eq!(store.orders.lock().unwrap().len(), 3);
    assert_eq!(registry.active_actors(), 3);
}

#[actix_rt::test]
async fn an_idle_live_order_drops_its_state_keeps_its_timer_and_loads_again_on_use() {
    let store = Arc::new(MemoryStore::default());
    let registry = start(
        store.clone(),
        RegistrySettings {
            arbiters: 1,
            compact_after: Duration::from_millis(50),
            ..RegistrySettings::default()
        },
    );
    let (wallet, partner) = (WalletId::new(), PartnerId::new());
    let created = registry
        .create(new_order(wallet, partner), Duration::from_millis(700), None)
        .await
        .unwrap();
    let id = created.state.order.id;
    assert_eq!(store.loads.load(Ordering::SeqCst), 0);

    // Compacted: the next read loads the order from the store and answers it whole.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let read = registry.snapshot(id, Party::Wallet(wallet)).await.unwrap();
    assert_eq!(read.state.order.version, 1);
    assert_eq!(store.loads.load(Ordering::SeqCst), 1, "read from the store");
    // Right after, it is whole again: no second load.
    registry.snapshot(id, Party::Wallet(wallet)).await.unwrap();
    assert_eq!(store.loads.load(Ordering::SeqCst), 1);

    // Its acceptance timer still fires, compacted or not.
    eventually("the acceptance timeout fires", || {
        store.orders.lock().unwrap()[&id].order.status == Status::Expired
    })
    .await;
}
