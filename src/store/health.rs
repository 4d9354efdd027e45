//! The database health probe that drives the circuit breaker.
//!
//! It asks `SELECT 1` every `probe_interval` on a connection of its own, outside the pool, so
//! a pool whose connections are all stuck on a dead socket cannot hide the answer, and a busy
//! pool cannot delay it. Two failures in a row (an error, or no answer within
//! `probe_timeout`) open the breaker; the first success closes it. So a refused connection is
//! noticed within about two probe periods, a blackholed one within two probe timeouts, and
//! recovery within one period.

use std::sync::Arc;
use std::time::Duration;

use rampflow_actors::breaker::Breaker;
use sqlx::{AnyConnection, Connection, Executor};

use super::Store;

/// Failures in a row that open the breaker: one lost probe is not an outage.
const FAILURES_TO_OPEN: u32 = 2;

#[derive(Debug, Clone, Copy)]
pub struct ProbeSettings {
    pub interval: Duration,
    pub timeout: Duration,
}

impl Store {
    /// The breaker every path to the database obeys.
    pub fn breaker(&self) -> &Arc<Breaker> {
        &self.breaker
    }

    /// Starts the probe on the current runtime. It runs until [`Store::close`].
    pub fn watch_database(&self, settings: ProbeSettings) {
        let url = self.probe_url.clone();
        let breaker = self.breaker.clone();
        let mut closing = self.closing.subscribe();
        tokio::spawn(async move {
            tokio::select! {
                () = probe_forever(&url, &breaker, settings) => {}
                _ = closing.wait_for(|closing| *closing) => {}
            }
        });
    }
}

async fn probe_forever(url: &str, breaker: &Breaker, settings: ProbeSettings) {
    let mut connection: Option<AnyConnection> = None;
    let mut failures = 0u32;
    let mut every = tokio::time::interval(settings.interval);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        let answer = tokio::time::timeout(settings.timeout, probe(&mut connection, url)).await;
        match answer {
            Ok(Ok(())) => {
                failures = 0;
                if breaker.close() {
                    tracing::info!("the database answers again: requests are served again");
                }
            }
            failure => {
                // A connection that failed or hangs is not trusted again.
                connection = None;
                failures += 1;
                let why = match failure {
                    Ok(Err(error)) => error.to_string(),
                    _ => format!("no answer within {:?}", settings.timeout),
                };
                if failures >= FAILURES_TO_OPEN && breaker.open() {
                    tracing::warn!(
                        error = %why,
                        "the database is unreachable: requests that need it get 503 database_unavailable until it answers"
                    );
                } else {
                    tracing::debug!(error = %why, failures, "database probe failed");
                }
            }
        }
    }
}

async fn probe(connection: &mut Option<AnyConnection>, url: &str) -> Result<(), sqlx::Error> {
    let connection = match connection {
        Some(connection) => connection,
        None => connection.insert(AnyConnection::connect(url).await?),
    };
    connection.execute("SELECT 1").await.map(|_| ())
}
