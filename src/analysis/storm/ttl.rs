//! A TTL sample (`detect --ttl-sample`, `--deep`): when the keys of a throttled SCAN sample
//! expire, in 10-second buckets, and the cliff in it — a bucket holding a large share of
//! the sampled keys with a TTL, the avalanche still to come. Pure.

use crate::parse::keyfacts::KeyInfo;
use crate::parse::recording::TtlSample;

/// Bucket width, seconds.
pub(crate) const BUCKET_SECS: u64 = 10;

/// Builds a node's sample from its keys.
#[derive(Debug, Default)]
pub(crate) struct TtlBuilder {
    keys: u64,
    expiries: std::collections::BTreeMap<u64, u64>,
}

impl TtlBuilder {
    pub(crate) fn add(&mut self, k: &KeyInfo) {
        self.keys += 1;
        if let Some(at) = k.expires_at_ms {
            let bucket = at / 1000 / BUCKET_SECS * BUCKET_SECS;
            *self.expiries.entry(bucket).or_default() += 1;
        }
    }

    pub(crate) fn finish(self) -> TtlSample {
        TtlSample {
            keys: self.keys,
            with_ttl: self.expiries.values().sum(),
            buckets: self.expiries.into_iter().collect(),
        }
    }
}

/// The busiest bucket at or after `now` and within `horizon` seconds: (bucket start, keys,
/// share % of the keys with a TTL), when the sample has 100 keys with a TTL or more.
pub(crate) fn cliff(s: &TtlSample, now: f64, horizon: f64) -> Option<(u64, u64, f64)> {
    if s.with_ttl < 100 {
        return None;
    }
    s.buckets
        .iter()
        .filter(|(b, _)| (*b + BUCKET_SECS) as f64 >= now && (*b as f64) <= now + horizon)
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|(b, n)| (*b, *n, crate::ratio::pct(*n, s.with_ttl)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_busiest_bucket_ahead() {
        let s = TtlSample {
            keys: 1000,
            with_ttl: 400,
            buckets: vec![(990, 300), (1000, 50), (1100, 50)],
        };
        // At 995 the 990 bucket is still ahead (it runs to 1000).
        assert_eq!(cliff(&s, 995.0, 3600.0), Some((990, 300, 75.0)));
        assert_eq!(cliff(&s, 1005.0, 3600.0), Some((1000, 50, 12.5)));
        assert_eq!(cliff(&s, 1005.0, 10.0), Some((1000, 50, 12.5)));
        let few = TtlSample { with_ttl: 10, ..s };
        assert_eq!(cliff(&few, 995.0, 3600.0), None);
    }
}
