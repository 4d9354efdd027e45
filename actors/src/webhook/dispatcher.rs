//! The dispatcher claims due deliveries from the store and hands each to its endpoint's
//! sender; the recorder writes attempt outcomes back in batches. Everything that matters lives
//! in the database (pending deliveries, attempt counts, next attempt times), so a restart, even
//! a kill -9, resumes where delivery stopped.
//!
//! In a cluster each node claims only the deliveries of the shards it serves, under a short
//! lease that names it. It counts, per shard, the deliveries it claimed and has not yet
//! recorded or given back, so a shard handover can wait for them ([`Webhooks::drained`]).

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use tokio::sync::{mpsc, oneshot, Notify};

use super::client::build_client;
use super::retry::RetryPolicy;
use super::sender::{Deliver, Finished, ReleaseQueued, SenderEnv, WebhookSender};
use super::store::{
    AttemptOutcome, ClaimRequest, DeliveryStore, DueDelivery, NextHeads, NextStep, Release,
};
use super::{Nudge, Recording};
use crate::journal::Journal;
use crate::model::Timestamp;
use crate::shard::{ShardId, Shards};
use crate::store::StoreError;

#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// Delays before each attempt; its length is the number of attempts.
    pub retry_schedule: Vec<Duration>,
    /// Per attempt.
    pub timeout: Duration,
    pub allow_private_targets: bool,
    /// How often due retries are looked for when nothing nudges the dispatcher.
    pub poll_interval: Duration,
    /// Deliveries claimed per query.
    pub claim_batch: u32,
    /// Attempts in flight per endpoint, at most.
    pub max_in_flight_per_endpoint: usize,
    /// Threads the senders run on (at least one), each endpoint's sender on one of them, in
    /// turn. With one, every attempt's HTTP round trip, signature and bookkeeping share a
    /// thread with the dispatcher and the recorder.
    pub sender_threads: usize,
    /// How stale a node's view of an endpoint may be. The dispatcher checks twice per
    /// `cache_ttl` that the endpoints it holds queued deliveries for are still live, so once a
    /// delete has waited this long, no node starts a new attempt to the endpoint.
    pub cache_ttl: Duration,
    /// How long the recorder leaves a delivered attempt to the journal before writing it
    /// itself (see `DeliveredUnrecorded`): zero where the journal never records them.
    pub delivered_record_delay: Duration,
}

/// How long a claimed delivery may wait in its sender's queue before its attempt starts.
const QUEUE_ALLOWANCE: Duration = Duration::from_secs(5);

/// How long an attempt's outcome may take to reach the database once the attempt ended: the
/// recorder's batch and its retries (under a second), with room for a slow commit.
const RECORD_ALLOWANCE: Duration = Duration::from_secs(5);

/// The lease a claim takes: the wait in the sender's queue, one attempt (the webhook timeout)
/// and the recording of its outcome. Seconds, not minutes, so the deliveries of a node that
/// died (or was cut off) go out again soon; the sender starts an attempt only while at least
/// [`attempt_allowance`] of the lease is left, so an attempt never outlives its lease, and a
/// delivery that waited too long is given back rather than sent under a lapsing lease.
pub fn lease_for(timeout: Duration) -> Duration {
    QUEUE_ALLOWANCE + timeout + RECORD_ALLOWANCE
}

/// The lease an attempt needs left to start: the attempt itself and its recording.
pub fn attempt_allowance(timeout: Duration) -> Duration {
    timeout + RECORD_ALLOWANCE
}

/// The running delivery machinery.
pub struct Webhooks {
    arbiter: Arbiter,
    /// Where the senders run, each endpoint's on one of them.
    sender_arbiters: Vec<Arbiter>,
    health: WebhookHealth,
    dispatcher: Addr<Dispatcher>,
    in_flight: Arc<InFlight>,
    stop_recorder: Arc<Notify>,
    recorder_done: oneshot::Receiver<()>,
    /// How long a stop waits for attempts in flight: one attempt and its recording.
    stop_limit: Duration,
}

