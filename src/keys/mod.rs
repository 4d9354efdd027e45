//! Secrets at rest: envelope encryption of KYC data, webhook secrets and the stored responses
//! that carry new API keys (ARCHITECTURE.md § Promises 7).
//!
//! # The key hierarchy
//! - A **master key** ([`master`]) never sits in the database: it comes from
//!   `RAMPFLOW_MASTER_KEY` or a key file, and wraps the data keys.
//! - **Data keys** ([`envelope`]) live in the `data_keys` table, each wrapped (AES-256-GCM) by a
//!   master key whose fingerprint is recorded beside it. Every user has a data key of their own,
//!   destroyed when the user is deleted (crypto-shredding); webhook endpoint secrets and sealed
//!   idempotent responses share the data key `shared`.
//! - **Records** are sealed with AES-256-GCM under a data key, with associated data naming
//!   their row, so a ciphertext copied onto another row does not open.
//!
//! [`vault::Vault`] is what the running server holds: the keyring, the shared data key, and the
//! checks a node makes before it serves (a node with the wrong master key refuses to start).
//! [`rotation`] re-wraps the data keys under a new master key, while the servers run.

pub mod cli;
pub mod envelope;
pub mod master;
pub mod rotation;
pub mod vault;

pub use envelope::{DataKey, Record};
pub use master::{KeySource, Keyring, MasterKey};
pub use vault::Vault;

/// Why a secret did not open.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    /// Wrong key, wrong row, or tampered: AES-GCM's tag did not verify.
    #[error("the ciphertext does not open with its key and row")]
    DoesNotOpen,
    #[error("{0}")]
    Malformed(&'static str),
    /// The data key is wrapped under a master key this node does not hold.
    #[error(
        "the data key {key} is wrapped under master key {master}, which this node does not hold"
    )]
    UnknownMasterKey { key: String, master: String },
    /// The data key named by the record does not exist (any more).
    #[error("the data key {0} does not exist")]
    MissingDataKey(String),
}
