//! A user's KYC data as a wallet stores it: every field optional, every value checked, unknown
//! fields refused. Serialized back exactly as stored (absent parts are `null`).

use std::fmt;

use chrono::{Datelike, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserData {
    #[serde(default)]
    pub email: Option<Email>,
    #[serde(default)]
    pub phone: Option<Phone>,
    #[serde(default)]
    pub name: Option<PersonName>,
    #[serde(default)]
    pub birth_date: Option<BirthDate>,
    #[serde(default)]
    pub country: Option<Country>,
    #[serde(default)]
    pub document: Option<IdentityDocument>,
    #[serde(default)]
    pub bank_account: Option<BankAccount>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonName {
    #[serde(default)]
    #[schema(inline)]
    pub first: Option<Text<100>>,
    #[serde(default)]
    #[schema(inline)]
    pub last: Option<Text<100>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IdentityDocument {
    #[serde(rename = "type")]
    pub document_type: DocumentType,
    #[schema(inline)]
    pub number: Text<64>,
    #[serde(default)]
    pub country: Option<Country>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DocumentType {
    Passport,
    NationalId,
    DrivingLicense,
    ResidencePermit,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BankAccount {
    #[serde(default)]
    #[schema(inline)]
    pub bank_name: Option<Text<128>>,
    #[schema(inline)]
    pub account_number: Text<64>,
    #[serde(default)]
    #[schema(inline)]
    pub bank_code: Option<Text<32>>,
}

/// Free text of 1 to `MAX` characters, no control characters, no surrounding spaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text<const MAX: usize>(String);

impl<const MAX: usize> Text<MAX> {
    pub fn parse(text: &str) -> Result<Self, String> {
        let count = text.chars().count();
        if count == 0 || count > MAX {
            return Err(format!("must be 1 to {MAX} characters"));
        }
        if text.chars().any(char::is_control) || text.trim() != text {
            return Err("must not contain control characters or surrounding spaces".into());
        }
        Ok(Text(text.to_owned()))
    }
}

/// An email address: one `@`, a non-empty local part, a dotted domain, at most 254 characters.
/// (Deliverability is the wallet's business; this only refuses what cannot be an address.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(text: &str) -> Result<Self, String> {
        let invalid = || "must be an email address such as ada@example.com".to_owned();
        if text.len() > 254 || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid());
        }
        let (local, domain) = text.split_once('@').ok_or_else(invalid)?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@');
        if local.is_empty() || local.len() > 64 || !domain_ok {
            return Err(invalid());
        }
        Ok(Email(text.to_owned()))
    }
}

/// A phone number in E.164: `+` and 7 to 15 digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    pub fn parse(text: &str) -> Result<Self, String> {
        let digits = text.strip_prefix('+').unwrap_or("");
        let ok = (7..=15).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0');
        if ok {
            Ok(Phone(text.to_owned()))
        } else {
            Err("must be an E.164 phone number such as +2348012345678".into())
        }
    }
}

/// A birth date `YYYY-MM-DD`, a real day, not in the future and not before 1900.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BirthDate(NaiveDate);

impl BirthDate {
    pub fn parse(text: &str) -> Result<Self, String> {
        let date = NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .filter(|_| text.len() == 10)
            .ok_or_else(|| "must be a date YYYY-MM-DD".to_owned())?;
        if date.year() < 1900 || date > Utc::now().date_naive() {
            return Err("must be a past date after 1900".into());
        }
        Ok(BirthDate(date))
    }
}

/// An ISO 3166-1 alpha-2 country code that is assigned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Country(String);

/// Officially assigned ISO 3166-1 alpha-2 codes.
const COUNTRIES: &str =
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL \
BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK \
DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU \
GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ \
LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY \
MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU \
RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO \
TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

impl Country {
    pub fn parse(text: &str) -> Result<Self, String> {
        let known = text.len() == 2 && COUNTRIES.split(' ').any(|code| code == text);
        if known {
            Ok(Country(text.to_owned()))
        } else {
            Err("must be an ISO 3166-1 alpha-2 country code such as \"NG\"".into())
        }
    }
}

macro_rules! string_wire_format {
    ($name:ty, $show:expr) => {
        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(&$show(self))
            }
        }
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                <$name>::parse(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}

