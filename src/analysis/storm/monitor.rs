//! What a MONITOR sample adds to the storm rules (`detect --monitor`, `--deep`, MONITOR
//! lines in a recording, `--capture` on replay): the hottest key and its share of the
//! commands, the stampede signature, and the penetration candidates (verified with EXISTS
//! when live), reduced from the hotkeys engine's report. Pure.

use crate::analysis::hotkeys::{HotkeysReport, SignatureConfig};

/// The signature settings `hotkeys` uses by default.
pub(crate) fn signatures() -> SignatureConfig {
    SignatureConfig {
        threshold_pct: 1.0,
        min_rate: None,
        stampede_min_writes: 10,
        stampede_min_clients: 5,
        penetration_min_reads: 3,
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MonitorSummary {
    /// Unix seconds when the sample ended.
    pub(crate) t: f64,
    pub(crate) events: u64,
    pub(crate) span_secs: f64,
    /// The hottest key: (key as shown, commands, share % of all commands).
    pub(crate) top: Option<(String, u64, f64)>,
    /// A key rebuilt by many clients at once: (key, writes, distinct writers).
    pub(crate) stampede: Option<(String, u32, u32)>,
    pub(crate) penetration: Option<Unwritten>,
}

/// Keys read repeatedly and never written in the sample.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Unwritten {
    pub(crate) keys: u64,
    pub(crate) reads: u64,
    /// The pattern most of them fall under.
    pub(crate) pattern: String,
    /// EXISTS checked live: (sampled, missing).
    pub(crate) verified: Option<(u64, u64)>,
}

impl MonitorSummary {
    pub(crate) fn of(r: &HotkeysReport, t: f64) -> Self {
        let p = &r.penetration;
        MonitorSummary {
            t,
            events: r.events,
            span_secs: r.span_secs,
            top: r
                .keys
                .first()
                .map(|k| (k.key.clone(), k.count, k.share_pct)),
            stampede: r
                .stampedes
                .first()
                .map(|s| (s.key.clone(), s.writes, s.distinct_writers)),
            penetration: (p.candidate_keys > 0).then(|| Unwritten {
                keys: p.candidate_keys,
                reads: p.candidate_reads,
                pattern: p
                    .by_pattern
                    .first()
                    .map_or_else(String::new, |b| b.pattern.clone()),
                verified: p.verified.as_ref().map(|v| (v.sampled, v.missing)),
            }),
        }
    }

    /// The node a cluster-wide sample's key lives on, from the report's hottest key.
    pub(crate) fn node_of(r: &HotkeysReport) -> Option<String> {
        r.keys.first().and_then(|k| k.node.clone())
    }
}
