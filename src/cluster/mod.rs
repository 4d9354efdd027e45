//! Cluster mode: several rampflow nodes on one PostgreSQL database, each order owned by one
//! node at a time, any node answering any request.
//!
//! The shape is Akka Cluster Sharding's, with PostgreSQL as the coordinator and the source of
//! truth and nothing else added:
//!
//! ```text
//! order id --hash--> shard (fixed count) --lease in PostgreSQL--> owning node (epoch)
//! request on any node  → owner?  yes: the local actor, as on a single node
//!                                no:  forwarded to the owner; 503 + Retry-After mid-handover
//! journal transaction  → checks this node still holds the epochs of the shards it writes
//! node joins / leaves  → graceful handover: stop, drain, passivate, release; the taker rehydrates
//! node dies            → its lease runs out; the others take its shards and arm their timers
//! ```
//!
//! # Layout
//! - [`membership`]: the coordinator's rounds on every node: renew the lease, see who is
//!   alive, take a fair share of shards, hand the extra ones over, take a dead node's.
//! - [`handoff`]: the named steps of a graceful handover, and of a takeover.
//! - [`region`]: this node's shard region: for an order, here or which node.
//! - [`forward`]: passes a request to the node that owns its order.
//! - [`coherence`]: how long a cached key or grant may be trusted, and the wait after a change.
//! - [`incarnation`]: a node's data directory, locked by one process, remembering its last
//!   node id so a restarted node takes its shards back at once.
//! - [`store`]: the cluster tables.
//! - [`instruments`]: the cluster's Prometheus families.
//!
//! A node on SQLite is a cluster of one that never changes: it owns every shard for good and
//! nothing here runs (a second process on the same SQLite file refuses to start).

pub mod coherence;
pub mod forward;
pub mod handoff;
pub mod incarnation;
pub mod instruments;
pub mod membership;
pub mod region;
pub mod store;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use rampflow_actors::shard::Shards;
use tokio::sync::Notify;

pub use region::{Route, RoutingView};

/// This node's place in the cluster, shared by the HTTP front end, the coordinator and ops.
#[derive(Clone)]
pub struct Cluster {
    inner: Arc<Inner>,
}

struct Inner {
    address: String,
    shards: Arc<Shards>,
    /// False on SQLite: one node, every shard, nothing to coordinate.
    clustered: bool,
    lease: Duration,
    started_at_ms: i64,
    view: RwLock<Arc<RoutingView>>,
    ready: AtomicBool,
    nodes_alive: AtomicUsize,
    /// Wakes the coordinator for a round now (a change was announced, or a node is leaving).
    wake: Notify,
    leaving: AtomicBool,
    forwarder: forward::Forwarder,
    /// The cluster tables (PostgreSQL only).
    store: Option<store::ClusterStore>,
    /// This process's hold on its data directory (PostgreSQL only).
    _incarnation: Option<incarnation::Incarnation>,
}

/// How a node was started.
pub struct ClusterConfig {
    pub address: String,
    pub lease: Duration,
    pub forward_timeout: Duration,
}

impl Cluster {
    /// A node alone with its SQLite database.
    pub fn single_node(shards: Arc<Shards>, config: ClusterConfig) -> Cluster {
        Cluster::new(shards, config, None, None)
    }

    /// A node of a PostgreSQL cluster ([`membership::join`] makes it).
    pub fn clustered(
        shards: Arc<Shards>,
        config: ClusterConfig,
        store: store::ClusterStore,
        incarnation: incarnation::Incarnation,
    ) -> Cluster {
        Cluster::new(shards, config, Some(store), Some(incarnation))
    }

    fn new(
        shards: Arc<Shards>,
        config: ClusterConfig,
        store: Option<store::ClusterStore>,
        incarnation: Option<incarnation::Incarnation>,
    ) -> Cluster {
        let clustered = store.is_some();
        Cluster {
            inner: Arc::new(Inner {
                address: config.address,
                shards,
                clustered,
                lease: config.lease,
                started_at_ms: rampflow_actors::model::Timestamp::now().as_millis(),
                view: RwLock::new(Arc::new(RoutingView::default())),
                ready: AtomicBool::new(!clustered),
                nodes_alive: AtomicUsize::new(1),
                wake: Notify::new(),
                leaving: AtomicBool::new(false),
                forwarder: forward::Forwarder::new(config.forward_timeout),
                store,
                _incarnation: incarnation,
            }),
        }
    }

    pub fn node(&self) -> &str {
        self.inner.shards.node()
    }

    /// The address other nodes forward requests to.
    pub fn address(&self) -> &str {
        &self.inner.address
    }

    pub fn shards(&self) -> &Arc<Shards> {
        &self.inner.shards
    }

    pub fn is_clustered(&self) -> bool {
        self.inner.clustered
    }

    pub fn lease(&self) -> Duration {
        self.inner.lease
    }

    pub fn started_at_ms(&self) -> i64 {
        self.inner.started_at_ms
    }

    /// Ready once this node owns its share of the shards, or every shard has an owner (as of
    /// the last round), and while its lease holds.
    pub fn is_ready(&self) -> bool {
        self.inner.ready.load(Ordering::Acquire)
            && (!self.inner.clustered || self.inner.shards.lease_holds())
    }

    /// Nodes whose lease runs, as of the last round (1 on SQLite).
    pub fn nodes_alive(&self) -> usize {
        self.inner.nodes_alive.load(Ordering::Relaxed)
    }

    pub fn is_leaving(&self) -> bool {
        self.inner.leaving.load(Ordering::Acquire)
    }

    /// Where a request about an order goes: see [`Route`].
    pub fn route(&self, order: rampflow_actors::model::OrderId) -> Route {
        let shard = self.inner.shards.of(order);
        if self.inner.shards.serves(shard) {
            return Route::Local;
        }
        match self.routing_view().owner_address(shard) {
            Some(address) if *address != *self.inner.address => Route::Forward(address),
            _ => Route::Unavailable,
        }
    }

    pub fn routing_view(&self) -> Arc<RoutingView> {
        self.inner
            .view
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The cluster tables, on PostgreSQL.
    pub fn store(&self) -> Option<&store::ClusterStore> {
        self.inner.store.as_ref()
    }

    pub fn forwarder(&self) -> &forward::Forwarder {
        &self.inner.forwarder
    }

    fn publish(&self, view: RoutingView, ready: bool, nodes_alive: usize) {
        self.inner.nodes_alive.store(nodes_alive, Ordering::Relaxed);
        *self
            .inner
            .view
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(view);
        self.inner.ready.store(ready, Ordering::Release);
    }

    pub(crate) fn wake(&self) {
        self.inner.wake.notify_one();
    }
}
