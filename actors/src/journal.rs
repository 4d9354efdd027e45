//! Group commit: the single path to the database for order changes.
//!
//! Actors hand their decided writes to one writer through a bounded queue. While one
//! transaction commits, the next writes pile up in the queue; the writer then takes all of them
//! (up to `max_batch`) into the next transaction.
//!
//! Where the store offers a [`BlockingCommitter`] (SQLite's, with a connection of its own), the
//! writer is a thread that owns it: it waits on the queue, binds and steps the batch, commits
//! and answers every waiter without leaving the thread, so a write crosses threads twice (to
//! the writer and back). That thread also writes the webhook recorder's batches
//! ([`Journal::record_attempts`]), so the database has one writer on the hot path. Otherwise
//! (PostgreSQL, through sqlx) the writer is a Tokio task. So throughput follows the disk's batch
//! rate, not its fsync rate: on the reference machine SQLite commits ~2.8 k one-row
//! transactions/s but ~247 k rows/s in 300-row batches. A full queue is refused at once (the
//! client gets 503), never buffered without bound.
//!
//! While the database [`Breaker`] is open the journal refuses writes at once
//! ([`CommitError::Unavailable`]), and a transaction still committing when it opens is given up
//! as [`CommitError::Unknown`]: it may have committed, so its writers must read the database
//! again rather than trust either their old or their new state.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot};

use crate::breaker::Breaker;
use crate::crossings::{Crossings, Hop};
use crate::instruments;
use crate::model::Timestamp;
use crate::store::{
    BlockingCommitter, Committed, HandOver, OrderStore, OrderWrite, StoreError, StoreErrorKind,
    WriteOutcome,
};
use crate::webhook::store::{AttemptOutcome, Release};
use crate::webhook::DeliveredUnrecorded;
use crate::webhook::Nudge;

#[derive(Debug, Clone, Copy)]
pub struct JournalSettings {
    /// Writes waiting for a transaction, at most. Past this, `submit` answers `Overloaded`.
    pub queue_capacity: usize,
    /// Writes in one transaction, at most.
    pub max_batch: usize,
    /// When set, each batch's new deliveries that are due at once are leased to this node for
    /// this long by the batch's own transaction and handed straight to the webhook senders
    /// (see [`Nudge::hand_over`]); otherwise the dispatcher claims them.
    pub hand_over_deliveries: Option<Duration>,
    /// Transactions in flight at once, each with a batch of its own, where the writers are
    /// tasks (PostgreSQL). A store with a blocking committer (SQLite) has one writer thread.
    pub writers: usize,
}

