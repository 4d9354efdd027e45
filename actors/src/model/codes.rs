use std::fmt;

use serde::{Deserialize, Serialize};

use super::Invalid;

/// A crypto asset code such as `USDC`: `^[A-Z0-9]{2,12}$`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AssetCode(String);

/// A chain such as `solana` or `bnb-smart-chain`: `^[a-z0-9-]{2,32}$`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Network(String);

/// A real, active ISO 4217 currency that has minor units (so `ZZZ`, `XXX` or gold are refused).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FiatCurrency(iso_currency::Currency);

impl AssetCode {
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let ok = (2..=12).contains(&text.len())
            && text
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if ok {
            Ok(AssetCode(text.to_owned()))
        } else {
            Err(Invalid::new("must match ^[A-Z0-9]{2,12}$"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Network {
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let ok = (2..=32).contains(&text.len())
            && text
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if ok {
            Ok(Network(text.to_owned()))
        } else {
            Err(Invalid::new("must match ^[a-z0-9-]{2,32}$"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FiatCurrency {
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        iso_currency::Currency::from_code(text)
            .filter(|c| c.exponent().is_some())
            .map(FiatCurrency)
            .ok_or_else(|| Invalid::new("must be an ISO 4217 currency code such as \"NGN\""))
    }

    /// Digits after the decimal point in this currency (2 for NGN, 0 for JPY).
    pub fn minor_units(&self) -> u32 {
        self.0.exponent().map(u32::from).unwrap_or(2)
    }

    pub fn code(&self) -> &'static str {
        self.0.code()
    }
}

macro_rules! string_conversions {
    ($name:ident) => {
        impl TryFrom<String> for $name {
            type Error = Invalid;
            fn try_from(value: String) -> Result<Self, Invalid> {
                $name::parse(&value)
            }
        }
        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.to_string()
            }
        }
    };
}

string_conversions!(AssetCode);
string_conversions!(Network);
string_conversions!(FiatCurrency);

impl fmt::Display for AssetCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl fmt::Display for FiatCurrency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asset_codes() {
        assert!(AssetCode::parse("USDC").is_ok());
        assert!(AssetCode::parse("BTC2").is_ok());
        for bad in ["U", "usdc", "USD-C", "ABCDEFGHIJKLM", ""] {
            assert!(AssetCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn networks() {
        assert!(Network::parse("solana").is_ok());
        assert!(Network::parse("bnb-smart-chain").is_ok());
        for bad in ["s", "Solana", "sol_ana", &"a".repeat(33)] {
            assert!(Network::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn currencies_are_real_iso_codes_with_minor_units() {
        assert_eq!(FiatCurrency::parse("NGN").unwrap().minor_units(), 2);
        assert_eq!(FiatCurrency::parse("JPY").unwrap().minor_units(), 0);
        for bad in ["ZZZ", "XXX", "XAU", "ngn", "NG", ""] {
            assert!(FiatCurrency::parse(bad).is_err(), "{bad}");
        }
    }
}
