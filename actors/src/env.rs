use std::sync::atomic::AtomicUsize;
use std::sync::Arc;
use std::time::Duration;

use actix::Addr;
use dashmap::DashMap;
use tokio::sync::Semaphore;

use crate::journal::Journal;
use crate::model::OrderId;
use crate::order::OrderActor;
use crate::shard::{ShardId, Shards};
use crate::stats::ActorStats;
use crate::store::OrderStore;

/// The directory of live order actors. A `DashMap`, so the HTTP path finds an actor without
/// queueing behind the registry's mailbox.
pub type Directory = DashMap<OrderId, ActorHandle>;

/// How to reach one order actor, and how many requests wait in its mailbox.
///
/// actix bounds a mailbox per *sender*: every `Addr` clone may park one message beyond the
/// capacity, and each request clones the address, so actix's own bound does not hold under
/// many concurrent requests. This counter is the real bound.
#[derive(Clone)]
pub struct ActorHandle {
    pub addr: Addr<OrderActor>,
    pub queued: Arc<AtomicUsize>,
    /// The order's shard, so a handover finds the shard's actors without parsing ids.
    pub shard: ShardId,
    /// The thread it runs on, where that is one that asks (a create's HTTP worker); `None` on
    /// an order arbiter, a thread nobody asks from. A request from its own thread crosses none.
    pub thread: Option<std::thread::ThreadId>,
}

/// What every order actor shares.
pub struct ActorEnv {
    pub journal: Journal,
    pub store: Arc<dyn OrderStore>,
    pub stats: Arc<ActorStats>,
    pub directory: Arc<Directory>,
    /// Which shards this node serves: an actor takes work only while its order's shard is
    /// served here, and arms no timer otherwise.
    pub shards: Arc<Shards>,
    pub passivate_after: Duration,
    /// See `RegistrySettings::compact_after`.
    pub compact_after: Duration,
    /// See `RegistrySettings::max_live`.
    pub max_live: usize,
    pub mailbox_capacity: usize,
    /// Actors loading their order from the store at once, at most (see `OrderActor`): a burst
    /// of first uses after a restart must leave database connections for everything else.
    pub loads: Semaphore,
}
