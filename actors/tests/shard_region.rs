//! The registry as a node's shard region: it runs actors, arms timers and takes commands only
//! for the shards its node serves; a handover stops a shard's actors after what they are doing;
//! a shard taken over is rehydrated, timers included.

use std::sync::Arc;
use std::time::{Duration, Instant};

mod common;

use common::{eventually, new_order, MemoryStore};
use rampflow_actors::journal::{Journal, JournalSettings};
use rampflow_actors::model::{OrderId, PartnerId, WalletId};
use rampflow_actors::order::{Command, NewOrder, Party, ReplyError, Status};
use rampflow_actors::registry::{Registry, RegistrySettings};
use rampflow_actors::shard::{shard_of, ShardId, ShardState, Shards, DEFAULT_SHARD_COUNT};
use rampflow_actors::store::OrderStore;
use rampflow_actors::webhook::Nudge;

/// A node of a cluster serving `served` at epoch 1, its lease good for a while.
fn node(served: &[u32]) -> Arc<Shards> {
    let shards = Shards::clustered("node", DEFAULT_SHARD_COUNT);
    for shard in served {
        shards.set(ShardId::new(*shard), ShardState::Owned(1));
    }
    shards.extend_lease(Instant::now(), Duration::from_secs(600));
    Arc::new(shards)
}

fn start(store: Arc<MemoryStore>, shards: Arc<Shards>) -> Registry {
    let journal = Journal::start(store.clone(), JournalSettings::default(), Nudge::default());
    Registry::start(
        store,
        journal,
        RegistrySettings {
            arbiters: 2,
            ..RegistrySettings::default()
        },
        shards,
    )
}

/// A new order whose id falls in `shard`.
fn order_in(shard: u32, wallet: WalletId, partner: PartnerId) -> NewOrder {
    let mut order = new_order(wallet, partner);
    order.id = std::iter::repeat_with(OrderId::new)
        .find(|id| shard_of(*id, DEFAULT_SHARD_COUNT).get() == shard)
        .unwrap();
    order
}

#[actix_rt::test]
async fn new_ids_fall_in_served_shards_and_other_shards_are_refused() {
    let store = Arc::new(MemoryStore::default());
    let shards = node(&[3, 200]);
    let registry = start(store.clone(), shards.clone());
    for _ in 0..50 {
        let id = registry.new_order_id().unwrap();
        assert!(
            shards.serves(shards.of(id)),
            "{id} is in shard {}",
            shards.of(id)
        );
    }
    let (wallet, partner) = (WalletId::new(), PartnerId::new());
    let elsewhere = registry
        .create(order_in(4, wallet, partner), Duration::from_secs(600), None)
        .await;
    assert!(matches!(elsewhere, Err(ReplyError::ShardUnavailable)));
    assert!(
        store.orders.lock().unwrap().is_empty(),
        "nothing was written"
    );

    // An order of a shard another node serves (that node created it) is read from the
    // store here, never run here.
    let owner = start(store.clone(), node(&[5]));
    let id = owner
        .create(order_in(5, wallet, partner), Duration::from_secs(600), None)
        .await
        .unwrap()
        .state
        .order
        .id;
    let read = registry.snapshot(id, Party::Wallet(wallet)).await.unwrap();
    assert_eq!(read.state.order.version, 1);
    let command = registry
        .execute(id, Party::Wallet(wallet), Command::Cancel)
        .await;
    assert!(matches!(command, Err(ReplyError::ShardUnavailable)));
    assert_eq!(
        registry.active_actors(),
        0,
        "no actor for another node's order"
    );
    owner.stop();
    registry.stop();
}

