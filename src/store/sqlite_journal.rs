//! SQLite's journal commit, on a connection the journal's writer thread owns.
//!
//! Through sqlx, every statement of a batch was a round trip to sqlx's SQLite worker thread,
//! with its arguments copied into `Any` values on the way; that is why the batch commit there
//! (`order_writes`) packs rows into as few multi-row statements as it can. Here the writer calls
//! SQLite directly: each statement is prepared once per connection and kept, then bound and
//! stepped in place, so a statement costs what SQLite spends on its row. The batch is therefore
//! written one write at a time, in batch order, with one-row statements.
//!
//! The rules are those of `order_writes`, which PostgreSQL still uses and which
//! `tests/api/journal_batch.rs` holds both engines to: a write that does not land leaves no
//! trace (no row change, no event, no deliveries, no idempotency record); an `Idempotency-Key`
//! held by another request, or by an earlier write of the batch, fails its write; a delivery is
//! the head of its (order, endpoint) queue when it is the order's first event or nothing of that
//! queue is pending (an earlier write of the same batch counts, having been written first).

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::rc::Rc;
use std::time::{Duration, Instant};

use rampflow_actors::instruments;
use rampflow_actors::model::Timestamp;
use rampflow_actors::shard::{ShardId, Shards};
use rampflow_actors::store::{
    BlockingCommitter, Committed, HandOver, OrderWrite, StoreError, StoreErrorKind, WriteOutcome,
};
use rampflow_actors::webhook::store::{AttemptOutcome, DueDelivery, Release};
use rampflow_actors::webhook::HeldAttempts;
use rusqlite::{
    params, Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior,
};

use super::deliveries::honoured_secrets;
use super::order_writes::{ready_to_send, writable_outcomes, OrderColumns};
use super::orders::{latest_payload, stored_document};
use super::sqlite_recorder;
use super::Engine;
use super::Store;

/// Statements a batch uses, all kept prepared.
const STATEMENT_CACHE: usize = 32;

/// The database file and the journal connection's settings.
#[derive(Debug, Clone)]
pub(crate) struct SqliteFile {
    pub(crate) path: PathBuf,
    pub(crate) busy_timeout: Duration,
    /// See `database.idle_checkpoint_interval`; zero: never.
    pub(crate) idle_checkpoint_interval: Duration,
}

pub(crate) struct SqliteCommitter {
    store: Store,
    file: SqliteFile,
    /// Opened on the first commit, and again after the database failed under it.
    connection: Option<Connection>,
    last_checkpoint: Instant,
    /// Whether a batch committed since the last checkpoint.
    written: bool,
}

impl SqliteCommitter {
    pub(crate) fn new(store: Store, file: SqliteFile) -> SqliteCommitter {
        SqliteCommitter {
            store,
            file,
            connection: None,
            last_checkpoint: Instant::now(),
            written: false,
        }
    }
}

