//! The latency guard of anything that loads a server (the keyspace walk, warming):
//! [`Probe`] PINGs the node every 25 ms on a side connection, from a thread of its own so
//! that the caller's own work never delays (or inflates) the measurement: it is what
//! another client of the node sees. [`Backoff`] turns the recent latency into the next
//! step: while it is above the limit, batches halve (down to 10) and a pause that doubles
//! from 50 ms to 1 s precedes each; under half the limit, batches grow back and the pause
//! resets. `Backoff` is pure. Must not: read or write data.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::conn::connect;
use crate::endpoint::{ConnectOptions, Endpoint};

const EVERY: Duration = Duration::from_millis(25);
/// "Recent" is the largest of this many last PINGs.
const RECENT: usize = 8;

/// PING latency quantiles over a probe's life, in ms.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Latency {
    pub(crate) p50_ms: f64,
    pub(crate) p99_ms: f64,
    pub(crate) max_ms: f64,
}

/// A running side probe of one node.
pub(crate) struct Probe {
    /// The largest of the last [`RECENT`] PINGs, in µs (0: no probe).
    recent_us: Arc<AtomicU64>,
    all_us: Arc<Mutex<Vec<u64>>>,
    stop: Arc<AtomicBool>,
}

impl Probe {
    /// Starts probing `ep`. A probe that cannot connect reports no latency (zero), so it
    /// never holds the caller back.
    pub(crate) fn start(ep: &Endpoint, o: &ConnectOptions) -> Probe {
        let probe = Probe {
            recent_us: Arc::new(AtomicU64::new(0)),
            all_us: Arc::new(Mutex::new(Vec::new())),
            stop: Arc::new(AtomicBool::new(false)),
        };
        let (recent, all, halt, ep, o) = (
            probe.recent_us.clone(),
            probe.all_us.clone(),
            probe.stop.clone(),
            ep.clone(),
            o.clone(),
        );
        let spawned = std::thread::Builder::new()
            .name("latency-probe".into())
            .spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                rt.block_on(ping_loop(ep, o, recent, all, halt));
            });
        if spawned.is_err() {
            probe.stop.store(true, Ordering::Relaxed);
        }
        probe
    }

    /// The largest of the last few PINGs.
    pub(crate) fn recent(&self) -> Duration {
        Duration::from_micros(self.recent_us.load(Ordering::Relaxed))
    }

    /// Stops probing; the latency seen (None: no PING answered).
    pub(crate) fn finish(self) -> Option<Latency> {
        self.stop.store(true, Ordering::Relaxed);
        let mut v = std::mem::take(&mut *self.all_us.lock().unwrap_or_else(|e| e.into_inner()));
        v.sort_unstable();
        let q = |p: f64| crate::ratio::of_sorted(&v, p).map(|us| us as f64 / 1000.0);
        Some(Latency {
            p50_ms: q(0.5)?,
            p99_ms: q(0.99)?,
            max_ms: q(1.0)?,
        })
    }
}

impl Drop for Probe {
    /// A probe dropped without [`Probe::finish`] (its caller's work was dropped) stops
    /// too.
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// PINGs every [`EVERY`] until `halt`, connecting again after a lost connection.
async fn ping_loop(
    ep: Endpoint,
    o: ConnectOptions,
    recent: Arc<AtomicU64>,
    all: Arc<Mutex<Vec<u64>>>,
    halt: Arc<AtomicBool>,
) {
    let Ok(mut c) = connect(&ep, &o).await else {
        return;
    };
    let mut ring = [0u64; RECENT];
    let mut i = 0;
    let mut tick = tokio::time::interval(EVERY);
    while !halt.load(Ordering::Relaxed) {
        tick.tick().await;
        let t = Instant::now();
        let answer = c.query::<()>(&redis::cmd("PING")).await;
        let us = t.elapsed().as_micros() as u64;
        match answer {
            // A PING that timed out counts for how long it took: the slowest answer
            // there is.
            Ok(()) => {}
            Err(e) if e.to_string().contains("timed out") => {}
            // A lost connection says nothing about latency: connect again and go on
            // (a latency frozen at its last value would hold the caller back, or let it
            // go, for the rest of its run).
            Err(_) => {
                tokio::time::sleep(EVERY * 10).await;
                if let Ok(again) = connect(&ep, &o).await {
                    c = again;
                }
                continue;
            }
        }
        ring[i % RECENT] = us;
        i += 1;
        recent.store(ring.iter().copied().max().unwrap_or(0), Ordering::Relaxed);
        all.lock().unwrap_or_else(|e| e.into_inner()).push(us);
    }
}

/// What to do before the next batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// Latency is acceptable: send a batch of this size now.
    Go { batch: u64 },
    /// Latency is over the limit: wait `pause`, then send a batch of this size.
    Wait { batch: u64, pause: Duration },
}

