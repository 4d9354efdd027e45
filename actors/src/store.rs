//! What the actors need from the database. The service implements this with sqlx; keeping it
//! a trait means a second backend (PostgreSQL) stands beside SQLite without touching the actors.

use std::sync::Arc;

use async_trait::async_trait;

use crate::model::{OrderId, Timestamp};
use crate::order::{OrderEvent, OrderState, Status, Timers};
use crate::shard::ShardId;
use crate::webhook::store::{AttemptOutcome, DueDelivery, Release};
use crate::webhook::DeliveredUnrecorded;

/// One decided change of one order, as the journal commits it.
#[derive(Debug, Clone)]
pub struct OrderWrite {
    /// The order's state after the change.
    pub state: Arc<OrderState>,
    /// The order resource of `state`, serialized once and reused for the row, the event and
    /// the HTTP reply.
    pub document: Arc<str>,
    /// The version the writer started from (0 for a new order). The write only lands if the
    /// stored version is still this one (compare-and-set), so a second writer can never
    /// silently overwrite the first.
    pub expected_version: u64,
    pub event: OrderEvent,
    /// The webhook body of `event`: `{"type","timestamp","data"}`.
    pub event_payload: String,
    /// Written in the same transaction, so a replayed create can never create twice.
    pub idempotency: Option<IdempotencyRecord>,
}

/// What rehydration needs of a live order: enough to count its actor and arm its timer. It is
/// read from the row's columns rather than its document, so a million load in seconds; an
/// actor started from it loads the whole order when the order is first used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiveOrder {
    pub id: OrderId,
    pub status: Status,
    pub version: u64,
    pub timers: Timers,
}

impl LiveOrder {
    pub fn of(state: &OrderState) -> LiveOrder {
        LiveOrder {
            id: state.order.id,
            status: state.order.status,
            version: state.order.version,
            timers: state.timers,
        }
    }
}

/// A remembered response to a request that carried an `Idempotency-Key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    /// The caller the key belongs to (keys are never shared between parties).
    pub owner: String,
    pub key: String,
    /// A fingerprint of the request (method, path and body).
    pub request_hash: String,
    pub status: u16,
    /// The response; for a create, the order's document itself (shared, not copied).
    pub body: Arc<str>,
    pub created_at: Timestamp,
    /// Set on a create's record: the response is this order's document as its `order.created`
    /// event (version 1) holds it, so the store keeps it once, with the event, and the record
    /// only names the order.
    pub created_order: Option<OrderId>,
}

impl IdempotencyRecord {
    /// What the record's `body` column holds: nothing for a create's record (the event holds
    /// the response), the response otherwise.
    pub fn stored_body(&self) -> &str {
        match self.created_order {
            Some(_) => "",
            None => &self.body,
        }
    }

    /// What the record's `order_id` column holds.
    pub fn stored_order(&self) -> Option<String> {
        self.created_order.map(|id| id.to_string())
    }
}

/// How one write of a batch ended. Writes that did not land leave no trace: no row change, no
/// event, no idempotency record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOutcome {
    Committed,
    /// The stored version was not the expected one (or the order already existed).
    VersionConflict,
    /// Another request already holds this idempotency key.
    IdempotencyKeyTaken,
    /// This node no longer holds the lease of the order's shard (at the epoch it wrote under):
    /// another node owns the order now, or is about to (fencing).
    Fenced,
}

/// What a failed database call means for the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreErrorKind {
    /// The statement failed and changed nothing (a bug, a constraint, bad data).
    Failed,
    /// Worth trying again as it is: the database was busy (SQLite's write lock) or chose this
    /// transaction as the victim of a deadlock or a serialization failure (PostgreSQL).
    Retryable,
    /// The database could not be reached, or has no room (a lost connection, a refused
    /// connect, a pool with no free connection in time, a full disk). Nothing was committed.
    Unavailable,
    /// The connection failed while the transaction was committing: it may or may not have
    /// committed, and only reading the database again can tell.
    CommitUnknown,
}

#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct StoreError {
    pub message: String,
    pub kind: StoreErrorKind,
}

impl StoreError {
    pub fn new(message: impl std::fmt::Display) -> Self {
        StoreError::of_kind(StoreErrorKind::Failed, message)
    }

    pub fn retryable(message: impl std::fmt::Display) -> Self {
        StoreError::of_kind(StoreErrorKind::Retryable, message)
    }

    pub fn unavailable(message: impl std::fmt::Display) -> Self {
        StoreError::of_kind(StoreErrorKind::Unavailable, message)
    }

    pub fn of_kind(kind: StoreErrorKind, message: impl std::fmt::Display) -> Self {
        StoreError {
            message: message.to_string(),
            kind,
        }
    }

