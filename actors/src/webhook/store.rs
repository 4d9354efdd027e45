//! What delivery needs from the database. Implemented by the service with sqlx.

use std::collections::HashSet;

use async_trait::async_trait;

use crate::model::Timestamp;
use crate::shard::ShardId;
use crate::store::StoreError;

/// A delivery whose turn has come: the head of its (endpoint, order) queue, due, and now
/// leased by the node that claimed it.
#[derive(Debug, Clone)]
pub struct DueDelivery {
    pub event_id: String,
    pub endpoint_id: String,
    pub order_id: String,
    pub order_version: i64,
    /// The order's shard: the delivery is sent only while this node serves it.
    pub shard: ShardId,
    pub attempts: u32,
    /// Until when the claim holds it (node clock, as written in `leased_until`).
    pub lease_until: Timestamp,
    pub url: String,
    /// The secrets that sign it: the current one, and the previous one while it is still valid.
    pub secrets: Vec<String>,
    /// The webhook body: `{"type","timestamp","data"}`.
    pub payload: String,
}

/// What one attempt ended in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NextStep {
    Delivered,
    RetryAt(Timestamp),
    /// The schedule is exhausted, or the endpoint is gone.
    Failed,
}

#[derive(Debug, Clone)]
pub struct AttemptOutcome {
    pub event_id: String,
    pub endpoint_id: String,
    /// Settling a delivery makes the next version of its order the head of its queue.
    pub order_id: String,
    /// Attempts made, this one included.
    pub attempts: u32,
    pub attempted_at: Timestamp,
    pub status_code: Option<u16>,
    pub duration_ms: u64,
    pub error: Option<String>,
    /// The first 1 KiB of the response body.
    pub response_body: Option<String>,
    pub next: NextStep,
    /// The receiver answered 410 Gone: disable the endpoint and fail what it still has pending.
    pub disable_endpoint: bool,
}

/// A claimed delivery given back unattempted: its claim is cleared, no attempt counted, so it
/// is claimed again (by this node or the shard's next owner).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    pub event_id: String,
    pub endpoint_id: String,
    /// The claim being given back: a later claim of the same delivery is left alone.
    pub lease_until: Timestamp,
}

/// What a claim asks for.
#[derive(Debug, Clone, Copy)]
pub struct ClaimRequest<'a> {
    /// The claiming node: written in `leased_by`.
    pub node: &'a str,
    pub now: Timestamp,
    pub lease_until: Timestamp,
    pub limit: u32,
    /// Only deliveries of these shards; `None` for every shard (a single node).
    pub shards: Option<&'a [ShardId]>,
    /// Not for these endpoints: their senders have a full round of attempts queued already.
    pub skip_endpoints: &'a [String],
}

/// How a recorder's transaction hands over the deliveries it makes due (see
/// [`DeliveryStore::record_attempts`]).
#[derive(Debug, Clone, Copy)]
pub struct NextHeads<'a> {
    /// Leased to the recording node until then.
    pub lease_until: Timestamp,
    /// Only deliveries of these shards (those the node serves); `None` for every shard (a
    /// single node).
    pub shards: Option<&'a [ShardId]>,
}

#[async_trait]
pub trait DeliveryStore: Send + Sync + 'static {
    /// Claims up to `limit` due deliveries of the requested shards, leasing them to `node`
    /// until `lease_until` so that no claim, on this node or another, takes them meanwhile.
    /// For each (endpoint, order) only the head (the lowest pending version) is ever due:
    /// later events wait for it to succeed or be exhausted. Returns only what it leased, and
    /// only for endpoints that are live.
    async fn claim_due(&self, claim: ClaimRequest<'_>) -> Result<Vec<DueDelivery>, StoreError>;

    /// Records attempts and their outcomes, and gives back `released` claims, in one
    /// transaction. An outcome decides its delivery only while `node` still holds its lease.
    ///
    /// Settling a queue's head makes its next version the head. With `next_heads`, a store
    /// that [hands them over](DeliveryStore::hands_over_next_heads) leases those that are due
    /// and unleased, of a live endpoint, to `node` once the transaction has committed, and
    /// returns them ready to send: their attempt needs no claim. Otherwise it returns none.
    async fn record_attempts(
        &self,
        node: &str,
        outcomes: &[AttemptOutcome],
        released: &[Release],
        next_heads: Option<NextHeads<'_>>,
    ) -> Result<Vec<DueDelivery>, StoreError>;

    /// Whether [`DeliveryStore::record_attempts`] hands over the deliveries it makes due when
    /// asked to, so that the recorder need not nudge a claim to find them.
    fn hands_over_next_heads(&self) -> bool {
        false
    }

    /// At boot, where this process is the database's only node (SQLite): drops every lease,
    /// as nothing is in flight any more. Where nodes share the database (PostgreSQL) it
    /// leaves them: other nodes' leases are theirs, and a previous run's lapse in seconds.
    async fn release_leases_at_boot(&self) -> Result<(), StoreError>;

    /// Drops the leases held by `nodes` (nodes that died), so their deliveries go out again at
    /// once instead of after the lease. Returns how many.
    async fn release_leases_held_by(&self, nodes: &[String]) -> Result<u64, StoreError>;

    /// Which of `endpoint_ids` are still live (neither deleted nor disabled).
    async fn live_endpoints(&self, endpoint_ids: &[String]) -> Result<HashSet<String>, StoreError>;

    /// Fails pending deliveries whose endpoint was disabled or deleted meanwhile (nothing
    /// would ever send them). A sweep, run on the poll tick rather than on every claim.
    async fn fail_orphaned_deliveries(&self, now: Timestamp) -> Result<(), StoreError>;
}
