//! The detector: keeps every node's recent history, evaluates the rules over the last
//! `window` seconds whenever asked (after each sampling round live; after each group of
//! samples on replay), remembers when each class started firing (its onset), records a
//! timeline entry whenever the verdict, the primary class or the affected nodes change,
//! and keeps the most severe assessment of the run: what a one-shot run and a replay
//! report, exactly as `--watch` would have seen it. Pure.

use std::collections::{BTreeMap, HashMap};

use schemars::JsonSchema;
use serde::Serialize;

use super::assess::{assess, Assessment, Severity, Verdict};
use super::baseline::{Baseline, NodeBaseline};
use super::class::Class;
use super::reference::Reference;
use super::rules::{self, NodeView};
use super::series::NodeSeries;
use super::thresholds::Thresholds;
use super::{Extra, Sample, SampleKind};

/// How far back the calm history reaches (seconds before the window).
const HISTORY_SECS: f64 = 300.0;

/// A change of verdict, primary class or affected nodes: one `--watch` event.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub(crate) struct Change {
    /// Always `verdict`.
    pub(crate) event: &'static str,
    /// Unix seconds of the sample that changed it.
    pub(crate) t: f64,
    pub(crate) at: String,
    pub(crate) verdict: Verdict,
    pub(crate) severity: Option<Severity>,
    pub(crate) primary_class: Option<Class>,
    pub(crate) nodes: Vec<String>,
    pub(crate) classes: Vec<ClassBrief>,
}

/// A fired class in an event.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub(crate) struct ClassBrief {
    pub(crate) class: Class,
    pub(crate) score: f64,
    pub(crate) severity: Option<Severity>,
    pub(crate) nodes: Vec<String>,
}

pub(crate) struct Detector {
    names: Vec<String>,
    index: HashMap<String, usize>,
    series: Vec<NodeSeries>,
    extra: Vec<Extra>,
    /// Per node: evaluation times at which a fired class named it.
    alarms: Vec<Vec<f64>>,
    /// Per node: the class that last fired on it, and when.
    recent: Vec<Option<(Class, f64)>>,
    th: Thresholds,
    window: f64,
    baseline: Option<Baseline>,
    onsets: BTreeMap<Class, f64>,
    last: Option<(Verdict, Option<Class>, Vec<String>)>,
    timeline: Vec<Change>,
    worst: Option<Assessment>,
    evaluations: u64,
}

impl Detector {
    /// `names`: the nodes known up front (live); a replay adds nodes as it meets them.
    pub(crate) fn new(
        names: Vec<String>,
        th: Thresholds,
        window_secs: f64,
        baseline: Option<Baseline>,
    ) -> Self {
        let mut d = Detector {
            names: Vec::new(),
            index: HashMap::new(),
            series: Vec::new(),
            extra: Vec::new(),
            alarms: Vec::new(),
            recent: Vec::new(),
            th,
            window: window_secs,
            baseline,
            onsets: BTreeMap::new(),
            last: None,
            timeline: Vec::new(),
            worst: None,
            evaluations: 0,
        };
        for n in names {
            d.node(&n);
        }
        d
    }

    fn node(&mut self, name: &str) -> usize {
        if let Some(i) = self.index.get(name) {
            return *i;
        }
        let i = self.names.len();
        self.names.push(name.to_string());
        self.index.insert(name.to_string(), i);
        self.series.push(NodeSeries::new(name.to_string()));
        self.extra.push(Extra::default());
        self.alarms.push(Vec::new());
        self.recent.push(None);
        i
    }

    pub(crate) fn names(&self) -> &[String] {
        &self.names
    }

    pub(crate) fn extra(&self) -> &[Extra] {
        &self.extra
    }