/// Whether the dispatcher is alive: it beats after every claim, and claims at least once per
/// poll interval.
#[derive(Clone)]
pub struct WebhookHealth {
    last_beat_millis: Arc<AtomicI64>,
    poll_interval: Duration,
}

impl WebhookHealth {
    fn beat(&self) {
        self.last_beat_millis
            .store(Timestamp::now().as_millis(), Ordering::Relaxed);
    }

    /// Alive if it claimed within a few poll intervals (and a few seconds of slack for a slow
    /// claim query).
    pub fn is_alive(&self) -> bool {
        let since = Timestamp::now().as_millis() - self.last_beat_millis.load(Ordering::Relaxed);
        since <= (self.poll_interval * 3 + Duration::from_secs(5)).as_millis() as i64
    }
}

/// The deliveries this node claimed and has not yet recorded or given back, per shard. Cheap
/// to clone: a shard handover holds one while the dispatcher runs.
#[derive(Clone)]
pub struct DeliveriesInFlight(Arc<InFlight>);

impl DeliveriesInFlight {
    /// Waits, for at most `limit`, until none of `shards`' deliveries is in flight on this
    /// node; whether that happened. For a shard handover: once the shards are no longer
    /// served, nothing new is claimed or started for them, queued deliveries are given back
    /// and attempts under way end within the webhook timeout.
    pub async fn drained(&self, shards: &[ShardId], limit: Duration) -> bool {
        self.0
            .wait_until(limit, |in_flight| {
                shards.iter().all(|&shard| in_flight.of(shard) == 0)
            })
            .await
    }
}

/// Deliveries claimed and not yet recorded or given back, per shard.
struct InFlight {
    counts: Box<[AtomicUsize]>,
    changed: Notify,
}

impl InFlight {
    fn new(shards: u32) -> InFlight {
        InFlight {
            counts: (0..shards).map(|_| AtomicUsize::new(0)).collect(),
            changed: Notify::new(),
        }
    }

    fn add(&self, shard: ShardId) {
        if let Some(count) = self.counts.get(shard.index()) {
            count.fetch_add(1, Ordering::AcqRel);
        }
    }

    fn finish(&self, shard: ShardId) {
        if let Some(count) = self.counts.get(shard.index()) {
            let _ = count.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                Some(n.saturating_sub(1))
            });
        }
        self.changed.notify_waiters();
    }

    fn of(&self, shard: ShardId) -> usize {
        self.counts
            .get(shard.index())
            .map_or(0, |count| count.load(Ordering::Acquire))
    }

    /// Waits until `done` holds, for at most `limit`; whether it holds.
    async fn wait_until(&self, limit: Duration, done: impl Fn(&InFlight) -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            // Registered before the check, so a change between the two is not missed.
            let changed = self.changed.notified();
            if done(self) {
                return true;
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                return done(self);
            }
        }
    }
}