/// The same settings as the pool's connections (see `Store::connect`): WAL, every commit
/// durable before it is acknowledged (`synchronous = FULL`), statement journals in memory, and
/// deleted content zeroed.
fn open(file: &std::path::Path, busy_timeout: Duration) -> rusqlite::Result<Connection> {
    let connection = Connection::open_with_flags(
        file,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    connection.busy_timeout(busy_timeout)?;
    connection.pragma_update(None, "journal_mode", "WAL")?;
    connection.pragma_update(None, "synchronous", "FULL")?;
    connection.pragma_update(None, "foreign_keys", "ON")?;
    connection.pragma_update(None, "temp_store", "MEMORY")?;
    connection.pragma_update(None, "secure_delete", "ON")?;
    connection.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(connection)
}

impl SqliteCommitter {
    /// Runs `transaction` on the connection (opened first if need be), at this process's turn
    /// at SQLite's write lock.
    fn with_connection<T>(
        &mut self,
        transaction: impl FnOnce(&Store, &mut Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        if self.connection.is_none() {
            let connection = open(&self.file.path, self.file.busy_timeout).map_err(store_error)?;
            self.connection = Some(connection);
        }
        let connection = self.connection.as_mut().expect("opened above");
        let result = {
            let _turn = self.store.blocking_sqlite_write_turn();
            transaction(&self.store, connection)
        };
        self.written |= result.is_ok();
        if let Err(error) = &result {
            // A connection whose file failed under it (I/O, cannot open) is not trusted
            // again: the next batch opens a new one.
            if matches!(
                error.kind,
                StoreErrorKind::Unavailable | StoreErrorKind::CommitUnknown
            ) {
                self.connection = None;
            }
        }
        result
    }
}

impl BlockingCommitter for SqliteCommitter {
    fn commit(
        &mut self,
        writes: &[OrderWrite],
        hand_over: Option<HandOver<'_>>,
    ) -> Result<Committed, StoreError> {
        self.with_connection(|store, connection| commit(store, connection, writes, hand_over))
    }

    fn record_attempts(
        &mut self,
        node: &str,
        outcomes: &[AttemptOutcome],
        released: &[Release],
        hand_over: Option<Timestamp>,
    ) -> Result<Vec<DueDelivery>, StoreError> {
        if outcomes.is_empty() && released.is_empty() {
            return Ok(Vec::new());
        }
        self.with_connection(|store, connection| {
            let tx = connection
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(store_error)?;
            let recording = sqlite_recorder::Recording {
                node,
                now: Timestamp::now(),
                hand_over,
            };
            let leased = recording
                .record(&tx, outcomes, released)
                .map_err(store_error)?;
            tx.commit().map_err(commit_error)?;
            Ok(ready_to_send(store, leased))
        })
    }

    /// A passive checkpoint copies what the WAL holds into the database file while no commit
    /// waits for it; SQLite would otherwise do it inside whichever commit crossed 1000 pages.
    /// It never waits for readers, and leaves what they still need.
    fn idle(&mut self) {
        let interval = self.file.idle_checkpoint_interval;
        if interval.is_zero() || !self.written || self.last_checkpoint.elapsed() < interval {
            return;
        }
        let Some(connection) = &self.connection else {
            return;
        };
        let started = Instant::now();
        let checkpointed = connection.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
            row.get::<_, i64>(0)
        });
        match checkpointed {
            Ok(_) => instruments::journal_checkpoint(started.elapsed()),
            Err(error) => tracing::warn!(%error, "the journal's WAL checkpoint failed"),
        }
        self.last_checkpoint = Instant::now();
        self.written = false;
    }
}

fn commit(
    store: &Store,
    connection: &mut Connection,
    writes: &[OrderWrite],
    hand_over: Option<HandOver<'_>>,
) -> Result<Committed, StoreError> {
    let shards = store.shards();
    // SQLite runs one node, which holds every shard once it has started.
    let mut outcomes = writable_outcomes(shards, writes);
    let mut batch = BatchState {
        held: hand_over.map(|h| HeldAttempts::of(h.delivered)),
        ..BatchState::default()
    };
    let written = write_batch(
        store,
        connection,
        writes,
        hand_over,
        &mut outcomes,
        &mut batch,
    );
    // Otherwise what it held goes back to the recorder as `batch` is dropped.
    if let (Ok(()), Some(held)) = (&written, batch.held.take()) {
        held.committed();
    }
    written?;
    let handed = hand_over.map(|_| ready_to_send(store, batch.leased));
    Ok(Committed { outcomes, handed })
}

/// The batch's one transaction, committed.
fn write_batch(
    store: &Store,
    connection: &mut Connection,
    writes: &[OrderWrite],
    hand_over: Option<HandOver<'_>>,
    outcomes: &mut [WriteOutcome],
    batch: &mut BatchState<'_>,
) -> Result<(), StoreError> {
    let shards = store.shards();
    // `IMMEDIATE` takes the write lock at `BEGIN`, so a busy database is a retryable error
    // before anything ran, never a failed upgrade halfway through.
    let tx = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(store_error)?;
    let lease = hand_over.map(|h| (shards.node(), h.lease_until));
    for (write, outcome) in writes.iter().zip(outcomes.iter_mut()) {
        if *outcome != WriteOutcome::Committed {
            continue;
        }
        *outcome = write_order(&tx, shards, write, batch).map_err(store_error)?;
        if *outcome == WriteOutcome::Committed {
            insert_event(&tx, write).map_err(store_error)?;
            fan_out(&tx, store, write, lease, batch).map_err(store_error)?;
        }
    }
    tx.commit().map_err(commit_error)
}

