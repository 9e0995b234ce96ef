//! The `--source` value source and the target writer: values are read from a peer with
//! DUMP + PTTL and written to the target with RESTORE and the remaining TTL, so every type
//! copies exactly; when the target refuses a payload (a newer engine's DUMP format), that
//! key is copied typed instead, read from the source and written by one script per type.
//!
//! Safety rests here: nothing is ever deleted on either side (no DEL, UNLINK, FLUSH*, no
//! KEYS), and without `overwrite` a key that exists on the target is left alone,
//! atomically (RESTORE without REPLACE; the typed scripts check and write in one step).

mod fetch;
mod restore;
mod scripts;
pub(crate) mod typed;
pub(crate) use typed::copy as typed_copy;

#[cfg(test)]
mod tests;

pub(crate) use fetch::fetch;
#[cfg(test)]
pub(crate) use restore::write;
pub(crate) use restore::{refused, write_node, Step};

#[cfg(test)]
use crate::source::conn::NodeConn;

/// A value as read from the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Fetched {
    /// No such key on the source (DUMP nil, or PTTL -2).
    Missing,
    /// The DUMP payload and the remaining TTL (`None`: the key does not expire).
    Value {
        payload: Vec<u8>,
        pttl_ms: Option<u64>,
    },
    /// A plain value (a file, a command, HTTP), written with SET; its TTL in ms (`None`:
    /// none).
    Plain { value: Vec<u8>, ttl_ms: Option<u64> },
    /// The source answered this key with an error (one line, as the server said it).
    Failed(String),
}

/// How a write treats the target.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct WriteOptions {
    /// Replace a key that exists on the target (default: leave it alone).
    pub(crate) overwrite: bool,
    /// Keys with less TTL left than this are skipped, not written to expire at once.
    pub(crate) min_ttl_ms: u64,
    /// Spread each TTL by up to this share, up or down (`--ttl-jitter`; 0: keep it).
    pub(crate) jitter_pct: f64,
}

impl WriteOptions {
    /// The TTL to write for `key` (0 = none): the remaining one, spread by
    /// [`jittered`] when asked.
    pub(crate) fn ttl_for(&self, key: &[u8], pttl_ms: Option<u64>) -> u64 {
        match pttl_ms {
            Some(ms) if self.jitter_pct > 0.0 => jittered(key, ms, self.jitter_pct),
            Some(ms) => ms,
            None => 0,
        }
    }
}

/// FNV-1a's starting value.
pub(crate) const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a of `bytes`, going on from `h`.
pub(crate) fn fnv1a(mut h: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// `ttl_ms` moved by a share in [-pct, +pct] % that depends on the key alone (FNV-1a of its
/// bytes, mixed), so keys written together get TTLs spread evenly over the band and a rerun
/// gives a key the same one. Never below 1 ms.
pub(crate) fn jittered(key: &[u8], ttl_ms: u64, pct: f64) -> u64 {
    let mut h = fnv1a(FNV_OFFSET, key);
    // splitmix64's finaliser: FNV alone leaves keys that differ in their last byte
    // close together in the high bits.
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^= h >> 31;
    let unit = (h >> 11) as f64 / (1u64 << 53) as f64; // [0, 1)
    let factor = 1.0 + pct / 100.0 * (2.0 * unit - 1.0);
    ((ttl_ms as f64 * factor).round() as u64).max(1)
}

/// What happened to one key on the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Written {
    /// RESTOREd from the DUMP payload; `bytes`: the payload's size.
    Restored { bytes: u64 },
    /// The target refused the payload; copied typed; `bytes`: the value's bytes sent.
    Fallback { bytes: u64 },
    /// The key exists on the target and was left alone (no `overwrite`).
    Exists,
    /// The key is not on the source.
    Missing,
    /// Its remaining TTL is under `min_ttl_ms` (or zero): not written.
    ShortTtl,
    /// Any other refusal, in one line.
    Failed(String),
}

/// Reasons of failure kept apart; keys failing for any further reason are counted under
/// [`OTHER_REASONS`] (a reason that names its key must not grow the tally with the run).
pub(crate) const MAX_REASONS: usize = 20;
/// Failed keys kept per reason, to show.
pub(crate) const FIRST_KEYS: usize = 5;
pub(crate) const OTHER_REASONS: &str = "other reasons";

/// Keys that failed for one reason.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Failed {
    pub(crate) reason: String,
    pub(crate) count: u64,
    /// The first [`FIRST_KEYS`].
    pub(crate) first_keys: Vec<Vec<u8>>,
}

/// The tally of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct BatchResult {
    /// Keys written, typed fallbacks included.
    pub(crate) written: u64,
    /// Of `written`, those copied typed because the target refused the DUMP payload.
    pub(crate) fallback: u64,
    pub(crate) exists: u64,
    pub(crate) missing: u64,
    pub(crate) short_ttl: u64,
    /// Keys failed, and by reason (bounded: [`MAX_REASONS`]).
    pub(crate) failed: u64,
    pub(crate) failures: Vec<Failed>,
    /// Value bytes sent to the target (DUMP payloads, or the typed values' elements).
    pub(crate) bytes: u64,
}

