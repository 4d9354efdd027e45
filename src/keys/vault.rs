//! What a running node holds of the key hierarchy: its keyring (read again when the key file
//! changes, so a rotation needs no restart) and the shared data key in the clear.

use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime};

use anyhow::bail;
use sqlx::AnyPool;

use super::envelope::{is_sealed, DataKey, Record};
use super::master::{self, KeySource, Keyring, MasterKey};
use super::CryptoError;
use crate::config::Settings;
use crate::store::data_keys::{self, WrappedKey, SHARED_KEY_ID};

/// How often, at most, a node looks at its key file for a change when it wraps a key.
const KEY_FILE_CHECK: Duration = Duration::from_secs(1);

pub struct Vault {
    source: KeySource,
    keyring: RwLock<Arc<Keyring>>,
    file: Mutex<FileSeen>,
    shared: DataKey,
}

struct FileSeen {
    checked_at: Instant,
    stamp: Option<(SystemTime, u64)>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("source", &self.source)
            .field("keys", &self.keyring().fingerprints())
            .finish()
    }
}

impl Vault {
    /// The node's keyring on the database at `pool`: the configured one, or on a database that
    /// holds no data key yet, a new key generated into the key file. Refuses (with the reason
    /// and what to do) when the database holds data keys wrapped under a master key the node
    /// does not hold: a node with the wrong key never serves.
    pub async fn open(settings: &Settings, pool: &AnyPool) -> anyhow::Result<Vault> {
        let in_use = data_keys::master_keys_in_use(pool).await?;
        let (keyring, source) = match master::configured(settings)? {
            Some(configured) => configured,
            None => {
                let path = master::key_file(settings);
                if let Some((fingerprint, _)) = in_use.first() {
                    bail!(
                        "this database's data keys are wrapped under master key {fingerprint}, and \
                         this node has none: give it that key in RAMPFLOW_MASTER_KEY or in the key \
                         file ({}; RAMPFLOW_MASTER_KEY_FILE names another). Every node of a \
                         cluster needs the same master key",
                        path.display()
                    );
                }
                let key = MasterKey::generate();
                master::write_key_file(&path, &[&key])?;
                // A log line, not free text on stderr, so JSON logs stay JSON. Never the key.
                tracing::warn!(
                    file = %path.display(),
                    fingerprint = key.fingerprint(),
                    "generated the master key that encrypts KYC data and webhook secrets; back \
                     the file up away from the database (without it nothing encrypted can be \
                     read), and give every node of a cluster the same key"
                );
                (Keyring::new(vec![key]), KeySource::File(path))
            }
        };
        let missing: Vec<String> = in_use
            .iter()
            .filter(|(fingerprint, _)| keyring.get(fingerprint).is_none())
            .map(|(fingerprint, count)| format!("{count} under {fingerprint}"))
            .collect();
        if !missing.is_empty() {
            bail!(
                "wrong master key: this database holds data keys wrapped under a master key this \
                 node does not have ({}); this node has {} from {source}. Start it with the \
                 database's master key (every node of a cluster needs the same; during a rotation, \
                 the new key and the old one)",
                missing.join(", "),
                keyring.fingerprints().join(", "),
            );
        }
        let stamp = match &source {
            KeySource::File(path) => file_stamp(path),
            KeySource::Setting => None,
        };
        let mut vault = Vault {
            source,
            keyring: RwLock::new(Arc::new(keyring)),
            file: Mutex::new(FileSeen {
                checked_at: Instant::now(),
                stamp,
            }),
            // Replaced by the database's shared key below, before the vault is used.
            shared: DataKey::generate(SHARED_KEY_ID).0,
        };
        let shared = match data_keys::find(pool, SHARED_KEY_ID).await? {
            Some(wrapped) => wrapped,
            None => {
                // The first node on this database makes it; two first nodes at once agree on
                // whichever insert won.
                let (_, wrapped) = vault.new_data_key(SHARED_KEY_ID);
                data_keys::insert_if_absent(pool, &wrapped).await?;
                data_keys::find(pool, SHARED_KEY_ID)
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("the shared data key vanished"))?
            }
        };
        vault.shared = vault.unwrap(&shared).map_err(|error| {
            anyhow::anyhow!(
                "wrong master key: the database's shared data key does not open with this node's \
                 master key ({error}); start it with the database's master key"
            )
        })?;
        Ok(vault)
    }

    /// A vault over `keyring` and a given shared key, for tests and tools.
    pub fn with_keyring(keyring: Keyring, shared: DataKey) -> Vault {
        Vault {
            source: KeySource::Setting,
            keyring: RwLock::new(Arc::new(keyring)),
            file: Mutex::new(FileSeen {
                checked_at: Instant::now(),
                stamp: None,
            }),
            shared,
        }
    }

    pub fn source(&self) -> &KeySource {
        &self.source
    }

    /// The keyring, read again from the key file if the file changed (looked at once a second
    /// at most).
    pub fn keyring(&self) -> Arc<Keyring> {
        self.refresh(false);
        self.keyring
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn refresh(&self, force: bool) {
        let KeySource::File(path) = &self.source else {
            return;
        };
        let mut seen = self
            .file
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !force && seen.checked_at.elapsed() < KEY_FILE_CHECK {
            return;
        }
        seen.checked_at = Instant::now();
        let stamp = file_stamp(path);
        if stamp.is_none() || stamp == seen.stamp {
            return;
        }
        match master::read_key_file(path) {
            Ok(keyring) => {
                tracing::info!(
                    keys = ?keyring.fingerprints(),
                    file = %path.display(),
                    "the master key file changed; using its keys"
                );
                seen.stamp = stamp;
                *self
                    .keyring
                    .write()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(keyring);
            }
            Err(error) => {
                tracing::error!(%error, "the master key file changed but cannot be read; keeping the keys in use")
            }
        }
    }

    /// A new data key named `id`, and its wrapping under the current master key.
    pub fn new_data_key(&self, id: &str) -> (DataKey, WrappedKey) {
        let keyring = self.keyring();
        let (key, raw) = DataKey::generate(id);
        let master = keyring.current();
        let wrapped = WrappedKey {
            id: id.to_owned(),
            master_key: master.fingerprint().to_owned(),
            wrapped: master.wrap(id, &raw),
        };
        (key, wrapped)
    }

    /// The data key in the clear. A key wrapped under a master key the node does not know
    /// makes it read its key file again first: a rotation may have brought a new key in.
    pub fn unwrap(&self, wrapped: &WrappedKey) -> Result<DataKey, CryptoError> {
        let mut keyring = self.keyring();
        if keyring.get(&wrapped.master_key).is_none() {
            self.refresh(true);
            keyring = self.keyring();
        }
        let master =
            keyring
                .get(&wrapped.master_key)
                .ok_or_else(|| CryptoError::UnknownMasterKey {
                    key: wrapped.id.clone(),
                    master: wrapped.master_key.clone(),
                })?;
        let raw = master.unwrap(&wrapped.id, &wrapped.wrapped)?;
        Ok(DataKey::new(wrapped.id.clone(), &raw))
    }

    /// The data key of webhook secrets and sealed responses.
    pub fn shared(&self) -> &DataKey {
        &self.shared
    }

    pub fn seal_shared(&self, record: Record<'_>, plaintext: &str) -> String {
        self.shared.seal(record, plaintext)
    }

    /// Opens a record sealed with the shared key; plaintext written before encryption (which
    /// the node seals at its start) passes through.
    pub fn open_shared(&self, record: Record<'_>, stored: &str) -> Result<String, CryptoError> {
        if !is_sealed(stored) {
            return Ok(stored.to_owned());
        }
        self.shared.open(record, stored)
    }
}

fn file_stamp(path: &std::path::Path) -> Option<(SystemTime, u64)> {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.modified().ok()?, meta.len()))
}
