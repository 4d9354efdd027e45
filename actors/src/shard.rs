//! Shards: every order belongs to one of a fixed number of shards, and a node owns a shard
//! (holds its lease) before it runs, times or writes any order of it.
//!
//! This module is the node's own view, read on every request without a lock: which shards it
//! owns, under which lease *epoch* (the fencing token the database checks inside every journal
//! transaction), and until when its lease is surely still valid. The cluster code in the
//! service keeps it current; a single node on SQLite owns every shard for good.
//!
//! The states a shard goes through on one node:
//!
//! ```text
//!   NotOwned --take (new epoch)--> Owned --hand over--> HandingOver --release--> NotOwned
//!                                    \--lost (another node holds a newer epoch)--> NotOwned
//! ```
//!
//! - `Owned`: new commands, new actors, creates, timers and webhook sends.
//! - `HandingOver`: no new commands or actors; what is already in an actor's mailbox still
//!   commits under the shard's epoch, then the actors stop and the lease is released.
//! - Whatever the state, nothing is served or committed once the node's lease has lapsed on
//!   its own clock (a node frozen past its lease must not act on what it held).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::model::OrderId;

/// Shards a database is split into unless configured otherwise (fixed for the database's life).
pub const DEFAULT_SHARD_COUNT: u32 = 256;

/// The most shards a database may have: the shard is taken from the id's last 16 bits.
pub const MAX_SHARD_COUNT: u32 = 1 << 16;

/// A shard number, `0..count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct ShardId(u32);

impl ShardId {
    pub fn new(number: u32) -> ShardId {
        ShardId(number)
    }

    pub fn get(self) -> u32 {
        self.0
    }

    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl std::fmt::Display for ShardId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// The shard of an order: the id's last 16 bits modulo the shard count. Those bits are random
/// in a UUIDv7, so this spreads orders evenly, and it is written the same way in SQL (the
/// migrations that backfill the `shard` columns take the id's last four hex digits).
pub fn shard_of(id: OrderId, count: u32) -> ShardId {
    let low = (id.as_uuid().as_u128() & 0xffff) as u32;
    ShardId(low % count.max(1))
}

/// A lease generation. Every time a node takes a shard its epoch grows, so a write stamped
/// with an older epoch is refused by the database (fencing).
pub type Epoch = u64;

/// What this node may do with a shard right now (before the lease clock is consulted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShardState {
    NotOwned,
    Owned(Epoch),
    HandingOver(Epoch),
}

const NOT_OWNED: u64 = 0;
const OWNED: u64 = 1;
const HANDING_OVER: u64 = 2;

impl ShardState {
    /// Two bits of state, the rest epoch: one atomic word per shard.
    fn pack(self) -> u64 {
        match self {
            ShardState::NotOwned => NOT_OWNED,
            ShardState::Owned(epoch) => epoch << 2 | OWNED,
            ShardState::HandingOver(epoch) => epoch << 2 | HANDING_OVER,
        }
    }

    fn unpack(word: u64) -> ShardState {
        match word & 3 {
            OWNED => ShardState::Owned(word >> 2),
            HANDING_OVER => ShardState::HandingOver(word >> 2),
            _ => ShardState::NotOwned,
        }
    }
}

/// The node's view of its shards and its lease. Shared (`Arc`) by the registry, the order
/// actors, the journal's store, the webhook dispatcher and the HTTP front end.
pub struct Shards {
    node: String,
    count: u32,
    slots: Box<[AtomicU64]>,
    /// Milliseconds since [`clock_origin`] until which the lease surely holds;
    /// `u64::MAX` means for good (a single node).
    lease_valid_until: AtomicU64,
}

impl Shards {
    /// A node alone with its database (SQLite): it owns every shard, for good, at epoch 0.
    pub fn single_node(node: impl Into<String>, count: u32) -> Shards {
        let shards = Shards::new(node, count);
        for slot in shards.slots.iter() {
            slot.store(ShardState::Owned(0).pack(), Ordering::Relaxed);
        }
        shards.lease_valid_until.store(u64::MAX, Ordering::Release);
        shards
    }

    /// A node of a cluster: it owns nothing until it takes shards, and its lease has not
    /// started.
    pub fn clustered(node: impl Into<String>, count: u32) -> Shards {
        Shards::new(node, count)
    }