#[actix_rt::test]
async fn releasing_a_shard_stops_its_actors_and_their_timers_and_nothing_else() {
    let store = Arc::new(MemoryStore::default());
    let shards = node(&[10, 11]);
    let registry = start(store.clone(), shards.clone());
    let (wallet, partner) = (WalletId::new(), PartnerId::new());
    let leaving = registry
        .create(
            order_in(10, wallet, partner),
            Duration::from_millis(400),
            None,
        )
        .await
        .unwrap()
        .state
        .order
        .id;
    let staying = registry
        .create(
            order_in(11, wallet, partner),
            Duration::from_millis(400),
            None,
        )
        .await
        .unwrap()
        .state
        .order
        .id;
    assert_eq!(registry.active_actors(), 2);

    assert!(shards.begin_handover(ShardId::new(10), 1));
    let stopped = registry.release_shards(&[ShardId::new(10)]).await;
    assert_eq!(stopped, 1);
    eventually("the released actor leaves the directory", || {
        registry.active_actors() == 1
    })
    .await;
    let refused = registry
        .execute(leaving, Party::Wallet(wallet), Command::Cancel)
        .await;
    assert!(matches!(refused, Err(ReplyError::ShardUnavailable)));

    // The other shard's timer fires; the released one's does not (its new owner fires it).
    eventually("the staying order expires", || {
        store.orders.lock().unwrap()[&staying].order.status == Status::Expired
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        store.orders.lock().unwrap()[&leaving].order.status,
        Status::Created,
        "a released shard's timer must not fire on the node that let it go"
    );
    registry.stop();
}

#[actix_rt::test]
async fn a_shard_taken_over_is_rehydrated_and_its_overdue_timers_fire() {
    let store = Arc::new(MemoryStore::default());
    let (wallet, partner) = (WalletId::new(), PartnerId::new());
    // Another node created the orders, then died.
    let before = start(store.clone(), node(&[20, 21]));
    let mut ids = Vec::new();
    for shard in [20, 20, 21] {
        ids.push(
            before
                .create(
                    order_in(shard, wallet, partner),
                    Duration::from_millis(100),
                    None,
                )
                .await
                .unwrap()
                .state
                .order
                .id,
        );
    }
    before.stop();
    tokio::time::sleep(Duration::from_millis(150)).await;

    let shards = node(&[]);
    let taker = start(store.clone(), shards.clone());
    eventually("boot", || taker.is_rehydrated()).await;
    assert_eq!(
        taker.active_actors(),
        0,
        "a cluster node serves nothing at boot"
    );
    shards.set(ShardId::new(20), ShardState::Owned(2));
    assert_eq!(taker.rehydrate_shard(ShardId::new(20)).await.unwrap(), 2);
    eventually("shard 20's overdue timers fire", || {
        let orders = store.orders.lock().unwrap();
        orders[&ids[0]].order.status == Status::Expired
            && orders[&ids[1]].order.status == Status::Expired
    })
    .await;
    assert_eq!(
        store.orders.lock().unwrap()[&ids[2]].order.status,
        Status::Created,
        "shard 21 was not taken"
    );
    assert_eq!(store.load(ids[0]).await.unwrap().unwrap().order.version, 2);
    taker.stop();
}

#[actix_rt::test]
async fn a_lapsed_lease_serves_nothing() {
    let store = Arc::new(MemoryStore::default());
    let shards = node(&[30]);
    let registry = start(store.clone(), shards.clone());
    let (wallet, partner) = (WalletId::new(), PartnerId::new());
    let id = registry
        .create(
            order_in(30, wallet, partner),
            Duration::from_secs(600),
            None,
        )
        .await
        .unwrap()
        .state
        .order
        .id;
    shards.drop_lease();
    let refused = registry
        .execute(id, Party::Wallet(wallet), Command::Cancel)
        .await;
    assert!(matches!(refused, Err(ReplyError::ShardUnavailable)));
    assert!(matches!(
        registry.new_order_id(),
        Err(ReplyError::ShardUnavailable)
    ));
    // Reads still answer, from the store.
    let read = registry.snapshot(id, Party::Wallet(wallet)).await.unwrap();
    assert_eq!(read.state.order.version, 1);
    registry.stop();
}
