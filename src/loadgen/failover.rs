//! `--scenario failover` (with `--spawn-cluster N`, N ≥ 2): how long the orders of a node
//! killed with `kill -9` wait for another node.
//!
//! Setup creates `--orders` orders through the last node (a create lands on the node that
//! receives it) and then accepts them all with a deposit window of one second, so each has an
//! expiry timer due a second later; that node is killed right after, before the timers are
//! due. Nobody serves its shards until its lease runs out and the survivors take them over,
//! rehydrate its orders and fire their overdue timers. From the kill on, the load generator
//! sends each orphaned order's accept again (the same body: a safe retry) through the
//! survivors in turn, until a node answers anything but 503: the order is served again. Then
//! it reads each order until it is `expired`: its `updated_at` is when a survivor fired its
//! timer (the server's clock, which is this machine's).
//!
//! Everything counts from the kill: the killed node's shards taken over (their
//! `owned_since`), the first and the last timer fired, the first and the last order served
//! again. The lease (`RAMPFLOW_CLUSTER_LEASE`, 5 s by default) is the floor of all of them.

use std::fmt::{self, Write as _};
use std::sync::Arc;

use http::StatusCode;
use rampflow_client::model::{OrderId, Timestamp};
use rampflow_client::order::Status;
use rampflow_client::{AcceptOrder, RetryPolicy};
use serde::Serialize;
use tokio::time::{Duration, Instant};

use super::client::Target;
use super::cluster::SpawnedCluster;
use super::orders::{accept_order, Requests};
use super::setup::{api_client, doing, setup, Parties, Population, SetupError};
use super::shards::{ClusterView, Ownership};

/// The deposit window the orphaned orders are accepted with: the shortest the server allows by
/// default, so their timers are overdue by the time the survivors take over.
const DEPOSIT_WINDOW_SECS: u64 = 1;
/// Accepts sent at once, so the timers start close together.
const ACCEPTING_CONNECTIONS: usize = 8;
/// How long after the kill the orders may take to be served and expired.
const LIMIT: Duration = Duration::from_secs(60);

/// What `failover` measured. Times are milliseconds after the kill.
#[derive(Debug, Clone, Serialize)]
pub struct FailoverReport {
    pub nodes: usize,
    pub lease_ms: u64,
    /// The node id of the node killed.
    pub killed_node: String,
    /// Orders the killed node owned when it died.
    pub orders: usize,
    pub deposit_window_secs: u64,
    /// The killed node's shards that survivors took over.
    pub shards_taken_over: usize,
    pub first_shard_taken_ms: Option<f64>,
    pub last_shard_taken_ms: Option<f64>,
    pub first_timer_ms: Option<f64>,
    pub last_timer_ms: Option<f64>,
    /// Timers the killed node fired itself, before the kill (not counted above).
    pub timers_fired_before_kill: usize,
    /// Orders still not expired when the load generator gave up.
    pub timers_not_fired: usize,
    pub first_served_ms: Option<f64>,
    pub all_served_ms: Option<f64>,
    /// Orders still answered 503 when the load generator gave up.
    pub not_served: usize,
    /// 503s (and refused connections) the survivors answered meanwhile.
    pub unavailable_answers: u64,
}

/// An order of the node to kill, and the template it was made from.
struct Orphan {
    id: OrderId,
    template: usize,
}

