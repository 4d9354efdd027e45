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

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

pub use dispatcher::{attempt_allowance, lease_for, WebhookSettings, Webhooks};
pub use signing::{generate_secret, sign, signature_header};
use tokio::sync::Notify;

use self::store::{AttemptOutcome, DueDelivery};

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
    delivered: DeliveredUnrecorded,
}

/// Deliveries this node sent and the receiver accepted (2xx) whose outcome is not written yet,
/// by (event id, endpoint id), with that outcome.
///
/// Whoever records an outcome removes it from the set: the recorder, or the journal. The
/// journal's fan-out holds them when they are all that is pending before an order's next
/// event: it records them as delivered in the same transaction that makes the next event the
/// head of its queue and hands it over. A partner that answers a webhook and acts on it at once
/// (accepts on `order.created`) would otherwise find its own webhook still pending, and the
/// next event would wait for the recorder's commit and a claim. Because the earlier delivery is
/// settled in the very transaction that lets the next one go, a crash can never resend it after
/// its successor: either both are committed, or neither.
///
/// A journal that finds an order's earlier delivery still under way (sent, no answer yet)
/// cannot record it, so the next event waits behind it. It marks that delivery *awaited*:
/// when its 2xx arrives the recorder writes it at once instead of leaving it to the journal,
/// since the journal has passed already and the next event waits for that write.
#[derive(Clone, Default)]
pub struct DeliveredUnrecorded(Arc<Mutex<Unrecorded>>);

#[derive(Default)]
struct Unrecorded {
    noted: HashMap<DeliveryKey, Noted>,
    awaited: HashSet<DeliveryKey>,
}

/// Awaited deliveries kept at most: one whose attempt never reaches this node's recorder (it
/// failed over to another node) is forgotten only when the set is cleared at this size, which
/// costs nothing but the shortcut.
const MAX_AWAITED: usize = 65_536;

/// (event id, endpoint id).
pub type DeliveryKey = (String, String);

struct Noted {
    outcome: AttemptOutcome,
    /// The journal's transaction is recording it right now.
    held: bool,
}

/// What the recorder finds when it comes to write a delivered attempt.
#[derive(Debug, PartialEq, Eq)]
pub enum Recording {
    /// The recorder's to write.
    Yours,
    /// A journal transaction holds it: ask again later (if that transaction fails, it is
    /// released back).
    Held,
    /// The journal recorded it.
    Recorded,
}

impl DeliveredUnrecorded {
    /// Notes a delivered attempt, until the recorder or the journal records it.
    pub fn insert(&self, outcome: &AttemptOutcome) {
        let key = (outcome.event_id.clone(), outcome.endpoint_id.clone());
        let noted = Noted {
            outcome: outcome.clone(),
            held: false,
        };
        self.lock().noted.insert(key, noted);
    }

    /// For the recorder: takes the attempt to write it, unless the journal holds or recorded it.
    pub fn take(&self, event_id: &str, endpoint_id: &str) -> Recording {
        let mut set = self.lock();
        let key = (event_id.to_owned(), endpoint_id.to_owned());
        match set.noted.get(&key) {
            None => Recording::Recorded,
            Some(noted) if noted.held => Recording::Held,
            Some(_) => {
                set.noted.remove(&key);
                Recording::Yours
            }
        }
    }

    /// For the recorder, as an attempt's outcome arrives: true when a journal found the
    /// delivery still under way and made the order's next event wait for it, so a delivered
    /// attempt is to be written at once. Forgets the mark either way.
    pub fn awaited(&self, event_id: &str, endpoint_id: &str) -> bool {
        let mut set = self.lock();
        !set.awaited.is_empty()
            && set
                .awaited
                .remove(&(event_id.to_owned(), endpoint_id.to_owned()))
    }

    /// For the journal: holds all these attempts for its transaction, or none when any of them
    /// is missing or held already. Each must then be [`settled`](Self::settled) once the
    /// transaction recorded it, or [`released`](Self::released). The missing ones (attempts
    /// still under way) are marked awaited.
    pub fn hold_all(&self, deliveries: &[DeliveryKey]) -> Option<Vec<AttemptOutcome>> {
        let mut set = self.lock();
        let missing: Vec<&DeliveryKey> = deliveries
            .iter()
            .filter(|key| !set.noted.contains_key(*key))
            .collect();
        if !missing.is_empty() {
            if set.awaited.len() + missing.len() > MAX_AWAITED {
                set.awaited.clear();
            }
            set.awaited.extend(missing.into_iter().cloned());
            return None;
        }
        if deliveries.iter().any(|key| set.noted[key].held) {
            return None;
        }
        Some(
            deliveries
                .iter()
                .filter_map(|key| {
                    let noted = set.noted.get_mut(key)?;
                    noted.held = true;
                    Some(noted.outcome.clone())
                })
                .collect(),
        )
    }

    /// The journal's transaction that held these committed with them recorded.
    pub fn settled(&self, deliveries: &[DeliveryKey]) {
        let mut set = self.lock();
        for key in deliveries {
            set.noted.remove(key);
        }
    }

    /// The journal did not record these after all: the recorder writes them.
    pub fn released(&self, deliveries: &[DeliveryKey]) {
        let mut set = self.lock();
        for key in deliveries {
            if let Some(noted) = set.noted.get_mut(key) {
                noted.held = false;
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Unrecorded> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One journal transaction's hold on delivered attempts, taken with
/// [`HeldAttempts::hold_all`]. Once the transaction has [`committed`](HeldAttempts::committed),
/// what it recorded is settled and what it could not record goes back to the recorder; on every
/// other way out (a failure, an unknown outcome, a cancelled commit) everything it held goes
/// back when it is dropped: releasing lists an attempt twice at worst, keeping it could lose it.
pub struct HeldAttempts<'d> {
    delivered: &'d DeliveredUnrecorded,
    held: Vec<DeliveryKey>,
    not_recorded: Vec<DeliveryKey>,
    committed: bool,
}

impl<'d> HeldAttempts<'d> {
    pub fn of(delivered: &'d DeliveredUnrecorded) -> HeldAttempts<'d> {
        HeldAttempts {
            delivered,
            held: Vec::new(),
            not_recorded: Vec::new(),
            committed: false,
        }
    }

    /// As [`DeliveredUnrecorded::hold_all`], remembered for the end of the transaction.
    pub fn hold_all(&mut self, deliveries: &[DeliveryKey]) -> Option<Vec<AttemptOutcome>> {
        let outcomes = self.delivered.hold_all(deliveries)?;
        self.held.extend(deliveries.iter().cloned());
        Some(outcomes)
    }

    /// A held attempt the transaction did not record after all (no longer this node's
    /// claim): the recorder's, whatever becomes of the transaction.
    pub fn not_recorded(&mut self, delivery: DeliveryKey) {
        self.not_recorded.push(delivery);
    }

    /// The transaction committed with the rest recorded.
    pub fn committed(mut self) {
        self.committed = true;
    }
}

impl Drop for HeldAttempts<'_> {
    fn drop(&mut self) {
        if !self.committed {
            self.delivered.released(&self.held);
            return;
        }
        self.delivered.released(&self.not_recorded);
        let recorded: Vec<DeliveryKey> = self
            .held
            .drain(..)
            .filter(|key| !self.not_recorded.contains(key))
            .collect();
        self.delivered.settled(&recorded);
    }
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

    /// What this node has delivered and not yet recorded (see [`DeliveredUnrecorded`]).
    pub fn delivered(&self) -> DeliveredUnrecorded {
        self.0.delivered.clone()
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
