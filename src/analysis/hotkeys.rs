//! From counted traffic to the `hotkeys` / `patterns` report: top keys with shares, rates
//! and peaks, top commands and clients, patterns, and the stampede, penetration and
//! expiry-wave signatures. Pure.

use std::collections::HashMap;

use serde::Serialize;

use super::patterns::PatternRules;
use super::traffic::{AccessStats, Traffic, WriteBurst};
use crate::ratio::pct;
use crate::show;

#[derive(Debug, Clone)]
pub(crate) struct ReportConfig {
    pub(crate) top: usize,
    /// None: no hot flags, stampedes or penetration candidates (`patterns` shows none).
    pub(crate) signatures: Option<SignatureConfig>,
    /// Names of the nodes events came from (index = node id); empty for one source.
    pub(crate) nodes: Vec<String>,
}

/// What makes a key hot, a stampede, or a penetration candidate.
#[derive(Debug, Clone)]
pub(crate) struct SignatureConfig {
    /// A key with at least this share of the key accesses is hot...
    pub(crate) threshold_pct: f64,
    /// ...and so is one accessed at least this often per second.
    pub(crate) min_rate: Option<f64>,
    /// A stampede: this many overwrites of one key within the window...
    pub(crate) stampede_min_writes: u32,
    /// ...by at least this many distinct clients.
    pub(crate) stampede_min_clients: u32,
    /// A penetration candidate is read at least this often and never written.
    pub(crate) penetration_min_reads: u64,
}

impl SignatureConfig {
    fn hot(&self, share_pct: f64, rate: f64) -> bool {
        share_pct >= self.threshold_pct || self.min_rate.is_some_and(|m| rate >= m)
    }

    fn penetration_candidate(&self, s: &AccessStats) -> bool {
        s.writes == 0 && s.reads >= self.penetration_min_reads
    }

    fn stampede(&self, b: &WriteBurst) -> bool {
        b.best.0 >= self.stampede_min_writes && b.best.1 >= self.stampede_min_clients
    }
}

#[derive(Debug, Serialize)]
pub(crate) struct HotkeysReport {
    pub(crate) events: u64,
    pub(crate) first_event_at: Option<String>,
    pub(crate) last_event_at: Option<String>,
    pub(crate) span_secs: f64,
    pub(crate) events_per_sec: f64,
    pub(crate) peak_events_per_sec: u64,
    pub(crate) peak_at: Option<String>,
    pub(crate) counting: Counting,
    pub(crate) keys: Vec<HotKey>,
    pub(crate) commands: Vec<Share>,
    pub(crate) clients: Vec<Share>,
    pub(crate) patterns: Vec<PatternRow>,
    /// Commands missing from the key-spec table; their first argument was counted as the key.
    pub(crate) unknown_commands: Vec<Share>,
    pub(crate) stampedes: Vec<Stampede>,
    pub(crate) penetration: Penetration,
    pub(crate) expiry_wave: ExpiryWave,
}

#[derive(Debug, Serialize)]
pub(crate) struct Counting {
    /// `exact`, or `space-saving` once more than `max_keys` distinct keys were seen.
    pub(crate) mode: &'static str,
    pub(crate) max_keys: usize,
    /// Distinct keys seen (in space-saving mode: keys still tracked).
    pub(crate) distinct_keys: usize,
}

#[derive(Debug, Serialize)]
pub(crate) struct HotKey {
    pub(crate) key: String,
    pub(crate) count: u64,
    /// Space-saving only: the true count is at least `count - count_error`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) count_error: Option<u64>,
    pub(crate) share_pct: f64,
    pub(crate) rate_per_sec: f64,
    pub(crate) peak_per_sec: u64,
    pub(crate) peak_at: Option<String>,
    pub(crate) reads: u64,
    pub(crate) writes: u64,
    pub(crate) dominant_command: String,
    /// Exact up to 4 (`distinct_clients_exact`), else estimated; 1420 means "1420 or more".
    pub(crate) distinct_clients: u64,
    pub(crate) distinct_clients_exact: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) node: Option<String>,
    pub(crate) pattern: String,
    pub(crate) hot: bool,
    /// `[unix_second, count]` pairs, with `--timeline`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) timeline: Option<Vec<(u64, u32)>>,
}

#[derive(Debug, Serialize)]
pub(crate) struct Share {
    pub(crate) name: String,
    pub(crate) count: u64,
    pub(crate) share_pct: f64,
}

