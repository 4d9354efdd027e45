use std::sync::Arc;
use std::time::Duration;

use actix::Addr;
use dashmap::DashMap;

use crate::journal::Journal;
use crate::model::OrderId;
use crate::order::OrderActor;
use crate::stats::ActorStats;
use crate::store::OrderStore;

/// The directory of live order actors. A `DashMap`, so the HTTP path finds an actor without
/// queueing behind the registry's mailbox.
pub type Directory = DashMap<OrderId, Addr<OrderActor>>;

/// What every order actor shares.
pub struct ActorEnv {
    pub journal: Journal,
    pub store: Arc<dyn OrderStore>,
    pub stats: Arc<ActorStats>,
    pub directory: Arc<Directory>,
    pub passivate_after: Duration,
    pub mailbox_capacity: usize,
}