    pub(crate) fn push(&mut self, s: Sample) {
        let i = self.node(&s.node);
        match s.kind {
            SampleKind::Info { info, rtt_ms } => self.series[i].push_info(s.t, rtt_ms, *info),
            SampleKind::Down(e) => self.series[i].push_down(s.t, e),
            SampleKind::Slowlog(l) => self.extra[i].slowlogs.push((s.t, l)),
            SampleKind::Latency(l) => self.extra[i].latency.push((s.t, l)),
            SampleKind::Skipped { what, why } => self.extra[i].skipped.push((what, why)),
            SampleKind::TtlSample(ts) => self.extra[i].ttl = Some((s.t, ts)),
        }
    }

    /// Adds a MONITOR sample of `node` (evidence from the next evaluation on).
    pub(crate) fn add_monitor(&mut self, node: &str, m: super::monitor::MonitorSummary) {
        let i = self.node(node);
        self.extra[i].monitor = Some(m);
    }

    /// Evaluates the window ending at `now`; returns the assessment and the change it
    /// makes to the timeline, if any.
    pub(crate) fn evaluate(&mut self, now: f64) -> (Assessment, Option<Change>) {
        self.evaluations += 1;
        let from = now - self.window;
        for s in &mut self.series {
            s.trim_before(from - HISTORY_SECS);
        }
        for a in &mut self.alarms {
            let old = a.partition_point(|t| *t < from - HISTORY_SECS);
            a.drain(..old);
        }
        let views: Vec<NodeView> = (0..self.names.len())
            .map(|i| self.view(i, from, now))
            .collect();
        let findings = rules::all(&views, &self.th);
        let mut a = assess(now, findings, &views, &self.th);
        drop(views);
        self.note_onsets(&mut a);
        for (i, name) in self.names.iter().enumerate() {
            if a.nodes.contains(name) {
                self.alarms[i].push(now);
            }
            // Classes are sorted fired first, by score: the first that names the node.
            if let Some(c) = a.classes.iter().find(|c| c.fired && c.nodes.contains(name)) {
                self.recent[i] = Some((c.class, now));
            } else if self.recent[i].is_some_and(|(_, t)| t < now - HISTORY_SECS) {
                self.recent[i] = None;
            }
        }
        let change = self.note_change(&a);
        if self.worst.as_ref().is_none_or(|w| worse(&a, w)) {
            self.worst = Some(a.clone());
        }
        (a, change)
    }

