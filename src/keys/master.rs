//! Master keys: where they come from, how they are named, and how they wrap data keys.
//!
//! A master key is 32 random bytes, written as base64. It comes from `RAMPFLOW_MASTER_KEY`
//! (or `master_key` in a config file) or from a key file, `RAMPFLOW_MASTER_KEY_FILE` or
//! `<data_dir>/master_key`, generated on the first start of a database without one. Several
//! keys make a [`Keyring`]: the first wraps new data keys, the others are still accepted for
//! unwrapping while a rotation is under way (`RAMPFLOW_MASTER_KEY=NEW,OLD`, or one key per line
//! in the file, newest first).
//!
//! A key is named by its fingerprint (`mk-` and 16 hex digits of a SHA-256 of the key), which
//! the database records beside every data key it wrapped: enough to tell which key a data key
//! needs, useless to anyone without the key.

use std::io::Write;
use std::path::{Path, PathBuf};

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use anyhow::{bail, Context};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::CryptoError;
use crate::config::Settings;

pub const KEY_LEN: usize = 32;
pub const NONCE_LEN: usize = 12;

/// One master key, ready to wrap and unwrap data keys.
pub struct MasterKey {
    fingerprint: String,
    cipher: Aes256Gcm,
    encoded: Zeroizing<String>,
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MasterKey({})", self.fingerprint)
    }
}

impl MasterKey {
    /// A key from its base64 form: exactly 32 bytes.
    pub fn parse(encoded: &str) -> Result<MasterKey, String> {
        let encoded = encoded.trim();
        let bytes =
            Zeroizing::new(STANDARD.decode(encoded).map_err(|_| {
                "a master key is base64 of 32 bytes; this is not base64".to_owned()
            })?);
        if bytes.len() != KEY_LEN {
            return Err(format!(
                "a master key is base64 of 32 bytes; this decodes to {} bytes",
                bytes.len()
            ));
        }
        Ok(MasterKey {
            fingerprint: fingerprint(&bytes),
            cipher: Aes256Gcm::new_from_slice(&bytes).expect("32 bytes"),
            encoded: Zeroizing::new(encoded.to_owned()),
        })
    }

    /// A new random key.
    pub fn generate() -> MasterKey {
        let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
        rand::rngs::OsRng.fill_bytes(bytes.as_mut());
        MasterKey::parse(&STANDARD.encode(bytes.as_ref())).expect("32 bytes in base64")
    }

    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The base64 form, for writing the key file.
    pub fn encoded(&self) -> &str {
        &self.encoded
    }

    /// `raw`, the data key `key_id`, wrapped: base64 of the nonce and the ciphertext. The
    /// associated data names the data key and this master key, so a wrapped key copied onto
    /// another row does not unwrap.
    pub fn wrap(&self, key_id: &str, raw: &[u8; KEY_LEN]) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let aad = wrap_aad(key_id, &self.fingerprint);
        let sealed = self
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: raw,
                    aad: &aad,
                },
            )
            .expect("AES-GCM encrypts 32 bytes");
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        STANDARD.encode(bytes)
    }

    pub fn unwrap(
        &self,
        key_id: &str,
        wrapped: &str,
    ) -> Result<Zeroizing<[u8; KEY_LEN]>, CryptoError> {
        let bytes = STANDARD
            .decode(wrapped)
            .map_err(|_| CryptoError::Malformed("a wrapped data key is not base64"))?;
        if bytes.len() <= NONCE_LEN {
            return Err(CryptoError::Malformed("a wrapped data key is truncated"));
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let aad = wrap_aad(key_id, &self.fingerprint);
        let plain = Zeroizing::new(
            self.cipher
                .decrypt(
                    Nonce::from_slice(nonce),
                    Payload {
                        msg: sealed,
                        aad: &aad,
                    },
                )
                .map_err(|_| CryptoError::DoesNotOpen)?,
        );
        let mut raw = Zeroizing::new([0u8; KEY_LEN]);
        if plain.len() != KEY_LEN {
            return Err(CryptoError::Malformed("a data key is not 32 bytes"));
        }
        raw.copy_from_slice(&plain);
        Ok(raw)
    }
}

fn wrap_aad(key_id: &str, master: &str) -> Vec<u8> {
    format!("rampflow data key v1\0{key_id}\0{master}").into_bytes()
}

fn fingerprint(bytes: &[u8]) -> String {
    let mut hash = Sha256::new();
    hash.update(b"rampflow master key fingerprint v1\0");
    hash.update(bytes);
    format!("mk-{}", &hex::encode(hash.finalize())[..16])
}

/// The master keys a node holds: the first wraps, every one unwraps.
#[derive(Debug)]
pub struct Keyring {
    keys: Vec<MasterKey>,
}

impl Keyring {
    pub fn new(keys: Vec<MasterKey>) -> Keyring {
        assert!(!keys.is_empty(), "a keyring holds at least one key");
        Keyring { keys }
    }

    /// Keys separated by commas or newlines, the current one first; `#` starts a comment line.
    pub fn parse(text: &str) -> Result<Keyring, String> {
        let keys = text
            .lines()
            .filter(|line| !line.trim_start().starts_with('#'))
            .flat_map(|line| line.split(','))
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .enumerate()
            .map(|(i, k)| MasterKey::parse(k).map_err(|e| format!("key {}: {e}", i + 1)))
            .collect::<Result<Vec<_>, _>>()?;
        if keys.is_empty() {
            return Err("no master key in it".into());
        }
        Ok(Keyring { keys })
    }

