use std::fmt;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Invalid;

/// An instant in UTC with millisecond precision, written as RFC 3339
/// (`"2026-11-22T10:15:30.123Z"`). Truncating to milliseconds on creation means what is stored
/// and what is read back compare equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(DateTime<Utc>);

impl Timestamp {
    pub fn now() -> Self {
        Self::from_millis(Utc::now().timestamp_millis())
    }

    pub fn from_millis(millis: i64) -> Self {
        Timestamp(
            Utc.timestamp_millis_opt(millis)
                .single()
                .expect("milliseconds since the epoch within chrono's range"),
        )
    }

    pub fn parse(text: &str) -> Result<Self, Invalid> {
        DateTime::parse_from_rfc3339(text)
            .map(|t| Self::from_millis(t.timestamp_millis()))
            .map_err(|_| Invalid::new("must be an RFC 3339 timestamp"))
    }

    pub fn as_millis(&self) -> i64 {
        self.0.timestamp_millis()
    }

    pub fn plus(&self, duration: Duration) -> Self {
        Self::from_millis(self.as_millis().saturating_add(duration.as_millis() as i64))
    }

    pub fn minus(&self, duration: Duration) -> Self {
        Self::from_millis(self.as_millis().saturating_sub(duration.as_millis() as i64))
    }

    /// How long from `self` until `later`; zero when `later` is not after `self`.
    pub fn until(&self, later: Timestamp) -> Duration {
        Duration::from_millis(later.as_millis().saturating_sub(self.as_millis()).max(0) as u64)
    }

    /// How long ago `self` was, to the microsecond (zero if it is still ahead): `self` is a
    /// whole millisecond, the clock read now is not.
    pub fn elapsed(&self) -> Duration {
        let micros = Utc::now().timestamp_micros() - self.as_millis().saturating_mul(1000);
        Duration::from_micros(micros.max(0) as u64)
    }

    pub fn unix_seconds(&self) -> i64 {
        self.0.timestamp()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(SecondsFormat::Millis, true))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Timestamp::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_rfc3339_utc_with_millis() {
        let t = Timestamp::parse("2026-11-22T10:15:30.123456+01:00").unwrap();
        assert_eq!(t.to_string(), "2026-11-22T09:15:30.123Z");
        assert_eq!(Timestamp::from_millis(t.as_millis()), t);
    }

    #[test]
    fn until_never_goes_negative() {
        let t = Timestamp::from_millis(10_000);
        assert_eq!(
            t.until(t.plus(Duration::from_secs(2))),
            Duration::from_secs(2)
        );
        assert_eq!(t.until(t.minus(Duration::from_secs(2))), Duration::ZERO);
    }
}