/// Runs the measure on `cluster` (it kills its last node). Setup goes through node 0.
pub async fn measure(
    cluster: &mut SpawnedCluster,
    admin_token: &str,
    population: &Population,
    orders: usize,
) -> anyhow::Result<FailoverReport> {
    let mut targets = Vec::new();
    for url in cluster.urls() {
        targets.push(Arc::new(Target::parse(url).await?));
    }
    let victim = targets.len() - 1;
    let world = setup(targets[0].base(), admin_token, population, None).await?;
    let requests = Requests::new(&world);
    let on_victim = Parties::on(
        targets[victim].base(),
        &world,
        admin_token,
        RetryPolicy::default(),
    )?;
    let mut orphans = create(&on_victim, &requests, orders).await?;
    accept_all(&on_victim, &requests, &orphans).await?;

    let ownership = Ownership::read(&targets, admin_token).await?;
    let lease_ms = ownership.view.lease_ms;
    let killed_node = ownership.nodes[victim].clone();
    orphans.retain(|orphan| ownership.target_of(&orphan.id.to_string()) == Some(victim));
    let killed_at = Timestamp::now();
    let killed = Instant::now();
    cluster.kill9(victim);
    eprintln!(
        "killed node {victim} ({killed_node}) with {} orders",
        orphans.len()
    );

    // The survivors' answers are what is measured: each is taken as it comes, never retried.
    let survivors = targets[..victim]
        .iter()
        .map(|target| Parties::on(target.base(), &world, admin_token, RetryPolicy::none()))
        .collect::<Result<Vec<_>, _>>()?;
    let (served, unavailable_answers) = until_served(&survivors, &requests, &orphans, killed).await;
    let fired = until_expired(&survivors[0], &requests, &orphans, killed + LIMIT).await;
    let operator = api_client(targets[0].base(), admin_token, RetryPolicy::default())?;
    let view = ClusterView::read(&operator).await?;

    let after_kill = |at: Timestamp| (at.as_millis() - killed_at.as_millis()) as f64;
    let taken: Vec<f64> = view
        .nodes
        .iter()
        .flat_map(|node| &node.shards)
        .filter(|shard| shard.previous_owner.as_deref() == Some(killed_node.as_str()))
        .filter_map(|shard| Timestamp::parse(shard.owned_since.as_deref()?).ok())
        .map(after_kill)
        .collect();
    let fired_after: Vec<f64> = fired
        .iter()
        .flatten()
        .filter(|at| **at >= killed_at)
        .map(|at| after_kill(*at))
        .collect();
    let served_ms: Vec<f64> = served
        .iter()
        .flatten()
        .map(|after| after.as_secs_f64() * 1000.0)
        .collect();
    Ok(FailoverReport {
        nodes: targets.len(),
        lease_ms,
        killed_node,
        orders: orphans.len(),
        deposit_window_secs: DEPOSIT_WINDOW_SECS,
        shards_taken_over: taken.len(),
        first_shard_taken_ms: min(&taken),
        last_shard_taken_ms: max(&taken),
        first_timer_ms: min(&fired_after),
        last_timer_ms: max(&fired_after),
        timers_fired_before_kill: fired.iter().flatten().count() - fired_after.len(),
        timers_not_fired: fired.iter().filter(|at| at.is_none()).count(),
        first_served_ms: min(&served_ms),
        all_served_ms: (served_ms.len() == orphans.len())
            .then(|| max(&served_ms))
            .flatten(),
        not_served: orphans.len() - served_ms.len(),
        unavailable_answers,
    })
}

/// Creates `count` orders through the node of `on_victim`; no timer of theirs is due for
/// minutes.
async fn create(
    on_victim: &Parties,
    requests: &Requests,
    count: usize,
) -> Result<Vec<Orphan>, SetupError> {
    let mut orphans = Vec::new();
    for _ in 0..count {
        let template = requests.next_template();
        let t = requests.template(template);
        let created = on_victim.wallets[t.wallet]
            .create_order(&t.order)
            .await
            .map_err(doing("creating an order on the node to kill"))?;
        orphans.push(Orphan {
            id: created.id,
            template,
        });
    }
    Ok(orphans)
}

/// The accept of an orphan: its template's, with a deposit window of
/// [`DEPOSIT_WINDOW_SECS`]. Sent again it is a safe retry.
fn accept_of(requests: &Requests, orphan: &Orphan) -> AcceptOrder {
    AcceptOrder {
        deposit_window_secs: Some(DEPOSIT_WINDOW_SECS),
        ..accept_order(requests.template(orphan.template).direction)
    }
}

