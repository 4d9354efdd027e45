//! Remembered responses for `Idempotency-Key`.

use rampflow_actors::document_in_event_payload;
use rampflow_actors::model::{OrderId, Timestamp};
use rampflow_actors::store::{IdempotencyRecord, StoreError, StoreErrorKind};
use sqlx::{Any, Row, Transaction};

use super::{commit_error, store_error, Store};

/// Inserts the record unless the key is already taken; tells which.
pub(crate) async fn insert(
    tx: &mut Transaction<'_, Any>,
    record: &IdempotencyRecord,
) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO idempotency_keys (owner, key, request_hash, status, body, created_at, order_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (owner, key) DO NOTHING",
    )
    .bind(&record.owner)
    .bind(&record.key)
    .bind(&record.request_hash)
    .bind(i64::from(record.status))
    .bind(record.stored_body())
    .bind(record.created_at.as_millis())
    .bind(record.stored_order())
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

impl Store {
    pub async fn find_idempotency_record(
        &self,
        owner: &str,
        key: &str,
    ) -> Result<Option<IdempotencyRecord>, StoreError> {
        // A create's record keeps its response with the order's first event.
        let row = sqlx::query(
            "SELECT k.request_hash, k.status, k.body, k.created_at, k.order_id, e.payload
             FROM idempotency_keys k
             LEFT JOIN order_events e ON e.order_id = k.order_id AND e.version = 1
             WHERE k.owner = $1 AND k.key = $2",
        )
        .bind(owner)
        .bind(key)
        .fetch_optional(self.pool())
        .await
        .map_err(store_error)?;
        row.map(|row| {
            let status: i64 = row.try_get("status").map_err(store_error)?;
            let created_order: Option<String> = row.try_get("order_id").map_err(store_error)?;
            let (body, created_order) = match created_order {
                None => (row.try_get::<String, _>("body").map_err(store_error)?, None),
                Some(order) => {
                    let payload: Option<String> = row.try_get("payload").map_err(store_error)?;
                    let document = payload
                        .as_deref()
                        .and_then(document_in_event_payload)
                        .ok_or_else(|| {
                            StoreError::of_kind(StoreErrorKind::Failed, format!(
                                "the idempotency record of order {order} has no order.created event to answer with"
                            ))
                        })?;
                    let order = OrderId::parse(&order).map_err(|error| {
                        StoreError::of_kind(StoreErrorKind::Failed, format!("a stored order id: {error}"))
                    })?;
                    (document.to_owned(), Some(order))
                }
            };
            Ok(IdempotencyRecord {
                owner: owner.to_owned(),
                key: key.to_owned(),
                request_hash: row.try_get("request_hash").map_err(store_error)?,
                status: status as u16,
                body: body.into(),
                created_at: Timestamp::from_millis(row.try_get("created_at").map_err(store_error)?),
                created_order,
            })
        })
        .transpose()
    }

    pub async fn save_idempotency_record(
        &self,
        record: &IdempotencyRecord,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool().begin().await.map_err(store_error)?;
        let inserted = insert(&mut tx, record).await.map_err(store_error)?;
        tx.commit().await.map_err(commit_error)?;
        Ok(inserted)
    }

    /// Forgets records older than `before`. Returns how many.
    pub async fn purge_idempotency_records(&self, before: Timestamp) -> Result<u64, StoreError> {
        sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
            .bind(before.as_millis())
            .execute(self.pool())
            .await
            .map(|r| r.rows_affected())
            .map_err(store_error)
    }
}
