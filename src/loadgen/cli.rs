//! The `rampflow loadgen` command: arguments, the progress bar, the table and `--json`.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use anyhow::{bail, Context};
use indicatif::{ProgressBar, ProgressStyle};
use tokio::time::Duration;

use super::child::{self, Child};
use super::report::{Comparison, JsonReport, Report};
use super::run::{prepare, Load, Plan, Server};
use super::scenario::{Mix, Scenario};
use super::setup::Population;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ScenarioName {
    /// `POST /v1/orders` only; no webhook endpoints registered.
    Create,
    /// Every order carried to `completed` by a simulated partner and wallet reacting to their
    /// (verified) webhooks.
    Lifecycle,
    /// Creates only, to webhook endpoints on the load generator's receivers, which verify
    /// every delivery and do not react: the server's webhook delivery rate.
    Webhooks,
    /// Creates, reads and commands by the weights of `--mix`.
    Mixed,
}

/// Load rampflow (or `--spawn` one), and optionally its bare floor right after.
#[derive(Debug, Clone, clap::Args)]
pub struct LoadgenArgs {
    /// The rampflow server to load (plain http).
    #[arg(
        long,
        default_value = "http://127.0.0.1:8080",
        conflicts_with = "spawn"
    )]
    pub target: String,
    /// The operator's token, for setup through the admin API.
    #[arg(long, env = "RAMPFLOW_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
    /// Start `rampflow serve` as a child on a fresh temporary SQLite database and a free port,
    /// and load that (other RAMPFLOW_* variables reach it).
    #[arg(long)]
    pub spawn: bool,
    #[arg(long, value_enum, default_value = "create")]
    pub scenario: ScenarioName,
    /// The weights of `mixed`.
    #[arg(long, default_value = "create=50,read=40,command=10")]
    pub mix: Mix,
    /// Open loop: requests (lifecycle: creates) per second at fixed intended send times;
    /// latency counts from the intended time.
    #[arg(long, conflicts_with = "concurrency")]
    pub rate: Option<f64>,
    /// Closed loop: requests in flight at once (lifecycle: orders alive at once). The default
    /// mode, at 64.
    #[arg(long)]
    pub concurrency: Option<usize>,
    /// Open loop: keep-alive connections to send on (the most requests in flight).
    #[arg(long, default_value_t = 64)]
    pub connections: usize,
    /// The measured window.
    #[arg(long, default_value = "10s", value_parser = humantime::parse_duration)]
    pub duration: std::time::Duration,
    /// Load before the window, not recorded.
    #[arg(long, default_value = "2s", value_parser = humantime::parse_duration)]
    pub warmup: std::time::Duration,
    /// How long what is in flight at the end may take to finish (closed-loop lifecycle: how
    /// long a slot waits for its order).
    #[arg(long, default_value = "10s", value_parser = humantime::parse_duration)]
    pub drain: std::time::Duration,
    #[arg(long, default_value_t = 2)]
    pub wallets: usize,
    #[arg(long, default_value_t = 2)]
    pub partners: usize,
    /// Users per wallet, each granting every partner.
    #[arg(long, default_value_t = 4)]
    pub users: usize,
    /// Webhook endpoints each wallet and partner registers (lifecycle, webhooks): each order
    /// event is delivered to every one of them, the first of each party's reacting.
    #[arg(long, default_value_t = 1)]
    pub endpoints: usize,
    /// Also run the same load against `rampflow floor` (started as a child) right after, and
    /// print the ratio.
    #[arg(long)]
    pub floor: bool,
    /// The floor's HTTP workers (default: the server's worker setting, one per core).
    #[arg(long)]
    pub floor_workers: Option<usize>,
    /// Runtime threads of the load generator itself (it shares the cores with the server).
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Write the report as JSON.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

impl LoadgenArgs {
    fn load(&self) -> Load {
        match (self.rate, self.concurrency) {
            (Some(rate), _) => Load::Open {
                rate,
                connections: self.connections,
            },
            (None, concurrency) => Load::Closed {
                concurrency: concurrency.unwrap_or(64),
            },
        }
    }

    fn plan(&self) -> Plan {
        Plan {
            scenario: match self.scenario {
                ScenarioName::Create => Scenario::Create,
                ScenarioName::Lifecycle => Scenario::Lifecycle,
                ScenarioName::Webhooks => Scenario::Webhooks,
                ScenarioName::Mixed => Scenario::Mixed(self.mix),
            },
            load: self.load(),
            duration: self.duration,
            warmup: self.warmup,
            drain: self.drain,
            population: Population {
                wallets: self.wallets,
                partners: self.partners,
                users_per_wallet: self.users,
                endpoints_per_party: self.endpoints,
            },
        }
    }

    fn check(&self) -> anyhow::Result<()> {
        if let Some(rate) = self.rate {
            if !(rate.is_finite() && rate > 0.0) {
                bail!("--rate must be above zero");
            }
        }
        if self.concurrency == Some(0) || self.connections == 0 || self.threads == 0 {
            bail!("--concurrency, --connections and --threads must be at least 1");
        }
        if self.wallets == 0 || self.partners == 0 || self.users == 0 || self.endpoints == 0 {
            bail!("--wallets, --partners, --users and --endpoints must be at least 1");
        }
        if self.duration.is_zero() {
            bail!("--duration must be above zero");
        }
        if self.floor && self.scenario == ScenarioName::Mixed {
            bail!("--floor compares create or lifecycle: the floor serves only POST /v1/orders");
        }
        Ok(())
    }

