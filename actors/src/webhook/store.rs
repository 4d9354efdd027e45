//! What delivery needs from the database. Implemented by the service with sqlx.

use async_trait::async_trait;

use crate::model::Timestamp;
use crate::store::StoreError;

/// A delivery whose turn has come: the head of its (endpoint, order) queue, due, not leased.
#[derive(Debug, Clone)]
pub struct DueDelivery {
    pub event_id: String,
    pub endpoint_id: String,
    pub order_id: String,
    pub order_version: i64,
    pub attempts: u32,
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

#[async_trait]
pub trait DeliveryStore: Send + Sync + 'static {
    /// Claims up to `limit` due deliveries, leasing them until `lease_until` so that a poll
    /// during the attempt does not claim them again. For each (endpoint, order) only the lowest
    /// pending version is ever due: later events wait for it to succeed or be exhausted.
    async fn claim_due(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> Result<Vec<DueDelivery>, StoreError>;

    /// Records attempts and their outcomes in one transaction.
    async fn record_attempts(&self, outcomes: &[AttemptOutcome]) -> Result<(), StoreError>;

    /// Drops every lease: at boot, nothing is in flight any more.
    async fn release_leases(&self) -> Result<(), StoreError>;

    /// Fails pending deliveries whose endpoint was disabled or deleted meanwhile (nothing
    /// would ever send them). A sweep, run on the poll tick rather than on every claim.
    async fn fail_orphaned_deliveries(&self, now: Timestamp) -> Result<(), StoreError>;
}
