//! Orders: the actors' `OrderStore` (group-committed writes, loads, rehydration) and the
//! listings the API serves straight from the stored documents.

use async_trait::async_trait;
use rampflow_actors::document_in_event_payload;
use rampflow_actors::model::{OrderId, PartnerId, Timestamp, WalletId};
use rampflow_actors::order::{Direction, OrderState, Status, Timers};
use rampflow_actors::shard::ShardId;
use rampflow_actors::store::{
    BlockingCommitter, Committed, HandOver, LiveOrder, OrderStore, OrderWrite, StoreError,
    WriteOutcome,
};
use sqlx::Row;

use super::{store_error, Engine, Store};

/// Whose orders a listing shows.
#[derive(Debug, Clone, Copy)]
pub enum OrderScope {
    Wallet(WalletId),
    Partner(PartnerId),
}

enum Bind {
    Text(String),
    Int(i64),
}

/// The filters of `GET /v1/orders`, already parsed.
#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    pub status: Option<Status>,
    pub direction: Option<Direction>,
    pub partner_id: Option<PartnerId>,
    pub external_id: Option<String>,
    pub created_after: Option<Timestamp>,
    pub created_before: Option<Timestamp>,
    /// Newest first: only orders with an id below this one.
    pub before_id: Option<OrderId>,
}

#[async_trait]
impl OrderStore for Store {
    async fn commit(&self, writes: &[OrderWrite]) -> Result<Vec<WriteOutcome>, StoreError> {
        let committed = match self.commit_natively(writes, None).await {
            Some(committed) => committed?,
            None => super::order_writes::commit(self, writes, None).await?,
        };
        Ok(committed.outcomes)
    }

    async fn commit_handing_over(
        &self,
        writes: &[OrderWrite],
        hand_over: HandOver<'_>,
    ) -> Result<Committed, StoreError> {
        match self.commit_natively(writes, Some(hand_over)).await {
            Some(committed) => committed,
            None => super::order_writes::commit(self, writes, Some(hand_over)).await,
        }
    }

    fn blocking_committer(&self) -> Option<Box<dyn BlockingCommitter>> {
        self.sqlite_committer()
            .map(|committer| Box::new(committer) as Box<dyn BlockingCommitter>)
    }

    async fn load(&self, id: OrderId) -> Result<Option<OrderState>, StoreError> {
        let row = sqlx::query(&load_statement(self.engine()))
            .bind(id.to_string())
            .fetch_optional(self.pool())
            .await
            .map_err(store_error)?;
        row.map(|row| state_from_row(&row)).transpose()
    }

    /// From the columns alone: parsing a million documents was most of a restart's time.
    async fn live_orders(
        &self,
        shard: Option<ShardId>,
        after: Option<OrderId>,
        limit: u32,
    ) -> Result<Vec<LiveOrder>, StoreError> {
        let after = after.map(|id| id.to_string()).unwrap_or_default();
        let query = match shard {
            None => sqlx::query(
                "SELECT id, status, version, acceptance_due, reminder_due, expiry_due
                 FROM orders WHERE live = 1 AND id > $1 ORDER BY id LIMIT $2",
            )
            .bind(after)
            .bind(i64::from(limit)),
            Some(shard) => sqlx::query(
                "SELECT id, status, version, acceptance_due, reminder_due, expiry_due
                 FROM orders WHERE live = 1 AND shard = $1 AND id > $2 ORDER BY id LIMIT $3",
            )
            .bind(i64::from(shard.get()))
            .bind(after)
            .bind(i64::from(limit)),
        };
        let rows = query.fetch_all(self.pool()).await.map_err(store_error)?;
        rows.iter().map(live_from_row).collect()
    }
}

