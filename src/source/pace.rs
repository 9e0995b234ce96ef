//! Pacing: "at most `rate` per second over everyone who shares this", in evenly spaced
//! steps. Each taker of `n` gets the next free slot and holds the `n / rate` seconds after
//! it, so takers of one batch each go one batch's time apart: nothing is saved up while
//! idle (beyond a slack of 2 ms for timers that oversleep), so what a server gets at once
//! is about one batch. (A token bucket that saves up
//! a tenth of a second turned `--rate` into bursts of thousands of commands in one
//! pipeline: throttling made the latency other clients saw worse.)
//!
//! The arithmetic ([`Pace`]) takes the time as an argument and is tested without sleeping;
//! [`Bucket`] is the shared, sleeping wrapper. Must not: know what is being paced.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The schedule and its arithmetic: pure, the clock comes in as `now`.
#[derive(Debug, Clone)]
pub(crate) struct Pace {
    /// Per second (at least 1).
    rate: f64,
    /// When the next taker may go: the end of the last slot handed out.
    next: Instant,
    /// How late a taker may be and still keep its slot (a timer that overslept catches
    /// up); any later and the time is lost, so an idle spell saves up nothing.
    slack: Duration,
}

impl Pace {
    pub(crate) fn new(rate: u64, slack: Duration, now: Instant) -> Pace {
        Pace {
            rate: rate.max(1) as f64,
            next: now,
            slack,
        }
    }

    /// Takes `n` at `now`; returns how long the taker must wait before going on (zero when
    /// its slot has come). The slot it gets lasts `n / rate`.
    pub(crate) fn take(&mut self, n: u64, now: Instant) -> Duration {
        let start = self.next.max(now.checked_sub(self.slack).unwrap_or(now));
        self.next = start + Duration::from_secs_f64(n as f64 / self.rate);
        start.saturating_duration_since(now)
    }
}

/// A [`Pace`] shared by several tasks, on the real clock.
pub(crate) struct Bucket {
    pace: Mutex<Pace>,
}

impl Bucket {
    pub(crate) fn new(rate: u64) -> Bucket {
        Bucket {
            pace: Mutex::new(Pace::new(rate, Self::SLACK, Instant::now())),
        }
    }

    /// The shortest wait worth sleeping: tokio's timer counts whole milliseconds, so a
    /// shorter sleep would last a millisecond anyway and cap the rate far below the one
    /// asked. A shorter wait is not slept; the schedule keeps it, so the next taker's wait
    /// (over a millisecond by then) covers it: the rate holds, and what goes ahead of the
    /// schedule is at most a millisecond's worth.
    pub(crate) const MIN_SLEEP: Duration = Duration::from_millis(1);

    /// How late a taker may be and keep its slot: a sleep of tokio's lasts up to a
    /// millisecond more than asked (its timer ticks in whole ones), plus the wake-up.
    pub(crate) const SLACK: Duration = Duration::from_millis(2);

    /// Takes `n`, sleeping until its slot (unless it is under [`Self::MIN_SLEEP`] away).
    pub(crate) async fn take(&self, n: u64) {
        let wait = self
            .pace
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take(n, Instant::now());
        if wait >= Self::MIN_SLEEP {
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

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn the_long_run_rate_is_exact() {
        let t0 = Instant::now();
        let mut p = Pace::new(1000, Duration::ZERO, t0);
        let mut t = t0;
        // Batches of 100, each taker going on when told: the 100th starts at 9.9 s, so
        // 10,000 keys are done by 10 s, whatever the batch size.
        for _ in 0..100 {
            t += p.take(100, t);
        }
        assert!(close(t - t0, 9900 * MS), "{:?}", t - t0);
        let mut p = Pace::new(1000, Duration::ZERO, t0);
        let mut t = t0;
        for n in [1, 999, 250, 750, 3000, 5000] {
            t += p.take(n, t);
        }
        assert!(close(t - t0, 5000 * MS), "{:?}", t - t0);
    }

    #[test]
    fn batches_are_spaced_evenly_and_never_bunch_up() {
        let t0 = Instant::now();
        let mut p = Pace::new(10_000, Duration::ZERO, t0);
        // Takers of 20 keys at 10,000/s go 2 ms apart however early they ask ...
        let starts: Vec<Duration> = (0..5).map(|_| p.take(20, t0)).collect();
        let want: Vec<Duration> = (0..5).map(|i| 2 * i * MS).collect();
        assert!(
            starts.iter().zip(&want).all(|(a, b)| close(*a, *b)),
            "{starts:?}"
        );
        // ... and a taker that comes late goes at once, but saves nothing for the next.
        let late = t0 + Duration::from_secs(60);
        assert_eq!(p.take(20, late), Duration::ZERO);
        assert!(close(p.take(20, late), 2 * MS));
    }

    #[test]
    fn a_clock_that_goes_backwards_gives_no_slot_early() {
        let t0 = Instant::now();
        let later = t0 + Duration::from_secs(1);
        let mut p = Pace::new(1000, Duration::ZERO, later);
        assert!(close(p.take(10, t0), Duration::from_secs(1)));
        assert!(close(p.take(10, later), 10 * MS));
    }

    #[test]
    fn a_late_taker_within_the_slack_keeps_its_slot() {
        let t0 = Instant::now();
        let mut p = Pace::new(1000, MS, t0);
        assert_eq!(p.take(10, t0), Duration::ZERO);
        // Its slot ended at 10 ms; woken at 10.6 ms (a timer's overshoot) it still starts
        // at 10 ms, so the next slot ends at 20 ms, not 20.6 ms: the rate holds.
        let woke = t0 + Duration::from_micros(10_600);
        assert_eq!(p.take(10, woke), Duration::ZERO);
        assert!(close(p.take(10, woke), Duration::from_micros(9_400)));
        // Later than the slack, the lost time stays lost (at most 1 ms is made up).
        let late = t0 + Duration::from_secs(5);
        assert_eq!(p.take(10, late), Duration::ZERO);
        assert!(close(p.take(10, late), 9 * MS));
    }
}