    /// The key that wraps new data keys.
    pub fn current(&self) -> &MasterKey {
        &self.keys[0]
    }

    pub fn get(&self, fingerprint: &str) -> Option<&MasterKey> {
        self.keys.iter().find(|k| k.fingerprint == fingerprint)
    }

    pub fn keys(&self) -> &[MasterKey] {
        &self.keys
    }

    pub fn fingerprints(&self) -> Vec<&str> {
        self.keys.iter().map(|k| k.fingerprint.as_str()).collect()
    }
}

/// Where a node's keyring comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// `RAMPFLOW_MASTER_KEY` (or `master_key` in a config file): changes with a restart only.
    Setting,
    /// A key file, read again when it changes (a rotation writes it).
    File(PathBuf),
}

impl std::fmt::Display for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeySource::Setting => f.write_str("RAMPFLOW_MASTER_KEY"),
            KeySource::File(path) => write!(f, "the key file {}", path.display()),
        }
    }
}

/// The key file: `RAMPFLOW_MASTER_KEY_FILE`, or `<data_dir>/master_key`.
pub fn key_file(settings: &Settings) -> PathBuf {
    settings
        .master_key_file
        .clone()
        .unwrap_or_else(|| settings.data_dir.join("master_key"))
}

/// The configured keyring, if there is one: the setting, else the key file if it exists.
/// `Ok(None)` when neither is there (and no key file was named explicitly).
pub fn configured(settings: &Settings) -> anyhow::Result<Option<(Keyring, KeySource)>> {
    if let Some(keys) = settings
        .master_key
        .as_ref()
        .filter(|k| !k.expose().trim().is_empty())
    {
        let keyring = Keyring::parse(keys.expose())
            .map_err(|e| anyhow::anyhow!("RAMPFLOW_MASTER_KEY: {e}"))?;
        return Ok(Some((keyring, KeySource::Setting)));
    }
    let path = key_file(settings);
    match read_key_file(&path) {
        Ok(keyring) => Ok(Some((keyring, KeySource::File(path)))),
        Err(error) if is_missing(&error) && settings.master_key_file.is_none() => Ok(None),
        Err(error) => Err(error),
    }
}

fn is_missing(error: &anyhow::Error) -> bool {
    error
        .downcast_ref::<std::io::Error>()
        .is_some_and(|e| e.kind() == std::io::ErrorKind::NotFound)
}

pub fn read_key_file(path: &Path) -> anyhow::Result<Keyring> {
    let text = Zeroizing::new(std::fs::read_to_string(path).map_err(anyhow::Error::new)?);
    Keyring::parse(&text).map_err(|e| anyhow::anyhow!("the key file {}: {e}", path.display()))
}

/// Writes `keys` (newest first) to `path`, readable by its owner only, atomically: a node
/// reading it meanwhile sees the old file or the new one, never half of one.
pub fn write_key_file(path: &Path, keys: &[&MasterKey]) -> anyhow::Result<()> {
    if keys.is_empty() {
        bail!("a key file holds at least one key");
    }
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(dir) = dir {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let temporary = path.with_extension("new");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(&temporary)
        .with_context(|| format!("cannot write {}", temporary.display()))?;
    let mut text = Zeroizing::new(String::from(
        "# rampflow master keys, newest first (base64 of 32 bytes each). Back this file up away\n\
         # from the database: without it, no KYC data or webhook secret can be read.\n",
    ));
    for key in keys {
        text.push_str(key.encoded());
        text.push('\n');
    }
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&temporary, path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    if let Some(dir) = dir {
        if let Ok(dir) = std::fs::File::open(dir) {
            let _ = dir.sync_all();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_32_bytes_of_base64() {
        assert!(MasterKey::parse("not base64!").is_err());
        assert!(MasterKey::parse(&STANDARD.encode([1u8; 16])).is_err());
        let key = MasterKey::parse(&STANDARD.encode([1u8; 32])).unwrap();
        assert!(key.fingerprint().starts_with("mk-"));
        assert_eq!(key.fingerprint().len(), 19);
        assert!(!format!("{key:?}").contains(key.encoded()));
    }

    #[test]
    fn a_wrapped_key_unwraps_under_its_own_id_and_master_key_only() {
        let master = MasterKey::generate();
        let other = MasterKey::generate();
        let raw = [7u8; 32];
        let wrapped = master.wrap("k1", &raw);
        assert_eq!(*master.unwrap("k1", &wrapped).unwrap(), raw);
        assert!(master.unwrap("k2", &wrapped).is_err());
        assert!(other.unwrap("k1", &wrapped).is_err());
    }

    #[test]
    fn a_keyring_is_newest_first() {
        let (a, b) = (MasterKey::generate(), MasterKey::generate());
        let ring = Keyring::parse(&format!("{}, {}", a.encoded(), b.encoded())).unwrap();
        assert_eq!(ring.current().fingerprint(), a.fingerprint());
        assert!(ring.get(b.fingerprint()).is_some());
        let ring =
            Keyring::parse(&format!("# a comment, with commas\n{}\n\n", b.encoded())).unwrap();
        assert_eq!(ring.fingerprints(), [b.fingerprint()]);
        assert!(Keyring::parse("# nothing\n").is_err());
    }
}
