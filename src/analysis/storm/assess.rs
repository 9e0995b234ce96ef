//! From the rules' findings to one assessment: the verdict (`healthy` / `degraded` /
//! `storm`), each fired class's severity (`minor` / `major` / `critical`: the seed levels
//! of hit %, latency and memory on its nodes, and the share of nodes affected), the
//! primary class (highest score; a tie names the cause before the symptom), the affected
//! nodes, and one summary row per node. Pure.

use schemars::JsonSchema;
use serde::Serialize;

use super::class::Class;
use super::reference::RefKind;
use super::rules::{shape, Evidence, Finding, NodeView};
use super::thresholds::Thresholds;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Verdict {
    Healthy,
    Degraded,
    Storm,
}

impl Verdict {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Verdict::Healthy => "healthy",
            Verdict::Degraded => "degraded",
            Verdict::Storm => "storm",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Severity {
    Minor,
    Major,
    Critical,
}

impl Severity {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Severity::Minor => "minor",
            Severity::Major => "major",
            Severity::Critical => "critical",
        }
    }
}

/// One class in a report.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub(crate) struct ClassReport {
    pub(crate) class: Class,
    /// 0 to 1: the summed weight of its evidence.
    pub(crate) score: f64,
    /// The score reached `score_fire` on at least one node.
    pub(crate) fired: bool,
    /// Null when the class did not fire.
    pub(crate) severity: Option<Severity>,
    /// The nodes it fired on.
    pub(crate) nodes: Vec<String>,
    /// When the class started firing (the earliest evidence of the evaluation that first
    /// fired it), unix seconds; null when it did not fire.
    pub(crate) onset_t: Option<f64>,
    pub(crate) onset: Option<String>,
    pub(crate) evidence: Vec<Evidence>,
}

/// One node over the assessed window.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub(crate) struct NodeSummary {
    pub(crate) node: String,
    /// `master` or `replica` as the node said; null when it never answered.
    pub(crate) role: Option<&'static str>,
    /// `ok`, `restarted` (within the window), `down` (missed samples) or `no_data`.
    pub(crate) status: &'static str,
    /// The last error of a node that missed samples.
    pub(crate) error: Option<String>,
    pub(crate) samples: usize,
    pub(crate) missed_samples: usize,
    pub(crate) ops_per_sec: Option<f64>,
    pub(crate) hit_pct: Option<f64>,
    pub(crate) misses_per_sec: Option<f64>,
    pub(crate) sets_per_sec: Option<f64>,
    pub(crate) expired_per_sec: Option<f64>,
    pub(crate) evicted_per_sec: Option<f64>,
    pub(crate) keys: Option<u64>,
    /// Keys at the end of the window minus keys at its start.
    pub(crate) keys_change: Option<i64>,
    pub(crate) used_memory_pct: Option<f64>,
    pub(crate) connected_clients: Option<u64>,
    pub(crate) rtt_p95_ms: Option<f64>,
    /// What this node's window was compared with: `saved`, `calm`, `lifetime` or `none`.
    pub(crate) reference: RefKind,
}

/// The detector's view at one evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub(crate) struct Assessment {
    /// Unix seconds of the evaluation (the newest sample).
    pub(crate) t: f64,
    pub(crate) verdict: Verdict,
    pub(crate) severity: Option<Severity>,
    pub(crate) primary_class: Option<Class>,
    /// Nodes any fired class names.
    pub(crate) nodes: Vec<String>,
    /// Classes with any evidence, fired first, by score.
    pub(crate) classes: Vec<ClassReport>,
    pub(crate) node_summaries: Vec<NodeSummary>,
}