/// What one batch remembers between its writes.
#[derive(Default)]
struct BatchState<'d> {
    /// `Idempotency-Key`s claimed by earlier writes of the batch, as (owner, key).
    keys: HashSet<(String, String)>,
    /// Live endpoints by owner (`wallet:…`, `partner:…`), read once per batch.
    endpoints: HashMap<String, Rc<Vec<LiveEndpoint>>>,
    /// Heads leased to this node, to hand to the senders after the commit.
    leased: Vec<DueDelivery>,
    /// Delivered attempts this transaction holds from `DeliveredUnrecorded`, when it hands
    /// its deliveries over.
    held: Option<HeldAttempts<'d>>,
}

/// The order row (and the write's idempotency record), or why the write does not land.
fn write_order(
    tx: &Transaction,
    shards: &Shards,
    write: &OrderWrite,
    batch: &mut BatchState,
) -> rusqlite::Result<WriteOutcome> {
    if let Some(record) = &write.idempotency {
        if !batch
            .keys
            .insert((record.owner.clone(), record.key.clone()))
        {
            return Ok(WriteOutcome::IdempotencyKeyTaken);
        }
        let inserted = tx
            .prepare_cached(
                "INSERT INTO idempotency_keys
                     (owner, key, request_hash, status, body, created_at, order_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (owner, key) DO NOTHING",
            )?
            .execute(params![
                record.owner,
                record.key,
                record.request_hash,
                i64::from(record.status),
                record.stored_body(),
                record.created_at.as_millis(),
                record.stored_order(),
            ])?;
        if inserted == 0 {
            // The stored record names the order it created, so a record that names this
            // write's order is this write's own.
            let stored: Option<(String, Option<String>)> = tx
                .prepare_cached(
                    "SELECT body, order_id FROM idempotency_keys WHERE owner = ?1 AND key = ?2",
                )?
                .query_row(params![record.owner, record.key], |row| {
                    Ok((row.get(0)?, row.get(1)?))
                })
                .optional()?;
            if stored != Some((record.stored_body().to_owned(), record.stored_order())) {
                return Ok(WriteOutcome::IdempotencyKeyTaken);
            }
        }
    }
    let landed = match write.expected_version {
        0 => insert_order(tx, write, shards.of(write.state.order.id))?,
        _ => update_order(tx, write)?,
    };
    if landed {
        return Ok(WriteOutcome::Committed);
    }
    // A write that lost its compare-and-set must not keep the key it claimed: the retry that
    // follows (after the actor reloads) claims it again.
    if let Some(record) = &write.idempotency {
        tx.prepare_cached("DELETE FROM idempotency_keys WHERE owner = ?1 AND key = ?2")?
            .execute(params![record.owner, record.key])?;
    }
    Ok(WriteOutcome::VersionConflict)
}

/// A new order. An id that already exists is a lost compare-and-set, unless the stored
/// document is this write's own.
fn insert_order(tx: &Transaction, write: &OrderWrite, shard: ShardId) -> rusqlite::Result<bool> {
    let columns = OrderColumns::of(write);
    let order = &write.state.order;
    let inserted = tx
        .prepare_cached(
            "INSERT INTO orders (id, wallet_id, partner_id, user_ref, direction, status, version,
                external_ref, external_id, created_at, updated_at, live, acceptance_due,
                reminder_due, expiry_due, last_command, document, shard)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)
             ON CONFLICT (id) DO NOTHING",
        )?
        .execute(params![
            columns.id,
            order.wallet_id.to_string(),
            order.partner_id.to_string(),
            order.user_ref.as_str(),
            order.direction.as_str(),
            order.status.as_str(),
            order.version as i64,
            order.external_ref.as_ref().map(|r| r.as_str()),
            order.external_id.as_ref().map(|r| r.as_str()),
            order.created_at.as_millis(),
            order.updated_at.as_millis(),
            i64::from(order.status.is_live()),
            columns.acceptance_due,
            columns.reminder_due,
            columns.expiry_due,
            columns.last_command,
            "", // the document is in the order's event (see `orders::stored_document`)
            i64::from(shard.get()),
        ])?;
    if inserted == 1 {
        return Ok(true);
    }
    let stored: Option<(String, Option<String>)> = tx
        .prepare_cached(&format!(
            "SELECT document, {} FROM orders o WHERE id = ?1",
            latest_payload(Engine::Sqlite)
        ))?
        .query_row([&columns.id], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    Ok(stored.is_some_and(|(document, payload)| {
        stored_document(&document, payload.as_deref()) == Some(&*write.document)
    }))
}

