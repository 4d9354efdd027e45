//! Per-key rate limiting: a limit for each wallet and partner key. A request past it gets 429
//! `rate_limited` with `Retry-After`, before it costs anything else.
//!
//! The limiter is `governor`'s keyed GCRA: lock-free per check, and a burst allowance that
//! refills continuously (the same behaviour a token bucket gives). It is keyed by the
//! [`Principal`] itself, so a check allocates nothing.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use super::auth::Principal;

/// Limits by caller. A limit of zero turns limiting off.
pub struct RateLimiter {
    limiter: Option<DefaultKeyedRateLimiter<Principal>>,
}

impl RateLimiter {
    /// `per_second` sustained per key, with bursts of `burst` (at least one second's worth).
    pub fn new(per_second: u32, burst: u32) -> RateLimiter {
        let limiter = NonZeroU32::new(per_second).map(|rate| {
            let burst = NonZeroU32::new(burst.max(per_second)).unwrap_or(rate);
            DefaultKeyedRateLimiter::keyed(Quota::per_second(rate).allow_burst(burst))
        });
        RateLimiter { limiter }
    }

    /// Takes one request's worth for `caller`; `Err(wait)` says how long until one is free.
    pub fn check(&self, caller: &Principal) -> Result<(), Duration> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        limiter
            .check_key(caller)
            .map_err(|refused| refused.wait_time_from(DefaultClock::default().now()))
    }
}

#[cfg(test)]
mod tests {
    use rampflow_actors::model::{PartnerId, WalletId};

    use super::*;

    #[test]
    fn a_burst_then_refusals_then_refills() {
        let limiter = RateLimiter::new(10, 3);
        let wallet = Principal::Wallet(WalletId::new());
        // The burst is at least one second's worth.
        for _ in 0..10 {
            assert!(limiter.check(&wallet).is_ok());
        }
        let wait = limiter.check(&wallet).unwrap_err();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_millis(100),
            "{wait:?}"
        );
        assert!(
            limiter.check(&Principal::Wallet(WalletId::new())).is_ok(),
            "keys do not share a limit"
        );
        assert!(
            limiter.check(&Principal::Partner(PartnerId::new())).is_ok(),
            "nor do wallets and partners"
        );
        std::thread::sleep(Duration::from_millis(120));
        assert!(limiter.check(&wallet).is_ok());
    }

    #[test]
    fn a_burst_larger_than_the_rate_is_kept() {
        let limiter = RateLimiter::new(1, 5);
        let partner = Principal::Partner(PartnerId::new());
        for _ in 0..5 {
            assert!(limiter.check(&partner).is_ok());
        }
        let wait = limiter.check(&partner).unwrap_err();
        assert!(wait > Duration::from_millis(500), "{wait:?}");
    }

    #[test]
    fn zero_turns_limiting_off() {
        let limiter = RateLimiter::new(0, 0);
        let wallet = Principal::Wallet(WalletId::new());
        for _ in 0..10_000 {
            assert!(limiter.check(&wallet).is_ok());
        }
    }
}