    fn new(node: impl Into<String>, count: u32) -> Shards {
        let count = count.clamp(1, MAX_SHARD_COUNT);
        Shards {
            node: node.into(),
            count,
            slots: (0..count).map(|_| AtomicU64::new(NOT_OWNED)).collect(),
            lease_valid_until: AtomicU64::new(0),
        }
    }

    /// This node's id.
    pub fn node(&self) -> &str {
        &self.node
    }

    pub fn count(&self) -> u32 {
        self.count
    }

    pub fn of(&self, id: OrderId) -> ShardId {
        shard_of(id, self.count)
    }

    /// The shard's state as last set, whatever the lease clock says.
    pub fn state(&self, shard: ShardId) -> ShardState {
        match self.slots.get(shard.index()) {
            Some(slot) => ShardState::unpack(slot.load(Ordering::Acquire)),
            None => ShardState::NotOwned,
        }
    }

    pub fn set(&self, shard: ShardId, state: ShardState) {
        if let Some(slot) = self.slots.get(shard.index()) {
            slot.store(state.pack(), Ordering::Release);
        }
    }

    /// Moves an owned shard to `HandingOver`; false if it was not owned (at that epoch).
    pub fn begin_handover(&self, shard: ShardId, epoch: Epoch) -> bool {
        let Some(slot) = self.slots.get(shard.index()) else {
            return false;
        };
        slot.compare_exchange(
            ShardState::Owned(epoch).pack(),
            ShardState::HandingOver(epoch).pack(),
            Ordering::AcqRel,
            Ordering::Acquire,
        )
        .is_ok()
    }

    /// Whether this node takes new work for the shard: commands, reads from its actors, new
    /// actors, creates, timers, webhook claims.
    pub fn serves(&self, shard: ShardId) -> bool {
        matches!(self.state(shard), ShardState::Owned(_)) && self.lease_holds()
    }

    /// The epoch a write of the shard commits under, if this node may still commit it (owned
    /// or being handed over, lease holding).
    pub fn writable_epoch(&self, shard: ShardId) -> Option<Epoch> {
        if !self.lease_holds() {
            return None;
        }
        match self.state(shard) {
            ShardState::Owned(epoch) | ShardState::HandingOver(epoch) => Some(epoch),
            ShardState::NotOwned => None,
        }
    }

    /// Every shard in `Owned` or `HandingOver`, with its state (lease clock not consulted).
    pub fn held(&self) -> Vec<(ShardId, ShardState)> {
        (0..self.count)
            .map(ShardId)
            .map(|shard| (shard, self.state(shard)))
            .filter(|(_, state)| *state != ShardState::NotOwned)
            .collect()
    }

    /// The shards this node serves now (see [`Shards::serves`]).
    pub fn serving(&self) -> Vec<ShardId> {
        if !self.lease_holds() {
            return Vec::new();
        }
        (0..self.count)
            .map(ShardId)
            .filter(|shard| matches!(self.state(*shard), ShardState::Owned(_)))
            .collect()
    }

    /// The shards a query of this node's may touch: `None` on a single node (every shard, no
    /// filter needed), otherwise those it serves now ([`Shards::serving`]).
    pub fn serving_unless_single_node(&self) -> Option<Vec<ShardId>> {
        (!self.is_single_node()).then(|| self.serving())
    }

    /// Whether this node serves at least one shard now.
    pub fn serves_any(&self) -> bool {
        self.lease_holds()
            && self.slots.iter().any(|slot| {
                matches!(
                    ShardState::unpack(slot.load(Ordering::Acquire)),
                    ShardState::Owned(_)
                )
            })
    }

    /// True while every shard is served for good (a single node): queries need no shard
    /// filter then.
    pub fn is_single_node(&self) -> bool {
        self.lease_valid_until.load(Ordering::Acquire) == u64::MAX
    }

    /// Whether the lease still holds on this node's own (monotonic) clock.
    pub fn lease_holds(&self) -> bool {
        let until = self.lease_valid_until.load(Ordering::Acquire);
        until == u64::MAX || now_millis() < until
    }

    /// After a renewal that started at `renewal_started`: the lease surely holds until then
    /// plus `valid_for` (the lease less a safety margin; the database counts the lease from
    /// the moment it ran the renewal, which is later).
    pub fn extend_lease(&self, renewal_started: Instant, valid_for: Duration) {
        let until = millis_since_origin(renewal_started) + valid_for.as_millis() as u64;
        self.lease_valid_until.fetch_max(until, Ordering::AcqRel);
    }