    fn view(&self, i: usize, from: f64, now: f64) -> NodeView<'_> {
        let s = &self.series[i];
        let intervals = s.intervals(from + 1e-9, now);
        // The window's points start where its first interval starts.
        let start = intervals.first().map_or(from, |iv| iv.t0.min(from));
        let points: Vec<_> = s.points_in(start, now).collect();
        let reference = self.reference(i, from, points.first().copied());
        NodeView {
            name: &self.names[i],
            series: s,
            points,
            intervals,
            reference,
            down: s.down_in(from, now).cloned().collect(),
            extra: &self.extra[i],
            recent: self.recent[i],
            from,
            to: now,
        }
    }

    /// Saved baseline, else the calm intervals before the window, else lifetime counters.
    fn reference(&self, i: usize, from: f64, first: Option<&super::series::Point>) -> Reference {
        if let Some(b) = self.baseline.as_ref().and_then(|b| b.node(&self.names[i])) {
            return Reference::saved(b);
        }
        let s = &self.series[i];
        // Alarm times are in increasing order: is there one in [t1, t1 + window]?
        let alarms = &self.alarms[i];
        let alarmed = |t1: f64| {
            let k = alarms.partition_point(|a| *a < t1);
            alarms.get(k).is_some_and(|a| *a <= t1 + self.window)
        };
        let calm: Vec<_> = s
            .intervals(f64::MIN, from)
            .into_iter()
            .filter(|iv| !alarmed(iv.t1))
            .collect();
        let pairs: Vec<_> = calm.iter().map(|iv| (iv, &s.points[iv.at])).collect();
        if let Some(r) = Reference::calm(&pairs, self.th.calm_min_intervals as usize) {
            return r;
        }
        // Lifetime counters of a server younger than the window describe the window
        // itself, not what came before it.
        first
            .filter(|p| p.uptime_secs.is_some_and(|u| u as f64 >= self.window))
            .map_or_else(Reference::none, Reference::lifetime)
    }

    /// A class that starts firing gets its onset: the earliest evidence of this
    /// evaluation. Classes that stop firing lose theirs.
    fn note_onsets(&mut self, a: &mut Assessment) {
        let firing: Vec<Class> = a
            .classes
            .iter()
            .filter(|c| c.fired)
            .map(|c| c.class)
            .collect();
        self.onsets.retain(|c, _| firing.contains(c));
        for c in a.classes.iter_mut().filter(|c| c.fired) {
            let first = c.evidence.iter().map(|e| e.t).fold(a.t, f64::min);
            let onset = *self.onsets.entry(c.class).or_insert(first);
            c.onset_t = Some(onset);
            c.onset = Some(crate::show::rfc3339_secs(onset));
        }
    }

    fn note_change(&mut self, a: &Assessment) -> Option<Change> {
        let key = (a.verdict, a.primary_class, a.nodes.clone());
        if self.last.as_ref() == Some(&key) {
            return None;
        }
        self.last = Some(key);
        let change = Change {
            event: "verdict",
            t: a.t,
            at: crate::show::rfc3339_secs(a.t),
            verdict: a.verdict,
            severity: a.severity,
            primary_class: a.primary_class,
            nodes: a.nodes.clone(),
            classes: a
                .classes
                .iter()
                .filter(|c| c.fired)
                .map(|c| ClassBrief {
                    class: c.class,
                    score: c.score,
                    severity: c.severity,
                    nodes: c.nodes.clone(),
                })
                .collect(),
        };
        self.timeline.push(change.clone());
        Some(change)
    }

    /// The most severe assessment so far.
    pub(crate) fn worst(&self) -> Option<&Assessment> {
        self.worst.as_ref()
    }

    pub(crate) fn timeline(&self) -> &[Change] {
        &self.timeline
    }

    pub(crate) fn evaluations(&self) -> u64 {
        self.evaluations
    }

    /// A baseline of every node from what was sampled.
    pub(crate) fn baseline(&self, saved_at: String) -> Baseline {
        Baseline {
            schema: super::baseline::SCHEMA.into(),
            saved_at,
            window_ms: (self.window * 1000.0) as u64,
            nodes: self.series.iter().filter_map(NodeBaseline::of).collect(),
        }
    }
}

/// Whether `a` (later) replaces `b` as the run's most severe assessment: a higher verdict
/// or severity; or the same ones with the same primary class and a score at least as high
/// (the later one has seen more of the same storm). A later phase of the same severity
/// (the refill after a wave) does not take the headline from the cause. A healthy run
/// reports its latest view.
fn worse(a: &Assessment, b: &Assessment) -> bool {
    let score = |x: &Assessment| {
        x.classes
            .first()
            .filter(|c| c.fired)
            .map_or(0.0, |c| c.score)
    };
    (a.verdict, a.severity) > (b.verdict, b.severity)
        || ((a.verdict, a.severity) == (b.verdict, b.severity)
            && a.primary_class == b.primary_class
            && score(a) >= score(b))
}

/// Groups samples sorted by time into evaluation rounds: a round closes when the next
/// sample is more than `gap` seconds after the round's first, or names a node the round
/// already has. Returns the index where each round ends (exclusive).
pub(crate) fn rounds(samples: &[Sample], gap: f64) -> Vec<usize> {
    let mut ends = Vec::new();
    let mut start = 0;
    let mut seen: Vec<&str> = Vec::new();
    for (i, s) in samples.iter().enumerate() {
        let is_info = matches!(s.kind, SampleKind::Info { .. } | SampleKind::Down(_));
        let repeat = is_info && seen.contains(&s.node.as_str());
        if i > start && (s.t - samples[start].t > gap || repeat) {
            ends.push(i);
            start = i;
            seen.clear();
        }
        if is_info {
            seen.push(&s.node);
        }
    }
    if start < samples.len() {
        ends.push(samples.len());
    }
    ends
}

#[cfg(test)]
mod tests;
