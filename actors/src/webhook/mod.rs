//! Webhook delivery: Standard Webhooks signing, the retry policy, the dispatcher that claims
//! due deliveries from the store, and one sender actor per endpoint.
//!
//! - [`signing`]: `webhook-signature` values and endpoint secrets.
//! - [`retry`]: the schedule with jitter, and `Retry-After`.
//! - [`ssrf`]: the addresses no webhook may reach unless allowed.
//! - [`client`]: the shared HTTP client and its guarded DNS resolver.
//! - [`store`]: what delivery needs from the database.
//! - [`dispatcher`]: claims due deliveries, keeps per-order order, records outcomes.
//! - [`sender`]: the per-endpoint actor that makes the attempts.

pub mod client;
pub mod dispatcher;
pub mod retry;
pub mod sender;
pub mod signing;
pub mod ssrf;
pub mod store;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

pub use dispatcher::{attempt_allowance, lease_for, WebhookSettings, Webhooks};
pub use signing::{generate_secret, sign, signature_header};
use tokio::sync::Notify;

use self::store::DueDelivery;

/// Wakes the dispatcher, for one of two reasons: deliveries may have become due (an order
/// event committed without a hand-over, a redelivery, recorded outcomes that unblock the next
/// event of an order), so it should claim; or the journal handed it deliveries its own
/// transaction leased, to send at once. Cheap to clone; a wake while the dispatcher is busy is
/// kept, not lost.
#[derive(Clone, Default)]
pub struct Nudge(Arc<Wake>);

#[derive(Default)]
struct Wake {
    notify: Notify,
    claim: AtomicBool,
    handed: Mutex<Vec<DueDelivery>>,
}

impl Nudge {
    /// Something may be due: claim.
    pub fn nudge(&self) {
        self.0.claim.store(true, Ordering::Release);
        self.0.notify.notify_one();
    }

    /// Deliveries already leased to this node (by the transaction that created them), for
    /// their senders at once: no claim needed.
    pub fn hand_over(&self, deliveries: Vec<DueDelivery>) {
        if deliveries.is_empty() {
            return;
        }
        self.0
            .handed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend(deliveries);
        self.0.notify.notify_one();
    }

    pub async fn wait(&self) {
        self.0.notify.notified().await;
    }

    /// What the wake brought: the deliveries handed over, and whether to claim.
    pub fn take(&self) -> (Vec<DueDelivery>, bool) {
        let handed =
            std::mem::take(&mut *self.0.handed.lock().unwrap_or_else(PoisonError::into_inner));
        (handed, self.0.claim.swap(false, Ordering::AcqRel))
    }
}
