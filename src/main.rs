use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use rampflow::config::Settings;
use rampflow::environment;
use rampflow::floor;
use rampflow::startup::Application;
use rampflow::store::Store;
use rampflow::telemetry;

/// rampflow: an order server for crypto on-ramp and off-ramp.
#[derive(Parser)]
#[command(name = "rampflow", version, about)]
struct Cli {
    /// A TOML file layered over the built-in defaults (environment variables still win).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// The master key and the data keys it wraps: `status`, `rotate`.
    Keys {
        #[command(subcommand)]
        command: rampflow::keys::cli::KeysCommand,
    },
    /// Start the server with a simulated wallet and partner, and narrate one on-ramp and one
    /// off-ramp order through their whole lives, webhooks included.
    Demo(DemoArgs),
    /// Load a rampflow server (or spawn one) and report throughput and latency.
    Loadgen(Box<rampflow::loadgen::cli::LoadgenArgs>),
    /// Serve the bare HTTP floor: `POST /v1/orders` parsed into a map, nothing else.
    Floor(FloorArgs),
    /// Measure the scale figures (memory per idle live order, rehydration time, timer
    /// lateness) on a fresh database of N live orders.
    Scale(rampflow::scale::ScaleArgs),
    /// The child process `scale` takes its figures in.
    #[command(hide = true)]
    ScaleProbe(rampflow::scale::ProbeArgs),
}

#[derive(Args)]
struct FloorArgs {
    /// Listen address.
    #[arg(long, default_value = "127.0.0.1:8090")]
    bind: String,
    /// HTTP worker threads; 0 means one per core (as the server's default).
    #[arg(long, default_value_t = 0)]
    workers: usize,
}

#[derive(Args)]
struct DemoArgs {
    /// The database to use; by default a fresh SQLite file in a temporary directory
    /// (RAMPFLOW_DATABASE_URL is ignored here, so the demo never touches your data).
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
    /// The server's listen address; by default a free port on 127.0.0.1 (RAMPFLOW_BIND is
    /// ignored here).
    #[arg(long, value_name = "ADDR")]
    bind: Option<String>,
    /// How long to wait for each webhook before giving up, such as 10s.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = humantime::parse_duration)]
    webhook_wait: Duration,
    /// Afterwards, keep the server up (with its URL, admin token and API keys printed) until
    /// Ctrl-C.
    #[arg(long)]
    keep_running: bool,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let (settings, unknown_variables) = match Settings::load_reporting(cli.config.as_deref()) {
        Ok(loaded) => loaded,
        Err(error) => {
            // One readable line naming the variable or key, and a failed exit.
            eprintln!("rampflow: {}", environment::describe_error(&error));
            std::process::exit(2);
        }
    };
    let command = cli.command.unwrap_or(Command::Serve);
    match &command {
        // The narration is the demo's output; only warnings and errors should join it.
        Command::Demo(_) => telemetry::init_with(settings.log_format, "warn"),
        // The table is the output; the probe's own logs come through at `warn`.
        Command::Scale(_) => telemetry::init_with(settings.log_format, "warn"),
        _ => telemetry::init(settings.log_format),
    }
    for unknown in &unknown_variables {
        tracing::warn!(
            variable = %unknown.name,
            suggestion = unknown.suggestion.as_deref().unwrap_or("none"),
            "{unknown}"
        );
    }
    // The load generator runs on its own small tokio runtime, not in an actix System.
    if let Command::Loadgen(args) = command {
        let workers = rampflow::config::one_per_core_if_zero(settings.http.workers);
        return rampflow::loadgen::cli::main(*args, cli.config.as_deref(), workers);
    }
    // So does the scale command; its probe runs in an actix System like the server.
    if let Command::Scale(args) = command {
        return rampflow::scale::main(args, settings, cli.config.as_deref());
    }
    actix_web::rt::System::new().block_on(async move {
        match command {
            Command::Serve => {
                Application::build(settings)
                    .await?
                    .run_until_stopped()
                    .await
            }
            Command::Migrate => {
                let store = Store::connect(&settings).await?;
                store.migrate().await?;
                store.close().await;
                tracing::info!("migrations applied");
                Ok(())
            }
            Command::Keys { command } => rampflow::keys::cli::run(command, &settings).await,
            Command::Demo(args) => {
                let options = rampflow::demo::Options {
                    settings,
                    database_url: args.database_url,
                    bind: args.bind,
                    webhook_wait: args.webhook_wait,
                    keep_running: args.keep_running,
                };
                rampflow::demo::run(options, std::io::stdout())
                    .await
                    .map(drop)
                    .context("the demo failed")
            }
            Command::Floor(args) => {
                let listener = std::net::TcpListener::bind(&args.bind)
                    .with_context(|| format!("cannot listen on {}", args.bind))?;
                tracing::info!(bind = %args.bind, "the floor is listening");
                floor::serve(listener, args.workers, Default::default())?.await?;
                Ok(())
            }
            Command::ScaleProbe(args) => rampflow::scale::probe::run(args, settings).await,
            Command::Loadgen(_) | Command::Scale(_) => {
                unreachable!("handled before the actix System starts")
            }
        }
    })
}
