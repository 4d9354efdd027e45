//! Domain newtypes. Every value that arrives from the wire is parsed into one of these at the
//! edge (`parse` returns `Result`), so the core never handles a raw `String`, `Uuid` or float.

mod amount;
mod codes;
mod error_code;
mod ids;
mod text;
mod time;

pub use amount::{Amount, Rate};
pub use codes::{AssetCode, FiatCurrency, Network};
pub use error_code::ErrorCode;
pub use ids::{EventId, OrderId, PartnerId, WalletId};
pub use text::{Address, ExternalRef, FailureCode, PaymentMethod, Reason, Reference, UserRef};
pub use time::Timestamp;

/// Why a wire value was refused. The HTTP edge adds the field name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(pub String);

impl Invalid {
    pub fn new(reason: impl Into<String>) -> Self {
        Invalid(reason.into())
    }
}
