//! Totals for `--sample`: memory and keys per type extrapolated from the sampled keys to
//! each node's DBSIZE (stratified by node; normal 95% intervals with the finite-population
//! correction). Pure: DBSIZE comes in as numbers read by the caller.

use std::collections::BTreeMap;

use serde::Serialize;

use super::Census;
use crate::parse::keyfacts::{KeyInfo, KeyType};

/// z for a two-sided 95% normal interval.
const Z95: f64 = 1.959_964;

/// Count, sum and sum of squares: enough for a mean and its confidence interval.
#[derive(Debug, Clone, Copy, Default)]
struct Moments {
    n: u64,
    sum: f64,
    sumsq: f64,
}

impl Moments {
    fn add(&mut self, x: f64) {
        self.n += 1;
        self.sum += x;
        self.sumsq += x * x;
    }

    /// (estimate, variance) of the total over `big_n` keys from the node's `n` sampled
    /// ones, with `fpc` the finite-population correction.
    fn total(&self, n: u64, big_n: f64, fpc: f64) -> Sum {
        let nf = n as f64;
        let mean = self.sum / nf;
        let var = if n > 1 {
            ((self.sumsq - nf * mean * mean) / (nf - 1.0)).max(0.0)
        } else {
            0.0
        };
        (big_n * mean, big_n * big_n * var / nf * fpc)
    }
}

/// One node's sample: every key's memory, and per type memory-or-zero and one-or-zero.
#[derive(Default)]
pub(super) struct Sample {
    all: Moments,
    by_type: BTreeMap<KeyType, (Moments, Moments)>,
}

impl Sample {
    /// Every key counted on the node (sampled or not) adds its memory here.
    pub(super) fn add(&mut self, memory: u64) {
        self.all.add(memory as f64);
    }

    /// The per-type part of a sampled key, before [`Sample::add`] counts it.
    fn add_typed(&mut self, kind: &KeyType, memory: u64) {
        // Every type seen on this node gets a zero for this key unless it is the key's.
        let prev_n = self.all.n; // keys before this one
        for (k, (m, c)) in self.by_type.iter_mut() {
            if k != kind {
                m.add(0.0);
                c.add(0.0);
            }
        }
        let (m, c) = self.by_type.entry(kind.clone()).or_insert_with(|| {
            // A type first seen now had zeros for every earlier key.
            let zeros = Moments {
                n: prev_n,
                ..Moments::default()
            };
            (zeros, zeros)
        });
        m.add(memory as f64);
        c.add(1.0);
    }
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub(crate) struct Interval {
    pub(crate) estimate: f64,
    /// 95% confidence interval half-width.
    pub(crate) ci95: f64,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub(crate) struct TypeEstimate {
    #[serde(rename = "type")]
    pub(crate) kind: String,
    pub(crate) keys: Interval,
    pub(crate) memory_bytes: Interval,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub(crate) struct Extrapolation {
    pub(crate) note: &'static str,
    pub(crate) sampled_keys: u64,
    pub(crate) total_keys: u64,
    pub(crate) memory_bytes: Interval,
    pub(crate) types: Vec<TypeEstimate>,
}

/// (estimate, variance) sums over nodes.
type Sum = (f64, f64);

fn add_to(s: &mut Sum, (e, v): Sum) {
    s.0 += e;
    s.1 += v;
}

fn interval((e, v): Sum) -> Interval {
    Interval {
        estimate: e.round(),
        ci95: (Z95 * v.sqrt()).round(),
    }
}

impl Census {
    /// Per-type moments per node, which extrapolation needs. Kept apart from `add` so a
    /// scan without `--sample` does not pay for them.
    pub(crate) fn add_sampled(&mut self, k: KeyInfo) {
        if let Some(n) = self.nodes.get_mut(usize::from(k.node)) {
            n.sample.add_typed(&k.kind, k.memory);
        }
        self.add(k);
    }

    /// Totals extrapolated to each node's DBSIZE from the keys sampled there (stratified
    /// by node; normal 95% intervals with the finite-population correction). Only keys
    /// added with [`Census::add_sampled`] count.
    pub(crate) fn extrapolate(&self, dbsize: &[u64]) -> Extrapolation {
        let mut mem: Sum = (0.0, 0.0);
        // Per type: memory and key count.
        let mut types: BTreeMap<&KeyType, (Sum, Sum)> = BTreeMap::new();
        let mut sampled = 0;
        let mut total = 0;
        for (acc, &big_n) in self.nodes.iter().zip(dbsize) {
            total += big_n;
            let s = &acc.sample;
            let n = s.all.n;
            sampled += n;
            if n == 0 {
                continue;
            }
            let nn = big_n.max(n) as f64;
            let fpc = if nn > 1.0 {
                ((nn - n as f64) / (nn - 1.0)).max(0.0)
            } else {
                0.0
            };
            add_to(&mut mem, s.all.total(n, nn, fpc));
            for (kind, (m, c)) in &s.by_type {
                let t = types.entry(kind).or_default();
                add_to(&mut t.0, m.total(n, nn, fpc));
                add_to(&mut t.1, c.total(n, nn, fpc));
            }
        }
        Extrapolation {
            note: "totals extrapolated from the sampled keys to each node's DBSIZE (95% confidence intervals)",
            sampled_keys: sampled,
            total_keys: total,
            memory_bytes: interval(mem),
            types: types
                .into_iter()
                .map(|(k, (m, c))| TypeEstimate {
                    kind: k.as_str().to_string(),
                    keys: interval(c),
                    memory_bytes: interval(m),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{cfg, key, rules};
    use super::*;

    #[test]
    fn extrapolation_brackets_the_truth() {
        let mut c = Census::new(cfg(), rules());
        // Half strings of 100 bytes, half hashes of 300 bytes; 1,000 of 10,000 sampled.
        for i in 0..1000u64 {
            let (kind, mem) = if i % 2 == 0 {
                (KeyType::String, 100)
            } else {
                (KeyType::Hash, 300)
            };
            c.add_sampled(key(&format!("k:{i}"), kind, mem, 1, None));
        }
        let e = c.extrapolate(&[10_000, 0]);
        assert_eq!(e.total_keys, 10_000);
        assert_eq!(e.memory_bytes.estimate, 2_000_000.0);
        assert!(e.memory_bytes.ci95 > 0.0);
        let h = e.types.iter().find(|t| t.kind == "hash").unwrap();
        assert_eq!(h.keys.estimate, 5_000.0);
        assert!(
            h.keys.ci95 > 100.0 && h.keys.ci95 < 500.0,
            "{}",
            h.keys.ci95
        );
    }
}
