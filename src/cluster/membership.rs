//! The coordinator's rounds. Every node runs them, every fifth of a lease and at once when
//! another node announces a change (PostgreSQL `NOTIFY`); there is no leader. A round:
//!
//! 1. **renews** this node's lease: one heartbeat statement covers all its shards;
//! 2. **reconciles**: the database is the truth; a shard it holds under another owner or epoch
//!    is lost, one it holds for this node that this node let go of is adopted again;
//! 3. **rebalances**: the live nodes that are not leaving, in id order, each get a fair share
//!    of the shards (the first `count % nodes` one more). A node over its share hands the
//!    extra ones over gracefully; a node under it takes free shards and those of dead nodes.
//!    A leaving node's share is zero.
//! 4. **publishes** the routing view, readiness and gauges.
//!
//! A node prefers the shards of "its" range (`shard * nodes / count` = its place), so as
//! nodes come and go the shards settle in stable, contiguous blocks and two nodes rarely
//! reach for the same free shard.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rampflow_actors::registry::Registry;
use rampflow_actors::shard::{Epoch, ShardId, ShardState, Shards};
use tokio::sync::watch;

use super::handoff::{Handoff, ShardDeliveries};
use super::incarnation::Incarnation;
use super::store::{ClusterStore, DbView, CHANNEL};
use super::{Cluster, ClusterConfig, RoutingView};

/// How long a node's lease is trusted on its own clock after a renewal started, short of the
/// lease the database counts: a margin for the two clocks' rates.
fn trusted_for(lease: Duration) -> Duration {
    lease.mul_f64(0.9)
}

/// How often a node renews its lease and looks at the cluster.
fn round_every(lease: Duration) -> Duration {
    (lease / 5).max(Duration::from_millis(100))
}

/// Dead nodes stay in the ops view this long, then are forgotten.
const FORGET_DEAD_AFTER: Duration = Duration::from_secs(600);

/// Joins the cluster on `database_url`: reads (or sets) the database's shard count, registers
/// this node, and returns its handle. Nothing is owned yet: [`start`] takes the node's share.
pub async fn join(
    database_url: &str,
    data_dir: &std::path::Path,
    wanted_shards: u32,
    admin_token_hash: &str,
    config: ClusterConfig,
) -> anyhow::Result<(Cluster, ClusterStore)> {
    let node = uuid::Uuid::now_v7().to_string();
    let incarnation = Incarnation::begin(data_dir, &node)?;
    let store = ClusterStore::connect(database_url, config.lease).await?;
    let count = store.shard_count(wanted_shards).await?;
    if count != wanted_shards {
        tracing::warn!(
            configured = wanted_shards,
            database = count,
            "this database was split into another number of shards when its cluster started; using the database's"
        );
    }
    if !store.same_admin_token(admin_token_hash).await? {
        tracing::warn!(
            "this node's operator token is not the one the cluster's first node recorded: \
             the operator's requests will work on some nodes only; give every node the same \
             RAMPFLOW_ADMIN_TOKEN"
        );
    }
    store.register(&node, &config.address, config.lease).await?;
    tracing::info!(node = %node, address = %config.address, shards = count, "joined the cluster");
    if let Some(previous) = &incarnation.previous {
        // This directory's last process is gone (this one holds its lock): its leases end
        // now, and its shards can be taken at once.
        if store.retire(previous).await? {
            tracing::info!(previous = %previous, "retired this directory's previous node");
        }
    }
    let shards = Arc::new(Shards::clustered(node, count));
    Ok((
        Cluster::clustered(shards, config, store.clone(), incarnation),
        store,
    ))
}

/// The running coordinator of a node of a cluster.
pub struct Membership {
    cluster: Cluster,
    store: ClusterStore,
    /// Tells the rounds and the listener to end.
    stop: watch::Sender<bool>,
    tasks: std::sync::Mutex<Vec<actix_web::rt::task::JoinHandle<()>>>,
}

/// Starts the coordinator's rounds and the listener for other nodes' announcements.
pub fn start(
    cluster: Cluster,
    store: ClusterStore,
    registry: Registry,
    deliveries: Arc<dyn ShardDeliveries>,
    delivery_drain: Duration,
    database_url: String,
) -> Membership {
    let handoff = Arc::new(Handoff::new(
        cluster.clone(),
        store.clone(),
        registry,
        deliveries,
        delivery_drain,
    ));
    let (stop, stopped) = watch::channel(false);
    let coordinator = Coordinator {
        cluster: cluster.clone(),
        store: store.clone(),
        handoff,
        renewed_once: false,
        rounds: 0,
    };
    let tasks = vec![
        actix_web::rt::spawn(coordinator.run(stopped.clone())),
        actix_web::rt::spawn(listen(cluster.clone(), database_url, stopped)),
    ];
    Membership {
        cluster,
        store,
        stop,
        tasks: std::sync::Mutex::new(tasks),
    }
}

