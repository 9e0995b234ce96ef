//! Pacing: "at most `rate` per second over everyone who shares this". A token bucket that
//! may go into debt (a batch takes what it needs at once) and makes the next taker wait
//! it off, so the long-run rate is exact; it saves up at most a tenth of a second's worth
//! (rate/10), so an idle spell never turns into a burst.
//!
//! The arithmetic ([`Pace`]) takes the time as an argument and is tested without sleeping;
//! [`Bucket`] is the shared, sleeping wrapper. Must not: know what is being paced.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The bucket's state and arithmetic: pure, the clock comes in as `now`.
#[derive(Debug, Clone)]
pub(crate) struct Pace {
    /// Per second (at least 1).
    rate: f64,
    /// Saved up (positive) or owed (negative).
    tokens: f64,
    /// When `tokens` was last brought up to date.
    last: Instant,
}

impl Pace {
    /// Starts empty at `now`: the first taker waits for what it takes.
    pub(crate) fn new(rate: u64, now: Instant) -> Pace {
        Pace {
            rate: rate.max(1) as f64,
            tokens: 0.0,
            last: now,
        }
    }

    /// Takes `n` at `now`; returns how long the taker must wait before going on (zero when
    /// enough was saved up).
    pub(crate) fn take(&mut self, n: u64, now: Instant) -> Duration {
        let burst = self.rate / 10.0;
        let refill = now.saturating_duration_since(self.last).as_secs_f64() * self.rate;
        self.tokens = (self.tokens + refill).min(burst);
        self.last = now;
        self.tokens -= n as f64;
        if self.tokens < 0.0 {
            Duration::from_secs_f64(-self.tokens / self.rate)
        } else {
            Duration::ZERO
        }
    }
}

/// A [`Pace`] shared by several tasks, on the real clock.
pub(crate) struct Bucket {
    pace: Mutex<Pace>,
}

impl Bucket {
    pub(crate) fn new(rate: u64) -> Bucket {
        Bucket {
            pace: Mutex::new(Pace::new(rate, Instant::now())),
        }
    }

    /// Takes `n`, sleeping off any debt.
    pub(crate) async fn take(&self, n: u64) {
        let wait = self
            .pace
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take(n, Instant::now());
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Duration, b: Duration) -> bool {
        a.abs_diff(b) < Duration::from_micros(1)
    }

    #[test]
    fn the_long_run_rate_is_exact() {
        let t0 = Instant::now();
        let mut p = Pace::new(1000, t0);
        let mut t = t0;
        // Batches of 100 (what the walker takes at --rate 1000), each taker going on when
        // told: 10,000 keys take exactly 10 s, whatever the batch size.
        for _ in 0..100 {
            t += p.take(100, t);
        }
        assert!(close(t - t0, Duration::from_secs(10)), "{:?}", t - t0);
        let mut p = Pace::new(1000, t0);
        let mut t = t0;
        for n in [1, 999, 250, 750, 3000, 5000] {
            t += p.take(n, t);
        }
        assert!(close(t - t0, Duration::from_secs(10)), "{:?}", t - t0);
    }

    #[test]
    fn debt_makes_the_next_taker_wait() {
        let t0 = Instant::now();
        let mut p = Pace::new(1000, t0);
        // A big batch goes at once and leaves half a second of debt ...
        assert!(close(p.take(500, t0), Duration::from_millis(500)));
        // ... which a small taker 100 ms later inherits (400 ms left, plus its own 10).
        let wait = p.take(10, t0 + Duration::from_millis(100));
        assert!(close(wait, Duration::from_millis(410)), "{wait:?}");
    }

    #[test]
    fn an_idle_bucket_saves_up_a_tenth_of_a_second() {
        let t0 = Instant::now();
        let mut p = Pace::new(1000, t0);
        let later = t0 + Duration::from_secs(60);
        // A minute idle saves 100 (rate/10), not 60,000.
        assert_eq!(p.take(100, later), Duration::ZERO);
        let mut p = Pace::new(1000, t0);
        assert!(close(p.take(1000, later), Duration::from_millis(900)));
        // A clock that goes backwards refills nothing.
        let mut p = Pace::new(1000, later);
        assert!(close(p.take(10, t0), Duration::from_millis(10)));
    }
}
