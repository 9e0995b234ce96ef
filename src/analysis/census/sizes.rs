//! The key-size distribution: a log-linear histogram (exact below 64, then 32 steps per
//! power of two) and its percentiles. Pure data structure.

use crate::ratio;

/// Log-linear histogram of sizes: exact below 64, then 32 steps per power of two (a
/// value is reported as its step's upper bound, at most 3.2% above it).
#[derive(Default)]
pub(super) struct Sizes {
    buckets: Vec<u64>,
    pub(super) max: u64,
}

impl Sizes {
    fn index(v: u64) -> usize {
        if v < 64 {
            return v as usize;
        }
        let e = 63 - v.leading_zeros() as usize; // >= 6
        64 + (e - 6) * 32 + ((v >> (e - 5)) & 31) as usize
    }

    fn upper(i: usize) -> u64 {
        if i < 64 {
            return i as u64;
        }
        let e = (i - 64) / 32 + 6;
        let m = ((i - 64) % 32) as u64;
        ((32 + m + 1) << (e - 5)) - 1
    }

    pub(super) fn add(&mut self, v: u64) {
        let i = Self::index(v);
        if i >= self.buckets.len() {
            self.buckets.resize(i + 1, 0);
        }
        self.buckets[i] += 1;
        self.max = self.max.max(v);
    }

    /// The q-quantile (nearest rank), as its step's upper bound and never above the
    /// largest value seen; 0 when empty.
    pub(super) fn quantile(&self, q: f64) -> u64 {
        let runs = self.buckets.iter().enumerate().map(|(i, &c)| (i, c));
        ratio::of_runs(runs, q).map_or(0, |i| Self::upper(i).min(self.max))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_steps_stay_within_bounds() {
        for v in [
            0u64,
            1,
            63,
            64,
            65,
            100,
            1000,
            4095,
            4096,
            1 << 40,
            u64::MAX >> 1,
        ] {
            let i = Sizes::index(v);
            assert!(Sizes::upper(i) >= v, "{v}");
            assert!(Sizes::upper(i) as f64 <= v as f64 * 1.032 + 1.0, "{v}");
            if i > 0 {
                assert!(Sizes::upper(i - 1) < v, "{v}");
            }
        }
        let mut s = Sizes::default();
        for v in 1..=1000 {
            s.add(v);
        }
        let p50 = s.quantile(0.5);
        assert!((500..=516).contains(&p50), "{p50}");
        assert_eq!(s.quantile(1.0), 1000);
    }
}
