//! Webhook deliveries: claiming due deliveries, and the `head` of each (endpoint, order) queue.
//! Recording attempts is `recorder`'s (PostgreSQL's) and `sqlite_recorder`'s.
//!
//! Only the head of a queue (the pending delivery with the lowest order version) may be sent,
//! so events reach an endpoint in version order. The head is a column, kept by every write
//! that changes which delivery it is: the fan-out (`order_writes`), settling an attempt
//! (`recorder`), and a redelivery (`webhooks`). A claim then reads one partial index of ready
//! deliveries, `(next_attempt_at) WHERE state = 'pending' AND head = 1`, whatever the backlog
//! behind the heads and whatever the planner knows about the table.
//!
//! **Why the recorder locks order rows.** On PostgreSQL (read committed) a journal transaction
//! fanning out v2 of an order looks for a pending delivery of its (endpoint, order) to decide
//! whether v2 is the head, while the recorder may be settling v1 and looking for the next
//! version to promote. Each would miss the other's uncommitted row and v2 would wait forever
//! with head = 0. The journal updates the order's row (compare-and-set on its version) before
//! it fans out, so the recorder takes a share lock on the order rows of the deliveries it
//! settles before it touches them (in id order, as the journal does, so neither deadlocks).
//! Whichever comes second waits for the first to commit, and its next statement sees the
//! first's rows: the recorder then promotes v2, or the journal writes v2 as the head. A
//! redelivery, which moves heads too, locks the order row exclusively, so it also waits for (or
//! holds off) a recorder settling one of the order's deliveries. SQLite runs one writer at a
//! time, so it needs no lock.
//!
//! Statements that find deliveries by primary key are written so that no partial index's
//! predicate matches them (`state NOT IN (…)`, `COALESCE(leased_by, '')`): on a table without
//! planner statistics PostgreSQL otherwise prefers to walk a whole partial index it believes
//! small. `tests/api/delivery_claim_plan.rs` checks the claim's plans on such a table.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use rampflow_actors::model::Timestamp;
use rampflow_actors::shard::ShardId;
use rampflow_actors::store::StoreError;
use rampflow_actors::webhook::store::{
    AttemptOutcome, ClaimRequest, DeliveryStore, DueDelivery, NextHeads, Release,
};
use sqlx::Row;

use super::batch::{statement_chunks, Placeholders};
use super::{store_error, DbRow, Engine, Store};

/// A ready delivery found by the claim's first query, not leased yet.
struct Candidate {
    event_id: String,
    endpoint_id: String,
    order_id: String,
    order_version: i64,
    attempts: i64,
    shard: i64,
}

/// The statements a claim runs, exactly as it runs them (tests EXPLAIN them).
#[derive(Debug, Clone)]
pub struct ClaimStatements {
    /// Ready deliveries: `$1` now, `$2` the limit, then the endpoints passed over (numbered
    /// on both engines: `$1` is used twice). One table, one index, no join.
    pub candidates: String,
    /// Leases `rows` candidates: lease until, node, (event id, endpoint id) per row, then now.
    /// Only rows still ready and unleased are leased.
    pub lease: String,
    /// Which of `rows` candidates this claim leased, once the lease's row count says another
    /// claim took some first: node, lease until, then (event id, endpoint id) per row. By
    /// primary key: the node is compared through COALESCE, so that no index of leased rows
    /// is needed (SQLite has none) nor walked.
    pub read_back: String,
    /// The live endpoints among `rows` ids.
    pub endpoints: String,
    /// The payloads of `rows` event ids.
    pub payloads: String,
}

