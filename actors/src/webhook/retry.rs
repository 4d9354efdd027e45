//! When to try a delivery again: the configured schedule (delays before each attempt) with
//! ±20 % jitter, or the receiver's own `Retry-After` on 429/503.

use std::time::{Duration, SystemTime};

use rand::Rng;

/// `Retry-After` longer than this is treated as this: a receiver cannot park a delivery for a
/// week.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);

#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Delay before attempt n+1 (index n). Its length is the number of attempts.
    schedule: Vec<Duration>,
}

impl RetryPolicy {
    pub fn new(schedule: Vec<Duration>) -> RetryPolicy {
        assert!(
            !schedule.is_empty(),
            "a retry schedule has at least one attempt"
        );
        RetryPolicy { schedule }
    }

    pub fn max_attempts(&self) -> u32 {
        self.schedule.len() as u32
    }

    /// After `attempts_made` failed attempts: the delay before the next one, or `None` when
    /// the schedule is exhausted.
    pub fn next_delay(&self, attempts_made: u32) -> Option<Duration> {
        self.schedule
            .get(attempts_made as usize)
            .map(|delay| jittered(*delay))
    }
}

/// ±20 %, so retries of many deliveries that failed together do not stampede together.
fn jittered(delay: Duration) -> Duration {
    if delay.is_zero() {
        return delay;
    }
    delay.mul_f64(rand::thread_rng().gen_range(0.8..=1.2))
}

/// `Retry-After` as seconds or as an HTTP date; capped at a day.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    let delay = match value.parse::<u64>() {
        Ok(seconds) => Duration::from_secs(seconds),
        Err(_) => httpdate::parse_http_date(value)
            .ok()?
            .duration_since(now)
            .unwrap_or(Duration::ZERO),
    };
    Some(delay.min(MAX_RETRY_AFTER))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_the_schedule_with_jitter_then_stops() {
        let policy = RetryPolicy::new(vec![
            Duration::ZERO,
            Duration::from_secs(5),
            Duration::from_secs(300),
        ]);
        assert_eq!(policy.max_attempts(), 3);
        assert_eq!(policy.next_delay(0), Some(Duration::ZERO));
        for _ in 0..100 {
            let delay = policy.next_delay(1).unwrap();
            assert!(
                delay >= Duration::from_secs(4) && delay <= Duration::from_secs(6),
                "{delay:?}"
            );
            let delay = policy.next_delay(2).unwrap();
            assert!(delay >= Duration::from_secs(240) && delay <= Duration::from_secs(360));
        }
        assert_eq!(policy.next_delay(3), None);
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(120));
        assert_eq!(
            parse_retry_after(&later, now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(parse_retry_after("999999999", now), Some(MAX_RETRY_AFTER));
        assert_eq!(parse_retry_after("soon", now), None);
    }
}
