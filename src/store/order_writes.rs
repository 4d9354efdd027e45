//! The journal's batch commit through sqlx (PostgreSQL's; SQLite's journal has a connection of
//! its own, see `sqlite_journal`): every write of a batch in one transaction, in as few
//! statements as the batch allows.
//!
//! Each statement is a round trip to the database (for SQLite, to sqlx's worker thread), and
//! that trip costs more than the row it writes: one statement per row held the journal near
//! 8 k rows/s, a tenth of what SQLite commits in batches. So rows of one kind are written
//! together, in multi-row `INSERT … ON CONFLICT DO NOTHING`s. Their row count says whether
//! every row landed, the usual case; only when one did not are the rows read back to learn
//! which. (`RETURNING` would say it at once, but sqlx streams each returned row from its
//! SQLite worker thread as a message of its own, which cost a third of the writer's time.)
//! The compare-and-set `UPDATE`s of existing orders are multi-row too on PostgreSQL, where
//! `RETURNING` says which writes' versions still held.
//!
//! The order of the steps keeps the rule that a write which does not land leaves nothing
//! behind: its idempotency record is released, and it gets no event and no deliveries.

use std::collections::{HashMap, HashSet};

use rampflow_actors::model::Timestamp;
use rampflow_actors::shard::ShardId;
use rampflow_actors::shard::Shards;
use rampflow_actors::store::{Committed, HandOver, OrderWrite, StoreError, WriteOutcome};
use rampflow_actors::webhook::store::DueDelivery;
use rampflow_actors::webhook::{DeliveryKey, HeldAttempts};
use sqlx::{Any, Row, Transaction};

use super::batch::{statement_chunks, Placeholders};
use super::deliveries::{open_secrets, secrets_of};
use super::orders::{latest_payload, stored_document};
use super::recorder::{lock_orders, record_delivered_in_journal};
use super::{commit_error, store_error, Engine, Store};

/// Commits `writes`; with `hand_over`, the new deliveries that are due at once are leased to
/// this node until then in the same transaction, and returned ready to send.
pub(crate) async fn commit(
    store: &Store,
    writes: &[OrderWrite],
    hand_over: Option<HandOver<'_>>,
) -> Result<Committed, StoreError> {
    let shards = store.shards();
    let mut outcomes = writable_outcomes(shards, writes);
    let style = Placeholders::for_engine(store.engine());
    let mut tx = store.pool().begin().await.map_err(store_error)?;
    if !shards.is_single_node() {
        super::fencing::check_leases(&mut tx, style, shards, writes, &mut outcomes)
            .await
            .map_err(store_error)?;
    }
    claim_idempotency_keys(&mut tx, style, writes, &mut outcomes)
        .await
        .map_err(store_error)?;
    insert_new_orders(&mut tx, store.engine(), shards, writes, &mut outcomes)
        .await
        .map_err(store_error)?;
    update_orders(&mut tx, store.engine(), writes, &mut outcomes)
        .await
        .map_err(store_error)?;
    release_idempotency_keys(&mut tx, writes, &outcomes)
        .await
        .map_err(store_error)?;
    let landed: Vec<&OrderWrite> = writes
        .iter()
        .zip(&outcomes)
        .filter(|(_, outcome)| **outcome == WriteOutcome::Committed)
        .map(|(write, _)| write)
        .collect();
    insert_events(&mut tx, style, &landed)
        .await
        .map_err(store_error)?;
    // Released on every way out but a commit, a cancelled future's included.
    let mut held = hand_over.map(|h| HeldAttempts::of(h.delivered));
    let leased = fan_out(&mut tx, style, shards, &landed, hand_over, held.as_mut())
        .await
        .map_err(store_error)?;
    tx.commit().await.map_err(commit_error)?;
    if let Some(held) = held {
        held.committed();
    }
    let handed = hand_over.map(|_| ready_to_send(store, leased));
    Ok(Committed { outcomes, handed })
}

