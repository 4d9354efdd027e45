//! Webhook delivery: Standard Webhooks signing, the retry policy, the dispatcher that claims
//! due deliveries from the store, and one sender actor per endpoint.

pub mod signing;

pub use signing::{generate_secret, sign, signature_header};

use std::sync::Arc;

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
