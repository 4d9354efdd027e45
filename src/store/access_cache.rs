//! Remembers the database's "yes" to the two questions every order creation asks: does this
//! partner exist, and may it see this user. Asking SQLite through sqlx costs a round trip to
//! a worker thread each, which under load cost more than the rest of the request.
//!
//! Only answers that cannot silently turn false are kept. Partners are never deleted, so a
//! known partner stays known. A grant can be revoked (or its user deleted): revoking clears the
//! cached grant after its commit and bumps a generation, and a lookup that raced it (read the
//! grant before the revoke committed) sees the generation move and does not cache what it
//! read. On a single node every change to grants goes through this process's `Store`, so
//! that is enough. In a cluster a revoke may go through another node: there a cached grant is
//! trusted only for `cluster.cache_ttl` from the read that found it, and the revoke waits that
//! long before it answers (see `cluster::coherence`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Instant;

use dashmap::{DashMap, DashSet};
use rampflow_actors::model::{PartnerId, UserRef, WalletId};

use crate::cluster::coherence::CachePolicy;

#[derive(Default)]
pub(crate) struct AccessCache {
    partners: DashSet<PartnerId>,
    /// Each grant with the moment the read that confirmed it started.
    grants: DashMap<(WalletId, UserRef, PartnerId), Instant>,
    grant_generation: AtomicU64,
    policy: OnceLock<CachePolicy>,
}

impl AccessCache {
    pub fn knows_partner(&self, partner: PartnerId) -> bool {
        self.partners.contains(&partner)
    }

    pub fn remember_partner(&self, partner: PartnerId) {
        self.partners.insert(partner);
    }

    /// Set once at startup; a single node's policy until then.
    pub fn set_policy(&self, policy: CachePolicy) {
        let _ = self.policy.set(policy);
    }

    fn policy(&self) -> CachePolicy {
        *self.policy.get_or_init(CachePolicy::single_node)
    }

    pub fn knows_grant(&self, wallet: WalletId, user: &UserRef, partner: PartnerId) -> bool {
        let key = (wallet, user.clone(), partner);
        match self.grants.get(&key).map(|read_at| *read_at) {
            Some(read_at) if self.policy().is_fresh(read_at) => true,
            Some(_) => {
                self.grants.remove(&key);
                false
            }
            None => false,
        }
    }

    /// Taken before reading a grant from the database; see [`AccessCache::remember_grant`].
    pub fn grant_generation(&self) -> u64 {
        self.grant_generation.load(Ordering::Acquire)
    }

    /// Keeps a grant the database confirmed, unless a revocation ran since `generation` was
    /// taken (the confirmation may predate it). `read_at` is when that read started.
    pub fn remember_grant(
        &self,
        generation: u64,
        read_at: Instant,
        wallet: WalletId,
        user: &UserRef,
        partner: PartnerId,
    ) {
        self.grants.insert((wallet, user.clone(), partner), read_at);
        if self.grant_generation() != generation {
            self.grants.remove(&(wallet, user.clone(), partner));
        }
    }

    /// After a revocation committed: `partner` = None forgets every grant of the user.
    pub fn forget_grants(&self, wallet: WalletId, user: &UserRef, partner: Option<PartnerId>) {
        self.grant_generation.fetch_add(1, Ordering::AcqRel);
        self.grants.retain(|(w, u, p), _| {
            !(*w == wallet && u == user && partner.is_none_or(|partner| partner == *p))
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(name: &str) -> UserRef {
        UserRef::parse(name).unwrap()
    }

    #[test]
    fn a_grant_read_before_a_revocation_is_not_kept() {
        let cache = AccessCache::default();
        let (wallet, partner) = (WalletId::new(), PartnerId::new());
        let generation = cache.grant_generation();
        cache.forget_grants(wallet, &user("u-1"), Some(partner));
        cache.remember_grant(generation, Instant::now(), wallet, &user("u-1"), partner);
        assert!(!cache.knows_grant(wallet, &user("u-1"), partner));

        let generation = cache.grant_generation();
        cache.remember_grant(generation, Instant::now(), wallet, &user("u-1"), partner);
        assert!(cache.knows_grant(wallet, &user("u-1"), partner));
    }

    #[test]
    fn forgetting_a_user_forgets_only_that_users_grants() {
        let cache = AccessCache::default();
        let (wallet, first, second) = (WalletId::new(), PartnerId::new(), PartnerId::new());
        for (name, partner) in [("u-1", first), ("u-1", second), ("u-2", first)] {
            let generation = cache.grant_generation();
            cache.remember_grant(generation, Instant::now(), wallet, &user(name), partner);
        }
        cache.forget_grants(wallet, &user("u-1"), None);
        assert!(!cache.knows_grant(wallet, &user("u-1"), first));
        assert!(!cache.knows_grant(wallet, &user("u-1"), second));
        assert!(cache.knows_grant(wallet, &user("u-2"), first));

        cache.forget_grants(wallet, &user("u-2"), Some(second));
        assert!(cache.knows_grant(wallet, &user("u-2"), first));
    }

    #[test]
    fn in_a_cluster_a_grant_is_trusted_only_for_the_ttl_from_its_read() {
        let cache = AccessCache::default();
        cache.set_policy(CachePolicy::clustered(std::time::Duration::from_secs(1)));
        let (wallet, partner) = (WalletId::new(), PartnerId::new());
        let long_ago = Instant::now() - std::time::Duration::from_secs(5);
        let generation = cache.grant_generation();
        cache.remember_grant(generation, long_ago, wallet, &user("u-1"), partner);
        assert!(!cache.knows_grant(wallet, &user("u-1"), partner));
        cache.remember_grant(generation, Instant::now(), wallet, &user("u-1"), partner);
        assert!(cache.knows_grant(wallet, &user("u-1"), partner));
    }
}