/// The outcomes a batch starts from: a write of a shard this node no longer holds is refused
/// (`Fenced`) before the database is asked; every other write is to be committed.
pub(crate) fn writable_outcomes(shards: &Shards, writes: &[OrderWrite]) -> Vec<WriteOutcome> {
    writes
        .iter()
        .map(
            |write| match shards.writable_epoch(shards.of(write.state.order.id)) {
                Some(_) => WriteOutcome::Committed,
                None => WriteOutcome::Fenced,
            },
        )
        .collect()
}

/// The leased deliveries, their secrets opened. Everything about them was read in the
/// transaction, so nothing more is asked of the database on the journal's path; a delivery
/// whose secret does not open (logged) waits out its lease and is claimed like any other.
pub(crate) fn ready_to_send(store: &Store, leased: Vec<DueDelivery>) -> Vec<DueDelivery> {
    leased
        .into_iter()
        .filter_map(|mut delivery| {
            delivery.secrets = open_secrets(store, &delivery.endpoint_id, delivery.secrets)?;
            Some(delivery)
        })
        .collect()
}

/// New orders only, in one transaction: no events, no deliveries, no idempotency records.
/// For seeding a database with orders whose events went out long ago (`rampflow scale`).
/// Returns how many rows landed (an id that already exists is skipped).
pub(crate) async fn insert_orders(store: &Store, writes: &[OrderWrite]) -> Result<u64, StoreError> {
    let mut outcomes = vec![WriteOutcome::Committed; writes.len()];
    let mut tx = store.pool().begin().await.map_err(store_error)?;
    insert_new_orders(
        &mut tx,
        store.engine(),
        store.shards(),
        writes,
        &mut outcomes,
    )
    .await
    .map_err(store_error)?;
    tx.commit().await.map_err(commit_error)?;
    Ok(outcomes
        .iter()
        .filter(|outcome| **outcome == WriteOutcome::Committed)
        .count() as u64)
}

/// Records each write's `Idempotency-Key`. A key another request already holds (stored, or
/// earlier in this batch) fails its write.
async fn claim_idempotency_keys(
    tx: &mut Transaction<'_, Any>,
    style: Placeholders,
    writes: &[OrderWrite],
    outcomes: &mut [WriteOutcome],
) -> Result<(), sqlx::Error> {
    let mut seen = HashSet::new();
    let mut claiming = Vec::new();
    for (index, write) in writes.iter().enumerate() {
        if outcomes[index] != WriteOutcome::Committed {
            continue;
        }
        if let Some(record) = &write.idempotency {
            if seen.insert((record.owner.as_str(), record.key.as_str())) {
                claiming.push(index);
            } else {
                outcomes[index] = WriteOutcome::IdempotencyKeyTaken;
            }
        }
    }
    // Keys in a fixed order: two nodes' batches that claim the same keys (a client retrying a
    // create on another node) then wait for each other instead of deadlocking.
    claiming.sort_by(|a, b| {
        let key = |i: &usize| {
            let record = writes[*i].idempotency.as_ref().expect("chosen above");
            (record.owner.as_str(), record.key.as_str())
        };
        key(a).cmp(&key(b))
    });
    for chunk in statement_chunks(&claiming) {
        let sql = format!(
            "INSERT INTO idempotency_keys
                 (owner, key, request_hash, status, body, created_at, order_id)
             VALUES {} ON CONFLICT (owner, key) DO NOTHING",
            style.rows(chunk.len(), 7)
        );
        let mut query = sqlx::query(&sql);
        for &index in chunk {
            let record = writes[index].idempotency.as_ref().expect("chosen above");
            query = query
                .bind(record.owner.as_str())
                .bind(record.key.as_str())
                .bind(record.request_hash.as_str())
                .bind(i64::from(record.status))
                .bind(record.stored_body())
                .bind(record.created_at.as_millis())
                .bind(record.stored_order());
        }
        let inserted = query.execute(&mut **tx).await?.rows_affected();
        if inserted == chunk.len() as u64 {
            continue;
        }
        // Some key was taken. The stored record names the order it created, so a record that
        // names this write's order is this write's own.
        let sql = format!(
            "SELECT owner, key, body, order_id FROM idempotency_keys WHERE {}",
            style.any_of(chunk.len(), &["owner", "key"])
        );
        let mut query = sqlx::query(&sql);
        for &index in chunk {
            let record = writes[index].idempotency.as_ref().expect("chosen above");
            query = query.bind(record.owner.as_str()).bind(record.key.as_str());
        }
        type Stored = (String, Option<String>);
        let stored: HashMap<(String, String), Stored> = query
            .fetch_all(&mut **tx)
            .await?
            .iter()
            .map(|row| {
                Ok((
                    (row.try_get(0)?, row.try_get(1)?),
                    (row.try_get(2)?, row.try_get(3)?),
                ))
            })
            .collect::<Result<_, sqlx::Error>>()?;
        for &index in chunk {
            let record = writes[index].idempotency.as_ref().expect("chosen above");
            let slot = (record.owner.clone(), record.key.clone());
            let own = (record.stored_body().to_owned(), record.stored_order());
            if stored.get(&slot) != Some(&own) {
                outcomes[index] = WriteOutcome::IdempotencyKeyTaken;
            }
        }
    }
    Ok(())
}

