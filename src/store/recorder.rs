//! The webhook recorder's transaction through sqlx: attempts and their outcomes written in
//! batches, claims given back, and the `head` of each (endpoint, order) queue moved on when its
//! head settles (see `deliveries` for what a head is, and why the recorder locks order rows).
//! PostgreSQL's recorder runs here; SQLite's runs on the journal's thread and connection
//! (`sqlite_recorder`), and the delivery tests hold both to the same end state.
//!
//! On PostgreSQL the recorder also hands the queues' new heads over: right after its commit,
//! one statement leases those that are due to this node and returns them ready to send, so an
//! order's next webhook needs no claim.

use std::collections::{HashMap, HashSet};

use rampflow_actors::model::Timestamp;
use rampflow_actors::shard::ShardId;
use rampflow_actors::store::StoreError;
use rampflow_actors::webhook::store::{
    AttemptOutcome, DeliveryStore, DueDelivery, NextHeads, NextStep, Release,
};
use sqlx::{Any, Row, Transaction};

use super::batch::{statement_chunks, Placeholders};
use super::deliveries::secrets_of;
use super::order_writes::ready_to_send;
use super::{commit_error, store_error, DbRow, Engine, Store};

/// [`DeliveryStore::record_attempts`] through sqlx: one transaction for the batch, then, where
/// the store hands them over, the lease of the heads it made.
pub(crate) async fn record_attempts(
    store: &Store,
    node: &str,
    outcomes: &[AttemptOutcome],
    released: &[Release],
    next_heads: Option<NextHeads<'_>>,
) -> Result<Vec<DueDelivery>, StoreError> {
    if outcomes.is_empty() && released.is_empty() {
        return Ok(Vec::new());
    }
    let _turn = store.sqlite_write_turn().await;
    let mut tx = store.pool().begin().await.map_err(store_error)?;
    let recording = Recording {
        engine: store.engine(),
        node,
        now: Timestamp::now(),
    };
    let heads = recording
        .record(&mut tx, outcomes, released)
        .await
        .map_err(store_error)?;
    tx.commit().await.map_err(commit_error)?;
    let Some(next_heads) = next_heads.filter(|_| store.hands_over_next_heads()) else {
        return Ok(Vec::new());
    };
    // After the commit, in a statement of its own, so the recorder's transaction holds its
    // share locks on the order rows no longer than before (the journal's commits of those
    // orders wait for them). A claim may lease a head first; this statement passes over it.
    let leased = lease_heads(store, node, next_heads, recording.now, &heads).await;
    Ok(ready_to_send(store, leased))
}

/// On PostgreSQL, locks the rows of `order_ids` in id order, for the rest of the transaction
/// (a share lock, or an exclusive one with `exclusive`): see `deliveries`' module comment. SQLite
/// serializes writers already.
pub(crate) async fn lock_orders(
    tx: &mut Transaction<'_, Any>,
    engine: Engine,
    order_ids: &[&str],
    exclusive: bool,
) -> Result<(), sqlx::Error> {
    if engine != Engine::Postgres || order_ids.is_empty() {
        return Ok(());
    }
    let mut ids = order_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let style = Placeholders::for_engine(engine);
    // Chunks in id order, each locking in id order: the locks are taken in one order overall.
    for chunk in statement_chunks(&ids) {
        let sql = format!(
            "SELECT id FROM orders WHERE id IN ({}) ORDER BY id FOR {}",
            style.list(chunk.len()),
            if exclusive { "UPDATE" } else { "SHARE" }
        );
        let mut query = sqlx::query(&sql);
        for id in chunk {
            query = query.bind(*id);
        }
        query.fetch_all(&mut **tx).await?;
    }
    Ok(())
}

/// The recorder's statements for `rows` rows, exactly as it runs them (tests EXPLAIN them).
#[derive(Debug, Clone)]
pub struct RecordStatements {
    /// Settles attempts of deliveries this node still holds: now, then (event id, endpoint
    /// id, state, attempts, next attempt, last status, last error) per row, then the node.
    /// The node is compared through COALESCE so that the rows are found by primary key:
    /// `leased_by = $n` would let PostgreSQL, without statistics, walk the index of every
    /// leased row instead.
    pub settle: String,
    /// Gives claims back: (event id, endpoint id, lease until) per row, then the node.
    pub release: String,
    /// The pending deliveries of `rows` orders.
    pub pending_of_orders: String,
    /// Sets `head`: (event id, endpoint id, head) per row.
    pub set_heads: String,
}