pub(crate) fn assess(
    t: f64,
    findings: Vec<Finding>,
    views: &[NodeView],
    th: &Thresholds,
) -> Assessment {
    let total = views.len();
    let mut classes: Vec<ClassReport> = findings
        .into_iter()
        .filter(|f| f.score > 0.0)
        .map(|f| {
            let fired = f.score >= th.score_fire && !f.nodes.is_empty();
            let severity = fired.then(|| severity(&f, views, total, th));
            ClassReport {
                class: f.class,
                score: f.score,
                fired,
                severity,
                nodes: f.nodes,
                onset_t: None,
                onset: None,
                evidence: f.evidence,
            }
        })
        .collect();
    classes.sort_by(|a, b| {
        b.fired
            .cmp(&a.fired)
            .then(b.score.total_cmp(&a.score))
            .then(a.class.rank().cmp(&b.class.rank()))
    });
    let fired: Vec<&ClassReport> = classes.iter().filter(|c| c.fired).collect();
    let verdict = match fired.first() {
        None => Verdict::Healthy,
        Some(c) if c.score >= th.score_storm => Verdict::Storm,
        Some(_) if fired.iter().any(|c| c.score >= th.score_storm) => Verdict::Storm,
        Some(_) => Verdict::Degraded,
    };
    let mut nodes: Vec<String> = fired.iter().flat_map(|c| c.nodes.iter().cloned()).collect();
    nodes.sort();
    nodes.dedup();
    Assessment {
        t,
        verdict,
        severity: fired.iter().filter_map(|c| c.severity).max(),
        primary_class: fired.first().map(|c| c.class),
        nodes,
        node_summaries: views.iter().map(|v| summary(v, th)).collect(),
        classes,
    }
}

/// The seed levels on the class's nodes, raised by the share of nodes it covers.
fn severity(f: &Finding, views: &[NodeView], total: usize, th: &Thresholds) -> Severity {
    let mut level = if f.score >= th.score_storm {
        Severity::Major
    } else {
        Severity::Minor
    };
    for v in views.iter().filter(|v| f.nodes.iter().any(|n| n == v.name)) {
        let after = v.restart_at().map_or(f64::MIN, |iv| iv.t0);
        if let Some((hit, _)) = shape::hit_pct_after(v, after, th) {
            if hit < th.hit_pct_critical {
                level = level.max(Severity::Critical);
            } else if hit < th.hit_pct_warning {
                level = level.max(Severity::Major);
            }
        }
        if let Some(p95) = v.rtt_p95() {
            if p95 > th.latency_ms_critical {
                level = level.max(Severity::Critical);
            } else if p95 > th.latency_ms_warning {
                level = level.max(Severity::Major);
            }
        }
        if let Some(pct) = v.last().and_then(|p| p.memory_pct()) {
            if pct > th.memory_pct_critical {
                level = level.max(Severity::Critical);
            } else if pct > th.memory_pct_warning {
                level = level.max(Severity::Major);
            }
        }
        if !v.down.is_empty() && !v.points.iter().any(|p| p.t > v.down[0].0) {
            level = level.max(Severity::Critical);
        }
    }
    if total >= 2 {
        let share = f.nodes.len() as f64 * 100.0 / total as f64;
        if share >= th.nodes_pct_critical {
            level = level.max(Severity::Critical);
        } else if share >= th.nodes_pct_major {
            level = level.max(Severity::Major);
        }
    }
    level
}

fn summary(v: &NodeView, th: &Thresholds) -> NodeSummary {
    let last = v.last();
    let rates = v.rates();
    let status = if v.points.is_empty() {
        if v.down.is_empty() {
            "no_data"
        } else {
            "down"
        }
    } else if !v.down.is_empty() {
        "down"
    } else if v.restart_at().is_some() {
        "restarted"
    } else {
        "ok"
    };
    let round1 = |x: f64| (x * 10.0).round() / 10.0;
    NodeSummary {
        node: v.name.to_string(),
        role: last.and_then(|p| match p.role.as_deref() {
            Some("master") => Some("master"),
            Some("slave") => Some("replica"),
            _ => None,
        }),
        status,
        error: v.down.last().map(|d| d.1.clone()),
        samples: v.points.len(),
        missed_samples: v.down.len(),
        ops_per_sec: rates.map(|r| round1(r.ops)),
        hit_pct: shape::hit_pct_after(v, f64::MIN, th).map(|h| round1(h.0)),
        misses_per_sec: rates.map(|r| round1(r.misses)),
        sets_per_sec: rates.map(|r| round1(r.sets)),
        expired_per_sec: rates.map(|r| round1(r.expired)),
        evicted_per_sec: rates.map(|r| round1(r.evicted)),
        keys: last.map(|p| p.keys),
        keys_change: v
            .first()
            .zip(last)
            .map(|(a, b)| b.keys as i64 - a.keys as i64),
        used_memory_pct: last.and_then(|p| p.memory_pct()).map(round1),
        connected_clients: last.and_then(|p| p.clients),
        rtt_p95_ms: v.rtt_p95().map(|r| (r * 1000.0).round() / 1000.0),
        reference: v.reference.kind,
    }
}
