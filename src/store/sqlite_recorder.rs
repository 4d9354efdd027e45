//! The webhook recorder's transaction on SQLite, run by the journal's writer thread on its own
//! connection (see `BlockingCommitter::record_attempts`).
//!
//! It leaves what `recorder` leaves, which PostgreSQL runs through sqlx and
//! which the delivery tests hold both engines to. It runs one-row statements, each prepared
//! once per connection: here a statement costs SQLite's work on its row, not a trip to another
//! thread, so the multi-row statements that pay for themselves through sqlx buy nothing.
//!
//! Like a batch commit, it can hand deliveries over: the next version of a queue whose head it
//! settled, when due at once, is leased to this node in the same transaction and sent without
//! a claim. A partner that answers an order's webhooks and acts on them is otherwise told of
//! the next change only after the recorder's commit, a nudge and a claim query.

use std::collections::{HashMap, HashSet};

use rampflow_actors::model::Timestamp;
use rampflow_actors::shard::ShardId;
use rampflow_actors::webhook::store::{AttemptOutcome, DueDelivery, NextStep, Release};
use rusqlite::{params, OptionalExtension, Transaction};

use super::deliveries::honoured_secrets;

/// One recorder transaction's settings.
pub(crate) struct Recording<'a> {
    /// This node: outcomes decide only its own claims, and handed-over heads are leased to it.
    pub(crate) node: &'a str,
    pub(crate) now: Timestamp,
    /// Until when handed-over heads are leased; `None`: none are, a claim finds them.
    pub(crate) hand_over: Option<Timestamp>,
}

/// A pending delivery of an order whose queue moved on.
struct Queued {
    event_id: String,
    endpoint_id: String,
    order_version: i64,
    head: bool,
    next_attempt_at: i64,
    leased_until: Option<i64>,
    attempts: i64,
    shard: i64,
}

