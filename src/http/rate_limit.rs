//! Per-key rate limiting: a token bucket for each wallet and partner key. A request past the
//! limit gets 429 `rate_limited` with `Retry-After`, before it costs anything else.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use dashmap::DashMap;

/// Token buckets by caller. A limit of zero turns limiting off.
pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    buckets: DashMap<String, Mutex<Bucket>>,
}

struct Bucket {
    tokens: f64,
    refilled: Instant,
}

impl RateLimiter {
    pub fn new(per_second: u32, burst: u32) -> RateLimiter {
        RateLimiter {
            per_second: f64::from(per_second),
            burst: f64::from(burst.max(per_second).max(1)),
            buckets: DashMap::new(),
        }
    }

    /// Takes one token for `caller`; `Err(wait)` says how long until one is free.
    pub fn check(&self, caller: &str) -> Result<(), Duration> {
        if self.per_second <= 0.0 {
            return Ok(());
        }
        let now = Instant::now();
        if !self.buckets.contains_key(caller) {
            self.buckets.entry(caller.to_owned()).or_insert_with(|| {
                Mutex::new(Bucket {
                    tokens: self.burst,
                    refilled: now,
                })
            });
        }
        let entry = self.buckets.get(caller).expect("inserted above");
        let mut bucket = entry.lock().expect("a bucket lock is never poisoned");
        let elapsed = now.saturating_duration_since(bucket.refilled).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.per_second).min(self.burst);
        bucket.refilled = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64(
                (1.0 - bucket.tokens) / self.per_second,
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_refusals_then_refills() {
        let limiter = RateLimiter::new(10, 3);
        // The burst is at least one second's worth.
        for _ in 0..10 {
            assert!(limiter.check("wallet:a").is_ok());
        }
        let wait = limiter.check("wallet:a").unwrap_err();
        assert!(wait <= Duration::from_millis(100), "{wait:?}");
        assert!(
            limiter.check("wallet:b").is_ok(),
            "keys do not share a bucket"
        );
        std::thread::sleep(Duration::from_millis(120));
        assert!(limiter.check("wallet:a").is_ok());
    }

    #[test]
    fn zero_turns_limiting_off() {
        let limiter = RateLimiter::new(0, 0);
        for _ in 0..10_000 {
            assert!(limiter.check("wallet:a").is_ok());
        }
    }
}
