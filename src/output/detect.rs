//! The `detect` report (headline, the evidence of each fired class, one row per node, the
//! runbook, the timeline), its `--watch` event lines, and the `--thresholds` table.
//! Knows reports, not sockets.

use serde::Serialize;

use super::table::{Col, Table};
use super::{Completeness, Report, View};
use crate::analysis::storm::assess::{Assessment, ClassReport, NodeSummary, Severity, Verdict};
use crate::analysis::storm::class::Class;
use crate::analysis::storm::detector::Change;
use crate::analysis::storm::reference::RefKind;
use crate::analysis::storm::runbook::Runbook;
use crate::analysis::storm::thresholds::Threshold;
use crate::units::{count, decimal, or_dash, pct};

/// `cachestorm detect`.
///
/// # Format
///
/// JSON (`cachestorm.detect/v1`): `verdict` (`healthy` | `degraded` | `storm`),
/// `severity` (`minor` | `major` | `critical`; null when healthy), `primary_class` (null
/// when healthy), `onset_t` (unix seconds) and `onset` (RFC 3339) of the primary class,
/// `assessed_t`/`assessed_at` (the evaluation reported: the most severe one of the run),
/// `affected_nodes`, `classes` (every class with evidence: `class`, `score` 0-1, `fired`,
/// `severity`, `nodes`, `onset_t`, `onset`, `evidence` [{`metric`, `node`, `observed`,
/// `compared_with`, `against`, `unit`, `t`, `at`, `says`, `weight`}]), `nodes` (one
/// summary per node over the assessed window), `baseline` (what the windows were compared
/// with), `timeline` (every change of verdict, primary class or affected nodes: the
/// `--watch` events), `runbook` (per fired class: `meaning`, `next_commands`, `fixes`),
/// and `sampling` (source, interval, window, rounds, skipped evidence). NDJSON: one line
/// per element of `timeline` (`"event": "verdict"`), printed as they happen with `--watch`.
#[derive(Serialize, schemars::JsonSchema)]
pub(crate) struct DetectReport {
    #[serde(skip)]
    pub(crate) completeness: Completeness,
    pub(crate) verdict: Verdict,
    pub(crate) severity: Option<Severity>,
    pub(crate) primary_class: Option<Class>,
    pub(crate) onset_t: Option<f64>,
    pub(crate) onset: Option<String>,
    /// Unix seconds of the assessment reported; null when no round completed.
    pub(crate) assessed_t: Option<f64>,
    pub(crate) assessed_at: Option<String>,
    pub(crate) affected_nodes: Vec<String>,
    pub(crate) classes: Vec<ClassReport>,
    pub(crate) nodes: Vec<NodeSummary>,
    pub(crate) baseline: BaselineUse,
    pub(crate) timeline: Vec<Change>,
    pub(crate) runbook: Vec<Runbook>,
    pub(crate) sampling: Sampling,
}

/// What the windows were compared with.
#[derive(Serialize, schemars::JsonSchema)]
pub(crate) struct BaselineUse {
    /// `saved` (a --baseline file), `calm` (calm history before the window), `lifetime`
    /// (the servers' own counters), or `none`; the weakest one any node used.
    pub(crate) kind: RefKind,
    /// The --baseline file.
    pub(crate) file: Option<String>,
    pub(crate) note: String,
}

/// How the samples were taken.
#[derive(Serialize, schemars::JsonSchema)]
pub(crate) struct Sampling {
    /// `live` or `replay`.
    pub(crate) source: &'static str,
    /// Recordings replayed, or the --record file written.
    pub(crate) files: Vec<String>,
    pub(crate) interval_ms: Option<u64>,
    pub(crate) window_ms: u64,
    /// Assessments made: one per sampling round, and live one more after the end-of-run
    /// evidence (SLOWLOG, LATENCY, a MONITOR sample).
    pub(crate) rounds: u64,
    /// Unix seconds of the first and last sample.
    pub(crate) first_t: Option<f64>,
    pub(crate) last_t: Option<f64>,
    /// Live: the slowest sampling round (all nodes' INFO), and how many rounds took longer
    /// than the interval.
    pub(crate) slowest_round_ms: Option<f64>,
    pub(crate) late_rounds: u64,
    /// Replay: lines that were not samples (the first one's reason).
    pub(crate) bad_lines: u64,
    pub(crate) first_bad_line: Option<String>,
    /// Evidence that could not be taken (a renamed command, an ACL): node, what, why.
    pub(crate) skipped: Vec<Skipped>,
    /// MONITOR samples taken or replayed, and why (--monitor, --deep, --capture).
    pub(crate) monitor: Vec<String>,
}

