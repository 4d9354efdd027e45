//! Follows each lifecycle order from its create to the `order.completed` the simulated wallet
//! hears: how many completed, how long each took end to end, and who is waiting for which.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use dashmap::mapref::entry::Entry as MapEntry;
use dashmap::DashMap;
use hdrhistogram::Histogram;
use tokio::sync::oneshot;
use tokio::time::{Duration, Instant};

use super::stats::{histogram, micros, Window};

enum Entry {
    /// Created, not yet completed; the closed loop's slot may be waiting.
    Pending {
        intended: Instant,
        waiter: Option<oneshot::Sender<()>>,
    },
    /// Completed before its create's response was handled (the webhooks can outrun it).
    Completed(Instant),
}

pub struct Tracker {
    window: Window,
    orders: DashMap<String, Entry>,
    created: AtomicU64,
    completed: AtomicU64,
    completed_in_window: AtomicU64,
    /// Create's intended send time to the wallet hearing `order.completed`.
    latency: Mutex<Histogram<u64>>,
}

impl Tracker {
    pub fn new(window: Window) -> Tracker {
        Tracker {
            window,
            orders: DashMap::new(),
            created: AtomicU64::new(0),
            completed: AtomicU64::new(0),
            completed_in_window: AtomicU64::new(0),
            latency: Mutex::new(histogram()),
        }
    }

    /// The create meant for `intended` made order `id`. The receiver, when asked for, fires
    /// once the order completed.
    pub fn created(&self, id: String, intended: Instant, wait: bool) -> oneshot::Receiver<()> {
        self.created.fetch_add(1, Ordering::Relaxed);
        let (sender, receiver) = oneshot::channel();
        match self.orders.entry(id) {
            MapEntry::Occupied(entry) => {
                if let Entry::Completed(at) = *entry.get() {
                    entry.remove();
                    self.finish(intended, at);
                    let _ = sender.send(());
                }
            }
            MapEntry::Vacant(entry) => {
                entry.insert(Entry::Pending {
                    intended,
                    waiter: wait.then_some(sender),
                });
            }
        }
        receiver
    }

    /// The wallet heard `order.completed` for `id` (duplicates are filtered before this).
    pub fn completed(&self, id: &str) {
        let now = Instant::now();
        match self.orders.remove(id) {
            Some((_, Entry::Pending { intended, waiter })) => {
                self.finish(intended, now);
                if let Some(waiter) = waiter {
                    let _ = waiter.send(());
                }
            }
            Some((id, Entry::Completed(at))) => {
                self.orders.insert(id, Entry::Completed(at));
            }
            None => {
                self.orders.insert(id.to_owned(), Entry::Completed(now));
            }
        }
    }

    fn finish(&self, intended: Instant, at: Instant) {
        self.completed.fetch_add(1, Ordering::Relaxed);
        if self.window.counts(at) {
            self.completed_in_window.fetch_add(1, Ordering::Relaxed);
        }
        if self.window.measures(intended) {
            self.latency
                .lock()
                .expect("tracker lock")
                .saturating_record(micros(at - intended));
        }
    }

    /// Stops following `id` (its slot gave up waiting).
    pub fn forget(&self, id: &str) {
        self.orders.remove(id);
    }

    /// Orders created and not yet completed.
    pub fn pending(&self) -> usize {
        self.orders
            .iter()
            .filter(|entry| matches!(entry.value(), Entry::Pending { .. }))
            .count()
    }

    /// Waits until every created order completed, or until `deadline`.
    pub async fn drain(&self, deadline: Instant) {
        while self.pending() > 0 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn created_count(&self) -> u64 {
        self.created.load(Ordering::Relaxed)
    }

    pub fn completed_count(&self) -> u64 {
        self.completed.load(Ordering::Relaxed)
    }

    pub fn completed_in_window(&self) -> u64 {
        self.completed_in_window.load(Ordering::Relaxed)
    }

    pub fn latency(&self) -> Histogram<u64> {
        self.latency.lock().expect("tracker lock").clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tracker() -> Tracker {
        let now = Instant::now();
        Tracker::new(Window::new(now, Duration::ZERO, Duration::from_secs(60)))
    }

    #[tokio::test]
    async fn a_waiting_slot_is_woken_by_the_completion() {
        let tracker = tracker();
        let done = tracker.created("o-1".into(), Instant::now(), true);
        assert_eq!(tracker.pending(), 1);
        tracker.completed("o-1");
        done.await.expect("woken");
        assert_eq!((tracker.pending(), tracker.completed_count()), (0, 1));
        assert_eq!(tracker.latency().len(), 1);
    }

    #[tokio::test]
    async fn a_completion_that_outruns_the_create_response_is_kept() {
        let tracker = tracker();
        tracker.completed("o-2");
        assert_eq!(
            tracker.completed_count(),
            0,
            "not counted before it was created"
        );
        let done = tracker.created("o-2".into(), Instant::now(), true);
        done.await.expect("fired at once");
        assert_eq!((tracker.pending(), tracker.completed_count()), (0, 1));
    }
}
