//! The end of a run: its figures as data (written with `--json`) and as a table.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

/// Percentiles of a latency histogram, in milliseconds (`rampflow scale` reports timer
/// lateness with it too).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Latency {
    pub count: u64,
    pub mean_ms: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
}

impl Latency {
    /// From a histogram of microseconds.
    pub fn of(histogram: &Histogram<u64>) -> Latency {
        let ms = |micros: u64| micros as f64 / 1000.0;
        Latency {
            count: histogram.len(),
            mean_ms: histogram.mean() / 1000.0,
            p50_ms: ms(histogram.value_at_quantile(0.50)),
            p90_ms: ms(histogram.value_at_quantile(0.90)),
            p99_ms: ms(histogram.value_at_quantile(0.99)),
            p999_ms: ms(histogram.value_at_quantile(0.999)),
            max_ms: ms(histogram.max()),
        }
    }
}

/// One kind of request.
#[derive(Debug, Clone, Serialize)]
pub struct OpReport {
    /// Successes that completed inside the window.
    pub completed: u64,
    pub per_second: f64,
    /// Of the successes meant to start inside the window.
    pub latency: Latency,
}

/// The lifecycle's own figures.
#[derive(Debug, Clone, Serialize)]
pub struct LifecycleReport {
    pub orders_created: u64,
    pub orders_completed: u64,
    pub orders_completed_in_window: u64,
    pub orders_per_second: f64,
    /// Created but not completed when the drain ended.
    pub orders_incomplete: u64,
    pub deliveries: u64,
    pub deliveries_in_window: u64,
    pub duplicate_deliveries: u64,
    pub bad_signatures: u64,
    /// Requests answered plus webhook deliveries received, inside the window.
    pub exchanges_in_window: u64,
    pub exchanges_per_second: f64,
    /// Receive time minus the event's `timestamp` (the order change's time on the server,
    /// same machine clock, millisecond resolution): it covers the commit, the queueing and
    /// the delivery itself.
    pub webhook_lag: Latency,
    /// From the create's intended send time to the wallet hearing `order.completed`.
    pub order_latency: Latency,
}

/// The `webhooks` scenario's figures: deliveries of `order.created` to receivers that only
/// verify and answer.
#[derive(Debug, Clone, Serialize)]
pub struct WebhooksReport {
    /// Endpoints each wallet and each partner registered.
    pub endpoints_per_party: usize,
    /// Orders the server created (every 2xx create of the run, warmup included).
    pub orders_created: u64,
    /// `orders_created × 2 × endpoints_per_party`: one delivery per order per endpoint.
    pub deliveries_expected: u64,
    /// Verified, first-time deliveries, in the whole run (after the drain) and in the window.
    pub deliveries_verified: u64,
    pub deliveries_in_window: u64,
    pub deliveries_per_second: f64,
    pub duplicate_deliveries: u64,
    pub bad_signatures: u64,
    /// Expected but not heard when the drain ended.
    pub undelivered: u64,
    /// Receive time minus the event's `timestamp`, as for `lifecycle`.
    pub webhook_lag: Latency,
}

/// The `forward` scenario's figures: the same accept, repeated, through the order's owner and
/// through another node that forwards it.
#[derive(Debug, Clone, Serialize)]
pub struct ForwardReport {
    /// Orders made (and accepted) for the run, through every node.
    pub orders: u64,
    pub local: Latency,
    pub forwarded: Latency,
    /// Forwarded minus local, at the same percentile.
    pub p50_overhead_ms: f64,
    pub p99_overhead_ms: f64,
    /// Orders whose owner changed during the run (their turns counted under the wrong name).
    pub orders_moved: u64,
}

impl ForwardReport {
    pub fn new(orders: u64, local: Latency, forwarded: Latency, orders_moved: u64) -> Self {
        ForwardReport {
            orders,
            p50_overhead_ms: forwarded.p50_ms - local.p50_ms,
            p99_overhead_ms: forwarded.p99_ms - local.p99_ms,
            local,
            forwarded,
            orders_moved,
        }
    }
}

