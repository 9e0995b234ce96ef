//! From counted traffic to the `hotkeys` / `patterns` report: top keys with shares, rates
//! and peaks, top commands and clients, patterns ([`by_pattern`]), and the stampede,
//! penetration and expiry-wave signatures ([`signatures`]). Pure: no I/O, no clock (times
//! are the events' own).
//!
//! Rates divide by the span from the earliest event to the latest (microseconds), the
//! span the report states. A capture with one event, or whose events share one
//! microsecond, has no span and so no rate: `events_per_sec` and every `rate_per_sec`
//! are null (never a division by zero), and tables show `-`. Times keep the events'
//! microseconds (RFC 3339 UTC).

mod by_pattern;
mod signatures;

use std::cmp::Reverse;

use serde::Serialize;

pub(crate) use self::by_pattern::PatternRow;
pub(crate) use self::signatures::{
    penetration_candidates, ExpiryWave, Penetration, SignatureConfig, Stampede, Verified,
};
use super::patterns::PatternRules;
use super::traffic::{AccessStats, Traffic};
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

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub(crate) struct HotkeysReport {
    pub(crate) events: u64,
    pub(crate) first_event_at: Option<String>,
    pub(crate) last_event_at: Option<String>,
    /// From the earliest event to the latest, to the microsecond.
    #[serde(rename = "span_ms", serialize_with = "crate::show::ms::from_secs")]
    #[schemars(with = "f64")]
    pub(crate) span_secs: f64,
    /// `events / span_secs`; null when the span is zero (one event, or one instant).
    pub(crate) events_per_sec: Option<f64>,
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

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub(crate) struct Counting {
    /// `exact`, or `space-saving` once more than `max_keys` distinct keys were seen.
    pub(crate) mode: &'static str,
    pub(crate) max_keys: usize,
    /// Distinct keys seen: exact, or in space-saving mode a HyperLogLog estimate
    /// (`distinct_keys_exact` false; standard error ~0.8%).
    pub(crate) distinct_keys: u64,
    pub(crate) distinct_keys_exact: bool,
    /// Keys whose counts the report holds (at most `max_keys`).
    pub(crate) tracked_keys: usize,
}

/// One second of a key's timeline.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub(crate) struct Second {
    /// The second's start.
    pub(crate) at: Option<String>,
    pub(crate) events: u32,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub(crate) struct HotKey {
    pub(crate) key: String,
    pub(crate) count: u64,
    /// Space-saving only: the true count is at least `count - count_error`.
    pub(crate) count_error: Option<u64>,
    pub(crate) share_pct: f64,
    /// `count / span_secs` of the capture; null when the span is zero.
    pub(crate) rate_per_sec: Option<f64>,
    pub(crate) peak_per_sec: u64,
    pub(crate) peak_at: Option<String>,
    pub(crate) reads: u64,
    pub(crate) writes: u64,
    pub(crate) dominant_command: String,
    /// Exact up to 4 (`distinct_clients_exact`), else estimated (never above `count`);
    /// 1420 means "1420 or more".
    pub(crate) distinct_clients: u64,
    pub(crate) distinct_clients_exact: bool,
    pub(crate) node: Option<String>,
    pub(crate) pattern: String,
    pub(crate) hot: bool,
    /// Events per second (the seconds with any), with `--timeline`.
    pub(crate) timeline: Option<Vec<Second>>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub(crate) struct Share {
    pub(crate) name: String,
    pub(crate) count: u64,
    pub(crate) share_pct: f64,
}

/// A whole second as RFC 3339 UTC, with microseconds like every time of this report.
pub(crate) fn at(unix_sec: u64) -> Option<String> {
    show::rfc3339_us(unix_sec.checked_mul(1_000_000)?)
}

/// A command id's name ("" for none).
fn command_name(t: &Traffic, id: Option<u16>) -> String {
    id.map(|c| String::from_utf8_lossy(t.command_name(c)).into_owned())
        .unwrap_or_default()
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

/// The time frame of a count: relative seconds to absolute, and the rate divisor.
struct Span {
    first_sec: Option<u64>,
    /// Seconds from the earliest event to the latest; rates divide by it.
    secs: f64,
}

impl Span {
    fn at(&self, rel: u32) -> Option<String> {
        self.first_sec.and_then(|f| at(f + u64::from(rel)))
    }

    /// `n` events over the span; None when the span is zero.
    fn rate(&self, n: u64) -> Option<f64> {
        (self.secs > 0.0).then(|| n as f64 / self.secs)
    }
}

/// The `cfg.top` most counted keys, most first (ties by key).
fn top_keys(
    t: &Traffic,
    cfg: &ReportConfig,
    rules: &PatternRules,
    span: &Span,
    key_ops: u64,
) -> Vec<HotKey> {
    // Select, then sort only those.
    let by_count = |a: &(u32, &[u8], &AccessStats), b: &(u32, &[u8], &AccessStats)| {
        b.2.count.cmp(&a.2.count).then_with(|| a.1.cmp(b.1))
    };
    let mut ranked: Vec<(u32, &[u8], &AccessStats)> = t.per_key.stats.iter().collect();
    if ranked.len() > cfg.top && cfg.top > 0 {
        ranked.select_nth_unstable_by(cfg.top - 1, by_count);
        ranked.truncate(cfg.top);
    }
    ranked.sort_unstable_by(by_count);
    let sig = cfg.signatures.as_ref();
    ranked
        .iter()
        .take(cfg.top)
        .map(|(idx, k, s)| {
            let share = pct(s.count, key_ops);
            let rate = span.rate(s.count);
            let (clients, exact) = s.distinct_clients();
            HotKey {
                key: show::key(k),
                count: s.count,
                count_error: (s.error > 0).then_some(s.error),
                share_pct: share,
                rate_per_sec: rate,
                peak_per_sec: u64::from(s.peak_n),
                peak_at: span.at(s.peak_sec),
                reads: s.reads,
                writes: s.writes,
                dominant_command: command_name(t, s.dominant_cmd()),
                distinct_clients: clients,
                distinct_clients_exact: exact,
                node: cfg.nodes.get(s.node as usize).cloned(),
                pattern: show::key(&rules.pattern(k)),
                hot: sig.is_some_and(|g| g.hot(share, rate)),
                timeline: t.per_key.timelines.get(idx).map(|tl| {
                    tl.iter()
                        .map(|(sec, n)| Second {
                            at: at(span.first_sec.unwrap_or(0) + u64::from(*sec)),
                            events: *n,
                        })
                        .collect()
                }),
            }
        })
        .collect()
}

/// Builds the report. `rules` infers patterns.
pub(crate) fn report(t: &Traffic, cfg: &ReportConfig, rules: &PatternRules) -> HotkeysReport {
    let span = Span {
        first_sec: t.first_us.map(|f| f / 1_000_000),
        secs: t.span_us() as f64 / 1e6,
    };
    let (peak_rel, peak) = t
        .per_second
        .iter()
        .enumerate()
        .max_by_key(|(i, n)| (**n, Reverse(*i)))
        .map(|(i, n)| (i as u32, *n))
        .unwrap_or((0, 0));
    // The key operations total: shares of keys are of all key accesses (`pct` answers 0
    // when there are none).
    let key_ops: u64 = t.per_key.stats.iter().map(|(_, _, k)| k.count).sum();
    let sig = cfg.signatures.as_ref();
    let (patterns, penetration) = by_pattern::by_pattern(t, sig, rules, key_ops, cfg.top);
    let (distinct_keys, distinct_keys_exact) = t.distinct_keys();
    HotkeysReport {
        events: t.events,
        first_event_at: t.first_us.and_then(|_| show::rfc3339_us(t.earliest_us)),
        last_event_at: t.first_us.and_then(|_| show::rfc3339_us(t.last_us)),
        span_secs: span.secs,
        events_per_sec: span.rate(t.events),
        peak_events_per_sec: peak,
        peak_at: span.at(peak_rel),
        counting: Counting {
            mode: if t.approximate() {
                "space-saving"
            } else {
                "exact"
            },
            max_keys: t.max_keys(),
            distinct_keys,
            distinct_keys_exact,
            tracked_keys: t.per_key.stats.len(),
        },
        keys: top_keys(t, cfg, rules, &span, key_ops),
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
        stampedes: signatures::stampedes(t, sig, cfg.top),
        penetration,
        expiry_wave: signatures::expiry_wave(t),
    }
}
