//! The `keyspace` report from a census: keys, memory and TTLs per pattern (with how
//! concentrated each pattern's expiries are), the per-minute expiry timeline within the
//! horizon, and its cliffs (minutes where a large share of the TTL keys expire at once).
//! Pure: minutes count from the scan start the caller gives; no clock, no I/O.

use std::collections::BTreeMap;

use ahash::AHashMap;
use serde::Serialize;

use super::{Census, TimelineConfig};
use crate::analysis::patterns::PatternRules;
use crate::parse::keyfacts::KeyInfo;
use crate::ratio::{self, pct as share};
use crate::show;

/// Distinct patterns tracked; later new ones are counted together.
const MAX_PATTERNS: usize = 50_000;
const OTHER_PATTERNS: &[u8] = b"(other patterns)";
/// Patterns named per cliff (the most keys first).
const CLIFF_PATTERNS: usize = 10;

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

    fn name(&self, pid: u32) -> String {
        String::from_utf8_lossy(&self.patterns[pid as usize].pattern).into_owned()
    }

    /// The expiry counts regrouped by minute.
    fn by_minute(&self, horizon: u32) -> ByMinute {
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
    fn rows(
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
struct ByMinute {
    /// Per pattern: (minute, keys), every minute (for concentration and TTL percentiles).
    per_pattern: Vec<Vec<(u32, u64)>>,
    /// Minute within the horizon → (keys, bytes).
    timeline: BTreeMap<u32, (u64, u64)>,
    /// Minute within the horizon → (pattern, keys, bytes).
    patterns_at: BTreeMap<u32, Vec<(u32, u64, u64)>>,
    /// Keys and bytes expiring after the horizon.
    beyond: (u64, u64),
}

#[derive(Debug, Serialize)]
pub(crate) struct PatternMemory {
    pub(crate) pattern: String,
    pub(crate) keys: u64,
    pub(crate) keys_pct: f64,
    pub(crate) memory_bytes: u64,
    pub(crate) memory_pct: f64,
    pub(crate) avg_bytes: f64,
    /// Share of the pattern's keys without a TTL.
    pub(crate) no_ttl_pct: f64,
    /// The largest share of the pattern's keys with a TTL that expire in one minute:
    /// 100% means no jitter at all (they all go together, the avalanche risk).
    pub(crate) expiry_concentration_pct: Option<f64>,
    /// Remaining TTLs of the pattern's keys: 10th and 90th percentile (minute steps).
    pub(crate) ttl_p10_secs: Option<u64>,
    pub(crate) ttl_p90_secs: Option<u64>,
    pub(crate) example_key: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct ExpiryMinute {
    pub(crate) at: String,
    pub(crate) minutes_from_start: u32,
    pub(crate) keys: u64,
    pub(crate) bytes: u64,
}

#[derive(Debug, Serialize)]
pub(crate) struct CliffPattern {
    pub(crate) pattern: String,
    pub(crate) keys: u64,
    pub(crate) bytes: u64,
}

#[derive(Debug, Serialize)]
pub(crate) struct Cliff {
    pub(crate) at: String,
    pub(crate) minutes_from_start: u32,
    pub(crate) keys: u64,
    /// Of all keys with a TTL.
    pub(crate) keys_pct: f64,
    pub(crate) bytes: u64,
    pub(crate) bytes_pct: f64,
    pub(crate) patterns: Vec<CliffPattern>,
}

#[derive(Debug, Serialize)]
pub(crate) struct TtlSummary {
    pub(crate) keys_with_ttl: u64,
    pub(crate) keys_without_ttl: u64,
    pub(crate) bytes_with_ttl: u64,
    /// Keys with a TTL that expire after the horizon.
    pub(crate) beyond_horizon_keys: u64,
    pub(crate) beyond_horizon_bytes: u64,
}

#[derive(Debug, Serialize)]
pub(crate) struct KeyspaceReport {
    /// Keys measured (scanned and not vanished).
    pub(crate) keys_counted: u64,
    pub(crate) memory_bytes: u64,
    pub(crate) ttl: TtlSummary,
    pub(crate) patterns: Vec<PatternMemory>,
    pub(crate) horizon_mins: u32,
    pub(crate) cliff_pct: f64,
    pub(crate) cliff_min_keys: u64,
    /// Non-empty minutes within the horizon, in time order.
    pub(crate) expiry_timeline: Vec<ExpiryMinute>,
    pub(crate) cliffs: Vec<Cliff>,
}

/// The start of minute `minute` from the scan start, RFC 3339.
fn minute_at(start_ms: u64, minute: u32) -> String {
    let ms = (start_ms / 60_000 + u64::from(minute)) * 60_000;
    chrono::DateTime::from_timestamp_millis(ms as i64)
        .map(show::rfc3339)
        .unwrap_or_default()
}

impl Census {
    /// Minutes holding at least `cliff_pct` of the TTL keys or bytes (and at least
    /// `cliff_min_keys` keys), each with its patterns, most keys first.
    fn cliffs(&self, start_ms: u64, tl: &TimelineConfig, by: &mut ByMinute) -> Vec<Cliff> {
        let (pct, min_keys) = (tl.cliff_pct, tl.cliff_min_keys);
        let name = |pid: u32| {
            self.patterns
                .as_ref()
                .map(|p| p.name(pid))
                .unwrap_or_default()
        };
        let mut cliffs = Vec::new();
        for (&minute, &(keys, bytes)) in &by.timeline {
            let big = share(keys, self.ttl_keys) >= pct || share(bytes, self.ttl_bytes) >= pct;
            if keys < min_keys || !big {
                continue;
            }
            let mut ps = by.patterns_at.remove(&minute).unwrap_or_default();
            ps.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.cmp(&a.2)));
            cliffs.push(Cliff {
                at: minute_at(start_ms, minute),
                minutes_from_start: minute,
                keys,
                keys_pct: share(keys, self.ttl_keys),
                bytes,
                bytes_pct: share(bytes, self.ttl_bytes),
                patterns: ps
                    .into_iter()
                    .take(CLIFF_PATTERNS)
                    .map(|(pid, keys, bytes)| CliffPattern {
                        pattern: name(pid),
                        keys,
                        bytes,
                    })
                    .collect(),
            });
        }
        cliffs
    }

    /// The keyspace report. A census without a timeline (see [`ExpiryConfig`](super::ExpiryConfig)) reports
    /// a horizon of 0 minutes: every TTL beyond it, no timeline, no cliffs.
    pub(crate) fn keyspace(&self, top_patterns: usize) -> KeyspaceReport {
        let timeline =
            (self.cfg.expiry.as_ref()).and_then(|e| e.timeline.as_ref().map(|tl| (e.start_ms, tl)));
        let horizon = timeline.map_or(0, |(_, tl)| tl.horizon_mins);
        let mut by = self
            .patterns
            .as_ref()
            .map(|p| p.by_minute(horizon))
            .unwrap_or_default();
        let per_pattern = std::mem::take(&mut by.per_pattern);
        let patterns = self.patterns.as_ref().map_or_else(Vec::new, |p| {
            p.rows(per_pattern, top_patterns, (self.keys, self.memory))
        });
        let (expiry_timeline, cliffs) = match timeline {
            None => (Vec::new(), Vec::new()),
            Some((start_ms, tl)) => {
                let cliffs = self.cliffs(start_ms, tl, &mut by);
                let minutes = (by.timeline.iter())
                    .map(|(&m, &(keys, bytes))| ExpiryMinute {
                        at: minute_at(start_ms, m),
                        minutes_from_start: m,
                        keys,
                        bytes,
                    })
                    .collect();
                (minutes, cliffs)
            }
        };
        KeyspaceReport {
            keys_counted: self.keys,
            memory_bytes: self.memory,
            ttl: TtlSummary {
                keys_with_ttl: self.ttl_keys,
                keys_without_ttl: self.keys - self.ttl_keys,
                bytes_with_ttl: self.ttl_bytes,
                beyond_horizon_keys: by.beyond.0,
                beyond_horizon_bytes: by.beyond.1,
            },
            patterns,
            horizon_mins: horizon,
            cliff_pct: timeline.map_or(0.0, |(_, tl)| tl.cliff_pct),
            cliff_min_keys: timeline.map_or(0, |(_, tl)| tl.cliff_min_keys),
            expiry_timeline,
            cliffs,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{cfg, key, rules};
    use super::*;
    use crate::parse::keyfacts::KeyType;

    #[test]
    fn patterns_timeline_and_cliff() {
        let mut c = Census::new(cfg(), rules());
        for i in 0..80u64 {
            c.add(key(
                &format!("page:{i}"),
                KeyType::String,
                100,
                10,
                Some(i % 40 + 1),
            ));
        }
        for i in 0..20u64 {
            c.add(key(
                &format!("session:{i}"),
                KeyType::String,
                100,
                10,
                Some(7),
            ));
        }
        for i in 0..10u64 {
            c.add(key(&format!("cfg:{i}"), KeyType::String, 100, 10, None));
        }
        let r = c.keyspace(10);
        assert_eq!(r.ttl.keys_with_ttl, 100);
        assert_eq!(r.cliffs.len(), 1);
        let cliff = &r.cliffs[0];
        assert_eq!(cliff.minutes_from_start, 7);
        assert_eq!(cliff.keys, 22);
        assert_eq!(cliff.patterns[0].pattern, "session:*");
        let s = r
            .patterns
            .iter()
            .find(|p| p.pattern == "session:*")
            .unwrap();
        assert_eq!(s.expiry_concentration_pct, Some(100.0));
        assert_eq!(s.ttl_p10_secs, Some(420));
        let cfgp = r.patterns.iter().find(|p| p.pattern == "cfg:*").unwrap();
        assert_eq!(cfgp.no_ttl_pct, 100.0);
        assert_eq!(cfgp.expiry_concentration_pct, None);
        assert_eq!(r.expiry_timeline.len(), 40);
    }

    #[test]
    fn a_handful_of_keys_is_no_cliff() {
        let mut c = Census::new(cfg(), rules());
        for i in 0..5u64 {
            c.add(key(
                &format!("k:{i}"),
                KeyType::String,
                100,
                10,
                Some(i + 1),
            ));
        }
        // Each minute holds 20% of the keys with a TTL, but only one key.
        assert!(c.keyspace(10).cliffs.is_empty());
    }
}
