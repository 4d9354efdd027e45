use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Invalid;

/// Most decimal places an amount or rate may carry (ETH has 18).
pub const MAX_SCALE: u32 = 18;
/// Amounts must stay below 10^15 units: large enough for any real trade, small enough that
/// multiplying by a rate never overflows `Decimal`'s 96-bit mantissa.
const MAX_INTEGER_DIGITS: usize = 15;

/// A strictly positive quantity of money, kept with the scale it was written with
/// (`"10.00"` stays `"10.00"` on the way back out).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Amount(Decimal);

/// Fiat per one unit of crypto. Same rules as an amount: positive, plain decimal notation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rate(Decimal);

/// Parses a plain decimal string: digits, an optional fraction, no sign, no exponent, no
/// spaces. `Decimal::from_str` alone would accept forms such as `"1e5"` or `"+1"` that a
/// payments API should refuse.
fn parse_positive_decimal(text: &str) -> Result<Decimal, Invalid> {
    let (integer, fraction) = match text.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (text, None),
    };
    let digits_only = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits_only(integer) || fraction.is_some_and(|f| !digits_only(f)) {
        return Err(Invalid::new(
            "must be a decimal string such as \"10.50\" (digits, optional fraction, no sign or exponent)",
        ));
    }
    if integer.len() > 1 && integer.starts_with('0') {
        return Err(Invalid::new("must not have leading zeros"));
    }
    if integer.len() > MAX_INTEGER_DIGITS {
        return Err(Invalid::new(format!(
            "must be below 10^{MAX_INTEGER_DIGITS}"
        )));
    }
    if fraction.map_or(0, str::len) > MAX_SCALE as usize {
        return Err(Invalid::new(format!(
            "must have at most {MAX_SCALE} decimal places"
        )));
    }
    let value = Decimal::from_str(text).map_err(|_| Invalid::new("is not a valid decimal"))?;
    if value <= Decimal::ZERO {
        return Err(Invalid::new("must be greater than zero"));
    }
    Ok(value)
}

macro_rules! positive_decimal {
    ($name:ident) => {
        impl $name {
            pub fn parse(text: &str) -> Result<Self, Invalid> {
                parse_positive_decimal(text).map($name)
            }

            /// For values computed by the service itself; refuses what `parse` would refuse.
            pub fn from_decimal(value: Decimal) -> Result<Self, Invalid> {
                if value <= Decimal::ZERO {
                    return Err(Invalid::new("must be greater than zero"));
                }
                if value.scale() > MAX_SCALE {
                    return Err(Invalid::new("has too many decimal places"));
                }
                Ok($name(value))
            }

            pub fn value(&self) -> Decimal {
                self.0
            }

            pub fn scale(&self) -> u32 {
                self.0.scale()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                $name::parse(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}

positive_decimal!(Amount);
positive_decimal!(Rate);

impl Amount {
    /// Amounts are compared by value: `"10"` and `"10.00"` are the same money.
    pub fn same_value(&self, other: &Amount) -> bool {
        self.0 == other.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_written_scale() {
        assert_eq!(Amount::parse("10.00").unwrap().to_string(), "10.00");
        assert_eq!(
            Amount::parse("0.047116964221968237").unwrap().to_string(),
            "0.047116964221968237"
        );
    }

    #[test]
    fn refuses_what_is_not_a_plain_positive_decimal() {
        for bad in [
            "",
            "0",
            "0.00",
            "-1",
            "+1",
            "1e5",
            "1.",
            ".5",
            " 1",
            "1 ",
            "01",
            "abc",
            "1,5",
            "1.0000000000000000001",
            "1000000000000000",
            "NaN",
        ] {
            assert!(Amount::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn accepts_plain_positive_decimals() {
        for good in [
            "1",
            "0.1",
            "15000.00",
            "999999999999999",
            "0.000000000000000001",
        ] {
            assert!(Amount::parse(good).is_ok(), "{good:?} should be accepted");
        }
    }

    #[test]
    fn same_value_ignores_scale() {
        let a = Amount::parse("10").unwrap();
        let b = Amount::parse("10.000").unwrap();
        assert!(a.same_value(&b));
        assert_ne!(a, Amount::parse("10.01").unwrap());
    }

    #[test]
    fn json_numbers_are_refused() {
        assert!(serde_json::from_str::<Amount>("10.5").is_err());
        assert_eq!(
            serde_json::from_str::<Amount>("\"10.5\"")
                .unwrap()
                .to_string(),
            "10.5"
        );
    }
}
