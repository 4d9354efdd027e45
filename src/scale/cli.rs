//! The `rampflow scale` command: seed a database, run the probe on it, report.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use indicatif::{ProgressBar, ProgressStyle};
use rampflow_actors::model::Timestamp;

use super::machine::Machine;
use super::probe::ProbeMode;
use super::report::{Probe, Report, Run};
use super::seed::{seed, Deadlines};
use crate::config::Settings;
use crate::store::Store;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Figure {
    /// Resident memory per idle live order (measured with `rehydrate`, in the same run).
    Rss,
    /// Time to rehydrate every live order and arm its timers after a restart.
    Rehydrate,
    /// Timer lateness with one pending timer per live order, all due inside a window.
    Timers,
    /// `rss` and `rehydrate` on one database, then `timers` on a second.
    All,
}

/// Measure issue 6's scale figures on fresh SQLite databases of N live orders, in temporary
/// directories removed afterwards.
#[derive(Debug, Clone, clap::Args)]
pub struct ScaleArgs {
    #[arg(value_enum)]
    pub figure: Figure,
    /// Live orders to seed.
    #[arg(long, default_value_t = 1_000_000)]
    pub orders: u64,
    /// `timers`: the deadlines are spread evenly over this window.
    #[arg(long, default_value = "30s", value_parser = humantime::parse_duration)]
    pub timer_window: Duration,
    /// `timers`: from the start of seeding to the first deadline. By default it is estimated
    /// to fall a few seconds after rehydration ends (from the idle run's own seeding and
    /// rehydration times with `all`).
    #[arg(long, value_parser = humantime::parse_duration)]
    pub timer_lead: Option<Duration>,
    /// `timers`: how long after the last deadline to wait for every expiry to commit.
    #[arg(long, default_value = "5m", value_parser = humantime::parse_duration)]
    pub drain: Duration,
    /// Where the temporary databases go (a million orders take a few GB).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Also write the report as JSON.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

/// Runs `rampflow scale`. `config` is the `--config` file, handed on to the probe, which
/// reads its settings as the server would.
pub fn main(args: ScaleArgs, settings: Settings, config: Option<&Path>) -> anyhow::Result<()> {
    if args.orders == 0 {
        bail!("--orders must be at least 1");
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let report = runtime.block_on(run(&args, &settings, config))?;
    println!("{report}");
    if let Some(path) = &args.json {
        let json = serde_json::to_string_pretty(&report)?;
        std::fs::write(path, json).with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("report written to {}", path.display());
    }
    Ok(())
}

async fn run(
    args: &ScaleArgs,
    settings: &Settings,
    config: Option<&Path>,
) -> anyhow::Result<Report> {
    let idle = match args.figure {
        Figure::Rss | Figure::Rehydrate | Figure::All => {
            Some(seeded_run(args, settings, config, Deadlines::Distant, ProbeMode::Idle).await?)
        }
        Figure::Timers => None,
    };
    let timers = match args.figure {
        Figure::Timers | Figure::All => {
            let from = Timestamp::now().plus(timer_lead(args, idle.as_ref()));
            let window = args.timer_window;
            let deadlines = Deadlines::Spread { from, window };
            Some(seeded_run(args, settings, config, deadlines, ProbeMode::Timers).await?)
        }
        _ => None,
    };
    Ok(Report {
        command: std::env::args().collect(),
        machine: Machine::this(),
        written_at: chrono::Utc::now().to_rfc3339(),
        orders: args.orders,
        idle,
        timers,
    })
}

/// Seeding the timers' database again, the probe's start and its rehydration, then a few
/// seconds to spare: the first deadline should fall after every actor is up.
fn timer_lead(args: &ScaleArgs, idle: Option<&Run>) -> Duration {
    if let Some(lead) = args.timer_lead {
        return lead;
    }
    let (seed, rehydrate) = match idle {
        Some(run) => (run.seed_seconds, run.probe.rehydrate_seconds),
        // Rough rates of the reference machine (2 cores), erring long.
        None => (args.orders as f64 * 100e-6, args.orders as f64 * 60e-6),
    };
    Duration::from_secs_f64(seed * 1.25 + rehydrate * 1.5 + 5.0)
}

/// A fresh database seeded with `deadlines`, probed in `mode`, then removed.
async fn seeded_run(
    args: &ScaleArgs,
    settings: &Settings,
    config: Option<&Path>,
    deadlines: Deadlines,
    mode: ProbeMode,
) -> anyhow::Result<Run> {
    let mut builder = tempfile::Builder::new();
    builder.prefix("rampflow-scale-");
    let dir = match &args.dir {
        Some(parent) => builder.tempdir_in(parent),
        None => builder.tempdir(),
    }
    .context("cannot create a temporary directory")?;
    let url = format!("sqlite://{}/scale.db", dir.path().display());
    let mut settings = settings.clone();
    settings.database_url = url.clone();

    let store = Store::connect(&settings).await?;
    store.migrate().await?;
    let bar = ProgressBar::new(args.orders);
    bar.set_style(
        ProgressStyle::with_template("seeding [{bar:30}] {human_pos}/{human_len} {per_sec} {eta}")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    let started = Instant::now();
    seed(&store, args.orders, deadlines, |done| {
        bar.set_position(done)
    })
    .await?;
    let seed_seconds = started.elapsed().as_secs_f64();
    bar.finish_and_clear();
    store.close().await;
    eprintln!(
        "seeded {} live orders in {seed_seconds:.1} s; probing ({})",
        args.orders,
        match mode {
            ProbeMode::Idle => "rehydrate, then the idle actors' memory",
            ProbeMode::Timers => "rehydrate, then every timer as it comes due",
        }
    );
    let mut command = Command::new(std::env::current_exe().context("cannot find this program")?);
    if let Some(config) = config {
        command.arg("--config").arg(config);
    }
    command
        .arg("scale-probe")
        .arg("--mode")
        .arg(match mode {
            ProbeMode::Idle => "idle",
            ProbeMode::Timers => "timers",
        })
        .arg("--orders")
        .arg(args.orders.to_string())
        .arg("--drain")
        .arg(humantime::format_duration(args.drain).to_string());
    if let Deadlines::Spread { from, window } = deadlines {
        command
            .arg("--first-due")
            .arg(from.as_millis().to_string())
            .arg("--last-due")
            .arg(from.plus(window).as_millis().to_string());
    }
    command
        .env("RAMPFLOW_DATABASE_URL", &url)
        .env("RAMPFLOW_DATA_DIR", dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if std::env::var_os("RUST_LOG").is_none() {
        command.env("RUST_LOG", "warn");
    }
    let output = tokio::task::spawn_blocking(move || command.output())
        .await?
        .context("cannot run the probe")?;
    if !output.status.success() {
        bail!("the probe failed ({})", output.status);
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .rev()
        .find(|line| line.starts_with('{'))
        .context("the probe printed no figures")?;
    let probe: Probe = serde_json::from_str(line).context("the probe's figures do not parse")?;
    drop(dir);
    Ok(Run {
        seed_seconds,
        probe,
    })
}