impl Default for JournalSettings {
    fn default() -> Self {
        JournalSettings {
            queue_capacity: 16_384,
            max_batch: 512,
            hand_over_deliveries: None,
            writers: 1,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CommitError {
    #[error("the write queue is full")]
    Overloaded,
    #[error("the write lost a compare-and-set: {0:?}")]
    Rejected(WriteOutcome),
    #[error("the database failed: {0}")]
    Store(String),
    /// The database is unreachable; nothing of the write was committed.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// The transaction may or may not have committed (the connection failed during `COMMIT`,
    /// or the database became unreachable while it was in flight).
    #[error("the commit's outcome is unknown: {0}")]
    Unknown(String),
    #[error("the journal has stopped")]
    Closed,
}

/// Figures for ops: queue depth, batch sizes, commit times.
#[derive(Debug, Default)]
pub struct JournalStats {
    pub queued: AtomicUsize,
    /// Writes in the transactions being committed right now.
    pub committing: AtomicUsize,
    pub batches: AtomicU64,
    pub rows: AtomicU64,
    pub failed_batches: AtomicU64,
    pub last_batch_rows: AtomicUsize,
    pub last_commit_micros: AtomicU64,
}

struct Pending {
    write: OrderWrite,
    done: oneshot::Sender<Result<(), CommitError>>,
}

/// What the writer takes from its queue.
enum Job {
    Write(Pending),
    /// The webhook recorder's batch, where the writer owns the connection (see
    /// [`Journal::record_attempts`]).
    Record(AttemptRecords),
}

struct AttemptRecords {
    node: String,
    outcomes: Arc<[AttemptOutcome]>,
    released: Arc<[Release]>,
    done: oneshot::Sender<Result<(), StoreError>>,
}

/// The handle actors use to commit. Cheap to clone.
#[derive(Clone)]
pub struct Journal {
    queue: mpsc::Sender<Job>,
    stats: Arc<JournalStats>,
    breaker: Arc<Breaker>,
    crossings: Arc<Crossings>,
    /// The writer is a thread that owns the store's connection, and records webhook attempts.
    on_thread: bool,
    /// Batches hand their deliveries over (`JournalSettings::hand_over_deliveries`).
    hands_over: bool,
}

/// A commit in flight; resolves once the transaction holding the write has ended.
pub type CommitTicket = oneshot::Receiver<Result<(), CommitError>>;

impl Journal {
    /// Starts the writer on the current Tokio runtime. It ends when every handle is dropped and
    /// the queue is drained.
    /// `committed` is nudged after every batch: the batch's events have new webhook deliveries.
    pub fn start(
        store: Arc<dyn OrderStore>,
        settings: JournalSettings,
        committed: Nudge,
    ) -> Journal {
        Journal::start_guarded(store, settings, committed, Arc::default())
    }

    /// As [`Journal::start`], refusing writes while `breaker` is open.
    pub fn start_guarded(
        store: Arc<dyn OrderStore>,
        settings: JournalSettings,
        committed: Nudge,
        breaker: Arc<Breaker>,
    ) -> Journal {
        let (queue, receiver) = mpsc::channel(settings.queue_capacity.max(1));
        let stats = Arc::new(JournalStats::default());
        let crossings = Arc::new(Crossings::default());
        let writer = Writer {
            settings,
            stats: stats.clone(),
            committed,
            breaker: breaker.clone(),
            crossings: crossings.clone(),
        };
        let committer = store.blocking_committer();
        let on_thread = committer.is_some();
        match committer {
            Some(committer) => {
                std::thread::Builder::new()
                    .name("rampflow-journal".into())
                    .spawn(move || writer.run_on_thread(committer, receiver))
                    .expect("the journal's writer thread starts");
            }
            None => {
                let writer = Arc::new(writer);
                let receiver = Arc::new(tokio::sync::Mutex::new(receiver));
                for _ in 0..settings.writers.max(1) {
                    tokio::spawn(writer.clone().run(store.clone(), receiver.clone()));
                }
            }
        }
        Journal {
            queue,
            stats,
            breaker,
            crossings,
            on_thread,
            hands_over: settings.hand_over_deliveries.is_some(),
        }
    }

    /// The process's thread crossings: the journal counts its own, and the order actors'
    /// registry, which always holds this journal, counts the others here too.
    pub fn crossings(&self) -> &Arc<Crossings> {
        &self.crossings
    }

    /// The breaker this journal obeys.
    pub fn breaker(&self) -> &Arc<Breaker> {
        &self.breaker
    }

    /// Queues a write. Answers at once with `Overloaded` when the queue is full, and with
    /// `Unavailable` while the database is unreachable.
    pub fn submit(&self, write: OrderWrite) -> Result<CommitTicket, CommitError> {
        if self.breaker.is_open() {
            return Err(CommitError::Unavailable(UNREACHABLE.into()));
        }
        let (done, ticket) = oneshot::channel();
        match self.queue.try_send(Job::Write(Pending { write, done })) {
            Ok(()) => {
                self.stats.queued.fetch_add(1, Ordering::Relaxed);
                self.crossings.crossed(Hop::ToJournal);
                Ok(ticket)
            }
            Err(mpsc::error::TrySendError::Full(_)) => Err(CommitError::Overloaded),
            Err(mpsc::error::TrySendError::Closed(_)) => Err(CommitError::Closed),
        }
    }

    /// Queues a write and waits for its transaction.
    pub async fn commit(&self, write: OrderWrite) -> Result<(), CommitError> {
        let ticket = self.submit(write)?;
        ticket.await.unwrap_or(Err(CommitError::Closed))
    }

    pub fn stats(&self) -> &JournalStats {
        &self.stats
    }

    /// Whether [`Journal::record_attempts`] is the way to record webhook attempts: the writer
    /// is a thread that owns the store's connection (SQLite).
    pub fn records_attempts(&self) -> bool {
        self.on_thread
    }

    /// Whether [`Journal::record_attempts`] hands the next deliveries of the queues it moves
    /// on to the senders itself, so that no claim is needed for them.
    pub fn hands_over_next_deliveries(&self) -> bool {
        self.on_thread && self.hands_over
    }

    /// Records webhook attempts and gives claims back, as
    /// [`DeliveryStore::record_attempts`](crate::webhook::store::DeliveryStore::record_attempts)
    /// does, in a transaction of the writer's own, before the writes queued with it. Through
    /// sqlx, each statement of the recorder's transaction was a trip to another thread, and the
    /// journal waited for the whole transaction whenever it wanted to commit meanwhile. Waits
    /// for room in the queue rather than failing: one recorder sends one batch at a time. Not
    /// counted among the thread crossings, which count a request's path. The batch is shared,
    /// not copied: the recorder keeps it to try again if this fails.
    ///
    /// Where batches hand their deliveries over (`hand_over_deliveries`), so does this
    /// transaction: an order's next delivery that waited for a recorded one is leased to this
    /// node and handed to its sender, with no claim.
    pub async fn record_attempts(
        &self,
        node: &str,
        outcomes: Arc<[AttemptOutcome]>,
        released: Arc<[Release]>,
    ) -> Result<(), StoreError> {
        if self.breaker.is_open() {
            return Err(StoreError::unavailable(UNREACHABLE));
        }
        let (done, answer) = oneshot::channel();
        let records = AttemptRecords {
            node: node.to_owned(),
            outcomes,
            released,
            done,
        };
        if self.queue.send(Job::Record(records)).await.is_err() {
            return Err(StoreError::new("the journal has stopped"));
        }
        answer
            .await
            .unwrap_or_else(|_| Err(StoreError::new("the journal has stopped")))
    }

    /// False once the writer has stopped (it never stops while handles exist, unless it
    /// panicked).
    pub fn is_running(&self) -> bool {
        !self.queue.is_closed()
    }

    /// True when nothing is queued or being committed.
    pub fn is_idle(&self) -> bool {
        self.stats.queued.load(Ordering::Relaxed) == 0
            && self.stats.committing.load(Ordering::Relaxed) == 0
    }

    /// Writes waiting for a transaction right now.
    pub fn queue_depth(&self) -> usize {
        self.stats.queued.load(Ordering::Relaxed)
    }
}

const UNREACHABLE: &str = "the database is unreachable";

/// The writer's side of the queue: it takes every write waiting (up to `max_batch`) into one
/// transaction, then answers each write's waiter.
struct Writer {
    settings: JournalSettings,
    stats: Arc<JournalStats>,
    committed: Nudge,
    breaker: Arc<Breaker>,
    crossings: Arc<Crossings>,
}

/// One batch: the writes, and beside them (same index) whom to answer.
#[derive(Default)]
struct Batch {
    writes: Vec<OrderWrite>,
    waiters: Vec<oneshot::Sender<Result<(), CommitError>>>,
}

impl Writer {
    /// One writer task, for a store that commits only through async calls (PostgreSQL, and
    /// the test stores). The writers take turns at the queue: one waits for writes while the
    /// others commit, and takes everything queued meanwhile into its own transaction.
    async fn run(
        self: Arc<Self>,
        store: Arc<dyn OrderStore>,
        receiver: Arc<tokio::sync::Mutex<mpsc::Receiver<Job>>>,
    ) {
        let mut pending = Vec::with_capacity(self.settings.max_batch);
        let mut batch = Batch::default();
        loop {
            let taken = receiver
                .lock()
                .await
                .recv_many(&mut pending, self.settings.max_batch)
                .await;
            if taken == 0 {
                return;
            }
            // Sent only to a writer thread (`Journal::records_attempts`).
            for records in self.begin(&mut pending, &mut batch) {
                let refused = StoreError::new("this journal does not record webhook attempts");
                let _ = records.done.send(Err(refused));
            }
            if batch.writes.is_empty() {
                continue;
            }
            let started = Instant::now();
            let result = if self.breaker.is_open() {
                // Queued before the breaker opened: refused unsent, so nothing of it can commit.
                Err(StoreError::unavailable(UNREACHABLE))
            } else {
                tokio::select! {
                    biased;
                    result = commit_with_retry(store.as_ref(), &batch.writes, self.hand_over()) => result,
                    // The transaction is abandoned where it stands; if its COMMIT had been sent,
                    // the database may still apply it.
                    () = self.breaker.opened() => Err(StoreError::of_kind(
                        StoreErrorKind::CommitUnknown,
                        "the database became unreachable while the batch was committing",
                    )),
                }
            };
            self.finish(&mut batch, started.elapsed(), result);
        }
    }

    /// The writer on a thread of its own, owning the store's blocking committer: it waits for
    /// writes, commits and answers without leaving the thread. A commit in progress is not
    /// abandoned when the breaker opens (a local SQLite file answers or fails by itself); the
    /// breaker still refuses everything queued after it opened.
    fn run_on_thread(
        self,
        mut committer: Box<dyn BlockingCommitter>,
        mut receiver: mpsc::Receiver<Job>,
    ) {
        let mut pending = Vec::with_capacity(self.settings.max_batch);
        let mut batch = Batch::default();
        loop {
            if receiver.blocking_recv_many(&mut pending, self.settings.max_batch) == 0 {
                return;
            }
            // Attempts first: a delivery they settle no longer holds back the next event of
            // its order, so that event's delivery can head its queue in the batch that follows.
            for records in self.begin(&mut pending, &mut batch) {
                self.record_attempts(committer.as_mut(), records);
            }
            if batch.writes.is_empty() {
                if receiver.is_empty() {
                    committer.idle();
                }
                continue;
            }
            let started = Instant::now();
            let result = if self.breaker.is_open() {
                Err(StoreError::unavailable(UNREACHABLE))
            } else {
                commit_with_retry_blocking(committer.as_mut(), &batch.writes, self.hand_over())
            };
            self.finish(&mut batch, started.elapsed(), result);
            if receiver.is_empty() {
                committer.idle();
            }
        }
    }

    /// How batches hand their deliveries over: for this long, knowing what this node has
    /// delivered and not yet recorded; `None` when the dispatcher claims them instead.
    fn hand_over(&self) -> Option<(Duration, DeliveredUnrecorded)> {
        self.settings
            .hand_over_deliveries
            .map(|lease| (lease, self.committed.delivered()))
    }

    /// Moves the writes taken from the queue into `batch`; returns the attempt records taken
    /// with them.
    fn begin(&self, pending: &mut Vec<Job>, batch: &mut Batch) -> Vec<AttemptRecords> {
        let mut records = Vec::new();
        for job in pending.drain(..) {
            match job {
                Job::Write(Pending { write, done }) => {
                    batch.writes.push(write);
                    batch.waiters.push(done);
                }
                Job::Record(attempts) => records.push(attempts),
            }
        }
        let writes = batch.writes.len();
        self.stats.committing.fetch_add(writes, Ordering::Relaxed);
        self.stats.queued.fetch_sub(writes, Ordering::Relaxed);
        records
    }

    /// The recorder's batch, in a transaction of its own, retried as a batch of writes is; the
    /// recorder retries what still fails.
    fn record_attempts(&self, committer: &mut dyn BlockingCommitter, records: AttemptRecords) {
        let result = if self.breaker.is_open() {
            Err(StoreError::unavailable(UNREACHABLE))
        } else {
            with_retry_blocking(|| {
                let lease = self.settings.hand_over_deliveries;
                let hand_over = lease.map(|lease| Timestamp::now().plus(lease));
                committer.record_attempts(
                    &records.node,
                    &records.outcomes,
                    &records.released,
                    hand_over,
                )
            })
        };
        let result = result.map(|handed| self.committed.hand_over(handed));
        let _ = records.done.send(result);
    }

    fn finish(&self, batch: &mut Batch, took: Duration, result: Result<Committed, StoreError>) {
        let rows = batch.writes.len();
        record(&self.stats, rows, took, result.is_ok());
        match result {
            Ok(Committed { outcomes, handed }) => {
                let fenced = outcomes
                    .iter()
                    .filter(|outcome| **outcome == WriteOutcome::Fenced)
                    .count();
                if fenced > 0 {
                    tracing::warn!(
                        writes = fenced,
                        "writes refused: this node no longer holds their shards' leases"
                    );
                    instruments::fencing_refusals(fenced);
                }
                for (waiter, outcome) in batch.waiters.drain(..).zip(outcomes) {
                    let reply = match outcome {
                        WriteOutcome::Committed => Ok(()),
                        rejected => Err(CommitError::Rejected(rejected)),
                    };
                    self.answer(waiter, reply);
                }
                match handed {
                    Some(handed) if handed.is_empty() => {}
                    Some(handed) => {
                        self.crossings.crossed(Hop::ToWebhooks);
                        self.committed.hand_over(handed);
                    }
                    None => {
                        self.crossings.crossed(Hop::ToWebhooks);
                        self.committed.nudge();
                    }
                }
            }
            Err(error) => {
                let failed: fn(String) -> CommitError = match error.kind {
                    StoreErrorKind::CommitUnknown => {
                        tracing::warn!(%error, rows, "journal batch may or may not have committed; its orders will be read again");
                        instruments::commits_unknown(rows);
                        CommitError::Unknown
                    }
                    StoreErrorKind::Unavailable => {
                        tracing::warn!(%error, rows, "journal batch refused: the database is unavailable");
                        CommitError::Unavailable
                    }
                    StoreErrorKind::Failed | StoreErrorKind::Retryable => {
                        tracing::error!(%error, rows, "journal batch failed");
                        CommitError::Store
                    }
                };
                for waiter in batch.waiters.drain(..) {
                    self.answer(waiter, Err(failed(error.message.clone())));
                }
            }
        }
        batch.writes.clear();
        batch.waiters.clear();
        self.stats.committing.fetch_sub(rows, Ordering::Relaxed);
    }

    /// Answers a write's waiter, if it still waits.
    fn answer(
        &self,
        waiter: oneshot::Sender<Result<(), CommitError>>,
        reply: Result<(), CommitError>,
    ) {
        // Counted before the answer leaves: its waiter may answer its own client at once, and
        // whoever reads the counters next must see the crossing that answer made.
        self.crossings.crossed(Hop::FromJournal);
        if waiter.send(reply).is_err() {
            // The waiter had given up (its request ended): nothing crossed.
            self.crossings.take_back(Hop::FromJournal);
        }
    }
}

/// A busy database (another connection holding SQLite's write lock) or a transaction the
/// database aborted to break a deadlock or a serialization conflict is worth a few short
/// retries before the whole batch is refused: nothing of it was committed.
async fn commit_with_retry(
    store: &dyn OrderStore,
    writes: &[OrderWrite],
    hand_over: Option<(Duration, DeliveredUnrecorded)>,
) -> Result<Committed, StoreError> {
    let commit = || async {
        match &hand_over {
            Some((lease, delivered)) => {
                let hand_over = HandOver {
                    lease_until: Timestamp::now().plus(*lease),
                    delivered,
                };
                store.commit_handing_over(writes, hand_over).await
            }
            None => Ok(Committed {
                outcomes: store.commit(writes).await?,
                handed: None,
            }),
        }
    };
    let mut delay = RETRY_DELAYS.start;
    for _ in 0..RETRY_DELAYS.retries {
        match commit().await {
            Ok(committed) => return Ok(committed),
            Err(error) if error.is_retryable() => {
                retrying(&error);
                tokio::time::sleep(delay).await;
                delay *= RETRY_DELAYS.factor;
            }
            Err(error) => return Err(error),
        }
    }
    commit().await
}

/// As [`commit_with_retry`], on the writer's own thread.
fn commit_with_retry_blocking(
    committer: &mut dyn BlockingCommitter,
    writes: &[OrderWrite],
    hand_over: Option<(Duration, DeliveredUnrecorded)>,
) -> Result<Committed, StoreError> {
    with_retry_blocking(|| {
        let hand_over = hand_over.as_ref().map(|(lease, delivered)| HandOver {
            lease_until: Timestamp::now().plus(*lease),
            delivered,
        });
        committer.commit(writes, hand_over)
    })
}

/// Runs `commit` on the writer's thread, with the retries of [`commit_with_retry`].
fn with_retry_blocking<T>(
    mut commit: impl FnMut() -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let mut delay = RETRY_DELAYS.start;
    for _ in 0..RETRY_DELAYS.retries {
        match commit() {
            Ok(committed) => return Ok(committed),
            Err(error) if error.is_retryable() => {
                retrying(&error);
                std::thread::sleep(delay);
                delay *= RETRY_DELAYS.factor;
            }
            Err(error) => return Err(error),
        }
    }
    commit()
}

/// 5, 15, 45, 135 and 405 ms, then the last try.
struct RetryDelays {
    start: Duration,
    factor: u32,
    retries: usize,
}

const RETRY_DELAYS: RetryDelays = RetryDelays {
    start: Duration::from_millis(5),
    factor: 3,
    retries: 5,
};

fn retrying(error: &StoreError) {
    tracing::warn!(%error, "database busy or conflict; retrying the batch");
    instruments::journal_retry();
}

fn record(stats: &JournalStats, rows: usize, took: Duration, ok: bool) {
    stats.batches.fetch_add(1, Ordering::Relaxed);
    stats.rows.fetch_add(rows as u64, Ordering::Relaxed);
    stats.last_batch_rows.store(rows, Ordering::Relaxed);
    stats
        .last_commit_micros
        .store(took.as_micros() as u64, Ordering::Relaxed);
    if !ok {
        stats.failed_batches.fetch_add(1, Ordering::Relaxed);
    }
    instruments::journal_batch(rows, took);
}
