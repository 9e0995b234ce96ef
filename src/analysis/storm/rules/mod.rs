//! One rule per storm class. Each reads the window of every node ([`NodeView`]: its
//! points, intervals, rates and reference) and returns a [`Finding`]: a score in [0, 1],
//! the nodes it fired on and its evidence (metric, node, observed value, what it was
//! compared with, unit, when it was seen). A rule adds the weight of each piece of
//! evidence it finds; gates keep a rule silent when the evidence that separates its class
//! from look-alikes is missing. Pure.

mod breakdown;
mod cold_start;
mod connections;
mod expiration;
mod hot_key;
mod invalidation;
mod memory;
mod penetration;
mod replication;
mod slow;

use schemars::JsonSchema;
use serde::Serialize;

use super::class::Class;
use super::reference::{quantile, Reference};
use super::series::{Counters, Interval, NodeSeries, Point, Rates};
use super::thresholds::Thresholds;
use super::Extra;

/// What the reading was compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Against {
    /// A threshold of the table (`detect --thresholds`).
    Threshold,
    /// A baseline saved with `--save-baseline`.
    Baseline,
    /// The calm intervals before the window.
    Calm,
    /// The server's lifetime counters over its uptime.
    Lifetime,
    /// The node's peers (the other masters).
    Peers,
    /// Earlier in the same window (its start, or its median).
    Window,
    /// Nothing: the reading is the evidence itself (a restart, a link down).
    Event,
    /// Nothing to compare with (no baseline, no calm samples, no uptime to average over).
    None,
}

impl Against {
    pub(crate) fn of(r: &Reference) -> Self {
        use super::reference::RefKind;
        match r.kind {
            RefKind::Saved => Against::Baseline,
            RefKind::Calm => Against::Calm,
            RefKind::Lifetime => Against::Lifetime,
            RefKind::None => Against::None,
        }
    }
}

/// One piece of evidence.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub(crate) struct Evidence {
    /// What was read (`expired_per_sec`, `hit_pct`, `master_link_status`, ...).
    pub(crate) metric: &'static str,
    pub(crate) node: String,
    pub(crate) observed: f64,
    /// The value it was compared with (threshold, reference, peers); null for an event.
    pub(crate) compared_with: Option<f64>,
    pub(crate) against: Against,
    pub(crate) unit: &'static str,
    /// Unix seconds of the sample it was seen in.
    pub(crate) t: f64,
    /// The same time, RFC 3339 UTC.
    pub(crate) at: String,
    /// The evidence in words.
    pub(crate) says: String,
    /// How much it adds to its class's score.
    pub(crate) weight: f64,
}

/// A rule's result.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Finding {
    pub(crate) class: Class,
    pub(crate) score: f64,
    /// Nodes the class fired on (score reached the fire threshold on them).
    pub(crate) nodes: Vec<String>,
    pub(crate) evidence: Vec<Evidence>,
}

/// One node's window as the rules see it.
pub(crate) struct NodeView<'a> {
    pub(crate) name: &'a str,
    pub(crate) series: &'a NodeSeries,
    /// Good points within the window, oldest first.
    pub(crate) points: Vec<&'a Point>,
    /// Intervals ending within the window.
    pub(crate) intervals: Vec<Interval>,
    pub(crate) reference: Reference,
    /// Samples the node missed in the window: (t, error).
    pub(crate) down: Vec<(f64, String)>,
    pub(crate) extra: &'a Extra,
    /// The class that last fired on this node within the history, and when.
    pub(crate) recent: Option<(Class, f64)>,
    pub(crate) from: f64,
    pub(crate) to: f64,
}

impl NodeView<'_> {
    /// Intervals with rates (no restart or reset inside), with them.
    pub(crate) fn rated(&self) -> Vec<(&Interval, Rates)> {
        self.intervals
            .iter()
            .filter_map(|iv| Some((iv, iv.rates()?)))
            .collect()
    }

    /// Summed deltas and seconds of the rated intervals ending after `after`.
    pub(crate) fn sum_after(&self, after: f64) -> Option<(Counters, f64)> {
        let mut sum = Counters::default();
        let mut secs = 0.0;
        for iv in self.intervals.iter().filter(|iv| iv.t1 > after) {
            if let Some(d) = &iv.d {
                sum = sum.plus(d);
                secs += iv.secs();
            }
        }
        (secs > 0.0).then_some((sum, secs))
    }

    /// Rates over the whole window (rated intervals only).
    pub(crate) fn rates(&self) -> Option<Rates> {
        self.sum_after(f64::MIN).map(|(c, s)| Rates::of(&c, s))
    }

    /// Time of the last restart within the window (an interval whose reset says so).
    pub(crate) fn restart_at(&self) -> Option<&Interval> {
        self.intervals
            .iter()
            .rev()
            .find(|iv| iv.reset.as_deref().is_some_and(|r| r.contains("restart")))
    }

    pub(crate) fn first(&self) -> Option<&Point> {
        self.points.first().copied()
    }

    pub(crate) fn last(&self) -> Option<&Point> {
        self.points.last().copied()
    }

    pub(crate) fn rtt_p95(&self) -> Option<f64> {
        quantile(self.points.iter().filter_map(|p| p.rtt_ms).collect(), 0.95)
    }

    /// Evidence about the node's key count: `now` against `before` in the same window.
    pub(crate) fn keys_ev(
        &self,
        now: u64,
        before: u64,
        t: f64,
        weight: f64,
        says: String,
    ) -> Evidence {
        self.ev(
            "keys",
            now as f64,
            Some(before as f64),
            Against::Window,
            "keys",
            t,
            weight,
            says,
        )
    }

    /// A piece of evidence about this node.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn ev(
        &self,
        metric: &'static str,
        observed: f64,
        compared_with: Option<f64>,
        against: Against,
        unit: &'static str,
        t: f64,
        weight: f64,
        says: String,
    ) -> Evidence {
        Evidence {
            metric,
            node: self.name.to_string(),
            observed: round(observed),
            compared_with: compared_with.map(round),
            against,
            unit,
            t,
            at: crate::show::rfc3339_secs(t),
            says,
            weight,
        }
    }
}

