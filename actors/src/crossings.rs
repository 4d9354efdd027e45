//! Thread crossings ("hops"): each time a piece of work is handed from one thread to another.
//! A crossing costs a wake-up of the thread that receives it, and on two cores the kernel's
//! switch and wake paths are a fifth of a create's CPU, so they are counted where they happen:
//! ops read them in `/v1/ops/stats` and `/metrics`, and a load test divides them by the
//! requests it made. A create crosses to the journal and back; nothing else is on its path.

use std::sync::atomic::{AtomicU64, Ordering};

/// Where work crosses, as the `hop` label and the stats field spell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hop {
    /// A write queued for the journal's writer (from a request's worker or an order actor).
    ToJournal,
    /// The writer answering a write's waiter once its transaction ended.
    FromJournal,
    /// A command or read sent to an order actor on its arbiter.
    ToOrderActor,
    /// The order actor's answer reaching the one who asked.
    FromOrderActor,
    /// An order actor started on its arbiter (by the journal for a create, at commit time).
    StartActor,
    /// A committed batch's news handed to the webhook dispatcher (its new deliveries, or a
    /// nudge to claim them): one per batch, not per write.
    ToWebhooks,
}

impl Hop {
    pub const ALL: [Hop; 6] = [
        Hop::ToJournal,
        Hop::FromJournal,
        Hop::ToOrderActor,
        Hop::FromOrderActor,
        Hop::StartActor,
        Hop::ToWebhooks,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Hop::ToJournal => "to_journal",
            Hop::FromJournal => "from_journal",
            Hop::ToOrderActor => "to_order_actor",
            Hop::FromOrderActor => "from_order_actor",
            Hop::StartActor => "start_actor",
            Hop::ToWebhooks => "to_webhooks",
        }
    }
}

/// One counter per [`Hop`], plain atomics (counting must not add a crossing of its own).
#[derive(Debug, Default)]
pub struct Crossings([AtomicU64; Hop::ALL.len()]);

impl Crossings {
    pub fn crossed(&self, hop: Hop) {
        self.0[hop as usize].fetch_add(1, Ordering::Relaxed);
    }

    /// Undoes a [`Crossings::crossed`] counted ahead of a hand-over that did not happen.
    pub fn take_back(&self, hop: Hop) {
        self.0[hop as usize].fetch_sub(1, Ordering::Relaxed);
    }

    pub fn count(&self, hop: Hop) -> u64 {
        self.0[hop as usize].load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_hop_has_its_own_counter_and_name() {
        let crossings = Crossings::default();
        for (times, hop) in Hop::ALL.into_iter().enumerate() {
            assert_eq!(hop as usize, times, "ALL is in declaration order");
            for _ in 0..times {
                crossings.crossed(hop);
            }
        }
        for (times, hop) in Hop::ALL.into_iter().enumerate() {
            assert_eq!(crossings.count(hop), times as u64, "{}", hop.as_str());
        }
        let names: std::collections::BTreeSet<_> = Hop::ALL.iter().map(|h| h.as_str()).collect();
        assert_eq!(names.len(), Hop::ALL.len());
    }

    #[test]
    fn a_crossing_taken_back_is_not_counted() {
        let crossings = Crossings::default();
        crossings.crossed(Hop::FromJournal);
        crossings.crossed(Hop::FromJournal);
        crossings.take_back(Hop::FromJournal);
        assert_eq!(crossings.count(Hop::FromJournal), 1);
        assert_eq!(crossings.count(Hop::ToJournal), 0);
    }
}
