//! OpenAPI schemas of the domain newtypes (feature `openapi`). Each one says what its `parse`
//! accepts: decimal strings with their pattern, UUID strings, RFC 3339 timestamps and the
//! bounded texts. The structs and enums of the order resource derive theirs beside their
//! definitions.

use std::borrow::Cow;

use serde_json::Value;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

use crate::model::{
    Address, Amount, AssetCode, EventId, ExternalRef, FailureCode, FiatCurrency, Network, OrderId,
    PartnerId, PaymentMethod, Rate, Reason, Reference, Timestamp, UserRef, WalletId,
};

/// The pattern of a positive decimal string (see `Amount::parse`): no sign, no exponent, no
/// leading zeros, below 10^15, at most 18 decimal places, above zero (`0.5` but not `0.00`).
/// Below 1 it lists where the first non-zero digit may be, so that the pattern needs no
/// look-ahead, which some regex engines lack.
pub fn decimal_pattern() -> String {
    let below_one: Vec<String> = (0..18)
        .map(|zeros| format!("{}[1-9][0-9]{{0,{}}}", "0".repeat(zeros), 17 - zeros))
        .collect();
    format!(
        r"^(?:[1-9][0-9]{{0,14}}(?:\.[0-9]{{1,18}})?|0\.(?:{}))$",
        below_one.join("|")
    )
}

/// A decimal string that may be zero (fees): otherwise as [`decimal_pattern`].
pub const ZERO_OR_DECIMAL_PATTERN: &str = r"^(?:0|[1-9][0-9]{0,14})(?:\.[0-9]{1,18})?$";

/// Control characters (Unicode `Cc`, Rust's `char::is_control`), as a regex class body.
pub const CONTROL: &str = r"\u0000-\u001F\u007F-\u009F";
/// Unicode `White_Space` (Rust's `char::is_whitespace` and `str::trim`), as a regex class
/// body. Spelled out: `\s` means slightly different sets in ECMA-262, Rust and Python.
pub const WHITESPACE: &str =
    r"\u0009-\u000D\u0020\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000";

/// 1 or more characters, no control character, no whitespace at either end (the lengths are
/// `minLength`/`maxLength`).
pub fn printable_pattern() -> String {
    format!("^[^{CONTROL}{WHITESPACE}](?:[^{CONTROL}]*[^{CONTROL}{WHITESPACE}])?$")
}

/// 1 or more characters, neither control nor whitespace.
pub fn no_space_pattern() -> String {
    format!("^[^{CONTROL}{WHITESPACE}]+$")
}

/// Up to `max` characters once surrounding whitespace is trimmed, at least one, none of them a
/// control character: a text the server trims before it checks it (a party's name).
pub fn trimmed_printable_pattern(max: usize) -> String {
    format!(
        "^[{WHITESPACE}]*[^{CONTROL}{WHITESPACE}](?:[^{CONTROL}]{{0,{}}}[^{CONTROL}{WHITESPACE}])?[{WHITESPACE}]*$",
        max - 2
    )
}

fn string(description: &str, example: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .examples([Value::from(example)])
}

fn decimal(description: &str, example: &str) -> ObjectBuilder {
    string(description, example)
        .format(Some(SchemaFormat::Custom("decimal".into())))
        .pattern(Some(decimal_pattern()))
}

fn uuid(description: &str) -> ObjectBuilder {
    string(description, "01936f0e-7b7c-7d2e-9a41-3c5f2b8e4d10")
        .format(Some(SchemaFormat::Custom("uuid".into())))
}

fn text(description: &str, example: &str, max: usize, spaces: bool) -> ObjectBuilder {
    let builder = string(description, example)
        .min_length(Some(1))
        .max_length(Some(max));
    if spaces {
        builder.pattern(Some(printable_pattern()))
    } else {
        builder.pattern(Some(no_space_pattern()))
    }
}

macro_rules! schema {
    ($type:ty, $name:literal, $builder:expr) => {
        impl PartialSchema for $type {
            fn schema() -> RefOr<Schema> {
                RefOr::T(Schema::Object($builder.build()))
            }
        }

        impl ToSchema for $type {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed($name)
            }
        }
    };
}

schema!(
    Amount,
    "Amount",
    decimal(
        "A strictly positive amount of money as a decimal string, never a JSON number: digits, \
         an optional fraction of at most 18 places, no sign, exponent or leading zeros, below \
         10^15. The scale is kept as written (\"10.00\" stays \"10.00\").",
        "15000.00",
    )
);
schema!(
    Rate,
    "Rate",
    decimal(
        "Fiat per one unit of crypto, as a positive decimal string (same rules as an amount).",
        "1500.25",
    )
);
schema!(
    AssetCode,
    "AssetCode",
    string(
        "A crypto asset code, or a fiat currency code where a fee is paid in fiat.",
        "USDC"
    )
    .pattern(Some("^[A-Z0-9]{2,12}$"))
);
schema!(
    Network,
    "Network",
    string("A blockchain network.", "solana").pattern(Some("^[a-z0-9-]{2,32}$"))
);
schema!(
    FiatCurrency,
    "FiatCurrency",
    string(
        "An active ISO 4217 currency code that has minor units (`ZZZ`, `XXX` or `XAU` are \
         refused). Fiat amounts may not be finer than the currency's minor units.",
        "NGN",
    )
    .pattern(Some("^[A-Z]{3}$"))
);
schema!(OrderId, "OrderId", uuid("An order id (UUIDv7)."));
schema!(WalletId, "WalletId", uuid("A wallet id (UUIDv7)."));
schema!(PartnerId, "PartnerId", uuid("A partner id (UUIDv7)."));
schema!(
    EventId,
    "EventId",
    uuid("An event id (UUIDv7); the `webhook-id` of its deliveries.")
);
schema!(
    Timestamp,
    "Timestamp",
    string(
        "An instant as RFC 3339 in UTC with milliseconds.",
        "2026-11-22T10:15:30.123Z"
    )
    .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
);
schema!(
    UserRef,
    "UserRef",
    text(
        "The wallet's own id for its user: 1 to 128 characters, no control characters, no \
         surrounding spaces.",
        "u-42",
        128,
        true,
    )
);
schema!(
    Address,
    "Address",
    text(
        "A crypto address or a bank account number: 1 to 256 characters without whitespace.",
        "F2etcaJ1Xq8kQ3vN7mZ",
        256,
        false,
    )
);
schema!(
    ExternalRef,
    "ExternalRef",
    text(
        "An id another system gave the order: 1 to 128 characters, no control characters.",
        "w-991",
        128,
        true,
    )
);
schema!(
    Reference,
    "Reference",
    text(
        "A payment reference, transaction id or hash: 1 to 256 characters, no control \
         characters.",
        "tx-5f2c9a",
        256,
        true,
    )
);
schema!(
    Reason,
    "Reason",
    text(
        "A human-readable reason: 1 to 1000 characters, no control characters.",
        "the user's bank refused the transfer",
        1000,
        true,
    )
);
schema!(
    PaymentMethod,
    "PaymentMethod",
    string("How the user pays or is paid.", "bank_transfer").pattern(Some("^[a-z0-9_]{1,64}$"))
);
schema!(
    FailureCode,
    "FailureCode",
    string(
        "A machine-readable failure code. The server sets `partner_timeout` and \
         `deposit_expired`; partners choose their own.",
        "aml_check_failed",
    )
    .pattern(Some("^[a-z0-9_]{1,64}$"))
);
