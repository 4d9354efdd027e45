//! Webhook deliveries: the fan-out written with each order event, claiming due deliveries,
//! and recording attempts.

use std::collections::HashSet;

use async_trait::async_trait;
use rampflow_actors::model::Timestamp;
use rampflow_actors::store::StoreError;
use rampflow_actors::webhook::store::{AttemptOutcome, DeliveryStore, DueDelivery, NextStep};
use sqlx::{Any, Row, Transaction};

use super::batch::{statement_chunks, Placeholders};
use super::{store_error, Store};

#[async_trait]
impl DeliveryStore for Store {
    async fn claim_due(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> Result<Vec<DueDelivery>, StoreError> {
        // The head of each (endpoint, order) queue only: no earlier version still pending.
        let rows = sqlx::query(
            "SELECT d.event_id, d.endpoint_id, d.order_id, d.order_version, d.attempts,
                    e.url, e.secret, e.previous_secret, e.previous_secret_until, ev.payload
             FROM webhook_deliveries d
             JOIN webhook_endpoints e ON e.id = d.endpoint_id
             JOIN order_events ev ON ev.id = d.event_id
             WHERE d.state = 'pending' AND d.next_attempt_at <= $1
               AND (d.leased_until IS NULL OR d.leased_until <= $1)
               AND e.deleted_at IS NULL AND e.disabled_at IS NULL
               AND NOT EXISTS (
                   SELECT 1 FROM webhook_deliveries p
                   WHERE p.endpoint_id = d.endpoint_id AND p.order_id = d.order_id
                     AND p.state = 'pending' AND p.order_version < d.order_version)
             ORDER BY d.next_attempt_at
             LIMIT $2",
        )
        .bind(now.as_millis())
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await
        .map_err(store_error)?;
        let mut due = Vec::with_capacity(rows.len());
        for row in &rows {
            let previous: Option<String> = row.try_get("previous_secret").map_err(store_error)?;
            let previous_until: Option<i64> =
                row.try_get("previous_secret_until").map_err(store_error)?;
            let mut secrets = vec![row.try_get::<String, _>("secret").map_err(store_error)?];
            if let (Some(previous), Some(until)) = (previous, previous_until) {
                if until > now.as_millis() {
                    secrets.push(previous);
                }
            }
            let attempts: i64 = row.try_get("attempts").map_err(store_error)?;
            due.push(DueDelivery {
                event_id: row.try_get("event_id").map_err(store_error)?,
                endpoint_id: row.try_get("endpoint_id").map_err(store_error)?,
                order_id: row.try_get("order_id").map_err(store_error)?,
                order_version: row.try_get("order_version").map_err(store_error)?,
                attempts: attempts as u32,
                url: row.try_get("url").map_err(store_error)?,
                secrets,
                payload: row.try_get("payload").map_err(store_error)?,
            });
        }
        if due.is_empty() {
            return Ok(due);
        }
        // One transaction leases the whole batch, a statement per up to 128 deliveries (one per
        // delivery made the lease cost more than the claim query). It starts with a write, so
        // SQLite takes its write lock up front instead of failing to upgrade a read.
        let style = Placeholders::for_engine(self.engine());
        let mut tx = self.pool().begin().await.map_err(store_error)?;
        for chunk in statement_chunks(&due) {
            let sql = format!(
                "UPDATE webhook_deliveries SET leased_until = {}
                 WHERE (event_id, endpoint_id) IN (VALUES {})",
                style.list(1),
                style.rows_after(1, chunk.len(), 2, "")
            );
            let mut query = sqlx::query(&sql).bind(lease_until.as_millis());
            for delivery in chunk {
                query = query.bind(&delivery.event_id).bind(&delivery.endpoint_id);
            }
            query.execute(&mut *tx).await.map_err(store_error)?;
        }
        tx.commit().await.map_err(store_error)?;
        Ok(due)
    }

    async fn record_attempts(&self, outcomes: &[AttemptOutcome]) -> Result<(), StoreError> {
        if outcomes.is_empty() {
            return Ok(());
        }
        let style = Placeholders::for_engine(self.engine());
        let mut tx = self.pool().begin().await.map_err(store_error)?;
        record(&mut tx, style, outcomes, Timestamp::now())
            .await
            .map_err(store_error)?;
        tx.commit().await.map_err(store_error)
    }

    /// Fails pending deliveries whose endpoint was disabled or deleted. Disabling and deleting
    /// fail what is pending at that moment, but under PostgreSQL's read committed an order
    /// event committing at the same time can still fan out to the endpoint; nothing would ever
    /// send those. Checked with a read first, so the usual case writes nothing.
    async fn fail_orphaned_deliveries(&self, now: Timestamp) -> Result<(), StoreError> {
        let orphan = sqlx::query(
            "SELECT 1 FROM webhook_endpoints e
             WHERE (e.disabled_at IS NOT NULL OR e.deleted_at IS NOT NULL)
               AND EXISTS (SELECT 1 FROM webhook_deliveries d
                           WHERE d.endpoint_id = e.id AND d.state = 'pending')
             LIMIT 1",
        )
        .fetch_optional(self.pool())
        .await
        .map_err(store_error)?;
        if orphan.is_none() {
            return Ok(());
        }
        sqlx::query(
            "UPDATE webhook_deliveries SET state = 'failed', leased_until = NULL,
                 last_error = 'endpoint disabled or deleted', updated_at = $1
             WHERE state = 'pending' AND endpoint_id IN (
                 SELECT id FROM webhook_endpoints
                 WHERE disabled_at IS NOT NULL OR deleted_at IS NOT NULL)",
        )
        .bind(now.as_millis())
        .execute(self.pool())
        .await
        .map(|_| ())
        .map_err(store_error)
    }

    async fn release_leases(&self) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE webhook_deliveries SET leased_until = NULL WHERE leased_until IS NOT NULL",
        )
        .execute(self.pool())
        .await
        .map(|_| ())
        .map_err(store_error)
    }
}

