//! The simulated wallets' and partners' webhook receivers: one local HTTP server, with
//! `/wallet/{n}` and `/partner/{n}` as the endpoints setup registered (`n` counts endpoints;
//! with several per party, the first of each party's is the one that reacts, the others only
//! verify and count).
//!
//! Every delivery is verified with the `standardwebhooks` crate (never with rampflow's own
//! signing code), deduplicated by order and event type (delivery is at least once), timed,
//! and answered at once; the reaction it calls for is sent afterwards from its own task, as a
//! real integration would do it, so the answer never waits for the next command. Deliveries
//! may come from any node of a cluster; reactions go to the nodes round robin, as through a
//! load balancer:
//!
//! | who | hears | sends |
//! |---|---|---|
//! | partner | `order.created` | `accept` |
//! | wallet | `order.accepted` | `funds-sent` |
//! | partner | `order.funds_sent` | `funds-received` |
//! | partner | `order.funds_received` | `complete` |
//! | wallet | `order.completed` | (the order is done) |

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use bytes::Bytes;
use dashmap::DashMap;
use hdrhistogram::Histogram;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use standardwebhooks::Webhook;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::client::{Conn, Target};
use super::orders::{Direction, Requests};
use super::setup::World;
use super::stats::{histogram, Op, Stats};
use super::tracker::Tracker;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Wallet,
    Partner,
}

/// What the receivers counted.
#[derive(Debug, Default)]
pub struct WebhookCounts {
    pub deliveries: AtomicU64,
    pub deliveries_in_window: AtomicU64,
    pub duplicates: AtomicU64,
    /// Verified and heard for the first time (per endpoint and event).
    pub verified: AtomicU64,
    pub verified_in_window: AtomicU64,
    pub bad_signatures: AtomicU64,
    /// Verified, but not an event body the simulation understands.
    pub bad_bodies: AtomicU64,
}

/// What the receivers need once setup is done: the secrets, and the run's recorders.
pub struct Routes {
    pub wallets: Vec<Webhook>,
    pub partners: Vec<Webhook>,
    pub requests: Arc<Requests>,
    pub stats: Arc<Stats>,
    pub tracker: Arc<Tracker>,
    /// The nodes reactions are sent to, in turn.
    pub targets: Vec<Arc<Target>>,
    /// Endpoints per party, as setup registered them.
    pub per_party: usize,
    /// Send the commands the events call for (`lifecycle`); otherwise only verify and count.
    pub react: bool,
}

impl Routes {
    /// The verifiers for the endpoints `world` registered.
    pub fn new(
        world: &World,
        requests: Arc<Requests>,
        stats: Arc<Stats>,
        tracker: Arc<Tracker>,
        targets: Vec<Arc<Target>>,
    ) -> Result<Routes, standardwebhooks::WebhookError> {
        let verifiers = |endpoints: &[super::setup::Endpoint]| {
            endpoints
                .iter()
                .map(|e| Webhook::new(&e.secret))
                .collect::<Result<Vec<_>, _>>()
        };
        Ok(Routes {
            wallets: verifiers(&world.wallet_endpoints)?,
            partners: verifiers(&world.partner_endpoints)?,
            requests,
            stats,
            tracker,
            targets,
            per_party: world.endpoints_per_party.max(1),
            react: true,
        })
    }
}

struct Shared {
    routes: OnceLock<Routes>,
    counts: WebhookCounts,
    /// Receive time minus the event's `timestamp` (the order change's time on the server's
    /// clock, which is this machine's clock), in µs.
    lag: Mutex<Histogram<u64>>,
    /// Per order and per endpoint of a party (0 for the first), a bit per (side, event type)
    /// already handled: duplicates are answered 2xx and otherwise ignored. Kept for the whole
    /// run: a duplicate may come after the order completed.
    seen: DashMap<(String, usize), u32>,
    /// Idle connections for the reactions, per target; a reaction takes one or opens one.
    idle: Mutex<Vec<Vec<Conn>>>,
    /// The next target a reaction goes to.
    next_target: AtomicUsize,
}