impl Webhooks {
    /// Starts the dispatcher, its senders and the recorder on an arbiter of their own. On a
    /// database this process has to itself (SQLite), the leases a previous process left
    /// behind are released first; another node's never are. The recorder writes outcomes
    /// through `journal` where its writer owns the connection ([`Journal::records_attempts`]),
    /// and through `store` otherwise.
    pub async fn start(
        store: Arc<dyn DeliveryStore>,
        settings: WebhookSettings,
        nudge: Nudge,
        shards: Arc<Shards>,
        journal: Option<Journal>,
    ) -> Result<Webhooks, StoreError> {
        store.release_leases_at_boot().await?;
        let arbiter = Arbiter::new();
        let sender_arbiters: Vec<Arbiter> = (0..settings.sender_threads.max(1))
            .map(|_| Arbiter::new())
            .collect();
        let sender_handles: Vec<ArbiterHandle> =
            sender_arbiters.iter().map(Arbiter::handle).collect();
        let (outcomes, recorded) = mpsc::channel(4096);
        let env = Arc::new(SenderEnv {
            client: build_client(settings.timeout, settings.allow_private_targets),
            policy: RetryPolicy::new(settings.retry_schedule.clone()),
            outcomes,
            allow_private_targets: settings.allow_private_targets,
            max_in_flight: settings.max_in_flight_per_endpoint.max(1),
            shards: shards.clone(),
            attempt_allowance: attempt_allowance(settings.timeout),
            delivered: (!settings.delivered_record_delay.is_zero()).then(|| nudge.delivered()),
        });
        let in_flight = Arc::new(InFlight::new(shards.count()));
        let stop_recorder = Arc::new(Notify::new());
        let (done, recorder_done) = oneshot::channel();
        let journal = journal.filter(Journal::records_attempts);
        arbiter.spawn(record_outcomes(
            Recorder {
                store: store.clone(),
                next_heads_lease: (journal.is_none() && store.hands_over_next_heads())
                    .then(|| lease_for(settings.timeout)),
                journal,
                shards: shards.clone(),
                nudge: nudge.clone(),
                in_flight: in_flight.clone(),
                stop: stop_recorder.clone(),
                delivered_delay: settings.delivered_record_delay,
            },
            recorded,
            done,
        ));
        let health = WebhookHealth {
            last_beat_millis: Arc::new(AtomicI64::new(Timestamp::now().as_millis())),
            poll_interval: settings.poll_interval,
        };
        let stop_limit = attempt_allowance(settings.timeout);
        let dispatcher_health = health.clone();
        let dispatcher_in_flight = in_flight.clone();
        let dispatcher = Dispatcher::start_in_arbiter(&arbiter.handle(), move |_| Dispatcher {
            store,
            env,
            senders: HashMap::new(),
            sender_arbiters: sender_handles,
            nudge,
            settings,
            shards,
            in_flight: dispatcher_in_flight,
            claiming: false,
            again: false,
            starved_past: None,
            checking: false,
            stopping: false,
            store_calls: Arc::new(AtomicUsize::new(0)),
            health: dispatcher_health,
        });
        Ok(Webhooks {
            arbiter,
            sender_arbiters,
            health,
            dispatcher,
            in_flight,
            stop_recorder,
            recorder_done,
            stop_limit,
        })
    }

    pub fn health(&self) -> WebhookHealth {
        self.health.clone()
    }

    /// Deliveries of `shard` this node claimed and has not yet recorded or given back.
    pub fn in_flight(&self, shard: ShardId) -> usize {
        self.in_flight.of(shard)
    }

    /// Waits, for at most `limit`, until none of `shards`' deliveries is in flight on this
    /// node; whether that happened. See [`DeliveriesInFlight::drained`].
    pub async fn drained(&self, shards: &[ShardId], limit: Duration) -> bool {
        self.deliveries_in_flight().drained(shards, limit).await
    }

    /// A handle on the deliveries in flight per shard, for the shard coordinator.
    pub fn deliveries_in_flight(&self) -> DeliveriesInFlight {
        DeliveriesInFlight(self.in_flight.clone())
    }

    /// Stops delivering, gracefully: no more claims, queued deliveries given back, attempts
    /// under way finished and recorded (for at most one attempt's time; what is cut short is
    /// simply claimed again later: delivery is at least once), then the recorder and the
    /// senders stop, and only then their arbiter, so no database connection is still held
    /// when its thread goes.
    pub async fn stop(self) {
        let _ = self.dispatcher.send(StopClaiming).await;
        let all_done = |in_flight: &InFlight| {
            (0..in_flight.counts.len()).all(|shard| in_flight.of(ShardId::new(shard as u32)) == 0)
        };
        if !self.in_flight.wait_until(self.stop_limit, all_done).await {
            tracing::warn!("stopping with webhook attempts still in flight (they will be retried)");
        }
        self.stop_recorder.notify_one();
        if tokio::time::timeout(Duration::from_secs(10), self.recorder_done)
            .await
            .is_err()
        {
            tracing::warn!("the webhook recorder did not stop in time");
        }
        for arbiter in self.sender_arbiters {
            arbiter.stop();
            let _ = arbiter.join();
        }
        self.arbiter.stop();
        let _ = self.arbiter.join();
    }
}