/// The claim's statements for `rows` deliveries, of `shards` (every shard when `None`),
/// passing over `skipped` endpoints (bound after the limit).
pub fn claim_statements(
    engine: Engine,
    shards: Option<&[ShardId]>,
    skipped: usize,
    rows: usize,
) -> ClaimStatements {
    let style = Placeholders::for_engine(engine);
    // Shard numbers are ours, not a caller's, so they are written in: a node serves a set of
    // shards that rarely changes, and each set is one statement text.
    let shard_filter = match shards {
        None => String::new(),
        Some(shards) => {
            let list: Vec<String> = shards.iter().map(|s| s.get().to_string()).collect();
            format!(" AND shard IN ({})", list.join(", "))
        }
    };
    let skip_filter = match skipped {
        0 => String::new(),
        n => format!(
            " AND endpoint_id NOT IN ({})",
            Placeholders::Numbered.list_after(2, n)
        ),
    };
    ClaimStatements {
        candidates: format!(
            "SELECT event_id, endpoint_id, order_id, order_version, attempts, shard
             FROM webhook_deliveries
             WHERE state = 'pending' AND head = 1 AND next_attempt_at <= $1
               AND (leased_until IS NULL OR leased_until <= $1){shard_filter}{skip_filter}
             ORDER BY next_attempt_at
             LIMIT $2"
        ),
        // The conditions again: another node may have claimed a row since the query above
        // (around a shard handover two nodes may claim at once), and its lease stands; or
        // settled it. "Not settled" and `head <> 0` say `state = 'pending' AND head = 1` in
        // words no partial index's predicate matches: without statistics PostgreSQL would
        // otherwise walk a whole partial index (believing it small) and match each row
        // against the list, instead of finding the rows by primary key.
        lease: format!(
            "UPDATE webhook_deliveries SET leased_until = {lease}, leased_by = {node}
             WHERE (event_id, endpoint_id) IN (VALUES {rows})
               AND state NOT IN ('delivered', 'failed') AND head <> 0
               AND (leased_until IS NULL OR leased_until <= {now})",
            lease = style.one(1),
            node = style.one(2),
            rows = style.rows_after(2, rows, 2, ""),
            now = style.one(rows * 2 + 3),
        ),
        read_back: format!(
            "SELECT event_id, endpoint_id FROM webhook_deliveries
             WHERE COALESCE(leased_by, '') = {node} AND leased_until = {lease}
               AND (event_id, endpoint_id) IN (VALUES {rows})",
            node = style.one(1),
            lease = style.one(2),
            rows = style.rows_after(2, rows, 2, ""),
        ),
        endpoints: format!(
            "SELECT id, url, secret, previous_secret, previous_secret_until
             FROM webhook_endpoints
             WHERE id IN ({}) AND deleted_at IS NULL AND disabled_at IS NULL",
            style.list(rows)
        ),
        payloads: format!(
            "SELECT id, payload FROM order_events WHERE id IN ({})",
            style.list(rows)
        ),
    }
}