fn live_from_row(row: &super::DbRow) -> Result<LiveOrder, StoreError> {
    let id: &str = row.try_get("id").map_err(store_error)?;
    let status: &str = row.try_get("status").map_err(store_error)?;
    let version: i64 = row.try_get("version").map_err(store_error)?;
    Ok(LiveOrder {
        id: OrderId::parse(id).map_err(StoreError::new)?,
        status: Status::parse(status)
            .ok_or_else(|| StoreError::new(format!("stored status {status:?} is unknown")))?,
        version: u64::try_from(version).map_err(StoreError::new)?,
        timers: timers_from_row(row)?,
    })
}

/// The deadline columns.
fn timers_from_row(row: &super::DbRow) -> Result<Timers, StoreError> {
    let timestamp = |column: &str| -> Result<Option<Timestamp>, StoreError> {
        let millis: Option<i64> = row.try_get(column).map_err(store_error)?;
        Ok(millis.map(Timestamp::from_millis))
    };
    Ok(Timers {
        acceptance: timestamp("acceptance_due")?,
        reminder: timestamp("reminder_due")?,
        expiry: timestamp("expiry_due")?,
    })
}

/// An order's document as stored: the order row's own `document`, or, where the row leaves it
/// empty, the document inside the payload of the event of the row's version
/// ([`latest_payload`]).
///
/// SQLite's journal leaves it empty: the document is then written once per change, in its
/// event, rather than twice; at 1.2 KB, it was a tenth of the bytes a lifecycle order wrote.
/// PostgreSQL's journal keeps writing it in the row, where the same change measured slower for
/// the lifecycle (README, "Issue 14, seventh round"). Orders seeded without events (`rampflow
/// scale`) and those written before keep theirs in the row too.
pub(crate) fn stored_document<'a>(
    row_document: &'a str,
    payload: Option<&'a str>,
) -> Option<&'a str> {
    match row_document {
        "" => payload.and_then(document_in_event_payload),
        document => Some(document),
    }
}

/// The column `payload` beside an order row `o` whose document is empty (see
/// [`stored_document`]): the payload of the event of the row's version, by the events' unique
/// `(order_id, version)`, whatever the planner knows. (On PostgreSQL `orders.id` is `COLLATE
/// "C"` and `order_events.order_id` is not: compared as they are, the two have no common
/// collation, and the lookup read every event.)
pub(crate) fn latest_payload(engine: Engine) -> &'static str {
    match engine {
        Engine::Sqlite => {
            "CASE WHEN o.document = '' THEN (SELECT payload FROM order_events e
                 WHERE e.order_id = o.id AND e.version = o.version) END AS payload"
        }
        Engine::Postgres => {
            "CASE WHEN o.document = '' THEN (SELECT payload FROM order_events e
                 WHERE e.order_id = o.id COLLATE \"default\" AND e.version = o.version)
             END AS payload"
        }
    }
}

/// What activating an order reads of it (a test EXPLAINs it): its row, and where the row's
/// document is empty, the payload of the event of the row's version.
pub fn load_statement(engine: Engine) -> String {
    format!(
        "SELECT document, {}, acceptance_due, reminder_due, expiry_due, last_command
         FROM orders o WHERE id = $1",
        latest_payload(engine)
    )
}

/// [`stored_document`] of a row with `document` and `payload` columns.
fn document_of_row(row: &super::DbRow) -> Result<&str, StoreError> {
    let document: &str = row.try_get("document").map_err(store_error)?;
    let payload: Option<&str> = row.try_get("payload").map_err(store_error)?;
    stored_document(document, payload).ok_or_else(|| {
        StoreError::new("the stored order has no document and no event at its version")
    })
}

fn state_from_row(row: &super::DbRow) -> Result<OrderState, StoreError> {
    let document = document_of_row(row)?;
    let order = serde_json::from_str(document)
        .map_err(|e| StoreError::new(format!("stored order does not parse: {e}")))?;
    let last_command: Option<&str> = row.try_get("last_command").map_err(store_error)?;
    let last_command = last_command
        .map(serde_json::from_str)
        .transpose()
        .map_err(|e| StoreError::new(format!("stored command does not parse: {e}")))?;
    Ok(OrderState {
        order,
        timers: timers_from_row(row)?,
        last_command,
    })
}