string_wire_format!(Email, |e: &Email| e.0.clone());
string_wire_format!(Phone, |p: &Phone| p.0.clone());
string_wire_format!(Country, |c: &Country| c.0.clone());
string_wire_format!(BirthDate, |b: &BirthDate| b
    .0
    .format("%Y-%m-%d")
    .to_string());

impl<const MAX: usize> Serialize for Text<MAX> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de, const MAX: usize> Deserialize<'de> for Text<MAX> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Text::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl<const MAX: usize> fmt::Display for Text<MAX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// OpenAPI schemas of the checked strings: each says what its `parse` accepts.
mod schemas {
    use std::borrow::Cow;

    use serde_json::Value;
    use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};
    use utoipa::openapi::RefOr;
    use utoipa::{PartialSchema, ToSchema};

    use super::{BirthDate, Country, Email, Phone, Text};

    fn string(description: &str, example: &str) -> ObjectBuilder {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(description))
            .examples([Value::from(example)])
    }

    /// What `Email::parse` takes: no whitespace or control character, a local part of 1 to
    /// 64 characters before the one `@`, and a domain with a dot neither first nor last.
    fn email_pattern() -> String {
        let c = format!(
            "{}{}",
            rampflow_actors::openapi::CONTROL,
            rampflow_actors::openapi::WHITESPACE
        );
        format!("^[^@{c}]{{1,64}}@[^@.{c}][^@{c}]*\\.[^@{c}]*[^@.{c}]$")
    }

    impl<const MAX: usize> PartialSchema for Text<MAX> {
        fn schema() -> RefOr<Schema> {
            let description =
                format!("1 to {MAX} characters, no control characters, no surrounding spaces.");
            RefOr::T(Schema::Object(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .description(Some(description))
                    .min_length(Some(1))
                    .max_length(Some(MAX))
                    .pattern(Some(rampflow_actors::openapi::printable_pattern()))
                    .build(),
            ))
        }
    }

    impl<const MAX: usize> ToSchema for Text<MAX> {
        fn name() -> Cow<'static, str> {
            Cow::Owned(format!("Text{MAX}"))
        }
    }

    macro_rules! schema {
        ($type:ty, $builder:expr) => {
            impl PartialSchema for $type {
                fn schema() -> RefOr<Schema> {
                    RefOr::T(Schema::Object($builder.build()))
                }
            }

            impl ToSchema for $type {}
        };
    }

    schema!(
        Email,
        string(
            "An email address (one `@`, a dotted domain), at most 254 characters.",
            "ada@example.com"
        )
        // The pattern, not `format: email`: the server takes what the pattern says (such as
        // `a@b..c`), no more and no less.
        .max_length(Some(254))
        .pattern(Some(email_pattern()))
    );
    schema!(
        Phone,
        string("A phone number in E.164.", "+2348012345678").pattern(Some(r"^\+[1-9][0-9]{6,14}$"))
    );
    schema!(
        BirthDate,
        string(
            "A date `YYYY-MM-DD`: a real day, not in the future, not before 1900.",
            "1990-01-31"
        )
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
    );
    schema!(
        Country,
        string("An assigned ISO 3166-1 alpha-2 country code.", "NG").pattern(Some("^[A-Z]{2}$"))
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_record_round_trips() {
        let json = r#"{"email":"ada@example.com","phone":"+2348012345678","name":{"first":"Ada","last":"Obi"},"birth_date":"1990-01-31","country":"NG","document":{"type":"passport","number":"A123","country":"NG"},"bank_account":{"bank_name":"GTBank","account_number":"0123456789","bank_code":"058"}}"#;
        let data: UserData = serde_json::from_str(json).unwrap();
        assert_eq!(serde_json::to_string(&data).unwrap(), json);
    }

    #[test]
    fn each_field_is_checked() {
        for bad in [
            r#"{"email":"not-an-email"}"#,
            r#"{"phone":"12345"}"#,
            r#"{"birth_date":"1990-02-30"}"#,
            r#"{"birth_date":"2999-01-01"}"#,
            r#"{"country":"ZZ"}"#,
            r#"{"document":{"type":"library_card","number":"1"}}"#,
            r#"{"name":{"first":""}}"#,
            r#"{"nickname":"x"}"#,
        ] {
            assert!(serde_json::from_str::<UserData>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn everything_is_optional() {
        let data: UserData = serde_json::from_str("{}").unwrap();
        assert_eq!(data.email, None);
    }
}