/// New orders (expected version 0). An id that already exists is a lost compare-and-set.
async fn insert_new_orders(
    tx: &mut Transaction<'_, Any>,
    engine: Engine,
    shards: &Shards,
    writes: &[OrderWrite],
    outcomes: &mut [WriteOutcome],
) -> Result<(), sqlx::Error> {
    let style = Placeholders::for_engine(engine);
    let creating: Vec<usize> = (0..writes.len())
        .filter(|&i| writes[i].expected_version == 0 && outcomes[i] == WriteOutcome::Committed)
        .collect();
    for chunk in statement_chunks(&creating) {
        let sql = format!(
            "INSERT INTO orders (id, wallet_id, partner_id, user_ref, direction, status, version,
                external_ref, external_id, created_at, updated_at, live, acceptance_due,
                reminder_due, expiry_due, last_command, document, shard)
             VALUES {} ON CONFLICT (id) DO NOTHING",
            style.rows(chunk.len(), 18)
        );
        let columns: Vec<OrderColumns> = chunk
            .iter()
            .map(|&i| OrderColumns::of(&writes[i]))
            .collect();
        let mut query = sqlx::query(&sql);
        for (&index, columns) in chunk.iter().zip(&columns) {
            let order = &writes[index].state.order;
            query = query
                .bind(columns.id.as_str())
                .bind(order.wallet_id.to_string())
                .bind(order.partner_id.to_string())
                .bind(order.user_ref.as_str())
                .bind(order.direction.as_str())
                .bind(order.status.as_str())
                .bind(order.version as i64)
                .bind(order.external_ref.as_ref().map(|r| r.as_str()))
                .bind(order.external_id.as_ref().map(|r| r.as_str()))
                .bind(order.created_at.as_millis())
                .bind(order.updated_at.as_millis())
                .bind(i64::from(order.status.is_live()))
                .bind(columns.acceptance_due)
                .bind(columns.reminder_due)
                .bind(columns.expiry_due)
                .bind(columns.last_command.as_deref())
                .bind(&*writes[index].document)
                .bind(i64::from(shards.of(order.id).get()));
        }
        let inserted = query.execute(&mut **tx).await?.rows_affected();
        if inserted == chunk.len() as u64 {
            continue;
        }
        // Some id already existed. A stored document equal to this write's is this write's.
        // (Rows SQLite's own journal wrote keep it in their event: see `orders::stored_document`.)
        let sql = format!(
            "SELECT id, document, {} FROM orders o WHERE id IN ({})",
            latest_payload(engine),
            style.list(chunk.len())
        );
        let mut query = sqlx::query(&sql);
        for columns in &columns {
            query = query.bind(columns.id.as_str());
        }
        let stored: HashMap<String, (String, Option<String>)> = query
            .fetch_all(&mut **tx)
            .await?
            .iter()
            .map(|row| Ok((row.try_get(0)?, (row.try_get(1)?, row.try_get(2)?))))
            .collect::<Result<_, sqlx::Error>>()?;
        for (&index, columns) in chunk.iter().zip(&columns) {
            let document = stored
                .get(&columns.id)
                .and_then(|(document, payload)| stored_document(document, payload.as_deref()));
            if document != Some(&*writes[index].document) {
                outcomes[index] = WriteOutcome::VersionConflict;
            }
        }
    }
    Ok(())
}

