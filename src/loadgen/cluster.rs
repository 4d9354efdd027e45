//! `--spawn-cluster N`: a PostgreSQL database made for the run and N `rampflow serve` children
//! on it, each on a free loopback port with its own data directory and the same operator token.
//! They form a cluster by themselves; the load starts once every node is ready and the shards
//! are balanced. At the end the nodes are stopped (SIGTERM, so each hands its shards over, then
//! SIGKILL for a node that takes too long) and the database is dropped. On an error, a panic or
//! Ctrl-C the nodes are killed and the database dropped all the same (see the `Drop`s).

use std::path::Path;

use anyhow::{bail, Context};
use sqlx::Connection;
use tokio::time::{Duration, Instant};

use super::child::{self, Child};
use super::setup::api_client;
use super::shards::ClusterView;

/// How long a node may take to start (the first also migrates the database).
const START_LIMIT: Duration = Duration::from_secs(60);
/// How long the shards may take to settle once every node is up.
const BALANCE_LIMIT: Duration = Duration::from_secs(60);
/// How long a node may take to hand over and exit after SIGTERM before it is killed.
const STOP_LIMIT: Duration = Duration::from_secs(30);

/// A database made for one run, dropped when the run ends.
pub struct Database {
    /// The server's URL with the `postgres` maintenance database as its path.
    admin_url: url::Url,
    name: String,
    dropped: bool,
}