struct SenderSlot {
    addr: Addr<WebhookSender>,
    /// Deliveries queued at the sender, not started.
    queued: Arc<AtomicUsize>,
}

struct Dispatcher {
    store: Arc<dyn DeliveryStore>,
    env: Arc<SenderEnv>,
    senders: HashMap<String, SenderSlot>,
    /// The senders' threads; a new endpoint's sender goes to the next, in turn.
    sender_arbiters: Vec<ArbiterHandle>,
    nudge: Nudge,
    settings: WebhookSettings,
    shards: Arc<Shards>,
    in_flight: Arc<InFlight>,
    /// A claim query is running; a nudge meanwhile sets `again` instead of starting another.
    claiming: bool,
    again: bool,
    /// The endpoints the last claim passed over, if it found less than it asked for: until
    /// one of them has room again, only the poll claims (see [`Dispatcher::claim`]).
    starved_past: Option<BTreeSet<String>>,
    /// An endpoint check is running.
    checking: bool,
    /// Stopping: no more claims, sweeps or checks.
    stopping: bool,
    /// Store calls under way on this actor, which a stop waits for: each holds a connection.
    store_calls: Arc<AtomicUsize>,
    health: WebhookHealth,
}

impl Actor for Dispatcher {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.run_interval(self.settings.poll_interval, |act, ctx| {
            act.sweep(ctx);
            act.starved_past = None;
            act.claim(ctx);
        });
        let check_every = (self.settings.cache_ttl / 2).max(Duration::from_millis(10));
        ctx.run_interval(check_every, |act, ctx| act.check_endpoints(ctx));
        self.listen(ctx);
        self.claim(ctx);
    }
}

/// Counts a store call under way until it is dropped.
struct StoreCall(Arc<AtomicUsize>);

impl StoreCall {
    fn begin(calls: &Arc<AtomicUsize>) -> StoreCall {
        calls.fetch_add(1, Ordering::AcqRel);
        StoreCall(calls.clone())
    }
}

impl Drop for StoreCall {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Dispatcher {
    /// On every wake: sends what the journal handed over, and claims if something may have
    /// become due (a redelivery, recorded outcomes that unblock the next event of an order, a
    /// commit whose deliveries were not handed over).
    fn listen(&mut self, ctx: &mut Context<Self>) {
        let nudge = self.nudge.clone();
        ctx.spawn(
            async move { nudge.wait().await }
                .into_actor(self)
                .map(|(), act, ctx| {
                    let (handed, claim) = act.nudge.take();
                    act.dispatch(handed, "commit");
                    if claim {
                        act.claim(ctx);
                    }
                    act.listen(ctx);
                }),
        );
    }

    /// Hands leased deliveries to their endpoints' senders, counting them in flight until
    /// their outcome (or their release) is recorded. A sender gives back what it may not
    /// start: its shard moved, its lease is too short, or the node is stopping.
    fn dispatch(&mut self, due: Vec<DueDelivery>, via: &'static str) {
        if !due.is_empty() {
            crate::instruments::webhook_dispatched(via, due.len());
        }
        for delivery in due {
            self.in_flight.add(delivery.shard);
            self.sender_for(&delivery.endpoint_id)
                .do_send(Deliver(delivery));
        }
    }

    /// Fails deliveries orphaned by a disable or delete that raced their fan-out. On the poll
    /// tick only: a nudge comes with every journal commit and should cost one query, not two.
    fn sweep(&mut self, ctx: &mut Context<Self>) {
        if self.stopping {
            return;
        }
        let store = self.store.clone();
        let call = StoreCall::begin(&self.store_calls);
        ctx.spawn(
            async move {
                let _call = call;
                if let Err(error) = store.fail_orphaned_deliveries(Timestamp::now()).await {
                    tracing::warn!(%error, "could not sweep orphaned webhook deliveries");
                }
            }
            .into_actor(self),
        );
    }

