//! The census of a keyspace scan: every key the walker measured ([`KeyInfo`], made by
//! `source::walker`) is counted once here, and the reports are read off the counts:
//! [`bigkeys`] (tops, per-type totals, sizes, findings), [`keyspace`] (patterns from
//! [`pattern_memory`], expiry timeline, cliffs), [`headroom`] (eviction policy against
//! memory) and [`extrapolate`] (`--sample` totals). Pure: no I/O, no clock (the scan
//! start is given).

mod bigkeys;
mod extrapolate;
mod headroom;
mod keyspace;
mod pattern_memory;
mod sizes;
mod top;

use std::collections::BTreeMap;

pub(crate) use self::bigkeys::{finding_rules, BigKey, BigkeysReport};
pub(crate) use self::extrapolate::Extrapolation;
pub(crate) use self::headroom::Headroom;
pub(crate) use self::keyspace::KeyspaceReport;
pub(crate) use self::pattern_memory::PatternMemory;

use self::bigkeys::Findings;
use self::extrapolate::Sample;
use self::pattern_memory::PatternCensus;
use self::sizes::Sizes;
use self::top::Top;
use crate::analysis::patterns::PatternRules;
use crate::parse::keyfacts::{KeyInfo, KeyType};

#[derive(Debug, Clone)]
pub(crate) struct CensusConfig {
    pub(crate) top: usize,
    /// Keys under this size are left out of the top lists.
    pub(crate) min_bytes: u64,
    /// None: no expiry minutes per pattern, no timeline (`bigkeys` reports neither).
    pub(crate) expiry: Option<ExpiryConfig>,
    /// The node names, by index.
    pub(crate) nodes: Vec<String>,
}

/// Expiry accounting: each key with a TTL counted in its expiry minute, per pattern.
#[derive(Debug, Clone)]
pub(crate) struct ExpiryConfig {
    /// When the scan started (ms since the epoch): minute 0.
    pub(crate) start_ms: u64,
    /// None: TTL percentiles per pattern only, no timeline and no cliffs
    /// (`patterns --scan` shows only the pattern table).
    pub(crate) timeline: Option<TimelineConfig>,
}

/// The per-minute expiry timeline and what makes a minute a cliff.
#[derive(Debug, Clone)]
pub(crate) struct TimelineConfig {
    /// The timeline covers this many minutes from the scan start.
    pub(crate) horizon_mins: u32,
    /// A cliff holds at least this share of the keys or bytes with a TTL...
    pub(crate) cliff_pct: f64,
    /// ...and at least this many keys (a handful of keys is no avalanche).
    pub(crate) cliff_min_keys: u64,
}

/// One type's totals.
#[derive(Default)]
struct TypeAcc {
    keys: u64,
    memory: u64,
    length_sum: u64,
    length_n: u64,
}

/// What one node holds of the scanned keys.
#[derive(Default)]
struct NodeAcc {
    keys: u64,
    memory: u64,
    ttl_memory: u64,
    sample: Sample,
}

/// The running count of a scan.
pub(crate) struct Census {
    cfg: CensusConfig,
    keys: u64,
    memory: u64,
    top: Top<KeyInfo>,
    by_type: BTreeMap<KeyType, (TypeAcc, Top<KeyInfo>)>,
    sizes: Sizes,
    findings: Findings,
    /// None: no pattern or expiry accounting (bigkeys needs neither).
    patterns: Option<PatternCensus>,
    ttl_keys: u64,
    ttl_bytes: u64,
    nodes: Vec<NodeAcc>,
}

impl Census {
    pub(crate) fn new(cfg: CensusConfig, rules: Option<PatternRules>) -> Self {
        Census {
            top: Top::new(cfg.top),
            nodes: (0..cfg.nodes.len()).map(|_| NodeAcc::default()).collect(),
            cfg,
            keys: 0,
            memory: 0,
            by_type: BTreeMap::new(),
            sizes: Sizes::default(),
            findings: Findings::new(),
            patterns: rules.map(PatternCensus::new),
            ttl_keys: 0,
            ttl_bytes: 0,
        }
    }

    /// Counts one measured key.
    pub(crate) fn add(&mut self, k: KeyInfo) {
        self.keys += 1;
        self.memory += k.memory;
        self.sizes.add(k.memory);
        if let Some(n) = self.nodes.get_mut(usize::from(k.node)) {
            n.keys += 1;
            n.memory += k.memory;
            if k.ttl_ms.is_some() {
                n.ttl_memory += k.memory;
            }
            n.sample.add(k.memory);
        }
        self.findings.add(&k);
        if let Some(p) = &mut self.patterns {
            p.add(&k, self.cfg.expiry.as_ref().map(|e| e.start_ms));
        }
        if k.expires_at_ms.is_some() {
            self.ttl_keys += 1;
            self.ttl_bytes += k.memory;
        }
        let top = self.cfg.top;
        let entry = self
            .by_type
            .entry(k.kind.clone())
            .or_insert_with(|| (TypeAcc::default(), Top::new(top)));
        entry.0.keys += 1;
        entry.0.memory += k.memory;
        if let Some(len) = k.length {
            entry.0.length_sum += len;
            entry.0.length_n += 1;
        }
        if k.memory >= self.cfg.min_bytes {
            entry.1.offer(k.memory, || k.clone());
            self.top.offer(k.memory, || k);
        }
    }

    /// Node `i`'s name ("" when unknown).
    fn node_name(&self, i: usize) -> String {
        self.cfg.nodes.get(i).cloned().unwrap_or_default()
    }
}

/// What the tests of the census and its reports share.
#[cfg(test)]
mod fixtures {
    use super::*;

    pub(super) fn cfg() -> CensusConfig {
        CensusConfig {
            top: 3,
            min_bytes: 0,
            expiry: Some(ExpiryConfig {
                start_ms: 1_700_000_000_000,
                timeline: Some(TimelineConfig {
                    horizon_mins: 60,
                    cliff_pct: 10.0,
                    cliff_min_keys: 10,
                }),
            }),
            nodes: vec!["a:1".into(), "b:2".into()],
        }
    }

    pub(super) fn key(
        k: &str,
        kind: KeyType,
        memory: u64,
        len: u64,
        ttl_min: Option<u64>,
    ) -> KeyInfo {
        KeyInfo {
            key: k.as_bytes().to_vec(),
            kind,
            memory,
            length: Some(len),
            ttl_ms: ttl_min.map(|m| m * 60_000),
            expires_at_ms: ttl_min.map(|m| 1_700_000_000_000 + m * 60_000 + 5),
            encoding: None,
            node: 0,
        }
    }

    pub(super) fn rules() -> Option<PatternRules> {
        Some(PatternRules::default_rules())
    }
}
