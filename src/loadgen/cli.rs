//! The `rampflow loadgen` command: arguments, the servers it starts and stops, the progress
//! bar, the table and `--json`.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use anyhow::{bail, Context};
use indicatif::{ProgressBar, ProgressStyle};
use tokio::time::Duration;

use super::child::{self, Child};
use super::cluster::SpawnedCluster;
use super::failover::{self, FailoverReport};
use super::report::{Comparison, JsonReport, Report, Spawned};
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
    /// Needs two nodes or more: `--orders` accepted orders per node, their accept repeated
    /// (200, nothing changes) through the node that owns the order or through another one,
    /// which forwards it: what forwarding costs.
    Forward,
    /// Needs `--spawn-cluster 2` or more: kills the last node (kill -9) right after giving it
    /// `--orders` orders with a timer due a second later, and measures how long until the
    /// survivors fire those timers and serve those orders again.
    Failover,
    /// `create` through `rampflow-client` instead of the prebuilt requests: what the typed
    /// client would cost the hot loop (README).
    #[value(hide = true)]
    CreateViaClient,
}

/// Load rampflow (or `--spawn` one, or `--spawn-cluster` several), and optionally its bare
/// floor right after.
#[derive(Debug, Clone, clap::Args)]
pub struct LoadgenArgs {
    /// The rampflow server to load (plain http). Repeat it for the nodes of a cluster:
    /// connection i talks to node i mod n, as a load balancer keeping connections alive
    /// would; setup goes through the first.
    #[arg(
        long = "target",
        value_name = "URL",
        default_value = "http://127.0.0.1:8080",
        conflicts_with_all = ["spawn", "spawn_cluster"]
    )]
    pub targets: Vec<String>,
    /// The operator's token, for setup through the admin API.
    #[arg(long, env = "RAMPFLOW_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
    /// Start `rampflow serve` as a child on a fresh temporary SQLite database and a free port,
    /// and load that (other RAMPFLOW_* variables reach it).
    #[arg(long, conflicts_with = "spawn_cluster")]
    pub spawn: bool,
    /// Start N `rampflow serve` children on a PostgreSQL database made for the run (on
    /// `--postgres`), each on a free port with its own data directory; load them round robin
    /// once they are ready and balanced; stop them and drop the database at the end (other
    /// RAMPFLOW_* variables reach them).
    #[arg(long, value_name = "N")]
    pub spawn_cluster: Option<usize>,
    /// The PostgreSQL server `--spawn-cluster` makes its database on (as a user who may
    /// create databases).
    #[arg(
        long,
        value_name = "URL",
        default_value = "postgres://postgres@127.0.0.1:5432"
    )]
    pub postgres: String,
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
    /// Orders `forward` makes through each node, and `failover` on the node it kills.
    #[arg(long, default_value_t = 64)]
    pub orders: usize,
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
                ScenarioName::Forward => Scenario::Forward {
                    orders_per_node: self.orders,
                },
                ScenarioName::Failover => unreachable!("failover is not a load"),
                ScenarioName::CreateViaClient => Scenario::CreateViaClient,
            },
            load: self.load(),
            duration: self.duration,
            warmup: self.warmup,
            drain: self.drain,
            population: self.population(),
        }
    }

    fn population(&self) -> Population {
        Population {
            wallets: self.wallets,
            partners: self.partners,
            users_per_wallet: self.users,
            endpoints_per_party: self.endpoints,
        }
    }

    /// The rampflow nodes the run loads.
    fn nodes(&self) -> usize {
        match (self.spawn, self.spawn_cluster) {
            (true, _) => 1,
            (false, Some(nodes)) => nodes,
            (false, None) => self.targets.len(),
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
        if self.spawn_cluster == Some(0) || self.orders == 0 {
            bail!("--spawn-cluster and --orders must be at least 1");
        }
        if self.duration.is_zero() {
            bail!("--duration must be above zero");
        }
        let compared = matches!(
            self.scenario,
            ScenarioName::Create | ScenarioName::Lifecycle | ScenarioName::Webhooks
        );
        if self.floor && !compared {
            bail!(
                "--floor compares create, lifecycle or webhooks: the floor serves only POST /v1/orders"
            );
        }
        if self.scenario == ScenarioName::Forward && self.nodes() < 2 {
            bail!(
                "--scenario forward needs two nodes or more: --target twice, or --spawn-cluster 2"
            );
        }
        if self.scenario == ScenarioName::Failover && self.spawn_cluster.unwrap_or(0) < 2 {
            bail!(
                "--scenario failover kills a node it started: it needs --spawn-cluster 2 or more"
            );
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
    let spawning = args.spawn || args.spawn_cluster.is_some();
    let admin_token = match &args.admin_token {
        _ if spawning => crate::http::auth::generate_admin_token(),
        Some(token) => token.clone(),
        None => bail!(
            "--admin-token (or RAMPFLOW_ADMIN_TOKEN) is needed for setup, or use --spawn or --spawn-cluster"
        ),
    };
    let mut rampflow = interruptible(Rampflow::start(&args, &admin_token, config)).await?;
    let spawned = rampflow.spawned();
    if args.scenario == ScenarioName::Failover {
        let Rampflow::Cluster(cluster) = &mut rampflow else {
            unreachable!("checked: failover needs --spawn-cluster");
        };
        let population = args.population();
        let measured = interruptible(failover::measure(
            cluster,
            &admin_token,
            &population,
            args.orders,
        ))
        .await;
        let stopped = interruptible(rampflow.stop()).await;
        let report = measured?;
        stopped?;
        println!("\n{report}");
        return write_json(&args, spawned, Vec::new(), None, Some(report));
    }
    let mut runs = Vec::new();
    let server = Server::Rampflow { admin_token };
    let measured = interruptible(measure(&rampflow.targets(), server, args.plan())).await;
    // The server stops before the floor starts, so the two never share the cores.
    let stopped = interruptible(rampflow.stop()).await;
    let rampflow = measured?;
    stopped?;
    println!("\n{rampflow}");
    runs.push(rampflow);
    let mut comparison = None;
    if args.floor {
        let workers = args.floor_workers.unwrap_or(server_workers);
        let report = interruptible(async {
            let mut floor: Child = child::spawn_floor(workers)?;
            floor
                .wait_ready("/healthz", Duration::from_secs(30))
                .await
                .context("the floor did not start")?;
            let targets = [floor.url().to_owned()];
            measure(&targets, Server::Floor, args.floor_plan()).await
        })
        .await?;
        println!("{report}");
        let compared = Comparison::of(&runs[0], &report);
        println!("{compared}");
        comparison = Some(compared);
        runs.push(report);
    }
    write_json(&args, spawned, runs, comparison, None)
}

/// Runs `work` unless Ctrl-C comes first; then `work` is dropped, and with it what it started
/// (spawned servers are killed, a spawned cluster's database dropped).
async fn interruptible<T>(work: impl Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    tokio::select! {
        result = work => result,
        _ = tokio::signal::ctrl_c() => bail!("interrupted"),
    }
}

/// The rampflow the load goes to.
enum Rampflow {
    /// Servers started by someone else (`--target`).
    Given(Vec<String>),
    /// `--spawn`: one node on SQLite.
    Spawned(Child),
    /// `--spawn-cluster N`: N nodes on PostgreSQL.
    Cluster(SpawnedCluster),
}

impl Rampflow {
    async fn start(
        args: &LoadgenArgs,
        admin_token: &str,
        config: Option<&Path>,
    ) -> anyhow::Result<Rampflow> {
        if args.spawn {
            let mut server = child::spawn_server(admin_token, config, None)?;
            server
                .wait_ready("/readyz", Duration::from_secs(60))
                .await
                .context("the spawned server did not start")?;
            eprintln!(
                "started rampflow serve at {} (fresh SQLite database)",
                server.url()
            );
            return Ok(Rampflow::Spawned(server));
        }
        if let Some(nodes) = args.spawn_cluster {
            let cluster = SpawnedCluster::start(nodes, &args.postgres, admin_token, config)
                .await
                .context("the spawned cluster did not start")?;
            eprintln!(
                "started {nodes} rampflow nodes on database {} on {}, ready and balanced: {}",
                cluster.database_name(),
                cluster.server(),
                cluster.urls().join(", ")
            );
            return Ok(Rampflow::Cluster(cluster));
        }
        Ok(Rampflow::Given(args.targets.clone()))
    }

    fn targets(&self) -> Vec<String> {
        match self {
            Rampflow::Given(targets) => targets.clone(),
            Rampflow::Spawned(server) => vec![server.url().to_owned()],
            Rampflow::Cluster(cluster) => cluster.urls().to_vec(),
        }
    }

    fn spawned(&self) -> Option<Spawned> {
        match self {
            Rampflow::Given(_) => None,
            Rampflow::Spawned(_) => Some(Spawned {
                nodes: 1,
                database: "sqlite".into(),
                database_name: None,
            }),
            Rampflow::Cluster(cluster) => Some(Spawned {
                nodes: cluster.len(),
                database: "postgres".into(),
                database_name: Some(cluster.database_name().to_owned()),
            }),
        }
    }

    /// Stops what was spawned (a cluster: SIGTERM, then its database is dropped).
    async fn stop(self) -> anyhow::Result<()> {
        match self {
            Rampflow::Given(_) | Rampflow::Spawned(_) => Ok(()),
            Rampflow::Cluster(cluster) => cluster.stop().await,
        }
    }
}

fn write_json(
    args: &LoadgenArgs,
    spawned: Option<Spawned>,
    runs: Vec<Report>,
    comparison: Option<Comparison>,
    failover: Option<FailoverReport>,
) -> anyhow::Result<()> {
    let Some(path) = &args.json else {
        return Ok(());
    };
    let report = JsonReport {
        command: redacted(std::env::args()),
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        written_at: chrono::Utc::now().to_rfc3339(),
        spawned,
        runs,
        comparison,
        failover,
    };
    let json = serde_json::to_string_pretty(&report)?;
    std::fs::write(path, json).with_context(|| format!("cannot write {}", path.display()))?;
    eprintln!("report written to {}", path.display());
    Ok(())
}

/// The command line as the report keeps it: without the operator's token, nor the password
/// of a URL (`--postgres postgres://user:secret@…`).
fn redacted(args: impl Iterator<Item = String>) -> Vec<String> {
    let mut after_token = false;
    args.map(|arg| {
        let token_value = std::mem::replace(&mut after_token, arg == "--admin-token");
        if token_value || arg.starts_with("--admin-token=") {
            return "(redacted)".to_owned();
        }
        match url::Url::parse(&arg) {
            Ok(mut url) if url.password().is_some() => {
                let _ = url.set_password(Some("redacted"));
                url.into()
            }
            _ => arg,
        }
    })
    .collect()
}

/// One run with a progress bar.
async fn measure(targets: &[String], server: Server, plan: Plan) -> anyhow::Result<Report> {
    let label = match server {
        Server::Floor => "floor",
        Server::Rampflow { .. } => "rampflow",
    };
    let total = plan.warmup + plan.duration;
    let prepared = prepare(targets, server, plan).await?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reported_command_keeps_no_token_and_no_password() {
        let args = [
            "rampflow",
            "loadgen",
            "--admin-token",
            "secret-1",
            "--admin-token=secret-2",
            "--postgres",
            "postgres://ops:secret-3@db:5432",
            "--target",
            "http://127.0.0.1:8080",
        ];
        let kept = redacted(args.iter().map(|a| a.to_string()));
        assert!(kept.iter().all(|arg| !arg.contains("secret")), "{kept:?}");
        assert_eq!(kept[5], "--postgres");
        assert_eq!(kept[6], "postgres://ops:redacted@db:5432");
        assert_eq!(kept[8], "http://127.0.0.1:8080");
    }
}
