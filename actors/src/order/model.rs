//! The order as the API describes it. Serializing an [`Order`] gives exactly the order
//! resource of API.md (absent parts are `null`); the fields that only the server needs
//! (timers, the last command) live beside it in [`OrderState`].

use serde::{Deserialize, Serialize};

use crate::model::{
    Address, Amount, AssetCode, ExternalRef, FailureCode, FiatCurrency, Network, OrderId,
    PartnerId, PaymentMethod, Rate, Reason, Reference, Timestamp, UserRef, WalletId,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Direction {
    /// Fiat in, crypto out.
    Onramp,
    /// Crypto in, fiat out.
    Offramp,
}

impl Direction {
    pub const ALL: [Direction; 2] = [Direction::Onramp, Direction::Offramp];

    pub fn as_str(&self) -> &'static str {
        match self {
            Direction::Onramp => "onramp",
            Direction::Offramp => "offramp",
        }
    }

    pub fn parse(text: &str) -> Option<Direction> {
        Direction::ALL.into_iter().find(|d| d.as_str() == text)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Status {
    Created,
    Accepted,
    Rejected,
    Cancelled,
    FundsSent,
    FundsReceived,
    Inconsistent,
    Completed,
    Failed,
    Refunded,
    Expired,
}

impl Status {
    pub const ALL: [Status; 11] = [
        Status::Created,
        Status::Accepted,
        Status::Rejected,
        Status::Cancelled,
        Status::FundsSent,
        Status::FundsReceived,
        Status::Inconsistent,
        Status::Completed,
        Status::Failed,
        Status::Refunded,
        Status::Expired,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Created => "created",
            Status::Accepted => "accepted",
            Status::Rejected => "rejected",
            Status::Cancelled => "cancelled",
            Status::FundsSent => "funds_sent",
            Status::FundsReceived => "funds_received",
            Status::Inconsistent => "inconsistent",
            Status::Completed => "completed",
            Status::Failed => "failed",
            Status::Refunded => "refunded",
            Status::Expired => "expired",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Position in [`Status::ALL`], for per-status counters.
    pub fn index(&self) -> usize {
        *self as usize
    }

    /// Nothing can ever follow these.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            Status::Completed | Status::Rejected | Status::Cancelled | Status::Refunded
        )
    }

    /// Orders in these statuses are still moving: they stay active (an actor in memory,
    /// rehydrated at boot). `failed` and `expired` can still take a refund or late funds, but
    /// only on a partner's command, so their actors are passivated when idle and activated again
    /// from the store on demand.
    pub fn is_live(&self) -> bool {
        !self.is_final() && !matches!(self, Status::Failed | Status::Expired)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Crypto {
    pub asset: AssetCode,
    pub network: Network,
    pub amount: Amount,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Fiat {
    pub currency: FiatCurrency,
    pub amount: Amount,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum FeeType {
    Partner,
    Wallet,
    Platform,
    Network,
    Deposit,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Fee {
    #[serde(rename = "type")]
    pub fee_type: FeeType,
    pub amount: Amount,
    /// A crypto asset code or a fiat currency code.
    pub asset: AssetCode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum TagType {
    #[serde(rename = "memo")]
    Memo,
    #[serde(rename = "destination-tag")]
    DestinationTag,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tag {
    #[serde(rename = "type")]
    pub tag_type: TagType,
    pub value: Reference,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BankDetails {
    pub name: Reference,
    pub account: Address,
    pub reference: Option<Reference>,
}

/// Where the user sends the funds, given by the partner on acceptance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Deposit {
    pub address: Option<Address>,
    pub tag: Option<Tag>,
    pub bank: Option<BankDetails>,
    pub expires_at: Timestamp,
    pub remind_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Funds {
    /// Set when the partner confirms receipt; `null` while only the wallet has said it sent.
    pub amount: Option<Amount>,
    pub reference: Option<Reference>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Refund {
    pub amount: Amount,
    pub transaction_id: Reference,
    pub address: Option<Address>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Failure {
    pub code: FailureCode,
    pub reason: Reason,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HistoryEntry {
    pub status: Status,
    pub at: Timestamp,
}

/// The order resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Order {
    pub id: OrderId,
    pub direction: Direction,
    pub status: Status,
    pub version: u64,
    pub wallet_id: WalletId,
    pub partner_id: PartnerId,
    pub user_ref: UserRef,
    pub external_ref: Option<ExternalRef>,
    pub external_id: Option<ExternalRef>,
    pub crypto: Crypto,
    pub fiat: Fiat,
    pub rate: Option<Rate>,
    pub fees: Vec<Fee>,
    pub user_wallet_address: Address,
    pub payment_method: PaymentMethod,
    pub deposit: Option<Deposit>,
    pub funds: Option<Funds>,
    pub transaction_id: Option<Reference>,
    pub refund: Option<Refund>,
    pub failure: Option<Failure>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub history: Vec<HistoryEntry>,
}

impl Order {
    /// The amount the partner should receive: fiat on on-ramp, crypto on off-ramp.
    pub fn expected_funds(&self) -> &Amount {
        match self.direction {
            Direction::Onramp => &self.fiat.amount,
            Direction::Offramp => &self.crypto.amount,
        }
    }

    pub fn is_visible_to_wallet(&self, wallet: WalletId) -> bool {
        self.wallet_id == wallet
    }

    pub fn is_visible_to_partner(&self, partner: PartnerId) -> bool {
        self.partner_id == partner
    }
}

/// The deadlines a server-side timer acts on. Stored with the order (one column each), so they
/// survive restarts; an actor arms one `run_later` per deadline whenever it starts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timers {
    /// While `created`: when the order expires with `partner_timeout`.
    pub acceptance: Option<Timestamp>,
    /// While `accepted`: when `order.deposit_reminder` is sent. Cleared once sent.
    pub reminder: Option<Timestamp>,
    /// While `accepted` or `funds_sent`: when the order expires with `deposit_expired`.
    pub expiry: Option<Timestamp>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimerKind {
    Acceptance,
    Reminder,
    Expiry,
}

impl TimerKind {
    pub const ALL: [TimerKind; 3] = [
        TimerKind::Acceptance,
        TimerKind::Reminder,
        TimerKind::Expiry,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            TimerKind::Acceptance => "acceptance",
            TimerKind::Reminder => "reminder",
            TimerKind::Expiry => "expiry",
        }
    }
}

impl Timers {
    pub fn get(&self, kind: TimerKind) -> Option<Timestamp> {
        match kind {
            TimerKind::Acceptance => self.acceptance,
            TimerKind::Reminder => self.reminder,
            TimerKind::Expiry => self.expiry,
        }
    }

    pub fn pending(&self) -> impl Iterator<Item = (TimerKind, Timestamp)> + '_ {
        TimerKind::ALL
            .into_iter()
            .filter_map(|kind| self.get(kind).map(|due| (kind, due)))
    }
}

/// Everything the server keeps about one order: the resource, its timers, and the last
/// command that changed it (so that a retried command can be answered 200 instead of 409).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderState {
    pub order: Order,
    pub timers: Timers,
    pub last_command: Option<super::Command>,
}
