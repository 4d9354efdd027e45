//! The dispatcher as a shard coordinator sees it, against an in-memory delivery store and
//! real HTTP receivers: deliveries in flight counted per shard and `drained`, a queued
//! delivery given back when its shard is no longer served, when its lease can no longer cover
//! an attempt, or when its endpoint was deleted, a stop that waits for attempts in flight, and
//! a delivered attempt the journal holds or recorded itself, written once.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use rampflow_actors::model::Timestamp;
use rampflow_actors::shard::{ShardId, ShardState, Shards};
use rampflow_actors::store::StoreError;
use rampflow_actors::webhook::sender::QUEUED_ROUNDS;
use rampflow_actors::webhook::store::{
    AttemptOutcome, ClaimRequest, DeliveryStore, DueDelivery, NextHeads, NextStep, Release,
};
use rampflow_actors::webhook::{Nudge, WebhookSettings, Webhooks};

/// Deliveries handed out by the next claim, and everything recorded.
#[derive(Default)]
struct FakeStore {
    due: Mutex<Vec<DueDelivery>>,
    /// When set, claims lease until then instead of what they asked for.
    lease_until: Mutex<Option<Timestamp>>,
    outcomes: Mutex<Vec<AttemptOutcome>>,
    released: Mutex<Vec<Release>>,
    deleted_endpoints: Mutex<HashSet<String>>,
}

impl FakeStore {
    fn recorded(&self) -> Vec<String> {
        let outcomes = self.outcomes.lock().unwrap();
        outcomes.iter().map(|o| o.event_id.clone()).collect()
    }

    fn released(&self) -> Vec<String> {
        let released = self.released.lock().unwrap();
        released.iter().map(|r| r.event_id.clone()).collect()
    }
}

#[async_trait]
impl DeliveryStore for FakeStore {
    async fn claim_due(&self, claim: ClaimRequest<'_>) -> Result<Vec<DueDelivery>, StoreError> {
        let lease_until = self
            .lease_until
            .lock()
            .unwrap()
            .unwrap_or(claim.lease_until);
        let mut due = self.due.lock().unwrap();
        let (taken, kept) = due.drain(..).partition(|d| {
            claim.shards.is_none_or(|s| s.contains(&d.shard))
                && !claim.skip_endpoints.contains(&d.endpoint_id)
        });
        *due = kept;
        Ok(taken
            .into_iter()
            .map(|d: DueDelivery| DueDelivery { lease_until, ..d })
            .collect())
    }

    async fn record_attempts(
        &self,
        _node: &str,
        outcomes: &[AttemptOutcome],
        released: &[Release],
        _next_heads: Option<NextHeads<'_>>,
    ) -> Result<Vec<DueDelivery>, StoreError> {
        self.outcomes.lock().unwrap().extend_from_slice(outcomes);
        self.released.lock().unwrap().extend_from_slice(released);
        Ok(Vec::new())
    }

    async fn release_leases_at_boot(&self) -> Result<(), StoreError> {
        Ok(())
    }

    async fn release_leases_held_by(&self, _nodes: &[String]) -> Result<u64, StoreError> {
        Ok(0)
    }

    async fn live_endpoints(&self, ids: &[String]) -> Result<HashSet<String>, StoreError> {
        let deleted = self.deleted_endpoints.lock().unwrap();
        Ok(ids
            .iter()
            .filter(|id| !deleted.contains(*id))
            .cloned()
            .collect())
    }

    async fn fail_orphaned_deliveries(&self, _now: Timestamp) -> Result<(), StoreError> {
        Ok(())
    }
}

/// An HTTP receiver that counts requests and answers 200, at once or once released.
struct Receiver {
    url: String,
    hits: Arc<AtomicUsize>,
    held: Arc<(Mutex<bool>, Condvar)>,
}

