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

use std::sync::Arc;

pub use dispatcher::{attempt_allowance, lease_for, WebhookSettings, Webhooks};
pub use signing::{generate_secret, sign, signature_header};
use tokio::sync::Notify;

/// Wakes the dispatcher: new deliveries were committed (order events, a redelivery) or
/// attempts finished. Cheap to clone; a nudge while the dispatcher is busy is kept, not lost.
#[derive(Clone, Default)]
pub struct Nudge(Arc<Notify>);

impl Nudge {
    pub fn nudge(&self) {
        self.0.notify_one();
    }

    pub async fn wait(&self) {
        self.0.notified().await;
    }
}
