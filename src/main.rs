use std::path::PathBuf;

use clap::{Parser, Subcommand};
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
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings = Settings::load(cli.config.as_deref())?;
    telemetry::init(settings.log_format);
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
        }
    })
}