/// A change of an existing order: a compare-and-set on `version`.
fn update_order(tx: &Transaction, write: &OrderWrite) -> rusqlite::Result<bool> {
    let columns = OrderColumns::of(write);
    let order = &write.state.order;
    let updated = tx
        .prepare_cached(
            "UPDATE orders SET status = ?1, version = ?2, external_id = ?3, updated_at = ?4,
                live = ?5, acceptance_due = ?6, reminder_due = ?7, expiry_due = ?8,
                last_command = ?9, document = ?10
             WHERE id = ?11 AND version = ?12",
        )?
        .execute(params![
            order.status.as_str(),
            order.version as i64,
            order.external_id.as_ref().map(|r| r.as_str()),
            order.updated_at.as_millis(),
            i64::from(order.status.is_live()),
            columns.acceptance_due,
            columns.reminder_due,
            columns.expiry_due,
            columns.last_command,
            "", // the document is in the order's event (see `orders::stored_document`)
            columns.id,
            write.expected_version as i64,
        ])?;
    Ok(updated == 1)
}

/// The outbox: one event per landed write.
fn insert_event(tx: &Transaction, write: &OrderWrite) -> rusqlite::Result<()> {
    let event = &write.event;
    tx.prepare_cached(
        "INSERT INTO order_events (id, order_id, version, type, created_at, payload)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        event.id.to_string(),
        event.order_id.to_string(),
        event.version as i64,
        event.event_type.as_str(),
        event.at.as_millis(),
        write.event_payload,
    ])?;
    Ok(())
}

/// One delivery per live endpoint of the order's wallet and partner that wants the event's
/// type, read inside this transaction (an endpoint registered before the batch commits gets
/// the batch's events). With a lease, the heads are leased to this node as they are written.
fn fan_out(
    tx: &Transaction,
    store: &Store,
    write: &OrderWrite,
    lease: Option<(&str, Timestamp)>,
    batch: &mut BatchState<'_>,
) -> rusqlite::Result<()> {
    let order = &write.state.order;
    let event = &write.event;
    // The same match the `event_types` column was designed for: a JSON array of names.
    let wanted = format!("\"{}\"", event.event_type.as_str());
    let mut targets: Vec<Rc<Vec<LiveEndpoint>>> = Vec::with_capacity(2);
    for owner in [
        format!("wallet:{}", order.wallet_id),
        format!("partner:{}", order.partner_id),
    ] {
        let endpoints = match batch.endpoints.get(&owner) {
            Some(endpoints) => endpoints.clone(),
            None => {
                let endpoints = Rc::new(live_endpoints(tx, &owner)?);
                batch.endpoints.insert(owner, endpoints.clone());
                endpoints
            }
        };
        targets.push(endpoints);
    }
    let wanting: Vec<&LiveEndpoint> = targets
        .iter()
        .flat_map(|endpoints| endpoints.iter())
        .filter(|endpoint| {
            endpoint
                .event_types
                .as_ref()
                .is_none_or(|types| types.contains(&wanted))
        })
        .collect();
    if wanting.is_empty() {
        return Ok(());
    }
    let order_id = event.order_id.to_string();
    // An order's first event heads every queue; a later one where nothing is pending, or where
    // all that is pending was delivered by this node and not yet recorded: those are recorded
    // here, in the transaction that lets the next event go (see `DeliveredUnrecorded`).
    let mut waiting: HashSet<String> = HashSet::new();
    if event.version > 1 {
        let mut pending: HashMap<String, Vec<(String, String)>> = HashMap::new();
        let rows = tx
            .prepare_cached(
                "SELECT endpoint_id, event_id FROM webhook_deliveries
                 WHERE state = 'pending' AND order_id = ?1",
            )?
            .query_map([&order_id], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        for (endpoint_id, event_id) in rows {
            pending
                .entry(endpoint_id.clone())
                .or_default()
                .push((event_id, endpoint_id));
        }
        for (endpoint_id, queue) in pending {
            let settled = match (lease, batch.held.as_mut()) {
                (Some((node, _)), Some(held)) => match held.hold_all(&queue) {
                    Some(outcomes) => settle_delivered(tx, node, &outcomes, held)?,
                    None => false,
                },
                _ => false,
            };
            if !settled {
                waiting.insert(endpoint_id);
            }
        }
    }
    let shard: ShardId = store.shards().of(event.order_id);
    let event_id = event.id.to_string();
    let mut insert = tx.prepare_cached(
        "INSERT INTO webhook_deliveries (event_id, endpoint_id, order_id, order_version,
             next_attempt_at, updated_at, shard, head, leased_by, leased_until, state, attempts)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'pending', 0)",
    )?;
    for endpoint in wanting {
        let head = !waiting.contains(&endpoint.id);
        let lease = lease.filter(|_| head);
        insert.execute(params![
            event_id,
            endpoint.id,
            order_id,
            event.version as i64,
            event.at.as_millis(),
            event.at.as_millis(),
            i64::from(shard.get()),
            i64::from(head),
            lease.map(|(node, _)| node),
            lease.map(|(_, until)| until.as_millis()),
        ])?;
        if let Some((_, until)) = lease {
            batch.leased.push(DueDelivery {
                event_id: event_id.clone(),
                endpoint_id: endpoint.id.clone(),
                order_id: order_id.clone(),
                order_version: event.version as i64,
                shard,
                attempts: 0,
                lease_until: until,
                url: endpoint.url.clone(),
                // Sealed until `ready_to_send`, after the commit.
                secrets: endpoint.secrets.clone(),
                payload: write.event_payload.clone(),
            });
        }
    }
    Ok(())
}