    /// Claims due deliveries and hands them to their senders. An endpoint whose sender has a
    /// full round of attempts queued is passed over (claiming more for it would only have the
    /// claims wait out their leases), so one slow endpoint does not hold up the others. The
    /// claim then walks past that endpoint's ready deliveries in the index; when it found
    /// less than it asked for, nothing else is ready, and claiming again before one of the
    /// passed-over endpoints has room would only walk them again: until then only the poll
    /// claims.
    fn claim(&mut self, ctx: &mut Context<Self>) {
        if self.stopping {
            return;
        }
        if self.claiming {
            self.again = true;
            return;
        }
        // A single node claims every shard without naming them; a cluster node only those it
        // serves right now (not those it is handing over).
        let shards = self.shards.serving_unless_single_node();
        if shards.as_ref().is_some_and(Vec::is_empty) {
            self.health.beat();
            return;
        }
        let full_round = self.env.max_in_flight;
        let skipped: BTreeSet<String> = self
            .senders
            .iter()
            .filter(|(_, slot)| slot.queued.load(Ordering::Relaxed) >= full_round)
            .map(|(id, _)| id.clone())
            .collect();
        if self
            .starved_past
            .as_ref()
            .is_some_and(|before| before.is_subset(&skipped))
        {
            self.health.beat();
            return;
        }
        self.claiming = true;
        let store = self.store.clone();
        let node = self.shards.node().to_owned();
        let batch = self.settings.claim_batch.max(1);
        let lease = lease_for(self.settings.timeout);
        let call = StoreCall::begin(&self.store_calls);
        let skip: Vec<String> = skipped.iter().cloned().collect();
        ctx.spawn(
            async move {
                let now = Timestamp::now();
                store
                    .claim_due(ClaimRequest {
                        node: &node,
                        now,
                        lease_until: now.plus(lease),
                        limit: batch,
                        shards: shards.as_deref(),
                        skip_endpoints: &skip,
                    })
                    .await
            }
            .into_actor(self)
            .map(move |claimed, act, ctx| {
                // A stop waits for this until the claimed deliveries are counted in flight.
                let _call = call;
                act.claiming = false;
                act.health.beat();
                match claimed {
                    Ok(due) => {
                        let full = due.len() as u32 >= batch;
                        act.starved_past = (!full && !skipped.is_empty()).then_some(skipped);
                        act.dispatch(due, "claim");
                        if full || std::mem::take(&mut act.again) {
                            act.claim(ctx);
                        }
                    }
                    Err(error) => tracing::warn!(%error, "could not claim due webhook deliveries"),
                }
            }),
        );
    }

    /// Gives back what is queued for endpoints deleted or disabled since it was claimed: one
    /// small query, and only while something is queued.
    fn check_endpoints(&mut self, ctx: &mut Context<Self>) {
        if self.stopping || self.checking {
            return;
        }
        let ids: Vec<String> = self
            .senders
            .iter()
            .filter(|(_, slot)| slot.queued.load(Ordering::Relaxed) > 0)
            .map(|(id, _)| id.clone())
            .collect();
        if ids.is_empty() {
            return;
        }
        self.checking = true;
        let store = self.store.clone();
        let call = StoreCall::begin(&self.store_calls);
        ctx.spawn(
            async move {
                let _call = call;
                let live = store.live_endpoints(&ids).await;
                (ids, live)
            }
            .into_actor(self)
            .map(|(ids, live), act, _ctx| {
                act.checking = false;
                match live {
                    Ok(live) => {
                        for id in ids.iter().filter(|id| !live.contains(*id)) {
                            if let Some(slot) = act.senders.get(id) {
                                slot.addr.do_send(ReleaseQueued { stopping: false });
                            }
                        }
                    }
                    Err(error) => tracing::warn!(%error, "could not check webhook endpoints"),
                }
            }),
        );
    }