    /// Ends the lease at once (the node found it was declared dead, or is leaving).
    pub fn drop_lease(&self) {
        self.lease_valid_until.store(0, Ordering::Release);
    }

    /// How long the lease still surely holds (zero once lapsed).
    pub fn lease_remaining(&self) -> Duration {
        let until = self.lease_valid_until.load(Ordering::Acquire);
        if until == u64::MAX {
            return Duration::MAX;
        }
        Duration::from_millis(until.saturating_sub(now_millis()))
    }
}

/// The process's monotonic clock origin. `Instant` keeps counting while a process is stopped
/// (SIGSTOP), which is what makes a frozen node's lease lapse on its own clock too.
fn clock_origin() -> Instant {
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    *ORIGIN.get_or_init(Instant::now)
}

fn millis_since_origin(at: Instant) -> u64 {
    at.saturating_duration_since(clock_origin()).as_millis() as u64
}

fn now_millis() -> u64 {
    millis_since_origin(Instant::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shard_is_the_ids_last_sixteen_bits_modulo_the_count() {
        let id = OrderId::parse("0193a5c4-1111-7abc-8def-0123456789ab").unwrap();
        assert_eq!(shard_of(id, 256), ShardId(0xab));
        assert_eq!(shard_of(id, 1000), ShardId(0x89ab % 1000));
        assert_eq!(shard_of(id, 1), ShardId(0));
    }

    #[test]
    fn new_ids_spread_over_every_shard() {
        let mut seen = vec![0u32; 16];
        for _ in 0..16_000 {
            seen[shard_of(OrderId::new(), 16).index()] += 1;
        }
        assert!(seen.iter().all(|n| (700..1300).contains(n)), "{seen:?}");
    }

    #[test]
    fn a_single_node_serves_every_shard_for_good() {
        let shards = Shards::single_node("n", 8);
        assert!(shards.is_single_node());
        assert!((0..8).all(|n| shards.serves(ShardId(n))));
        assert_eq!(shards.writable_epoch(ShardId(3)), Some(0));
        assert_eq!(shards.serving().len(), 8);
    }

    #[test]
    fn a_cluster_node_serves_only_what_it_owns_while_its_lease_holds() {
        let shards = Shards::clustered("n", 8);
        shards.set(ShardId(2), ShardState::Owned(7));
        assert!(!shards.serves(ShardId(2)), "no lease yet");
        shards.extend_lease(Instant::now(), Duration::from_secs(60));
        assert!(shards.serves(ShardId(2)));
        assert!(!shards.serves(ShardId(3)));
        assert_eq!(shards.writable_epoch(ShardId(2)), Some(7));
        assert_eq!(shards.serving(), vec![ShardId(2)]);

        assert!(shards.begin_handover(ShardId(2), 7));
        assert!(!shards.serves(ShardId(2)), "no new work while handing over");
        assert_eq!(
            shards.writable_epoch(ShardId(2)),
            Some(7),
            "in-flight work commits"
        );
        assert!(!shards.begin_handover(ShardId(2), 7));

        shards.drop_lease();
        assert_eq!(
            shards.writable_epoch(ShardId(2)),
            None,
            "a lapsed lease commits nothing"
        );
    }

    #[test]
    fn a_lease_lapses_on_the_nodes_own_clock() {
        let shards = Shards::clustered("n", 1);
        shards.set(ShardId(0), ShardState::Owned(1));
        // Validity is counted from the renewal's start, so a renewal worth nothing beyond it
        // has lapsed already.
        shards.extend_lease(Instant::now(), Duration::ZERO);
        assert!(!shards.serves(ShardId(0)));
        assert_eq!(shards.lease_remaining(), Duration::ZERO);
        shards.extend_lease(Instant::now(), Duration::from_secs(60));
        assert!(shards.serves(ShardId(0)));
        assert!(shards.lease_remaining() > Duration::from_secs(50));
    }

    #[test]
    fn states_pack_into_one_word() {
        for state in [
            ShardState::NotOwned,
            ShardState::Owned(0),
            ShardState::Owned(123_456),
            ShardState::HandingOver(9),
        ] {
            assert_eq!(ShardState::unpack(state.pack()), state);
        }
    }
}
