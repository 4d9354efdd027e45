//! Caches that stay right across nodes.
//!
//! Every node caches what authenticates a request (API key hashes) and what lets an order be
//! created or a user's data be read (grants), so the hot path does not ask the database. On a
//! single node every change goes through that node, which forgets the cached entry when it
//! commits the change. In a cluster the change may come through another node, so:
//!
//! - a cached entry is trusted for at most `cache_ttl`, counted from *before* the database
//!   was read (an entry read just before a change commits can be no older than the change);
//! - a change that takes something away (key rotation, grant revoke, user delete, webhook
//!   endpoint delete, secret rotation) commits, then waits `cache_ttl` before it answers.
//!
//! So once the answer is out, every node's cached copy has run out, and no node honours the
//! old key, grant, endpoint or secret. This costs the change a second and costs nothing on the
//! hot path or between nodes: no invalidation messages and no acknowledgements to lose. A
//! node that was frozen holds no advantage: the monotonic clock its entries age on keeps
//! running while it is stopped.
//!
//! The webhook dispatcher keeps the same promise for what it has claimed (see
//! `rampflow_actors::webhook`): it checks at least every half `cache_ttl` that the endpoints
//! it holds deliveries for are still live.

use std::time::{Duration, Instant};

/// How long cached entries may be trusted: for good on a single node (it forgets them itself),
/// `cache_ttl` in a cluster.
#[derive(Debug, Clone, Copy)]
pub struct CachePolicy {
    ttl: Option<Duration>,
}

impl CachePolicy {
    pub fn single_node() -> CachePolicy {
        CachePolicy { ttl: None }
    }

    pub fn clustered(ttl: Duration) -> CachePolicy {
        CachePolicy { ttl: Some(ttl) }
    }

    /// Whether an entry whose database read started at `read_at` may still be used.
    pub fn is_fresh(&self, read_at: Instant) -> bool {
        self.ttl.is_none_or(|ttl| read_at.elapsed() < ttl)
    }

    /// Called after a change that takes something away has committed, before answering.
    pub async fn outlive_cached_copies(&self) {
        if let Some(ttl) = self.ttl {
            tokio::time::sleep(ttl).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_single_node_trusts_its_cache_for_good() {
        let policy = CachePolicy::single_node();
        assert!(policy.is_fresh(Instant::now() - Duration::from_secs(3600)));
    }

    #[test]
    fn a_cluster_node_trusts_an_entry_for_the_ttl_from_its_read() {
        let policy = CachePolicy::clustered(Duration::from_secs(1));
        assert!(policy.is_fresh(Instant::now()));
        assert!(!policy.is_fresh(Instant::now() - Duration::from_secs(2)));
    }

    #[tokio::test(start_paused = true)]
    async fn a_change_waits_out_the_ttl_in_a_cluster_only() {
        let started = tokio::time::Instant::now();
        CachePolicy::single_node().outlive_cached_copies().await;
        assert_eq!(started.elapsed(), Duration::ZERO);
        CachePolicy::clustered(Duration::from_secs(1))
            .outlive_cached_copies()
            .await;
        assert!(started.elapsed() >= Duration::from_secs(1));
    }
}
