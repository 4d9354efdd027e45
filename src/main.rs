use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use rampflow::config::Settings;
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
    /// Start the server with a simulated wallet and partner, and narrate one on-ramp and one
    /// off-ramp order through their whole lives, webhooks included.
    Demo(DemoArgs),
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
    let settings = Settings::load(cli.config.as_deref())?;
    match &cli.command {
        // The narration is the demo's output; only warnings and errors should join it.
        Some(Command::Demo(_)) => telemetry::init_with(settings.log_format, "warn"),
        _ => telemetry::init(settings.log_format),
    }
    actix_web::rt::System::new().block_on(async move {
        match cli.command.unwrap_or(Command::Serve) {
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
        }
    })
}
