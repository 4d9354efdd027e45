//! The database circuit breaker: one shared answer to "is the database reachable right now?".
//!
//! A background probe (the service's `store::health`) opens it after repeated failures to reach
//! the database and closes it once the database answers again. While it is open, work that
//! needs the database is refused at once with a retryable answer (HTTP 503 with `Retry-After`)
//! instead of queueing behind a dead connection, and work already waiting on the database is
//! cut short: a reader gets `database_unavailable`, a committing writer `commit_unknown`.

use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::watch;

use crate::model::{OrderId, Timestamp};
use crate::order::OrderState;
use crate::shard::ShardId;
use crate::store::{
    BlockingCommitter, Committed, HandOver, LiveOrder, OrderStore, OrderWrite, StoreError,
    WriteOutcome,
};
use crate::webhook::store::{
    AttemptOutcome, ClaimRequest, DeliveryStore, DueDelivery, NextHeads, Release,
};

/// How long a client is told to wait before trying again while the breaker is open: the
/// probe's period is a quarter of it, so a retry after this lands on a fresh verdict.
pub const RETRY_AFTER: Duration = Duration::from_secs(1);

#[derive(Debug)]
pub struct Breaker {
    /// `true` while open (the database is unreachable).
    open: watch::Sender<bool>,
}

impl Default for Breaker {
    fn default() -> Self {
        Breaker {
            open: watch::Sender::new(false),
        }
    }
}

impl Breaker {
    pub fn is_open(&self) -> bool {
        *self.open.borrow()
    }

    /// The database stopped answering. Returns whether this call changed the state.
    pub fn open(&self) -> bool {
        let changed = self
            .open
            .send_if_modified(|open| !std::mem::replace(open, true));
        if changed {
            crate::instruments::breaker(true);
        }
        changed
    }

    /// The database answers again. Returns whether this call changed the state.
    pub fn close(&self) -> bool {
        let changed = self
            .open
            .send_if_modified(|open| std::mem::replace(open, false));
        if changed {
            crate::instruments::breaker(false);
        }
        changed
    }

    /// Resolves once the breaker is open (at once if it is).
    pub async fn opened(&self) {
        let mut state = self.open.subscribe();
        // The sender lives as long as `self`, so this cannot fail.
        let _ = state.wait_for(|open| *open).await;
    }

    /// Resolves once the breaker is closed (at once if it is).
    pub async fn closed(&self) {
        let mut state = self.open.subscribe();
        let _ = state.wait_for(|open| !*open).await;
    }
}

impl Breaker {
    /// Runs `work` unless the breaker is open, and gives it up if the breaker opens meanwhile:
    /// either way the caller gets `Unavailable` at once rather than waiting on a dead
    /// connection.
    pub async fn guard<T>(
        &self,
        work: impl Future<Output = Result<T, StoreError>>,
    ) -> Result<T, StoreError> {
        if self.is_open() {
            return Err(StoreError::unavailable("the database is unreachable"));
        }
        tokio::select! {
            biased;
            result = work => result,
            () = self.opened() => Err(StoreError::unavailable(
                "the database became unreachable while waiting for it",
            )),
        }
    }
}

/// A store whose calls obey a [`Breaker`] (see [`Breaker::guard`]), for the background users of
/// the database: order loads (timers, activations) and webhook deliveries. Order commits pass
/// straight through: the journal guards them itself, because a commit cut short has an
/// unknown outcome, not a failed one.
pub struct Guarded<S: ?Sized> {
    pub store: Arc<S>,
    pub breaker: Arc<Breaker>,
}

#[async_trait]
impl<S: OrderStore + ?Sized> OrderStore for Guarded<S> {
    async fn commit(&self, writes: &[OrderWrite]) -> Result<Vec<WriteOutcome>, StoreError> {
        self.store.commit(writes).await
    }

