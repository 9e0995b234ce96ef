//! How many distinct keys a count saw once its table stopped holding them all: a
//! HyperLogLog sketch (2^14 one-byte registers, 16 KiB, standard error ~0.8%). The
//! per-key table feeds it only on the slow path (a key not in the table, after the
//! table overflowed), seeded with the keys the table held then, so counting that stays
//! exact never pays for it. Pure.

/// Index bits: 2^14 registers.
const P: u32 = 14;
const M: usize = 1 << P;

/// Fixed seeds: the same keys give the same estimate on every run.
fn hasher() -> ahash::RandomState {
    ahash::RandomState::with_seeds(
        0x6a09_e667_f3bc_c908,
        0xbb67_ae85_84ca_a73b,
        0x3c6e_f372_fe94_f82b,
        0xa54f_f53a_5f1d_36f1,
    )
}

/// A HyperLogLog sketch of a set of keys.
#[derive(Clone)]
pub(crate) struct DistinctKeys {
    hasher: ahash::RandomState,
    registers: Box<[u8]>,
}

impl std::fmt::Debug for DistinctKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DistinctKeys(~{:.0})", self.estimate())
    }
}

impl DistinctKeys {
    pub(crate) fn new() -> Self {
        DistinctKeys {
            hasher: hasher(),
            registers: vec![0; M].into_boxed_slice(),
        }
    }

    /// Notes one key (seeing it again changes nothing).
    pub(crate) fn add(&mut self, key: &[u8]) {
        let h = self.hasher.hash_one(key);
        let idx = (h >> (64 - P)) as usize;
        // The rank of the first 1 bit in the rest (a sentinel bit bounds it).
        let rest = (h << P) | (1 << (P - 1));
        let rank = rest.leading_zeros() as u8 + 1;
        if rank > self.registers[idx] {
            self.registers[idx] = rank;
        }
    }

    /// Takes in another sketch: the result sketches the union of both sets.
    pub(crate) fn merge(&mut self, other: &DistinctKeys) {
        for (a, b) in self.registers.iter_mut().zip(other.registers.iter()) {
            *a = (*a).max(*b);
        }
    }

    /// The estimated number of distinct keys (linear counting while registers are
    /// still empty, where it is the better estimate).
    pub(crate) fn estimate(&self) -> f64 {
        let m = M as f64;
        let mut sum = 0.0;
        let mut zeros = 0usize;
        for &r in self.registers.iter() {
            sum += 1.0 / f64::from(1u32 << r.min(31));
            zeros += usize::from(r == 0);
        }
        let alpha = 0.7213 / (1.0 + 1.079 / m);
        let raw = alpha * m * m / sum;
        if raw <= 2.5 * m && zeros > 0 {
            m * (m / zeros as f64).ln()
        } else {
            raw
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimates_stay_within_a_few_percent() {
        for n in [100u64, 5_000, 60_000, 400_000] {
            let mut d = DistinctKeys::new();
            for i in 0..n {
                d.add(format!("k:{i}").as_bytes());
                // Repeats change nothing.
                d.add(format!("k:{}", i / 2).as_bytes());
            }
            let err = (d.estimate() - n as f64).abs() / n as f64;
            assert!(err < 0.03, "{n} keys estimated as {:.0}", d.estimate());
        }
    }

    #[test]
    fn merging_disjoint_sketches_adds_them_up() {
        let (mut a, mut b) = (DistinctKeys::new(), DistinctKeys::new());
        for i in 0..30_000 {
            a.add(format!("a:{i}").as_bytes());
            b.add(format!("b:{i}").as_bytes());
        }
        a.merge(&b);
        let err = (a.estimate() - 60_000.0).abs() / 60_000.0;
        assert!(err < 0.03, "{:.0}", a.estimate());
    }
}