#[derive(Serialize, schemars::JsonSchema)]
pub(crate) struct Skipped {
    pub(crate) node: String,
    pub(crate) what: String,
    pub(crate) why: String,
}

impl DetectReport {
    /// The headline fields from the assessment reported.
    pub(crate) fn headline(
        a: Option<&Assessment>,
    ) -> (Verdict, Option<Severity>, Option<Class>, Option<f64>) {
        match a {
            None => (Verdict::Healthy, None, None, None),
            Some(a) => {
                let onset = a
                    .classes
                    .iter()
                    .find(|c| Some(c.class) == a.primary_class)
                    .and_then(|c| c.onset_t);
                (a.verdict, a.severity, a.primary_class, onset)
            }
        }
    }
}

impl Report for DetectReport {
    const SCHEMA: &'static str = "detect";
    type Record = Change;

    fn records(&self) -> &[Change] {
        &self.timeline
    }

    fn table(&self, view: &View) -> String {
        let mut s = headline(self);
        for c in self.classes.iter().filter(|c| c.fired) {
            s.push('\n');
            s.push_str(&class_text(c, view));
        }
        s.push('\n');
        s.push_str(&nodes_table(&self.nodes, view));
        if !self.runbook.is_empty() {
            s.push('\n');
            s.push_str(&runbook_text(&self.runbook));
        }
        let others: Vec<String> = self
            .classes
            .iter()
            .filter(|c| !c.fired)
            .map(|c| format!("{} {:.2}", c.class, c.score))
            .collect();
        if !others.is_empty() {
            s.push_str(&format!(
                "\nbelow the fire threshold: {}\n",
                others.join(", ")
            ));
        }
        if self.timeline.len() > 1 {
            s.push_str("\ntimeline (UTC)\n");
            for c in &self.timeline {
                s.push_str(&event_line(c));
            }
        }
        s.push_str(&format!("\ncompared with: {}\n", self.baseline.note));
        for m in &self.sampling.monitor {
            s.push_str(&format!("{m}\n"));
        }
        for sk in &self.sampling.skipped {
            s.push_str(&format!(
                "not taken: {} on {} ({})\n",
                sk.what, sk.node, sk.why
            ));
        }
        if self.sampling.bad_lines > 0 {
            s.push_str(&format!(
                "{} recording line(s) skipped; first: {}\n",
                self.sampling.bad_lines,
                self.sampling.first_bad_line.as_deref().unwrap_or("")
            ));
        }
        s
    }

    fn completeness(&self) -> Completeness {
        self.completeness
    }
}

fn headline(r: &DetectReport) -> String {
    let mut s = match (r.primary_class, r.severity) {
        (Some(c), Some(sev)) => {
            format!("{}: {c} ({})", r.verdict.name().to_uppercase(), sev.name())
        }
        _ => r.verdict.name().to_uppercase(),
    };
    if !r.affected_nodes.is_empty() {
        s.push_str(&format!(" on {}", r.affected_nodes.join(", ")));
    }
    if let Some(o) = &r.onset {
        s.push_str(&format!(", since {} UTC", time_of(o)));
    }
    s.push('\n');
    let secondary: Vec<String> = r
        .classes
        .iter()
        .filter(|c| c.fired && Some(c.class) != r.primary_class)
        .map(|c| format!("{} {:.2}", c.class, c.score))
        .collect();
    if !secondary.is_empty() {
        s.push_str(&format!("also: {}\n", secondary.join(", ")));
    }
    s.push_str(&format!(
        "{} node(s), {} round(s), window {}s{}\n",
        r.nodes.len(),
        r.sampling.rounds,
        r.sampling.window_ms / 1000,
        match &r.assessed_at {
            Some(at) => format!(", assessed at {} UTC", time_of(at)),
            None => String::new(),
        }
    ));
    s
}

/// `2026-12-01T10:00:00.123Z` → `10:00:00.123` (tables say UTC in their labels).
fn time_of(rfc: &str) -> &str {
    rfc.split_once('T')
        .map_or(rfc, |(_, t)| t.trim_end_matches('Z'))
}

