//! Re-wrapping every data key under the current master key: the heart of a rotation. Records
//! are not touched (their data keys stay the same), so a rotation costs one small update per
//! user, whatever the size of their data, and runs beside the servers: a data key is under the
//! old master key or the new one at every moment, and nodes hold both until it is complete.

use sqlx::AnyPool;

use super::master::Keyring;
use crate::store::data_keys;

/// Data keys re-wrapped per query.
const BATCH: i64 = 500;

/// How many data keys each master key wraps, and whether the keyring holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// The fingerprint of the keyring's current key.
    pub current: String,
    pub master_keys: Vec<MasterKeyUse>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MasterKeyUse {
    pub fingerprint: String,
    pub data_keys: i64,
    pub held: bool,
}

impl Status {
    /// Data keys still wrapped under another key than the current one.
    pub fn left(&self) -> i64 {
        self.master_keys
            .iter()
            .filter(|m| m.fingerprint != self.current)
            .map(|m| m.data_keys)
            .sum()
    }

    pub fn total(&self) -> i64 {
        self.master_keys.iter().map(|m| m.data_keys).sum()
    }
}

pub async fn status(pool: &AnyPool, keyring: &Keyring) -> Result<Status, sqlx::Error> {
    let in_use = data_keys::master_keys_in_use(pool).await?;
    Ok(Status {
        current: keyring.current().fingerprint().to_owned(),
        master_keys: in_use
            .into_iter()
            .map(|(fingerprint, data_keys)| MasterKeyUse {
                held: keyring.get(&fingerprint).is_some(),
                fingerprint,
                data_keys,
            })
            .collect(),
    })
}

/// Re-wraps every data key not under the keyring's current key, in batches, calling
/// `progress(done)` after each. Returns how many it re-wrapped. A data key under a master key
/// the keyring does not hold stops it with an error naming that key.
pub async fn rewrap_all(
    pool: &AnyPool,
    keyring: &Keyring,
    mut progress: impl FnMut(u64),
) -> anyhow::Result<u64> {
    let current = keyring.current();
    let mut done = 0;
    loop {
        let batch = data_keys::wrapped_under_others(pool, current.fingerprint(), BATCH).await?;
        if batch.is_empty() {
            return Ok(done);
        }
        for key in batch {
            let old = keyring.get(&key.master_key).ok_or_else(|| {
                anyhow::anyhow!(
                    "the data key {} is wrapped under master key {}, which is not in the keyring \
                     ({}): give the rotation that key too",
                    key.id,
                    key.master_key,
                    keyring.fingerprints().join(", ")
                )
            })?;
            let raw = old
                .unwrap(&key.id, &key.wrapped)
                .map_err(|e| anyhow::anyhow!("the data key {} does not unwrap: {e}", key.id))?;
            let rewrapped = data_keys::WrappedKey {
                id: key.id.clone(),
                master_key: current.fingerprint().to_owned(),
                wrapped: current.wrap(&key.id, &raw),
            };
            if data_keys::rewrap(pool, &key.master_key, &rewrapped).await? {
                done += 1;
            }
        }
        progress(done);
    }
}
