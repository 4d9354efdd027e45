//! The cluster tables (`cluster_settings`, `cluster_nodes`, `cluster_shards`, PostgreSQL only):
//! registration, heartbeats, the view every node rebalances from, taking and releasing shard
//! leases. Every time in them is the database's clock (see [`DB_NOW_MS`]).
//!
//! The coordinator has a pool of its own, so a heartbeat never waits behind requests for one of
//! the service's connections: a node that is merely busy must not lose its lease.

use std::time::Duration;

use rampflow_actors::shard::{Epoch, ShardId};
use rampflow_actors::store::StoreError;
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Row};

use crate::store::{commit_error, store_error, DB_NOW_MS};

/// Where other nodes are told about a change at once (a node joined, left, took or released
/// shards), instead of at their next round.
pub const CHANNEL: &str = "rampflow_cluster";

#[derive(Debug, Clone)]
pub struct NodeRow {
    pub id: String,
    pub address: String,
    pub started_at: i64,
    pub heartbeat_at: i64,
    pub lease_ms: i64,
    pub leaving: bool,
}

impl NodeRow {
    /// Alive while its lease runs, by the database's clock.
    pub fn is_alive(&self, now_ms: i64) -> bool {
        self.heartbeat_at + self.lease_ms > now_ms
    }
}

#[derive(Debug, Clone)]
pub struct ShardRow {
    pub shard: ShardId,
    pub owner: Option<String>,
    pub epoch: Epoch,
    pub owned_since: Option<i64>,
    pub previous_owner: Option<String>,
    pub moved_at: Option<i64>,
    pub move_reason: Option<String>,
}

/// The cluster as the database has it at `now_ms`.
#[derive(Debug, Clone)]
pub struct DbView {
    pub now_ms: i64,
    pub nodes: Vec<NodeRow>,
    pub shards: Vec<ShardRow>,
}

impl DbView {
    pub fn node(&self, id: &str) -> Option<&NodeRow> {
        self.nodes.iter().find(|node| node.id == id)
    }

    pub fn is_alive(&self, id: &str) -> bool {
        self.node(id).is_some_and(|node| node.is_alive(self.now_ms))
    }
}

/// A shard this node took: at which epoch, and from whom (a node that died) if anyone.
#[derive(Debug, Clone)]
pub struct Taken {
    pub shard: ShardId,
    pub epoch: Epoch,
    pub from_dead: Option<String>,
}

#[derive(Clone)]
pub struct ClusterStore {
    pool: AnyPool,
}

impl ClusterStore {
    pub async fn connect(database_url: &str, lease: Duration) -> anyhow::Result<ClusterStore> {
        let pool = AnyPoolOptions::new()
            .max_connections(2)
            .acquire_timeout(lease)
            .connect(database_url)
            .await?;
        Ok(ClusterStore { pool })
    }

