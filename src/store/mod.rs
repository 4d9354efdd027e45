//! The database, through sqlx's `Any` driver: SQLite (WAL, `synchronous=FULL`) embedded by
//! default, PostgreSQL when `RAMPFLOW_DATABASE_URL` is a `postgres://` URL.
//!
//! Queries are grouped by aggregate: [`orders`] (the actors' [`OrderStore`] and the order
//! listings), [`parties`] (wallets, partners and their keys), [`users`] (KYC data, sealed
//! under each user's data key; grants; the access log), [`idempotency`], and [`data_keys`] (the
//! wrapped data keys, see [`crate::keys`]). Every query is written once, in SQL both engines
//! accept (`$n` parameters, `ON CONFLICT`, `RETURNING`); times are integer milliseconds and ids are
//! text, so no engine-specific type crosses the boundary. The two engines differ only in their
//! migrations (`migrations/sqlite`, `migrations/postgres`) and connection setup, both here.
//!
//! [`OrderStore`]: rampflow_actors::store::OrderStore

mod access_cache;
mod batch;
pub mod data_keys;
pub mod deliveries;
mod fencing;
mod health;
pub(crate) use fencing::DB_NOW_MS;
pub use health::ProbeSettings;
pub mod idempotency;
pub mod order_writes;
pub mod orders;
pub mod parties;
pub mod pricing;
pub mod recorder;
mod sqlite_journal;
mod sqlite_recorder;
pub mod users;
pub mod webhooks;

use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use anyhow::{bail, Context};
use rampflow_actors::breaker::Breaker;
use rampflow_actors::shard::{Shards, DEFAULT_SHARD_COUNT};
use rampflow_actors::store::{
    BlockingCommitter, Committed, HandOver, OrderWrite, StoreError, StoreErrorKind,
};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor};

