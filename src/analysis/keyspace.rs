//! What a keyspace scan found, counted: the biggest keys overall and per type, per-type
//! totals, the key-size distribution, big-collection findings, memory and TTLs per
//! pattern, the per-minute expiry timeline with its cliffs, memory headroom, and totals
//! extrapolated from a sample. Pure: keys come in as [`KeyInfo`] (the walker in
//! `source::walker` makes them), reports go out; times are given, never read.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use ahash::AHashMap;
use serde::Serialize;

use super::patterns::PatternRules;
use crate::parse::keyfacts::{KeyInfo, KeyType, NodeMemory};
use crate::ratio::{self, pct as share};
use crate::show;

/// A key over a finding's limit, with its length.
type FindingExample = (Vec<u8>, u64);

/// Big-collection rules, in the spirit of RedisInsight's recommendations.
const FINDINGS: [(KeyType, u64, &str); 4] = [
    (KeyType::Hash, 5_000, "hashes with more than 5,000 fields"),
    (KeyType::Set, 1_000, "sets with more than 1,000 members"),
    (KeyType::String, 100_000, "strings longer than 100 kB"),
    (KeyType::List, 1_000, "lists with more than 1,000 items"),
];
/// The big-collection rules, for people ("hashes with more than 5,000 fields", ...).
pub(crate) fn finding_rules() -> impl Iterator<Item = &'static str> {
    FINDINGS.iter().map(|f| f.2)
}

/// Key names kept per finding (the longest).
const FINDING_EXAMPLES: usize = 20;
/// Distinct patterns tracked; later new ones are counted together.
const MAX_PATTERNS: usize = 50_000;
const OTHER_PATTERNS: &[u8] = b"(other patterns)";

#[derive(Debug, Clone)]
pub(crate) struct CensusConfig {
    pub(crate) top: usize,
    /// Keys under this size are left out of the top lists.
    pub(crate) min_bytes: u64,
    /// The expiry timeline covers this many minutes from `start_ms`.
    pub(crate) horizon_mins: u32,
    pub(crate) cliff_pct: f64,
    /// A cliff needs at least this many keys (a handful of keys is no avalanche).
    pub(crate) cliff_min_keys: u64,
    /// When the scan started (ms since the epoch): minute 0 of the timeline.
    pub(crate) start_ms: u64,
    /// The node names, by index.
    pub(crate) nodes: Vec<String>,
}

/// The N largest by a weight, smallest on top of a min-heap.
struct Top<T> {
    n: usize,
    heap: BinaryHeap<Reverse<(u64, u64, Keyed<T>)>>,
    seq: u64,
}

/// Orders by the weight and sequence only.
struct Keyed<T>(T);
impl<T> PartialEq for Keyed<T> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
impl<T> Eq for Keyed<T> {}
impl<T> PartialOrd for Keyed<T> {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl<T> Ord for Keyed<T> {
    fn cmp(&self, _: &Self) -> std::cmp::Ordering {
        std::cmp::Ordering::Equal
    }
}

impl<T> Top<T> {
    fn new(n: usize) -> Self {
        Top {
            n,
            heap: BinaryHeap::new(),
            seq: 0,
        }
    }

    /// Would `w` enter the list?
    fn wants(&self, w: u64) -> bool {
        self.n > 0 && (self.heap.len() < self.n || self.heap.peek().is_some_and(|m| m.0 .0 < w))
    }

    fn offer(&mut self, w: u64, item: impl FnOnce() -> T) {
        if !self.wants(w) {
            return;
        }
        // Earlier keys win ties: a later sequence number sorts as smaller.
        self.seq += 1;
        self.heap
            .push(Reverse((w, u64::MAX - self.seq, Keyed(item()))));
        if self.heap.len() > self.n {
            self.heap.pop();
        }
    }

