//! A wallet's users: their KYC data, the partners they granted access to, and the log of every
//! partner read.

use rampflow_actors::model::{OrderId, PartnerId, Timestamp, UserRef, WalletId};
use rampflow_actors::store::StoreError;
use sqlx::Row;

use super::{commit_error, store_error, Store};

#[derive(Debug, Clone)]
pub struct UserRow {
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
    /// Creates or replaces the user's data. Returns the row and whether it was new.
    ///
    /// Whether the row is new is told by the insert itself, never by comparing times: a
    /// replacement within the same millisecond as the creation is still a replacement.
    pub async fn put_user(
        &self,
        wallet: WalletId,
        user: &UserRef,
        data: &str,
        now: Timestamp,
    ) -> Result<(UserRow, bool), StoreError> {
        let mut tx = self.pool().begin().await.map_err(store_error)?;
        let created = sqlx::query(
            "INSERT INTO users (wallet_id, user_ref, data, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $4)
             ON CONFLICT (wallet_id, user_ref) DO NOTHING",
        )
        .bind(wallet.to_string())
        .bind(user.as_str())
        .bind(data)
        .bind(now.as_millis())
        .execute(&mut *tx)
        .await
        .map_err(store_error)?
        .rows_affected()
            == 1;
        if !created {
            sqlx::query(
                "UPDATE users SET data = $1, updated_at = $2 WHERE wallet_id = $3 AND user_ref = $4",
            )
            .bind(data)
            .bind(now.as_millis())
            .bind(wallet.to_string())
            .bind(user.as_str())
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        }
        let row = sqlx::query(
            "SELECT created_at, updated_at FROM users WHERE wallet_id = $1 AND user_ref = $2",
        )
        .bind(wallet.to_string())
        .bind(user.as_str())
        .fetch_one(&mut *tx)
        .await
        .map_err(store_error)?;
        tx.commit().await.map_err(commit_error)?;
        let created_at = Timestamp::from_millis(row.try_get("created_at").map_err(store_error)?);
        let updated_at = Timestamp::from_millis(row.try_get("updated_at").map_err(store_error)?);
        Ok((
            UserRow {
                data: data.to_owned(),
                created_at,
                updated_at,
            },
            created,
        ))
    }

    pub async fn get_user(
        &self,
        wallet: WalletId,
        user: &UserRef,
    ) -> Result<Option<UserRow>, StoreError> {
        let row = sqlx::query(
            "SELECT data, created_at, updated_at FROM users WHERE wallet_id = $1 AND user_ref = $2",
        )
        .bind(wallet.to_string())
        .bind(user.as_str())
        .fetch_optional(self.pool())
        .await
        .map_err(store_error)?;
        row.map(|row| {
            Ok(UserRow {
                data: row.try_get("data").map_err(store_error)?,
                created_at: Timestamp::from_millis(row.try_get("created_at").map_err(store_error)?),
                updated_at: Timestamp::from_millis(row.try_get("updated_at").map_err(store_error)?),
            })
        })
        .transpose()
    }

    /// Erases the user's data and grants. Orders keep their `user_ref`; the access log stays as
    /// the wallet's audit trail. False if there was no such user.
    pub async fn delete_user(&self, wallet: WalletId, user: &UserRef) -> Result<bool, StoreError> {
        let mut tx = self.pool().begin().await.map_err(store_error)?;
        sqlx::query("DELETE FROM grants WHERE wallet_id = $1 AND user_ref = $2")
            .bind(wallet.to_string())
            .bind(user.as_str())
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        let affected = sqlx::query("DELETE FROM users WHERE wallet_id = $1 AND user_ref = $2")
            .bind(wallet.to_string())
            .bind(user.as_str())
            .execute(&mut *tx)
            .await
            .map_err(store_error)?
            .rows_affected();
        tx.commit().await.map_err(commit_error)?;
        self.access.forget_grants(wallet, user, None);
        Ok(affected == 1)
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