use crate::config::Settings;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// The service's database handle. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    engine: Engine,
    access: std::sync::Arc<access_cache::AccessCache>,
    /// The node's view of its shards, set once the node knows it (see [`Store::attach_shards`]).
    shards: Arc<OnceLock<Arc<Shards>>>,
    /// On SQLite, the lock that keeps a second process off the same database file, held until
    /// [`Store::close`].
    sqlite_lock: Arc<std::sync::Mutex<Option<std::fs::File>>>,
    /// Open while the database is unreachable (see [`health`]).
    breaker: Arc<Breaker>,
    /// The URL the health probe connects to (SQLite's with the options the pool uses).
    probe_url: String,
    /// On SQLite, the database file and how long a connection waits for the write lock: the
    /// journal opens a connection of its own on them (see [`sqlite_journal`]).
    sqlite_file: Option<sqlite_journal::SqliteFile>,
    /// On SQLite, the committer behind the async [`OrderStore::commit`] (the journal's own
    /// thread has another), opened on first use and dropped by [`Store::close`].
    ///
    /// [`OrderStore::commit`]: rampflow_actors::store::OrderStore::commit
    shared_committer: Arc<std::sync::Mutex<Option<sqlite_journal::SqliteCommitter>>>,
    /// On SQLite, turns at the database's one write lock for this process's busiest writers:
    /// the journal, and webhook delivery's leases and recorded attempts. SQLite makes a writer
    /// that finds the lock taken sleep and try again, with sleeps growing to 100 ms; with the
    /// journal committing back to back on its own thread, the recorder kept waking inside the
    /// journal's next transaction and once waited a whole second. A FIFO turn hands the lock
    /// over in order instead.
    write_turns: Arc<tokio::sync::Mutex<()>>,
    /// Set by [`Store::close`]: background users of the database stop.
    closing: Arc<tokio::sync::watch::Sender<bool>>,
    /// The keys that seal users' data and webhook secrets, set once at startup (see
    /// [`Store::attach_vault`]).
    vault: Arc<OnceLock<Arc<crate::keys::Vault>>>,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Store {
    /// Opens the database named by `database_url`, creating a SQLite file if needed.
    pub async fn connect(settings: &Settings) -> anyhow::Result<Store> {
        sqlx::any::install_default_drivers();
        let url = settings.database_url.as_str();
        let busy_timeout_ms = settings.database.busy_timeout.as_millis();
        let options = AnyPoolOptions::new()
            .max_connections(settings.database.max_connections.max(2))
            .acquire_timeout(settings.database.acquire_timeout);
        let mut sqlite_lock = None;
        let mut sqlite_file = None;
        let (engine, pool, probe_url) = if url.starts_with("postgres://")
            || url.starts_with("postgresql://")
        {
            // A transaction left open by a node that froze (SIGSTOP, a stuck VM) would keep its
            // locks, among them the share locks on shard rows that fence its writes, and so hold
            // up the node taking those shards over: PostgreSQL ends such a session once it has
            // been idle inside a transaction for a lease and a second (the second spares a
            // live node whose process is merely starved of CPU between two statements).
            let idle_limit = (settings.cluster_lease + Duration::from_secs(1)).as_millis();
            let pool = options
                .after_connect(move |connection, _| {
                    Box::pin(async move {
                        connection
                            .execute(
                                format!("SET idle_in_transaction_session_timeout = {idle_limit}")
                                    .as_str(),
                            )
                            .await?;
                        Ok(())
                    })
                })
                .connect(url)
                .await;
            (Engine::Postgres, pool, url.to_owned())
        } else if let Some(path) = url.strip_prefix("sqlite://") {
            let file = path.split('?').next().unwrap_or(path);
            if let Some(parent) = Path::new(file)
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
            {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("cannot create {}", parent.display()))?;
            }
            sqlite_lock = Some(lock_sqlite_file(file)?);
            // (An in-memory database is one connection's alone: it keeps sqlx's path.)
            if !file.is_empty() && !file.starts_with(":memory:") {
                sqlite_file = Some(sqlite_journal::SqliteFile {
                    path: std::path::PathBuf::from(file),
                    busy_timeout: settings.database.busy_timeout,
                    idle_checkpoint_interval: settings.database.idle_checkpoint_interval,
                });
            }
            let url = if url.contains("mode=") {
                url.to_owned()
            } else if url.contains('?') {
                format!("{url}&mode=rwc")
            } else {
                format!("{url}?mode=rwc")
            };
            // WAL lets readers run beside the one writer; FULL makes every commit durable
            // before it is acknowledged (the promise behind every 2xx). Statement journals
            // (SQLite keeps one for each multi-row `INSERT … ON CONFLICT` of a batch, to undo
            // just that statement) live in memory rather than in temp files written with a
            // syscall per page; they only matter while their transaction is open. Deleted
            // content is overwritten with zeros (`secure_delete`), so a deleted user's wrapped
            // data key and sealed data do not linger in free pages.
            let pragmas = format!(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                 PRAGMA foreign_keys = ON; PRAGMA busy_timeout = {busy_timeout_ms}; \
                 PRAGMA temp_store = MEMORY; PRAGMA secure_delete = ON;"
            );
            let pool = options
                .after_connect(move |connection, _| {
                    let pragmas = pragmas.clone();
                    Box::pin(async move {
                        connection.execute(pragmas.as_str()).await?;
                        Ok(())
                    })
                })
                .connect(&url)
                .await;
            (Engine::Sqlite, pool, url)
        } else {
            bail!("unsupported database URL {url:?}: use sqlite://PATH or postgres://…");
        };
        let pool = pool.with_context(|| format!("cannot open the database at {}", redact(url)))?;
        Ok(Store {
            pool,
            engine,
            access: Default::default(),
            shards: Default::default(),
            sqlite_lock: Arc::new(std::sync::Mutex::new(sqlite_lock)),
            breaker: Arc::default(),
            probe_url,
            sqlite_file,
            shared_committer: Default::default(),
            write_turns: Default::default(),
            closing: Arc::new(tokio::sync::watch::Sender::new(false)),
            vault: Default::default(),
        })
    }

    /// Tells the store which shards this node writes and under which epochs: on PostgreSQL
    /// every journal transaction checks them (fencing). Set once, before the journal starts.
    pub fn attach_shards(&self, shards: Arc<Shards>) {
        let _ = self.shards.set(shards);
    }

    /// Gives the store the keys that seal users' data and webhook secrets. Set once, before
    /// serving.
    pub fn attach_vault(&self, vault: Arc<crate::keys::Vault>) {
        let _ = self.vault.set(vault);
    }

    /// The vault, or an error for a store opened without one (a tool's).
    pub(crate) fn vault(&self) -> Result<&Arc<crate::keys::Vault>, StoreError> {
        self.vault
            .get()
            .ok_or_else(|| StoreError::new("this store has no keys to seal or open secrets with"))
    }

    /// How long cached grants may be trusted (see `cluster::coherence`). Set once at startup.
    pub fn set_cache_policy(&self, policy: crate::cluster::coherence::CachePolicy) {
        self.access.set_policy(policy);
    }

    /// The node's shards; a single node's until [`Store::attach_shards`] says otherwise (a
    /// store opened for a tool, such as `rampflow scale`'s seeding).
    pub fn shards(&self) -> &Arc<Shards> {
        self.shards
            .get_or_init(|| Arc::new(Shards::single_node("standalone", DEFAULT_SHARD_COUNT)))
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        let migrations = match self.engine {
            Engine::Sqlite => &SQLITE_MIGRATIONS,
            Engine::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrations
            .run(&self.pool)
            .await
            .context("database migration failed")
    }

    pub async fn close(&self) {
        self.closing.send_replace(true);
        self.shared_committer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        self.pool.close().await;
        // Another process may open the file now.
        self.sqlite_lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
    }

    /// On a SQLite file, a committer with a connection of its own for the journal's thread.
    pub(crate) fn sqlite_committer(&self) -> Option<sqlite_journal::SqliteCommitter> {
        let file = self.sqlite_file.clone()?;
        Some(sqlite_journal::SqliteCommitter::new(self.clone(), file))
    }

    /// Commits on SQLite's own connection from async code (tests and benches calling
    /// `OrderStore::commit` directly; the journal has a thread of its own), or `None` when
    /// this store commits through sqlx.
    async fn commit_natively(
        &self,
        writes: &[OrderWrite],
        hand_over: Option<HandOver<'_>>,
    ) -> Option<Result<Committed, StoreError>> {
        self.sqlite_file.as_ref()?;
        let store = self.clone();
        let writes = writes.to_vec();
        let hand_over = hand_over.map(|h| (h.lease_until, h.delivered.clone()));
        let committed = tokio::task::spawn_blocking(move || {
            let mut shared = store
                .shared_committer
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let committer = shared.get_or_insert_with(|| {
                store
                    .sqlite_committer()
                    .expect("a SQLite file, checked above")
            });
            let hand_over = hand_over.as_ref().map(|(lease_until, delivered)| HandOver {
                lease_until: *lease_until,
                delivered,
            });
            committer.commit(&writes, hand_over)
        })
        .await
        .unwrap_or_else(|panicked| Err(StoreError::new(panicked)));
        Some(committed)
    }

    /// This process's turn at SQLite's write lock, held until dropped (see `write_turns`);
    /// `None` on PostgreSQL, whose writers lock rows, not the database.
    pub(crate) async fn sqlite_write_turn(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match self.engine {
            Engine::Sqlite => Some(self.write_turns.lock().await),
            Engine::Postgres => None,
        }
    }

    /// As [`Store::sqlite_write_turn`], for the journal's thread (never inside async code).
    pub(crate) fn blocking_sqlite_write_turn(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.write_turns.blocking_lock()
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }
}

