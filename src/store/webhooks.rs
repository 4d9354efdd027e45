//! Webhook endpoints and the events API: registering, listing, deleting endpoints and rotating
//! their secrets; listing events visible to a party with a summary of that party's deliveries,
//! their attempts, and redelivery.
//!
//! An endpoint belongs to an owner, `"wallet:<id>"` or `"partner:<id>"` (the same string as the
//! caller's `owner_key`). An event is visible to the wallet of its order and to the partner the
//! order is routed to. What delivery itself does with these rows lives in
//! [`deliveries`](super::deliveries).

use rampflow_actors::model::{EventId, OrderId, Timestamp};
use rampflow_actors::order::EventType;
use rampflow_actors::store::{IdempotencyRecord, StoreError};
use sqlx::Row;

use super::batch::Placeholders;
use super::orders::OrderScope;
use super::{commit_error, idempotency, recorder, store_error, DbRow, Store};
use crate::keys::Record;

/// A new endpoint, as written by [`Store::create_webhook_endpoint`].
#[derive(Debug, Clone)]
pub struct NewEndpoint {
    pub id: String,
    pub owner: String,
    pub url: String,
    pub description: Option<String>,
    /// The event types wanted, or `None` for every type.
    pub event_types: Option<Vec<EventType>>,
    pub secret: String,
    pub created_at: Timestamp,
}

/// An endpoint as its owner sees it (never the secret).
#[derive(Debug, Clone)]
pub struct EndpointRow {
    pub id: String,
    pub url: String,
    pub description: Option<String>,
    pub event_types: Option<Vec<String>>,
    pub disabled: bool,
    pub created_at: Timestamp,
}

/// Which events to list; every part is optional.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub order_id: Option<OrderId>,
    pub event_type: Option<EventType>,
    pub delivery: Option<DeliverySummary>,
    /// Only events with an id below this one (the cursor: newest first).
    pub before_id: Option<EventId>,
}

/// The state of a party's deliveries of one event, summed up: any pending is pending, else
/// any failed is failed, else delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliverySummary {
    Pending,
    Delivered,
    Failed,
}

impl DeliverySummary {
    pub fn parse(text: &str) -> Option<DeliverySummary> {
        match text {
            "pending" => Some(DeliverySummary::Pending),
            "delivered" => Some(DeliverySummary::Delivered),
            "failed" => Some(DeliverySummary::Failed),
            _ => None,
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            DeliverySummary::Pending => "pending",
            DeliverySummary::Delivered => "delivered",
            DeliverySummary::Failed => "failed",
        }
    }
}

/// One order event visible to a party.
#[derive(Debug, Clone)]
pub struct EventRow {
    pub id: String,
    pub event_type: String,
    pub order_id: String,
    pub order_version: i64,
    pub created_at: Timestamp,
    /// The webhook body as stored: `{"type","timestamp","data"}`.
    pub payload: String,
    /// The party's own deliveries of this event, summed up; `None` when it has none.
    pub delivery: Option<DeliverySummary>,
}

/// One delivery of an event to one of the party's endpoints, with every attempt.
#[derive(Debug, Clone)]
pub struct DeliveryRow {
    pub endpoint_id: String,
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: Timestamp,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub attempts_log: Vec<AttemptRow>,
}

#[derive(Debug, Clone)]
pub struct AttemptRow {
    pub attempted_at: Timestamp,
    pub status_code: Option<i64>,
    pub duration_ms: i64,
    pub error: Option<String>,
    pub response_body: Option<String>,
}

/// The owner string of the endpoints of the party behind `scope`.
pub fn owner_of(scope: OrderScope) -> String {
    match scope {
        OrderScope::Wallet(id) => format!("wallet:{id}"),
        OrderScope::Partner(id) => format!("partner:{id}"),
    }
}

/// `o.wallet_id` or `o.partner_id` and the id to compare it with.
fn scope_column(scope: OrderScope) -> (&'static str, String) {
    match scope {
        OrderScope::Wallet(id) => ("o.wallet_id", id.to_string()),
        OrderScope::Partner(id) => ("o.partner_id", id.to_string()),
    }
}

/// `EXISTS` over the deliveries of event `e` to endpoints of the owner bound as `owner`
/// (a `$n`), in `state` when given.
fn deliveries_exist(owner: &str, state: Option<&str>) -> String {
    let state = state
        .map(|s| format!(" AND d.state = '{s}'"))
        .unwrap_or_default();
    format!(
        "EXISTS (SELECT 1 FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id
                 WHERE d.event_id = e.id AND w.owner = {owner}{state})"
    )
}