/// The running receivers. Dropping them stops the server.
pub struct Receivers {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl Drop for Receivers {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Receivers {
    /// Listens on a free port of 127.0.0.1. Deliveries get 503 (and are retried by the
    /// server) until [`Receivers::install`].
    pub async fn start() -> std::io::Result<Receivers> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            routes: OnceLock::new(),
            counts: WebhookCounts::default(),
            lag: Mutex::new(histogram()),
            seen: DashMap::new(),
            idle: Mutex::new(Vec::new()),
            next_target: AtomicUsize::new(0),
        });
        let task = tokio::spawn(accept_loop(listener, shared.clone()));
        Ok(Receivers { addr, shared, task })
    }

    /// The base URL the endpoints are registered under.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Starts verifying and reacting. Only the first call counts.
    pub fn install(&self, routes: Routes) {
        let targets = routes.targets.len();
        if self.shared.routes.set(routes).is_ok() {
            *self.shared.idle.lock().expect("idle lock") =
                (0..targets).map(|_| Vec::new()).collect();
        }
    }

    pub fn counts(&self) -> &WebhookCounts {
        &self.shared.counts
    }

    pub fn lag(&self) -> Histogram<u64> {
        self.shared.lag.lock().expect("lag lock").clone()
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(error) => {
                // Out of file descriptors, say: back off rather than spin.
                tracing::warn!(%error, "webhook receiver cannot accept");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let shared = shared.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| handle(shared.clone(), request));
            // A connection the server drops mid-request is its problem to retry.
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

fn answer(status: StatusCode) -> Result<Response<Full<Bytes>>, Infallible> {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = status;
    Ok(response)
}

/// The route `/wallet/{i}` or `/partner/{i}`.
fn route(path: &str) -> Option<(Side, usize)> {
    let (side, index) = path.trim_start_matches('/').split_once('/')?;
    let side = match side {
        "wallet" => Side::Wallet,
        "partner" => Side::Partner,
        _ => return None,
    };
    Some((side, index.parse().ok()?))
}

#[derive(serde::Deserialize)]
struct Event {
    #[serde(rename = "type")]
    event_type: String,
    timestamp: chrono::DateTime<chrono::Utc>,
    data: EventOrder,
}

#[derive(serde::Deserialize)]
struct EventOrder {
    id: String,
    direction: String,
}

/// The bit of (side, event type) in an order's `seen` mask.
fn seen_bit(side: Side, event_type: &str) -> u32 {
    const TYPES: [&str; 12] = [
        "order.created",
        "order.accepted",
        "order.rejected",
        "order.cancelled",
        "order.funds_sent",
        "order.deposit_reminder",
        "order.expired",
        "order.funds_received",
        "order.inconsistent",
        "order.completed",
        "order.failed",
        "order.refunded",
    ];
    let index = TYPES.iter().position(|t| *t == event_type).unwrap_or(15) as u32;
    let offset = if side == Side::Wallet { 0 } else { 16 };
    1 << (index + offset)
}

async fn handle(
    shared: Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = request.into_parts();
    let Ok(body) = body.collect().await.map(|b| b.to_bytes()) else {
        return answer(StatusCode::BAD_REQUEST);
    };
    let now = Instant::now();
    let counts = &shared.counts;
    counts.deliveries.fetch_add(1, Ordering::Relaxed);
    let Some(routes) = shared.routes.get() else {
        return answer(StatusCode::SERVICE_UNAVAILABLE);
    };
    routes.stats.live.deliveries.fetch_add(1, Ordering::Relaxed);
    if routes.stats.window.counts(now) {
        counts.deliveries_in_window.fetch_add(1, Ordering::Relaxed);
    }
    let Some((side, index)) = route(parts.uri.path()) else {
        return answer(StatusCode::NOT_FOUND);
    };
    let verifier = match side {
        Side::Wallet => routes.wallets.get(index),
        Side::Partner => routes.partners.get(index),
    };
    let Some(verifier) = verifier else {
        return answer(StatusCode::NOT_FOUND);
    };
    if verifier.verify(&body, &parts.headers).is_err() {
        counts.bad_signatures.fetch_add(1, Ordering::Relaxed);
        routes.stats.error(now, || "webhook bad signature".into());
        // Not 2xx: the server retries it, as it would for a receiver that rejects it.
        return answer(StatusCode::UNAUTHORIZED);
    }
    let Some(event) = serde_json::from_slice::<Event>(&body)
        .ok()
        .and_then(|e| Direction::parse(&e.data.direction).map(|d| (e, d)))
    else {
        counts.bad_bodies.fetch_add(1, Ordering::Relaxed);
        routes.stats.error(now, || "webhook bad body".into());
        return answer(StatusCode::BAD_REQUEST);
    };
    let (event, direction) = event;
    // Which party's endpoint this is, and which of that party's endpoints.
    let (owner, copy) = (index / routes.per_party, index % routes.per_party);
    if routes.stats.window.measures(now) {
        let lag = chrono::Utc::now() - event.timestamp;
        let micros = lag.num_microseconds().unwrap_or(i64::MAX).max(1) as u64;
        shared
            .lag
            .lock()
            .expect("lag lock")
            .saturating_record(micros);
    }
    if !first_time(&shared, side, copy, &event) {
        counts.duplicates.fetch_add(1, Ordering::Relaxed);
        return answer(StatusCode::NO_CONTENT);
    }
    counts.verified.fetch_add(1, Ordering::Relaxed);
    if routes.stats.window.counts(now) {
        counts.verified_in_window.fetch_add(1, Ordering::Relaxed);
    }
    if !routes.react || copy != 0 {
        return answer(StatusCode::NO_CONTENT);
    }
    let reaction = match (side, event.event_type.as_str()) {
        (Side::Partner, "order.created") => Some(Op::Accept),
        (Side::Wallet, "order.accepted") => Some(Op::FundsSent),
        (Side::Partner, "order.funds_sent") => Some(Op::FundsReceived),
        (Side::Partner, "order.funds_received") => Some(Op::Complete),
        (Side::Wallet, "order.completed") => {
            routes
                .stats
                .live
                .completed_orders
                .fetch_add(1, Ordering::Relaxed);
            routes.tracker.completed(&event.data.id);
            None
        }
        _ => None,
    };
    if let Some(op) = reaction {
        tokio::spawn(react(shared.clone(), op, event.data.id, owner, direction));
    }
    answer(StatusCode::NO_CONTENT)
}

/// Marks (side, type) seen for the event's order at the `copy`-th endpoint of its party;
/// false if it was already.
fn first_time(shared: &Shared, side: Side, copy: usize, event: &Event) -> bool {
    let bit = seen_bit(side, &event.event_type);
    let mut entry = shared
        .seen
        .entry((event.data.id.clone(), copy))
        .or_insert(0);
    let first = *entry & bit == 0;
    *entry |= bit;
    first
}

/// Sends the command an event called for to the next node, on a spare connection.
async fn react(shared: Arc<Shared>, op: Op, order: String, owner: usize, direction: Direction) {
    let Some(routes) = shared.routes.get() else {
        return;
    };
    let call = routes.requests.command(op, &order, owner, direction);
    let node = shared.next_target.fetch_add(1, Ordering::Relaxed) % routes.targets.len();
    let spare = shared.idle.lock().expect("idle lock")[node].pop();
    let mut conn = spare.unwrap_or_else(|| Conn::new(routes.targets[node].clone()));
    let started = Instant::now();
    let outcome = conn.send(call).await;
    routes.stats.record(op, started, outcome);
    shared.idle.lock().expect("idle lock")[node].push(conn);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_name_a_side_and_an_index() {
        assert_eq!(route("/wallet/3"), Some((Side::Wallet, 3)));
        assert_eq!(route("/partner/0"), Some((Side::Partner, 0)));
        assert_eq!(route("/partner/x"), None);
        assert_eq!(route("/other/1"), None);
    }

    #[test]
    fn each_side_and_type_has_its_own_bit() {
        let bits: Vec<u32> = ["order.created", "order.completed"]
            .iter()
            .flat_map(|t| [seen_bit(Side::Wallet, t), seen_bit(Side::Partner, t)])
            .collect();
        let union = bits.iter().fold(0, |a, b| a | b);
        assert_eq!(union.count_ones(), 4);
    }
}