/// Rounded for the report: four significant decimals are plenty for evidence.
fn round(v: f64) -> f64 {
    if v.abs() >= 100.0 {
        (v * 10.0).round() / 10.0
    } else {
        (v * 1000.0).round() / 1000.0
    }
}

/// A node's score for one class: the evidence found and its summed weight.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    pub(crate) evidence: Vec<Evidence>,
    /// The score is capped here (a class that lacks its strongest evidence).
    pub(crate) cap: Option<f64>,
}

impl Tally {
    pub(crate) fn add(&mut self, e: Evidence) {
        self.evidence.push(e);
    }

    pub(crate) fn score(&self) -> f64 {
        let s: f64 = self.evidence.iter().map(|e| e.weight).sum();
        s.min(self.cap.unwrap_or(1.0)).clamp(0.0, 1.0)
    }
}

/// A rule that scores each node on its own.
type NodeRule = fn(&NodeView, &Thresholds) -> Tally;

/// Every rule over the same window.
pub(crate) fn all(views: &[NodeView], th: &Thresholds) -> Vec<Finding> {
    let per_node: [(Class, NodeRule); 8] = [
        (Class::ColdStart, cold_start::node),
        (Class::MassInvalidation, invalidation::node),
        (Class::MassExpiration, expiration::node),
        (Class::MemoryPressure, memory::node),
        (Class::Penetration, penetration::node),
        (Class::Breakdown, breakdown::node),
        (Class::ConnectionStorm, connections::node),
        (Class::SlowCommands, slow::node),
    ];
    let mut tallies: Vec<(Class, Vec<Tally>)> = per_node
        .iter()
        .map(|(class, rule)| (*class, views.iter().map(|v| rule(v, th)).collect()))
        .collect();
    tallies.push((Class::Replication, replication::nodes(views, th)));
    tallies.push((Class::HotKey, hot_key::nodes(views, th)));
    recovering(views, th, &mut tallies);
    tallies
        .into_iter()
        .map(|(class, t)| finding(class, t, views, th))
        .collect()
}

/// A node on which no class fires now, but one fired within the history, and whose hit
/// rate is still collapsed: the storm is not over, it is still being recovered from. The
/// class that last fired there keeps the node (degraded), so the verdict does not turn
/// healthy while the hit rate is still down.
fn recovering(views: &[NodeView], th: &Thresholds, tallies: &mut [(Class, Vec<Tally>)]) {
    for (i, v) in views.iter().enumerate() {
        let Some((class, since)) = v.recent else {
            continue;
        };
        if tallies.iter().any(|(_, t)| t[i].score() >= th.score_fire) {
            continue;
        }
        let (Some(last), Some((hit, _))) = (v.last(), shape::hit_pct_after(v, f64::MIN, th)) else {
            continue;
        };
        let Some(mut e) = shape::hit_collapse(v, hit, last.t, th, 0.55) else {
            continue;
        };
        e.says = format!(
            "{}: still recovering from the {class} that fired here at {} UTC",
            e.says,
            crate::show::rfc3339_secs(since)
                .split_once('T')
                .map_or(String::new(), |(_, t)| t.trim_end_matches('Z').to_string())
        );
        if let Some((_, t)) = tallies.iter_mut().find(|(c, _)| *c == class) {
            t[i].cap = None;
            t[i].add(e);
        }
    }
}

/// A class's finding from each node's tally (in view order): the best node's score, the
/// nodes that reached the fire threshold, their evidence (or the best node's, when none
/// fired).
fn finding(class: Class, tallies: Vec<Tally>, views: &[NodeView], th: &Thresholds) -> Finding {
    let scores: Vec<f64> = tallies.iter().map(Tally::score).collect();
    let best = scores.iter().copied().fold(0.0, f64::max);
    let mut nodes = Vec::new();
    let mut evidence = Vec::new();
    for ((t, s), v) in tallies.into_iter().zip(&scores).zip(views) {
        if *s >= th.score_fire {
            nodes.push(v.name.to_string());
            evidence.extend(t.evidence);
        } else if *s == best && best > 0.0 && evidence.is_empty() && nodes.is_empty() {
            evidence = t.evidence;
        }
    }
    Finding {
        class,
        score: (best * 100.0).round() / 100.0,
        nodes,
        evidence,
    }
}

