//! When a call is sent again, and after how long.
//!
//! The contract says which failures leave nothing done: 429 `rate_limited` and the 503s
//! (`overloaded`, `shard_unavailable`, `database_unavailable`) are answered before anything
//! changes, and say when to come back with `Retry-After`; any request is sent again after
//! them. `commit_unknown` (503) may or may not have committed, and the contract makes
//! repeating the *same* request safe, so it is retried, like any other 429 or 503 (a proxy's,
//! say), only for idempotent requests. A connection that could not be opened sent nothing,
//! so any request is retried; any other transport failure (a reset, a timeout) is retried only
//! for idempotent requests: reads, `PUT`, `DELETE`, the order commands (the contract answers a
//! repeated command with the order as it is) and creates, which always carry an
//! `Idempotency-Key`. Rotating a key or a secret and asking for a redelivery are not
//! idempotent and are not retried after a failure in flight.

use std::time::Duration;

use rand::Rng;

/// How many times and how long to wait. `RetryPolicy::default()` makes four attempts in all;
/// [`RetryPolicy::none`] makes one.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (at least 1).
    pub max_attempts: u32,
    /// The first backoff after a transport failure; it doubles with every attempt.
    pub base_delay: Duration,
    /// No single wait is longer, whatever `Retry-After` asks for: a longer `Retry-After` ends
    /// the retries and the error is returned (with its `retry_after`) for the caller to plan.
    pub max_delay: Duration,
    /// Jitter as a fraction: backoffs are spread ±`jitter`; a `Retry-After` wait is only ever
    /// lengthened (by up to `jitter`), never shortened.
    pub jitter: f64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(30),
            jitter: 0.2,
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retries.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// The wait before attempt `attempt + 1` (`attempt` counts from 1) after a transport
    /// failure, or `None` when no attempt is left.
    pub(crate) fn backoff(&self, attempt: u32) -> Option<Duration> {
        if attempt >= self.max_attempts {
            return None;
        }
        let exp = self
            .base_delay
            .saturating_mul(1u32 << (attempt - 1).min(16))
            .min(self.max_delay);
        let spread = rand::thread_rng().gen_range(-self.jitter..=self.jitter);
        Some(exp.mul_f64((1.0 + spread).max(0.0)).min(self.max_delay))
    }

    /// The wait before attempt `attempt + 1` after a 429 or 503 that asked for `retry_after`
    /// (the backoff when it did not), or `None` when no attempt is left or the server asks
    /// for longer than `max_delay`.
    pub(crate) fn after(&self, attempt: u32, retry_after: Option<Duration>) -> Option<Duration> {
        let Some(asked) = retry_after else {
            return self.backoff(attempt);
        };
        if attempt >= self.max_attempts || asked > self.max_delay {
            return None;
        }
        let extra = rand::thread_rng().gen_range(0.0..=self.jitter);
        Some(asked.mul_f64(1.0 + extra).min(self.max_delay))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_within_jitter_and_stops() {
        let policy = RetryPolicy::default();
        for attempt in 1..4 {
            let wait = policy.backoff(attempt).unwrap();
            let exp = 200.0 * 2f64.powi(attempt as i32 - 1);
            let ms = wait.as_secs_f64() * 1000.0;
            assert!(
                ms >= exp * 0.8 - 1.0 && ms <= exp * 1.2 + 1.0,
                "{ms} vs {exp}"
            );
        }
        assert_eq!(policy.backoff(4), None);
        assert_eq!(RetryPolicy::none().backoff(1), None);
    }

    #[test]
    fn retry_after_is_never_shortened_and_capped() {
        let policy = RetryPolicy::default();
        for _ in 0..100 {
            let wait = policy.after(1, Some(Duration::from_secs(1))).unwrap();
            assert!(wait >= Duration::from_secs(1) && wait <= Duration::from_millis(1200));
        }
        assert_eq!(policy.after(1, Some(Duration::from_secs(31))), None);
        assert_eq!(policy.after(4, Some(Duration::from_secs(1))), None);
    }
}