/// The recorder's statements for `rows` rows on `engine`.
pub fn record_statements(engine: Engine, rows: usize) -> RecordStatements {
    recorder_sql(Placeholders::for_engine(engine), rows)
}

fn recorder_sql(style: Placeholders, rows: usize) -> RecordStatements {
    RecordStatements {
        settle: format!(
            "UPDATE webhook_deliveries SET state = v.column3, attempts = v.column4,
                 next_attempt_at = v.column5, leased_until = NULL,
                 head = CASE WHEN v.column3 = 'pending' THEN head ELSE 0 END,
                 leased_by = NULL, last_status = v.column6, last_error = v.column7,
                 updated_at = {}
             FROM (VALUES {}) AS v
             WHERE event_id = v.column1 AND endpoint_id = v.column2
               AND COALESCE(leased_by, '') = {}
             RETURNING event_id, endpoint_id",
            style.list(1),
            style.rows_after(1, rows, 7, ""),
            style.one(rows * 7 + 2),
        ),
        release: format!(
            "UPDATE webhook_deliveries SET leased_until = NULL, leased_by = NULL
             WHERE (event_id, endpoint_id, leased_until) IN (VALUES {})
               AND COALESCE(leased_by, '') = {}",
            style.rows(rows, 3),
            style.one(rows * 3 + 1),
        ),
        pending_of_orders: format!(
            "SELECT event_id, endpoint_id, order_id, order_version, head, shard
             FROM webhook_deliveries
             WHERE state = 'pending' AND order_id IN ({})",
            style.list(rows)
        ),
        set_heads: format!(
            "UPDATE webhook_deliveries SET head = v.column3 FROM (VALUES {}) AS v
             WHERE event_id = v.column1 AND endpoint_id = v.column2",
            style.rows(rows, 3)
        ),
    }
}

/// PostgreSQL's hand-over of new heads, exactly as it runs it for `rows` heads (tests EXPLAIN
/// it): leases those that are due and unleased, of live endpoints, and returns what their
/// attempt needs. Node, lease until, now, then (event id, endpoint id) per row.
///
/// The rows are locked with SKIP LOCKED: a claim leasing some of them at the same time locks
/// them in an order of its own, and waiting for it could deadlock. A row skipped is the claim's
/// to lease. The endpoint is joined (by primary key) so that a deleted or disabled one's
/// deliveries stay unleased; the payload is read by the event's primary key.
pub fn lease_heads_statement(rows: usize) -> String {
    let style = Placeholders::Numbered;
    format!(
        "WITH ready AS (
             SELECT d.event_id, d.endpoint_id FROM webhook_deliveries AS d
             JOIN (VALUES {rows}) AS v ON d.event_id = v.column1 AND d.endpoint_id = v.column2
             WHERE d.state NOT IN ('delivered', 'failed') AND d.head = 1
               AND d.next_attempt_at <= {now}
               AND (d.leased_until IS NULL OR d.leased_until <= {now})
             FOR UPDATE OF d SKIP LOCKED
         )
         UPDATE webhook_deliveries AS d SET leased_by = {node}, leased_until = {until}
         FROM ready, webhook_endpoints AS e
         WHERE d.event_id = ready.event_id AND d.endpoint_id = ready.endpoint_id
           AND e.id = d.endpoint_id AND e.deleted_at IS NULL AND e.disabled_at IS NULL
         RETURNING d.event_id, d.endpoint_id, d.order_id, d.order_version, d.attempts,
             d.shard, e.url, e.secret, e.previous_secret, e.previous_secret_until,
             (SELECT payload FROM order_events WHERE id = d.event_id) AS payload",
        node = style.one(1),
        until = style.one(2),
        now = style.one(3),
        rows = style.rows_after(3, rows, 2, ""),
    )
}

/// A pending delivery that [`recompute_heads`] made its queue's head.
pub(crate) struct NewHead {
    event_id: String,
    endpoint_id: String,
    shard: ShardId,
}