impl BatchResult {
    /// Adds one key's outcome.
    pub(crate) fn add(&mut self, key: &[u8], w: &Written) {
        match w {
            Written::Restored { bytes } => {
                self.written += 1;
                self.bytes += bytes;
            }
            Written::Fallback { bytes } => {
                self.written += 1;
                self.fallback += 1;
                self.bytes += bytes;
            }
            Written::Exists => self.exists += 1,
            Written::Missing => self.missing += 1,
            Written::ShortTtl => self.short_ttl += 1,
            Written::Failed(why) => self.fail(key, why),
        }
    }

    /// Counts a failed key under its reason.
    pub(crate) fn fail(&mut self, key: &[u8], why: &str) {
        self.failed += 1;
        let i = match self.failures.iter().position(|f| f.reason == why) {
            Some(i) => i,
            None if self.failures.len() < MAX_REASONS => {
                self.failures.push(Failed {
                    reason: why.to_string(),
                    ..Failed::default()
                });
                self.failures.len() - 1
            }
            None => match self.failures.iter().position(|f| f.reason == OTHER_REASONS) {
                Some(i) => i,
                None => {
                    self.failures.push(Failed {
                        reason: OTHER_REASONS.into(),
                        ..Failed::default()
                    });
                    self.failures.len() - 1
                }
            },
        };
        let f = &mut self.failures[i];
        f.count += 1;
        if f.first_keys.len() < FIRST_KEYS {
            f.first_keys.push(key.to_vec());
        }
    }
}

/// A source and a target connection with the write options: copies batches of keys (the
/// copy tests' harness; a run goes through `warm::route`).
#[cfg(test)]
#[derive(Clone)]
pub(crate) struct Copier {
    pub(crate) source: NodeConn,
    pub(crate) target: NodeConn,
    pub(crate) opts: WriteOptions,
}

#[cfg(test)]
impl Copier {
    /// Copies `keys`: one pipelined round trip to the source (DUMP + PTTL), one to the
    /// target (RESTORE), and for refused payloads three more (TYPE, the typed reads, the
    /// scripts). An error is the connection's (unreachable, timed out): per-key refusals
    /// are counted in the result.
    #[cfg(test)]
    pub(crate) async fn copy_batch(
        &mut self,
        keys: &[Vec<u8>],
    ) -> Result<BatchResult, crate::error::Error> {
        let (items, written) = self.copy_keys(keys).await?;
        let mut r = BatchResult::default();
        for ((key, _), w) in items.iter().zip(&written) {
            r.add(key, w);
        }
        Ok(r)
    }

    /// As [`Copier::copy_batch`], each key's outcome in the order of `keys`.
    #[cfg(test)]
    pub(crate) async fn copy_keys(
        &mut self,
        keys: &[Vec<u8>],
    ) -> Result<(Vec<(Vec<u8>, Fetched)>, Vec<Written>), crate::error::Error> {
        let refs: Vec<&[u8]> = keys.iter().map(Vec::as_slice).collect();
        let fetched = fetch(&mut self.source, &refs, false).await?;
        let items: Vec<_> = keys.iter().cloned().zip(fetched).collect();
        let written = write(&mut self.source, &mut self.target, &items, self.opts).await?;
        Ok((items, written))
    }
}

#[cfg(test)]
mod tally_tests {
    use super::*;

    #[test]
    fn failures_are_kept_by_reason_and_bounded() {
        let mut t = BatchResult::default();
        for i in 0..1000u32 {
            // A reason that names its key: one reason per key.
            t.add(&i.to_be_bytes(), &Written::Failed(format!("no row {i}")));
        }
        t.add(b"k", &Written::Failed("no row 3".into()));
        assert_eq!(t.failed, 1001);
        assert_eq!(t.failures.len(), MAX_REASONS + 1);
        let other = t.failures.last().unwrap();
        assert_eq!((other.reason.as_str(), other.count), (OTHER_REASONS, 980));
        assert_eq!(other.first_keys.len(), FIRST_KEYS);
        assert_eq!(t.failures[3].count, 2);
    }
}

#[cfg(test)]
mod jitter_tests {
    use super::jittered;

    #[test]
    fn spread_inside_the_band_and_stable_per_key() {
        let ttls: Vec<u64> = (0..1000)
            .map(|i| jittered(format!("k:{i}").as_bytes(), 100_000, 10.0))
            .collect();
        assert!(ttls.iter().all(|t| (90_000..=110_000).contains(t)));
        let (lo, hi) = (ttls.iter().min().unwrap(), ttls.iter().max().unwrap());
        assert!(*lo < 92_000 && *hi > 108_000, "{lo} {hi}");
        assert_eq!(
            jittered(b"k:1", 100_000, 10.0),
            jittered(b"k:1", 100_000, 10.0)
        );
        assert_eq!(jittered(b"k", 1, 50.0).max(1), jittered(b"k", 1, 50.0));
    }
}
