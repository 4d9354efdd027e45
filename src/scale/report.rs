//! The figures: what a probe prints (one JSON line), what `--json` writes, and the table.

use std::fmt::{self, Write as _};

use serde::{Deserialize, Serialize};

use super::machine::Machine;
use crate::loadgen::report::Latency;

/// issue 6's targets.
pub const TARGET_RSS_PER_ORDER_BYTES: f64 = 2048.0;
pub const TARGET_REHYDRATE_SECONDS: f64 = 20.0;
pub const TARGET_LATENESS_P99_MS: f64 = 20.0;

/// What one probe measured.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Probe {
    /// Live orders in the database.
    pub orders: u64,
    /// Order actors running once rehydration was over.
    pub actors: u64,
    /// Deadlines the actors were waiting on then (`/v1/ops/stats` `timers_pending`, summed).
    pub deadlines_pending: u64,
    /// From starting the registry to the last actor started with its timer armed.
    pub rehydrate_seconds: f64,
    /// The probe's resident set with the database open, before the registry started.
    pub rss_before_bytes: Option<u64>,
    /// `idle`: the resident set once every actor was up and idle.
    pub rss_after_bytes: Option<u64>,
    /// `timers`: the timers' figures.
    pub timers: Option<TimerFigures>,
}

impl Probe {
    /// Resident bytes the idle actors added, per live order.
    pub fn rss_per_order_bytes(&self) -> Option<f64> {
        let (before, after) = (self.rss_before_bytes?, self.rss_after_bytes?);
        Some((after as f64 - before as f64) / self.orders.max(1) as f64)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TimerFigures {
    /// Timers due in the window: one per order.
    pub due: u64,
    /// Timers that fired (their callback ran) before the probe stopped waiting.
    pub fired: u64,
    /// From the first deadline to the last.
    pub window_seconds: f64,
    /// From the moment every actor was up to the first deadline. Negative means timers came
    /// due during rehydration, and their lateness includes it.
    pub margin_seconds: f64,
    /// Fire time minus due time, as the actor's timer callback observes it: before the order
    /// is loaded or its expiry committed.
    pub lateness: Latency,
    /// Expiries committed by the journal when the last timer had fired: commits queue behind
    /// the timers.
    pub committed_at_last_fire: u64,
    /// Expiries committed when the probe stopped waiting.
    pub committed: u64,
    /// From the last deadline until every expiry was committed, if they all were.
    pub committed_by_seconds: Option<f64>,
}

/// One database seeded and probed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Run {
    pub seed_seconds: f64,
    pub probe: Probe,
}

/// Everything `rampflow scale` measured, as `--json` writes it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub command: Vec<String>,
    pub machine: Machine,
    pub written_at: String,
    pub orders: u64,
    /// Far-future deadlines: the resident memory of idle actors and the rehydration time.
    pub idle: Option<Run>,
    /// Deadlines inside a window: timer lateness.
    pub timers: Option<Run>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let memory = self.machine.memory_bytes.map_or("n/a".to_owned(), |bytes| {
            format!("{:.1} GiB", bytes as f64 / (1u64 << 30) as f64)
        });
        writeln!(f, "$ {}", self.command.join(" "))?;
        writeln!(
            f,
            "machine: {} cores (nproc), {memory} memory; {}",
            self.machine.cores, self.written_at
        )?;
        let mut rows: Vec<[String; 3]> = Vec::new();
        if let Some(idle) = &self.idle {
            let probe = &idle.probe;
            rows.push([
                "RSS per idle live order".into(),
                probe
                    .rss_per_order_bytes()
                    .map_or("n/a".into(), |bytes| format!("{bytes:.0} B")),
                format!("<= {TARGET_RSS_PER_ORDER_BYTES:.0} B"),
            ]);
            rows.push([
                format!("rehydrate {} live orders, timers armed", probe.orders),
                format!("{:.2} s", probe.rehydrate_seconds),
                format!("<= {TARGET_REHYDRATE_SECONDS:.0} s"),
            ]);
        }
        if let Some(timers) = self
            .timers
            .as_ref()
            .and_then(|run| run.probe.timers.as_ref())
        {
            let late = &timers.lateness;
            rows.push([
                format!("timer lateness p99, {} timers", timers.due),
                format!("{:.2} ms", late.p99_ms),
                format!("<= {TARGET_LATENESS_P99_MS:.0} ms"),
            ]);
        }
        let width = rows.iter().map(|row| row[0].len()).max().unwrap_or(0);
        writeln!(f, "\n{:width$}  {:>12}  target", "figure", "value")?;
        for [name, value, target] in &rows {
            writeln!(f, "{name:width$}  {value:>12}  {target}")?;
        }
        writeln!(f, "\n{}", self.details())
    }
}

impl Report {
    /// The figures behind the table's.
    fn details(&self) -> String {
        let mut text = String::new();
        let mib = |bytes: Option<u64>| {
            bytes.map_or("n/a".to_owned(), |b| {
                format!("{:.1} MiB", b as f64 / (1u64 << 20) as f64)
            })
        };
        if let Some(idle) = &self.idle {
            let probe = &idle.probe;
            let _ = writeln!(
                text,
                "idle: seeded in {:.1} s; {} actors, {} deadlines pending; RSS {} before the \
                 registry started, {} with every actor up",
                idle.seed_seconds,
                probe.actors,
                probe.deadlines_pending,
                mib(probe.rss_before_bytes),
                mib(probe.rss_after_bytes),
            );
        }
        if let Some(run) = &self.timers {
            let probe = &run.probe;
            if let Some(timers) = &probe.timers {
                let late = &timers.lateness;
                let _ = writeln!(
                    text,
                    "timers: seeded in {:.1} s; rehydrated in {:.2} s; {} due over {:.0} s from \
                     {:.1} s after rehydration; {} fired; lateness p50 {:.2} ms, p90 {:.2} ms, \
                     p99 {:.2} ms, p99.9 {:.2} ms, max {:.2} ms",
                    run.seed_seconds,
                    probe.rehydrate_seconds,
                    timers.due,
                    timers.window_seconds,
                    timers.margin_seconds,
                    timers.fired,
                    late.p50_ms,
                    late.p90_ms,
                    late.p99_ms,
                    late.p999_ms,
                    late.max_ms,
                );
                let drained = timers.committed_by_seconds.map_or_else(
                    || "not all within the drain limit".to_owned(),
                    |seconds| format!("all {:.1} s after the last deadline", seconds),
                );
                let _ = writeln!(
                    text,
                    "        expiries committed: {} when the last timer fired, {} in the end \
                     ({drained}); commits queue behind the timers",
                    timers.committed_at_last_fire, timers.committed,
                );
                if timers.margin_seconds < 0.0 {
                    let _ = writeln!(
                        text,
                        "        warning: timers came due before rehydration ended; their \
                         lateness includes it (raise --timer-lead)"
                    );
                }
            }
        }
        text
    }
}