/// The SQL expression of [`DeliverySummary`] for event `e`, and the condition matching one.
fn summary_expression(owner: &str) -> String {
    format!(
        "CASE WHEN {} THEN 'pending' WHEN {} THEN 'failed' WHEN {} THEN 'delivered' END",
        deliveries_exist(owner, Some("pending")),
        deliveries_exist(owner, Some("failed")),
        deliveries_exist(owner, None),
    )
}

fn summary_condition(owner: &str, summary: DeliverySummary) -> String {
    let pending = deliveries_exist(owner, Some("pending"));
    let failed = deliveries_exist(owner, Some("failed"));
    let any = deliveries_exist(owner, None);
    match summary {
        DeliverySummary::Pending => pending,
        DeliverySummary::Failed => format!("NOT {pending} AND {failed}"),
        DeliverySummary::Delivered => format!("NOT {pending} AND NOT {failed} AND {any}"),
    }
}

fn event_row(row: &DbRow) -> Result<EventRow, StoreError> {
    let delivery: Option<String> = row.try_get("delivery").map_err(store_error)?;
    Ok(EventRow {
        id: row.try_get("id").map_err(store_error)?,
        event_type: row.try_get("type").map_err(store_error)?,
        order_id: row.try_get("order_id").map_err(store_error)?,
        order_version: row.try_get("version").map_err(store_error)?,
        created_at: Timestamp::from_millis(row.try_get("created_at").map_err(store_error)?),
        payload: row.try_get("payload").map_err(store_error)?,
        delivery: delivery.as_deref().and_then(DeliverySummary::parse),
    })
}

fn endpoint_row(row: &DbRow) -> Result<EndpointRow, StoreError> {
    let event_types: Option<String> = row.try_get("event_types").map_err(store_error)?;
    let event_types = event_types
        .map(|text| serde_json::from_str::<Vec<String>>(&text).map_err(StoreError::new))
        .transpose()?;
    let disabled_at: Option<i64> = row.try_get("disabled_at").map_err(store_error)?;
    Ok(EndpointRow {
        id: row.try_get("id").map_err(store_error)?,
        url: row.try_get("url").map_err(store_error)?,
        description: row.try_get("description").map_err(store_error)?,
        event_types,
        disabled: disabled_at.is_some(),
        created_at: Timestamp::from_millis(row.try_get("created_at").map_err(store_error)?),
    })
}

/// The `event_types` column: a JSON array of type names, the form the fan-out matches with
/// `LIKE '%"order.created"%'`.
fn event_types_column(types: &Option<Vec<EventType>>) -> Option<String> {
    types.as_ref().map(|types| {
        let names: Vec<&str> = types.iter().map(EventType::as_str).collect();
        serde_json::to_string(&names).expect("a list of strings serializes")
    })
}

impl Store {
    /// Inserts an endpoint, with the idempotency record of the request in the same
    /// transaction. False if the idempotency key was taken meanwhile.
    pub async fn create_webhook_endpoint(
        &self,
        endpoint: &NewEndpoint,
        idempotency: Option<&IdempotencyRecord>,
    ) -> Result<bool, StoreError> {
        let secret = self.vault()?.seal_shared(
            Record::WebhookEndpoint { id: &endpoint.id },
            &endpoint.secret,
        );
        let mut tx = self.pool().begin().await.map_err(store_error)?;
        if let Some(record) = idempotency {
            if !idempotency::insert(&mut tx, record)
                .await
                .map_err(store_error)?
            {
                return Ok(false);
            }
        }
        sqlx::query(
            "INSERT INTO webhook_endpoints (id, owner, url, description, event_types, secret,
                 created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&endpoint.id)
        .bind(&endpoint.owner)
        .bind(&endpoint.url)
        .bind(endpoint.description.as_deref())
        .bind(event_types_column(&endpoint.event_types))
        .bind(&secret)
        .bind(endpoint.created_at.as_millis())
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        tx.commit().await.map_err(commit_error)?;
        Ok(true)
    }