    /// Largest first.
    fn sorted(&self) -> Vec<&T> {
        let mut v: Vec<_> = self.heap.iter().map(|r| &r.0).collect();
        v.sort_by_key(|e| Reverse((e.0, e.1)));
        v.into_iter().map(|(_, _, k)| &k.0).collect()
    }
}

/// Log-linear histogram of sizes: exact below 64, then 32 steps per power of two (a
/// value is reported as its step's upper bound, at most 3.2% above it).
#[derive(Default)]
struct Sizes {
    buckets: Vec<u64>,
    n: u64,
    max: u64,
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

    fn add(&mut self, v: u64) {
        let i = Self::index(v);
        if i >= self.buckets.len() {
            self.buckets.resize(i + 1, 0);
        }
        self.buckets[i] += 1;
        self.n += 1;
        self.max = self.max.max(v);
    }

    fn quantile(&self, q: f64) -> u64 {
        if self.n == 0 {
            return 0;
        }
        let rank = ratio::rank(q, self.n);
        let mut seen = 0;
        for (i, &c) in self.buckets.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return Self::upper(i).min(self.max);
            }
        }
        self.max
    }
}

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
}

#[derive(Default)]
struct TypeAcc {
    keys: u64,
    memory: u64,
    length_sum: u64,
    length_n: u64,
}

struct PatternAcc {
    pattern: Vec<u8>,
    keys: u64,
    memory: u64,
    no_ttl: u64,
    example: Vec<u8>,
}

#[derive(Default)]
struct NodeAcc {
    keys: u64,
    memory: u64,
    ttl_memory: u64,
    /// Per key: its memory (overall) and, per type, memory-or-zero and one-or-zero.
    all: Moments,
    by_type: BTreeMap<KeyType, (Moments, Moments)>,
}

