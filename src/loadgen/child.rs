//! `--spawn`, `--spawn-cluster` and `--floor`: the current executable started again as
//! `rampflow serve` (on a fresh SQLite database in a temporary directory, or on a PostgreSQL
//! database made for the run) or `rampflow floor`, on a free port, and killed when dropped. So
//! one command reproduces a figure from nothing.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

use anyhow::{bail, Context};
use http::{StatusCode, Uri};
use tokio::time::{Duration, Instant};

use super::client::{Call, Conn, Target};

/// A child server. Its output goes to a log file in its temporary directory.
pub struct Child {
    process: std::process::Child,
    url: String,
    log: PathBuf,
    /// Removed (database included) when the child is dropped.
    _dir: tempfile::TempDir,
}

impl Drop for Child {
    fn drop(&mut self) {
        // A benchmark's throwaway server: nothing in it needs a clean shutdown.
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// A port nobody listens on right now (the child binds it a moment later).
fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn start(mut command: Command, dir: tempfile::TempDir, port: u16) -> anyhow::Result<Child> {
    let log = dir.path().join("output.log");
    let output = File::create(&log).context("cannot create the child's log")?;
    let process = command
        .stdin(Stdio::null())
        .stdout(output.try_clone()?)
        .stderr(output)
        .spawn()
        .context("cannot start the child process")?;
    Ok(Child {
        process,
        url: format!("http://127.0.0.1:{port}"),
        log,
        _dir: dir,
    })
}

fn executable() -> anyhow::Result<PathBuf> {
    std::env::current_exe().context("cannot find the current executable")
}

/// `rampflow serve` on `database_url`, or on a fresh SQLite database in its own temporary
/// directory when `None`, with `admin_token` as the operator's key and private webhook targets
/// allowed (the receivers are on 127.0.0.1). The temporary directory is its data directory
/// either way. Other `RAMPFLOW_*` variables of this process reach the child, so settings can be
/// tuned as for any server.
pub fn spawn_server(
    admin_token: &str,
    config: Option<&Path>,
    database_url: Option<&str>,
) -> anyhow::Result<Child> {
    let dir = tempfile::Builder::new()
        .prefix("rampflow-loadgen-")
        .tempdir()
        .context("cannot create a temporary directory")?;
    let port = free_port()?;
    let database_url = match database_url {
        Some(url) => url.to_owned(),
        None => format!("sqlite://{}/rampflow.db", dir.path().display()),
    };
    let mut command = Command::new(executable()?);
    if let Some(config) = config {
        command.arg("--config").arg(config);
    }
    command
        .arg("serve")
        .env("RAMPFLOW_BIND", format!("127.0.0.1:{port}"))
        .env("RAMPFLOW_DATABASE_URL", database_url)
        .env("RAMPFLOW_DATA_DIR", dir.path())
        .env("RAMPFLOW_ADMIN_TOKEN", admin_token)
        .env("RAMPFLOW_MASTER_KEY", run_master_key())
        .env("RAMPFLOW_WEBHOOK_ALLOW_PRIVATE_TARGETS", "true");
    start(command, dir, port)
}

/// The master key of every server this run spawns: the nodes of a spawned cluster share one
/// database, so they need the same key (made for the run, gone with it).
fn run_master_key() -> &'static str {
    static KEY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    KEY.get_or_init(|| crate::keys::MasterKey::generate().encoded().to_owned())
}

/// `rampflow floor` with `workers` HTTP workers.
pub fn spawn_floor(workers: usize) -> anyhow::Result<Child> {
    let dir = tempfile::Builder::new()
        .prefix("rampflow-floor-")
        .tempdir()
        .context("cannot create a temporary directory")?;
    let port = free_port()?;
    let mut command = Command::new(executable()?);
    command
        .arg("floor")
        .arg("--bind")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--workers")
        .arg(workers.to_string());
    start(command, dir, port)
}

impl Child {
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Waits until `GET path` answers 200, or fails with the end of the child's output if it
    /// exits or `limit` passes first.
    pub async fn wait_ready(&mut self, path: &'static str, limit: Duration) -> anyhow::Result<()> {
        let target = Arc::new(Target::parse(&self.url).await?);
        let mut conn = Conn::new(target);
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.process.try_wait()? {
                bail!("the child exited with {status}:\n{}", self.output_tail());
            }
            let call = Call {
                method: http::Method::GET,
                path: Uri::from_static(path),
                key: None,
                idempotency_key: None,
                body: None,
            };
            if let Ok(reply) = conn.send(call).await {
                if reply.status == StatusCode::OK {
                    return Ok(());
                }
            }
            if Instant::now() >= deadline {
                bail!(
                    "the child was not ready after {limit:?}:\n{}",
                    self.output_tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// SIGTERM: a node of a cluster hands its shards over, then stops.
    pub fn terminate(&self) {
        use nix::sys::signal::{kill, Signal};
        use nix::unistd::Pid;
        // It may have exited already: then there is nothing to stop.
        let _ = kill(Pid::from_raw(self.process.id() as i32), Signal::SIGTERM);
    }

    /// Waits up to `limit` for the child to exit; false if it still runs.
    pub async fn wait_exit(&mut self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        loop {
            if !matches!(self.process.try_wait(), Ok(None)) {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The last lines the child printed.
    pub fn output_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }
}
