//! When a polling command samples: one poll at the start, then every interval, the last
//! one on the `--duration` deadline. Shared by `stats` and `detect`. Pure.

use std::time::Duration;

/// When the polls happen: one at the start, then every interval, never past
/// `--duration` (the last poll lands on the deadline, so the run ends on time with a
/// shorter last interval), and never in a burst after a stall (a late poll is followed by
/// the next one a whole interval later). Offsets from the start; pure.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Schedule {
    next: Duration,
    interval: Duration,
    deadline: Option<Duration>,
}

impl Schedule {
    pub(crate) fn new(interval: Duration, deadline: Option<Duration>) -> Self {
        Schedule {
            next: Duration::ZERO,
            interval,
            deadline,
        }
    }

    /// When to poll next, and whether that poll is the last.
    pub(crate) fn next_poll(&self) -> (Duration, bool) {
        match self.deadline {
            Some(d) if self.next >= d => (d, true),
            _ => (self.next, false),
        }
    }

    /// After a poll that ended `now` after the start.
    pub(crate) fn advance(&mut self, now: Duration) {
        self.next = (self.next + self.interval).max(now);
    }
}

#[cfg(test)]
mod tests {
    use super::Schedule;
    use std::time::Duration;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// Polls of a run whose polls each take `work` ms.
    fn polls(interval: u64, deadline: Option<u64>, work: u64, max: usize) -> Vec<u64> {
        let mut s = Schedule::new(ms(interval), deadline.map(ms));
        let mut at = Vec::new();
        for _ in 0..max {
            let (t, last) = s.next_poll();
            at.push(t.as_millis() as u64);
            if last {
                break;
            }
            s.advance(t + ms(work));
        }
        at
    }

    #[test]
    fn a_duration_ends_on_time() {
        // --duration 2500ms --interval 1s: three intervals, the last one short.
        assert_eq!(polls(1000, Some(2500), 5, 100), [0, 1000, 2000, 2500]);
        // A duration shorter than the interval still gives one interval.
        assert_eq!(polls(1000, Some(300), 5, 100), [0, 300]);
        assert_eq!(polls(300, Some(900), 5, 100), [0, 300, 600, 900]);
    }

    #[test]
    fn a_stall_is_not_followed_by_a_burst() {
        // Each poll takes 2.6 s against a 1 s interval: the next poll comes when the last
        // one is done, never two at once.
        assert_eq!(polls(1000, None, 2600, 4), [0, 2600, 5200, 7800]);
        assert_eq!(polls(1000, None, 10, 4), [0, 1000, 2000, 3000]);
    }
}