#[async_trait]
impl DeliveryStore for Store {
    async fn claim_due(&self, claim: ClaimRequest<'_>) -> Result<Vec<DueDelivery>, StoreError> {
        if claim.shards.is_some_and(<[ShardId]>::is_empty) {
            return Ok(Vec::new());
        }
        let now = claim.now.as_millis();
        let sql =
            claim_statements(self.engine(), claim.shards, claim.skip_endpoints.len(), 0).candidates;
        let mut query = sqlx::query(&sql).bind(now).bind(i64::from(claim.limit));
        for endpoint_id in claim.skip_endpoints {
            query = query.bind(endpoint_id.as_str());
        }
        let candidates: Vec<Candidate> = query
            .fetch_all(self.pool())
            .await
            .map_err(store_error)?
            .iter()
            .map(|row| {
                Ok(Candidate {
                    event_id: row.try_get(0)?,
                    endpoint_id: row.try_get(1)?,
                    order_id: row.try_get(2)?,
                    order_version: row.try_get(3)?,
                    attempts: row.try_get(4)?,
                    shard: row.try_get(5)?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(store_error)?;
        if candidates.is_empty() {
            return Ok(Vec::new());
        }
        let leased = lease(self, &claim, &candidates)
            .await
            .map_err(store_error)?;
        let candidates: Vec<Candidate> = match leased {
            None => candidates,
            Some(leased) => candidates
                .into_iter()
                .filter(|c| leased.contains(&(c.event_id.clone(), c.endpoint_id.clone())))
                .collect(),
        };
        if candidates.is_empty() {
            return Ok(Vec::new());
        }
        let endpoints = claimed_endpoints(self, &candidates, claim.now)
            .await
            .map_err(store_error)?;
        let payloads = claimed_payloads(self, &candidates)
            .await
            .map_err(store_error)?;
        // A delivery whose endpoint was deleted or disabled meanwhile keeps its lease until
        // the orphan sweep fails it: giving it back would only have it claimed again.
        Ok(candidates
            .into_iter()
            .filter_map(|c| {
                let (url, secrets) = endpoints.get(&c.endpoint_id)?.clone();
                let payload = payloads.get(&c.event_id)?.clone();
                Some(DueDelivery {
                    event_id: c.event_id,
                    endpoint_id: c.endpoint_id,
                    order_id: c.order_id,
                    order_version: c.order_version,
                    shard: ShardId::new(c.shard as u32),
                    attempts: c.attempts as u32,
                    lease_until: claim.lease_until,
                    url,
                    secrets,
                    payload,
                })
            })
            .collect())
    }

    async fn record_attempts(
        &self,
        node: &str,
        outcomes: &[AttemptOutcome],
        released: &[Release],
        next_heads: Option<NextHeads<'_>>,
    ) -> Result<Vec<DueDelivery>, StoreError> {
        super::recorder::record_attempts(self, node, outcomes, released, next_heads).await
    }

    /// On PostgreSQL. SQLite's recorder writes on the journal's thread, which hands them over
    /// itself (`sqlite_recorder`); through sqlx it leaves them to a claim.
    fn hands_over_next_heads(&self) -> bool {
        self.engine() == Engine::Postgres
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
            "UPDATE webhook_deliveries SET state = 'failed', head = 0, leased_until = NULL,
                 leased_by = NULL, last_error = 'endpoint disabled or deleted', updated_at = $1
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

    async fn release_leases_at_boot(&self) -> Result<(), StoreError> {
        if self.engine() != Engine::Sqlite {
            return Ok(());
        }
        sqlx::query(
            "UPDATE webhook_deliveries SET leased_until = NULL, leased_by = NULL
             WHERE leased_until IS NOT NULL",
        )
        .execute(self.pool())
        .await
        .map(|_| ())
        .map_err(store_error)
    }

    async fn release_leases_held_by(&self, nodes: &[String]) -> Result<u64, StoreError> {
        let style = Placeholders::for_engine(self.engine());
        let mut released = 0;
        for chunk in statement_chunks(nodes) {
            let sql = format!(
                "UPDATE webhook_deliveries SET leased_until = NULL, leased_by = NULL
                 WHERE leased_by IS NOT NULL AND leased_by IN ({})",
                style.list(chunk.len())
            );
            let mut query = sqlx::query(&sql);
            for node in chunk {
                query = query.bind(node.as_str());
            }
            released += query
                .execute(self.pool())
                .await
                .map_err(store_error)?
                .rows_affected();
        }
        Ok(released)
    }

    async fn live_endpoints(&self, endpoint_ids: &[String]) -> Result<HashSet<String>, StoreError> {
        let style = Placeholders::for_engine(self.engine());
        let mut live = HashSet::with_capacity(endpoint_ids.len());
        for chunk in statement_chunks(endpoint_ids) {
            let sql = format!(
                "SELECT id FROM webhook_endpoints
                 WHERE id IN ({}) AND deleted_at IS NULL AND disabled_at IS NULL",
                style.list(chunk.len())
            );
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(id.as_str());
            }
            for row in query.fetch_all(self.pool()).await.map_err(store_error)? {
                live.insert(row.try_get(0).map_err(store_error)?);
            }
        }
        Ok(live)
    }
}

/// Leases the candidates, a statement per up to 128 of them, in one transaction that starts
/// with a write (so SQLite takes its write lock up front instead of failing to upgrade a
/// read). The row count says whether every candidate was leased, the usual case (`None`);
/// when not, the rows this claim leased are read back.
async fn lease(
    store: &Store,
    claim: &ClaimRequest<'_>,
    candidates: &[Candidate],
) -> Result<Option<HashSet<(String, String)>>, sqlx::Error> {
    let _turn = store.sqlite_write_turn().await;
    let mut tx = store.pool().begin().await?;
    let mut leased = 0;
    for chunk in statement_chunks(candidates) {
        let sql = claim_statements(store.engine(), None, 0, chunk.len()).lease;
        let mut query = sqlx::query(&sql)
            .bind(claim.lease_until.as_millis())
            .bind(claim.node);
        for candidate in chunk {
            query = query
                .bind(candidate.event_id.as_str())
                .bind(candidate.endpoint_id.as_str());
        }
        query = query.bind(claim.now.as_millis());
        leased += query.execute(&mut *tx).await?.rows_affected();
    }
    if leased == candidates.len() as u64 {
        tx.commit().await?;
        return Ok(None);
    }
    // Another claim took some meanwhile. This claim's rows carry its node and lease time.
    let mut mine = HashSet::new();
    for chunk in statement_chunks(candidates) {
        let sql = claim_statements(store.engine(), None, 0, chunk.len()).read_back;
        let mut query = sqlx::query(&sql)
            .bind(claim.node)
            .bind(claim.lease_until.as_millis());
        for candidate in chunk {
            query = query
                .bind(candidate.event_id.as_str())
                .bind(candidate.endpoint_id.as_str());
        }
        for row in query.fetch_all(&mut *tx).await? {
            mine.insert((row.try_get(0)?, row.try_get(1)?));
        }
    }
    tx.commit().await?;
    Ok(Some(mine))
}

/// URL and signing secrets of the live endpoints among the candidates', by id.
async fn claimed_endpoints(
    store: &Store,
    candidates: &[Candidate],
    now: Timestamp,
) -> Result<HashMap<String, (String, Vec<String>)>, sqlx::Error> {
    let ids: Vec<&str> = candidates
        .iter()
        .map(|c| c.endpoint_id.as_str())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut endpoints = HashMap::with_capacity(ids.len());
    for chunk in statement_chunks(&ids) {
        let sql = claim_statements(store.engine(), None, 0, chunk.len()).endpoints;
        let mut query = sqlx::query(&sql);
        for id in chunk {
            query = query.bind(*id);
        }
        for row in query.fetch_all(store.pool()).await? {
            let id: String = row.try_get("id")?;
            let secrets = secrets_of(&row, now)?;
            // Sealed secrets are opened here, just before signing; one that does not open
            // keeps its deliveries leased (and is logged) rather than failing the whole claim.
            let Some(secrets) = open_secrets(store, &id, secrets) else {
                continue;
            };
            endpoints.insert(id, (row.try_get("url")?, secrets));
        }
    }
    Ok(endpoints)
}

/// An endpoint row's signing secrets, still sealed: the current one, and the previous one
/// while it is valid at `now` (columns `secret`, `previous_secret`, `previous_secret_until`).
pub(crate) fn secrets_of(row: &DbRow, now: Timestamp) -> Result<Vec<String>, sqlx::Error> {
    Ok(honoured_secrets(
        row.try_get("secret")?,
        row.try_get("previous_secret")?,
        row.try_get("previous_secret_until")?,
        now,
    ))
}

/// The secrets a delivery is signed with: the current one, and the previous one until the end
/// of its rotation's overlap (`previous_until`, milliseconds).
pub(crate) fn honoured_secrets(
    current: String,
    previous: Option<String>,
    previous_until: Option<i64>,
    now: Timestamp,
) -> Vec<String> {
    let mut secrets = vec![current];
    if let (Some(previous), Some(until)) = (previous, previous_until) {
        if until > now.as_millis() {
            secrets.push(previous);
        }
    }
    secrets
}

/// The endpoint's secrets in the clear; `None` (logged) if one does not open.
pub(crate) fn open_secrets(store: &Store, id: &str, sealed: Vec<String>) -> Option<Vec<String>> {
    let record = crate::keys::Record::WebhookEndpoint { id };
    sealed
        .into_iter()
        .map(|secret| {
            if !crate::keys::envelope::is_sealed(&secret) {
                return Ok(secret);
            }
            store
                .vault()
                .map_err(|e| e.message)?
                .open_shared(record, &secret)
                .map_err(|e| e.to_string())
        })
        .collect::<Result<Vec<_>, String>>()
        .map_err(|error| {
            tracing::error!(endpoint = %id, %error, "a webhook endpoint's secret does not open; its deliveries wait");
        })
        .ok()
}

/// The webhook bodies of the candidates' events, by event id.
async fn claimed_payloads(
    store: &Store,
    candidates: &[Candidate],
) -> Result<HashMap<String, String>, sqlx::Error> {
    let ids: Vec<&str> = candidates
        .iter()
        .map(|c| c.event_id.as_str())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut payloads = HashMap::with_capacity(ids.len());
    for chunk in statement_chunks(&ids) {
        let sql = claim_statements(store.engine(), None, 0, chunk.len()).payloads;
        let mut query = sqlx::query(&sql);
        for id in chunk {
            query = query.bind(*id);
        }
        for row in query.fetch_all(store.pool()).await? {
            payloads.insert(row.try_get(0)?, row.try_get(1)?);
        }
    }
    Ok(payloads)
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
