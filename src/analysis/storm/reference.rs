//! What a node's window is compared with, strongest first: a baseline saved in calm times
//! (`--baseline`), the calm history before the window (intervals no assessment flagged,
//! when `--watch` or a replay has seen enough of them), or what the server remembers
//! (lifetime counters over uptime). The report says which one each node used. Pure.

use schemars::JsonSchema;
use serde::Serialize;

use super::baseline::NodeBaseline;
use super::series::{Interval, Point, Rates};

/// Where a reference came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum RefKind {
    /// A baseline saved in calm times with `--save-baseline`.
    Saved,
    /// The calm intervals before the window (no class fired on this node then).
    Calm,
    /// The server's lifetime counters over its uptime: weaker than a saved baseline (the
    /// uptime includes idle and stormy times alike).
    Lifetime,
    /// Nothing to compare with (no uptime reported, no history).
    None,
}

impl RefKind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            RefKind::Saved => "saved baseline",
            RefKind::Calm => "calm history",
            RefKind::Lifetime => "lifetime",
            RefKind::None => "none",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Reference {
    pub(crate) kind: RefKind,
    pub(crate) rates: Option<Rates>,
    pub(crate) hit_pct: Option<f64>,
    pub(crate) keys: Option<f64>,
    pub(crate) rtt_ms: Option<f64>,
    pub(crate) net_out_per_op: Option<f64>,
    /// The top of the normal range of ops/s (p90 of the calm intervals; a saved
    /// baseline's rate): a surge must clear it.
    pub(crate) ops_high: Option<f64>,
}

impl Reference {
    pub(crate) fn none() -> Self {
        Reference {
            kind: RefKind::None,
            rates: None,
            hit_pct: None,
            keys: None,
            rtt_ms: None,
            net_out_per_op: None,
            ops_high: None,
        }
    }

    pub(crate) fn saved(b: &NodeBaseline) -> Self {
        Reference {
            kind: RefKind::Saved,
            rates: Some(b.rates.to_rates()),
            hit_pct: b.hit_pct,
            keys: Some(b.keys as f64),
            rtt_ms: b.rtt_p95_ms,
            net_out_per_op: b.net_out_bytes_per_op,
            ops_high: Some(b.rates.ops_per_sec),
        }
    }

    /// Medians of the calm intervals (each rate on its own), with the keys and round
    /// trips of the points they end at; None with fewer than `min` intervals.
    pub(crate) fn calm(calm: &[(&Interval, &Point)], min: usize) -> Option<Self> {
        let rated: Vec<(Rates, &Point)> = calm
            .iter()
            .filter_map(|(iv, p)| Some((iv.rates()?, *p)))
            .collect();
        if rated.len() < min.max(1) {
            return None;
        }
        let med = |f: &dyn Fn(&Rates) -> f64| median(rated.iter().map(|(r, _)| f(r)).collect());
        let rates = Rates {
            ops: med(&|r| r.ops),
            hits: med(&|r| r.hits),
            misses: med(&|r| r.misses),
            sets: med(&|r| r.sets),
            expired: med(&|r| r.expired),
            evicted: med(&|r| r.evicted),
            net_out: med(&|r| r.net_out),
            conns: med(&|r| r.conns),
            rejected: med(&|r| r.rejected),
        };
        let rtts: Vec<f64> = rated.iter().filter_map(|(_, p)| p.rtt_ms).collect();
        Some(Reference {
            kind: RefKind::Calm,
            hit_pct: rates.hit_pct(),
            keys: Some(median(rated.iter().map(|(_, p)| p.keys as f64).collect())),
            rtt_ms: (!rtts.is_empty()).then(|| median(rtts)),
            net_out_per_op: (rates.ops > 0.0).then(|| rates.net_out / rates.ops),
            ops_high: quantile(rated.iter().map(|(r, _)| r.ops).collect(), 0.9),
            rates: Some(rates),
        })
    }

    /// What the server remembers at `p`: lifetime rates over uptime.
    pub(crate) fn lifetime(p: &Point) -> Self {
        let Some(rates) = p.lifetime() else {
            return Reference::none();
        };
        Reference {
            kind: RefKind::Lifetime,
            hit_pct: rates.hit_pct(),
            keys: None,
            rtt_ms: None,
            net_out_per_op: (rates.ops > 0.0).then(|| rates.net_out / rates.ops),
            ops_high: None,
            rates: Some(rates),
        }
    }

    pub(crate) fn rate(&self, f: impl Fn(&Rates) -> f64) -> Option<f64> {
        self.rates.as_ref().map(f)
    }
}

/// The median of `v` (the lower middle for an even count); 0 for none.
pub(crate) fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    v[(v.len() - 1) / 2]
}

/// The nearest-rank q-quantile of `v`.
pub(crate) fn quantile(mut v: Vec<f64>, q: f64) -> Option<f64> {
    v.sort_by(f64::total_cmp);
    crate::ratio::of_sorted(&v, q)
}