impl Database {
    /// Creates `rampflow_loadgen_<uuid>` on the PostgreSQL server at `server`
    /// (`postgres://user@host:port`; a database in the URL is ignored).
    pub async fn create(server: &str) -> anyhow::Result<Database> {
        // The URL may hold a password: it is not repeated in the errors.
        let mut admin_url = url::Url::parse(server).context("--postgres is not a URL")?;
        if !matches!(admin_url.scheme(), "postgres" | "postgresql") {
            bail!("--postgres must be a postgres:// URL");
        }
        admin_url.set_path("/postgres");
        let name = format!("rampflow_loadgen_{}", uuid::Uuid::now_v7().simple());
        on_server(&admin_url, &format!("CREATE DATABASE {name}"))
            .await
            .with_context(|| format!("cannot create database {name}"))?;
        Ok(Database {
            admin_url,
            name,
            dropped: false,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The server, as it may be printed (no password).
    pub fn server(&self) -> String {
        let mut server = shown(&self.admin_url);
        server.set_path("");
        server.into()
    }

    /// The URL the nodes connect with.
    pub fn url(&self) -> String {
        let mut url = self.admin_url.clone();
        url.set_path(&format!("/{}", self.name));
        url.into()
    }

    /// Drops it, ending any connection still open to it.
    pub async fn drop_now(mut self) -> anyhow::Result<()> {
        self.dropped = true;
        drop_database(&self.admin_url, &self.name).await
    }
}

async fn drop_database(admin_url: &url::Url, name: &str) -> anyhow::Result<()> {
    on_server(
        admin_url,
        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
    )
    .await
    .with_context(|| format!("cannot drop database {name}"))
}

/// Runs one statement on the server's maintenance database, on a connection of its own.
async fn on_server(admin_url: &url::Url, statement: &str) -> anyhow::Result<()> {
    let mut admin = sqlx::PgConnection::connect(admin_url.as_str())
        .await
        .with_context(|| format!("cannot connect to PostgreSQL at {}", shown(admin_url)))?;
    let done = sqlx::query(statement).execute(&mut admin).await;
    let _ = admin.close().await;
    done?;
    Ok(())
}

/// `url` without its password, to be printed.
fn shown(url: &url::Url) -> url::Url {
    let mut shown = url.clone();
    let _ = shown.set_password(None);
    shown
}

impl Drop for Database {
    /// The run ended without [`Database::drop_now`] (an error, a panic, Ctrl-C): drop it from a
    /// thread of its own, since this may run inside the runtime.
    fn drop(&mut self) {
        if self.dropped {
            return;
        }
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(drop_database(&admin_url, &name))
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!(
                "could not drop database {}: drop it by hand (DROP DATABASE {} WITH (FORCE))",
                self.name, self.name
            );
        }
    }
}

/// The running nodes and their database.
pub struct SpawnedCluster {
    /// By index; `None` once killed. Declared before `database`: fields drop in order, so on an
    /// early end the nodes are killed before their database is dropped.
    nodes: Vec<Option<Child>>,
    urls: Vec<String>,
    admin_token: String,
    database: Option<Database>,
}

impl SpawnedCluster {
    /// Makes the database on the PostgreSQL server `postgres`, starts `count` nodes on it and
    /// waits until each is ready and the shards are balanced.
    pub async fn start(
        count: usize,
        postgres: &str,
        admin_token: &str,
        config: Option<&Path>,
    ) -> anyhow::Result<SpawnedCluster> {
        let database = Database::create(postgres).await?;
        let url = database.url();
        let mut cluster = SpawnedCluster {
            nodes: Vec::new(),
            urls: Vec::new(),
            admin_token: admin_token.to_owned(),
            database: Some(database),
        };
        // The first node migrates the database and fixes its shard count; the others then start
        // together and join a ready schema.
        for index in 0..count {
            let node = child::spawn_server(admin_token, config, Some(&url))
                .with_context(|| format!("cannot start node {index}"))?;
            cluster.urls.push(node.url().to_owned());
            cluster.nodes.push(Some(node));
            if index == 0 {
                cluster.wait_ready(0).await?;
            }
        }
        for index in 1..count {
            cluster.wait_ready(index).await?;
        }
        cluster.wait_until_balanced(count).await?;
        Ok(cluster)
    }

    async fn wait_ready(&mut self, index: usize) -> anyhow::Result<()> {
        let node = self.nodes[index].as_mut().expect("a started node");
        node.wait_ready("/readyz", START_LIMIT)
            .await
            .with_context(|| format!("node {index} did not start"))
    }

    /// Waits until `GET /v1/ops/cluster` shows `nodes` members holding every shard in fair
    /// shares.
    async fn wait_until_balanced(&self, nodes: usize) -> anyhow::Result<()> {
        let operator = api_client(&self.urls[0], &self.admin_token, Default::default())?;
        let deadline = Instant::now() + BALANCE_LIMIT;
        loop {
            let view = ClusterView::read(&operator).await?;
            if view.balanced(nodes) {
                return Ok(());
            }
            if Instant::now() >= deadline {
                let held: Vec<usize> = view.members().map(|node| node.shards.len()).collect();
                bail!(
                    "the cluster did not balance within {BALANCE_LIMIT:?}: members hold {held:?} \
                     shards, {} unowned",
                    view.unowned_shards.len()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The nodes' base URLs, by index (killed ones included).
    pub fn urls(&self) -> &[String] {
        &self.urls
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn database_name(&self) -> &str {
        self.database.as_ref().map_or("", Database::name)
    }

    /// The PostgreSQL server the database is on (no password).
    pub fn server(&self) -> String {
        self.database
            .as_ref()
            .map_or_else(String::new, Database::server)
    }

    /// `kill -9` node `index`: no handover, its leases run out.
    pub fn kill9(&mut self, index: usize) {
        // Dropping a child kills it and reaps it.
        self.nodes[index] = None;
    }

    /// Stops every node (SIGTERM to all, SIGKILL to those still running after the limit),
    /// then drops the database.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        let mut nodes: Vec<(usize, Child)> = (self.nodes.drain(..).enumerate())
            .filter_map(|(index, node)| Some((index, node?)))
            .collect();
        for (_, node) in &nodes {
            node.terminate();
        }
        for (index, node) in &mut nodes {
            if !node.wait_exit(STOP_LIMIT).await {
                eprintln!("node {index} did not stop within {STOP_LIMIT:?} of SIGTERM: killed");
            }
        }
        drop(nodes);
        match self.database.take() {
            Some(database) => database.drop_now().await,
            None => Ok(()),
        }
    }
}
