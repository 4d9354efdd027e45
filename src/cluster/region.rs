//! The shard region: for an order, whether this node serves it or which node does.
//!
//! What this node serves is [`Shards`](rampflow_actors::shard::Shards) (exact, read on every
//! request). Where the others are is the [`RoutingView`], rebuilt from the database by every
//! coordinator round and at once when a node announces a change; a view a moment old only ever
//! sends a request to a node that answers 503 (it refuses to forward a forwarded request), and
//! the client's retry finds the new owner.

use std::collections::HashMap;
use std::sync::Arc;

use rampflow_actors::shard::ShardId;

use super::store::DbView;

/// What to do with a request about an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// This node serves the order's shard.
    Local,
    /// Another node (at this address) owns it.
    Forward(Arc<str>),
    /// Nobody serves it right now: it is moving between nodes, or its owner died and its
    /// lease has not run out yet. Answer 503 with `Retry-After`.
    Unavailable,
}

/// Which node owns each shard, as of the last look at the database.
#[derive(Debug, Default)]
pub struct RoutingView {
    /// Per shard, the address of its owner if that owner is alive.
    owners: Vec<Option<Arc<str>>>,
}

impl RoutingView {
    pub fn from_db(view: &DbView) -> RoutingView {
        let addresses: HashMap<&str, Arc<str>> = view
            .nodes
            .iter()
            .filter(|node| node.is_alive(view.now_ms))
            .map(|node| (node.id.as_str(), Arc::from(node.address.as_str())))
            .collect();
        let count = view.shards.len();
        let mut owners = vec![None; count];
        for row in &view.shards {
            if let (Some(owner), Some(slot)) = (&row.owner, owners.get_mut(row.shard.index())) {
                *slot = addresses.get(owner.as_str()).cloned();
            }
        }
        RoutingView { owners }
    }

    pub fn owner_address(&self, shard: ShardId) -> Option<Arc<str>> {
        self.owners.get(shard.index()).cloned().flatten()
    }

    /// Shards with a live owner.
    pub fn owned(&self) -> usize {
        self.owners.iter().filter(|owner| owner.is_some()).count()
    }
}
