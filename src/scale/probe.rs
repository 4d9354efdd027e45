//! `rampflow scale-probe` (hidden): the child process that takes the figures. It is a process
//! of its own so that its resident memory holds the server's order actors and nothing of the
//! seeding. It opens the seeded database, starts the journal and the registry exactly as
//! `rampflow serve` does (no HTTP: no requests come), lets the registry rehydrate every live
//! order, measures, prints one JSON line ([`Probe`]) on stdout and exits.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use hdrhistogram::Histogram;
use rampflow_actors::instruments;
use rampflow_actors::journal::Journal;
use rampflow_actors::model::Timestamp;
use rampflow_actors::order::TimerKind;
use rampflow_actors::registry::Registry;
use rampflow_actors::store::OrderStore;
use rampflow_actors::webhook::Nudge;

use super::machine::resident_bytes;
use super::report::{Probe, TimerFigures};
use crate::config::Settings;
use crate::loadgen::report::Latency;
use crate::startup::{journal_settings, registry_settings};
use crate::store::Store;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ProbeMode {
    /// Rehydrate, then measure the resident memory of the idle actors.
    Idle,
    /// Rehydrate, then record every timer's lateness as the deadlines pass.
    Timers,
}

#[derive(Debug, Clone, clap::Args)]
pub struct ProbeArgs {
    #[arg(long, value_enum)]
    pub mode: ProbeMode,
    /// Live orders in the database.
    #[arg(long)]
    pub orders: u64,
    /// `timers`: the first and the last deadline, Unix milliseconds.
    #[arg(long, default_value_t = 0)]
    pub first_due: i64,
    #[arg(long, default_value_t = 0)]
    pub last_due: i64,
    /// `timers`: how long after the last deadline to wait for every expiry to commit.
    #[arg(long, default_value = "5m", value_parser = humantime::parse_duration)]
    pub drain: Duration,
}

/// How often the probe looks at the counters while it waits.
const POLL: Duration = Duration::from_millis(5);
/// After the actors are up, a moment for the allocator and the threads to settle.
const SETTLE: Duration = Duration::from_secs(2);
/// How long after the last deadline a timer may still fire before the probe gives up on it.
const FIRE_GRACE: Duration = Duration::from_secs(120);

pub async fn run(args: ProbeArgs, mut settings: Settings) -> anyhow::Result<()> {
    if args.mode == ProbeMode::Timers {
        // Room for every expiry in the journal's queue, so that no timer is refused (503 on
        // the HTTP path), retried a second later and observed twice: each order's timer is
        // observed once, when it fires. The commits queue behind, and are reported apart.
        let room = usize::try_from(args.orders).unwrap_or(usize::MAX);
        settings.journal.queue_capacity = settings.journal.queue_capacity.max(room + 1024);
    }
    let lateness = LatenessRecorder::install()?;
    // As the server does: metrics are recorded on every hot path there, so here too.
    crate::http::metrics::install();
    let store = Store::connect(&settings).await?;
    store.migrate().await?;
    let order_store: Arc<dyn OrderStore> = Arc::new(store.clone());
    let journal = Journal::start(
        order_store.clone(),
        journal_settings(&settings),
        Nudge::default(),
    );

    let rss_before_bytes = resident_bytes();
    let started = Instant::now();
    let registry = Registry::start(
        order_store,
        journal,
        registry_settings(&settings),
        store.shards().clone(),
    );
    wait_until_rehydrated(&registry, args.orders).await?;
    let rehydrate = started.elapsed();
    let ready_at = Timestamp::now();
    let stats = registry.stats();
    let mut probe = Probe {
        orders: args.orders,
        actors: stats.live_actors().max(0) as u64,
        deadlines_pending: TimerKind::ALL
            .iter()
            .map(|kind| stats.pending_timers(*kind).max(0) as u64)
            .sum(),
        rehydrate_seconds: rehydrate.as_secs_f64(),
        rss_before_bytes,
        rss_after_bytes: None,
        timers: None,
    };
    match args.mode {
        ProbeMode::Idle => {
            tokio::time::sleep(SETTLE).await;
            probe.rss_after_bytes = resident_bytes();
        }
        ProbeMode::Timers => {
            probe.timers = Some(watch_timers(&args, &registry, &lateness, ready_at).await);
        }
    }
    println!("{}", serde_json::to_string(&probe)?);
    // A million actors take a while to drop, and nothing of them needs a clean end: the
    // database is thrown away.
    std::process::exit(0)
}

/// Until every live order has its actor (started, counted, its timers armed).
async fn wait_until_rehydrated(registry: &Registry, orders: u64) -> anyhow::Result<()> {
    let limit = Duration::from_secs(60) + Duration::from_millis(orders);
    let started = Instant::now();
    loop {
        if registry.is_rehydrated() && registry.stats().live_actors() >= orders as i64 {
            return Ok(());
        }
        if started.elapsed() > limit {
            bail!(
                "only {} of {orders} order actors started within {limit:?}",
                registry.stats().live_actors()
            );
        }
        tokio::time::sleep(POLL).await;
    }
}

async fn watch_timers(
    args: &ProbeArgs,
    registry: &Registry,
    lateness: &LatenessRecorder,
    ready_at: Timestamp,
) -> TimerFigures {
    let first_due = Timestamp::from_millis(args.first_due);
    let last_due = Timestamp::from_millis(args.last_due);
    let committed = || -> u64 {
        registry
            .stats()
            .timers_fired
            .iter()
            .map(|count| count.load(Ordering::Relaxed))
            .sum()
    };
    let give_up = last_due.plus(FIRE_GRACE);
    while lateness.count() < args.orders && Timestamp::now() < give_up {
        tokio::time::sleep(POLL).await;
    }
    let committed_at_last_fire = committed();
    let drain_until = Instant::now() + args.drain;
    while committed() < args.orders && Instant::now() < drain_until {
        tokio::time::sleep(POLL).await;
    }
    let all_committed = committed() >= args.orders;
    TimerFigures {
        due: args.orders,
        fired: lateness.count(),
        window_seconds: first_due.until(last_due).as_secs_f64(),
        margin_seconds: (first_due.as_millis() - ready_at.as_millis()) as f64 / 1000.0,
        lateness: lateness.figures(),
        committed_at_last_fire,
        committed: committed(),
        committed_by_seconds: all_committed
            .then(|| (Timestamp::now().as_millis() - last_due.as_millis()) as f64 / 1000.0),
    }
}

/// Every timer's lateness, in microseconds, from the actors' own observation point.
struct LatenessRecorder {
    histogram: Arc<Mutex<Histogram<u64>>>,
    count: Arc<AtomicU64>,
}

impl LatenessRecorder {
    fn install() -> anyhow::Result<LatenessRecorder> {
        let histogram = Arc::new(Mutex::new(
            Histogram::new(3).context("a valid histogram precision")?,
        ));
        let count = Arc::new(AtomicU64::new(0));
        let (sink, counter) = (histogram.clone(), count.clone());
        let installed = instruments::observe_timer_lateness(move |_kind, late| {
            let micros = u64::try_from(late.as_micros()).unwrap_or(u64::MAX);
            if let Ok(mut histogram) = sink.lock() {
                let _ = histogram.record(micros);
            }
            counter.fetch_add(1, Ordering::Relaxed);
        });
        if !installed {
            bail!("a timer lateness observer is already installed in this process");
        }
        Ok(LatenessRecorder { histogram, count })
    }

    fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    fn figures(&self) -> Latency {
        let histogram = self.histogram.lock().expect("not poisoned");
        Latency::of(&histogram)
    }
}
