//! `rampflow keys status` and `rampflow keys rotate`: run beside the servers, on a connection
//! of their own (on SQLite too: they only touch `data_keys`, a row at a time).

use std::time::Duration;

use anyhow::{bail, Context};
use clap::Subcommand;
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Executor};

use super::master::{self, KeySource, Keyring, MasterKey};
use super::rotation;
use crate::config::Settings;

#[derive(Debug, Clone, Subcommand)]
pub enum KeysCommand {
    /// Show which master keys wrap the database's data keys, and how far a rotation is.
    Status,
    /// Bring in a new master key and re-wrap every data key under it, while the servers run.
    ///
    /// With the key file (the default, `<data_dir>/master_key`): generates a new key, writes it
    /// first in the file (running nodes read it within a second), re-wraps every data key, then
    /// drops the old key from the file. With RAMPFLOW_MASTER_KEY, or a key file this command
    /// does not write: first give every node `NEW,OLD` (one key per line in a file), then run
    /// this; afterwards drop OLD.
    Rotate,
}

pub async fn run(command: KeysCommand, settings: &Settings) -> anyhow::Result<()> {
    let (keyring, source) = master::configured(settings)?.ok_or_else(|| {
        anyhow::anyhow!(
            "no master key: set RAMPFLOW_MASTER_KEY or RAMPFLOW_MASTER_KEY_FILE (by default \
             {} holds it, written by the server's first start)",
            master::key_file(settings).display()
        )
    })?;
    let pool = connect(settings).await?;
    let result = match command {
        KeysCommand::Status => print_status(&pool, &keyring, &source).await,
        KeysCommand::Rotate => rotate(&pool, keyring, &source).await,
    };
    pool.close().await;
    result
}

async fn print_status(pool: &AnyPool, keyring: &Keyring, source: &KeySource) -> anyhow::Result<()> {
    let status = rotation::status(pool, keyring).await?;
    println!(
        "master keys from {source}: {}",
        keyring.fingerprints().join(", ")
    );
    println!("current (wraps new data keys): {}", status.current);
    for key in &status.master_keys {
        let role = if key.fingerprint == status.current {
            "current"
        } else if key.held {
            "old, still accepted"
        } else {
            "NOT HELD: data keys under it cannot be read by this keyring"
        };
        println!(
            "  {}  {:>10} data keys  ({role})",
            key.fingerprint, key.data_keys
        );
    }
    let left = status.left();
    if left == 0 {
        println!(
            "rotation: complete ({} data keys, all under {})",
            status.total(),
            status.current
        );
        if keyring.keys().len() > 1 {
            println!("the other keys in the keyring wrap nothing and may be removed");
        }
    } else {
        println!(
            "rotation: {left} of {} data keys still to re-wrap under {} (run `rampflow keys rotate`)",
            status.total(),
            status.current
        );
    }
    Ok(())
}

async fn rotate(pool: &AnyPool, keyring: Keyring, source: &KeySource) -> anyhow::Result<()> {
    let keyring = match (keyring.keys().len(), source) {
        (1, KeySource::File(path)) => {
            let old = &keyring.keys()[0];
            let new = MasterKey::generate();
            master::write_key_file(path, &[&new, old])
                .with_context(|| "cannot write the new key into the key file")?;
            println!(
                "new master key {} written first in {}; {} stays until the rotation is complete",
                new.fingerprint(),
                path.display(),
                old.fingerprint()
            );
            // Nodes read the key file again within a second of wrapping a key; after this, none
            // wraps under the old key any more.
            tokio::time::sleep(Duration::from_secs(2)).await;
            master::read_key_file(path)?
        }
        (1, KeySource::Setting) => bail!(
            "RAMPFLOW_MASTER_KEY holds one key: to rotate it, give every node NEW,OLD in \
             RAMPFLOW_MASTER_KEY (a rolling restart), then run this with the same setting"
        ),
        _ => keyring,
    };
    let current = keyring.current().fingerprint().to_owned();
    let before = rotation::status(pool, &keyring).await?;
    println!(
        "re-wrapping {} of {} data keys under {current}",
        before.left(),
        before.total()
    );
    let mut total = 0;
    loop {
        let done = rotation::rewrap_all(pool, &keyring, |done| {
            println!("  {done} re-wrapped");
        })
        .await?;
        total += done;
        // A node that had not yet read the new key may have wrapped one under the old key
        // meanwhile: a pass that finds nothing ends it.
        if done == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    let after = rotation::status(pool, &keyring).await?;
    println!(
        "rotation complete: {total} data keys re-wrapped; all {} are under {current}",
        after.total()
    );
    let retired: Vec<&str> = keyring.fingerprints().into_iter().skip(1).collect();
    if retired.is_empty() {
        return Ok(());
    }
    match source {
        KeySource::File(path) => {
            master::write_key_file(path, &[keyring.current()])?;
            println!(
                "removed {} from {}: keep a copy of it only as long as you keep backups taken \
                 before this rotation (they need it); destroying it makes them unreadable",
                retired.join(", "),
                path.display()
            );
        }
        KeySource::Setting => println!(
            "{} wraps nothing any more: remove it from RAMPFLOW_MASTER_KEY on every node (keep a \
             copy only as long as you keep backups taken before this rotation)",
            retired.join(", ")
        ),
    }
    Ok(())
}

/// A small pool on the server's database, never creating it, waiting for SQLite's write lock
/// like the server does.
async fn connect(settings: &Settings) -> anyhow::Result<AnyPool> {
    sqlx::any::install_default_drivers();
    let url = settings.database_url.clone();
    let sqlite = url.starts_with("sqlite:");
    let busy_timeout_ms = settings.database.busy_timeout.as_millis();
    let pool = AnyPoolOptions::new()
        .max_connections(2)
        .after_connect(move |connection, _| {
            Box::pin(async move {
                if sqlite {
                    connection
                        .execute(
                            format!(
                                "PRAGMA busy_timeout = {busy_timeout_ms}; PRAGMA secure_delete = ON;"
                            )
                            .as_str(),
                        )
                        .await?;
                }
                Ok(())
            })
        })
        .connect(&url)
        .await
        .context("cannot open the database (RAMPFLOW_DATABASE_URL)")?;
    if let Err(error) = crate::store::data_keys::master_keys_in_use(&pool).await {
        pool.close().await;
        return Err(error).context(
            "the database holds no data keys table: start `rampflow serve` on it once first",
        );
    }
    Ok(pool)
}