/// Accepts every order, on a few connections at once so the timers start together.
async fn accept_all(
    on_victim: &Parties,
    requests: &Requests,
    orphans: &[Orphan],
) -> Result<(), SetupError> {
    let per_connection = orphans.len().div_ceil(ACCEPTING_CONNECTIONS).max(1);
    let accepting = orphans.chunks(per_connection).map(|chunk| async move {
        for orphan in chunk {
            let partner = &on_victim.partners[requests.template(orphan.template).partner];
            partner
                .accept_order(&orphan.id, &accept_of(requests, orphan))
                .await
                .map_err(doing(format!("accepting order {}", orphan.id)))?;
        }
        Ok::<_, SetupError>(())
    });
    futures::future::try_join_all(accepting).await?;
    Ok(())
}

/// Sends each order's accept again through the survivors in turn until one answers anything
/// but 503. Returns when each was served (after the kill) and how many 503s came meanwhile.
async fn until_served(
    survivors: &[Parties],
    requests: &Requests,
    orphans: &[Orphan],
    killed: Instant,
) -> (Vec<Option<Duration>>, u64) {
    let deadline = killed + LIMIT;
    let mut served = vec![None; orphans.len()];
    let mut unavailable = 0;
    let mut turn = 0;
    while served.iter().any(Option::is_none) && Instant::now() < deadline {
        for (orphan, served) in orphans.iter().zip(&mut served) {
            if served.is_some() {
                continue;
            }
            let survivor = &survivors[turn % survivors.len()];
            turn += 1;
            let partner = &survivor.partners[requests.template(orphan.template).partner];
            let answer = partner
                .accept_order(&orphan.id, &accept_of(requests, orphan))
                .await;
            // An answer other than 503 (even 409) means a node serves the order again; a 503
            // or no answer at all means none does yet.
            match answer.map_err(|error| error.status()) {
                Ok(_) => *served = Some(killed.elapsed()),
                Err(Some(status)) if status != StatusCode::SERVICE_UNAVAILABLE => {
                    *served = Some(killed.elapsed())
                }
                Err(_) => unavailable += 1,
            }
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    (served, unavailable)
}

/// Reads each order until it is `expired`; returns when each expired (its `updated_at`).
async fn until_expired(
    survivor: &Parties,
    requests: &Requests,
    orphans: &[Orphan],
    deadline: Instant,
) -> Vec<Option<Timestamp>> {
    let mut fired = vec![None; orphans.len()];
    while fired.iter().any(Option::is_none) && Instant::now() < deadline {
        for (orphan, fired) in orphans.iter().zip(&mut fired) {
            if fired.is_some() {
                continue;
            }
            let wallet = &survivor.wallets[requests.template(orphan.template).wallet];
            if let Ok(order) = wallet.get_order(&orphan.id).await {
                if order.status == Status::Expired {
                    *fired = Some(order.updated_at);
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    fired
}

fn min(values: &[f64]) -> Option<f64> {
    values.iter().copied().reduce(f64::min)
}

fn max(values: &[f64]) -> Option<f64> {
    values.iter().copied().reduce(f64::max)
}

impl fmt::Display for FailoverReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = |value: Option<f64>| value.map_or("-".to_owned(), |v| format!("{v:.0} ms"));
        let mut out = String::new();
        let _ = writeln!(
            out,
            "failover · {} nodes · lease {} ms · kill -9 of a node owning {} orders, each with a timer due {} s after its accept",
            self.nodes, self.lease_ms, self.orders, self.deposit_window_secs
        );
        let _ = writeln!(
            out,
            "  {:<38} {:>10} {:>10}",
            "after the kill", "first", "last"
        );
        let rows = [
            (
                format!("{} shards taken over", self.shards_taken_over),
                self.first_shard_taken_ms,
                self.last_shard_taken_ms,
            ),
            (
                "timers fired by a survivor".to_owned(),
                self.first_timer_ms,
                self.last_timer_ms,
            ),
            (
                "orders served again".to_owned(),
                self.first_served_ms,
                self.all_served_ms,
            ),
        ];
        for (name, first, last) in rows {
            let _ = writeln!(out, "  {name:<38} {:>10} {:>10}", ms(first), ms(last));
        }
        let _ = writeln!(
            out,
            "  meanwhile {} answers 503 (or a refused connection); {} timers fired before the kill, {} never; {} orders never served",
            self.unavailable_answers,
            self.timers_fired_before_kill,
            self.timers_not_fired,
            self.not_served
        );
        f.write_str(&out)
    }
}
