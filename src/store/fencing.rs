//! Fencing: a journal transaction commits a write only while its node still holds the lease of
//! the write's shard, at the epoch the node took it under. Checked inside the transaction, on
//! the database's own rows and clock, so a node that lost a shard (it was frozen past its
//! lease, cut off, or the shard was taken while it thought otherwise) can no longer change
//! anything in it.
//!
//! The check takes a share lock on the shard rows it confirms. Another node takes a shard with
//! `FOR UPDATE SKIP LOCKED`, so it passes over a shard whose old owner is still committing and
//! takes it on its next round, after that commit; a frozen transaction holding the lock is
//! ended by PostgreSQL's `idle_in_transaction_session_timeout`, which the pool sets to the
//! lease. Either way no write lands after the shard changed hands.

use std::collections::{BTreeMap, HashSet};

use rampflow_actors::shard::{Epoch, ShardId, Shards};
use rampflow_actors::store::{OrderWrite, WriteOutcome};
use sqlx::{Any, Row, Transaction};

use super::batch::Placeholders;

/// The database's clock in Unix milliseconds: lease times are read and written in it only, so
/// the nodes' own clocks never have to agree.
pub(crate) const DB_NOW_MS: &str = "(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT";

/// Marks `Fenced` every write whose shard this node does not hold at the epoch it writes
/// under (per the database), and share-locks the shard rows of the rest until the transaction
/// ends.
pub(crate) async fn check_leases(
    tx: &mut Transaction<'_, Any>,
    style: Placeholders,
    shards: &Shards,
    writes: &[OrderWrite],
    outcomes: &mut [WriteOutcome],
) -> Result<(), sqlx::Error> {
    let mut wanted: BTreeMap<ShardId, Epoch> = BTreeMap::new();
    for (write, outcome) in writes.iter().zip(outcomes.iter_mut()) {
        if *outcome != WriteOutcome::Committed {
            continue;
        }
        let shard = shards.of(write.state.order.id);
        match shards.writable_epoch(shard) {
            Some(epoch) => {
                wanted.insert(shard, epoch);
            }
            None => *outcome = WriteOutcome::Fenced,
        }
    }
    if wanted.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "SELECT s.shard FROM cluster_shards s JOIN cluster_nodes n ON n.id = s.owner
         WHERE s.owner = $1 AND n.heartbeat_at + n.lease_ms > {DB_NOW_MS}
           AND (s.shard, s.epoch) IN (VALUES {})
         ORDER BY s.shard
         FOR SHARE OF s",
        style.rows_after(1, wanted.len(), 2, "")
    );
    let mut query = sqlx::query(&sql).bind(shards.node());
    for (shard, epoch) in &wanted {
        query = query.bind(i64::from(shard.get())).bind(*epoch as i64);
    }
    let held: HashSet<u32> = query
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|row| row.try_get::<i64, _>(0).map(|shard| shard as u32))
        .collect::<Result<_, _>>()?;
    for (write, outcome) in writes.iter().zip(outcomes.iter_mut()) {
        if *outcome == WriteOutcome::Committed
            && !held.contains(&shards.of(write.state.order.id).get())
        {
            *outcome = WriteOutcome::Fenced;
        }
    }
    Ok(())
}