/// One run against one server, or against the nodes of one cluster.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// `rampflow` or `floor`.
    pub server: String,
    /// The nodes loaded, round robin by connection.
    pub targets: Vec<String>,
    pub scenario: String,
    /// `open` or `closed`.
    pub mode: String,
    pub rate: Option<f64>,
    /// Connections (slots) the driver used.
    pub connections: usize,
    pub warmup_secs: f64,
    pub duration_secs: f64,
    /// Successful requests that completed inside the window, every kind together.
    pub requests: u64,
    /// Every 2xx of the run, warmup and the requests finishing after the window included
    /// (so it matches what the server stored).
    pub ok_total: u64,
    pub throughput: f64,
    /// Every kind together.
    pub latency: Latency,
    pub ops: BTreeMap<String, OpReport>,
    /// By `"<request kind> <status> <error code>"`, or `"<kind> io <what>"` for transport
    /// errors, counted for requests meant inside the window.
    pub errors: BTreeMap<String, u64>,
    /// Open loop: requests of the schedule never sent (the server fell too far behind).
    pub not_sent: u64,
    pub lifecycle: Option<LifecycleReport>,
    pub webhooks: Option<WebhooksReport>,
    pub forward: Option<ForwardReport>,
}

impl Report {
    /// The throughput to compare with the floor: HTTP exchanges/s for `lifecycle`, webhook
    /// deliveries/s for `webhooks`, requests/s otherwise.
    pub fn headline(&self) -> f64 {
        match (&self.lifecycle, &self.webhooks) {
            (Some(l), _) => l.exchanges_per_second,
            (None, Some(w)) => w.deliveries_per_second,
            (None, None) => self.throughput,
        }
    }

    pub fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }
}

/// rampflow beside the floor from the same run.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// rampflow's nodes (the floor is one process).
    pub rampflow_nodes: usize,
    /// rampflow's headline throughput / the floor's requests/s.
    pub throughput_ratio: f64,
    /// rampflow's p99 / the floor's p99 (of all requests).
    pub p99_ratio: f64,
    /// What the ratio compares.
    pub basis: String,
}

impl Comparison {
    pub fn of(rampflow: &Report, floor: &Report) -> Comparison {
        let basis = match (&rampflow.lifecycle, &rampflow.webhooks) {
            (Some(_), _) => {
                "rampflow HTTP exchanges/s (requests + webhook deliveries) / floor create req/s"
            }
            (None, Some(_)) => "rampflow verified webhook deliveries/s / floor create req/s",
            (None, None) => "rampflow req/s / floor req/s",
        };
        Comparison {
            rampflow_nodes: rampflow.targets.len(),
            throughput_ratio: rampflow.headline() / floor.throughput,
            p99_ratio: rampflow.latency.p99_ms / floor.latency.p99_ms,
            basis: basis.into(),
        }
    }
}

/// rampflow as the load generator started it (`--spawn`, `--spawn-cluster`).
#[derive(Debug, Clone, Serialize)]
pub struct Spawned {
    pub nodes: usize,
    /// `sqlite` or `postgres`.
    pub database: String,
    /// The PostgreSQL database made for the run (dropped at its end).
    pub database_name: Option<String>,
}

/// What `--json` writes.
#[derive(Debug, Clone, Serialize)]
pub struct JsonReport {
    /// The command line that produced it, so the figure can be reproduced.
    pub command: Vec<String>,
    /// Cores this process could use (the server and the load generator share them).
    pub cores: usize,
    /// RFC 3339, when the report was written.
    pub written_at: String,
    /// `None` for servers given with `--target`.
    pub spawned: Option<Spawned>,
    pub runs: Vec<Report>,
    pub comparison: Option<Comparison>,
    pub failover: Option<super::failover::FailoverReport>,
}