/// Records delivered attempts (held from `DeliveredUnrecorded`) as the recorder would: the
/// delivery settled, its lease and head cleared, the attempt kept. True when every one of them
/// was still this node's pending claim; one that is not (reset or failed meanwhile) keeps its
/// queue waiting and goes back to the recorder, which records such an attempt its own way.
fn settle_delivered(
    tx: &Transaction,
    node: &str,
    outcomes: &[AttemptOutcome],
    held: &mut HeldAttempts<'_>,
) -> rusqlite::Result<bool> {
    let now = Timestamp::now().as_millis();
    let mut all = true;
    for outcome in outcomes {
        if !sqlite_recorder::settle(tx, node, outcome, "delivered", now, now)? {
            held.not_recorded((outcome.event_id.clone(), outcome.endpoint_id.clone()));
            all = false;
            continue;
        }
        sqlite_recorder::insert_attempt(tx, outcome)?;
    }
    Ok(all)
}

struct LiveEndpoint {
    id: String,
    event_types: Option<String>,
    url: String,
    /// Sealed; the previous secret only while it is still honoured.
    secrets: Vec<String>,
}

/// The live (neither deleted nor disabled) endpoints of `owner`.
fn live_endpoints(tx: &Transaction, owner: &str) -> rusqlite::Result<Vec<LiveEndpoint>> {
    let now = Timestamp::now();
    tx.prepare_cached(
        "SELECT id, event_types, url, secret, previous_secret, previous_secret_until
         FROM webhook_endpoints
         WHERE owner = ?1 AND deleted_at IS NULL AND disabled_at IS NULL",
    )?
    .query_map([owner], |row| {
        Ok(LiveEndpoint {
            id: row.get(0)?,
            event_types: row.get(1)?,
            url: row.get(2)?,
            secrets: honoured_secrets(row.get(3)?, row.get(4)?, row.get(5)?, now),
        })
    })?
    .collect()
}

/// Sorts SQLite's errors as `super::store_error` sorts sqlx's: busy and locked are worth a
/// retry; I/O failure, a full disk and a file that cannot be opened mean the database is
/// unavailable.
fn store_error(error: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode;
    let kind = match error.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreErrorKind::Retryable,
        Some(ErrorCode::SystemIoFailure | ErrorCode::DiskFull | ErrorCode::CannotOpen) => {
            StoreErrorKind::Unavailable
        }
        _ => StoreErrorKind::Failed,
    };
    StoreError::of_kind(kind, error)
}

/// As [`store_error`], for `COMMIT` itself: if the file failed under it, the transaction may
/// have committed all the same.
fn commit_error(error: rusqlite::Error) -> StoreError {
    let error = store_error(error);
    match error.kind {
        StoreErrorKind::Unavailable => StoreError::of_kind(StoreErrorKind::CommitUnknown, error),
        _ => error,
    }
}
