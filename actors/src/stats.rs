//! Counters the actors keep for ops. Plain atomics: the hot path never takes a lock or sends a
//! message to report a figure.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use crate::order::{Status, TimerKind};

#[derive(Debug, Default)]
pub struct ActorStats {
    /// Order actors running now, by the status of their order.
    pub live_by_status: [AtomicI64; Status::ALL.len()],
    pub activations: AtomicU64,
    pub passivations: AtomicU64,
    pub restarts: AtomicU64,
    /// Commands accepted into mailboxes and not yet handled. actix has no API for mailbox
    /// length, so senders count up and the actor counts down.
    pub mailbox_depth: AtomicI64,
    /// Deadlines the actors in memory wait on, by kind (what ops reads as pending timers).
    pub timers_pending: [AtomicI64; TimerKind::ALL.len()],
    /// Timers armed now: each actor arms only its earliest deadline, so at most one per actor.
    pub timers_armed: AtomicI64,
    pub timers_fired: [AtomicU64; TimerKind::ALL.len()],
    pub transitions: AtomicU64,
}

impl ActorStats {
    pub fn live_actors(&self) -> i64 {
        self.live_by_status
            .iter()
            .map(|c| c.load(Ordering::Relaxed))
            .sum()
    }

    pub fn live_in(&self, status: Status) -> i64 {
        self.live_by_status[status.index()].load(Ordering::Relaxed)
    }

    pub fn pending_timers(&self, kind: TimerKind) -> i64 {
        self.timers_pending[kind as usize].load(Ordering::Relaxed)
    }

    pub(crate) fn enter(&self, status: Status) {
        self.live_by_status[status.index()].fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn leave(&self, status: Status) {
        self.live_by_status[status.index()].fetch_sub(1, Ordering::Relaxed);
    }
}
