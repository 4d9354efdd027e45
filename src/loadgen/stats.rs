//! What a run records: a latency histogram per operation, errors by key, and the counters of
//! the measurement window.
//!
//! The window: the warmup runs first and is not recorded. A request belongs to the window
//! when it was *meant* to start inside it (its intended send time in open loop, its real start
//! in closed loop): its latency is recorded even if it finishes after the window. Throughput
//! counts only what *completed* inside the window, divided by the window's length, so requests
//! still in flight at the end add nothing and a server that falls behind shows it.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use hdrhistogram::Histogram;
use tokio::time::{Duration, Instant};

use super::client::{ClientError, Reply};

/// Latencies are kept in microseconds, up to this (longer ones are clamped to it).
const MAX_MICROS: u64 = 600_000_000;

/// A new histogram: 1 µs to 10 min at 3 significant figures.
pub fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, MAX_MICROS, 3).expect("valid histogram bounds")
}

/// The kinds of request the load generator sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Op {
    Create,
    Read,
    Accept,
    FundsSent,
    FundsReceived,
    Complete,
    /// `forward`: an accept repeated through the node that owns the order.
    AcceptLocal,
    /// `forward`: the same, through a node that forwards it to the owner.
    AcceptForwarded,
}

impl Op {
    pub const ALL: [Op; 8] = [
        Op::Create,
        Op::Read,
        Op::Accept,
        Op::FundsSent,
        Op::FundsReceived,
        Op::Complete,
        Op::AcceptLocal,
        Op::AcceptForwarded,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Op::Create => "create",
            Op::Read => "read",
            Op::Accept => "accept",
            Op::FundsSent => "funds-sent",
            Op::FundsReceived => "funds-received",
            Op::Complete => "complete",
            Op::AcceptLocal => "accept local",
            Op::AcceptForwarded => "accept forwarded",
        }
    }
}

/// The measured interval: `[from, to)`, after the warmup that began at `start`.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub start: Instant,
    pub from: Instant,
    pub to: Instant,
}

impl Window {
    pub fn new(start: Instant, warmup: Duration, duration: Duration) -> Window {
        Window {
            start,
            from: start + warmup,
            to: start + warmup + duration,
        }
    }

    /// Whether something meant to start at `at` is measured.
    pub fn measures(&self, at: Instant) -> bool {
        at >= self.from && at < self.to
    }

    /// Whether something that completed at `at` counts towards throughput.
    pub fn counts(&self, at: Instant) -> bool {
        at >= self.from && at <= self.to
    }

    pub fn length(&self) -> Duration {
        self.to - self.from
    }
}

/// Counters read by the progress bar while the run goes on (warmup included).
#[derive(Debug, Default)]
pub struct Live {
    pub ok: AtomicU64,
    pub errors: AtomicU64,
    pub deliveries: AtomicU64,
    pub completed_orders: AtomicU64,
}

/// One operation's numbers: how many succeeded in the window and how long they took.
pub struct OpStats {
    pub latency: Histogram<u64>,
    /// Successes that completed inside the window.
    pub completed: u64,
}

/// Everything the drivers and receivers record during one run. Shared by reference between
/// tasks; each record takes one short uncontended lock (the runtime has one or two threads).
pub struct Stats {
    pub window: Window,
    pub live: Live,
    ops: Mutex<BTreeMap<Op, OpStats>>,
    errors: Mutex<BTreeMap<String, u64>>,
    /// Every response that came back inside the window, whatever its status: the request half
    /// of "HTTP exchanges".
    responses_in_window: AtomicU64,
}

impl Stats {
    pub fn new(window: Window) -> Stats {
        Stats {
            window,
            live: Live::default(),
            ops: Mutex::new(BTreeMap::new()),
            errors: Mutex::new(BTreeMap::new()),
            responses_in_window: AtomicU64::new(0),
        }
    }

    /// Records the outcome of one request of kind `op` meant to start at `intended`. Returns
    /// the reply when it was a 2xx, so the caller can read it.
    pub fn record(
        &self,
        op: Op,
        intended: Instant,
        outcome: Result<Reply, ClientError>,
    ) -> Option<Reply> {
        let now = Instant::now();
        if outcome.is_ok() && self.window.counts(now) {
            self.responses_in_window.fetch_add(1, Ordering::Relaxed);
        }
        match outcome {
            Ok(reply) if reply.status.is_success() => {
                self.live.ok.fetch_add(1, Ordering::Relaxed);
                self.success(op, intended, now);
                Some(reply)
            }
            Ok(reply) => {
                self.error(intended, || format!("{} {}", op.name(), reply.error_key()));
                None
            }
            Err(error) => {
                self.error(intended, || format!("{} {}", op.name(), error.kind()));
                None
            }
        }
    }

    /// A success of `op` meant to start at `intended` and done at `done`.
    pub fn success(&self, op: Op, intended: Instant, done: Instant) {
        let measured = self.window.measures(intended);
        let counted = self.window.counts(done);
        if !measured && !counted {
            return;
        }
        let mut ops = self.ops.lock().expect("stats lock");
        let entry = ops.entry(op).or_insert_with(|| OpStats {
            latency: histogram(),
            completed: 0,
        });
        if measured {
            entry.latency.saturating_record(micros(done - intended));
        }
        if counted {
            entry.completed += 1;
        }
    }

    /// Counts an error under the key `key()` builds (built only when it is counted).
    pub fn error(&self, intended: Instant, key: impl FnOnce() -> String) {
        self.live.errors.fetch_add(1, Ordering::Relaxed);
        if self.window.measures(intended) {
            *self
                .errors
                .lock()
                .expect("stats lock")
                .entry(key())
                .or_default() += 1;
        }
    }

    pub fn responses_in_window(&self) -> u64 {
        self.responses_in_window.load(Ordering::Relaxed)
    }

    /// Takes the per-operation numbers and the errors out, for the report.
    pub fn take(&self) -> (BTreeMap<Op, OpStats>, BTreeMap<String, u64>) {
        (
            std::mem::take(&mut *self.ops.lock().expect("stats lock")),
            std::mem::take(&mut *self.errors.lock().expect("stats lock")),
        )
    }
}

/// A duration in whole microseconds, at least 1 (the histogram's lowest value).
pub fn micros(duration: Duration) -> u64 {
    (duration.as_micros() as u64).clamp(1, MAX_MICROS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_warmup_is_not_recorded_and_late_completions_do_not_count() {
        let start = Instant::now();
        let stats = Stats::new(Window::new(
            start,
            Duration::from_secs(1),
            Duration::from_secs(2),
        ));
        // Meant during the warmup, finished inside the window: counted, not measured.
        stats.success(
            Op::Create,
            start + Duration::from_millis(900),
            start + Duration::from_millis(1200),
        );
        // Meant and finished inside: both.
        stats.success(
            Op::Create,
            start + Duration::from_millis(1500),
            start + Duration::from_millis(1510),
        );
        // Meant inside, finished after the end: measured, not counted.
        stats.success(
            Op::Create,
            start + Duration::from_millis(2900),
            start + Duration::from_millis(3400),
        );
        let (ops, _) = stats.take();
        let create = &ops[&Op::Create];
        assert_eq!(create.completed, 2);
        assert_eq!(create.latency.len(), 2);
        assert!(create.latency.equivalent(create.latency.max(), 500_000));
        assert!(create.latency.equivalent(create.latency.min(), 10_000));
    }
}