impl Store {
    /// Writes new orders straight into the table, without events or webhooks: a fresh database
    /// of many orders in a few large transactions (`rampflow scale`). Writes must be creates
    /// (expected version 0). Returns how many rows landed.
    pub async fn seed_orders(&self, writes: &[OrderWrite]) -> Result<u64, StoreError> {
        super::order_writes::insert_orders(self, writes).await
    }

    /// Order documents visible in `scope`, newest first, at most `limit`.
    pub async fn list_orders(
        &self,
        scope: OrderScope,
        filter: &OrderFilter,
        limit: u32,
    ) -> Result<Vec<(OrderId, String)>, StoreError> {
        // Numbered `$n` parameters, which both engines accept (sqlx's QueryBuilder writes `?`
        // for the Any driver, which PostgreSQL refuses).
        let mut sql = format!(
            "SELECT id, document, {} FROM orders o WHERE ",
            latest_payload(self.engine())
        );
        let mut binds: Vec<Bind> = Vec::new();
        let mut condition = |sql: &mut String, clause: &str, value: Bind| {
            binds.push(value);
            sql.push_str(&clause.replace('?', &format!("${}", binds.len())));
        };
        match scope {
            OrderScope::Wallet(id) => {
                condition(&mut sql, "wallet_id = ?", Bind::Text(id.to_string()))
            }
            OrderScope::Partner(id) => {
                condition(&mut sql, "partner_id = ?", Bind::Text(id.to_string()))
            }
        }
        if let Some(status) = filter.status {
            condition(
                &mut sql,
                " AND status = ?",
                Bind::Text(status.as_str().to_owned()),
            );
        }
        if let Some(direction) = filter.direction {
            condition(
                &mut sql,
                " AND direction = ?",
                Bind::Text(direction.as_str().to_owned()),
            );
        }
        if let Some(partner) = filter.partner_id {
            condition(
                &mut sql,
                " AND partner_id = ?",
                Bind::Text(partner.to_string()),
            );
        }
        if let Some(external_id) = &filter.external_id {
            condition(
                &mut sql,
                " AND external_id = ?",
                Bind::Text(external_id.clone()),
            );
        }
        if let Some(after) = filter.created_after {
            condition(
                &mut sql,
                " AND created_at > ?",
                Bind::Int(after.as_millis()),
            );
        }
        if let Some(before) = filter.created_before {
            condition(
                &mut sql,
                " AND created_at < ?",
                Bind::Int(before.as_millis()),
            );
        }
        if let Some(before_id) = filter.before_id {
            condition(&mut sql, " AND id < ?", Bind::Text(before_id.to_string()));
        }
        condition(
            &mut sql,
            " ORDER BY id DESC LIMIT ?",
            Bind::Int(i64::from(limit)),
        );
        let mut query = sqlx::query(&sql);
        for bind in binds {
            query = match bind {
                Bind::Text(text) => query.bind(text),
                Bind::Int(number) => query.bind(number),
            };
        }
        let rows = query.fetch_all(self.pool()).await.map_err(store_error)?;
        rows.iter()
            .map(|row| {
                let id: &str = row.try_get("id").map_err(store_error)?;
                let id = OrderId::parse(id).map_err(StoreError::new)?;
                Ok((id, document_of_row(row)?.to_owned()))
            })
            .collect()
    }

    /// Events of one order, oldest first: `(version, type, payload)`.
    pub async fn order_events(
        &self,
        id: OrderId,
    ) -> Result<Vec<(i64, String, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT version, type, payload FROM order_events WHERE order_id = $1 ORDER BY version",
        )
        .bind(id.to_string())
        .fetch_all(self.pool())
        .await
        .map_err(store_error)?;
        rows.iter()
            .map(|row| {
                Ok((
                    row.try_get("version").map_err(store_error)?,
                    row.try_get("type").map_err(store_error)?,
                    row.try_get("payload").map_err(store_error)?,
                ))
            })
            .collect()
    }
}
