//! How shards move: the named steps of a graceful handover, of a takeover, and what happens
//! when a node finds it lost shards. Each step is logged with the shards it moved and counted
//! (`rampflow_cluster_handovers_total`).
//!
//! **Graceful handover** (a node joined and this one has more than its share, or this one is
//! leaving on SIGTERM):
//! 1. *stop intake*: the shards go `HandingOver`: no new command, actor, timer or webhook
//!    claim; requests for them get 503 with `Retry-After`;
//! 2. *drain actors*: every actor of the shards stops after what is in its mailbox, so the
//!    commands in flight commit first (under the shard's epoch, which still holds);
//! 3. *drain deliveries*: the shards' webhook attempts in flight finish and are recorded;
//! 4. *release*: the leases are given up in the database; the shards are free for the node
//!    that needs them, which rehydrates them.
//!
//! **Takeover** (a free shard, or one whose owner's lease ran out): take the lease under a new
//! epoch, free the delivery leases a dead owner held (its attempts go out again at once),
//! rehydrate the shard's live orders with their timers.
//!
//! **Lost** (the database says another node, or a newer epoch, holds a shard this node still
//! thought its own: it was frozen or cut off past its lease): stop the shard's actors at once.
//! Nothing they write would commit anyway: fencing refuses it.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use rampflow_actors::registry::Registry;
use rampflow_actors::shard::{Epoch, ShardId, ShardState};
use rampflow_actors::store::StoreError;
use rampflow_actors::webhook::dispatcher::DeliveriesInFlight;
use rampflow_actors::webhook::store::DeliveryStore;
use rampflow_actors::webhook::Nudge;

use super::instruments;
use super::store::{ClusterStore, Taken};
use super::Cluster;

/// What a handover needs of webhook delivery.
#[async_trait]
pub trait ShardDeliveries: Send + Sync + 'static {
    /// Waits until no delivery of `shards` is in flight on this node, at most `limit`; true
    /// if drained.
    async fn drained(&self, shards: &[ShardId], limit: Duration) -> bool;

    /// Frees the delivery leases held by `nodes`, which died: what they were sending goes
    /// out again now rather than when the leases run out.
    async fn release_leases_held_by(&self, nodes: &[String]) -> Result<u64, StoreError>;

    /// This node serves new shards: claim their due deliveries now.
    fn claim_now(&self);
}

/// [`ShardDeliveries`] as the webhook dispatcher and the store provide it.
pub struct WebhookDeliveries {
    in_flight: DeliveriesInFlight,
    store: Arc<dyn DeliveryStore>,
    nudge: Nudge,
}

impl WebhookDeliveries {
    pub fn new(in_flight: DeliveriesInFlight, store: Arc<dyn DeliveryStore>, nudge: Nudge) -> Self {
        WebhookDeliveries {
            in_flight,
            store,
            nudge,
        }
    }
}

#[async_trait]
impl ShardDeliveries for WebhookDeliveries {
    async fn drained(&self, shards: &[ShardId], limit: Duration) -> bool {
        self.in_flight.drained(shards, limit).await
    }

    async fn release_leases_held_by(&self, nodes: &[String]) -> Result<u64, StoreError> {
        self.store.release_leases_held_by(nodes).await
    }

    fn claim_now(&self) {
        self.nudge.nudge();
    }
}

pub struct Handoff {
    cluster: Cluster,
    store: ClusterStore,
    registry: Registry,
    deliveries: Arc<dyn ShardDeliveries>,
    /// How long a handover waits for the shards' webhook attempts in flight.
    delivery_drain: Duration,
    /// Shards a handover task is moving now.
    moving: Mutex<HashSet<ShardId>>,
}

impl Handoff {
    pub fn new(
        cluster: Cluster,
        store: ClusterStore,
        registry: Registry,
        deliveries: Arc<dyn ShardDeliveries>,
        delivery_drain: Duration,
    ) -> Handoff {
        Handoff {
            cluster,
            store,
            registry,
            deliveries,
            delivery_drain,
            moving: Mutex::new(HashSet::new()),
        }
    }

