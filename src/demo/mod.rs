//! `rampflow demo`: the real server with a simulated wallet and a simulated partner, narrating
//! one on-ramp and one off-ramp order from creation to completion, webhooks included.
//!
//! The parties are driven by their webhooks, as real ones would be: the partner accepts when
//! it hears `order.created`, the wallet has its user pay when it hears `order.accepted`, and so
//! on. The demo waits for each webhook (with a deadline) before the next step, so the story
//! always reads in the same order.
//!
//! # Layout
//! - [`run`]: the entry point; [`Options`] in, [`Summary`] out.
//! - `server`: the in-process server on its own database and port.
//! - [`receiver`]: a party's webhook receiver (signatures verified with `standardwebhooks`).
//! - `setup`: the operator, pricing, webhook endpoints, the user's data and grant.
//! - `story`: the order of the story, the final checks and `--keep-running`.
//! - `lifecycle`: one order's life.
//! - `api`, `narrator`: the parties' `rampflow-client` clients, narrated, and the terminal
//!   output.

mod api;
mod lifecycle;
mod narrator;
pub mod receiver;
mod server;
mod setup;
mod story;

use std::io::Write;
use std::time::Duration;

use crate::config::Settings;
use api::{Caller, Log};
use narrator::Narrator;
use receiver::{Receiver, Tally};
use server::DemoServer;

/// How to run the demo.
#[derive(Debug, Clone)]
pub struct Options {
    /// The server's settings; the demo replaces the bind address, the database, the data
    /// directory and the private-targets switch with its own (or with the two below).
    pub settings: Settings,
    /// Use this database instead of a fresh SQLite file in a temporary directory.
    pub database_url: Option<String>,
    /// Listen here instead of on a free port of 127.0.0.1.
    pub bind: Option<String>,
    /// How long to wait for each webhook before giving up.
    pub webhook_wait: Duration,
    /// After the story, keep the server up until Ctrl-C or SIGTERM.
    pub keep_running: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            settings: Settings::defaults(),
            database_url: None,
            bind: None,
            webhook_wait: Duration::from_secs(10),
            keep_running: false,
        }
    }
}

/// What the demo did, for a test or a caller to check.
#[derive(Debug, Clone)]
pub struct Summary {
    pub server_url: String,
    pub admin_token: String,
    pub database_url: String,
    pub wallet: PartySummary,
    pub partner: PartySummary,
    pub orders: Vec<OrderSummary>,
}

#[derive(Debug, Clone)]
pub struct PartySummary {
    pub id: String,
    pub api_key: String,
    /// Its webhook receiver's counts at the end.
    pub webhooks: Tally,
}

#[derive(Debug, Clone)]
pub struct OrderSummary {
    pub id: String,
    pub direction: String,
    /// As the wallet read it back at the end.
    pub status: String,
    pub version: i64,
    /// The event types both parties received for it, in order.
    pub events: Vec<String>,
}

/// The simulated wallet or partner. Its key and id come from the operator during setup.
pub(crate) struct Party {
    caller: Caller,
    id: String,
    hooks: Receiver,
}

impl Party {
    fn summary(&self) -> PartySummary {
        PartySummary {
            id: self.id.clone(),
            api_key: self.caller.key.clone(),
            webhooks: self.hooks.tally(),
        }
    }
}

/// Everything a step of the story needs.
pub(crate) struct Demo<W: Write> {
    /// The server's URL, for the parties' clients.
    base: String,
    /// What the parties' clients sent, narrated after each call.
    log: Log,
    out: Narrator<W>,
    wait: Duration,
    operator: Caller,
    wallet: Party,
    partner: Party,
}

/// Runs the demo, narrating to `output`. Must run inside an actix `System` (the server's
/// actors and the receivers need one). Succeeds only when both orders completed and every
/// webhook expected came, verified and in order.
pub async fn run(options: Options, output: impl Write) -> anyhow::Result<Summary> {
    let server = DemoServer::start(options.settings, options.database_url, options.bind).await?;
    let mut demo = match Demo::start(output, &server, options.webhook_wait).await {
        Ok(demo) => demo,
        Err(error) => {
            let _ = server.stop().await;
            return Err(error);
        }
    };
    let facts = (
        server.url.clone(),
        server.admin_token.clone(),
        server.database_url.clone(),
    );
    let mut outcome = demo.story().await;
    if let (Ok(_), true) = (&outcome, options.keep_running) {
        if let Err(error) = demo.keep_running(&server).await {
            outcome = Err(error);
        }
    }
    demo.wallet.hooks.stop().await;
    demo.partner.hooks.stop().await;
    // The server is stopped whatever happened, so nothing is left running; the story's
    // error, if any, is the one worth reporting.
    let stopped = server.stop().await;
    let orders = outcome?;
    stopped?;
    let (server_url, admin_token, database_url) = facts;
    Ok(Summary {
        server_url,
        admin_token,
        database_url,
        wallet: demo.wallet.summary(),
        partner: demo.partner.summary(),
        orders,
    })
}