/// Shared shapes of evidence several rules use.
pub(crate) mod shape {
    use super::*;

    /// The biggest fall of keys within the window (no restart between its two ends).
    #[derive(Debug, Clone, Copy)]
    pub(crate) struct KeyDrop {
        pub(crate) peak: u64,
        pub(crate) peak_t: f64,
        pub(crate) trough: u64,
        pub(crate) trough_t: f64,
    }

    impl KeyDrop {
        pub(crate) fn pct(&self) -> f64 {
            crate::ratio::pct(self.peak - self.trough, self.peak)
        }
    }

    pub(crate) fn biggest_drop(v: &NodeView) -> Option<KeyDrop> {
        let mut best: Option<KeyDrop> = None;
        let mut peak: Option<(u64, f64)> = None;
        let mut prev: Option<&Point> = None;
        for p in &v.points {
            let restarted =
                prev.is_some_and(|q| q.run_id != p.run_id || p.uptime_secs < q.uptime_secs);
            if restarted || peak.is_none_or(|k| p.keys >= k.0) {
                peak = Some((p.keys, p.t));
            }
            let (pk, pt) = peak.unwrap_or((p.keys, p.t));
            if pk > p.keys && best.is_none_or(|b| pk - p.keys > b.peak - b.trough) {
                best = Some(KeyDrop {
                    peak: pk,
                    peak_t: pt,
                    trough: p.keys,
                    trough_t: p.t,
                });
            }
            prev = Some(p);
        }
        best
    }

    /// Summed deltas of the rated intervals ending in `(from, to]`.
    pub(crate) fn sum_between(v: &NodeView, from: f64, to: f64) -> Counters {
        v.intervals
            .iter()
            .filter(|iv| iv.t1 > from && iv.t1 <= to)
            .filter_map(|iv| iv.d.as_ref())
            .fold(Counters::default(), |a, d| a.plus(d))
    }

    /// A node refilling after losing keys before the window: hit % collapsed, SETs
    /// following the misses, keys growing, no restart in the window. The evidence of the
    /// refill (weights 0.2 + 0.15); the cause is for each rule to find.
    pub(crate) fn refill(v: &NodeView, th: &Thresholds) -> Option<[Evidence; 2]> {
        let (first, last) = (v.first()?, v.last()?);
        if v.restart_at().is_some() {
            return None;
        }
        let (hit, r) = hit_pct_after(v, f64::MIN, th)?;
        let growing = last.keys as f64 >= first.keys as f64 * (1.0 + th.key_drop_pct / 100.0);
        let refilling = r.misses > 0.0 && r.sets / r.misses >= th.refill_sets_per_miss;
        if !(growing && refilling) {
            return None;
        }
        let collapse = hit_collapse(v, hit, last.t, th, 0.2)?;
        let keys = v.keys_ev(
            last.keys,
            first.keys,
            last.t,
            0.15,
            format!(
                "keys refilling: {} to {} within the window, {} SETs/s after {} misses/s",
                crate::units::count(first.keys as f64),
                crate::units::count(last.keys as f64),
                crate::units::count(r.sets),
                crate::units::count(r.misses)
            ),
        );
        Some([collapse, keys])
    }

    /// Hit % over the window after `after` (restarts excluded), with its read rate, when
    /// there were enough reads to speak of one.
    pub(crate) fn hit_pct_after(v: &NodeView, after: f64, th: &Thresholds) -> Option<(f64, Rates)> {
        let (c, s) = v.sum_after(after)?;
        let r = Rates::of(&c, s);
        (r.reads() >= th.min_reads_per_sec).then_some(())?;
        Some((r.hit_pct()?, r))
    }

    /// Whether hit % `now` has collapsed: below the critical level, or `hit_drop_points`
    /// below the reference; with the evidence that says so.
    pub(crate) fn hit_collapse(
        v: &NodeView,
        now: f64,
        t: f64,
        th: &Thresholds,
        weight: f64,
    ) -> Option<Evidence> {
        let reference = v.reference.hit_pct;
        if let Some(r) = reference {
            if now <= r - th.hit_drop_points {
                return Some(v.ev(
                    "hit_pct",
                    now,
                    Some(r),
                    Against::of(&v.reference),
                    "%",
                    t,
                    weight,
                    format!(
                        "hit rate {now:.1}% against {r:.1}% ({})",
                        v.reference.kind.name()
                    ),
                ));
            }
        }
        if now < th.hit_pct_critical && reference.is_none_or(|r| now < r - 5.0) {
            return Some(v.ev(
                "hit_pct",
                now,
                Some(th.hit_pct_critical),
                Against::Threshold,
                "%",
                t,
                weight,
                format!(
                    "hit rate {now:.1}% is below the critical {:.0}%",
                    th.hit_pct_critical
                ),
            ));
        }
        None
    }
}
