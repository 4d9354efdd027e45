//! The arithmetic of quotes (API.md § Pricing and quotes), as pure functions over exact
//! decimals: no I/O, no clock, no floating point.
//!
//! - The trade's fiat is what the user pays on on-ramp, and `crypto × rate` on off-ramp.
//! - Each fee (partner, wallet, platform) is `percent` per hundred of the trade's fiat plus
//!   `fixed[currency]`, rounded half-up to the currency's minor units.
//! - On-ramp: the user pays `fiat` and receives `(fiat − fees) / rate` crypto; off-ramp: the
//!   user sends `crypto` and receives `crypto × rate − fees` fiat. What the user receives is
//!   rounded down to the asset's precision or the currency's minor units.
//! - Asked the other way round (on-ramp by crypto, off-ramp by fiat), the smallest amount to
//!   pay or send whose forward quote gives at least the amount asked for. The quote is then
//!   exactly the forward quote of that amount (so what the user receives may exceed what was
//!   asked for by less than what one more unit paid would bring).

use std::collections::BTreeMap;

use rampflow_actors::order::{Direction, FeeType};
use rust_decimal::{Decimal, RoundingStrategy};

/// Most steps the reverse search takes before giving up (only fees of nearly 100 % need many).
const MAX_SEARCH_STEPS: usize = 10_000;

/// A fee: `percent` per hundred of the trade's fiat plus a fixed amount per currency. Both are
/// non-negative.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeeSchedule {
    pub percent: Decimal,
    /// Keyed by ISO 4217 code.
    pub fixed: BTreeMap<String, Decimal>,
}

impl FeeSchedule {
    pub fn is_zero(&self) -> bool {
        self.percent.is_zero() && self.fixed.values().all(Decimal::is_zero)
    }

    /// The fee on `trade_fiat`, rounded half-up to `minor_units`.
    pub fn fee_on(&self, trade_fiat: Decimal, currency: &str, minor_units: u32) -> Option<Decimal> {
        let fixed = self.fixed.get(currency).copied().unwrap_or(Decimal::ZERO);
        let raw = trade_fiat
            .checked_mul(self.percent)?
            .checked_div(Decimal::ONE_HUNDRED)?
            .checked_add(fixed)?;
        Some(raw.round_dp_with_strategy(minor_units, RoundingStrategy::MidpointAwayFromZero))
    }
}

/// What the user asked for: an amount of fiat or of crypto.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asked {
    Fiat(Decimal),
    Crypto(Decimal),
}

/// Everything one partner's quote depends on.
#[derive(Debug, Clone)]
pub struct Terms<'a> {
    pub direction: Direction,
    /// Fiat per one unit of crypto.
    pub rate: Decimal,
    pub currency: &'a str,
    pub minor_units: u32,
    /// Decimal places of the crypto asset.
    pub precision: u32,
    pub fees: Vec<(FeeType, &'a FeeSchedule)>,
}

/// A priced trade. `crypto` and `fiat` are the two legs: on-ramp the user pays `fiat` and
/// receives `crypto`; off-ramp the user sends `crypto` and receives `fiat`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Priced {
    pub crypto: Decimal,
    pub fiat: Decimal,
    /// The fiat the fees and the partner's limits apply to (before fees).
    pub trade_fiat: Decimal,
    /// Every fee in the order of the terms, zero ones included, in the fiat currency.
    pub fees: Vec<(FeeType, Decimal)>,
}

impl Priced {
    pub fn total_fees(&self) -> Decimal {
        self.fees.iter().map(|(_, amount)| *amount).sum()
    }

    /// What the user receives: crypto on on-ramp, fiat on off-ramp.
    pub fn received(&self, direction: Direction) -> Decimal {
        match direction {
            Direction::Onramp => self.crypto,
            Direction::Offramp => self.fiat,
        }
    }