impl Recording<'_> {
    /// Records `outcomes` and gives back `released` claims, in `tx`. An outcome decides its
    /// delivery only while this node still holds its lease; the queues whose head settled
    /// hand it to their next version. Returns the heads it leased, their secrets still sealed.
    pub(crate) fn record(
        &self,
        tx: &Transaction,
        outcomes: &[AttemptOutcome],
        released: &[Release],
    ) -> rusqlite::Result<Vec<DueDelivery>> {
        let (node, now) = (self.node, self.now.as_millis());
        // A second outcome for the same delivery in one batch finds it no longer leased (the
        // first cleared the lease), so it takes the unclaimed path, as it would one by one.
        let mut settled_orders: HashSet<&str> = HashSet::new();
        for outcome in outcomes {
            let (state, next_attempt_at) = match &outcome.next {
                NextStep::Delivered => ("delivered", now),
                NextStep::RetryAt(at) => ("pending", at.as_millis()),
                NextStep::Failed => ("failed", now),
            };
            if settle(tx, node, outcome, state, next_attempt_at, now)? {
                if state != "pending" {
                    settled_orders.insert(&outcome.order_id);
                }
            } else {
                settle_unclaimed(tx, outcome, state, now)?;
            }
            insert_attempt(tx, outcome)?;
        }
        // After every delivery settled above: a 410 fails what its endpoint still has pending,
        // including retries scheduled in this same batch, and leaves what was delivered alone.
        let mut disabled = HashSet::new();
        for outcome in outcomes.iter().filter(|o| o.disable_endpoint) {
            if disabled.insert(outcome.endpoint_id.as_str()) {
                disable_endpoint(tx, &outcome.endpoint_id, now)?;
            }
        }
        // Claims given back unattempted: only this very claim of this node (a later claim of the
        // same delivery, by the same node, keeps its own lease). The delivery keeps its place.
        for release in released {
            tx.prepare_cached(
                "UPDATE webhook_deliveries SET leased_until = NULL, leased_by = NULL
                 WHERE event_id = ?1 AND endpoint_id = ?2 AND leased_until = ?3
                   AND COALESCE(leased_by, '') = ?4",
            )?
            .execute(params![
                release.event_id,
                release.endpoint_id,
                release.lease_until.as_millis(),
                node
            ])?;
        }
        let mut leased = Vec::new();
        for order_id in settled_orders {
            self.next_heads(tx, order_id, &mut leased)?;
        }
        Ok(leased)
    }

    /// Makes the lowest pending version of each of the order's (order, endpoint) queues its
    /// head, and no other. Read by the partial index of pending deliveries by order; only rows
    /// whose `head` is wrong are written (usually none: the order's only pending delivery just
    /// settled). A new head that is due is leased and handed over, where this transaction
    /// hands over.
    fn next_heads(
        &self,
        tx: &Transaction,
        order_id: &str,
        leased: &mut Vec<DueDelivery>,
    ) -> rusqlite::Result<()> {
        let pending: Vec<Queued> = tx
            .prepare_cached(
                "SELECT event_id, endpoint_id, order_version, head, next_attempt_at,
                     leased_until, attempts, shard
                 FROM webhook_deliveries WHERE state = 'pending' AND order_id = ?1",
            )?
            .query_map([order_id], |row| {
                Ok(Queued {
                    event_id: row.get(0)?,
                    endpoint_id: row.get(1)?,
                    order_version: row.get(2)?,
                    head: row.get(3)?,
                    next_attempt_at: row.get(4)?,
                    leased_until: row.get(5)?,
                    attempts: row.get(6)?,
                    shard: row.get(7)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut lowest: HashMap<&str, i64> = HashMap::new();
        for queued in &pending {
            let queue = lowest
                .entry(&queued.endpoint_id)
                .or_insert(queued.order_version);
            *queue = (*queue).min(queued.order_version);
        }
        for queued in &pending {
            let head = lowest[queued.endpoint_id.as_str()] == queued.order_version;
            if head == queued.head {
                continue;
            }
            if head {
                if let Some(delivery) = self.lease_head(tx, order_id, queued)? {
                    leased.push(delivery);
                    continue;
                }
            }
            tx.prepare_cached(
                "UPDATE webhook_deliveries SET head = ?1 WHERE event_id = ?2 AND endpoint_id = ?3",
            )?
            .execute(params![head, queued.event_id, queued.endpoint_id])?;
        }
        Ok(())
    }

    /// Makes `queued` its queue's head and leases it to this node, if this transaction hands
    /// over, it is due and unleased, and its endpoint is live: what its attempt needs, secrets
    /// sealed. `None` leaves it to the caller, and to a claim.
    fn lease_head(
        &self,
        tx: &Transaction,
        order_id: &str,
        queued: &Queued,
    ) -> rusqlite::Result<Option<DueDelivery>> {
        let now = self.now.as_millis();
        let Some(until) = self.hand_over else {
            return Ok(None);
        };
        if queued.next_attempt_at > now || queued.leased_until.is_some_and(|until| until > now) {
            return Ok(None);
        }
        let endpoint = tx
            .prepare_cached(
                "SELECT url, secret, previous_secret, previous_secret_until
                 FROM webhook_endpoints
                 WHERE id = ?1 AND deleted_at IS NULL AND disabled_at IS NULL",
            )?
            .query_row([&queued.endpoint_id], |row| {
                let secrets = honoured_secrets(row.get(1)?, row.get(2)?, row.get(3)?, self.now);
                Ok((row.get::<_, String>(0)?, secrets))
            })
            .optional()?;
        let payload: Option<String> = tx
            .prepare_cached("SELECT payload FROM order_events WHERE id = ?1")?
            .query_row([&queued.event_id], |row| row.get(0))
            .optional()?;
        let (Some((url, secrets)), Some(payload)) = (endpoint, payload) else {
            return Ok(None);
        };
        tx.prepare_cached(
            "UPDATE webhook_deliveries SET head = 1, leased_by = ?1, leased_until = ?2
             WHERE event_id = ?3 AND endpoint_id = ?4",
        )?
        .execute(params![
            self.node,
            until.as_millis(),
            queued.event_id,
            queued.endpoint_id
        ])?;
        Ok(Some(DueDelivery {
            event_id: queued.event_id.clone(),
            endpoint_id: queued.endpoint_id.clone(),
            order_id: order_id.to_owned(),
            order_version: queued.order_version,
            shard: ShardId::new(queued.shard as u32),
            attempts: queued.attempts as u32,
            lease_until: until,
            url,
            secrets,
            payload,
        }))
    }
}

/// Settles an attempt's delivery if it is still `node`'s claim: its new state, its lease
/// cleared, and its head too unless it stays pending. Whether it was.
pub(crate) fn settle(
    tx: &Transaction,
    node: &str,
    outcome: &AttemptOutcome,
    state: &str,
    next_attempt_at: i64,
    now: i64,
) -> rusqlite::Result<bool> {
    // The node is compared through COALESCE, as in the recorder's statements elsewhere.
    let settled = tx
        .prepare_cached(
            "UPDATE webhook_deliveries SET state = ?1, attempts = ?2, next_attempt_at = ?3,
                 leased_until = NULL, head = CASE WHEN ?1 = 'pending' THEN head ELSE 0 END,
                 leased_by = NULL, last_status = ?4, last_error = ?5, updated_at = ?6
             WHERE event_id = ?7 AND endpoint_id = ?8 AND COALESCE(leased_by, '') = ?9",
        )?
        .execute(params![
            state,
            i64::from(outcome.attempts),
            next_attempt_at,
            outcome.status_code.map(i64::from),
            outcome.error,
            now,
            outcome.event_id,
            outcome.endpoint_id,
            node,
        ])?;
    Ok(settled == 1)
}

/// An outcome whose delivery is no longer this node's claim. Settled as failed meanwhile: the
/// attempt still counts, and a 2xx still means the receiver has it. A redelivery's reset
/// (pending again) is left to run.
fn settle_unclaimed(
    tx: &Transaction,
    outcome: &AttemptOutcome,
    state: &str,
    now: i64,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "UPDATE webhook_deliveries SET attempts = ?1, last_status = ?2, updated_at = ?3,
             state = CASE WHEN ?4 = 'delivered' THEN 'delivered' ELSE state END,
             last_error = CASE WHEN ?4 = 'delivered' THEN NULL ELSE last_error END
         WHERE event_id = ?5 AND endpoint_id = ?6 AND state = 'failed'",
    )?
    .execute(params![
        i64::from(outcome.attempts),
        outcome.status_code.map(i64::from),
        now,
        state,
        outcome.event_id,
        outcome.endpoint_id,
    ])?;
    Ok(())
}

/// The attempt's row.
pub(crate) fn insert_attempt(tx: &Transaction, outcome: &AttemptOutcome) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO webhook_attempts (event_id, endpoint_id, attempted_at, status_code,
             duration_ms, error, response_body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        outcome.event_id,
        outcome.endpoint_id,
        outcome.attempted_at.as_millis(),
        outcome.status_code.map(i64::from),
        outcome.duration_ms as i64,
        outcome.error,
        outcome.response_body,
    ])?;
    Ok(())
}

/// The receiver answered 410 Gone: the endpoint is disabled, and what it has pending fails.
fn disable_endpoint(tx: &Transaction, endpoint_id: &str, now: i64) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "UPDATE webhook_endpoints SET disabled_at = ?1 WHERE id = ?2 AND disabled_at IS NULL",
    )?
    .execute(params![now, endpoint_id])?;
    tx.prepare_cached(
        "UPDATE webhook_deliveries SET state = 'failed', head = 0, leased_until = NULL,
             leased_by = NULL,
             last_error = 'endpoint disabled: the receiver answered 410 Gone', updated_at = ?1
         WHERE endpoint_id = ?2 AND state = 'pending'",
    )?
    .execute(params![now, endpoint_id])?;
    Ok(())
}