    /// The floor's plan: the same creates and settings. For `lifecycle` and `webhooks` the
    /// floor serves creates in closed loop on as many connections, and its req/s is what the
    /// lifecycle's exchanges/s and the deliveries/s are compared with.
    fn floor_plan(&self) -> Plan {
        let mut plan = self.plan();
        if matches!(plan.scenario, Scenario::Lifecycle | Scenario::Webhooks) {
            plan.load = Load::Closed {
                concurrency: plan.load.connections(),
            };
        }
        plan.scenario = Scenario::Create;
        plan
    }
}

/// Runs `rampflow loadgen`. `config` is the `--config` file, handed to a spawned server;
/// `server_workers` is the HTTP worker count the server runs with (the floor gets as many).
pub fn main(args: LoadgenArgs, config: Option<&Path>, server_workers: usize) -> anyhow::Result<()> {
    args.check()?;
    let runtime = match args.threads {
        1 => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?,
        n => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(n)
            .enable_all()
            .build()?,
    };
    runtime.block_on(run(args, config, server_workers))
}

async fn run(
    args: LoadgenArgs,
    config: Option<&Path>,
    server_workers: usize,
) -> anyhow::Result<()> {
    let mut runs = Vec::new();
    let rampflow = {
        let (mut spawned, target, admin_token) = if args.spawn {
            let token = crate::http::auth::generate_admin_token();
            let mut server = child::spawn_server(&token, config)?;
            server
                .wait_ready("/readyz", Duration::from_secs(60))
                .await
                .context("the spawned server did not start")?;
            eprintln!(
                "started rampflow serve at {} (fresh SQLite database)",
                server.url()
            );
            let url = server.url().to_owned();
            (Some(server), url, token)
        } else {
            let token = args.admin_token.clone().context(
                "--admin-token (or RAMPFLOW_ADMIN_TOKEN) is needed for setup, or use --spawn",
            )?;
            (None, args.target.clone(), token)
        };
        let report = measure(&target, Server::Rampflow { admin_token }, args.plan()).await?;
        // The server stops before the floor starts, so the two never share the cores.
        spawned.take();
        report
    };
    println!("\n{rampflow}");
    runs.push(rampflow);
    let mut comparison = None;
    if args.floor {
        let workers = args.floor_workers.unwrap_or(server_workers);
        let mut floor: Child = child::spawn_floor(workers)?;
        floor
            .wait_ready("/healthz", Duration::from_secs(30))
            .await
            .context("the floor did not start")?;
        let report = measure(floor.url(), Server::Floor, args.floor_plan()).await?;
        drop(floor);
        println!("{report}");
        let compared = Comparison::of(&runs[0], &report);
        println!("{compared}");
        comparison = Some(compared);
        runs.push(report);
    }
    if let Some(path) = &args.json {
        let report = JsonReport {
            command: std::env::args().collect(),
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            written_at: chrono::Utc::now().to_rfc3339(),
            runs,
            comparison,
        };
        let json = serde_json::to_string_pretty(&report)?;
        std::fs::write(path, json).with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("report written to {}", path.display());
    }
    Ok(())
}

/// One run with a progress bar.
async fn measure(target: &str, server: Server, plan: Plan) -> anyhow::Result<Report> {
    let label = match server {
        Server::Floor => "floor",
        Server::Rampflow { .. } => "rampflow",
    };
    let total = plan.warmup + plan.duration;
    let prepared = prepare(target, server, plan).await?;
    let bar = ProgressBar::new(total.as_millis() as u64);
    bar.set_style(
        ProgressStyle::with_template("{prefix:>8} [{bar:30}] {elapsed:>3}/{duration} {msg}")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    bar.set_prefix(label);
    let mut ticker = None;
    let report = prepared
        .execute(|stats| {
            let (stats, bar) = (Arc::clone(stats), bar.clone());
            let start = stats.window.start;
            ticker = Some(tokio::spawn(async move {
                let mut every = tokio::time::interval(Duration::from_millis(250));
                loop {
                    every.tick().await;
                    bar.set_position(start.elapsed().as_millis() as u64);
                    let live = &stats.live;
                    let mut message = format!(
                        "ok {}  errors {}",
                        live.ok.load(Ordering::Relaxed),
                        live.errors.load(Ordering::Relaxed)
                    );
                    let deliveries = live.deliveries.load(Ordering::Relaxed);
                    if deliveries > 0 {
                        message += &format!(
                            "  deliveries {deliveries}  completed {}",
                            live.completed_orders.load(Ordering::Relaxed)
                        );
                    }
                    bar.set_message(message);
                }
            }));
        })
        .await?;
    if let Some(ticker) = ticker {
        ticker.abort();
    }
    bar.finish_and_clear();
    Ok(report)
}
