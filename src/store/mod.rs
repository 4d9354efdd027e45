//! The database: sqlx over SQLite (WAL, `synchronous=FULL`), the embedded default.
//!
//! Queries are grouped by aggregate: [`orders`] (the actors' [`OrderStore`] and the order
//! listings), [`parties`] (wallets, partners and their keys), [`users`] (KYC data, grants and
//! the access log) and [`idempotency`]. The SQL sticks to what PostgreSQL also accepts, so a
//! second backend can stand beside this one behind the same `OrderStore` trait.
//!
//! [`OrderStore`]: rampflow_actors::store::OrderStore

pub mod idempotency;
pub mod orders;
pub mod parties;
pub mod users;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use anyhow::{bail, Context};
use rampflow_actors::store::StoreError;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;

use crate::config::Settings;

/// The service's database handle. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: SqlitePool,
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

impl Store {
    /// Opens (creating if needed) the database named by `database_url`.
    pub async fn connect(settings: &Settings) -> anyhow::Result<Store> {
        let url = settings.database_url.as_str();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            bail!("PostgreSQL is not supported by this build yet; use a sqlite:// URL");
        }
        if !url.starts_with("sqlite:") {
            bail!("unsupported database URL {url:?}; expected sqlite://PATH");
        }
        let options = SqliteConnectOptions::from_str(url)
            .with_context(|| format!("invalid database URL {url:?}"))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(settings.database.busy_timeout);
        if let Some(parent) = Path::new(options.get_filename()).parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("cannot create {}", parent.display()))?;
            }
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(settings.database.max_connections.max(2))
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .with_context(|| format!("cannot open the database at {url}"))?;
        Ok(Store { pool })
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        MIGRATOR
            .run(&self.pool)
            .await
            .context("database migration failed")
    }

    /// A trivial query, for readiness.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(StoreError::new)
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

/// Keeps the cause in the log and gives the caller an opaque error.
pub(crate) fn store_error(error: sqlx::Error) -> StoreError {
    StoreError::new(error)
}
