//! `forward`: what it costs a command to be forwarded to the node that owns its order.
//!
//! Setup creates `--orders` orders through each node (a create is never forwarded: it lands on
//! the node that receives it) and accepts each once. The run then repeats those accepts with
//! the same body: a safe retry, answered 200 with the order unchanged, so nothing is written
//! and no order moves on. Turn by turn, an accept goes to the node that owns its order
//! (`accept local`) or to another node, which forwards it to the owner (`accept forwarded`).
//! Both kinds share the connections and the load, so their latencies differ by the forwarding
//! alone. Who owns which order is read from `GET /v1/ops/cluster` before the run and again
//! after it: orders whose shard moved meanwhile are reported, since their turns were mislabelled.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use rampflow_client::RetryPolicy;
use tokio::time::Instant;

use super::client::{Call, Conn, Target};
use super::driver::Workload;
use super::orders::{accept_order, Requests};
use super::run::LoadgenError;
use super::setup::{doing, Parties, World};
use super::shards::Ownership;
use super::stats::{Op, Stats};

/// An accepted order and its accept, ready to be sent again.
struct Accepted {
    id: String,
    accept: Call,
}

/// The orders `forward` repeats accepts on.
pub struct ForwardOrders {
    /// By target index: the orders that target's node owns, and those another node owns.
    local: Vec<Vec<Arc<Accepted>>>,
    remote: Vec<Vec<Arc<Accepted>>>,
    /// Every order, with the target that owned it before the run.
    owners: Vec<(Arc<Accepted>, Option<usize>)>,
}

/// Creates and accepts `per_node` orders through each target, then sorts them by owner.
pub async fn prepare(
    targets: &[Arc<Target>],
    world: &World,
    requests: &Requests,
    admin_token: &str,
    per_node: usize,
) -> Result<ForwardOrders, LoadgenError> {
    if targets.len() < 2 {
        return Err(LoadgenError::ForwardNeedsNodes);
    }
    let mut orders = Vec::new();
    for target in targets {
        let Parties { wallets, partners } =
            Parties::on(target.base(), world, admin_token, RetryPolicy::default())?;
        for _ in 0..per_node {
            let template = requests.next_template();
            let t = requests.template(template);
            let created = wallets[t.wallet]
                .create_order(&t.order)
                .await
                .map_err(doing(format!(
                    "creating an order through {}",
                    target.base()
                )))?;
            // The very accept the run repeats: the same body, so a repeat changes nothing.
            partners[t.partner]
                .accept_order(&created.id, &accept_order(t.direction))
                .await
                .map_err(doing(format!("accepting order {}", created.id)))?;
            let id = created.id.to_string();
            let accept = requests.command_for(Op::Accept, &id, template);
            orders.push(Arc::new(Accepted { id, accept }));
        }
    }
    let ownership = Ownership::read(targets, admin_token).await?;
    let mut local = vec![Vec::new(); targets.len()];
    let mut remote = vec![Vec::new(); targets.len()];
    let mut owners = Vec::new();
    for order in orders {
        let owner = ownership.target_of(&order.id);
        for node in 0..targets.len() {
            let list = if owner == Some(node) {
                &mut local[node]
            } else {
                &mut remote[node]
            };
            list.push(order.clone());
        }
        owners.push((order, owner));
    }
    if let Some(node) = local.iter().position(Vec::is_empty) {
        return Err(LoadgenError::ForwardOwnership(
            targets[node].base().to_owned(),
        ));
    }
    Ok(ForwardOrders {
        local,
        remote,
        owners,
    })
}

impl ForwardOrders {
    /// Orders whose owner is not the one they had before the run.
    pub fn moved(&self, now: &Ownership) -> u64 {
        let moved = self
            .owners
            .iter()
            .filter(|(order, before)| now.target_of(&order.id) != *before);
        moved.count() as u64
    }

    pub fn count(&self) -> usize {
        self.owners.len()
    }
}

/// The `forward` workload: accepts repeated, every other one through a node that forwards it.
pub struct Repeats {
    pub orders: Arc<ForwardOrders>,
    pub stats: Arc<Stats>,
    /// The targets' addresses, to know which node a connection reaches.
    pub nodes: Vec<SocketAddr>,
    pub turns: AtomicU64,
}

impl Workload for Repeats {
    type Slot = Conn;

    async fn turn(&self, conn: &mut Conn, intended: Instant) {
        let addr = conn.target().addr();
        let node = self.nodes.iter().position(|a| *a == addr).unwrap_or(0);
        let turn = self.turns.fetch_add(1, Ordering::Relaxed);
        let (op, orders) = if turn.is_multiple_of(2) {
            (Op::AcceptLocal, &self.orders.local[node])
        } else {
            (Op::AcceptForwarded, &self.orders.remote[node])
        };
        let order = &orders[(turn / 2) as usize % orders.len()];
        let outcome = conn.send(order.accept.clone()).await;
        self.stats.record(op, intended, outcome);
    }
}
