//! Bounded free-text values. Each type says what it holds; all refuse control characters,
//! which have no business in references and would corrupt logs.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::Invalid;

fn printable(text: &str, min: usize, max: usize, allow_space: bool) -> Result<(), Invalid> {
    let count = text.chars().count();
    if count < min || count > max {
        return Err(Invalid::new(format!("must be {min} to {max} characters")));
    }
    if text
        .chars()
        .any(|c| c.is_control() || (!allow_space && c.is_whitespace()))
    {
        return Err(Invalid::new(if allow_space {
            "must not contain control characters"
        } else {
            "must not contain whitespace or control characters"
        }));
    }
    if allow_space && text.trim() != text {
        return Err(Invalid::new("must not start or end with whitespace"));
    }
    Ok(())
}

macro_rules! bounded_text {
    ($(#[$doc:meta])* $name:ident, $min:expr, $max:expr, spaces: $spaces:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn parse(text: &str) -> Result<Self, Invalid> {
                printable(text, $min, $max, $spaces)?;
                Ok($name(text.to_owned()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = Invalid;
            fn try_from(value: String) -> Result<Self, Invalid> {
                printable(&value, $min, $max, $spaces)?;
                Ok($name(value))
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

bounded_text!(
    /// The wallet's own id for its user: 1–128 printable characters.
    UserRef, 1, 128, spaces: true
);
bounded_text!(
    /// A crypto address, a bank account number or a refund address.
    Address, 1, 256, spaces: false
);
bounded_text!(
    /// An id another system gave this order (`external_ref` from the wallet, `external_id`
    /// from the partner).
    ExternalRef, 1, 128, spaces: true
);
bounded_text!(
    /// A payment reference or transaction id/hash.
    Reference, 1, 256, spaces: true
);
bounded_text!(
    /// A human-readable reason (reject, fail).
    Reason, 1, 1000, spaces: true
);

/// How the user pays or is paid, e.g. `bank_transfer`: `^[a-z0-9_]{1,64}$`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PaymentMethod(String);

/// A machine-readable failure code chosen by a partner, e.g. `aml_check_failed`:
/// `^[a-z0-9_]{1,64}$`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FailureCode(String);

fn snake_code(text: &str) -> Result<(), Invalid> {
    let ok = (1..=64).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(Invalid::new("must match ^[a-z0-9_]{1,64}$"))
    }
}

macro_rules! snake_code_type {
    ($name:ident) => {
        impl $name {
            pub fn parse(text: &str) -> Result<Self, Invalid> {
                snake_code(text)?;
                Ok($name(text.to_owned()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = Invalid;
            fn try_from(value: String) -> Result<Self, Invalid> {
                snake_code(&value)?;
                Ok($name(value))
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

snake_code_type!(PaymentMethod);
snake_code_type!(FailureCode);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_refs() {
        assert!(UserRef::parse("u-42").is_ok());
        assert!(UserRef::parse("Ada Lovelace").is_ok());
        assert!(UserRef::parse(&"x".repeat(128)).is_ok());
        for bad in ["", " u", "u\n", &"x".repeat(129)] {
            assert!(UserRef::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn addresses_have_no_whitespace() {
        assert!(Address::parse("F2etcaJ1abc").is_ok());
        assert!(Address::parse("F2 etc").is_err());
    }

    #[test]
    fn codes() {
        assert!(PaymentMethod::parse("bank_transfer").is_ok());
        assert!(FailureCode::parse("Bank-Transfer").is_err());
    }
}