    async fn commit_handing_over(
        &self,
        writes: &[OrderWrite],
        hand_over: HandOver<'_>,
    ) -> Result<Committed, StoreError> {
        self.store.commit_handing_over(writes, hand_over).await
    }

    fn blocking_committer(&self) -> Option<Box<dyn BlockingCommitter>> {
        self.store.blocking_committer()
    }

    async fn load(&self, id: OrderId) -> Result<Option<OrderState>, StoreError> {
        self.breaker.guard(self.store.load(id)).await
    }

    async fn live_orders(
        &self,
        shard: Option<ShardId>,
        after: Option<OrderId>,
        limit: u32,
    ) -> Result<Vec<LiveOrder>, StoreError> {
        self.breaker
            .guard(self.store.live_orders(shard, after, limit))
            .await
    }
}

#[async_trait]
impl<S: DeliveryStore + ?Sized> DeliveryStore for Guarded<S> {
    async fn claim_due(&self, claim: ClaimRequest<'_>) -> Result<Vec<DueDelivery>, StoreError> {
        self.breaker.guard(self.store.claim_due(claim)).await
    }

    async fn record_attempts(
        &self,
        node: &str,
        outcomes: &[AttemptOutcome],
        released: &[Release],
        next_heads: Option<NextHeads<'_>>,
    ) -> Result<Vec<DueDelivery>, StoreError> {
        // Cut short, the attempts count as unrecorded: their leases lapse and they are sent
        // again under the same webhook-id (at least once).
        self.breaker
            .guard(
                self.store
                    .record_attempts(node, outcomes, released, next_heads),
            )
            .await
    }

    fn hands_over_next_heads(&self) -> bool {
        self.store.hands_over_next_heads()
    }

    async fn release_leases_at_boot(&self) -> Result<(), StoreError> {
        self.breaker
            .guard(self.store.release_leases_at_boot())
            .await
    }

    async fn release_leases_held_by(&self, nodes: &[String]) -> Result<u64, StoreError> {
        self.breaker
            .guard(self.store.release_leases_held_by(nodes))
            .await
    }

    async fn live_endpoints(&self, endpoint_ids: &[String]) -> Result<HashSet<String>, StoreError> {
        self.breaker
            .guard(self.store.live_endpoints(endpoint_ids))
            .await
    }

    async fn fail_orphaned_deliveries(&self, now: Timestamp) -> Result<(), StoreError> {
        self.breaker
            .guard(self.store.fail_orphaned_deliveries(now))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn waiters_wake_on_the_transition_they_wait_for() {
        let breaker = std::sync::Arc::new(Breaker::default());
        assert!(!breaker.is_open());
        breaker.closed().await; // closed already: no wait
        let waiting = tokio::spawn({
            let breaker = breaker.clone();
            async move { breaker.opened().await }
        });
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished());
        assert!(breaker.open());
        assert!(!breaker.open(), "opening an open breaker changes nothing");
        waiting.await.unwrap();
        assert!(breaker.is_open());
        assert!(breaker.close());
        assert!(!breaker.close());
        breaker.closed().await;
    }

    #[tokio::test]
    async fn guarded_work_is_refused_while_open_and_cut_when_it_opens() {
        let breaker = std::sync::Arc::new(Breaker::default());
        assert_eq!(breaker.guard(async { Ok(7) }).await.unwrap(), 7);
        let hanging = tokio::spawn({
            let breaker = breaker.clone();
            async move {
                breaker
                    .guard(std::future::pending::<Result<(), StoreError>>())
                    .await
            }
        });
        tokio::task::yield_now().await;
        breaker.open();
        let cut = hanging.await.unwrap().unwrap_err();
        assert_eq!(cut.kind, crate::store::StoreErrorKind::Unavailable);
        let refused = breaker.guard(async { Ok(1) }).await.unwrap_err();
        assert_eq!(refused.kind, crate::store::StoreErrorKind::Unavailable);
    }
}