/// Changes to existing orders, each a compare-and-set on `version`, in multi-row `UPDATE … FROM
/// (VALUES …) RETURNING id` statements: the ids returned are the writes whose version still
/// held. On PostgreSQL the rows are locked first, in id order (the order the recorder's share
/// locks and every other batch take them in), because the join visits rows in whatever order
/// the planner likes. A second change of one order in the same batch (rare) follows in a
/// statement of its own, after the first.
async fn update_orders(
    tx: &mut Transaction<'_, Any>,
    engine: Engine,
    writes: &[OrderWrite],
    outcomes: &mut [WriteOutcome],
) -> Result<(), sqlx::Error> {
    let mut updating: Vec<usize> = (0..writes.len())
        .filter(|&i| writes[i].expected_version != 0 && outcomes[i] == WriteOutcome::Committed)
        .collect();
    if updating.is_empty() {
        return Ok(());
    }
    // Stable: two changes of one order keep their batch order.
    updating.sort_by_key(|&i| writes[i].state.order.id);
    let columns: HashMap<usize, OrderColumns> = updating
        .iter()
        .map(|&i| (i, OrderColumns::of(&writes[i])))
        .collect();
    let ids: Vec<&str> = updating.iter().map(|&i| columns[&i].id.as_str()).collect();
    lock_orders(tx, engine, &ids, true).await?;
    let mut seen = HashSet::with_capacity(updating.len());
    let (mut first, mut repeats) = (Vec::with_capacity(updating.len()), Vec::new());
    for index in updating {
        if seen.insert(writes[index].state.order.id) {
            first.push(index);
        } else {
            repeats.push(index);
        }
    }
    let style = Placeholders::for_engine(engine);
    for chunk in statement_chunks(&first) {
        update_chunk(tx, style, writes, &columns, chunk, outcomes).await?;
    }
    for index in repeats {
        if outcomes[index] == WriteOutcome::Committed {
            update_chunk(tx, style, writes, &columns, &[index], outcomes).await?;
        }
    }
    Ok(())
}

/// One multi-row compare-and-set: the writes of `chunk` (indexes into `writes`) whose version
/// no longer held are marked so.
async fn update_chunk(
    tx: &mut Transaction<'_, Any>,
    style: Placeholders,
    writes: &[OrderWrite],
    columns: &HashMap<usize, OrderColumns>,
    chunk: &[usize],
    outcomes: &mut [WriteOutcome],
) -> Result<(), sqlx::Error> {
    let sql = order_update_sql(style, chunk.len());
    let mut query = sqlx::query(&sql);
    for &index in chunk {
        let (write, columns) = (&writes[index], &columns[&index]);
        let order = &write.state.order;
        query = query
            .bind(columns.id.as_str())
            .bind(order.status.as_str())
            .bind(order.version as i64)
            .bind(order.external_id.as_ref().map(|r| r.as_str()))
            .bind(order.updated_at.as_millis())
            .bind(i64::from(order.status.is_live()))
            .bind(columns.acceptance_due)
            .bind(columns.reminder_due)
            .bind(columns.expiry_due)
            .bind(columns.last_command.as_deref())
            .bind(&*write.document)
            .bind(write.expected_version as i64);
    }
    let landed: HashSet<String> = query
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|row| row.try_get(0))
        .collect::<Result<_, sqlx::Error>>()?;
    for &index in chunk {
        if !landed.contains(&columns[&index].id) {
            outcomes[index] = WriteOutcome::VersionConflict;
        }
    }
    Ok(())
}

/// PostgreSQL's multi-row compare-and-set of `rows` orders, exactly as the journal runs it
/// (a test EXPLAINs it): per row the id, the changed columns (status, version, external id,
/// updated at, live, the three timer deadlines, last command, document) and the version
/// expected; returns the ids that changed. The rows are found through the primary key, whatever
/// the planner knows of the table.
pub fn order_update_statement(rows: usize) -> String {
    order_update_sql(Placeholders::Numbered, rows)
}

