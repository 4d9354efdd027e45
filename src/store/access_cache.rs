//! Remembers the database's "yes" to the two questions every order creation asks: does this
//! partner exist, and may it see this user. Asking SQLite through sqlx costs a round trip to
//! a worker thread each, which under load cost more than the rest of the request.
//!
//! Only answers that cannot silently turn false are kept. Partners are never deleted, so a
//! known partner stays known. A grant can be revoked (or its user deleted): revoking clears the
//! cached grant after its commit and bumps a generation, and a lookup that raced it (read the
//! grant before the revoke committed) sees the generation move and does not cache what it
//! read. This holds because every change to grants goes through this process's `Store`, the
//! same single-process assumption the order registry makes.

use std::sync::atomic::{AtomicU64, Ordering};

use dashmap::DashSet;
use rampflow_actors::model::{PartnerId, UserRef, WalletId};

#[derive(Default)]
pub(crate) struct AccessCache {
    partners: DashSet<PartnerId>,
    grants: DashSet<(WalletId, UserRef, PartnerId)>,
    grant_generation: AtomicU64,
}

impl AccessCache {
    pub fn knows_partner(&self, partner: PartnerId) -> bool {
        self.partners.contains(&partner)
    }

    pub fn remember_partner(&self, partner: PartnerId) {
        self.partners.insert(partner);
    }

    pub fn knows_grant(&self, wallet: WalletId, user: &UserRef, partner: PartnerId) -> bool {
        self.grants.contains(&(wallet, user.clone(), partner))
    }

    /// Taken before reading a grant from the database; see [`AccessCache::remember_grant`].
    pub fn grant_generation(&self) -> u64 {
        self.grant_generation.load(Ordering::Acquire)
    }

    /// Keeps a grant the database confirmed, unless a revocation ran since `generation` was
    /// taken (the confirmation may predate it).
    pub fn remember_grant(
        &self,
        generation: u64,
        wallet: WalletId,
        user: &UserRef,
        partner: PartnerId,
    ) {
        self.grants.insert((wallet, user.clone(), partner));
        if self.grant_generation() != generation {
            self.grants.remove(&(wallet, user.clone(), partner));
        }
    }

    /// After a revocation committed: `partner` = None forgets every grant of the user.
    pub fn forget_grants(&self, wallet: WalletId, user: &UserRef, partner: Option<PartnerId>) {
        self.grant_generation.fetch_add(1, Ordering::AcqRel);
        self.grants.retain(|(w, u, p)| {
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
        cache.remember_grant(generation, wallet, &user("u-1"), partner);
        assert!(!cache.knows_grant(wallet, &user("u-1"), partner));

        let generation = cache.grant_generation();
        cache.remember_grant(generation, wallet, &user("u-1"), partner);
        assert!(cache.knows_grant(wallet, &user("u-1"), partner));
    }

    #[test]
    fn forgetting_a_user_forgets_only_that_users_grants() {
        let cache = AccessCache::default();
        let (wallet, first, second) = (WalletId::new(), PartnerId::new(), PartnerId::new());
        for (name, partner) in [("u-1", first), ("u-1", second), ("u-2", first)] {
            cache.remember_grant(cache.grant_generation(), wallet, &user(name), partner);
        }
        cache.forget_grants(wallet, &user("u-1"), None);
        assert!(!cache.knows_grant(wallet, &user("u-1"), first));
        assert!(!cache.knows_grant(wallet, &user("u-1"), second));
        assert!(cache.knows_grant(wallet, &user("u-2"), first));

        cache.forget_grants(wallet, &user("u-2"), Some(second));
        assert!(cache.knows_grant(wallet, &user("u-2"), first));
    }
}