    /// The database's shard count: the one recorded by the first node that started a cluster
    /// on it, else `wanted`, recorded now. Creates the shard rows.
    pub async fn shard_count(&self, wanted: u32) -> Result<u32, StoreError> {
        sqlx::query(
            "INSERT INTO cluster_settings (id, shard_count) VALUES (1, $1)
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(i64::from(wanted))
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        let count: i64 = sqlx::query("SELECT shard_count FROM cluster_settings WHERE id = 1")
            .fetch_one(&self.pool)
            .await
            .map_err(store_error)?
            .try_get(0)
            .map_err(store_error)?;
        sqlx::query(
            "INSERT INTO cluster_shards (shard, epoch)
             SELECT g, 0 FROM generate_series(0, $1 - 1) AS g
             ON CONFLICT (shard) DO NOTHING",
        )
        .bind(count)
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(count as u32)
    }

    /// Records the operator token's hash the first time; answers whether this node's token
    /// is the cluster's.
    pub async fn same_admin_token(&self, hash: &str) -> Result<bool, StoreError> {
        sqlx::query(
            "UPDATE cluster_settings SET admin_token_hash = $1
             WHERE id = 1 AND admin_token_hash IS NULL",
        )
        .bind(hash)
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        let stored: Option<String> =
            sqlx::query("SELECT admin_token_hash FROM cluster_settings WHERE id = 1")
                .fetch_one(&self.pool)
                .await
                .map_err(store_error)?
                .try_get(0)
                .map_err(store_error)?;
        Ok(stored.as_deref() == Some(hash))
    }

    pub async fn register(
        &self,
        node: &str,
        address: &str,
        lease: Duration,
    ) -> Result<(), StoreError> {
        sqlx::query(&format!(
            "INSERT INTO cluster_nodes (id, address, started_at, heartbeat_at, lease_ms, leaving)
             VALUES ($1, $2, {DB_NOW_MS}, {DB_NOW_MS}, $3, 0)
             ON CONFLICT (id) DO UPDATE SET heartbeat_at = {DB_NOW_MS}, leaving = 0"
        ))
        .bind(node)
        .bind(address)
        .bind(lease.as_millis() as i64)
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        self.notify(node, "joined").await
    }

    /// Ends the lease of `node`, a previous process of this node's data directory that is
    /// known to be gone: its shards can be taken at once (as from any dead node, so what it
    /// was sending is freed too). True if it was still registered.
    pub async fn retire(&self, node: &str) -> Result<bool, StoreError> {
        let retired = sqlx::query("UPDATE cluster_nodes SET heartbeat_at = 0 WHERE id = $1")
            .bind(node)
            .execute(&self.pool)
            .await
            .map_err(store_error)?
            .rows_affected();
        if retired > 0 {
            self.notify(node, "retired").await?;
        }
        Ok(retired > 0)
    }

    /// Renews this node's lease (all its shards at once). False when its row is gone: the
    /// others declared it dead and forgot it.
    pub async fn renew(&self, node: &str) -> Result<bool, StoreError> {
        let renewed = sqlx::query(&format!(
            "UPDATE cluster_nodes SET heartbeat_at = {DB_NOW_MS} WHERE id = $1"
        ))
        .bind(node)
        .execute(&self.pool)
        .await
        .map_err(store_error)?
        .rows_affected();
        Ok(renewed == 1)
    }

    pub async fn view(&self) -> Result<DbView, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT id, address, started_at, heartbeat_at, lease_ms, leaving,
                    {DB_NOW_MS} AS now_ms
             FROM cluster_nodes ORDER BY id"
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        let mut now_ms = None;
        let mut nodes = Vec::with_capacity(rows.len());
        for row in &rows {
            now_ms = Some(row.try_get::<i64, _>("now_ms").map_err(store_error)?);
            nodes.push(NodeRow {
                id: row.try_get("id").map_err(store_error)?,
                address: row.try_get("address").map_err(store_error)?,
                started_at: row.try_get("started_at").map_err(store_error)?,
                heartbeat_at: row.try_get("heartbeat_at").map_err(store_error)?,
                lease_ms: row.try_get("lease_ms").map_err(store_error)?,
                leaving: row.try_get::<i64, _>("leaving").map_err(store_error)? != 0,
            });
        }
        let now_ms = match now_ms {
            Some(now) => now,
            None => sqlx::query(&format!("SELECT {DB_NOW_MS}"))
                .fetch_one(&self.pool)
                .await
                .map_err(store_error)?
                .try_get(0)
                .map_err(store_error)?,
        };
        let rows = sqlx::query(
            "SELECT shard, owner, epoch, owned_since, previous_owner, moved_at, move_reason
             FROM cluster_shards ORDER BY shard",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        let shards = rows
            .iter()
            .map(|row| {
                Ok(ShardRow {
                    shard: ShardId::new(row.try_get::<i64, _>("shard")? as u32),
                    owner: row.try_get("owner")?,
                    epoch: row.try_get::<i64, _>("epoch")? as Epoch,
                    owned_since: row.try_get("owned_since")?,
                    previous_owner: row.try_get("previous_owner")?,
                    moved_at: row.try_get("moved_at")?,
                    move_reason: row.try_get("move_reason")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(store_error)?;
        Ok(DbView {
            now_ms,
            nodes,
            shards,
        })
    }

    /// Takes those of `wanted` that are free or whose owner's lease ran out, each under a new
    /// epoch. A shard whose row is locked (its old owner's last commit still running, or
    /// another node taking it right now) is passed over, to be tried on a later round: a
    /// taker never waits, so it never deadlocks.
    pub async fn take(&self, node: &str, wanted: &[ShardId]) -> Result<Vec<Taken>, StoreError> {
        if wanted.is_empty() {
            return Ok(Vec::new());
        }
        let list = number_list(wanted.iter().map(|shard| shard.get()));
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        let locked: Vec<(i64, Option<String>)> = sqlx::query(&format!(
            "SELECT s.shard, s.owner FROM cluster_shards s
             WHERE s.shard IN ({list})
               AND (s.owner IS NULL OR NOT EXISTS (
                   SELECT 1 FROM cluster_nodes n
                   WHERE n.id = s.owner AND n.heartbeat_at + n.lease_ms > {DB_NOW_MS}))
             ORDER BY s.shard
             FOR UPDATE SKIP LOCKED"
        ))
        .fetch_all(&mut *tx)
        .await
        .map_err(store_error)?
        .iter()
        .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(store_error)?;
        if locked.is_empty() {
            tx.rollback().await.map_err(store_error)?;
            return Ok(Vec::new());
        }
        let list = number_list(locked.iter().map(|(shard, _)| *shard as u32));
        let rows = sqlx::query(&format!(
            "UPDATE cluster_shards SET
                 owner = $1, epoch = epoch + 1, owned_since = {DB_NOW_MS}, moved_at = {DB_NOW_MS},
                 previous_owner = COALESCE(owner, previous_owner),
                 move_reason = CASE WHEN owner IS NULL
                     THEN COALESCE(move_reason, 'first owner')
                     ELSE 'taken over: its owner stopped renewing its lease' END
             WHERE shard IN ({list})
             RETURNING shard, epoch"
        ))
        .bind(node)
        .fetch_all(&mut *tx)
        .await
        .map_err(store_error)?;
        tx.commit().await.map_err(commit_error)?;
        let from: std::collections::HashMap<i64, Option<String>> = locked.into_iter().collect();
        let taken = rows
            .iter()
            .map(|row| {
                let shard: i64 = row.try_get(0)?;
                let epoch: i64 = row.try_get(1)?;
                Ok(Taken {
                    shard: ShardId::new(shard as u32),
                    epoch: epoch as Epoch,
                    from_dead: from.get(&shard).cloned().flatten(),
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()
            .map_err(store_error)?;
        self.notify(node, "took shards").await?;
        Ok(taken)
    }

    /// Gives up the leases of `shards`, each only if this node still holds it at that epoch.
    pub async fn release(
        &self,
        node: &str,
        shards: &[(ShardId, Epoch)],
        reason: &str,
    ) -> Result<u64, StoreError> {
        if shards.is_empty() {
            return Ok(0);
        }
        let mut values = String::new();
        for (index, _) in shards.iter().enumerate() {
            if index > 0 {
                values.push_str(", ");
            }
            values.push_str(&format!(
                "(${}::BIGINT, ${}::BIGINT)",
                index * 2 + 3,
                index * 2 + 4
            ));
        }
        let sql = format!(
            "UPDATE cluster_shards s SET owner = NULL, previous_owner = s.owner,
                 moved_at = {DB_NOW_MS}, move_reason = $2
             FROM (VALUES {values}) AS v (shard, epoch)
             WHERE s.shard = v.shard AND s.epoch = v.epoch AND s.owner = $1"
        );
        let mut query = sqlx::query(&sql)
            .bind(node)
            .bind(format!("released by {node}: {reason}"));
        for (shard, epoch) in shards {
            query = query.bind(i64::from(shard.get())).bind(*epoch as i64);
        }
        let released = query
            .execute(&self.pool)
            .await
            .map_err(store_error)?
            .rows_affected();
        self.notify(node, "released shards").await?;
        Ok(released)
    }

    /// Marks this node as leaving: the others stop counting on it and take what it hands over.
    pub async fn set_leaving(&self, node: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE cluster_nodes SET leaving = 1 WHERE id = $1")
            .bind(node)
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        self.notify(node, "leaving").await
    }

    /// Removes this node, freeing any lease it still holds.
    pub async fn deregister(&self, node: &str) -> Result<(), StoreError> {
        sqlx::query(&format!(
            "UPDATE cluster_shards SET owner = NULL, previous_owner = owner,
                 moved_at = {DB_NOW_MS}, move_reason = 'released: its owner stopped'
             WHERE owner = $1"
        ))
        .bind(node)
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        sqlx::query("DELETE FROM cluster_nodes WHERE id = $1")
            .bind(node)
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        self.notify(node, "left").await
    }

    /// Forgets nodes dead for longer than `after` that hold no shard (they stay in the ops
    /// view until then, marked dead).
    pub async fn forget_dead(&self, after: Duration) -> Result<u64, StoreError> {
        sqlx::query(&format!(
            "DELETE FROM cluster_nodes n
             WHERE n.heartbeat_at + n.lease_ms + $1 < {DB_NOW_MS}
               AND NOT EXISTS (SELECT 1 FROM cluster_shards s WHERE s.owner = n.id)"
        ))
        .bind(after.as_millis() as i64)
        .execute(&self.pool)
        .await
        .map(|done| done.rows_affected())
        .map_err(store_error)
    }

    async fn notify(&self, node: &str, what: &str) -> Result<(), StoreError> {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(format!("{node} {what}"))
            .execute(&self.pool)
            .await
            .map(drop)
            .map_err(store_error)
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// `1, 2, 3`: shard numbers are ours, never a client's, so they are written into the SQL.
fn number_list(numbers: impl Iterator<Item = u32>) -> String {
    numbers
        .map(|n| n.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