/// Makes the lowest pending version of each (order, endpoint) queue of `orders` its head, and
/// no other. The pending deliveries of those orders are read by the partial index of pending
/// deliveries by order, and only rows whose `head` is wrong are written, by primary key: two
/// statements that stay small whatever the backlog (in the usual case, an order's only
/// pending delivery just settled, the read finds nothing and nothing is written). Returns the
/// deliveries that became heads.
pub(crate) async fn recompute_heads(
    tx: &mut Transaction<'_, Any>,
    style: Placeholders,
    orders: &[&str],
) -> Result<Vec<NewHead>, sqlx::Error> {
    struct Pending {
        event_id: String,
        endpoint_id: String,
        order_id: String,
        version: i64,
        head: i64,
        shard: i64,
    }
    let mut pending: Vec<Pending> = Vec::new();
    for chunk in statement_chunks(orders) {
        let sql = recorder_sql(style, chunk.len()).pending_of_orders;
        let mut query = sqlx::query(&sql);
        for order_id in chunk {
            query = query.bind(*order_id);
        }
        for row in query.fetch_all(&mut **tx).await? {
            pending.push(Pending {
                event_id: row.try_get(0)?,
                endpoint_id: row.try_get(1)?,
                order_id: row.try_get(2)?,
                version: row.try_get(3)?,
                head: row.try_get(4)?,
                shard: row.try_get(5)?,
            });
        }
    }
    let mut lowest: HashMap<(&str, &str), i64> = HashMap::new();
    for p in &pending {
        let queue = lowest
            .entry((&p.order_id, &p.endpoint_id))
            .or_insert(p.version);
        *queue = (*queue).min(p.version);
    }
    let wrong: Vec<(&Pending, i64)> = pending
        .iter()
        .filter_map(|p| {
            let should =
                i64::from(lowest[&(p.order_id.as_str(), p.endpoint_id.as_str())] == p.version);
            (should != p.head).then_some((p, should))
        })
        .collect();
    for chunk in statement_chunks(&wrong) {
        let sql = recorder_sql(style, chunk.len()).set_heads;
        let mut query = sqlx::query(&sql);
        for (p, head) in chunk {
            query = query
                .bind(p.event_id.as_str())
                .bind(p.endpoint_id.as_str())
                .bind(*head);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(wrong
        .into_iter()
        .filter(|(_, head)| *head == 1)
        .map(|(p, _)| NewHead {
            event_id: p.event_id.clone(),
            endpoint_id: p.endpoint_id.clone(),
            shard: ShardId::new(p.shard as u32),
        })
        .collect())
}

/// Leases `heads` that are due and unleased, of live endpoints and of the shards `next_heads`
/// names, to `node` (PostgreSQL). Returns them with what their attempt needs, secrets sealed.
/// Each chunk of heads is a statement of its own, committed as it runs: when one fails, what
/// the chunks before it leased is returned all the same, and the rest is left to a claim.
async fn lease_heads(
    store: &Store,
    node: &str,
    next_heads: NextHeads<'_>,
    now: Timestamp,
    heads: &[NewHead],
) -> Vec<DueDelivery> {
    let served = |head: &&NewHead| next_heads.shards.is_none_or(|s| s.contains(&head.shard));
    let heads: Vec<&NewHead> = heads.iter().filter(served).collect();
    let mut leased = Vec::with_capacity(heads.len());
    for chunk in statement_chunks(&heads) {
        let sql = lease_heads_statement(chunk.len());
        let mut query = sqlx::query(&sql)
            .bind(node)
            .bind(next_heads.lease_until.as_millis())
            .bind(now.as_millis());
        for head in chunk {
            query = query
                .bind(head.event_id.as_str())
                .bind(head.endpoint_id.as_str());
        }
        let rows = match query.fetch_all(store.pool()).await {
            Ok(rows) => rows,
            Err(error) => {
                tracing::warn!(%error, "could not hand the next webhook deliveries over");
                break;
            }
        };
        for row in rows {
            match leased_head(&row, next_heads.lease_until, now) {
                Ok(delivery) => leased.push(delivery),
                // Leased and unreadable: its lease runs out and a claim takes it.
                Err(error) => {
                    tracing::error!(%error, "a handed-over webhook delivery is unreadable")
                }
            }
        }
    }
    leased
}

/// A row of [`lease_heads_statement`].
fn leased_head(
    row: &DbRow,
    lease_until: Timestamp,
    now: Timestamp,
) -> Result<DueDelivery, sqlx::Error> {
    Ok(DueDelivery {
        event_id: row.try_get("event_id")?,
        endpoint_id: row.try_get("endpoint_id")?,
        order_id: row.try_get("order_id")?,
        order_version: row.try_get("order_version")?,
        shard: ShardId::new(row.try_get::<i64, _>("shard")? as u32),
        attempts: row.try_get::<i64, _>("attempts")? as u32,
        lease_until,
        url: row.try_get("url")?,
        secrets: secrets_of(row, now)?,
        payload: row.try_get("payload")?,
    })
}

/// One recorder transaction through sqlx.
struct Recording<'a> {
    engine: Engine,
    /// This node: outcomes decide only its own claims.
    node: &'a str,
    now: Timestamp,
}

impl Recording<'_> {
    /// Records a batch of attempts, in as few statements as the batch allows: the claimed
    /// deliveries settle in multi-row `UPDATE … FROM (VALUES …)` statements and the attempts go in
    /// multi-row `INSERT`s. What is rare (an outcome whose claim was lost meanwhile, a 410 Gone)
    /// keeps a statement of its own. The end state is the one recording the outcomes one by one,
    /// in order, would leave. Released claims are cleared in the same transaction, and the
    /// deliveries that settled hand their queue's head to the next version. Returns the
    /// deliveries that became heads.
    async fn record(
        &self,
        tx: &mut Transaction<'_, Any>,
        outcomes: &[AttemptOutcome],
        released: &[Release],
    ) -> Result<Vec<NewHead>, sqlx::Error> {
        let (engine, node) = (self.engine, self.node);
        let style = Placeholders::for_engine(engine);
        let now = self.now.as_millis();
        let settles = |outcome: &AttemptOutcome| !matches!(outcome.next, NextStep::RetryAt(_));
        let settling: Vec<&str> = outcomes
            .iter()
            .filter(|o| settles(o))
            .map(|o| o.order_id.as_str())
            .collect();
        lock_orders(tx, engine, &settling, false).await?;
        let state_of = |outcome: &AttemptOutcome| match &outcome.next {
            NextStep::Delivered => ("delivered", now),
            NextStep::RetryAt(at) => ("pending", at.as_millis()),
            NextStep::Failed => ("failed", now),
        };
        // A second outcome for the same delivery in one batch finds it no longer leased (the
        // first cleared the lease), so it takes the unclaimed path below, as it would one by one.
        let mut keys = HashSet::with_capacity(outcomes.len());
        let (mut first, mut repeats) = (Vec::with_capacity(outcomes.len()), Vec::new());
        for outcome in outcomes {
            if keys.insert((outcome.event_id.as_str(), outcome.endpoint_id.as_str())) {
                first.push(outcome);
            } else {
                repeats.push(outcome);
            }
        }
        // The outcome decides the delivery only while the delivery is still this node's claim. A
        // delete, another attempt's 410 or a redelivery may have settled or reset it meanwhile
        // (each clears the lease), and another node may have claimed it after the lease lapsed.
        // VALUES columns are named column1, column2, … on both engines.
        let claimed = settle_claimed(tx, style, node, &first, now, state_of).await?;
        let unclaimed = first
            .iter()
            .filter(|o| !claimed.contains(&(o.event_id.clone(), o.endpoint_id.clone())))
            .chain(&repeats);
        for outcome in unclaimed {
            // Settled as failed meanwhile: the attempt still counts, and a 2xx still means the
            // receiver has it. A redelivery's reset (pending again) is left to run.
            sqlx::query(
                "UPDATE webhook_deliveries SET attempts = $1, last_status = $2, updated_at = $3,
                 state = CASE WHEN $4 = 'delivered' THEN 'delivered' ELSE state END,
                 last_error = CASE WHEN $4 = 'delivered' THEN NULL ELSE last_error END
             WHERE event_id = $5 AND endpoint_id = $6 AND state = 'failed'",
            )
            .bind(i64::from(outcome.attempts))
            .bind(outcome.status_code.map(i64::from))
            .bind(now)
            .bind(state_of(outcome).0)
            .bind(&outcome.event_id)
            .bind(&outcome.endpoint_id)
            .execute(&mut **tx)
            .await?;
        }
        insert_attempts(tx, style, outcomes.iter()).await?;
        // After every delivery settled above: a 410 fails what its endpoint still has pending,
        // including retries scheduled in this same batch, and leaves what was delivered alone.
        let mut disabled = HashSet::new();
        for outcome in outcomes.iter().filter(|o| o.disable_endpoint) {
            if !disabled.insert(outcome.endpoint_id.as_str()) {
                continue;
            }
            sqlx::query(
            "UPDATE webhook_endpoints SET disabled_at = $1 WHERE id = $2 AND disabled_at IS NULL",
        )
        .bind(now)
        .bind(&outcome.endpoint_id)
        .execute(&mut **tx)
        .await?;
            sqlx::query(
                "UPDATE webhook_deliveries SET state = 'failed', head = 0, leased_until = NULL,
                 leased_by = NULL,
                 last_error = 'endpoint disabled: the receiver answered 410 Gone', updated_at = $1
             WHERE endpoint_id = $2 AND state = 'pending'",
            )
            .bind(now)
            .bind(&outcome.endpoint_id)
            .execute(&mut **tx)
            .await?;
        }
        // Claims given back unattempted: only this very claim of this node (a later claim of the
        // same delivery, by the same node, keeps its own lease). The delivery keeps its place.
        for chunk in statement_chunks(released) {
            let sql = recorder_sql(style, chunk.len()).release;
            let mut query = sqlx::query(&sql);
            for release in chunk {
                query = query
                    .bind(release.event_id.as_str())
                    .bind(release.endpoint_id.as_str())
                    .bind(release.lease_until.as_millis());
            }
            query.bind(node).execute(&mut **tx).await?;
        }
        // The next version of each queue whose head settled.
        let settled: Vec<&str> = first
            .iter()
            .filter(|o| {
                settles(o) && claimed.contains(&(o.event_id.clone(), o.endpoint_id.clone()))
            })
            .map(|o| o.order_id.as_str())
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        recompute_heads(tx, style, &settled).await
    }
}

