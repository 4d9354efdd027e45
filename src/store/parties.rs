//! Wallets and partners, and the hashes of their API keys.

use rampflow_actors::model::{PartnerId, Timestamp, WalletId};
use rampflow_actors::store::{IdempotencyRecord, StoreError};
use sqlx::Row;

use super::{commit_error, idempotency, store_error, Store};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartyKind {
    Wallet,
    Partner,
}

impl PartyKind {
    fn table(&self) -> &'static str {
        match self {
            PartyKind::Wallet => "wallets",
            PartyKind::Partner => "partners",
        }
    }
}

#[derive(Debug, Clone)]
pub struct PartyRow {
    pub id: String,
    pub name: String,
    pub created_at: Timestamp,
}

/// Who an API key belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyOwner {
    Wallet(WalletId),
    Partner(PartnerId),
}

impl Store {
    /// Inserts a wallet or partner, with the idempotency record of the request in the same
    /// transaction.
    pub async fn create_party(
        &self,
        kind: PartyKind,
        row: &PartyRow,
        key_hash: &str,
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
        sqlx::query(&format!(
            "INSERT INTO {} (id, name, key_hash, created_at) VALUES ($1, $2, $3, $4)",
            kind.table()
        ))
        .bind(&row.id)
        .bind(&row.name)
        .bind(key_hash)
        .bind(row.created_at.as_millis())
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        tx.commit().await.map_err(commit_error)?;
        Ok(true)
    }

    /// Oldest first, after the id `after`.
    pub async fn list_parties(
        &self,
        kind: PartyKind,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<PartyRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT id, name, created_at FROM {} WHERE id > $1 ORDER BY id LIMIT $2",
            kind.table()
        ))
        .bind(after.unwrap_or(""))
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await
        .map_err(store_error)?;
        rows.iter()
            .map(|row| {
                Ok(PartyRow {
                    id: row.try_get("id").map_err(store_error)?,
                    name: row.try_get("name").map_err(store_error)?,
                    created_at: Timestamp::from_millis(
                        row.try_get("created_at").map_err(store_error)?,
                    ),
                })
            })
            .collect()
    }

    /// Whether a partner exists; a known partner is answered from memory (partners are never
    /// deleted).
    pub async fn partner_exists(&self, partner: PartnerId) -> Result<bool, StoreError> {
        if self.access.knows_partner(partner) {
            return Ok(true);
        }
        let exists = self
            .find_party(PartyKind::Partner, &partner.to_string())
            .await?
            .is_some();
        if exists {
            self.access.remember_partner(partner);
        }
        Ok(exists)
    }

    pub async fn find_party(
        &self,
        kind: PartyKind,
        id: &str,
    ) -> Result<Option<PartyRow>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT id, name, created_at FROM {} WHERE id = $1",
            kind.table()
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await
        .map_err(store_error)?;
        row.map(|row| {
            Ok(PartyRow {
                id: row.try_get("id").map_err(store_error)?,
                name: row.try_get("name").map_err(store_error)?,
                created_at: Timestamp::from_millis(row.try_get("created_at").map_err(store_error)?),
            })
        })
        .transpose()
    }

    /// Replaces the key hash; the old key stops working at once. False if there is no such party.
    pub async fn rotate_key(
        &self,
        kind: PartyKind,
        id: &str,
        key_hash: &str,
    ) -> Result<bool, StoreError> {
        let affected = sqlx::query(&format!(
            "UPDATE {} SET key_hash = $1 WHERE id = $2",
            kind.table()
        ))
        .bind(key_hash)
        .bind(id)
        .execute(self.pool())
        .await
        .map_err(store_error)?
        .rows_affected();
        Ok(affected == 1)
    }

    pub async fn key_owner(&self, key_hash: &str) -> Result<Option<KeyOwner>, StoreError> {
        let row = sqlx::query(
            "SELECT 'wallet' AS kind, id FROM wallets WHERE key_hash = $1
             UNION ALL SELECT 'partner' AS kind, id FROM partners WHERE key_hash = $1",
        )
        .bind(key_hash)
        .fetch_optional(self.pool())
        .await
        .map_err(store_error)?;
        let Some(row) = row else { return Ok(None) };
        let kind: &str = row.try_get("kind").map_err(store_error)?;
        let id: &str = row.try_get("id").map_err(store_error)?;
        Ok(Some(match kind {
            "wallet" => KeyOwner::Wallet(WalletId::parse(id).map_err(StoreError::new)?),
            _ => KeyOwner::Partner(PartnerId::parse(id).map_err(StoreError::new)?),
        }))
    }
}