    pub fn is_retryable(&self) -> bool {
        self.kind == StoreErrorKind::Retryable
    }
}

/// How a batch commit hands its new deliveries over to this node's senders.
#[derive(Clone, Copy)]
pub struct HandOver<'a> {
    /// The lease the transaction gives the deliveries it hands over.
    pub lease_until: Timestamp,
    /// This node's deliveries that reached their receivers and are not recorded yet. A store
    /// may record them in the same transaction (holding them in the set, then settling them
    /// once it commits or releasing them if it fails) when they are all that holds an order's
    /// next event back, and make that event the head of its queue; both engines' journals do.
    pub delivered: &'a DeliveredUnrecorded,
}

/// What a batch commit that hands its deliveries over returns.
#[derive(Debug, Default)]
pub struct Committed {
    /// One per write, in order.
    pub outcomes: Vec<WriteOutcome>,
    /// The batch's new deliveries that were due at once (the heads of their queues), leased
    /// to this node by the same transaction and ready to send; `None` when the store does not
    /// hand deliveries over, and a claim must find them.
    pub handed: Option<Vec<DueDelivery>>,
}

#[async_trait]
pub trait OrderStore: Send + Sync + 'static {
    /// Commits a batch of writes in one transaction. Returns one outcome per write, in order;
    /// `Err` means nothing of the batch was committed.
    async fn commit(&self, writes: &[OrderWrite]) -> Result<Vec<WriteOutcome>, StoreError>;

    /// As [`OrderStore::commit`], and leases the new deliveries that are due at once to this
    /// node until `hand_over.lease_until`, in the same transaction, so their first attempt
    /// needs no claim. A store that cannot leaves them to the claim.
    async fn commit_handing_over(
        &self,
        writes: &[OrderWrite],
        hand_over: HandOver<'_>,
    ) -> Result<Committed, StoreError> {
        let _ = hand_over;
        Ok(Committed {
            outcomes: self.commit(writes).await?,
            handed: None,
        })
    }

    /// A committer that works without async, on a thread the journal gives it alone, or
    /// `None` when the store commits only through [`OrderStore::commit`]. SQLite's has a
    /// connection of its own with its statements prepared once: the journal's writer then runs
    /// on that thread, binds and steps each batch there, and answers each waiter itself, so a
    /// write crosses from its actor to that thread and back and nowhere else. A committer that
    /// cannot reach its database answers each commit with the error, as the async path would.
    /// (No default: a store that wraps another must pass its committer on, or the journal
    /// would silently fall back to the async path.)
    fn blocking_committer(&self) -> Option<Box<dyn BlockingCommitter>>;

    async fn load(&self, id: OrderId) -> Result<Option<OrderState>, StoreError>;

    /// Orders whose status is live (see `Status::is_live`), in id order after `after`, for
    /// rehydration: every shard's at boot of a single node, or one shard's when a node of a
    /// cluster takes it.
    async fn live_orders(
        &self,
        shard: Option<ShardId>,
        after: Option<OrderId>,
        limit: u32,
    ) -> Result<Vec<LiveOrder>, StoreError>;
}

/// A store's synchronous batch commit, owned by the journal's writer thread (see
/// [`OrderStore::blocking_committer`]).
pub trait BlockingCommitter: Send + 'static {
    /// As [`OrderStore::commit_handing_over`] (with `hand_over`) or [`OrderStore::commit`]
    /// (without): one transaction, one outcome per write.
    fn commit(
        &mut self,
        writes: &[OrderWrite],
        hand_over: Option<HandOver<'_>>,
    ) -> Result<Committed, StoreError>;

    /// As [`DeliveryStore::record_attempts`](crate::webhook::store::DeliveryStore::record_attempts),
    /// in a transaction of its own on this committer's connection. The webhook recorder writes
    /// through here (see [`Journal::record_attempts`](crate::journal::Journal::record_attempts)),
    /// so the database has one writer on the hot path: the journal never waits for another
    /// connection's transaction, and no other connection's commit empties its page cache.
    /// With `hand_over`, the deliveries whose queue it hands to the next version, and which are
    /// due, are leased to `node` until then by the same transaction and returned ready to send,
    /// as a batch commit hands its new deliveries over: their attempt needs no claim.
    fn record_attempts(
        &mut self,
        node: &str,
        outcomes: &[AttemptOutcome],
        released: &[Release],
        hand_over: Option<Timestamp>,
    ) -> Result<Vec<DueDelivery>, StoreError>;

    /// Called when the writer has nothing queued after a batch: a moment for upkeep (SQLite's
    /// WAL checkpoint) that no commit waits on.
    fn idle(&mut self) {}
}