impl Membership {
    /// Leaves gracefully (SIGTERM): announces it, hands every shard over, and waits (at most
    /// `limit`) until none is left here. The node keeps answering meanwhile, forwarding to the
    /// new owners.
    pub async fn leave(&self, limit: Duration) {
        // The last node keeps its shards to the end: nobody could take them, and its commands
        // in flight should commit rather than be refused. It releases them as it stops.
        // Bounded: with the database down, nobody could take the shards anyway.
        let view = tokio::time::timeout(limit.min(Duration::from_secs(2)), self.store.view()).await;
        let others = match view {
            Ok(Ok(view)) => view
                .nodes
                .iter()
                .filter(|node| node.id != self.cluster.node())
                .any(|node| node.is_alive(view.now_ms) && !node.leaving),
            Ok(Err(_)) => true,
            Err(_) => {
                tracing::warn!("the database does not answer: leaving without handing shards over; their leases run out");
                return;
            }
        };
        if !others {
            tracing::info!("the last node of the cluster: keeping its shards until it stops");
            return;
        }
        self.cluster
            .inner
            .leaving
            .store(true, std::sync::atomic::Ordering::Release);
        match tokio::time::timeout(limit, self.store.set_leaving(self.cluster.node())).await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => {
                tracing::warn!(%error, "could not announce that this node is leaving")
            }
            Err(_) => tracing::warn!(
                "could not announce that this node is leaving: the database does not answer"
            ),
        }
        self.cluster.wake();
        let deadline = Instant::now() + limit;
        while !self.cluster.shards().held().is_empty() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let left = self.cluster.shards().held().len();
        if left > 0 {
            tracing::warn!(
                shards = left,
                "stopping with shards not handed over; their leases run out"
            );
        } else {
            tracing::info!("handed every shard over");
        }
    }

    /// Stops the rounds and the listener (inside the runtime: a listener's connection must go
    /// back to its pool before the runtime ends) and removes this node from the cluster.
    pub async fn stop(&self, database_reachable: bool) {
        let _ = self.stop.send(true);
        let tasks = std::mem::take(&mut *self.tasks.lock().unwrap_or_else(|e| e.into_inner()));
        let lease = self.cluster.lease();
        for mut task in tasks {
            // A round stuck on a database that stopped answering is given up.
            if tokio::time::timeout(lease, &mut task).await.is_err() {
                task.abort();
            }
        }
        // Bounded, like everything at stop: a database that does not answer must not keep the
        // process from exiting (the others forget this node once its lease runs out).
        if !database_reachable {
            tracing::warn!("not deregistering this node: the database is unreachable; the others forget it once its lease runs out");
        } else {
            match tokio::time::timeout(lease, self.store.deregister(self.cluster.node())).await {
                Ok(Ok(())) => {}
                Ok(Err(error)) => {
                    tracing::warn!(%error, "could not deregister this node; the others forget it once its lease runs out")
                }
                Err(_) => {
                    tracing::warn!("could not deregister this node: the database does not answer")
                }
            }
        }
        if tokio::time::timeout(lease, self.store.close())
            .await
            .is_err()
        {
            tracing::warn!("closing the cluster's connections timed out");
        }
    }
}

struct Coordinator {
    cluster: Cluster,
    store: ClusterStore,
    handoff: Arc<Handoff>,
    renewed_once: bool,
    rounds: u64,
}

impl Coordinator {
    async fn run(mut self, mut stopped: watch::Receiver<bool>) {
        let every = round_every(self.cluster.lease());
        while !*stopped.borrow() {
            self.round().await;
            tokio::select! {
                _ = stopped.changed() => {}
                _ = tokio::time::sleep(every) => {}
                _ = self.cluster.inner.wake.notified() => {}
            }
        }
    }