/// The running count of a scan.
pub(crate) struct Census {
    cfg: CensusConfig,
    /// None: no pattern or expiry accounting (bigkeys needs neither).
    rules: Option<PatternRules>,
    keys: u64,
    memory: u64,
    top: Top<KeyInfo>,
    by_type: BTreeMap<KeyType, (TypeAcc, Top<KeyInfo>)>,
    sizes: Sizes,
    /// Per rule: keys over the limit, and the longest of them.
    findings: Vec<(u64, Top<FindingExample>)>,
    patterns: Vec<PatternAcc>,
    pattern_ids: AHashMap<Vec<u8>, u32>,
    /// (pattern, minute from start) → (keys, bytes) of keys with a TTL.
    expiry: AHashMap<(u32, u32), (u64, u64)>,
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
            rules,
            keys: 0,
            memory: 0,
            by_type: BTreeMap::new(),
            sizes: Sizes::default(),
            findings: FINDINGS
                .iter()
                .map(|_| (0, Top::new(FINDING_EXAMPLES)))
                .collect(),
            patterns: Vec::new(),
            pattern_ids: AHashMap::new(),
            expiry: AHashMap::new(),
            ttl_keys: 0,
            ttl_bytes: 0,
        }
    }

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
            n.all.add(k.memory as f64);
        }
        for (i, (kind, limit, _)) in FINDINGS.iter().enumerate() {
            if let (true, Some(len)) = (*kind == k.kind, k.length) {
                if len > *limit {
                    let f = &mut self.findings[i];
                    f.0 += 1;
                    f.1.offer(len, || (k.key.clone(), len));
                }
            }
        }
        let pid = self.pattern_id(&k.key);
        if let Some(pid) = pid {
            let p = &mut self.patterns[pid as usize];
            p.keys += 1;
            p.memory += k.memory;
            if k.expires_at_ms.is_none() {
                p.no_ttl += 1;
            }
        }
        if let Some(at) = k.expires_at_ms {
            self.ttl_keys += 1;
            self.ttl_bytes += k.memory;
            if let Some(pid) = pid {
                let minute = ((at / 60_000).saturating_sub(self.cfg.start_ms / 60_000))
                    .min(u64::from(u32::MAX)) as u32;
                let e = self.expiry.entry((pid, minute)).or_default();
                e.0 += 1;
                e.1 += k.memory;
            }
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

    /// The pattern's index, made on first sight (past `MAX_PATTERNS`, the catch-all's);
    /// None when the census keeps no patterns.
    fn pattern_id(&mut self, key: &[u8]) -> Option<u32> {
        let pattern = self.rules.as_ref()?.pattern(key);
        if let Some(&id) = self.pattern_ids.get(&pattern) {
            return Some(id);
        }
        let pattern = if self.patterns.len() >= MAX_PATTERNS {
            if let Some(&id) = self.pattern_ids.get(OTHER_PATTERNS) {
                return Some(id);
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
        self.pattern_ids.insert(pattern, id);
        Some(id)
    }

    /// Per-type moments per node, which extrapolation needs. Kept apart from `add` so a
    /// scan without `--sample` does not pay for them.
    pub(crate) fn add_sampled(&mut self, k: KeyInfo) {
        if let Some(n) = self.nodes.get_mut(usize::from(k.node)) {
            // Every type seen on this node gets a zero for this key unless it is the key's.
            let kinds: Vec<KeyType> = n.by_type.keys().cloned().collect();
            let prev_n = n.all.n; // keys before this one
            for kind in kinds {
                if kind != k.kind {
                    let (m, c) = n.by_type.get_mut(&kind).expect("listed");
                    m.add(0.0);
                    c.add(0.0);
                }
            }
            let (m, c) = n.by_type.entry(k.kind.clone()).or_insert_with(|| {
                // A type first seen now had zeros for every earlier key.
                (
                    Moments {
                        n: prev_n,
                        ..Moments::default()
                    },
                    Moments {
                        n: prev_n,
                        ..Moments::default()
                    },
                )
            });
            m.add(k.memory as f64);
            c.add(1.0);
        }
        self.add(k);
    }
}

#[derive(Debug, Serialize)]
pub(crate) struct BigKey {
    pub(crate) key: String,
    #[serde(rename = "type")]
    pub(crate) kind: String,
    pub(crate) memory_bytes: u64,
    pub(crate) length: Option<u64>,
    pub(crate) length_unit: &'static str,
    pub(crate) encoding: Option<String>,
    /// None: no TTL.
    pub(crate) ttl_ms: Option<u64>,
    pub(crate) node: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct TypeRow {
    #[serde(rename = "type")]
    pub(crate) kind: String,
    pub(crate) keys: u64,
    pub(crate) keys_pct: f64,
    pub(crate) memory_bytes: u64,
    pub(crate) avg_memory_bytes: f64,
    pub(crate) avg_length: Option<f64>,
    pub(crate) length_unit: &'static str,
    pub(crate) biggest_key: Option<String>,
    pub(crate) biggest_memory_bytes: Option<u64>,
}

#[derive(Debug, Serialize)]
pub(crate) struct Percentiles {
    pub(crate) p50_bytes: u64,
    pub(crate) p90_bytes: u64,
    pub(crate) p99_bytes: u64,
    pub(crate) p99_9_bytes: u64,
    pub(crate) max_bytes: u64,
}

#[derive(Debug, Serialize)]
pub(crate) struct Finding {
    pub(crate) rule: &'static str,
    #[serde(rename = "type")]
    pub(crate) kind: String,
    pub(crate) threshold: u64,
    pub(crate) keys: u64,
    /// The longest ones, longest first: (key, length).
    pub(crate) examples: Vec<FindingKey>,
}

#[derive(Debug, Serialize)]
pub(crate) struct FindingKey {
    pub(crate) key: String,
    pub(crate) length: u64,
}

/// What one node holds of the scanned keys.
#[derive(Debug, Serialize)]
pub(crate) struct NodeTotals {
    pub(crate) node: String,
    pub(crate) keys: u64,
    pub(crate) memory_bytes: u64,
    /// Of the scanned memory on all nodes.
    pub(crate) memory_pct: f64,
    pub(crate) ttl_memory_bytes: u64,
}

#[derive(Debug, Serialize)]
pub(crate) struct BigkeysReport {
    /// Keys measured (scanned and not vanished).
    pub(crate) keys_counted: u64,
    pub(crate) memory_bytes: u64,
    /// Per node, in node order: where the memory is (an unbalanced cluster shows here).
    pub(crate) per_node: Vec<NodeTotals>,
    pub(crate) top: Vec<BigKey>,
    pub(crate) top_by_type: BTreeMap<String, Vec<BigKey>>,
    pub(crate) types: Vec<TypeRow>,
    pub(crate) size_percentiles: Percentiles,
    pub(crate) findings: Vec<Finding>,
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

#[derive(Debug, Serialize)]
pub(crate) struct Headroom {
    pub(crate) node: String,
    pub(crate) used_memory_bytes: u64,
    /// None: no maxmemory set.
    pub(crate) maxmemory_bytes: Option<u64>,
    pub(crate) used_pct: Option<f64>,
    pub(crate) headroom_bytes: Option<u64>,
    pub(crate) policy: String,
    /// Scanned memory the policy may evict (allkeys-*: all; volatile-*: keys with a TTL).
    pub(crate) evictable_bytes: u64,
    pub(crate) evictable_pct: f64,
    pub(crate) note: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct Interval {
    pub(crate) estimate: f64,
    /// 95% confidence interval half-width.
    pub(crate) ci95: f64,
}

#[derive(Debug, Serialize)]
pub(crate) struct TypeEstimate {
    #[serde(rename = "type")]
    pub(crate) kind: String,
    pub(crate) keys: Interval,
    pub(crate) memory_bytes: Interval,
}

#[derive(Debug, Serialize)]
pub(crate) struct Extrapolation {
    pub(crate) note: &'static str,
    pub(crate) sampled_keys: u64,
    pub(crate) total_keys: u64,
    pub(crate) memory_bytes: Interval,
    pub(crate) types: Vec<TypeEstimate>,
}

fn minute_at(start_ms: u64, minute: u32) -> String {
    let ms = (start_ms / 60_000 + u64::from(minute)) * 60_000;
    chrono::DateTime::from_timestamp_millis(ms as i64)
        .map(show::rfc3339)
        .unwrap_or_default()
}

impl Census {
    fn big_key(&self, k: &KeyInfo) -> BigKey {
        BigKey {
            key: show::key(&k.key),
            kind: k.kind.as_str().to_string(),
            memory_bytes: k.memory,
            length: k.length,
            length_unit: k.kind.length_unit(),
            encoding: k.encoding.clone(),
            ttl_ms: k.ttl_ms,
            node: self
                .cfg
                .nodes
                .get(usize::from(k.node))
                .cloned()
                .unwrap_or_default(),
        }
    }

    pub(crate) fn bigkeys(&self) -> BigkeysReport {
        let types = self
            .by_type
            .iter()
            .map(|(kind, (acc, top))| {
                let biggest = top.sorted().first().map(|k| (show::key(&k.key), k.memory));
                TypeRow {
                    kind: kind.as_str().to_string(),
                    keys: acc.keys,
                    keys_pct: share(acc.keys, self.keys),
                    memory_bytes: acc.memory,
                    avg_memory_bytes: acc.memory as f64 / acc.keys.max(1) as f64,
                    avg_length: (acc.length_n > 0)
                        .then(|| acc.length_sum as f64 / acc.length_n as f64),
                    length_unit: kind.length_unit(),
                    biggest_memory_bytes: biggest.as_ref().map(|b| b.1),
                    biggest_key: biggest.map(|b| b.0),
                }
            })
            .collect();
        BigkeysReport {
            keys_counted: self.keys,
            memory_bytes: self.memory,
            per_node: self
                .nodes
                .iter()
                .zip(&self.cfg.nodes)
                .map(|(n, name)| NodeTotals {
                    node: name.clone(),
                    keys: n.keys,
                    memory_bytes: n.memory,
                    memory_pct: share(n.memory, self.memory),
                    ttl_memory_bytes: n.ttl_memory,
                })
                .collect(),
            top: self
                .top
                .sorted()
                .into_iter()
                .map(|k| self.big_key(k))
                .collect(),
            top_by_type: self
                .by_type
                .iter()
                .map(|(kind, (_, top))| {
                    (
                        kind.as_str().to_string(),
                        top.sorted().into_iter().map(|k| self.big_key(k)).collect(),
                    )
                })
                .collect(),
            types,
            size_percentiles: Percentiles {
                p50_bytes: self.sizes.quantile(0.5),
                p90_bytes: self.sizes.quantile(0.9),
                p99_bytes: self.sizes.quantile(0.99),
                p99_9_bytes: self.sizes.quantile(0.999),
                max_bytes: self.sizes.max,
            },
            findings: FINDINGS
                .iter()
                .zip(&self.findings)
                .filter(|(_, (n, _))| *n > 0)
                .map(|((kind, limit, rule), (n, top))| Finding {
                    rule,
                    kind: kind.as_str().to_string(),
                    threshold: *limit,
                    keys: *n,
                    examples: top
                        .sorted()
                        .into_iter()
                        .map(|(k, len)| FindingKey {
                            key: show::key(k),
                            length: *len,
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    pub(crate) fn keyspace(&self, top_patterns: usize) -> KeyspaceReport {
        let horizon = self.cfg.horizon_mins;
        // Per pattern: minute → keys (for concentration and TTL percentiles).
        let mut per_pattern: Vec<Vec<(u32, u64)>> = vec![Vec::new(); self.patterns.len()];
        let mut timeline: BTreeMap<u32, (u64, u64)> = BTreeMap::new();
        let mut by_minute_pattern: BTreeMap<u32, Vec<(u32, u64, u64)>> = BTreeMap::new();
        let (mut beyond_keys, mut beyond_bytes) = (0, 0);
        for (&(pid, minute), &(keys, bytes)) in &self.expiry {
            per_pattern[pid as usize].push((minute, keys));
            if minute < horizon {
                let t = timeline.entry(minute).or_default();
                t.0 += keys;
                t.1 += bytes;
                by_minute_pattern
                    .entry(minute)
                    .or_default()
                    .push((pid, keys, bytes));
            } else {
                beyond_keys += keys;
                beyond_bytes += bytes;
            }
        }
        let mut order: Vec<usize> = (0..self.patterns.len()).collect();
        order.sort_by(|&a, &b| {
            let (pa, pb) = (&self.patterns[a], &self.patterns[b]);
            pb.memory.cmp(&pa.memory).then(pa.pattern.cmp(&pb.pattern))
        });
        let patterns = order
            .into_iter()
            .take(top_patterns)
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
                    keys_pct: share(p.keys, self.keys),
                    memory_bytes: p.memory,
                    memory_pct: share(p.memory, self.memory),
                    avg_bytes: p.memory as f64 / p.keys.max(1) as f64,
                    no_ttl_pct: share(p.no_ttl, p.keys),
                    expiry_concentration_pct: (with_ttl > 0)
                        .then(|| share(mins.iter().map(|m| m.1).max().unwrap_or(0), with_ttl)),
                    ttl_p10_secs: (with_ttl > 0).then(|| quantile(0.1)).flatten(),
                    ttl_p90_secs: (with_ttl > 0).then(|| quantile(0.9)).flatten(),
                    example_key: show::key(&p.example),
                }
            })
            .collect();
        let cliffs = timeline
            .iter()
            .filter(|(_, &(k, b))| {
                k >= self.cfg.cliff_min_keys
                    && (share(k, self.ttl_keys) >= self.cfg.cliff_pct
                        || share(b, self.ttl_bytes) >= self.cfg.cliff_pct)
            })
            .map(|(&minute, &(keys, bytes))| {
                let mut ps = by_minute_pattern.remove(&minute).unwrap_or_default();
                ps.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.cmp(&a.2)));
                Cliff {
                    at: minute_at(self.cfg.start_ms, minute),
                    minutes_from_start: minute,
                    keys,
                    keys_pct: share(keys, self.ttl_keys),
                    bytes,
                    bytes_pct: share(bytes, self.ttl_bytes),
                    patterns: ps
                        .into_iter()
                        .take(10)
                        .map(|(pid, keys, bytes)| CliffPattern {
                            pattern: String::from_utf8_lossy(&self.patterns[pid as usize].pattern)
                                .into_owned(),
                            keys,
                            bytes,
                        })
                        .collect(),
                }
            })
            .collect();
        KeyspaceReport {
            keys_counted: self.keys,
            memory_bytes: self.memory,
            ttl: TtlSummary {
                keys_with_ttl: self.ttl_keys,
                keys_without_ttl: self.keys - self.ttl_keys,
                bytes_with_ttl: self.ttl_bytes,
                beyond_horizon_keys: beyond_keys,
                beyond_horizon_bytes: beyond_bytes,
            },
            patterns,
            horizon_mins: horizon,
            cliff_pct: self.cfg.cliff_pct,
            cliff_min_keys: self.cfg.cliff_min_keys,
            expiry_timeline: timeline
                .into_iter()
                .map(|(m, (keys, bytes))| ExpiryMinute {
                    at: minute_at(self.cfg.start_ms, m),
                    minutes_from_start: m,
                    keys,
                    bytes,
                })
                .collect(),
            cliffs,
        }
    }

    /// Memory headroom per node, with what the node's policy could evict of what was
    /// scanned there. `mem[i]` is node i's INFO memory, when read.
    pub(crate) fn headroom(&self, mem: &[Option<NodeMemory>]) -> Vec<Headroom> {
        mem.iter()
            .enumerate()
            .filter_map(|(i, m)| {
                let m = m.as_ref()?;
                let acc = self.nodes.get(i)?;
                let (evictable, note) = match m.policy.as_str() {
                    p if p.starts_with("allkeys-") => (acc.memory, "any key may be evicted"),
                    p if p.starts_with("volatile-") => (
                        acc.ttl_memory,
                        "only keys with a TTL may be evicted; keys without one stay",
                    ),
                    "noeviction" => (0, "nothing is evicted: writes fail with OOM at maxmemory"),
                    _ => (0, "unknown policy"),
                };
                let max = (m.maxmemory > 0).then_some(m.maxmemory);
                Some(Headroom {
                    node: self.cfg.nodes.get(i).cloned().unwrap_or_default(),
                    used_memory_bytes: m.used_memory,
                    maxmemory_bytes: max,
                    used_pct: max.map(|x| share(m.used_memory, x)),
                    headroom_bytes: max.map(|x| x.saturating_sub(m.used_memory)),
                    policy: m.policy.clone(),
                    evictable_bytes: evictable,
                    evictable_pct: share(evictable, acc.memory),
                    note: if max.is_none() {
                        "no maxmemory: the node grows until the OS stops it".to_string()
                    } else {
                        note.to_string()
                    },
                })
            })
            .collect()
    }

    /// Totals extrapolated to each node's DBSIZE from the keys sampled there (stratified
    /// by node; normal 95% intervals with the finite-population correction). Only keys
    /// added with [`Census::add_sampled`] count.
    pub(crate) fn extrapolate(&self, dbsize: &[u64]) -> Extrapolation {
        const Z: f64 = 1.959_964;
        let mut mem = (0.0, 0.0);
        // Per type: (estimate, variance) of memory and of the key count.
        type Sums = ((f64, f64), (f64, f64));
        let mut types: BTreeMap<&KeyType, Sums> = BTreeMap::new();
        let mut sampled = 0;
        let mut total = 0;
        for (acc, &big_n) in self.nodes.iter().zip(dbsize) {
            total += big_n;
            let n = acc.all.n;
            sampled += n;
            if n == 0 {
                continue;
            }
            let nn = big_n.max(n) as f64;
            let nf = n as f64;
            let fpc = if nn > 1.0 {
                ((nn - nf) / (nn - 1.0)).max(0.0)
            } else {
                0.0
            };
            let est = |m: &Moments| {
                let mean = m.sum / nf;
                let var = if n > 1 {
                    ((m.sumsq - nf * mean * mean) / (nf - 1.0)).max(0.0)
                } else {
                    0.0
                };
                (nn * mean, nn * nn * var / nf * fpc)
            };
            let (e, v) = est(&acc.all);
            mem.0 += e;
            mem.1 += v;
            for (kind, (m, c)) in &acc.by_type {
                let t = types.entry(kind).or_default();
                let (em, vm) = est(m);
                let (ec, vc) = est(c);
                t.0 .0 += em;
                t.0 .1 += vm;
                t.1 .0 += ec;
                t.1 .1 += vc;
            }
        }
        let iv = |(e, v): (f64, f64)| Interval {
            estimate: e.round(),
            ci95: (Z * v.sqrt()).round(),
        };
        Extrapolation {
            note: "totals extrapolated from the sampled keys to each node's DBSIZE (95% confidence intervals)",
            sampled_keys: sampled,
            total_keys: total,
            memory_bytes: iv(mem),
            types: types
                .into_iter()
                .map(|(k, (m, c))| TypeEstimate {
                    kind: k.as_str().to_string(),
                    keys: iv(c),
                    memory_bytes: iv(m),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> CensusConfig {
        CensusConfig {
            top: 3,
            min_bytes: 0,
            horizon_mins: 60,
            cliff_pct: 10.0,
            cliff_min_keys: 10,
            start_ms: 1_700_000_000_000,
            nodes: vec!["a:1".into(), "b:2".into()],
        }
    }

    fn key(k: &str, kind: KeyType, memory: u64, len: u64, ttl_min: Option<u64>) -> KeyInfo {
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

    fn rules() -> Option<PatternRules> {
        Some(PatternRules::default_rules())
    }

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

    #[test]
    fn tops_types_findings_and_percentiles() {
        let mut c = Census::new(cfg(), rules());
        for i in 0..100u64 {
            c.add(key(&format!("user:{i}"), KeyType::String, 50 + i, 10, None));
        }
        c.add(key("big:hash", KeyType::Hash, 900_000, 6_000, None));
        c.add(key("big:set", KeyType::Set, 90_000, 1_500, Some(30)));
        c.add(key("small:set", KeyType::Set, 200, 3, Some(30)));
        let r = c.bigkeys();
        assert_eq!(r.keys_counted, 103);
        let names: Vec<&str> = r.top.iter().map(|k| k.key.as_str()).collect();
        assert_eq!(names, ["big:hash", "big:set", "small:set"]);
        assert_eq!(r.top_by_type["string"][0].key, "user:99");
        assert_eq!(r.top_by_type["set"].len(), 2);
        let s = r.types.iter().find(|t| t.kind == "string").unwrap();
        assert_eq!((s.keys, s.memory_bytes), (100, (50..150).sum::<u64>()));
        assert_eq!(r.findings.len(), 2);
        assert_eq!(r.findings[0].examples[0].key, "big:hash");
        assert_eq!(r.findings[1].keys, 1);
        assert_eq!(r.size_percentiles.max_bytes, 900_000);
        assert_eq!(r.per_node.len(), 2);
        assert_eq!(r.per_node[0].keys, 103);
        assert_eq!(r.per_node[0].memory_pct, 100.0);
        assert_eq!(r.per_node[1].keys, 0);
    }

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

    #[test]
    fn headroom_follows_the_policy() {
        let mut c = Census::new(cfg(), rules());
        c.add(key("a", KeyType::String, 100, 1, Some(5)));
        c.add(key("b", KeyType::String, 300, 1, None));
        let mem = |p: &str| {
            Some(NodeMemory {
                used_memory: 1000,
                maxmemory: 4000,
                policy: p.into(),
            })
        };
        let h = c.headroom(&[mem("volatile-lru"), None]);
        assert_eq!(h.len(), 1);
        assert_eq!(h[0].evictable_bytes, 100);
        assert_eq!(h[0].headroom_bytes, Some(3000));
        assert_eq!(c.headroom(&[mem("allkeys-lfu")])[0].evictable_bytes, 400);
        assert_eq!(c.headroom(&[mem("noeviction")])[0].evictable_bytes, 0);
    }

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