#[derive(Debug, Serialize)]
pub(crate) struct PatternRow {
    pub(crate) pattern: String,
    pub(crate) ops: u64,
    pub(crate) share_pct: f64,
    pub(crate) distinct_keys: u64,
    pub(crate) reads: u64,
    pub(crate) writes: u64,
    pub(crate) dominant_command: String,
    pub(crate) example_key: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct Stampede {
    pub(crate) key: String,
    /// Writes within one window, and by how many distinct clients.
    pub(crate) writes: u32,
    pub(crate) distinct_writers: u32,
    pub(crate) window_start_at: Option<String>,
    pub(crate) reads: u64,
    pub(crate) distinct_clients: u64,
}

#[derive(Debug, Default, Serialize)]
pub(crate) struct Penetration {
    /// Keys read at least `min_reads` times and never written in the capture.
    pub(crate) min_reads: u64,
    pub(crate) candidate_keys: u64,
    pub(crate) candidate_reads: u64,
    pub(crate) by_pattern: Vec<PenetrationPattern>,
    /// Live only: a sample of candidates checked with EXISTS.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) verified: Option<Verified>,
}

#[derive(Debug, Serialize)]
pub(crate) struct PenetrationPattern {
    pub(crate) pattern: String,
    pub(crate) keys: u64,
    pub(crate) reads: u64,
    pub(crate) example_keys: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Verified {
    pub(crate) sampled: u64,
    pub(crate) missing: u64,
    pub(crate) missing_pct: f64,
    pub(crate) missing_examples: Vec<String>,
}

#[derive(Debug, Default, Serialize)]
pub(crate) struct ExpiryWave {
    /// TTLs set during the capture (SET EX/PX/EXAT/PXAT, SETEX, EXPIRE, ...).
    pub(crate) ttls_set: u64,
    pub(crate) bucket_secs: u64,
    /// The bucket (absolute expiry time) holding the most of them.
    pub(crate) largest: Option<ExpiryBucket>,
    /// Every bucket, in time order.
    pub(crate) buckets: Vec<ExpiryBucket>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct ExpiryBucket {
    pub(crate) expires_at: String,
    pub(crate) ttls: u64,
    pub(crate) share_pct: f64,
}

pub(crate) fn at(unix_sec: u64) -> Option<String> {
    chrono::DateTime::from_timestamp(unix_sec as i64, 0).map(show::rfc3339)
}

fn shares<'a>(
    items: impl Iterator<Item = (String, u64)> + 'a,
    total: u64,
    top: usize,
) -> Vec<Share> {
    let mut v: Vec<Share> = items
        .filter(|(_, c)| *c > 0)
        .map(|(name, count)| Share {
            share_pct: pct(count, total),
            name,
            count,
        })
        .collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
    v.truncate(top);
    v
}

/// Builds the report. `rules` infers patterns.
pub(crate) fn report(t: &Traffic, cfg: &ReportConfig, rules: &PatternRules) -> HotkeysReport {
    let sig = cfg.signatures.as_ref();
    let first_sec = t.first_us.map(|f| f / 1_000_000);
    let abs = |rel: u32| first_sec.and_then(|f| at(f + u64::from(rel)));
    let span_secs = t.first_us.map_or(0.0, |f| (t.last_us - f) as f64 / 1e6);
    // Rates use the span in whole seconds covered, so a 1-event capture is not infinite.
    let rate_secs = (t.per_second.len() as f64).max(span_secs).max(1.0);
    let (peak_rel, peak) = t
        .per_second
        .iter()
        .enumerate()
        .max_by_key(|(i, n)| (**n, std::cmp::Reverse(*i)))
        .map(|(i, n)| (i as u32, *n))
        .unwrap_or((0, 0));
    // The key operations total: shares of keys are of all key accesses (`pct` answers 0
    // when there are none).
    let key_ops: u64 = t.per_key.stats.iter().map(|(_, _, k)| k.count).sum();
    let cmd_name = |id: Option<u16>| {
        id.map(|c| String::from_utf8_lossy(t.command_name(c)).into_owned())
            .unwrap_or_default()
    };

    // Top keys: select, then sort only those.
    let by_count = |a: &(u32, &[u8], &AccessStats), b: &(u32, &[u8], &AccessStats)| {
        b.2.count.cmp(&a.2.count).then_with(|| a.1.cmp(b.1))
    };
    let mut ranked: Vec<(u32, &[u8], &AccessStats)> = t.per_key.stats.iter().collect();
    if ranked.len() > cfg.top && cfg.top > 0 {
        ranked.select_nth_unstable_by(cfg.top - 1, by_count);
        ranked.truncate(cfg.top);
    }
    ranked.sort_unstable_by(by_count);
    let keys = ranked
        .iter()
        .take(cfg.top)
        .map(|(idx, k, s)| {
            let share = pct(s.count, key_ops);
            let rate = s.count as f64 / rate_secs;
            let (clients, exact) = s.distinct_clients();
            HotKey {
                key: show::key(k),
                count: s.count,
                count_error: (s.error > 0).then_some(s.error),
                share_pct: share,
                rate_per_sec: rate,
                peak_per_sec: u64::from(s.peak_n),
                peak_at: abs(s.peak_sec),
                reads: s.reads,
                writes: s.writes,
                dominant_command: cmd_name(s.dominant_cmd()),
                distinct_clients: clients,
                distinct_clients_exact: exact,
                node: cfg.nodes.get(s.node as usize).cloned(),
                pattern: show::key(&rules.pattern(k)),
                hot: sig.is_some_and(|g| g.hot(share, rate)),
                timeline: t.per_key.timelines.get(idx).map(|tl| {
                    tl.iter()
                        .map(|(sec, n)| (first_sec.unwrap_or(0) + u64::from(*sec), *n))
                        .collect()
                }),
            }
        })
        .collect();

    // One pass over every tracked key: its pattern (computed once) feeds both the pattern
    // table and the penetration groups. Examples are the busiest key of each group, so
    // the report does not depend on hash order.
    let mut pats: HashMap<Vec<u8>, PatternAgg> = HashMap::new();
    let mut pen = Penetration {
        min_reads: sig.map_or(0, |g| g.penetration_min_reads),
        ..Default::default()
    };
    let mut pen_groups: HashMap<Vec<u8>, (PenetrationPattern, Examples)> = HashMap::new();
    for (_, k, s) in t.per_key.stats.iter() {
        let p = rules.pattern(k);
        if sig.is_some_and(|g| g.penetration_candidate(s)) {
            pen.candidate_keys += 1;
            pen.candidate_reads += s.reads;
            let (g, examples) = pen_groups.entry(p.clone()).or_insert_with_key(|p| {
                (
                    PenetrationPattern {
                        pattern: show::key(p),
                        keys: 0,
                        reads: 0,
                        example_keys: Vec::new(),
                    },
                    Vec::new(),
                )
            });
            g.keys += 1;
            g.reads += s.reads;
            keep_top(examples, (s.reads, k.to_vec()), 3);
        }
        let agg = pats.entry(p).or_default();
        agg.ops += s.count;
        agg.keys += 1;
        agg.reads += s.reads;
        agg.writes += s.writes;
        if let Some(c) = s.dominant_cmd() {
            *agg.cmds.entry(c).or_default() += s.count;
        }
        if agg.example.as_ref().is_none_or(|(c, e)| {
            (s.count, std::cmp::Reverse(k)) > (*c, std::cmp::Reverse(e.as_slice()))
        }) {
            agg.example = Some((s.count, k.to_vec()));
        }
    }
    let mut patterns: Vec<PatternRow> = pats
        .into_iter()
        .map(|(p, agg)| PatternRow {
            pattern: show::key(&p),
            ops: agg.ops,
            share_pct: pct(agg.ops, key_ops),
            distinct_keys: agg.keys,
            reads: agg.reads,
            writes: agg.writes,
            dominant_command: cmd_name(
                agg.cmds
                    .into_iter()
                    .max_by_key(|(c, n)| (*n, std::cmp::Reverse(*c)))
                    .map(|(c, _)| c),
            ),
            example_key: agg.example.map(|(_, k)| show::key(&k)).unwrap_or_default(),
        })
        .collect();
    patterns.sort_by(|a, b| b.ops.cmp(&a.ops).then_with(|| a.pattern.cmp(&b.pattern)));
    patterns.truncate(cfg.top);
    pen.by_pattern = pen_groups
        .into_values()
        .map(|(mut g, ex)| {
            g.example_keys = ex.into_iter().map(|(_, k)| show::key(&k)).collect();
            g
        })
        .collect();
    pen.by_pattern.sort_by(|a, b| {
        b.reads
            .cmp(&a.reads)
            .then_with(|| a.pattern.cmp(&b.pattern))
    });
    pen.by_pattern.truncate(cfg.top);

    let mut stampedes: Vec<Stampede> = t
        .per_key
        .bursts
        .iter()
        .filter(|(_, b)| sig.is_some_and(|g| g.stampede(b)))
        .map(|(k, b)| {
            let ks = t.per_key.stats.get(k);
            Stampede {
                key: show::key(k),
                writes: b.best.0,
                distinct_writers: b.best.1,
                window_start_at: at(b.best.2 / 1_000_000),
                reads: ks.map_or(0, |s| s.reads),
                distinct_clients: ks.map_or(0, |s| s.distinct_clients().0),
            }
        })
        .collect();
    stampedes.sort_by(|a, b| {
        (b.distinct_writers, b.writes)
            .cmp(&(a.distinct_writers, a.writes))
            .then_with(|| a.key.cmp(&b.key))
    });
    stampedes.truncate(cfg.top);

    HotkeysReport {
        events: t.events,
        first_event_at: t.first_us.and_then(|f| at(f / 1_000_000)),
        last_event_at: t.first_us.and_then(|_| at(t.last_us / 1_000_000)),
        span_secs,
        events_per_sec: t.events as f64 / rate_secs,
        peak_events_per_sec: peak,
        peak_at: abs(peak_rel),
        counting: Counting {
            mode: if t.approximate() {
                "space-saving"
            } else {
                "exact"
            },
            max_keys: t.max_keys(),
            distinct_keys: t.per_key.stats.len(),
        },
        keys,
        commands: shares(
            t.command_counts()
                .map(|(n, c)| (String::from_utf8_lossy(n).into_owned(), c)),
            t.events,
            cfg.top,
        ),
        clients: shares(
            t.client_names
                .iter()
                .zip(&t.client_counts)
                .map(|(n, c)| (show::key(n), *c))
                .chain(std::iter::once((
                    "(other clients)".to_string(),
                    t.other_clients,
                ))),
            t.events,
            cfg.top,
        ),
        patterns,
        unknown_commands: shares(
            t.unknown_cmds.iter().map(|(n, c)| (n.clone(), *c)),
            t.events,
            usize::MAX,
        ),
        stampedes,
        penetration: pen,
        expiry_wave: expiry_wave(t),
    }
}

/// The busiest keys of a group: (score, key), best first.
type Examples = Vec<(u64, Vec<u8>)>;

#[derive(Default)]
struct PatternAgg {
    ops: u64,
    keys: u64,
    reads: u64,
    writes: u64,
    cmds: HashMap<u16, u64>,
    /// The busiest key (ties: the smallest name).
    example: Option<(u64, Vec<u8>)>,
}

/// Keeps the `n` largest (score, key) items, ties by smaller key, in order.
fn keep_top(v: &mut Vec<(u64, Vec<u8>)>, item: (u64, Vec<u8>), n: usize) {
    let pos = v
        .iter()
        .position(|(s, k)| (item.0, std::cmp::Reverse(&item.1)) > (*s, std::cmp::Reverse(k)))
        .unwrap_or(v.len());
    if pos < n {
        v.insert(pos, item);
        v.truncate(n);
    }
}

/// Candidate keys for EXISTS verification, most-read first, with the node they were seen
/// on; none without signatures.
pub(crate) fn penetration_candidates(
    t: &Traffic,
    cfg: &ReportConfig,
    n: usize,
) -> Vec<(Vec<u8>, u16)> {
    let Some(sig) = &cfg.signatures else {
        return Vec::new();
    };
    let mut c: Vec<(&[u8], &AccessStats)> = t
        .per_key
        .stats
        .iter()
        .filter(|(_, _, s)| sig.penetration_candidate(s))
        .map(|(_, k, s)| (k, s))
        .collect();
    c.sort_unstable_by(|a, b| b.1.reads.cmp(&a.1.reads).then_with(|| a.0.cmp(b.0)));
    c.into_iter()
        .take(n)
        .map(|(k, s)| (k.to_vec(), s.node))
        .collect()
}

fn expiry_wave(t: &Traffic) -> ExpiryWave {
    let bucket_secs = t.expiry_bucket_secs();
    let buckets: Vec<ExpiryBucket> = t
        .expiry_buckets
        .iter()
        .map(|(start, n)| ExpiryBucket {
            expires_at: at(*start).unwrap_or_default(),
            ttls: *n,
            share_pct: pct(*n, t.ttls_set),
        })
        .collect();
    let largest = buckets
        .iter()
        .max_by(|a, b| {
            a.ttls
                .cmp(&b.ttls)
                .then_with(|| b.expires_at.cmp(&a.expires_at))
        })
        .cloned();
    ExpiryWave {
        ttls_set: t.ttls_set,
        bucket_secs,
        largest,
        buckets,
    }
}