/// VALUES columns are named column1, column2, … on both engines.
fn order_update_sql(style: Placeholders, rows: usize) -> String {
    format!(
        "UPDATE orders SET status = v.column2, version = v.column3,
             external_id = v.column4, updated_at = v.column5, live = v.column6,
             acceptance_due = v.column7, reminder_due = v.column8,
             expiry_due = v.column9, last_command = v.column10, document = v.column11
         FROM (VALUES {}) AS v
         WHERE id = v.column1 AND version = v.column12
         RETURNING id",
        style.rows(rows, 12)
    )
}

/// A write that lost its compare-and-set must not keep the key it claimed: the retry that
/// follows (after the actor reloads) claims it again.
async fn release_idempotency_keys(
    tx: &mut Transaction<'_, Any>,
    writes: &[OrderWrite],
    outcomes: &[WriteOutcome],
) -> Result<(), sqlx::Error> {
    for (write, outcome) in writes.iter().zip(outcomes) {
        if let (WriteOutcome::VersionConflict, Some(record)) = (outcome, &write.idempotency) {
            sqlx::query("DELETE FROM idempotency_keys WHERE owner = $1 AND key = $2")
                .bind(record.owner.as_str())
                .bind(record.key.as_str())
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}

/// The outbox: one event per landed write.
async fn insert_events(
    tx: &mut Transaction<'_, Any>,
    style: Placeholders,
    landed: &[&OrderWrite],
) -> Result<(), sqlx::Error> {
    for chunk in statement_chunks(landed) {
        let sql = format!(
            "INSERT INTO order_events (id, order_id, version, type, created_at, payload)
             VALUES {}",
            style.rows(chunk.len(), 6)
        );
        let mut query = sqlx::query(&sql);
        for write in chunk {
            let event = &write.event;
            query = query
                .bind(event.id.to_string())
                .bind(event.order_id.to_string())
                .bind(event.version as i64)
                .bind(event.event_type.as_str())
                .bind(event.at.as_millis())
                .bind(write.event_payload.as_str());
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// One delivery per live endpoint of the order's wallet and partner that wants the event's
/// type. The endpoints are read inside this transaction, so an endpoint registered before the
/// batch commits gets the batch's events, as the webhook contract promises. A batch whose
/// parties have no endpoints writes nothing more.
///
/// Each delivery is written with its order's shard and whether it is the head of its
/// (endpoint, order) queue: an order's first event always is; a later one is when nothing of
/// that queue is pending, or when all that is pending was delivered by this node and not yet
/// recorded: this transaction records those (see `DeliveredUnrecorded`), so the earlier
/// delivery is settled in the very transaction that lets the next one go. That takes one read
/// for the whole batch, after this transaction updated the order rows, which is what makes it
/// safe beside the recorder settling the previous head (see `deliveries`).
async fn fan_out<'w>(
    tx: &mut Transaction<'_, Any>,
    style: Placeholders,
    shards: &Shards,
    landed: &[&'w OrderWrite],
    hand_over: Option<HandOver<'_>>,
    held: Option<&mut HeldAttempts<'_>>,
) -> Result<Vec<DueDelivery>, sqlx::Error> {
    let lease = hand_over.map(|h| (shards.node(), h.lease_until));
    let owners: Vec<String> = landed
        .iter()
        .flat_map(|write| {
            let order = &write.state.order;
            [
                format!("wallet:{}", order.wallet_id),
                format!("partner:{}", order.partner_id),
            ]
        })
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let endpoints = live_endpoints(tx, style, &owners).await?;
    if endpoints.is_empty() {
        return Ok(Vec::new());
    }
    let by_id: HashMap<&str, &LiveEndpoint> = endpoints
        .values()
        .flatten()
        .map(|endpoint| (endpoint.id.as_str(), endpoint))
        .collect();
    let mut deliveries: Vec<(&'w OrderWrite, &str)> = Vec::new();
    for write in landed {
        let order = &write.state.order;
        // The same match the `event_types` column was designed for: a JSON array of names.
        let wanted = format!("\"{}\"", write.event.event_type.as_str());
        for owner in [
            format!("wallet:{}", order.wallet_id),
            format!("partner:{}", order.partner_id),
        ] {
            for endpoint in endpoints.get(&owner).into_iter().flatten() {
                if endpoint
                    .event_types
                    .as_ref()
                    .is_none_or(|t| t.contains(&wanted))
                {
                    deliveries.push((write, endpoint.id.as_str()));
                }
            }
        }
    }
    if deliveries.is_empty() {
        return Ok(Vec::new());
    }
    let waiting = waiting_queues(tx, style, shards.node(), &deliveries, held).await?;
    // The lowest version of each queue in this batch, if nothing of it was pending before.
    let mut heads: HashMap<(String, String), u64> = HashMap::new();
    for (write, endpoint_id) in &deliveries {
        let event = &write.event;
        let queue = (event.order_id.to_string(), endpoint_id.to_string());
        if event.version > 1 && waiting.contains(&queue) {
            continue;
        }
        let lowest = heads.entry(queue).or_insert(event.version);
        *lowest = (*lowest).min(event.version);
    }
    // With a lease, the heads are leased to this node as they are written: their first
    // attempt is handed straight to the senders, with no claim (the rest wait for their turn).
    let mut leased = Vec::new();
    for chunk in statement_chunks(&deliveries) {
        let sql = format!(
            "INSERT INTO webhook_deliveries (event_id, endpoint_id, order_id, order_version,
                 next_attempt_at, updated_at, shard, head, leased_by, leased_until, state,
                 attempts)
             VALUES {}",
            style.rows_with(chunk.len(), 10, "'pending', 0")
        );
        let mut query = sqlx::query(&sql);
        for (write, endpoint_id) in chunk {
            let event = &write.event;
            let queue = (event.order_id.to_string(), endpoint_id.to_string());
            let head = heads.get(&queue) == Some(&event.version);
            let shard = i64::from(shards.of(event.order_id).get());
            let lease = lease.filter(|_| head);
            query = query
                .bind(event.id.to_string())
                .bind(*endpoint_id)
                .bind(event.order_id.to_string())
                .bind(event.version as i64)
                .bind(event.at.as_millis())
                .bind(event.at.as_millis())
                .bind(shard)
                .bind(i64::from(head))
                .bind(lease.map(|(node, _)| node.to_owned()))
                .bind(lease.map(|(_, until)| until.as_millis()));
            if let Some((_, until)) = lease {
                let endpoint = by_id[endpoint_id];
                leased.push(DueDelivery {
                    event_id: event.id.to_string(),
                    endpoint_id: endpoint.id.clone(),
                    order_id: event.order_id.to_string(),
                    order_version: event.version as i64,
                    shard: ShardId::new(shard as u32),
                    attempts: 0,
                    lease_until: until,
                    url: endpoint.url.clone(),
                    // Sealed until `ready_to_send`, after the commit.
                    secrets: endpoint.secrets.clone(),
                    payload: write.event_payload.clone(),
                });
            }
        }
        query.execute(&mut **tx).await?;
    }
    Ok(leased)
}

/// The (order, endpoint) queues among `deliveries`' whose next event must wait: those with a
/// pending delivery this transaction could not record. Orders at their first event have none
/// and are not asked about.
async fn waiting_queues(
    tx: &mut Transaction<'_, Any>,
    style: Placeholders,
    node: &str,
    deliveries: &[(&OrderWrite, &str)],
    held: Option<&mut HeldAttempts<'_>>,
) -> Result<HashSet<(String, String)>, sqlx::Error> {
    let pending = pending_of_queues(tx, style, deliveries).await?;
    let Some(held) = held else {
        return Ok(pending.into_keys().collect());
    };
    let mut waiting = HashSet::new();
    let mut holding = Vec::new();
    for (queue, keys) in pending {
        match held.hold_all(&keys) {
            Some(outcomes) => holding.extend(outcomes),
            None => {
                waiting.insert(queue);
            }
        }
    }
    if holding.is_empty() {
        return Ok(waiting);
    }
    let recorded = record_delivered_in_journal(tx, style, node, &holding).await?;
    for outcome in holding {
        let key = (outcome.event_id, outcome.endpoint_id);
        if !recorded.contains(&key) {
            waiting.insert((outcome.order_id, key.1.clone()));
            held.not_recorded(key);
        }
    }
    Ok(waiting)
}

/// The pending deliveries of the (order, endpoint) queues among `deliveries`', by queue.
async fn pending_of_queues(
    tx: &mut Transaction<'_, Any>,
    style: Placeholders,
    deliveries: &[(&OrderWrite, &str)],
) -> Result<HashMap<(String, String), Vec<DeliveryKey>>, sqlx::Error> {
    let orders: Vec<String> = deliveries
        .iter()
        .filter(|(write, _)| write.event.version > 1)
        .map(|(write, _)| write.event.order_id.to_string())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut pending: HashMap<(String, String), Vec<DeliveryKey>> = HashMap::new();
    for chunk in statement_chunks(&orders) {
        let sql = format!(
            "SELECT order_id, endpoint_id, event_id FROM webhook_deliveries
             WHERE state = 'pending' AND order_id IN ({})",
            style.list(chunk.len())
        );
        let mut query = sqlx::query(&sql);
        for order_id in chunk {
            query = query.bind(order_id.as_str());
        }
        for row in query.fetch_all(&mut **tx).await? {
            let (order_id, endpoint_id): (String, String) = (row.try_get(0)?, row.try_get(1)?);
            let event_id: String = row.try_get(2)?;
            pending
                .entry((order_id, endpoint_id.clone()))
                .or_default()
                .push((event_id, endpoint_id));
        }
    }
    Ok(pending)
}

struct LiveEndpoint {
    id: String,
    event_types: Option<String>,
    /// URL and (sealed) secrets, for the deliveries handed over at commit time.
    url: String,
    secrets: Vec<String>,
}

/// The live (neither deleted nor disabled) endpoints of `owners`, by owner.
async fn live_endpoints(
    tx: &mut Transaction<'_, Any>,
    style: Placeholders,
    owners: &[String],
) -> Result<HashMap<String, Vec<LiveEndpoint>>, sqlx::Error> {
    let mut endpoints: HashMap<String, Vec<LiveEndpoint>> = HashMap::new();
    let now = Timestamp::now();
    for chunk in statement_chunks(owners) {
        let list = style.list(chunk.len());
        let sql = format!(
            "SELECT id, owner, event_types, url, secret, previous_secret, previous_secret_until
             FROM webhook_endpoints
             WHERE owner IN ({list}) AND deleted_at IS NULL AND disabled_at IS NULL"
        );
        let mut query = sqlx::query(&sql);
        for owner in chunk {
            query = query.bind(owner.as_str());
        }
        for row in query.fetch_all(&mut **tx).await? {
            endpoints
                .entry(row.try_get("owner")?)
                .or_default()
                .push(LiveEndpoint {
                    id: row.try_get("id")?,
                    event_types: row.try_get("event_types")?,
                    url: row.try_get("url")?,
                    secrets: secrets_of(&row, now)?,
                });
        }
    }
    Ok(endpoints)
}

/// The columns of an order row that are computed, not copied.
pub(crate) struct OrderColumns {
    pub(crate) id: String,
    pub(crate) acceptance_due: Option<i64>,
    pub(crate) reminder_due: Option<i64>,
    pub(crate) expiry_due: Option<i64>,
    pub(crate) last_command: Option<String>,
}

impl OrderColumns {
    pub(crate) fn of(write: &OrderWrite) -> OrderColumns {
        let state = &write.state;
        let due = |t: Option<Timestamp>| t.map(|t| t.as_millis());
        OrderColumns {
            id: state.order.id.to_string(),
            acceptance_due: due(state.timers.acceptance),
            reminder_due: due(state.timers.reminder),
            expiry_due: due(state.timers.expiry),
            last_command: state
                .last_command
                .as_ref()
                .map(|c| serde_json::to_string(c).expect("commands serialize")),
        }
    }
}
