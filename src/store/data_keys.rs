//! The `data_keys` table (see [`crate::keys`]), and sealing what was written in plaintext
//! before encryption came in.
//!
//! The functions take any executor, so `rampflow keys` can run them on a pool of its own next
//! to the running server.

use rampflow_actors::model::Timestamp;
use rampflow_actors::store::StoreError;
use sqlx::{Any, Executor, Row};

use super::{store_error, Store};
use crate::keys::{Record, Vault};

/// The id of the data key shared by webhook secrets and sealed responses.
pub const SHARED_KEY_ID: &str = "shared";

/// A data key as stored: wrapped by the master key `master_key` (a fingerprint).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrappedKey {
    pub id: String,
    pub master_key: String,
    pub wrapped: String,
}

fn wrapped_key(row: &super::DbRow) -> Result<WrappedKey, sqlx::Error> {
    Ok(WrappedKey {
        id: row.try_get("id")?,
        master_key: row.try_get("master_key")?,
        wrapped: row.try_get("wrapped")?,
    })
}

/// How many data keys each master key wraps, by fingerprint.
pub async fn master_keys_in_use<'e>(
    executor: impl Executor<'e, Database = Any>,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT master_key, COUNT(*) AS count FROM data_keys GROUP BY master_key ORDER BY master_key",
    )
    .fetch_all(executor)
    .await?;
    rows.iter()
        .map(|row| Ok((row.try_get("master_key")?, row.try_get("count")?)))
        .collect()
}

pub async fn find<'e>(
    executor: impl Executor<'e, Database = Any>,
    id: &str,
) -> Result<Option<WrappedKey>, sqlx::Error> {
    let row = sqlx::query("SELECT id, master_key, wrapped FROM data_keys WHERE id = $1")
        .bind(id)
        .fetch_optional(executor)
        .await?;
    row.as_ref().map(wrapped_key).transpose()
}

pub async fn insert<'e>(
    executor: impl Executor<'e, Database = Any>,
    key: &WrappedKey,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO data_keys (id, master_key, wrapped, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(&key.id)
    .bind(&key.master_key)
    .bind(&key.wrapped)
    .bind(Timestamp::now().as_millis())
    .execute(executor)
    .await?;
    Ok(())
}

pub async fn insert_if_absent<'e>(
    executor: impl Executor<'e, Database = Any>,
    key: &WrappedKey,
) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO data_keys (id, master_key, wrapped, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(&key.id)
    .bind(&key.master_key)
    .bind(&key.wrapped)
    .bind(Timestamp::now().as_millis())
    .execute(executor)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

/// Destroys a data key: what it sealed can never be read again.
pub async fn destroy<'e>(
    executor: impl Executor<'e, Database = Any>,
    id: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM data_keys WHERE id = $1")
        .bind(id)
        .execute(executor)
        .await?;
    Ok(())
}

/// Up to `limit` data keys wrapped under another master key than `current`.
pub async fn wrapped_under_others<'e>(
    executor: impl Executor<'e, Database = Any>,
    current: &str,
    limit: i64,
) -> Result<Vec<WrappedKey>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, master_key, wrapped FROM data_keys WHERE master_key <> $1 ORDER BY id LIMIT $2",
    )
    .bind(current)
    .bind(limit)
    .fetch_all(executor)
    .await?;
    rows.iter().map(wrapped_key).collect()
}

/// Replaces the wrapping of `key.id`, if it is still the one under `previous` (a key deleted
/// or re-wrapped meanwhile is left alone). True if replaced.
pub async fn rewrap<'e>(
    executor: impl Executor<'e, Database = Any>,
    previous: &str,
    key: &WrappedKey,
) -> Result<bool, sqlx::Error> {
    let replaced = sqlx::query(
        "UPDATE data_keys SET master_key = $1, wrapped = $2 WHERE id = $3 AND master_key = $4",
    )
    .bind(&key.master_key)
    .bind(&key.wrapped)
    .bind(&key.id)
    .bind(previous)
    .execute(executor)
    .await?
    .rows_affected();
    Ok(replaced == 1)
}

impl Store {
    /// Seals what an older rampflow wrote in plaintext: users' data (each user getting a data
    /// key of their own) and webhook endpoint secrets. Each row is replaced only if it still
    /// holds what was read, so nodes starting together do no harm. Returns how many users and
    /// endpoints were sealed.
    pub async fn seal_plaintext_records(&self, vault: &Vault) -> Result<(u64, u64), StoreError> {
        let mut users = 0;
        loop {
            let rows = sqlx::query(
                "SELECT wallet_id, user_ref, data FROM users WHERE key_id IS NULL LIMIT 500",
            )
            .fetch_all(self.pool())
            .await
            .map_err(store_error)?;
            if rows.is_empty() {
                break;
            }
            for row in &rows {
                let wallet: String = row.try_get("wallet_id").map_err(store_error)?;
                let user_ref: String = row.try_get("user_ref").map_err(store_error)?;
                let data: String = row.try_get("data").map_err(store_error)?;
                let key_id = format!("user-{}", uuid::Uuid::now_v7());
                let (key, wrapped) = vault.new_data_key(&key_id);
                let sealed = key.seal(
                    Record::User {
                        wallet: &wallet,
                        user_ref: &user_ref,
                    },
                    &data,
                );
                let mut tx = self.pool().begin().await.map_err(store_error)?;
                insert(&mut *tx, &wrapped).await.map_err(store_error)?;
                let sealed_now = sqlx::query(
                    "UPDATE users SET data = $1, key_id = $2
                     WHERE wallet_id = $3 AND user_ref = $4 AND key_id IS NULL AND data = $5",
                )
                .bind(&sealed)
                .bind(&key_id)
                .bind(&wallet)
                .bind(&user_ref)
                .bind(&data)
                .execute(&mut *tx)
                .await
                .map_err(store_error)?
                .rows_affected();
                if sealed_now == 1 {
                    tx.commit().await.map_err(super::commit_error)?;
                    users += 1;
                } else {
                    tx.rollback().await.map_err(store_error)?;
                }
            }
        }
        let mut endpoints = 0;
        let rows = sqlx::query(
            "SELECT id, secret, previous_secret FROM webhook_endpoints
             WHERE secret NOT LIKE 'rfe1:%'
                OR (previous_secret IS NOT NULL AND previous_secret NOT LIKE 'rfe1:%')",
        )
        .fetch_all(self.pool())
        .await
        .map_err(store_error)?;
        for row in &rows {
            let id: String = row.try_get("id").map_err(store_error)?;
            let secret: String = row.try_get("secret").map_err(store_error)?;
            let previous: Option<String> = row.try_get("previous_secret").map_err(store_error)?;
            let record = Record::WebhookEndpoint { id: &id };
            let seal = |text: &str| {
                if crate::keys::envelope::is_sealed(text) {
                    text.to_owned()
                } else {
                    vault.seal_shared(record, text)
                }
            };
            let sealed_now = sqlx::query(
                "UPDATE webhook_endpoints SET secret = $1, previous_secret = $2
                 WHERE id = $3 AND secret = $4
                   AND (previous_secret = $5 OR (previous_secret IS NULL AND $5 IS NULL))",
            )
            .bind(seal(&secret))
            .bind(previous.as_deref().map(seal))
            .bind(&id)
            .bind(&secret)
            .bind(previous.as_deref())
            .execute(self.pool())
            .await
            .map_err(store_error)?
            .rows_affected();
            endpoints += sealed_now;
        }
        Ok((users, endpoints))
    }
}
