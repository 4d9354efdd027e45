//! Partners' price lists, wallets' fees and the quotes given to wallets. Price lists and fees
//! are kept as the JSON documents the API reads back; quotes as the resource answered.

use rampflow_actors::model::{OrderId, PartnerId, Timestamp, WalletId};
use rampflow_actors::store::{IdempotencyRecord, StoreError};
use sqlx::Row;

use super::{commit_error, idempotency, store_error, Store};

/// A quote as stored.
#[derive(Debug, Clone)]
pub struct QuoteRow {
    pub id: String,
    pub wallet_id: String,
    pub partner_id: String,
    pub document: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub used_at: Option<Timestamp>,
}

impl Store {
    /// Replaces the partner's price list.
    pub async fn put_partner_pricing(
        &self,
        partner: PartnerId,
        document: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO partner_pricing (partner_id, document, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (partner_id) DO UPDATE
             SET document = excluded.document, updated_at = excluded.updated_at",
        )
        .bind(partner.to_string())
        .bind(document)
        .bind(now.as_millis())
        .execute(self.pool())
        .await
        .map_err(store_error)?;
        Ok(())
    }

    pub async fn get_partner_pricing(
        &self,
        partner: PartnerId,
    ) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT document FROM partner_pricing WHERE partner_id = $1")
            .bind(partner.to_string())
            .fetch_optional(self.pool())
            .await
            .map_err(store_error)?;
        row.map(|row| row.try_get("document").map_err(store_error))
            .transpose()
    }

    /// Every partner's price list, by partner id: `(partner_id, document)`.
    pub async fn all_partner_pricing(&self) -> Result<Vec<(String, String)>, StoreError> {
        let rows =
            sqlx::query("SELECT partner_id, document FROM partner_pricing ORDER BY partner_id")
                .fetch_all(self.pool())
                .await
                .map_err(store_error)?;
        rows.iter()
            .map(|row| {
                Ok((
                    row.try_get("partner_id").map_err(store_error)?,
                    row.try_get("document").map_err(store_error)?,
                ))
            })
            .collect()
    }

    /// Replaces the wallet's fee.
    pub async fn put_wallet_fee(
        &self,
        wallet: WalletId,
        document: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO wallet_fees (wallet_id, document, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (wallet_id) DO UPDATE
             SET document = excluded.document, updated_at = excluded.updated_at",
        )
        .bind(wallet.to_string())
        .bind(document)
        .bind(now.as_millis())
        .execute(self.pool())
        .await
        .map_err(store_error)?;
        Ok(())
    }

    pub async fn get_wallet_fee(&self, wallet: WalletId) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT document FROM wallet_fees WHERE wallet_id = $1")
            .bind(wallet.to_string())
            .fetch_optional(self.pool())
            .await
            .map_err(store_error)?;
        row.map(|row| row.try_get("document").map_err(store_error))
            .transpose()
    }

    /// Stores quotes, with the idempotency record of the request in the same transaction.
    /// False when the record was already there (a concurrent duplicate).
    pub async fn insert_quotes(
        &self,
        quotes: &[QuoteRow],
        idempotency: Option<&IdempotencyRecord>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool().begin().await.map_err(store_error)?;
        if let Some(record) = idempotency {
            if !idempotency::insert(&mut tx, record)
                .await
                .map_err(store_error)?
            {
                return Ok(false);
            }
        }
        for quote in quotes {
            sqlx::query(
                "INSERT INTO quotes (id, wallet_id, partner_id, document, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&quote.id)
            .bind(&quote.wallet_id)
            .bind(&quote.partner_id)
            .bind(&quote.document)
            .bind(quote.created_at.as_millis())
            .bind(quote.expires_at.as_millis())
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        }
        tx.commit().await.map_err(commit_error)?;
        Ok(true)
    }

    /// The wallet's quote `id`; another wallet's quote is `None`.
    pub async fn find_quote(
        &self,
        wallet: WalletId,
        id: &str,
    ) -> Result<Option<QuoteRow>, StoreError> {
        let row = sqlx::query(
            "SELECT id, wallet_id, partner_id, document, created_at, expires_at, used_at
             FROM quotes WHERE id = $1 AND wallet_id = $2",
        )
        .bind(id)
        .bind(wallet.to_string())
        .fetch_optional(self.pool())
        .await
        .map_err(store_error)?;
        row.map(|row| {
            Ok(QuoteRow {
                id: row.try_get("id").map_err(store_error)?,
                wallet_id: row.try_get("wallet_id").map_err(store_error)?,
                partner_id: row.try_get("partner_id").map_err(store_error)?,
                document: row.try_get("document").map_err(store_error)?,
                created_at: Timestamp::from_millis(row.try_get("created_at").map_err(store_error)?),
                expires_at: Timestamp::from_millis(row.try_get("expires_at").map_err(store_error)?),
                used_at: row
                    .try_get::<Option<i64>, _>("used_at")
                    .map_err(store_error)?
                    .map(Timestamp::from_millis),
            })
        })
        .transpose()
    }

    /// Forgets quotes that expired before `expired_before`, used or not: an order that used
    /// one carries its amounts, rate and fees itself. Returns how many.
    pub async fn purge_quotes(&self, expired_before: Timestamp) -> Result<u64, StoreError> {
        sqlx::query("DELETE FROM quotes WHERE expires_at < $1")
            .bind(expired_before.as_millis())
            .execute(self.pool())
            .await
            .map(|r| r.rows_affected())
            .map_err(store_error)
    }

    /// Marks the quote used by `order`, if it is the wallet's, unused and not expired at `now`.
    /// One conditional UPDATE, so of two concurrent uses exactly one gets `true`.
    pub async fn use_quote(
        &self,
        wallet: WalletId,
        id: &str,
        order: OrderId,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let affected = sqlx::query(
            "UPDATE quotes SET used_at = $1, order_id = $2
             WHERE id = $3 AND wallet_id = $4 AND used_at IS NULL AND expires_at > $1",
        )
        .bind(now.as_millis())
        .bind(order.to_string())
        .bind(id)
        .bind(wallet.to_string())
        .execute(self.pool())
        .await
        .map_err(store_error)?
        .rows_affected();
        Ok(affected == 1)
    }
}