fn class_text(c: &ClassReport, view: &View) -> String {
    let mut s = format!(
        "{} score {:.2} ({}) on {}\n",
        c.class,
        c.score,
        c.severity.map_or("-", Severity::name),
        c.nodes.join(", ")
    );
    let mut t = Table::new(vec![
        Col::label("time (UTC)"),
        Col::label("node"),
        Col::label("metric"),
        Col::num("observed"),
        Col::num("against").drop(2),
        Col::label("vs").drop(1),
        Col::prose("evidence"),
    ]);
    for e in &c.evidence {
        t.row(vec![
            time_of(&e.at).to_string(),
            e.node.clone(),
            e.metric.to_string(),
            decimal(e.observed),
            or_dash(e.compared_with, decimal),
            format!("{:?}", e.against).to_lowercase(),
            e.says.clone(),
        ]);
    }
    s.push_str(&t.render(view));
    s
}

fn nodes_table(nodes: &[NodeSummary], view: &View) -> String {
    let mut t = Table::new(vec![
        Col::label("node"),
        Col::label("role").drop(6),
        Col::label("status"),
        Col::num("ops/s"),
        Col::num("hit%"),
        Col::num("miss/s").drop(5),
        Col::num("set/s").drop(4),
        Col::num("exp/s").drop(3),
        Col::num("evict/s").drop(2),
        Col::num("keys"),
        Col::num("Δkeys").drop(7),
        Col::num("mem%").drop(8),
        Col::num("rtt p95").drop(1),
        Col::label("vs").drop(9),
    ]);
    for n in nodes {
        t.row(vec![
            n.node.clone(),
            n.role.unwrap_or("-").to_string(),
            n.status.to_string(),
            or_dash(n.ops_per_sec, decimal),
            or_dash(n.hit_pct, pct),
            or_dash(n.misses_per_sec, decimal),
            or_dash(n.sets_per_sec, decimal),
            or_dash(n.expired_per_sec, decimal),
            or_dash(n.evicted_per_sec, decimal),
            or_dash(n.keys, |k| count(k as f64)),
            or_dash(n.keys_change, |k| format!("{k:+}")),
            or_dash(n.used_memory_pct, pct),
            or_dash(n.rtt_p95_ms, |r| format!("{r:.2}ms")),
            n.reference.name().to_string(),
        ]);
    }
    t.render(view)
}

fn runbook_text(runbook: &[Runbook]) -> String {
    let mut s = String::new();
    for r in runbook {
        s.push_str(&format!("runbook: {} — {}\n", r.class, r.meaning));
        for c in &r.next_commands {
            s.push_str(&format!("  $ {c}\n"));
        }
        for f in &r.fixes {
            s.push_str(&format!("  - {f}\n"));
        }
    }
    s
}

/// One `--watch` event as a table line.
pub(crate) fn event_line(c: &Change) -> String {
    let classes: Vec<String> = c
        .classes
        .iter()
        .map(|x| format!("{} {:.2}", x.class, x.score))
        .collect();
    format!(
        "{}  {:<8} {:<8} {:<17} {}{}\n",
        time_of(&c.at),
        c.verdict.name(),
        c.severity.map_or("-", Severity::name),
        c.primary_class.map_or("-", Class::name),
        if c.nodes.is_empty() {
            "-".to_string()
        } else {
            c.nodes.join(",")
        },
        if classes.len() > 1 {
            format!("  [{}]", classes.join(", "))
        } else {
            String::new()
        }
    )
}

/// `detect --thresholds`.
///
/// # Format
///
/// JSON (`cachestorm.detect.thresholds/v1`): `thresholds` [{`name`, `value`, `default`,
/// `unit`, `meaning`}]. NDJSON: one line per threshold.
#[derive(Serialize, schemars::JsonSchema)]
pub(crate) struct ThresholdsReport {
    pub(crate) thresholds: Vec<Threshold>,
}

impl Report for ThresholdsReport {
    const SCHEMA: &'static str = "detect.thresholds";
    type Record = Threshold;

    fn records(&self) -> &[Threshold] {
        &self.thresholds
    }

    fn table(&self, view: &View) -> String {
        thresholds_table(&self.thresholds, view)
    }

    fn completeness(&self) -> Completeness {
        Completeness::done()
    }
}

/// The thresholds as a table (also written into the man page).
pub(crate) fn thresholds_table(rows: &[Threshold], view: &View) -> String {
    let mut t = Table::new(vec![
        Col::label("name"),
        Col::num("value"),
        Col::label("unit"),
        Col::prose("meaning"),
    ]);
    for r in rows {
        let changed = if r.value == r.default {
            String::new()
        } else {
            format!(" (default {})", r.default)
        };
        t.row(vec![
            r.name.to_string(),
            format!("{}", r.value),
            r.unit.to_string(),
            format!("{}{changed}", r.meaning),
        ]);
    }
    t.render(view)
}
