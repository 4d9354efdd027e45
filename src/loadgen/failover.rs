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

use anyhow::Context;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use http::StatusCode;
use serde::Serialize;
use tokio::time::{Duration, Instant};

use super::client::{bearer, Call, Conn, Target};
use super::cluster::SpawnedCluster;
use super::orders::Requests;
use super::setup::{expect, setup, Population};
use super::shards::{ClusterView, Ownership};
use super::stats::Op;

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

/// An order of the node to kill.
struct Orphan {
    id: String,
    accept: Call,
    read: Call,
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
    let world = setup(targets[0].clone(), admin_token, population, None).await?;
    let requests = Requests::new(&world);
    let mut orphans = create(&targets[victim], &requests, orders).await?;
    accept_all(&targets[victim], &orphans).await?;

    let admin = bearer(admin_token);
    let ownership = Ownership::read(&targets, &admin).await?;
    let lease_ms = ownership.view.lease_ms;
    let killed_node = ownership.nodes[victim].clone();
    orphans.retain(|orphan| ownership.target_of(&orphan.id) == Some(victim));
    let killed_at = Utc::now();
    let killed = Instant::now();
    cluster.kill9(victim);
    eprintln!(
        "killed node {victim} ({killed_node}) with {} orders",
        orphans.len()
    );

    let mut survivors: Vec<Conn> = targets[..victim]
        .iter()
        .map(|target| Conn::new(target.clone()))
        .collect();
    let (served, unavailable_answers) = until_served(&mut survivors, &orphans, killed).await;
    let fired = until_expired(&mut survivors[0], &orphans, killed + LIMIT).await;
    let view = ClusterView::read(&mut survivors[0], &admin).await?;

    let after_kill = |at: DateTime<Utc>| (at - killed_at).num_milliseconds() as f64;
    let taken: Vec<f64> = view
        .nodes
        .iter()
        .flat_map(|node| &node.shards)
        .filter(|shard| shard.previous_owner.as_deref() == Some(killed_node.as_str()))
        .filter_map(|shard| shard.owned_since)
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

/// Creates `count` orders through `target`; no timer of theirs is due for minutes.
async fn create(
    target: &Arc<Target>,
    requests: &Requests,
    count: usize,
) -> anyhow::Result<Vec<Orphan>> {
    let mut conn = Conn::new(target.clone());
    let mut orphans = Vec::new();
    for _ in 0..count {
        let order = requests.next_create();
        let created = expect(
            &mut conn,
            order.call,
            "creating an order on the node to kill",
        )
        .await?;
        let id = created["id"]
            .as_str()
            .context("a created order without an id")?
            .to_owned();
        let accept = requests.command_for(Op::Accept, &id, order.template);
        orphans.push(Orphan {
            accept: with_deposit_window(accept, DEPOSIT_WINDOW_SECS)?,
            read: requests.read(&id, order.template),
            id,
        });
    }
    Ok(orphans)
}

/// The accept `call` with `deposit_window_secs` set.
fn with_deposit_window(mut call: Call, secs: u64) -> anyhow::Result<Call> {
    let body = call.body.as_ref().context("an accept has a body")?;
    let mut json: serde_json::Value = serde_json::from_slice(body)?;
    json["deposit_window_secs"] = secs.into();
    call.body = Some(Bytes::from(json.to_string()));
    Ok(call)
}

/// Accepts every order, on a few connections at once so the timers start together.
async fn accept_all(target: &Arc<Target>, orphans: &[Orphan]) -> anyhow::Result<()> {
    let per_connection = orphans.len().div_ceil(ACCEPTING_CONNECTIONS).max(1);
    let accepting = orphans.chunks(per_connection).map(|chunk| async move {
        let mut conn = Conn::new(target.clone());
        for orphan in chunk {
            let what = format!("accepting order {}", orphan.id);
            expect(&mut conn, orphan.accept.clone(), &what).await?;
        }
        Ok::<_, anyhow::Error>(())
    });
    futures::future::try_join_all(accepting).await?;
    Ok(())
}

/// Sends each order's accept again through the survivors in turn until one answers anything
/// but 503. Returns when each was served (after the kill) and how many 503s came meanwhile.
async fn until_served(
    survivors: &mut [Conn],
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
            let conn = &mut survivors[turn % survivors.len()];
            turn += 1;
            match conn.send(orphan.accept.clone()).await {
                Ok(reply) if reply.status != StatusCode::SERVICE_UNAVAILABLE => {
                    *served = Some(killed.elapsed());
                }
                _ => unavailable += 1,
            }
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    (served, unavailable)
}

/// Reads each order until it is `expired`; returns when each expired (its `updated_at`).
async fn until_expired(
    conn: &mut Conn,
    orphans: &[Orphan],
    deadline: Instant,
) -> Vec<Option<DateTime<Utc>>> {
    #[derive(serde::Deserialize)]
    struct Order {
        status: String,
        updated_at: DateTime<Utc>,
    }
    let mut fired = vec![None; orphans.len()];
    while fired.iter().any(Option::is_none) && Instant::now() < deadline {
        for (orphan, fired) in orphans.iter().zip(&mut fired) {
            if fired.is_some() {
                continue;
            }
            let Ok(reply) = conn.send(orphan.read.clone()).await else {
                continue;
            };
            if let Ok(order) = serde_json::from_slice::<Order>(&reply.body) {
                if order.status == "expired" {
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
