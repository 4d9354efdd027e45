use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use rampflow::config::Settings;
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
    /// Load a rampflow server (or spawn one) and report throughput and latency.
    Loadgen(Box<rampflow::loadgen::cli::LoadgenArgs>),
    /// Serve the bare HTTP floor: `POST /v1/orders` parsed into a map, nothing else.
    Floor(FloorArgs),
}

#[derive(clap::Args)]
struct FloorArgs {
    /// Listen address.
    #[arg(long, default_value = "127.0.0.1:8090")]
    bind: String,
    /// HTTP worker threads; 0 means one per core (as the server's default).
    #[arg(long, default_value_t = 0)]
    workers: usize,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings = Settings::load(cli.config.as_deref())?;
    telemetry::init(settings.log_format);
    let command = cli.command.unwrap_or(Command::Serve);
    // The load generator runs on its own small tokio runtime, not in an actix System.
    if let Command::Loadgen(args) = command {
        let workers = match settings.http.workers {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        };
        return rampflow::loadgen::cli::main(*args, cli.config.as_deref(), workers);
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
            Command::Floor(args) => {
                let listener = std::net::TcpListener::bind(&args.bind)
                    .with_context(|| format!("cannot listen on {}", args.bind))?;
                tracing::info!(bind = %args.bind, "the floor is listening");
                floor::serve(listener, args.workers, Default::default())?.await?;
                Ok(())
            }
            Command::Loadgen(_) => unreachable!("handled before the actix System starts"),
        }
    })
}