    async fn round(&mut self) {
        self.rounds += 1;
        let shards = self.cluster.shards().clone();
        let lapsed = self.renewed_once && !shards.lease_holds();
        let started = Instant::now();
        match self.store.renew(self.cluster.node()).await {
            Ok(true) => {
                shards.extend_lease(started, trusted_for(self.cluster.lease()));
                super::instruments::lease_renewed(started.elapsed());
                self.renewed_once = true;
            }
            Ok(false) => {
                tracing::warn!(
                    "this node was declared dead and forgotten by the others; joining again"
                );
                self.handoff.drop_all("this node was declared dead").await;
                if let Err(error) = self
                    .store
                    .register(
                        self.cluster.node(),
                        self.cluster.address(),
                        self.cluster.lease(),
                    )
                    .await
                {
                    tracing::warn!(%error, "could not register again");
                }
                return;
            }
            Err(error) => {
                super::instruments::lease_renewal_failed();
                tracing::warn!(%error, "could not renew this node's lease");
                return;
            }
        }
        if lapsed {
            tracing::warn!(
                "this node's lease lapsed on its own clock (it was frozen, or cut off from the database): \
                 letting go of its shards and taking its share again"
            );
            self.handoff.drop_all("the lease lapsed").await;
        }
        let view = match self.store.view().await {
            Ok(view) => view,
            Err(error) => {
                tracing::warn!(%error, "could not read the cluster");
                return;
            }
        };
        let changed = self.reconcile(&view).await | self.rebalance(&view).await;
        let view = if changed {
            self.store.view().await.unwrap_or(view)
        } else {
            view
        };
        self.publish(&view);
        if self.rounds.is_multiple_of(100) {
            if let Err(error) = self.store.forget_dead(FORGET_DEAD_AFTER).await {
                tracing::warn!(%error, "could not forget dead nodes");
            }
        }
    }

    /// Makes this node's shards what the database says. True if anything changed.
    async fn reconcile(&self, view: &DbView) -> bool {
        let me = self.cluster.node();
        let table = self.cluster.shards();
        let moving = self.handoff.moving();
        let mut lost = Vec::new();
        let mut adopt = Vec::new();
        for row in &view.shards {
            let state = table.state(row.shard);
            let ours_in_db = row.owner.as_deref() == Some(me);
            match state {
                // A shard whose graceful release just committed is no loss.
                ShardState::Owned(epoch) | ShardState::HandingOver(epoch)
                    if (!ours_in_db || row.epoch != epoch)
                        && !(row.owner.is_none() && moving.contains(&row.shard)) =>
                {
                    lost.push(row.shard);
                }
                ShardState::NotOwned if ours_in_db && !moving.contains(&row.shard) => {
                    adopt.push((row.shard, row.epoch));
                }
                _ => {}
            }
        }
        let changed = !lost.is_empty() || !adopt.is_empty();
        self.handoff
            .lose(
                lost,
                "another node holds it now (this node was frozen or cut off past its lease)",
            )
            .await;
        self.handoff.adopt(adopt).await;
        changed
    }

    /// Hands over what is beyond this node's share, takes what it lacks. True if it took any.
    async fn rebalance(&self, view: &DbView) -> bool {
        let me = self.cluster.node();
        let table = self.cluster.shards();
        let count = table.count();
        let members: Vec<&str> = view
            .nodes
            .iter()
            .filter(|node| node.is_alive(view.now_ms) && !node.leaving)
            .map(|node| node.id.as_str())
            .collect();
        let place = (!self.cluster.is_leaving())
            .then(|| members.iter().position(|id| *id == me))
            .flatten();
        let quota = place.map_or(0, |place| share(count, members.len(), place));
        let preferred = |shard: ShardId| {
            place.is_some_and(|place| {
                (shard.get() as usize * members.len()) / count as usize == place
            })
        };
        let owned: Vec<(ShardId, Epoch)> = table
            .held()
            .into_iter()
            .filter_map(|(shard, state)| match state {
                ShardState::Owned(epoch) => Some((shard, epoch)),
                _ => None,
            })
            .collect();
        // Shards left `HandingOver` by a release that did not reach the database.
        let moving = self.handoff.moving();
        let stranded: Vec<(ShardId, Epoch)> = table
            .held()
            .into_iter()
            .filter_map(|(shard, state)| match state {
                ShardState::HandingOver(epoch) if !moving.contains(&shard) => Some((shard, epoch)),
                _ => None,
            })
            .collect();
        if !stranded.is_empty() {
            self.spawn_handover(stranded, "finishing an earlier handover");
        }
        if owned.len() > quota as usize {
            let mut extra = owned;
            // Hand over what lies outside this node's range first, the highest first.
            extra.sort_by_key(|(shard, _)| (preferred(*shard), std::cmp::Reverse(*shard)));
            extra.truncate(extra.len() - quota as usize);
            let reason = if self.cluster.is_leaving() {
                "its node is leaving"
            } else {
                "rebalance: another node joined"
            };
            self.spawn_handover(extra, reason);
            return false;
        }
        let wanted = quota as usize - owned.len();
        if wanted == 0 {
            return false;
        }
        let mut candidates: Vec<ShardId> = view
            .shards
            .iter()
            .filter(|row| {
                table.state(row.shard) == ShardState::NotOwned
                    && row
                        .owner
                        .as_deref()
                        .is_none_or(|owner| owner != me && !view.is_alive(owner))
            })
            .map(|row| row.shard)
            .collect();
        candidates.sort_by_key(|shard| (!preferred(*shard), *shard));
        candidates.truncate(wanted);
        if candidates.is_empty() {
            return false;
        }
        match self.store.take(me, &candidates).await {
            Ok(taken) => {
                let any = !taken.is_empty();
                self.handoff.take_over(taken).await;
                any
            }
            Err(error) => {
                tracing::warn!(%error, "could not take shards");
                false
            }
        }
    }

