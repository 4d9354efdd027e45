//! A wallet's users: their KYC data, the partners they granted access to, and the log of every
//! partner read.

use rampflow_actors::model::{OrderId, PartnerId, Timestamp, UserRef, WalletId};
use rampflow_actors::store::StoreError;
use sqlx::Row;

use super::data_keys::{self, WrappedKey};
use super::{commit_error, store_error, DbRow, Store};
use crate::keys::{CryptoError, Record};

/// The user's data key as the joined row holds it (`k.id`, `k.master_key`, `k.wrapped`).
fn stored_key(row: &DbRow) -> Result<Option<WrappedKey>, StoreError> {
    let id: Option<String> = row.try_get("id").map_err(store_error)?;
    let Some(id) = id else {
        return Ok(None);
    };
    Ok(Some(WrappedKey {
        id,
        master_key: row.try_get("master_key").map_err(store_error)?,
        wrapped: row.try_get("wrapped").map_err(store_error)?,
    }))
}

fn new_key_id() -> String {
    format!("user-{}", uuid::Uuid::now_v7())
}

#[derive(Debug, Clone)]
pub struct UserRow {
    /// The KYC fields as JSON, in the clear (sealed in the database).
    pub data: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct GrantRow {
    pub partner_id: String,
    pub granted_at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct AccessRow {
    pub seq: i64,
    pub partner_id: String,
    pub order_id: String,
    pub at: Timestamp,
}

impl Store {
    /// Creates or replaces the user's data, sealed under the user's own data key (made with
    /// the user). Returns the row and whether it was new.
    ///
    /// Whether the row is new is told by the writes themselves, never by comparing times: a
    /// replacement within the same millisecond as the creation is still a replacement.
    pub async fn put_user(
        &self,
        wallet: WalletId,
        user: &UserRef,
        data: &str,
        now: Timestamp,
    ) -> Result<(UserRow, bool), StoreError> {
        let vault = self.vault()?;
        let wallet_id = wallet.to_string();
        let record = Record::User {
            wallet: &wallet_id,
            user_ref: user.as_str(),
        };
        // A create that loses a race with another create of the same user replaces it instead.
        for _ in 0..3 {
            let mut tx = self.pool().begin().await.map_err(store_error)?;
            // On an existing user this takes the row (PostgreSQL) or the write lock (SQLite)
            // before its key is read, so a concurrent delete cannot destroy the key in between.
            let existing = sqlx::query(
                "UPDATE users SET updated_at = $1 WHERE wallet_id = $2 AND user_ref = $3",
            )
            .bind(now.as_millis())
            .bind(&wallet_id)
            .bind(user.as_str())
            .execute(&mut *tx)
            .await
            .map_err(store_error)?
            .rows_affected()
                == 1;
            if existing {
                let row = sqlx::query(
                    "SELECT u.created_at, k.id, k.master_key, k.wrapped
                     FROM users u LEFT JOIN data_keys k ON k.id = u.key_id
                     WHERE u.wallet_id = $1 AND u.user_ref = $2",
                )
                .bind(&wallet_id)
                .bind(user.as_str())
                .fetch_one(&mut *tx)
                .await
                .map_err(store_error)?;
                let created_at: i64 = row.try_get("created_at").map_err(store_error)?;
                let key = match stored_key(&row)? {
                    Some(wrapped) => vault.unwrap(&wrapped).map_err(StoreError::new)?,
                    // Written before encryption (and not sealed yet): the user gets a key now.
                    None => {
                        let (key, wrapped) = vault.new_data_key(&new_key_id());
                        data_keys::insert(&mut *tx, &wrapped)
                            .await
                            .map_err(store_error)?;
                        key
                    }
                };
                sqlx::query(
                    "UPDATE users SET data = $1, key_id = $2 WHERE wallet_id = $3 AND user_ref = $4",
                )
                .bind(key.seal(record, data))
                .bind(key.id())
                .bind(&wallet_id)
                .bind(user.as_str())
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
                tx.commit().await.map_err(commit_error)?;
                let row = UserRow {
                    data: data.to_owned(),
                    created_at: Timestamp::from_millis(created_at),
                    updated_at: now,
                };
                return Ok((row, false));
            }
            let (key, wrapped) = vault.new_data_key(&new_key_id());
            data_keys::insert(&mut *tx, &wrapped)
                .await
                .map_err(store_error)?;
            let created = sqlx::query(
                "INSERT INTO users (wallet_id, user_ref, data, key_id, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $5)
                 ON CONFLICT (wallet_id, user_ref) DO NOTHING",
            )
            .bind(&wallet_id)
            .bind(user.as_str())
            .bind(key.seal(record, data))
            .bind(key.id())
            .bind(now.as_millis())
            .execute(&mut *tx)
            .await
            .map_err(store_error)?
            .rows_affected()
                == 1;
            if created {
                tx.commit().await.map_err(commit_error)?;
                let row = UserRow {
                    data: data.to_owned(),
                    created_at: now,
                    updated_at: now,
                };
                return Ok((row, true));
            }
            tx.rollback().await.map_err(store_error)?;
        }
        Err(StoreError::retryable(
            "the user was created and deleted under this request three times in a row",
        ))
    }

    /// The user's data, opened. A row whose sealed data does not open (its key destroyed, or
    /// its ciphertext copied from another row) is an error for this read only.
    pub async fn get_user(
        &self,
        wallet: WalletId,
        user: &UserRef,
    ) -> Result<Option<UserRow>, StoreError> {
        let wallet_id = wallet.to_string();
        let row = sqlx::query(
            "SELECT u.data, u.key_id, u.created_at, u.updated_at, k.id, k.master_key, k.wrapped
             FROM users u LEFT JOIN data_keys k ON k.id = u.key_id
             WHERE u.wallet_id = $1 AND u.user_ref = $2",
        )
        .bind(&wallet_id)
        .bind(user.as_str())
        .fetch_optional(self.pool())
        .await
        .map_err(store_error)?;
        let Some(row) = row else {
            return Ok(None);
        };
        let stored: String = row.try_get("data").map_err(store_error)?;
        let key_id: Option<String> = row.try_get("key_id").map_err(store_error)?;
        let data = match (key_id, stored_key(&row)?) {
            // Written before encryption, not sealed yet.
            (None, _) => stored,
            (Some(key_id), None) => {
                return Err(StoreError::new(CryptoError::MissingDataKey(key_id)));
            }
            (Some(_), Some(wrapped)) => {
                let key = self.vault()?.unwrap(&wrapped).map_err(StoreError::new)?;
                let record = Record::User {
                    wallet: &wallet_id,
                    user_ref: user.as_str(),
                };
                key.open(record, &stored).map_err(|error| {
                    StoreError::new(format!(
                        "the data of user {:?} of wallet {wallet_id} does not open: {error}",
                        user.as_str()
                    ))
                })?
            }
        };
        Ok(Some(UserRow {
            data,
            created_at: Timestamp::from_millis(row.try_get("created_at").map_err(store_error)?),
            updated_at: Timestamp::from_millis(row.try_get("updated_at").map_err(store_error)?),
        }))
    }

    /// Erases the user's data and grants, and destroys the user's data key (crypto-shredding:
    /// a copy of the sealed data, in a backup say, can no longer be opened once the backup's
    /// own copy of the key is gone too). Orders keep their `user_ref`; the access log stays as
    /// the wallet's audit trail. False if there was no such user.
    pub async fn delete_user(&self, wallet: WalletId, user: &UserRef) -> Result<bool, StoreError> {
        let mut tx = self.pool().begin().await.map_err(store_error)?;
        sqlx::query("DELETE FROM grants WHERE wallet_id = $1 AND user_ref = $2")
            .bind(wallet.to_string())
            .bind(user.as_str())
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        let deleted = sqlx::query(
            "DELETE FROM users WHERE wallet_id = $1 AND user_ref = $2 RETURNING key_id",
        )
        .bind(wallet.to_string())
        .bind(user.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(store_error)?;
        let existed = deleted.is_some();
        let key_id: Option<String> = match &deleted {
            Some(row) => row.try_get("key_id").map_err(store_error)?,
            None => None,
        };
        if let Some(key_id) = key_id {
            data_keys::destroy(&mut *tx, &key_id)
                .await
                .map_err(store_error)?;
        }
        tx.commit().await.map_err(commit_error)?;
        self.access.forget_grants(wallet, user, None);
        Ok(existed)
    }

    /// Grants access (keeping the first grant time if it already stands).
    pub async fn grant(
        &self,
        wallet: WalletId,
        user: &UserRef,
        partner: PartnerId,
        now: Timestamp,
    ) -> Result<GrantRow, StoreError> {
        let row = sqlx::query(
            "INSERT INTO grants (wallet_id, user_ref, partner_id, granted_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (wallet_id, user_ref, partner_id) DO UPDATE SET granted_at = grants.granted_at
             RETURNING granted_at",
        )
        .bind(wallet.to_string())
        .bind(user.as_str())
        .bind(partner.to_string())
        .bind(now.as_millis())
        .fetch_one(self.pool())
        .await
        .map_err(store_error)?;
        Ok(GrantRow {
            partner_id: partner.to_string(),
            granted_at: Timestamp::from_millis(row.try_get("granted_at").map_err(store_error)?),
        })
    }

    pub async fn revoke(
        &self,
        wallet: WalletId,
        user: &UserRef,
        partner: PartnerId,
    ) -> Result<bool, StoreError> {
        let affected = sqlx::query(
            "DELETE FROM grants WHERE wallet_id = $1 AND user_ref = $2 AND partner_id = $3",
        )
        .bind(wallet.to_string())
        .bind(user.as_str())
        .bind(partner.to_string())
        .execute(self.pool())
        .await
        .map_err(store_error)?
        .rows_affected();
        self.access.forget_grants(wallet, user, Some(partner));
        Ok(affected == 1)
    }

    pub async fn has_grant(
        &self,
        wallet: WalletId,
        user: &UserRef,
        partner: PartnerId,
    ) -> Result<bool, StoreError> {
        if self.access.knows_grant(wallet, user, partner) {
            return Ok(true);
        }
        let generation = self.access.grant_generation();
        let read_at = std::time::Instant::now();
        let row = sqlx::query(
            "SELECT 1 FROM grants WHERE wallet_id = $1 AND user_ref = $2 AND partner_id = $3",
        )
        .bind(wallet.to_string())
        .bind(user.as_str())
        .bind(partner.to_string())
        .fetch_optional(self.pool())
        .await
        .map_err(store_error)?;
        if row.is_some() {
            self.access
                .remember_grant(generation, read_at, wallet, user, partner);
        }
        Ok(row.is_some())
    }

    /// Grants of one user, by partner id, after `after`.
    pub async fn list_grants(
        &self,
        wallet: WalletId,
        user: &UserRef,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<GrantRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT partner_id, granted_at FROM grants
             WHERE wallet_id = $1 AND user_ref = $2 AND partner_id > $3
             ORDER BY partner_id LIMIT $4",
        )
        .bind(wallet.to_string())
        .bind(user.as_str())
        .bind(after.unwrap_or(""))
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await
        .map_err(store_error)?;
        rows.iter()
            .map(|row| {
                Ok(GrantRow {
                    partner_id: row.try_get("partner_id").map_err(store_error)?,
                    granted_at: Timestamp::from_millis(
                        row.try_get("granted_at").map_err(store_error)?,
                    ),
                })
            })
            .collect()
    }

    pub async fn record_access(
        &self,
        wallet: WalletId,
        user: &UserRef,
        partner: PartnerId,
        order: OrderId,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO user_access_log (wallet_id, user_ref, partner_id, order_id, at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(wallet.to_string())
        .bind(user.as_str())
        .bind(partner.to_string())
        .bind(order.to_string())
        .bind(at.as_millis())
        .execute(self.pool())
        .await
        .map_err(store_error)?;
        Ok(())
    }

    /// Newest first, before the sequence number `before`.
    pub async fn access_log(
        &self,
        wallet: WalletId,
        user: &UserRef,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<AccessRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, partner_id, order_id, at FROM user_access_log
             WHERE wallet_id = $1 AND user_ref = $2 AND seq < $3
             ORDER BY seq DESC LIMIT $4",
        )
        .bind(wallet.to_string())
        .bind(user.as_str())
        .bind(before.unwrap_or(i64::MAX))
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await
        .map_err(store_error)?;
        rows.iter()
            .map(|row| {
                Ok(AccessRow {
                    seq: row.try_get("seq").map_err(store_error)?,
                    partner_id: row.try_get("partner_id").map_err(store_error)?,
                    order_id: row.try_get("order_id").map_err(store_error)?,
                    at: Timestamp::from_millis(row.try_get("at").map_err(store_error)?),
                })
            })
            .collect()
    }
}