impl Receiver {
    fn start(held: bool) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hooks", listener.local_addr().unwrap());
        let hits = Arc::new(AtomicUsize::new(0));
        let held = Arc::new((Mutex::new(held), Condvar::new()));
        let (thread_hits, thread_held) = (hits.clone(), held.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let (hits, held) = (thread_hits.clone(), thread_held.clone());
                std::thread::spawn(move || serve(stream, &hits, &held));
            }
        });
        Receiver { url, hits, held }
    }

    fn release(&self) {
        let (held, changed) = &*self.held;
        *held.lock().unwrap() = false;
        changed.notify_all();
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

/// Keep-alive: one request after another on the connection.
fn serve(stream: std::net::TcpStream, hits: &AtomicUsize, held: &(Mutex<bool>, Condvar)) {
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    loop {
        let mut length = 0;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let line = line.trim_end().to_ascii_lowercase();
            if line.is_empty() {
                break;
            }
            if let Some(value) = line.strip_prefix("content-length:") {
                length = value.trim().parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        hits.fetch_add(1, Ordering::SeqCst);
        let (is_held, changed) = held;
        let mut guard = is_held.lock().unwrap();
        while *guard {
            guard = changed.wait(guard).unwrap();
        }
        drop(guard);
        if writer
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
            .is_err()
        {
            return;
        }
    }
}

fn delivery(event_id: &str, shard: u32, endpoint_id: &str, url: &str) -> DueDelivery {
    DueDelivery {
        event_id: event_id.to_owned(),
        endpoint_id: endpoint_id.to_owned(),
        order_id: format!("order-of-{event_id}"),
        order_version: 1,
        shard: ShardId::new(shard),
        attempts: 0,
        lease_until: Timestamp::now(),
        url: url.to_owned(),
        secrets: vec!["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_owned()],
        payload: "{}".to_owned(),
    }
}

/// A cluster node serving `owned`, its lease good for ten minutes.
fn node_serving(owned: &[u32]) -> Arc<Shards> {
    let shards = Shards::clustered("node-a", 8);
    for &shard in owned {
        shards.set(ShardId::new(shard), ShardState::Owned(1));
    }
    shards.extend_lease(Instant::now(), Duration::from_secs(600));
    Arc::new(shards)
}

async fn start(store: &Arc<FakeStore>, shards: &Arc<Shards>, nudge: &Nudge) -> Webhooks {
    start_with(store, shards, nudge, Duration::ZERO).await
}

async fn start_with(
    store: &Arc<FakeStore>,
    shards: &Arc<Shards>,
    nudge: &Nudge,
    delivered_record_delay: Duration,
) -> Webhooks {
    let settings = WebhookSettings {
        retry_schedule: vec![Duration::ZERO],
        timeout: Duration::from_secs(5),
        allow_private_targets: true,
        poll_interval: Duration::from_millis(50),
        claim_batch: 100,
        max_in_flight_per_endpoint: 1,
        sender_threads: 2,
        cache_ttl: Duration::from_millis(200),
        delivered_record_delay,
    };
    let webhooks = Webhooks::start(store.clone(), settings, nudge.clone(), shards.clone(), None)
        .await
        .unwrap();
    nudge.nudge();
    webhooks
}

/// Polls until `done`, or fails saying `what` after ten seconds.
async fn until(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < deadline, "not within 10 s: {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[actix_rt::test]
async fn drained_waits_for_the_attempts_in_flight_of_its_shards() {
    let (slow, fast) = (Receiver::start(true), Receiver::start(false));
    let store = Arc::new(FakeStore::default());
    store.due.lock().unwrap().extend([
        delivery("d1", 1, "slow", &slow.url),
        delivery("d2", 2, "fast", &fast.url),
    ]);
    let shards = node_serving(&[1, 2]);
    let webhooks = start(&store, &shards, &Nudge::default()).await;

    until("d2 recorded, d1 at its receiver", || {
        store.recorded() == ["d2"] && slow.hits() == 1
    })
    .await;
    assert_eq!(webhooks.in_flight(ShardId::new(1)), 1);
    assert_eq!(webhooks.in_flight(ShardId::new(2)), 0);
    assert!(
        webhooks
            .drained(&[ShardId::new(2)], Duration::from_secs(1))
            .await
    );
    let both = [ShardId::new(1), ShardId::new(2)];
    assert!(
        !webhooks.drained(&both, Duration::from_millis(100)).await,
        "d1 is still in flight"
    );

    slow.release();
    assert!(webhooks.drained(&both, Duration::from_secs(10)).await);
    assert_eq!(store.recorded(), ["d2", "d1"]);
    assert_eq!(store.outcomes.lock().unwrap()[1].next, NextStep::Delivered);
    webhooks.stop().await;
}

#[actix_rt::test]
async fn a_queued_delivery_of_a_shard_handed_over_is_given_back_unattempted() {
    let hooks = Receiver::start(true);
    let store = Arc::new(FakeStore::default());
    store.due.lock().unwrap().extend([
        delivery("a", 3, "one", &hooks.url),
        delivery("b", 3, "one", &hooks.url),
    ]);
    let shards = node_serving(&[3]);
    let webhooks = start(&store, &shards, &Nudge::default()).await;
    // One attempt at a time to the endpoint: `a` at the receiver, `b` queued behind it.
    until("a at its receiver", || hooks.hits() == 1).await;
    assert_eq!(webhooks.in_flight(ShardId::new(3)), 2);

    assert!(shards.begin_handover(ShardId::new(3), 1));
    hooks.release();
    assert!(
        webhooks
            .drained(&[ShardId::new(3)], Duration::from_secs(10))
            .await
    );
    assert_eq!(store.recorded(), ["a"], "the attempt under way finished");
    assert_eq!(store.released(), ["b"], "the queued one was given back");
    assert_eq!(hooks.hits(), 1, "and never sent");
    webhooks.stop().await;
}

#[actix_rt::test]
async fn a_delivery_whose_lease_cannot_cover_an_attempt_is_given_back() {
    let hooks = Receiver::start(false);
    let store = Arc::new(FakeStore::default());
    // A second left: less than an attempt (5 s) and its recording.
    *store.lease_until.lock().unwrap() = Some(Timestamp::now().plus(Duration::from_secs(1)));
    store
        .due
        .lock()
        .unwrap()
        .push(delivery("late", 0, "one", &hooks.url));
    let webhooks = start(&store, &node_serving(&[0]), &Nudge::default()).await;
    until("the claim given back", || store.released() == ["late"]).await;
    assert_eq!(hooks.hits(), 0);
    assert!(store.recorded().is_empty(), "no attempt counted");
    webhooks.stop().await;
}

#[actix_rt::test]
async fn what_is_queued_for_a_deleted_endpoint_is_given_back() {
    let hooks = Receiver::start(true);
    let store = Arc::new(FakeStore::default());
    store.due.lock().unwrap().extend([
        delivery("first", 0, "gone", &hooks.url),
        delivery("second", 0, "gone", &hooks.url),
    ]);
    let webhooks = start(&store, &node_serving(&[0]), &Nudge::default()).await;
    until("first at its receiver", || hooks.hits() == 1).await;

    store
        .deleted_endpoints
        .lock()
        .unwrap()
        .insert("gone".to_owned());
    // Given back by the endpoint check while `first` is still held at the receiver.
    until("second given back", || store.released() == ["second"]).await;
    assert_eq!(webhooks.in_flight(ShardId::new(0)), 1);
    hooks.release();
    assert!(
        webhooks
            .drained(&[ShardId::new(0)], Duration::from_secs(10))
            .await
    );
    assert_eq!(
        hooks.hits(),
        1,
        "nothing new started to the deleted endpoint"
    );
    webhooks.stop().await;
}

#[actix_rt::test]
async fn a_stop_lets_the_attempts_under_way_finish_and_be_recorded() {
    let hooks = Receiver::start(true);
    let store = Arc::new(FakeStore::default());
    store.due.lock().unwrap().extend([
        delivery("under-way", 0, "one", &hooks.url),
        delivery("queued", 0, "one", &hooks.url),
    ]);
    let webhooks = start(&store, &node_serving(&[0]), &Nudge::default()).await;
    until("an attempt under way", || hooks.hits() == 1).await;

    // The receiver answers a moment into the stop.
    let releaser = {
        let held = hooks.held.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(200));
            let (held, changed) = &*held;
            *held.lock().unwrap() = false;
            changed.notify_all();
        })
    };
    webhooks.stop().await;
    releaser.join().unwrap();
    assert_eq!(store.recorded(), ["under-way"]);
    assert_eq!(store.released(), ["queued"]);
    assert_eq!(hooks.hits(), 1);
}

/// A delivered attempt waits in `DeliveredUnrecorded` for the recorder's delay. One the journal
/// holds is not written while it is held; once the journal's transaction recorded it, the
/// recorder leaves it, and once a failed transaction releases it, the recorder writes it. All
/// of them stop counting as in flight.
#[actix_rt::test]
async fn a_delivered_attempt_the_journal_holds_is_written_once() {
    let receiver = Receiver::start(false);
    let store = Arc::new(FakeStore::default());
    store.due.lock().unwrap().extend([
        delivery("d1", 1, "ep", &receiver.url),
        delivery("d2", 1, "ep", &receiver.url),
        delivery("d3", 1, "ep", &receiver.url),
    ]);
    let shards = node_serving(&[1]);
    let nudge = Nudge::default();
    let webhooks = start_with(&store, &shards, &nudge, Duration::from_secs(1)).await;
    let delivered = nudge.delivered();
    let key = |id: &str| (id.to_owned(), "ep".to_owned());

    // As the journal does, within the delay: d1 for a transaction that commits, d3 for one that
    // fails.
    until("d1 and d3 noted as delivered, and held", || {
        receiver.hits() == 3 && delivered.hold_all(&[key("d1"), key("d3")]).is_some()
    })
    .await;
    assert!(
        store.recorded().is_empty(),
        "nothing is written before the delay"
    );
    until("d2 recorded", || store.recorded() == ["d2"]).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(store.recorded(), ["d2"], "nothing held is written");

    delivered.settled(&[key("d1")]);
    delivered.released(&[key("d3")]);
    assert!(
        webhooks
            .drained(&[ShardId::new(1)], Duration::from_secs(10))
            .await
    );
    assert_eq!(store.recorded(), ["d2", "d3"]);
    assert!(store
        .outcomes
        .lock()
        .unwrap()
        .iter()
        .all(|outcome| outcome.next == NextStep::Delivered));
    webhooks.stop().await;
}

/// A journal that finds a delivery still under way (sent, not answered) cannot record it, and
/// the order's next event waits behind it; it marks the delivery awaited. Once delivered, that
/// attempt is written at once, not after the recorder's delay; others still wait for it.
#[actix_rt::test]
async fn a_delivered_attempt_the_journal_awaits_is_written_at_once() {
    let receiver = Receiver::start(true);
    let store = Arc::new(FakeStore::default());
    store.due.lock().unwrap().extend([
        delivery("awaited", 1, "ep1", &receiver.url),
        delivery("not-awaited", 1, "ep2", &receiver.url),
    ]);
    let shards = node_serving(&[1]);
    let nudge = Nudge::default();
    let webhooks = start_with(&store, &shards, &nudge, Duration::from_secs(60)).await;
    let delivered = nudge.delivered();
    until("both attempts under way", || receiver.hits() == 2).await;

    // As the journal's fan-out does for a pending delivery with no outcome yet.
    let awaited = ("awaited".to_owned(), "ep1".to_owned());
    assert!(delivered.hold_all(&[awaited]).is_none());
    receiver.release();
    until("the awaited attempt recorded", || {
        store.recorded() == ["awaited"]
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        store.recorded(),
        ["awaited"],
        "the other waits out the recorder's delay"
    );
    // Stopping writes what still waits.
    webhooks.stop().await;
    assert_eq!(store.recorded(), ["awaited", "not-awaited"]);
}

/// A sender queues up to `QUEUED_ROUNDS` rounds of attempts behind those under way; what comes
/// beyond is given back at once, unattempted, for a later claim.
#[actix_rt::test]
async fn a_sender_gives_back_what_comes_beyond_its_queue() {
    let receiver = Receiver::start(true);
    let store = Arc::new(FakeStore::default());
    // One attempt in flight (`max_in_flight_per_endpoint` is 1 here), a full queue, one more.
    let count = 1 + QUEUED_ROUNDS + 1;
    store
        .due
        .lock()
        .unwrap()
        .extend((0..count).map(|n| delivery(&format!("d{n:02}"), 0, "ep", &receiver.url)));
    let webhooks = start(&store, &node_serving(&[0]), &Nudge::default()).await;
    let last = format!("d{:02}", count - 1);
    until("the one beyond the queue given back", || {
        store.released() == [last.clone()]
    })
    .await;
    assert_eq!(receiver.hits(), 1);
    receiver.release();
    until("every queued one delivered", || {
        store.recorded().len() == count - 1
    })
    .await;
    assert!(!store.recorded().contains(&last));
    webhooks.stop().await;
}
