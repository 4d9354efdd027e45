//! The real rampflow server, in-process, set up for the demo: its own database (a fresh SQLite
//! file in a temporary directory unless one is given), a free port unless one is given, and
//! private webhook targets allowed, since the simulated parties listen on 127.0.0.1.

use std::net::SocketAddr;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use anyhow::{bail, Context};

use crate::config::{Secret, Settings};
use crate::http::auth::generate_admin_token;
use crate::startup::Application;

pub struct DemoServer {
    pub url: String,
    pub admin_token: String,
    pub database_url: String,
    handle: ServerHandle,
    running: tokio::task::JoinHandle<anyhow::Result<()>>,
    /// Holds the temporary database (and data directory) until the server is gone.
    _data_dir: tempfile::TempDir,
}

impl DemoServer {
    /// Must run inside an actix `System`.
    pub async fn start(
        mut settings: Settings,
        database_url: Option<String>,
        bind: Option<String>,
    ) -> anyhow::Result<DemoServer> {
        let data_dir = tempfile::Builder::new()
            .prefix("rampflow-demo-")
            .tempdir()
            .context("cannot make a temporary directory for the demo")?;
        // A database of the caller's outlives the demo: its master key must too, so it goes
        // where `rampflow serve` looks for it (unless one is configured), not into the
        // temporary directory.
        if database_url.is_some() && settings.master_key.is_none() {
            settings.master_key_file = Some(crate::keys::master::key_file(&settings));
        }
        settings.database_url = database_url.unwrap_or_else(|| {
            format!("sqlite://{}", data_dir.path().join("rampflow.db").display())
        });
        settings.data_dir = data_dir.path().to_path_buf();
        settings.bind = bind.unwrap_or_else(|| "127.0.0.1:0".to_owned());
        settings.webhook_allow_private_targets = true;
        // A token given in the settings is kept; otherwise a fresh one, never written to the
        // working directory's `data/`.
        let admin_token = match &settings.admin_token {
            Some(token) if !token.expose().is_empty() => token.expose().to_owned(),
            _ => generate_admin_token(),
        };
        settings.admin_token = Some(Secret::new(admin_token.clone()));
        let host = client_host(&settings.bind);
        let database_url = settings.database_url.clone();
        let app = Application::build(settings)
            .await
            .context("the demo server did not start")?;
        let url = format!("http://{host}:{}", app.port());
        let handle = app.handle();
        let running = actix_web::rt::spawn(app.run_until_stopped());
        let server = DemoServer {
            url,
            admin_token,
            database_url,
            handle,
            running,
            _data_dir: data_dir,
        };
        server.wait_until_ready().await?;
        Ok(server)
    }

    /// `/readyz` answers 200 once the database, actors and webhook senders are up.
    async fn wait_until_ready(&self) -> anyhow::Result<()> {
        let client = reqwest::Client::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let ready = client
                .get(format!("{}/readyz", self.url))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if ready {
                return Ok(());
            }
            if tokio::time::Instant::now() >= deadline {
                bail!("the demo server at {} never became ready", self.url);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Whether the server stopped by itself (SIGTERM or Ctrl-C reach its own handler).
    pub fn is_stopped(&self) -> bool {
        self.running.is_finished()
    }

    /// Stops taking requests, lets in-flight commands commit, then closes the store.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.handle.stop(true).await;
        self.running
            .await
            .context("the demo server's task panicked")?
    }
}

/// Where a client on this machine reaches a server bound to `bind`: an unspecified address
/// (`0.0.0.0`, `[::]`) is reached on loopback.
fn client_host(bind: &str) -> String {
    match bind.parse::<SocketAddr>() {
        Ok(addr) if addr.ip().is_unspecified() || addr.ip().is_loopback() => match addr {
            SocketAddr::V4(_) => "127.0.0.1".to_owned(),
            SocketAddr::V6(_) => "[::1]".to_owned(),
        },
        Ok(SocketAddr::V4(addr)) => addr.ip().to_string(),
        Ok(SocketAddr::V6(addr)) => format!("[{}]", addr.ip()),
        Err(_) => bind
            .rsplit_once(':')
            .map_or(bind, |(host, _)| host)
            .to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::client_host;

    #[test]
    fn clients_reach_unspecified_binds_on_loopback() {
        assert_eq!(client_host("0.0.0.0:8080"), "127.0.0.1");
        assert_eq!(client_host("127.0.0.1:0"), "127.0.0.1");
        assert_eq!(client_host("[::]:8080"), "[::1]");
        assert_eq!(client_host("10.1.2.3:80"), "10.1.2.3");
        assert_eq!(client_host("localhost:8080"), "localhost");
    }
}
