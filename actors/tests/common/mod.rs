//! Shared by the actor test binaries: an in-memory `OrderStore` and a new order.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use rampflow_actors::model::{
    Address, AssetCode, FiatCurrency, Network, OrderId, PartnerId, PaymentMethod, UserRef, WalletId,
};
use rampflow_actors::order::{amount, Crypto, Direction, Fiat, NewOrder, OrderState};
use rampflow_actors::shard::{shard_of, ShardId, DEFAULT_SHARD_COUNT};
use rampflow_actors::store::{
    BlockingCommitter, LiveOrder, OrderStore, OrderWrite, StoreError, StoreErrorKind, WriteOutcome,
};

/// Orders in a map, with the same compare-and-set rule as the SQL store.
#[derive(Default)]
pub struct MemoryStore {
    pub orders: Mutex<HashMap<OrderId, OrderState>>,
    pub events: Mutex<Vec<(OrderId, u64, &'static str)>>,
    /// Whole orders loaded (`load`), and the most loads ever in flight at once.
    pub loads: AtomicUsize,
    pub max_loads_in_flight: AtomicUsize,
    loads_in_flight: AtomicUsize,
    /// When set, every load takes a moment, so concurrent loads overlap.
    pub slow_loads: AtomicBool,
    /// When set, every commit takes a moment (to be overtaken by the breaker).
    pub slow_commits: AtomicBool,
    /// Commits under way right now, and the most ever under way at once.
    pub commits_in_flight: AtomicUsize,
    pub max_commits_in_flight: AtomicUsize,
    /// The next commit fails so: `CommitUnknown` applies the writes first (the database did
    /// commit, the answer was lost), any other kind applies nothing.
    pub next_commit_fails: Mutex<Option<StoreErrorKind>>,
    /// While set, loads fail as if the database were unreachable.
    pub unreachable: AtomicBool,
}

impl MemoryStore {
    /// A second writer changes the order behind its actor's back.
    pub fn bump_behind_the_actor(&self, id: OrderId) {
        let mut orders = self.orders.lock().unwrap();
        let state = orders.get_mut(&id).unwrap();
        state.order.version += 1;
        state.order.external_ref = None;
    }

    /// The writes that pass the compare-and-set, applied.
    fn apply(&self, writes: &[OrderWrite]) -> Vec<WriteOutcome> {
        let mut orders = self.orders.lock().unwrap();
        let mut events = self.events.lock().unwrap();
        writes
            .iter()
            .map(|write| {
                let stored = orders
                    .get(&write.state.order.id)
                    .map(|s| s.order.version)
                    .unwrap_or(0);
                if stored != write.expected_version {
                    return WriteOutcome::VersionConflict;
                }
                orders.insert(write.state.order.id, (*write.state).clone());
                events.push((
                    write.event.order_id,
                    write.event.version,
                    write.event.event_type.as_str(),
                ));
                WriteOutcome::Committed
            })
            .collect()
    }
}

#[async_trait]
impl OrderStore for MemoryStore {
    /// Commits only through the async path: the journal's writer is a Tokio task.
    fn blocking_committer(&self) -> Option<Box<dyn BlockingCommitter>> {
        None
    }

    async fn commit(&self, writes: &[OrderWrite]) -> Result<Vec<WriteOutcome>, StoreError> {
        let in_flight = self.commits_in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_commits_in_flight
            .fetch_max(in_flight, Ordering::SeqCst);
        if self.slow_commits.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        self.commits_in_flight.fetch_sub(1, Ordering::SeqCst);
        let failure = self.next_commit_fails.lock().unwrap().take();
        match failure {
            Some(StoreErrorKind::CommitUnknown) => {
                self.apply(writes);
                Err(StoreError::of_kind(
                    StoreErrorKind::CommitUnknown,
                    "connection lost during COMMIT",
                ))
            }
            Some(kind) => Err(StoreError::of_kind(kind, "injected failure")),
            None => Ok(self.apply(writes)),
        }
    }

    async fn load(&self, id: OrderId) -> Result<Option<OrderState>, StoreError> {
        if self.unreachable.load(Ordering::SeqCst) {
            return Err(StoreError::unavailable("injected: unreachable"));
        }
        self.loads.fetch_add(1, Ordering::SeqCst);
        let in_flight = self.loads_in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_loads_in_flight
            .fetch_max(in_flight, Ordering::SeqCst);
        if self.slow_loads.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let state = self.orders.lock().unwrap().get(&id).cloned();
        self.loads_in_flight.fetch_sub(1, Ordering::SeqCst);
        Ok(state)
    }

    async fn live_orders(
        &self,
        shard: Option<ShardId>,
        after: Option<OrderId>,
        limit: u32,
    ) -> Result<Vec<LiveOrder>, StoreError> {
        let orders = self.orders.lock().unwrap();
        let mut live: Vec<LiveOrder> = orders
            .values()
            .filter(|s| s.order.status.is_live() && Some(s.order.id) > after)
            .filter(|s| {
                shard.is_none_or(|shard| shard_of(s.order.id, DEFAULT_SHARD_COUNT) == shard)
            })
            .map(LiveOrder::of)
            .collect();
        live.sort_by_key(|s| s.id);
        live.truncate(limit as usize);
        Ok(live)
    }
}

pub fn new_order(wallet: WalletId, partner: PartnerId) -> NewOrder {
    NewOrder {
        id: OrderId::new(),
        direction: Direction::Offramp,
        wallet_id: wallet,
        partner_id: partner,
        user_ref: UserRef::parse("u-1").unwrap(),
        external_ref: None,
        crypto: Crypto {
            asset: AssetCode::parse("USDC").unwrap(),
            network: Network::parse("solana").unwrap(),
            amount: amount("10"),
        },
        fiat: Fiat {
            currency: FiatCurrency::parse("NGN").unwrap(),
            amount: amount("15000"),
        },
        rate: None,
        fees: Vec::new(),
        user_wallet_address: Address::parse("UserAddr").unwrap(),
        payment_method: PaymentMethod::parse("bank_transfer").unwrap(),
    }
}

/// Polls `check` until it holds, failing after a generous deadline.
pub async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !check() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for: {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