/// Settles `outcomes` whose delivery is still this node's claim, in multi-row statements;
/// `state_of` gives each outcome's new state and next attempt time. Returns the deliveries that
/// were (event id, endpoint id); the others were settled, reset or claimed by another node
/// meanwhile.
async fn settle_claimed(
    tx: &mut Transaction<'_, Any>,
    style: Placeholders,
    node: &str,
    outcomes: &[&AttemptOutcome],
    now: i64,
    state_of: impl Fn(&AttemptOutcome) -> (&'static str, i64),
) -> Result<HashSet<(String, String)>, sqlx::Error> {
    let mut claimed = HashSet::with_capacity(outcomes.len());
    for chunk in statement_chunks(outcomes) {
        let sql = recorder_sql(style, chunk.len()).settle;
        let mut query = sqlx::query(&sql).bind(now);
        for outcome in chunk {
            let (state, next_attempt_at) = state_of(outcome);
            query = query
                .bind(outcome.event_id.as_str())
                .bind(outcome.endpoint_id.as_str())
                .bind(state)
                .bind(i64::from(outcome.attempts))
                .bind(next_attempt_at)
                .bind(outcome.status_code.map(i64::from))
                .bind(outcome.error.as_deref());
        }
        for row in query.bind(node).fetch_all(&mut **tx).await? {
            claimed.insert((row.try_get(0)?, row.try_get(1)?));
        }
    }
    Ok(claimed)
}

/// The attempts' rows, in multi-row `INSERT`s.
async fn insert_attempts<'o>(
    tx: &mut Transaction<'_, Any>,
    style: Placeholders,
    outcomes: impl Iterator<Item = &'o AttemptOutcome>,
) -> Result<(), sqlx::Error> {
    let outcomes: Vec<&AttemptOutcome> = outcomes.collect();
    for chunk in statement_chunks(&outcomes) {
        let sql = format!(
            "INSERT INTO webhook_attempts (event_id, endpoint_id, attempted_at, status_code,
                 duration_ms, error, response_body)
             VALUES {}",
            style.rows(chunk.len(), 7)
        );
        let mut query = sqlx::query(&sql);
        for outcome in chunk {
            query = query
                .bind(outcome.event_id.as_str())
                .bind(outcome.endpoint_id.as_str())
                .bind(outcome.attempted_at.as_millis())
                .bind(outcome.status_code.map(i64::from))
                .bind(outcome.duration_ms as i64)
                .bind(outcome.error.as_deref())
                .bind(outcome.response_body.as_deref());
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// For the journal's transaction on PostgreSQL: records delivered attempts it holds (see
/// `DeliveredUnrecorded`) as the recorder would, the delivery settled (its lease and head
/// cleared) and the attempt kept, for those still this node's claim. Returns those; the others
/// go back to the recorder, which records such an attempt its own way. The caller has locked
/// the deliveries' order rows (its compare-and-set), as the recorder's share lock would.
pub(crate) async fn record_delivered_in_journal(
    tx: &mut Transaction<'_, Any>,
    style: Placeholders,
    node: &str,
    outcomes: &[AttemptOutcome],
) -> Result<HashSet<(String, String)>, sqlx::Error> {
    let now = Timestamp::now().as_millis();
    let outcomes: Vec<&AttemptOutcome> = outcomes.iter().collect();
    let claimed = settle_claimed(tx, style, node, &outcomes, now, |_| ("delivered", now)).await?;
    let recorded = outcomes
        .into_iter()
        .filter(|o| claimed.contains(&(o.event_id.clone(), o.endpoint_id.clone())));
    insert_attempts(tx, style, recorded).await?;
    Ok(claimed)
}