    /// The owner's endpoints that are not deleted, oldest first, after the id `after`.
    pub async fn list_webhook_endpoints(
        &self,
        owner: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<EndpointRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, url, description, event_types, disabled_at, created_at
             FROM webhook_endpoints
             WHERE owner = $1 AND deleted_at IS NULL AND id > $2
             ORDER BY id LIMIT $3",
        )
        .bind(owner)
        .bind(after.unwrap_or(""))
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await
        .map_err(store_error)?;
        rows.iter().map(endpoint_row).collect()
    }

    /// Marks the endpoint deleted and fails its pending deliveries. False if the owner has no
    /// such endpoint (or it was deleted already).
    pub async fn delete_webhook_endpoint(
        &self,
        owner: &str,
        id: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool().begin().await.map_err(store_error)?;
        let deleted = sqlx::query(
            "UPDATE webhook_endpoints SET deleted_at = $1
             WHERE id = $2 AND owner = $3 AND deleted_at IS NULL",
        )
        .bind(now.as_millis())
        .bind(id)
        .bind(owner)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?
        .rows_affected()
            == 1;
        if !deleted {
            return Ok(false);
        }
        sqlx::query(
            "UPDATE webhook_deliveries SET state = 'failed', head = 0, leased_until = NULL,
                 leased_by = NULL, last_error = 'endpoint deleted', updated_at = $1
             WHERE endpoint_id = $2 AND state = 'pending'",
        )
        .bind(now.as_millis())
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        tx.commit().await.map_err(commit_error)?;
        Ok(true)
    }

    /// Replaces the endpoint's secret by `secret`; the old one keeps signing until
    /// `previous_until`. False if the owner has no such endpoint (or it was deleted). Both are
    /// sealed for the endpoint's row, so the old one moves to `previous_secret` as it is.
    pub async fn rotate_webhook_secret(
        &self,
        owner: &str,
        id: &str,
        secret: &str,
        previous_until: Timestamp,
    ) -> Result<bool, StoreError> {
        let secret = self
            .vault()?
            .seal_shared(Record::WebhookEndpoint { id }, secret);
        let affected = sqlx::query(
            "UPDATE webhook_endpoints
             SET previous_secret = secret, previous_secret_until = $1, secret = $2
             WHERE id = $3 AND owner = $4 AND deleted_at IS NULL",
        )
        .bind(previous_until.as_millis())
        .bind(&secret)
        .bind(id)
        .bind(owner)
        .execute(self.pool())
        .await
        .map_err(store_error)?
        .rows_affected();
        Ok(affected == 1)
    }

    /// Events visible to the party behind `scope`, newest first, each with the summary of the
    /// party's deliveries.
    pub async fn list_events(
        &self,
        scope: OrderScope,
        filter: &EventFilter,
        limit: u32,
    ) -> Result<Vec<EventRow>, StoreError> {
        // Numbered `$n` parameters, which both engines accept; every value is text but the
        // limit.
        let (column, party_id) = scope_column(scope);
        let mut binds: Vec<String> = vec![owner_of(scope), party_id];
        let summary = summary_expression("$1");
        let mut sql = format!(
            "SELECT e.id, e.type, e.order_id, e.version, e.created_at, e.payload,
                    {summary} AS delivery
             FROM order_events e JOIN orders o ON o.id = e.order_id
             WHERE {column} = $2"
        );
        let mut condition = |sql: &mut String, clause: &str, value: String| {
            binds.push(value);
            sql.push_str(&clause.replace('?', &format!("${}", binds.len())));
        };
        if let Some(order_id) = filter.order_id {
            condition(&mut sql, " AND e.order_id = ?", order_id.to_string());
        }
        if let Some(event_type) = filter.event_type {
            condition(&mut sql, " AND e.type = ?", event_type.as_str().to_owned());
        }
        if let Some(before) = filter.before_id {
            condition(&mut sql, " AND e.id < ?", before.to_string());
        }
        if let Some(delivery) = filter.delivery {
            sql.push_str(" AND ");
            sql.push_str(&summary_condition("$1", delivery));
        }
        sql.push_str(&format!(" ORDER BY e.id DESC LIMIT ${}", binds.len() + 1));
        let mut query = sqlx::query(&sql);
        for bind in binds {
            query = query.bind(bind);
        }
        let rows = query
            .bind(i64::from(limit))
            .fetch_all(self.pool())
            .await
            .map_err(store_error)?;
        rows.iter().map(event_row).collect()
    }

    /// One event, if the party behind `scope` may see it.
    pub async fn find_event(
        &self,
        scope: OrderScope,
        id: EventId,
    ) -> Result<Option<EventRow>, StoreError> {
        let (column, party_id) = scope_column(scope);
        let summary = summary_expression("$1");
        let row = sqlx::query(&format!(
            "SELECT e.id, e.type, e.order_id, e.version, e.created_at, e.payload,
                    {summary} AS delivery
             FROM order_events e JOIN orders o ON o.id = e.order_id
             WHERE {column} = $2 AND e.id = $3"
        ))
        .bind(owner_of(scope))
        .bind(party_id)
        .bind(id.to_string())
        .fetch_optional(self.pool())
        .await
        .map_err(store_error)?;
        row.as_ref().map(event_row).transpose()
    }

    /// The deliveries of an event to the owner's endpoints (deleted ones included), by
    /// endpoint id, each with its attempts in the order they were made.
    pub async fn event_deliveries(
        &self,
        owner: &str,
        event_id: &str,
    ) -> Result<Vec<DeliveryRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT d.endpoint_id, d.state, d.attempts, d.next_attempt_at, d.last_status,
                    d.last_error
             FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id
             WHERE d.event_id = $1 AND w.owner = $2
             ORDER BY d.endpoint_id",
        )
        .bind(event_id)
        .bind(owner)
        .fetch_all(self.pool())
        .await
        .map_err(store_error)?;
        let mut deliveries = rows
            .iter()
            .map(|row| {
                Ok(DeliveryRow {
                    endpoint_id: row.try_get("endpoint_id").map_err(store_error)?,
                    state: row.try_get("state").map_err(store_error)?,
                    attempts: row.try_get("attempts").map_err(store_error)?,
                    next_attempt_at: Timestamp::from_millis(
                        row.try_get("next_attempt_at").map_err(store_error)?,
                    ),
                    last_status: row.try_get("last_status").map_err(store_error)?,
                    last_error: row.try_get("last_error").map_err(store_error)?,
                    attempts_log: Vec::new(),
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        if deliveries.is_empty() {
            return Ok(deliveries);
        }
        let attempts = sqlx::query(
            "SELECT a.endpoint_id, a.attempted_at, a.status_code, a.duration_ms, a.error,
                    a.response_body
             FROM webhook_attempts a JOIN webhook_endpoints w ON w.id = a.endpoint_id
             WHERE a.event_id = $1 AND w.owner = $2
             ORDER BY a.seq",
        )
        .bind(event_id)
        .bind(owner)
        .fetch_all(self.pool())
        .await
        .map_err(store_error)?;
        for row in &attempts {
            let endpoint_id: String = row.try_get("endpoint_id").map_err(store_error)?;
            let Some(delivery) = deliveries.iter_mut().find(|d| d.endpoint_id == endpoint_id)
            else {
                continue;
            };
            delivery.attempts_log.push(AttemptRow {
                attempted_at: Timestamp::from_millis(
                    row.try_get("attempted_at").map_err(store_error)?,
                ),
                status_code: row.try_get("status_code").map_err(store_error)?,
                duration_ms: row.try_get("duration_ms").map_err(store_error)?,
                error: row.try_get("error").map_err(store_error)?,
                response_body: row.try_get("response_body").map_err(store_error)?,
            });
        }
        Ok(deliveries)
    }

    /// Queues the event again for every live endpoint of the owner that wants its type:
    /// the delivery becomes pending with no attempts, due at `now`. Returns how many. The
    /// heads of the order's queues are recomputed in the same transaction: an old version
    /// queued again goes before the later ones still pending.
    pub async fn redeliver_event(
        &self,
        owner: &str,
        event: &EventRow,
        now: Timestamp,
    ) -> Result<u64, StoreError> {
        let order_id = OrderId::parse(&event.order_id).map_err(StoreError::new)?;
        let shard = self.shards().of(order_id);
        let style = Placeholders::for_engine(self.engine());
        let mut tx = self.pool().begin().await.map_err(store_error)?;
        // Serializes with the journal fanning out a new event of this order, as the recorder
        // does (see `deliveries`), and, being exclusive, with the recorder settling one of the
        // order's deliveries: both recompute the order's heads from what they read.
        recorder::lock_orders(&mut tx, self.engine(), &[event.order_id.as_str()], true)
            .await
            .map_err(store_error)?;
        // The endpoint filter is the fan-out's (`store::order_writes`). SQLite needs the WHERE
        // clause to read `ON CONFLICT` as the upsert's rather than a join's.
        let queued = sqlx::query(
            "INSERT INTO webhook_deliveries (event_id, endpoint_id, order_id, order_version,
                 state, attempts, next_attempt_at, updated_at, shard, head)
             SELECT $1, id, $2, $3, 'pending', 0, $4, $4, $7, 0 FROM webhook_endpoints
             WHERE owner = $5 AND deleted_at IS NULL AND disabled_at IS NULL
               AND (event_types IS NULL OR event_types LIKE $6)
             ON CONFLICT (event_id, endpoint_id) DO UPDATE SET
                 state = 'pending', attempts = 0, next_attempt_at = excluded.next_attempt_at,
                 leased_until = NULL, leased_by = NULL, updated_at = excluded.updated_at",
        )
        .bind(&event.id)
        .bind(&event.order_id)
        .bind(event.order_version)
        .bind(now.as_millis())
        .bind(owner)
        .bind(format!("%\"{}\"%", event.event_type))
        .bind(i64::from(shard.get()))
        .execute(&mut *tx)
        .await
        .map_err(store_error)?
        .rows_affected();
        if queued == 0 {
            return Ok(0);
        }
        recorder::recompute_heads(&mut tx, style, &[event.order_id.as_str()])
            .await
            .map_err(store_error)?;
        tx.commit().await.map_err(commit_error)?;
        Ok(queued)
    }
}