    fn sender_for(&mut self, endpoint_id: &str) -> Addr<WebhookSender> {
        let env = &self.env;
        let arbiter = &self.sender_arbiters[self.senders.len() % self.sender_arbiters.len()];
        self.senders
            .entry(endpoint_id.to_owned())
            .or_insert_with(|| {
                let queued = Arc::new(AtomicUsize::new(0));
                let sender = WebhookSender::new(env.clone(), queued.clone());
                SenderSlot {
                    addr: WebhookSender::start_in_arbiter(arbiter, |_| sender),
                    queued,
                }
            })
            .addr
            .clone()
    }
}

/// No more claims: queued deliveries are given back and nothing more starts. Answers once the
/// dispatcher's own store calls have finished.
struct StopClaiming;

impl Message for StopClaiming {
    type Result = ();
}

impl Handler<StopClaiming> for Dispatcher {
    type Result = ResponseFuture<()>;

    fn handle(&mut self, _: StopClaiming, _ctx: &mut Self::Context) -> Self::Result {
        self.stopping = true;
        for slot in self.senders.values() {
            slot.addr.do_send(ReleaseQueued { stopping: true });
        }
        let calls = self.store_calls.clone();
        Box::pin(async move {
            let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
            while calls.load(Ordering::Acquire) > 0 && tokio::time::Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    }
}

struct Recorder {
    store: Arc<dyn DeliveryStore>,
    /// Writes the outcomes on the journal's thread, instead of `store`.
    journal: Option<Journal>,
    /// Where the store's transaction hands over the deliveries it makes due
    /// ([`DeliveryStore::hands_over_next_heads`]): how long it leases them for.
    next_heads_lease: Option<Duration>,
    /// This node (its name), and the shards it serves.
    shards: Arc<Shards>,
    nudge: Nudge,
    in_flight: Arc<InFlight>,
    stop: Arc<Notify>,
    /// See `WebhookSettings::delivered_record_delay`.
    delivered_delay: Duration,
}

impl Recorder {
    /// Whether a claim may find what this batch made due. Where the recording transaction
    /// hands the next delivery of each queue it moved on to the senders itself (the journal's,
    /// or the store's), only a claim given back and a retry due already are left to a claim: a
    /// claim query after every batch would find nothing else.
    fn leaves_work_to_claim(&self, outcomes: &[AttemptOutcome], released: &[Release]) -> bool {
        let handed_over = match &self.journal {
            Some(journal) => journal.hands_over_next_deliveries(),
            None => self.next_heads_lease.is_some(),
        };
        let now = Timestamp::now().as_millis();
        let due_retry = |outcome: &AttemptOutcome| matches!(outcome.next, NextStep::RetryAt(at) if at.as_millis() <= now);
        !handed_over || !released.is_empty() || outcomes.iter().any(due_retry)
    }

    async fn write(
        &self,
        outcomes: &Arc<[AttemptOutcome]>,
        released: &Arc<[Release]>,
    ) -> Result<(), StoreError> {
        match &self.journal {
            Some(journal) => {
                journal
                    .record_attempts(self.shards.node(), outcomes.clone(), released.clone())
                    .await
            }
            None => {
                let serving = self.shards.serving_unless_single_node();
                let next_heads = self.next_heads_lease.map(|lease| NextHeads {
                    lease_until: Timestamp::now().plus(lease),
                    shards: serving.as_deref(),
                });
                let handed = self
                    .store
                    .record_attempts(self.shards.node(), outcomes, released, next_heads)
                    .await?;
                self.nudge.hand_over(handed);
                Ok(())
            }
        }
    }

    /// A delivered attempt whose wait is over: the recorder's to write, unless the journal
    /// holds it (ask again later) or recorded it.
    fn take_delivered(
        &self,
        finished: Finished,
        now: tokio::time::Instant,
        stopping: bool,
        batch: &mut Vec<Finished>,
        waiting: &mut VecDeque<(tokio::time::Instant, Finished)>,
    ) {
        let Finished::Attempted(outcome, shard) = &finished else {
            batch.push(finished);
            return;
        };
        match self
            .nudge
            .delivered()
            .take(&outcome.event_id, &outcome.endpoint_id)
        {
            Recording::Yours => batch.push(finished),
            // Its transaction is under way: ask again once it has ended. (Stopping, write it
            // all the same: at worst its attempt is listed twice.)
            Recording::Held if !stopping => {
                waiting.push_back((now + self.delivered_delay, finished))
            }
            Recording::Held => batch.push(finished),
            Recording::Recorded => self.in_flight.finish(*shard),
        }
    }
}

/// Writes outcomes in batches: one transaction for everything that finished meanwhile. A
/// delivered attempt waits `delivered_delay` first, in which the journal may record it with the
/// order's next event (then it is not written again). Stops when told to, after writing what
/// had already arrived.
async fn record_outcomes(
    recorder: Recorder,
    mut recorded: mpsc::Receiver<Finished>,
    done: oneshot::Sender<()>,
) {
    let mut received = Vec::with_capacity(512);
    let mut waiting: VecDeque<(tokio::time::Instant, Finished)> = VecDeque::new();
    let mut batch = Vec::with_capacity(512);
    loop {
        let next_due = waiting.front().map(|(due, _)| *due);
        let stopping = tokio::select! {
            count = recorded.recv_many(&mut received, 512) => count == 0,
            () = recorder.stop.notified() => true,
            () = sleep_until(next_due) => false,
        };
        if stopping {
            while received.len() < 4096 {
                match recorded.try_recv() {
                    Ok(finished) => received.push(finished),
                    Err(_) => break,
                }
            }
        }
        let now = tokio::time::Instant::now();
        let unrecorded = recorder.nudge.delivered();
        let deferring = !stopping && !recorder.delivered_delay.is_zero();
        for finished in received.drain(..) {
            let Finished::Attempted(outcome, _) = &finished else {
                batch.push(finished);
                continue;
            };
            // Asked for every attempt, so that a mark is forgotten whatever the outcome.
            let awaited = deferring && unrecorded.awaited(&outcome.event_id, &outcome.endpoint_id);
            if !deferring || outcome.next != NextStep::Delivered {
                batch.push(finished);
            } else if awaited {
                // A journal already passed it by, and the order's next event waits for it.
                recorder.take_delivered(finished, now, stopping, &mut batch, &mut waiting);
            } else {
                waiting.push_back((now + recorder.delivered_delay, finished));
            }
        }
        while waiting
            .front()
            .is_some_and(|(due, _)| stopping || *due <= now)
        {
            let Some((_, finished)) = waiting.pop_front() else {
                break;
            };
            recorder.take_delivered(finished, now, stopping, &mut batch, &mut waiting);
        }
        if !batch.is_empty() {
            record_batch(&recorder, &mut batch).await;
        }
        if stopping {
            let _ = done.send(());
            return;
        }
    }
}

/// Sleeps until `due`, or forever when there is nothing to wait for.
async fn sleep_until(due: Option<tokio::time::Instant>) {
    match due {
        Some(due) => tokio::time::sleep_until(due).await,
        None => std::future::pending().await,
    }
}

/// Writes `batch` (and empties it), retrying a few times.
async fn record_batch(recorder: &Recorder, batch: &mut Vec<Finished>) {
    let rows = batch.len();
    let (mut outcomes, mut released, mut shards) = (Vec::new(), Vec::new(), Vec::new());
    for finished in batch.drain(..) {
        match finished {
            Finished::Attempted(outcome, shard) => {
                outcomes.push(outcome);
                shards.push(shard);
            }
            Finished::Released(release, shard) => {
                released.push(release);
                shards.push(shard);
            }
        }
    }
    let (outcomes, released): (Arc<[AttemptOutcome]>, Arc<[Release]>) =
        (outcomes.into(), released.into());
    let mut delay = Duration::from_millis(50);
    for attempt in 0..5 {
        match recorder.write(&outcomes, &released).await {
            Ok(()) => break,
            Err(error) if attempt < 4 => {
                tracing::warn!(%error, "could not record webhook attempts; retrying");
                tokio::time::sleep(delay).await;
                delay *= 2;
            }
            // Their leases lapse and they are attempted again: at least once.
            Err(error) => {
                tracing::error!(%error, rows, "webhook attempts not recorded")
            }
        }
    }
    for shard in shards {
        recorder.in_flight.finish(shard);
    }
    if recorder.leaves_work_to_claim(&outcomes, &released) {
        recorder.nudge.nudge();
    }
}
