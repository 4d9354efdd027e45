//! The commands that move an order, already parsed into domain types.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::model::{BankDetails, Fee, Tag, TimerKind};
use crate::model::{Address, Amount, ExternalRef, FailureCode, Rate, Reason, Reference};

/// Who may issue a command (API.md § Lifecycle, column "who").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Issuer {
    Wallet,
    Partner,
    Server,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    Accept(Accept),
    Reject {
        reason: Reason,
    },
    Cancel,
    FundsSent {
        reference: Option<Reference>,
    },
    FundsReceived {
        amount: Amount,
        reference: Option<Reference>,
    },
    Complete {
        transaction_id: Reference,
        crypto_amount: Option<Amount>,
        fiat_amount: Option<Amount>,
    },
    Fail {
        code: FailureCode,
        reason: Reason,
    },
    Refund {
        amount: Amount,
        transaction_id: Reference,
        address: Option<Address>,
    },
    /// A deadline was reached.
    Timer(TimerKind),
}

/// Where the user should send the funds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DepositInstructions {
    /// Off-ramp: the crypto deposit address.
    Crypto { address: Address, tag: Option<Tag> },
    /// On-ramp: the bank account the user pays into.
    Bank(BankDetails),
}

/// A partner's acceptance. The windows are already resolved against the configured defaults
/// and bounds by the HTTP edge, so deciding needs no configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accept {
    pub external_id: Option<ExternalRef>,
    pub rate: Option<Rate>,
    pub fees: Option<Vec<Fee>>,
    pub deposit: DepositInstructions,
    #[serde(with = "seconds")]
    pub deposit_window: Duration,
    /// How long before the window closes the reminder fires; `None` means no reminder.
    #[serde(with = "optional_seconds")]
    pub remind_before: Option<Duration>,
}

impl Command {
    pub fn name(&self) -> &'static str {
        match self {
            Command::Accept(_) => "accept",
            Command::Reject { .. } => "reject",
            Command::Cancel => "cancel",
            Command::FundsSent { .. } => "funds_sent",
            Command::FundsReceived { .. } => "funds_received",
            Command::Complete { .. } => "complete",
            Command::Fail { .. } => "fail",
            Command::Refund { .. } => "refund",
            Command::Timer(TimerKind::Acceptance) => "timer_acceptance",
            Command::Timer(TimerKind::Reminder) => "timer_reminder",
            Command::Timer(TimerKind::Expiry) => "timer_expiry",
        }
    }

    pub fn issuer(&self) -> Issuer {
        match self {
            Command::Cancel | Command::FundsSent { .. } => Issuer::Wallet,
            Command::Timer(_) => Issuer::Server,
            _ => Issuer::Partner,
        }
    }
}

mod seconds {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_secs())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_secs)
    }
}

mod optional_seconds {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_some(&d.as_secs()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        Option::<u64>::deserialize(d).map(|s| s.map(Duration::from_secs))
    }
}