/// SQLite runs one node: a second process on the same database file would run a second set of
/// actors and timers over the same orders, with nothing to fence them. The lock is an
/// exclusive `flock` on `<file>.lock`, held while the store is open and dropped by the kernel
/// if the process dies, so a crash never leaves the database locked.
fn lock_sqlite_file(file: &str) -> anyhow::Result<std::fs::File> {
    let path = format!("{file}.lock");
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open {path}"))?;
    match lock.try_lock() {
        Ok(()) => Ok(lock),
        Err(std::fs::TryLockError::WouldBlock) => bail!(
            "the SQLite database {file} is in use by another rampflow process: SQLite runs one \
             node only (stop the other process, or use PostgreSQL to run several nodes)"
        ),
        Err(std::fs::TryLockError::Error(error)) => {
            Err(error).with_context(|| format!("cannot lock {path}"))
        }
    }
}

/// Keeps a password in a URL out of logs and errors.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://…@{}", &url[..scheme], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

/// Sorts a database error by what the caller can do about it (see [`StoreErrorKind`]).
pub(crate) fn store_error(error: sqlx::Error) -> StoreError {
    StoreError::of_kind(error_kind(&error), error)
}

/// As [`store_error`], for an error of `COMMIT` itself: if the database could not be reached,
/// the transaction may have committed all the same.
pub(crate) fn commit_error(error: sqlx::Error) -> StoreError {
    let error = store_error(error);
    match error.kind {
        StoreErrorKind::Unavailable => StoreError::of_kind(StoreErrorKind::CommitUnknown, error),
        _ => error,
    }
}

/// - Retryable (the transaction did nothing): SQLite's busy and locked (`SQLITE_BUSY`,
///   `SQLITE_LOCKED` and their extended codes), PostgreSQL's serialization failure (40001) and
///   deadlock victim (40P01).
/// - Unavailable: no connection (I/O, TLS or protocol failure, a pool that gave none in time
///   or is closed), PostgreSQL's connection exceptions (08…), shutdown and too-many-connections
///   codes, full disk (53100) and a session ended for idling in a transaction (25P03: the
///   transaction was rolled back); SQLite's I/O error, full disk and cannot-open.
fn error_kind(error: &sqlx::Error) -> StoreErrorKind {
    match error {
        sqlx::Error::Database(db) => match db.code().as_deref() {
            Some("40001" | "40P01") => StoreErrorKind::Retryable,
            Some(code)
                if code.starts_with("08")
                    || matches!(
                        code,
                        "57P01" | "57P02" | "57P03" | "53300" | "53100" | "25P03"
                    ) =>
            {
                StoreErrorKind::Unavailable
            }
            Some(code) => match code.parse::<i64>().map(|code| code & 0xff) {
                Ok(5 | 6) => StoreErrorKind::Retryable,
                Ok(10 | 13 | 14) => StoreErrorKind::Unavailable,
                _ => StoreErrorKind::Failed,
            },
            None => StoreErrorKind::Failed,
        },
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => StoreErrorKind::Unavailable,
        _ => StoreErrorKind::Failed,
    }
}

pub(crate) type DbRow = AnyRow;