fn row(out: &mut String, name: &str, count: u64, per_second: Option<f64>, latency: &Latency) {
    let per_second = per_second.map_or(String::new(), |r| format!("{r:.1}"));
    let _ = writeln!(
        out,
        "  {name:<16} {count:>9} {per_second:>10} {:>9.2} {:>9.2} {:>9.2} {:>9.2} {:>9.2}",
        latency.p50_ms, latency.p90_ms, latency.p99_ms, latency.p999_ms, latency.max_ms
    );
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        let load = match self.rate {
            Some(rate) => format!(
                "open loop at {rate} req/s on {} connections",
                self.connections
            ),
            None => format!("closed loop on {} connections", self.connections),
        };
        let at = match self.targets.as_slice() {
            [one] => format!("at {one}"),
            many => format!("on {} nodes ({})", many.len(), many.join(", ")),
        };
        let _ = writeln!(
            out,
            "{} {at} · {} · {load} · {:.1} s measured after {:.1} s warmup",
            self.server, self.scenario, self.duration_secs, self.warmup_secs
        );
        let _ = writeln!(
            out,
            "  {:<16} {:>9} {:>10} {:>9} {:>9} {:>9} {:>9} {:>9}",
            "request", "ok", "per s", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms"
        );
        if self.ops.len() > 1 {
            for (name, op) in &self.ops {
                row(
                    &mut out,
                    name,
                    op.completed,
                    Some(op.per_second),
                    &op.latency,
                );
            }
        }
        row(
            &mut out,
            "all",
            self.requests,
            Some(self.throughput),
            &self.latency,
        );
        if self.errors.is_empty() {
            let _ = writeln!(out, "  errors: none");
        } else {
            let _ = writeln!(out, "  errors: {}", self.error_count());
            for (key, count) in &self.errors {
                let _ = writeln!(out, "    {key}: {count}");
            }
        }
        if self.not_sent > 0 {
            let _ = writeln!(
                out,
                "  not sent: {} requests of the schedule (the server fell behind)",
                self.not_sent
            );
        }
        if let Some(l) = &self.lifecycle {
            let _ = writeln!(
                out,
                "  orders: {} created, {} completed ({} in the window, {:.1}/s), {} incomplete after the drain",
                l.orders_created, l.orders_completed, l.orders_completed_in_window, l.orders_per_second, l.orders_incomplete
            );
            let _ = writeln!(
                out,
                "  webhooks: {} deliveries ({} in the window = {:.1}/s), {} duplicates, {} bad signatures",
                l.deliveries,
                l.deliveries_in_window,
                l.deliveries_in_window as f64 / self.duration_secs,
                l.duplicate_deliveries,
                l.bad_signatures
            );
            let _ = writeln!(
                out,
                "  HTTP exchanges (requests + deliveries) in the window: {} = {:.1}/s",
                l.exchanges_in_window, l.exchanges_per_second
            );
            let _ = writeln!(
                out,
                "  {:<16} {:>9} {:>10} {:>9} {:>9} {:>9} {:>9} {:>9}",
                "", "count", "", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms"
            );
            row(
                &mut out,
                "webhook lag",
                l.webhook_lag.count,
                None,
                &l.webhook_lag,
            );
            row(
                &mut out,
                "order lifetime",
                l.order_latency.count,
                None,
                &l.order_latency,
            );
            let _ = writeln!(
                out,
                "  (webhook lag: receive time − the event's timestamp, i.e. the order change's time on the server; order: create's intended send time → wallet hears order.completed)"
            );
        }
        if let Some(w) = &self.webhooks {
            let _ = writeln!(
                out,
                "  webhooks: {} orders × 2 parties × {} endpoints = {} deliveries expected; {} verified, {} undelivered after the drain, {} duplicates, {} bad signatures",
                w.orders_created,
                w.endpoints_per_party,
                w.deliveries_expected,
                w.deliveries_verified,
                w.undelivered,
                w.duplicate_deliveries,
                w.bad_signatures
            );
            let _ = writeln!(
                out,
                "  verified deliveries in the window: {} = {:.1}/s",
                w.deliveries_in_window, w.deliveries_per_second
            );
            let _ = writeln!(
                out,
                "  {:<16} {:>9} {:>10} {:>9} {:>9} {:>9} {:>9} {:>9}",
                "", "count", "", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms"
            );
            row(
                &mut out,
                "webhook lag",
                w.webhook_lag.count,
                None,
                &w.webhook_lag,
            );
            let _ = writeln!(
                out,
                "  (webhook lag: receive time − the event's timestamp, i.e. the order change's time on the server)"
            );
        }
        if let Some(forward) = &self.forward {
            let _ = writeln!(
                out,
                "  forwarding: p50 {:+.2} ms, p99 {:+.2} ms (accept forwarded − accept local; {} accepted orders, each accept repeated: 200, nothing changes)",
                forward.p50_overhead_ms, forward.p99_overhead_ms, forward.orders
            );
            if forward.orders_moved > 0 {
                let _ = writeln!(
                    out,
                    "  {} orders changed owner during the run: their turns are counted under the wrong name",
                    forward.orders_moved
                );
            }
        }
        f.write_str(&out)
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rampflow = match self.rampflow_nodes {
            1 => "rampflow".to_owned(),
            n => format!("rampflow ({n} nodes)"),
        };
        writeln!(
            f,
            "{rampflow} / floor (one process): throughput {:.2}×, p99 {:.2}×  ({})",
            self.throughput_ratio, self.p99_ratio, self.basis
        )
    }
}
