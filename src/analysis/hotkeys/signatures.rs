//! The storm signatures read off counted traffic: hot keys (share or rate), stampedes
//! (one key overwritten by many clients within a window), penetration candidates (keys
//! read and never written; live runs verify a sample with EXISTS) and the expiry wave
//! (when the TTLs set during the capture fire). Pure: no I/O (the EXISTS check is the
//! caller's).

use serde::Serialize;

use super::{at, ReportConfig};
use crate::analysis::traffic::{AccessStats, Traffic, WriteBurst};
use crate::ratio::pct;
use crate::show;

/// What makes a key hot, a stampede, or a penetration candidate.
#[derive(Debug, Clone)]
pub(crate) struct SignatureConfig {
    /// A key with at least this share of the key accesses is hot...
    pub(crate) threshold_pct: f64,
    /// ...and so is one accessed at least this often per second.
    pub(crate) min_rate: Option<f64>,
    /// A stampede: this many overwrites of one key within the window...
    pub(crate) stampede_min_writes: u32,
    /// ...by at least this many distinct clients.
    pub(crate) stampede_min_clients: u32,
    /// A penetration candidate is read at least this often and never written.
    pub(crate) penetration_min_reads: u64,
}

impl SignatureConfig {
    /// Hot by share, or by rate (a capture without a span has no rate).
    pub(super) fn hot(&self, share_pct: f64, rate: Option<f64>) -> bool {
        share_pct >= self.threshold_pct || self.min_rate.zip(rate).is_some_and(|(m, r)| r >= m)
    }

    pub(super) fn penetration_candidate(&self, s: &AccessStats) -> bool {
        s.writes == 0 && s.reads >= self.penetration_min_reads
    }

    fn stampede(&self, b: &WriteBurst) -> bool {
        b.best.0 >= self.stampede_min_writes && b.best.1 >= self.stampede_min_clients
    }
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub(crate) struct Stampede {
    pub(crate) key: String,
    /// Writes within one window, and by how many distinct clients.
    pub(crate) writes: u32,
    pub(crate) distinct_writers: u32,
    pub(crate) window_start_at: Option<String>,
    pub(crate) reads: u64,
    pub(crate) distinct_clients: u64,
}

#[derive(Debug, Default, Serialize, schemars::JsonSchema)]
pub(crate) struct Penetration {
    /// Keys read at least `min_reads` times and never written in the capture.
    pub(crate) min_reads: u64,
    pub(crate) candidate_keys: u64,
    pub(crate) candidate_reads: u64,
    pub(crate) by_pattern: Vec<PenetrationPattern>,
    /// Live only: a sample of candidates checked with EXISTS.
    pub(crate) verified: Option<Verified>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub(crate) struct PenetrationPattern {
    pub(crate) pattern: String,
    pub(crate) keys: u64,
    pub(crate) reads: u64,
    pub(crate) example_keys: Vec<String>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub(crate) struct Verified {
    pub(crate) sampled: u64,
    pub(crate) missing: u64,
    pub(crate) missing_pct: f64,
    pub(crate) missing_examples: Vec<String>,
}

#[derive(Debug, Default, Serialize, schemars::JsonSchema)]
pub(crate) struct ExpiryWave {
    /// TTLs set during the capture (SET EX/PX/EXAT/PXAT, SETEX, EXPIRE, ...).
    pub(crate) ttls_set: u64,
    #[serde(
        rename = "bucket_ms",
        serialize_with = "crate::show::ms::from_whole_secs"
    )]
    #[schemars(with = "u64")]
    pub(crate) bucket_secs: u64,
    /// The bucket (absolute expiry time) holding the most of them.
    pub(crate) largest: Option<ExpiryBucket>,
    /// Every bucket, in time order.
    pub(crate) buckets: Vec<ExpiryBucket>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub(crate) struct ExpiryBucket {
    pub(crate) expires_at: String,
    pub(crate) ttls: u64,
    pub(crate) share_pct: f64,
}

/// The `top` stampedes, most distinct writers first; none without signatures.
pub(super) fn stampedes(t: &Traffic, sig: Option<&SignatureConfig>, top: usize) -> Vec<Stampede> {
    let Some(sig) = sig else {
        return Vec::new();
    };
    let mut stampedes: Vec<Stampede> = t
        .per_key
        .bursts
        .iter()
        .filter(|(_, b)| sig.stampede(b))
        .map(|(k, b)| {
            let ks = t.per_key.stats.get(k);
            Stampede {
                key: show::key(k),
                writes: b.best.0,
                distinct_writers: b.best.1,
                window_start_at: show::rfc3339_us(b.best.2),
                reads: ks.map_or(0, |s| s.reads),
                distinct_clients: ks.map_or(0, |s| s.distinct_clients().0),
            }
        })
        .collect();
    stampedes.sort_by(|a, b| {
        (b.distinct_writers, b.writes)
            .cmp(&(a.distinct_writers, a.writes))
            .then_with(|| a.key.cmp(&b.key))
    });
    stampedes.truncate(top);
    stampedes
}

/// Candidate keys for EXISTS verification, most-read first, with the node they were seen
/// on; none without signatures.
pub(crate) fn penetration_candidates(
    t: &Traffic,
    cfg: &ReportConfig,
    n: usize,
) -> Vec<(Vec<u8>, u16)> {
    let Some(sig) = &cfg.signatures else {
        return Vec::new();
    };
    let mut c: Vec<(&[u8], &AccessStats)> = t
        .per_key
        .stats
        .iter()
        .filter(|(_, _, s)| sig.penetration_candidate(s))
        .map(|(_, k, s)| (k, s))
        .collect();
    c.sort_unstable_by(|a, b| b.1.reads.cmp(&a.1.reads).then_with(|| a.0.cmp(b.0)));
    c.into_iter()
        .take(n)
        .map(|(k, s)| (k.to_vec(), s.node))
        .collect()
}

pub(super) fn expiry_wave(t: &Traffic) -> ExpiryWave {
    let bucket_secs = t.expiry_bucket_secs();
    let buckets: Vec<ExpiryBucket> = t
        .expiry_buckets
        .iter()
        .map(|(start, n)| ExpiryBucket {
            expires_at: at(*start).unwrap_or_default(),
            ttls: *n,
            share_pct: pct(*n, t.ttls_set),
        })
        .collect();
    let largest = buckets
        .iter()
        .max_by(|a, b| {
            a.ttls
                .cmp(&b.ttls)
                .then_with(|| b.expires_at.cmp(&a.expires_at))
        })
        .cloned();
    ExpiryWave {
        ttls_set: t.ttls_set,
        bucket_secs,
        largest,
        buckets,
    }
}
