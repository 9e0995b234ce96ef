//! Keys, memory and expiry minutes per inferred key pattern (at most 50,000 patterns,
//! then one catch-all), and the pattern table read off them: shares, TTL coverage, how
//! concentrated each pattern's expiries are, TTL percentiles. Pure: patterns come from
//! [`PatternRules`]; expiry minutes count from the scan start given, never the clock.

use std::collections::BTreeMap;

use ahash::AHashMap;
use serde::Serialize;

use crate::analysis::patterns::PatternRules;
use crate::parse::keyfacts::KeyInfo;
use crate::ratio::{self, pct as share};
use crate::show;

/// Distinct patterns tracked; later new ones are counted together.
const MAX_PATTERNS: usize = 50_000;
const OTHER_PATTERNS: &[u8] = b"(other patterns)";

struct PatternAcc {
    pattern: Vec<u8>,
    keys: u64,
    memory: u64,
    no_ttl: u64,
    example: Vec<u8>,
}

/// Keys, memory and expiry minutes per inferred pattern.
pub(super) struct PatternCensus {
    rules: PatternRules,
    patterns: Vec<PatternAcc>,
    ids: AHashMap<Vec<u8>, u32>,
    /// (pattern, minute from start) → (keys, bytes) of keys with a TTL.
    expiry: AHashMap<(u32, u32), (u64, u64)>,
}

impl PatternCensus {
    pub(super) fn new(rules: PatternRules) -> Self {
        PatternCensus {
            rules,
            patterns: Vec::new(),
            ids: AHashMap::new(),
            expiry: AHashMap::new(),
        }
    }

    /// Counts `k` under its pattern; with `start_ms` (expiry accounting), a key with a
    /// TTL also in its expiry minute, counted from the minute of `start_ms`.
    pub(super) fn add(&mut self, k: &KeyInfo, start_ms: Option<u64>) {
        let pid = self.id(&k.key);
        let p = &mut self.patterns[pid as usize];
        p.keys += 1;
        p.memory += k.memory;
        match (k.expires_at_ms, start_ms) {
            (None, _) => p.no_ttl += 1,
            (Some(_), None) => {}
            (Some(at), Some(start_ms)) => {
                let minute = ((at / 60_000).saturating_sub(start_ms / 60_000))
                    .min(u64::from(u32::MAX)) as u32;
                let e = self.expiry.entry((pid, minute)).or_default();
                e.0 += 1;
                e.1 += k.memory;
            }
        }
    }

    /// The pattern's index, made on first sight (past `MAX_PATTERNS`, the catch-all's).
    fn id(&mut self, key: &[u8]) -> u32 {
        let pattern = self.rules.pattern(key);
        if let Some(&id) = self.ids.get(&pattern) {
            return id;
        }
        let pattern = if self.patterns.len() >= MAX_PATTERNS {
            if let Some(&id) = self.ids.get(OTHER_PATTERNS) {
                return id;
            }
            OTHER_PATTERNS.to_vec()
        } else {
            pattern
        };
        let id = self.patterns.len() as u32;
        self.patterns.push(PatternAcc {
            pattern: pattern.clone(),
            keys: 0,
            memory: 0,
            no_ttl: 0,
            example: key.to_vec(),
        });
        self.ids.insert(pattern, id);
        id
    }

    pub(super) fn name(&self, pid: u32) -> String {
        String::from_utf8_lossy(&self.patterns[pid as usize].pattern).into_owned()
    }

    /// The expiry counts regrouped by minute.
    pub(super) fn by_minute(&self, horizon: u32) -> ByMinute {
        let mut by = ByMinute {
            per_pattern: vec![Vec::new(); self.patterns.len()],
            ..ByMinute::default()
        };
        for (&(pid, minute), &(keys, bytes)) in &self.expiry {
            by.per_pattern[pid as usize].push((minute, keys));
            if minute < horizon {
                let t = by.timeline.entry(minute).or_default();
                t.0 += keys;
                t.1 += bytes;
                by.patterns_at
                    .entry(minute)
                    .or_default()
                    .push((pid, keys, bytes));
            } else {
                by.beyond.0 += keys;
                by.beyond.1 += bytes;
            }
        }
        by
    }