    fn spawn_handover(&self, shards: Vec<(ShardId, Epoch)>, reason: &'static str) {
        let handoff = self.handoff.clone();
        let cluster = self.cluster.clone();
        actix_web::rt::spawn(async move {
            handoff.hand_over(shards, reason).await;
            cluster.wake();
        });
    }

    fn publish(&self, view: &DbView) {
        let routing = RoutingView::from_db(view);
        let table = self.cluster.shards();
        let members = view
            .nodes
            .iter()
            .filter(|node| node.is_alive(view.now_ms) && !node.leaving)
            .count();
        let place = view
            .nodes
            .iter()
            .filter(|node| node.is_alive(view.now_ms) && !node.leaving)
            .position(|node| node.id == self.cluster.node());
        let serving = table.serving().len() as u32;
        let quota = place.map_or(0, |place| share(table.count(), members, place));
        let every_shard_owned = routing.owned() == table.count() as usize;
        let ready = !self.cluster.is_leaving()
            && table.lease_holds()
            && (serving >= quota || every_shard_owned);
        let alive = view
            .nodes
            .iter()
            .filter(|node| node.is_alive(view.now_ms))
            .count();
        self.cluster.publish(routing, ready, alive);
    }
}

/// The fair share of the node at `place` among `members` nodes: `count / members`, one more
/// for the first `count % members`.
fn share(count: u32, members: usize, place: usize) -> u32 {
    if members == 0 {
        return 0;
    }
    let members = members as u32;
    count / members + u32::from((place as u32) < count % members)
}

/// Wakes the coordinator when another node announces a change. Best effort: a missed
/// announcement only delays the change to the next round.
async fn listen(cluster: Cluster, database_url: String, mut stopped: watch::Receiver<bool>) {
    let me = cluster.node().to_owned();
    while !*stopped.borrow() {
        let connected = async {
            let mut listener = sqlx::postgres::PgListener::connect(&database_url).await?;
            listener.listen(CHANNEL).await?;
            Ok::<_, sqlx::Error>(listener)
        };
        let mut listener = tokio::select! {
            _ = stopped.changed() => return,
            connected = connected => match connected {
                Ok(listener) => listener,
                Err(error) => {
                    tracing::debug!(%error, "cannot listen for cluster announcements yet");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            },
        };
        loop {
            tokio::select! {
                _ = stopped.changed() => return,
                received = listener.recv() => match received {
                    Ok(notification) => {
                        if !notification.payload().starts_with(&me) {
                            cluster.wake();
                        }
                    }
                    Err(error) => {
                        tracing::debug!(%error, "lost the cluster announcements; listening again");
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        break;
                    }
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_add_up_to_every_shard() {
        for members in 1..=7 {
            let total: u32 = (0..members).map(|place| share(256, members, place)).sum();
            assert_eq!(total, 256, "{members} nodes");
            let most = (0..members).map(|place| share(256, members, place)).max();
            let least = (0..members).map(|place| share(256, members, place)).min();
            assert!(most.unwrap() - least.unwrap() <= 1);
        }
        assert_eq!(share(256, 0, 0), 0);
        assert_eq!(share(256, 3, 0), 86);
        assert_eq!(share(256, 3, 2), 85);
    }

    #[test]
    fn a_node_trusts_its_lease_for_less_than_the_database_does() {
        assert!(trusted_for(Duration::from_secs(5)) < Duration::from_secs(5));
        assert_eq!(round_every(Duration::from_secs(5)), Duration::from_secs(1));
        assert_eq!(
            round_every(Duration::from_millis(200)),
            Duration::from_millis(100)
        );
    }
}
