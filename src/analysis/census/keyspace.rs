//! The `keyspace` report from a census: the pattern table ([`super::pattern_memory`]),
//! TTL totals, the per-minute expiry timeline within the horizon, and its cliffs
//! (minutes where a large share of the TTL keys expire at once). Pure: minutes count
//! from the scan start the caller gives; no clock, no I/O.

use serde::Serialize;

use super::pattern_memory::{ByMinute, PatternMemory};
use super::{Census, TimelineConfig};
use crate::ratio::pct as share;
use crate::show;

/// Patterns named per cliff (the most keys first).
const CLIFF_PATTERNS: usize = 10;

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub(crate) struct ExpiryMinute {
    pub(crate) at: String,
    /// How far into the timeline: whole minutes from the scan's start, in ms.
    #[serde(
        rename = "from_start_ms",
        serialize_with = "crate::show::ms::from_mins"
    )]
    #[schemars(with = "u64")]
    pub(crate) minutes_from_start: u32,
    pub(crate) keys: u64,
    #[serde(rename = "memory_bytes")]
    pub(crate) bytes: u64,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub(crate) struct CliffPattern {
    pub(crate) pattern: String,
    pub(crate) keys: u64,
    #[serde(rename = "memory_bytes")]
    pub(crate) bytes: u64,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub(crate) struct Cliff {
    pub(crate) at: String,
    /// How far into the timeline: whole minutes from the scan's start, in ms.
    #[serde(
        rename = "from_start_ms",
        serialize_with = "crate::show::ms::from_mins"
    )]
    #[schemars(with = "u64")]
    pub(crate) minutes_from_start: u32,
    pub(crate) keys: u64,
    /// Of all keys with a TTL.
    pub(crate) keys_pct: f64,
    #[serde(rename = "memory_bytes")]
    pub(crate) bytes: u64,
    #[serde(rename = "memory_pct")]
    pub(crate) bytes_pct: f64,
    pub(crate) patterns: Vec<CliffPattern>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub(crate) struct TtlSummary {
    pub(crate) keys_with_ttl: u64,
    pub(crate) keys_without_ttl: u64,
    #[serde(rename = "memory_bytes_with_ttl")]
    pub(crate) bytes_with_ttl: u64,
    /// Keys with a TTL that expire after the horizon.
    pub(crate) beyond_horizon_keys: u64,
    #[serde(rename = "beyond_horizon_memory_bytes")]
    pub(crate) beyond_horizon_bytes: u64,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub(crate) struct KeyspaceReport {
    /// Keys measured (scanned and not vanished).
    pub(crate) keys_counted: u64,
    pub(crate) memory_bytes: u64,
    pub(crate) ttl: TtlSummary,
    pub(crate) patterns: Vec<PatternMemory>,
    /// The timeline's horizon (`--horizon`).
    #[serde(rename = "horizon_ms", serialize_with = "crate::show::ms::from_mins")]
    #[schemars(with = "u64")]
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