/// The back-off rule: batch size and pause from the recent latency. Pure.
#[derive(Debug, Clone)]
pub(crate) struct Backoff {
    max_latency: Duration,
    /// The batch size asked for, which it grows back to.
    full: u64,
    batch: u64,
    pause: Duration,
}

impl Backoff {
    pub(crate) const MIN_BATCH: u64 = 10;
    pub(crate) const MIN_PAUSE: Duration = Duration::from_millis(50);
    pub(crate) const MAX_PAUSE: Duration = Duration::from_secs(1);

    /// Batches of `batch` (at least 1) while the latency stays under `max_latency`.
    pub(crate) fn new(batch: u64, max_latency: Duration) -> Backoff {
        let full = batch.max(1);
        Backoff {
            max_latency,
            full,
            batch: full,
            pause: Duration::ZERO,
        }
    }

    /// The current batch size.
    pub(crate) fn batch(&self) -> u64 {
        self.batch
    }

    /// The step for a `recent` latency (the largest of the last few probes).
    pub(crate) fn next(&mut self, recent: Duration) -> Step {
        if recent > self.max_latency {
            // Never above the batch asked for: backing off must not make a small batch
            // bigger.
            self.batch = (self.batch / 2).max(Self::MIN_BATCH.min(self.full));
            self.pause = (self.pause * 2).clamp(Self::MIN_PAUSE, Self::MAX_PAUSE);
            return Step::Wait {
                batch: self.batch,
                pause: self.pause,
            };
        }
        if recent < self.max_latency / 2 {
            self.batch = (self.batch * 2).min(self.full);
            self.pause = Duration::ZERO;
        }
        Step::Go { batch: self.batch }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn slow_pings_halve_the_batch_and_double_the_pause() {
        let mut b = Backoff::new(1000, 5 * MS);
        assert_eq!(b.next(MS), Step::Go { batch: 1000 });
        let waits: Vec<Step> = (0..8).map(|_| b.next(20 * MS)).collect();
        let want = [
            (500, 50),
            (250, 100),
            (125, 200),
            (62, 400),
            (31, 800),
            (15, 1000),
            (10, 1000),
            (10, 1000),
        ];
        for (got, (batch, pause)) in waits.iter().zip(want) {
            assert_eq!(
                *got,
                Step::Wait {
                    batch,
                    pause: pause * MS
                }
            );
        }
    }

    #[test]
    fn under_half_the_limit_it_grows_back_and_the_pause_resets() {
        let mut b = Backoff::new(1000, 4 * MS);
        for _ in 0..3 {
            b.next(9 * MS);
        }
        assert_eq!(b.batch(), 125);
        // Between half the limit and the limit: hold (no growth, no wait).
        assert_eq!(b.next(3 * MS), Step::Go { batch: 125 });
        assert_eq!(
            b.next(9 * MS),
            Step::Wait {
                batch: 62,
                pause: 400 * MS
            }
        );
        let grown: Vec<Step> = (0..6).map(|_| b.next(MS)).collect();
        assert_eq!(grown[0], Step::Go { batch: 124 });
        assert_eq!(grown[4], Step::Go { batch: 1000 });
        assert_eq!(grown[5], Step::Go { batch: 1000 });
        // The pause starts over from 50 ms.
        assert_eq!(
            b.next(9 * MS),
            Step::Wait {
                batch: 500,
                pause: 50 * MS
            }
        );
    }

    #[test]
    fn batches_below_the_floor() {
        // A --count under 10 stays at the count while backing off (only the pause grows).
        let mut b = Backoff::new(4, 5 * MS);
        assert_eq!(
            b.next(6 * MS),
            Step::Wait {
                batch: 4,
                pause: 50 * MS
            }
        );
        assert_eq!(b.next(Duration::ZERO), Step::Go { batch: 4 });
        assert_eq!(Backoff::new(0, MS).batch(), 1);
    }
}