    /// What the user pays or sends: fiat on on-ramp, crypto on off-ramp.
    pub fn paid(&self, direction: Direction) -> Decimal {
        match direction {
            Direction::Onramp => self.fiat,
            Direction::Offramp => self.crypto,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PriceError {
    #[error("the rate must be greater than zero")]
    ZeroRate,
    #[error("the amount has more decimal places than the {0} allows")]
    TooPrecise(&'static str),
    #[error("the amount must be greater than zero")]
    NotPositive,
    /// The fees take the whole amount: the user would receive nothing.
    #[error("the fees take the whole amount")]
    FeesExceedAmount,
    /// No fees, but the amount is below one unit of what the user would receive.
    #[error("the amount is too small to receive anything")]
    TooSmall,
    #[error("the amount is too large")]
    Overflow,
}

fn unit(places: u32) -> Decimal {
    Decimal::new(1, places)
}

fn floor_to(value: Decimal, places: u32) -> Decimal {
    value.round_dp_with_strategy(places, RoundingStrategy::ToZero)
}

fn ceil_to(value: Decimal, places: u32) -> Decimal {
    value.round_dp_with_strategy(places, RoundingStrategy::AwayFromZero)
}

/// The largest `q` with `places` decimals such that `q × rate ≤ value` (value, rate > 0),
/// checked with exact multiplications so a rounded division cannot cross a unit.
fn floor_div(value: Decimal, rate: Decimal, places: u32) -> Option<Decimal> {
    let step = unit(places);
    let mut q = floor_to(value.checked_div(rate)?, places);
    while q > Decimal::ZERO && q.checked_mul(rate)? > value {
        q -= step;
    }
    while (q + step).checked_mul(rate)? <= value {
        q += step;
    }
    Some(q)
}

/// The smallest `q` with `places` decimals such that `q × rate ≥ value`.
fn ceil_div(value: Decimal, rate: Decimal, places: u32) -> Option<Decimal> {
    let step = unit(places);
    let mut q = ceil_to(value.checked_div(rate)?, places);
    while q.checked_mul(rate)? < value {
        q += step;
    }
    while q - step >= Decimal::ZERO && (q - step).checked_mul(rate)? >= value {
        q -= step;
    }
    Some(q)
}

impl Terms<'_> {
    fn fees_on(&self, trade_fiat: Decimal) -> Result<Vec<(FeeType, Decimal)>, PriceError> {
        self.fees
            .iter()
            .map(|(fee_type, schedule)| {
                schedule
                    .fee_on(trade_fiat, self.currency, self.minor_units)
                    .map(|amount| (*fee_type, amount))
                    .ok_or(PriceError::Overflow)
            })
            .collect()
    }

    fn total_percent(&self) -> Decimal {
        self.fees.iter().map(|(_, s)| s.percent).sum()
    }

    /// The quote for `asked`.
    pub fn price(&self, asked: Asked) -> Result<Priced, PriceError> {
        if self.rate <= Decimal::ZERO {
            return Err(PriceError::ZeroRate);
        }
        let amount = match asked {
            Asked::Fiat(a) | Asked::Crypto(a) => a,
        };
        if amount <= Decimal::ZERO {
            return Err(PriceError::NotPositive);
        }
        let (places, what) = match asked {
            Asked::Fiat(_) => (self.minor_units, "currency"),
            Asked::Crypto(_) => (self.precision, "asset"),
        };
        if floor_to(amount, places) != amount {
            return Err(PriceError::TooPrecise(what));
        }
        let priced = match (self.direction, asked) {
            (Direction::Onramp, Asked::Fiat(paid)) => self.onramp(paid),
            (Direction::Offramp, Asked::Crypto(sent)) => self.offramp(sent),
            (Direction::Onramp, Asked::Crypto(wanted)) => {
                let paid = self.smallest(wanted, Direction::Onramp)?;
                self.onramp(paid)
            }
            (Direction::Offramp, Asked::Fiat(wanted)) => {
                let sent = self.smallest(wanted, Direction::Offramp)?;
                self.offramp(sent)
            }
        }?;
        // Amounts on the wire stay below 10^15 (see `Amount`).
        let limit = Decimal::from(1_000_000_000_000_000i64);
        if priced.crypto >= limit || priced.fiat >= limit || priced.trade_fiat >= limit {
            return Err(PriceError::Overflow);
        }
        Ok(priced)
    }

    /// On-ramp: the user pays `paid` fiat.
    fn onramp(&self, paid: Decimal) -> Result<Priced, PriceError> {
        let fees = self.fees_on(paid)?;
        let total: Decimal = fees.iter().map(|(_, a)| *a).sum();
        let net = paid - total;
        let crypto = if net > Decimal::ZERO {
            floor_div(net, self.rate, self.precision).ok_or(PriceError::Overflow)?
        } else {
            Decimal::ZERO
        };
        if crypto <= Decimal::ZERO {
            return Err(nothing_left(total));
        }
        Ok(Priced {
            crypto,
            fiat: paid,
            trade_fiat: paid,
            fees,
        })
    }

    /// Off-ramp: the user sends `sent` crypto.
    fn offramp(&self, sent: Decimal) -> Result<Priced, PriceError> {
        let trade = sent.checked_mul(self.rate).ok_or(PriceError::Overflow)?;
        let fees = self.fees_on(trade)?;
        let total: Decimal = fees.iter().map(|(_, a)| *a).sum();
        let fiat = floor_to(trade - total, self.minor_units);
        if fiat <= Decimal::ZERO {
            return Err(nothing_left(total));
        }
        Ok(Priced {
            crypto: sent,
            fiat,
            trade_fiat: trade,
            fees,
        })
    }

    /// The smallest amount to pay (on-ramp, fiat) or send (off-ramp, crypto) whose forward
    /// quote gives at least `wanted`.
    ///
    /// Both come down to the smallest trade fiat `T` on the grid of what is paid with
    /// `T − fees(T) ≥ need` (on-ramp: `need = wanted × rate`, since crypto is rounded down to
    /// the precision `wanted` is written in; off-ramp: `need = wanted`). Fees never decrease
    /// as `T` grows, so from any `T` at or below the answer, `need + fees(T)` is still at or
    /// below it: stepping `T` up to it converges on the answer from below.
    fn smallest(&self, wanted: Decimal, direction: Direction) -> Result<Decimal, PriceError> {
        if self.total_percent() >= Decimal::ONE_HUNDRED {
            return Err(PriceError::FeesExceedAmount);
        }
        let need = match direction {
            Direction::Onramp => wanted.checked_mul(self.rate).ok_or(PriceError::Overflow)?,
            Direction::Offramp => wanted,
        };
        // The grid point of what is paid or sent for a trade fiat of at least `fiat`.
        let at_least = |fiat: Decimal| -> Result<Decimal, PriceError> {
            let point = match direction {
                Direction::Onramp => ceil_to(fiat, self.minor_units),
                Direction::Offramp => {
                    ceil_div(fiat, self.rate, self.precision).ok_or(PriceError::Overflow)?
                }
            };
            Ok(point.max(unit(match direction {
                Direction::Onramp => self.minor_units,
                Direction::Offramp => self.precision,
            })))
        };
        let trade_of = |point: Decimal| -> Result<Decimal, PriceError> {
            match direction {
                Direction::Onramp => Ok(point),
                Direction::Offramp => point.checked_mul(self.rate).ok_or(PriceError::Overflow),
            }
        };
        let mut point = at_least(need)?;
        for _ in 0..MAX_SEARCH_STEPS {
            let trade = trade_of(point)?;
            let total: Decimal = self.fees_on(trade)?.iter().map(|(_, a)| *a).sum();
            let required = need.checked_add(total).ok_or(PriceError::Overflow)?;
            if trade >= required {
                return Ok(point);
            }
            let next = at_least(required)?;
            point = if next > point {
                next
            } else {
                point
                    + unit(match direction {
                        Direction::Onramp => self.minor_units,
                        Direction::Offramp => self.precision,
                    })
            };
        }
        Err(PriceError::FeesExceedAmount)
    }
}

fn nothing_left(total_fees: Decimal) -> PriceError {
    if total_fees > Decimal::ZERO {
        PriceError::FeesExceedAmount
    } else {
        PriceError::TooSmall
    }
}

/// Whether `a` is a better quote than `b` for the user: asked by what is paid, the one that
/// gives the most; asked by what is received, the one that costs the least (then the one that
/// gives the most).
pub fn better(direction: Direction, asked: Asked, a: &Priced, b: &Priced) -> std::cmp::Ordering {
    let by_paid = matches!(
        (direction, asked),
        (Direction::Onramp, Asked::Crypto(_)) | (Direction::Offramp, Asked::Fiat(_))
    );
    let received = b.received(direction).cmp(&a.received(direction));
    if by_paid {
        a.paid(direction).cmp(&b.paid(direction)).then(received)
    } else {
        received
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use proptest::prelude::*;
    use rampflow_actors::model::Amount;

    use super::*;

    fn d(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

    fn schedule(percent: &str, fixed: &[(&str, &str)]) -> FeeSchedule {
        FeeSchedule {
            percent: d(percent),
            fixed: fixed.iter().map(|(c, a)| ((*c).to_owned(), d(a))).collect(),
        }
    }

    fn terms<'a>(direction: Direction, rate: &str, fees: &'a [FeeSchedule]) -> Terms<'a> {
        Terms {
            direction,
            rate: d(rate),
            currency: "NGN",
            minor_units: 2,
            precision: 8,
            fees: fees
                .iter()
                .zip([FeeType::Partner, FeeType::Wallet, FeeType::Platform])
                .map(|(s, t)| (t, s))
                .collect(),
        }
    }

    #[test]
    fn onramp_by_fiat_follows_the_contract() {
        let fees = [schedule("1", &[("NGN", "50")]), schedule("0.5", &[])];
        let q = terms(Direction::Onramp, "1500", &fees)
            .price(Asked::Fiat(d("15000.00")))
            .unwrap();
        // partner 150 + 50 = 200, wallet 75: 15000 − 275 = 14725 / 1500 = 9.81666666…
        assert_eq!(q.fees[0], (FeeType::Partner, d("200")));
        assert_eq!(q.fees[1], (FeeType::Wallet, d("75")));
        assert_eq!(q.crypto, d("9.81666666"));
        assert_eq!(q.fiat, d("15000.00"));
    }

    #[test]
    fn fees_round_half_up() {
        let s = schedule("1", &[]);
        assert_eq!(s.fee_on(d("0.50"), "NGN", 2), Some(d("0.01")));
        assert_eq!(s.fee_on(d("0.49"), "NGN", 2), Some(d("0.00")));
        assert_eq!(s.fee_on(d("150"), "JPY", 0), Some(d("2")));
    }

    #[test]
    fn offramp_by_crypto_and_by_fiat() {
        let fees = [schedule("2", &[("NGN", "10.00")])];
        let t = terms(Direction::Offramp, "1500.5", &fees);
        let q = t.price(Asked::Crypto(d("10"))).unwrap();
        // 15005 − (300.10 + 10) = 14694.90
        assert_eq!(q.fiat, d("14694.90"));
        let back = t.price(Asked::Fiat(d("14694.90"))).unwrap();
        assert!(back.fiat >= d("14694.90"));
        assert!(back.crypto <= d("10"));
        let less = t.price(Asked::Crypto(back.crypto - unit(8))).unwrap();
        assert!(less.fiat < d("14694.90"));
    }

    #[test]
    fn edge_cases_are_refused() {
        let fees = [schedule("0", &[("NGN", "100")])];
        let t = terms(Direction::Onramp, "1500", &fees);
        assert_eq!(
            t.price(Asked::Fiat(d("100"))),
            Err(PriceError::FeesExceedAmount)
        );
        assert_eq!(
            terms(Direction::Onramp, "0", &fees).price(Asked::Fiat(d("1000"))),
            Err(PriceError::ZeroRate)
        );
        assert_eq!(
            t.price(Asked::Fiat(d("1000.001"))),
            Err(PriceError::TooPrecise("currency"))
        );
        let all = [schedule("100", &[])];
        assert_eq!(
            terms(Direction::Onramp, "1", &all).price(Asked::Crypto(d("1"))),
            Err(PriceError::FeesExceedAmount)
        );
    }

    fn decimal(max_mantissa: i64, max_scale: u32) -> impl Strategy<Value = Decimal> {
        // Small mantissas as often as large ones: rounding matters most on small amounts.
        let mantissa = prop_oneof![
            1..=1_000i64.min(max_mantissa),
            1..=1_000_000i64.min(max_mantissa),
            1..=max_mantissa,
        ];
        (mantissa, 0..=max_scale).prop_map(|(m, s)| Decimal::new(m, s))
    }

    fn fee_schedule() -> impl Strategy<Value = FeeSchedule> {
        (0i64..=3000, 0u32..=3, 0i64..=20_000).prop_map(|(p, ps, fixed)| FeeSchedule {
            percent: Decimal::new(p, ps + 2).min(Decimal::from(30)),
            fixed: [("NGN".to_owned(), Decimal::new(fixed, 2))].into(),
        })
    }

    fn case() -> impl Strategy<Value = (bool, Decimal, u32, u32, Vec<FeeSchedule>, Decimal, bool)> {
        (
            any::<bool>(),
            decimal(10_000_000_000, 6),
            prop_oneof![Just(0u32), Just(2u32), Just(3u32)],
            0u32..=8,
            proptest::collection::vec(fee_schedule(), 0..=3),
            decimal(1_000_000_000_000, 8),
            any::<bool>(),
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn quotes_never_give_away_money(
            (onramp, rate, minor, precision, schedules, amount, by_fiat) in case()
        ) {
            let direction = if onramp { Direction::Onramp } else { Direction::Offramp };
            let mut t = terms(direction, "1", &schedules);
            t.rate = rate;
            t.minor_units = minor;
            t.precision = precision;
            let asked = if by_fiat {
                Asked::Fiat(floor_to(amount, minor).max(unit(minor)))
            } else {
                Asked::Crypto(floor_to(amount, precision).max(unit(precision)))
            };
            let Ok(q) = t.price(asked) else { return Ok(()) };
            let total = q.total_fees();
            // Nothing is negative, the legs are positive.
            prop_assert!(q.crypto > Decimal::ZERO && q.fiat > Decimal::ZERO);
            prop_assert!(q.fees.iter().all(|(_, a)| *a >= Decimal::ZERO));
            // Every fee is its exact value rounded half-up: off by at most half a unit.
            for ((_, fee), s) in q.fees.iter().zip(&schedules) {
                let exact = q.trade_fiat * s.percent / Decimal::ONE_HUNDRED + s.fixed["NGN"];
                prop_assert!((*fee - exact).abs() <= unit(minor) / Decimal::TWO);
            }
            match direction {
                Direction::Onramp => {
                    // What the user receives plus the fees never exceeds what was paid...
                    prop_assert!(q.crypto * rate + total <= q.fiat);
                    // ...and rounding costs the user less than one unit of the last place.
                    prop_assert!((q.crypto + unit(precision)) * rate + total > q.fiat);
                    prop_assert!(q.crypto.scale() <= precision && q.fiat.scale() <= minor);
                }
                Direction::Offramp => {
                    let trade = q.crypto * rate;
                    prop_assert_eq!(trade, q.trade_fiat);
                    prop_assert!(q.fiat + total <= trade);
                    prop_assert!(q.fiat + unit(minor) + total > trade);
                    prop_assert!(q.crypto.scale() <= precision && q.fiat.scale() <= minor);
                }
            }
            // Asked by what is received: at least that, and one unit less paid would not do.
            match (direction, asked) {
                (Direction::Onramp, Asked::Crypto(wanted)) => {
                    prop_assert!(q.crypto >= wanted);
                    let less = q.fiat - unit(minor);
                    if less > Decimal::ZERO {
                        if let Ok(cheaper) = t.price(Asked::Fiat(less)) {
                            prop_assert!(cheaper.crypto < wanted);
                        }
                    }
                }
                (Direction::Offramp, Asked::Fiat(wanted)) => {
                    prop_assert!(q.fiat >= wanted);
                    let less = q.crypto - unit(precision);
                    if less > Decimal::ZERO {
                        if let Ok(cheaper) = t.price(Asked::Crypto(less)) {
                            prop_assert!(cheaper.fiat < wanted);
                        }
                    }
                }
                _ => {}
            }
            // Decimal strings round-trip exactly through the wire type.
            for value in [q.crypto, q.fiat] {
                let text = value.to_string();
                let parsed = Amount::parse(&text).unwrap();
                prop_assert_eq!(parsed.value(), value);
                prop_assert_eq!(parsed.to_string(), text);
            }
        }

        #[test]
        fn decimal_strings_round_trip(mantissa in 1i64..=999_999_999_999_999, scale in 0u32..=18) {
            let value = Decimal::new(mantissa, scale);
            let text = value.to_string();
            let parsed = Amount::parse(&text).unwrap();
            prop_assert_eq!(parsed.to_string(), text);
            prop_assert_eq!(parsed.value(), value);
        }
    }
}