    /// Shards a handover is moving right now.
    pub fn moving(&self) -> HashSet<ShardId> {
        self.moving
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Hands `shards` over gracefully (the steps above). Shards already moving are left to
    /// the handover that moves them. If the release fails (the database did not answer), the
    /// shards stay `HandingOver` and the next round releases them.
    pub async fn hand_over(&self, shards: Vec<(ShardId, Epoch)>, reason: &str) {
        let shards: Vec<(ShardId, Epoch)> = {
            let mut moving = self.moving.lock().unwrap_or_else(|e| e.into_inner());
            shards
                .into_iter()
                .filter(|(shard, _)| moving.insert(*shard))
                .collect()
        };
        if shards.is_empty() {
            return;
        }
        let node = self.cluster.node().to_owned();
        let table = self.cluster.shards();
        for (shard, epoch) in &shards {
            table.begin_handover(*shard, *epoch);
        }
        let ids: Vec<ShardId> = shards.iter().map(|(shard, _)| *shard).collect();
        tracing::info!(step = "stop_intake", shards = %list(&ids), reason, "handing shards over");

        let actors = self.registry.release_shards(&ids).await;
        tracing::info!(step = "drain_actors", shards = %list(&ids), actors, "their actors stopped");

        let drained = self.deliveries.drained(&ids, self.delivery_drain).await;
        tracing::info!(step = "drain_deliveries", shards = %list(&ids), drained, "webhook attempts in flight recorded");

        match self.store.release(&node, &shards, reason).await {
            Ok(released) => {
                for shard in &ids {
                    if matches!(table.state(*shard), ShardState::HandingOver(_)) {
                        table.set(*shard, ShardState::NotOwned);
                    }
                }
                tracing::info!(step = "release", shards = %list(&ids), released, "leases released");
                instruments::handovers("released", ids.len());
            }
            Err(error) => {
                tracing::warn!(step = "release", shards = %list(&ids), %error, "could not release the leases; the next round tries again")
            }
        }
        let mut moving = self.moving.lock().unwrap_or_else(|e| e.into_inner());
        for shard in &ids {
            moving.remove(shard);
        }
    }

    /// Starts serving shards just taken: their new epochs, their dead owners' delivery leases
    /// freed, their live orders rehydrated (in the background: commands work meanwhile, a miss
    /// activates the order from the store).
    pub async fn take_over(&self, taken: Vec<Taken>) {
        if taken.is_empty() {
            return;
        }
        let table = self.cluster.shards();
        for shard in &taken {
            table.set(shard.shard, ShardState::Owned(shard.epoch));
        }
        let ids: Vec<ShardId> = taken.iter().map(|t| t.shard).collect();
        let mut dead: Vec<String> = taken.iter().filter_map(|t| t.from_dead.clone()).collect();
        dead.sort();
        dead.dedup();
        let from_dead = taken.iter().filter(|t| t.from_dead.is_some()).count();
        instruments::handovers("taken_over", from_dead);
        instruments::handovers("taken", taken.len() - from_dead);
        tracing::info!(step = "take", shards = %list(&ids), from_dead_nodes = %dead.join(","), "took shards");
        if !dead.is_empty() {
            match self.deliveries.release_leases_held_by(&dead).await {
                Ok(freed) => tracing::info!(
                    step = "free_deliveries",
                    freed,
                    "freed the dead nodes' webhook leases"
                ),
                Err(error) => {
                    tracing::warn!(%error, "could not free the dead nodes' webhook leases; they run out by themselves")
                }
            }
        }
        self.deliveries.claim_now();
        let registry = self.registry.clone();
        actix_web::rt::spawn(async move {
            for shard in ids {
                let started = std::time::Instant::now();
                // Until it works or the shard is gone again: a live order left without its
                // actor would never fire its timers.
                let mut backoff = Duration::from_millis(250);
                loop {
                    match registry.rehydrate_shard(shard).await {
                        Ok(orders) => {
                            tracing::info!(
                                step = "rehydrate",
                                %shard,
                                orders,
                                millis = started.elapsed().as_millis() as u64,
                                "rehydrated the shard's live orders"
                            );
                            break;
                        }
                        Err(_) if !registry.shards().serves(shard) => break,
                        Err(error) => {
                            tracing::warn!(%shard, %error, "could not rehydrate a shard yet; trying again");
                            registry.journal().breaker().closed().await;
                            tokio::time::sleep(backoff).await;
                            backoff = (backoff * 2).min(Duration::from_secs(5));
                        }
                    }
                }
            }
        });
    }

    /// Serves again shards the database says this node still holds but it had let go of
    /// locally (its lease lapsed and the release that followed did not reach the database):
    /// nobody else took them since, so their epoch is still this node's.
    pub async fn adopt(&self, shards: Vec<(ShardId, Epoch)>) {
        self.take_over(
            shards
                .into_iter()
                .map(|(shard, epoch)| Taken {
                    shard,
                    epoch,
                    from_dead: None,
                })
                .collect(),
        )
        .await;
    }

    /// Shards another node (or a newer epoch) holds now: stop serving them at once.
    pub async fn lose(&self, lost: Vec<ShardId>, why: &str) {
        if lost.is_empty() {
            return;
        }
        let table = self.cluster.shards();
        for shard in &lost {
            table.set(*shard, ShardState::NotOwned);
        }
        let actors = self.registry.release_shards(&lost).await;
        tracing::warn!(step = "lose", shards = %list(&lost), actors, why, "lost shards");
        instruments::handovers("lost", lost.len());
    }

    /// Lets go of every shard at once (the lease lapsed, or this node was declared dead), and
    /// releases in the database those it still holds, so they are taken again under new
    /// epochs and rehydrated, timers included.
    pub async fn drop_all(&self, why: &str) {
        let table = self.cluster.shards();
        let held: Vec<(ShardId, Epoch)> = table
            .held()
            .into_iter()
            .filter_map(|(shard, state)| match state {
                ShardState::Owned(epoch) | ShardState::HandingOver(epoch) => Some((shard, epoch)),
                ShardState::NotOwned => None,
            })
            .collect();
        if held.is_empty() {
            return;
        }
        let ids: Vec<ShardId> = held.iter().map(|(shard, _)| *shard).collect();
        self.lose(ids, why).await;
        if let Err(error) = self.store.release(self.cluster.node(), &held, why).await {
            tracing::warn!(%error, "could not release the dropped shards; they are adopted again or run out");
        }
    }
}

/// `3,4,17`: shard numbers for a log line.
fn list(shards: &[ShardId]) -> String {
    shards
        .iter()
        .map(|shard| shard.to_string())
        .collect::<Vec<_>>()
        .join(",")
}