    /// The `top` patterns by memory; `per_pattern[i]` is pattern i's (minute, keys).
    pub(super) fn rows(
        &self,
        mut per_pattern: Vec<Vec<(u32, u64)>>,
        top: usize,
        (all_keys, all_memory): (u64, u64),
    ) -> Vec<PatternMemory> {
        let mut order: Vec<usize> = (0..self.patterns.len()).collect();
        order.sort_by(|&a, &b| {
            let (pa, pb) = (&self.patterns[a], &self.patterns[b]);
            pb.memory.cmp(&pa.memory).then(pa.pattern.cmp(&pb.pattern))
        });
        order
            .into_iter()
            .take(top)
            .map(|i| {
                let p = &self.patterns[i];
                let mut mins = std::mem::take(&mut per_pattern[i]);
                mins.sort_unstable();
                let with_ttl: u64 = mins.iter().map(|m| m.1).sum();
                let quantile =
                    |q: f64| ratio::of_runs(mins.iter().copied(), q).map(|m| u64::from(m) * 60);
                PatternMemory {
                    pattern: String::from_utf8_lossy(&p.pattern).into_owned(),
                    keys: p.keys,
                    keys_pct: share(p.keys, all_keys),
                    memory_bytes: p.memory,
                    memory_pct: share(p.memory, all_memory),
                    avg_bytes: p.memory as f64 / p.keys.max(1) as f64,
                    no_ttl_pct: share(p.no_ttl, p.keys),
                    expiry_concentration_pct: (with_ttl > 0)
                        .then(|| share(mins.iter().map(|m| m.1).max().unwrap_or(0), with_ttl)),
                    ttl_p10_secs: (with_ttl > 0).then(|| quantile(0.1)).flatten(),
                    ttl_p90_secs: (with_ttl > 0).then(|| quantile(0.9)).flatten(),
                    example_key: show::key(&p.example),
                }
            })
            .collect()
    }
}

/// Expiry counts regrouped by minute.
#[derive(Default)]
pub(super) struct ByMinute {
    /// Per pattern: (minute, keys), every minute (for concentration and TTL percentiles).
    pub(super) per_pattern: Vec<Vec<(u32, u64)>>,
    /// Minute within the horizon → (keys, bytes).
    pub(super) timeline: BTreeMap<u32, (u64, u64)>,
    /// Minute within the horizon → (pattern, keys, bytes).
    pub(super) patterns_at: BTreeMap<u32, Vec<(u32, u64, u64)>>,
    /// Keys and bytes expiring after the horizon.
    pub(super) beyond: (u64, u64),
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub(crate) struct PatternMemory {
    pub(crate) pattern: String,
    pub(crate) keys: u64,
    pub(crate) keys_pct: f64,
    pub(crate) memory_bytes: u64,
    pub(crate) memory_pct: f64,
    #[serde(rename = "avg_memory_bytes")]
    pub(crate) avg_bytes: f64,
    /// Share of the pattern's keys without a TTL.
    pub(crate) no_ttl_pct: f64,
    /// The largest share of the pattern's keys with a TTL that expire in one minute:
    /// 100% means no jitter at all (they all go together, the avalanche risk).
    pub(crate) expiry_concentration_pct: Option<f64>,
    /// Remaining TTLs of the pattern's keys: 10th and 90th percentile (minute steps).
    #[serde(
        rename = "ttl_p10_ms",
        serialize_with = "crate::show::ms::from_opt_whole_secs"
    )]
    #[schemars(with = "Option<u64>")]
    pub(crate) ttl_p10_secs: Option<u64>,
    #[serde(
        rename = "ttl_p90_ms",
        serialize_with = "crate::show::ms::from_opt_whole_secs"
    )]
    #[schemars(with = "Option<u64>")]
    pub(crate) ttl_p90_secs: Option<u64>,
    pub(crate) example_key: String,
}