/// Records a batch of attempts, in as few statements as the batch allows: the claimed
/// deliveries settle in multi-row `UPDATE … FROM (VALUES …)` statements and the attempts go in
/// multi-row `INSERT`s. What is rare (an outcome whose claim was lost meanwhile, a 410 Gone)
/// keeps a statement of its own. The end state is the one recording the outcomes one by one,
/// in order, would leave.
async fn record(
    tx: &mut Transaction<'_, Any>,
    style: Placeholders,
    outcomes: &[AttemptOutcome],
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    let now = now.as_millis();
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
    // The outcome decides the delivery only while the delivery is still this attempt's claim.
    // A delete, another attempt's 410 or a redelivery may have settled or reset it meanwhile
    // (each clears the lease). VALUES columns are named column1, column2, … on both engines.
    let mut claimed: HashSet<(String, String)> = HashSet::with_capacity(first.len());
    for chunk in statement_chunks(&first) {
        let sql = format!(
            "UPDATE webhook_deliveries SET state = v.column3, attempts = v.column4,
                 next_attempt_at = v.column5, leased_until = NULL, last_status = v.column6,
                 last_error = v.column7, updated_at = {}
             FROM (VALUES {}) AS v
             WHERE event_id = v.column1 AND endpoint_id = v.column2
               AND leased_until IS NOT NULL
             RETURNING event_id, endpoint_id",
            style.list(1),
            style.rows_after(1, chunk.len(), 7, "")
        );
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
        for row in query.fetch_all(&mut **tx).await? {
            claimed.insert((row.try_get(0)?, row.try_get(1)?));
        }
    }
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
    for chunk in statement_chunks(outcomes) {
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
            "UPDATE webhook_deliveries SET state = 'failed', leased_until = NULL,
                 last_error = 'endpoint disabled: the receiver answered 410 Gone', updated_at = $1
             WHERE endpoint_id = $2 AND state = 'pending'",
        )
        .bind(now)
        .bind(&outcome.endpoint_id)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Webhook figures for `GET /metrics`, counted at scrape time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebhookGauges {
    /// Deliveries neither delivered nor failed yet.
    pub pending: i64,
    /// Endpoints (not deleted) disabled after a 410 Gone.
    pub endpoints_disabled: i64,
}

/// Pending deliveries of one endpoint, for ops.
#[derive(Debug, Clone)]
pub struct EndpointBacklog {
    pub endpoint_id: String,
    pub pending: i64,
    pub disabled: bool,
}

impl Store {
    /// Pending deliveries per endpoint that has any, largest backlog first (at most `limit`).
    pub async fn webhook_backlog(&self, limit: u32) -> Result<Vec<EndpointBacklog>, StoreError> {
        let rows = sqlx::query(
            "SELECT d.endpoint_id, COUNT(*) AS pending, MAX(e.disabled_at) AS disabled_at
             FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
             WHERE d.state = 'pending'
             GROUP BY d.endpoint_id
             ORDER BY pending DESC, d.endpoint_id
             LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await
        .map_err(store_error)?;
        rows.iter()
            .map(|row| {
                let disabled_at: Option<i64> = row.try_get("disabled_at").map_err(store_error)?;
                Ok(EndpointBacklog {
                    endpoint_id: row.try_get("endpoint_id").map_err(store_error)?,
                    pending: row.try_get("pending").map_err(store_error)?,
                    disabled: disabled_at.is_some(),
                })
            })
            .collect()
    }

    /// Two counts, each served by an index or a small table; cheap enough for every scrape.
    pub async fn webhook_gauges(&self) -> Result<WebhookGauges, StoreError> {
        let row = sqlx::query(
            "SELECT
                 (SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'pending') AS pending,
                 (SELECT COUNT(*) FROM webhook_endpoints
                  WHERE disabled_at IS NOT NULL AND deleted_at IS NULL) AS endpoints_disabled",
        )
        .fetch_one(self.pool())
        .await
        .map_err(store_error)?;
        Ok(WebhookGauges {
            pending: row.try_get("pending").map_err(store_error)?,
            endpoints_disabled: row.try_get("endpoints_disabled").map_err(store_error)?,
        })
    }
}
