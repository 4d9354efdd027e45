//! Which node owns an order, seen from outside: `GET /v1/ops/cluster` says which node holds
//! each shard, and an order's shard is the last 16 bits of its id modulo the shard count. The
//! spawned cluster waits on it until it is balanced; `forward` needs it to send a command to
//! its order's owner or to another node, `failover` to know which orders a killed node leaves
//! behind.

use std::ops::Deref;
use std::sync::Arc;

use rampflow_client::{Client, ClusterNode, ClusterReport, RetryPolicy};

use super::client::Target;
use super::setup::{api_client, doing, SetupError};

/// `GET /v1/ops/cluster` as the client reads it, with what the load generator asks of it.
#[derive(Debug, Clone)]
pub struct ClusterView(pub ClusterReport);

/// The report's fields read through the view (`view.nodes`, `view.lease_ms`).
impl Deref for ClusterView {
    type Target = ClusterReport;

    fn deref(&self) -> &ClusterReport {
        &self.0
    }
}

impl ClusterView {
    /// Asks the node `operator` (a client with the admin token) talks to.
    pub async fn read(operator: &Client) -> Result<ClusterView, SetupError> {
        let what = format!("reading {}v1/ops/cluster", operator.base_url());
        operator
            .ops_cluster()
            .await
            .map(ClusterView)
            .map_err(doing(what))
    }

    /// The live nodes that are not leaving.
    pub fn members(&self) -> impl Iterator<Item = &ClusterNode> {
        self.nodes.iter().filter(|node| node.alive && !node.leaving)
    }

    /// `nodes` members, every shard held by one of them, and each holding its fair share
    /// (the shares differ by one at most).
    pub fn balanced(&self, nodes: usize) -> bool {
        let held: Vec<usize> = self.members().map(|node| node.shards.len()).collect();
        let (most, least) = (held.iter().max(), held.iter().min());
        self.unowned_shards.is_empty()
            && held.len() == nodes
            && held.iter().sum::<usize>() == self.shard_count as usize
            && most
                .zip(least)
                .is_some_and(|(most, least)| most - least <= 1)
    }

    /// The live node holding `shard`.
    pub fn owner(&self, shard: u32) -> Option<&str> {
        self.nodes
            .iter()
            .filter(|node| node.alive)
            .find(|node| node.shards.iter().any(|s| s.shard == shard))
            .map(|node| node.id.as_str())
    }
}

/// The shard of the order `id` (`None` if it is not an order id).
pub fn shard_of(id: &str, shard_count: u32) -> Option<u32> {
    let id = rampflow_actors::model::OrderId::parse(id).ok()?;
    Some(rampflow_actors::shard::shard_of(id, shard_count).get())
}

/// The targets' node ids and who owns which shard, at one moment.
#[derive(Debug, Clone)]
pub struct Ownership {
    /// The node id behind each target, by target index.
    pub nodes: Vec<String>,
    pub view: ClusterView,
}

impl Ownership {
    /// Asks every target who it is, and the first one who owns what.
    pub async fn read(targets: &[Arc<Target>], admin_token: &str) -> Result<Ownership, SetupError> {
        let mut nodes = Vec::new();
        let mut first = None;
        for target in targets {
            let operator = api_client(target.base(), admin_token, RetryPolicy::default())?;
            let view = ClusterView::read(&operator).await?;
            nodes.push(view.this_node.clone());
            first.get_or_insert(view);
        }
        let view = first.expect("at least one target");
        Ok(Ownership { nodes, view })
    }

    /// The index of the target that owns order `id`, if a target does.
    pub fn target_of(&self, id: &str) -> Option<usize> {
        let owner = self.view.owner(shard_of(id, self.view.shard_count)?)?;
        self.nodes.iter().position(|node| node == owner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use rampflow_client::ClusterShard;

    fn view(shards: &[(&str, bool, u32)], unowned: Vec<u32>) -> ClusterView {
        let mut next = 0;
        let nodes = shards
            .iter()
            .map(|(id, alive, count)| {
                let held = (next..next + count)
                    .map(|shard| ClusterShard {
                        shard,
                        epoch: 1,
                        owned_since: None,
                        previous_owner: None,
                        reason: None,
                    })
                    .collect();
                next += count;
                ClusterNode {
                    id: (*id).into(),
                    address: format!("http://{id}"),
                    started_at: String::new(),
                    last_heartbeat: String::new(),
                    alive: *alive,
                    leaving: false,
                    this_node: *id == "a",
                    shards: held,
                }
            })
            .collect();
        ClusterView(ClusterReport {
            this_node: "a".into(),
            mode: "cluster".into(),
            shard_count: 8,
            lease_ms: 5000,
            nodes,
            unowned_shards: unowned,
        })
    }

    #[test]
    fn balanced_means_every_shard_held_by_the_members_in_fair_shares() {
        assert!(view(&[("a", true, 4), ("b", true, 4)], vec![]).balanced(2));
        assert!(view(&[("a", true, 3), ("b", true, 3), ("c", true, 2)], vec![]).balanced(3));
        assert!(!view(&[("a", true, 4), ("b", true, 4)], vec![]).balanced(3));
        assert!(!view(&[("a", true, 6), ("b", true, 2)], vec![]).balanced(2));
        assert!(!view(&[("a", true, 4), ("b", true, 3)], vec![7]).balanced(2));
        assert!(!view(&[("a", true, 4), ("b", false, 4)], vec![4, 5, 6, 7]).balanced(2));
    }

    #[test]
    fn an_order_belongs_to_the_shard_of_its_last_16_bits() {
        let view = view(&[("a", true, 4), ("b", true, 4)], vec![]);
        // 0x0105 = 261, 261 % 8 = 5: node b's.
        let id = "01936f11-4a5b-7c6d-8e9f-0a1b2c3d0105";
        assert_eq!(shard_of(id, 8), Some(5));
        assert_eq!(view.owner(5), Some("b"));
        let ownership = Ownership {
            nodes: vec!["b".into(), "a".into()],
            view,
        };
        assert_eq!(ownership.target_of(id), Some(0));
        assert_eq!(shard_of("not-an-id", 8), None);
    }
}
