//! `cachestorm detect`: samples every node (`live.rs`) or replays recordings
//! (`replay.rs`), feeds the storm detector round by round, prints `--watch` events as they
//! happen, and reports the most severe assessment with its evidence, timeline and runbook;
//! `deep.rs` takes the deeper samples (MONITOR, TTLs). Exit: 0 healthy, 1 degraded or
//! storm, 2 bad input, 3 no node reachable, 130 interrupted.

mod deep;
mod live;
mod replay;

use std::io::Write;

use crate::analysis::storm::assess::Verdict;
use crate::analysis::storm::baseline::Baseline;
use crate::analysis::storm::detector::Detector;
use crate::analysis::storm::reference::RefKind;
use crate::analysis::storm::runbook::{runbook, Reach};
use crate::analysis::storm::thresholds::Thresholds;
use crate::cli::DetectArgs;
use crate::cmd::Outcome;
use crate::endpoint::TargetReport;
use crate::error::{Error, Result};
use crate::output::detect::{
    event_line, BaselineUse, DetectReport, Sampling, Skipped, ThresholdsReport,
};
use crate::output::{self, Completeness, Format};

/// Sampling intervals a window holds at least: a recorder that samples every 5 s gets a
/// 20 s window, so the rules still see a few intervals.
const MIN_INTERVALS: f64 = 4.0;

/// Settings resolved from the flags.
pub(super) struct Config {
    format: Format,
    watch: bool,
    window: f64,
    th: Thresholds,
    baseline: Option<(String, Baseline)>,
}

pub(crate) async fn run(args: DetectArgs) -> Result<Outcome> {
    let th = Thresholds::default()
        .with_overrides(&args.threshold)
        .map_err(Error::Usage)?;
    let format = args.output.format();
    let view = output::View::stdout(false);
    if args.thresholds {
        let report = ThresholdsReport {
            thresholds: th.table(),
        };
        output::print(format, &view, &TargetReport::file("-", None), &report)?;
        return Ok(Outcome::Done);
    }
    if args.watch && format == Format::Json && args.replay.is_empty() && args.duration.is_none() {
        return Err(Error::Usage(
            "--watch -o json prints one document at the end: give --duration, or use -o ndjson for events as they happen".into(),
        ));
    }
    let baseline = match &args.baseline {
        None => None,
        Some(p) => {
            let shown = p.display().to_string();
            let text = std::fs::read_to_string(p)
                .map_err(|e| Error::Input(format!("--baseline {shown}: {e}")))?;
            let b = Baseline::parse(&text)
                .map_err(|e| Error::Input(format!("--baseline {shown}: {e}")))?;
            Some((shown, b))
        }
    };
    let cfg = Config {
        format,
        watch: args.watch,
        window: args.window.as_secs_f64(),
        th,
        baseline,
    };
    if args.replay.is_empty() {
        live::live(&args, cfg).await
    } else {
        replay::replay(&args, cfg).await
    }
}

impl Config {
    /// A detector for `names` with the thresholds, window and baseline in force.
    fn detector(&self, names: Vec<String>) -> Detector {
        Detector::new(
            names,
            self.th,
            self.window,
            self.baseline.as_ref().map(|b| b.1.clone()),
        )
    }
}

/// Prints `--watch` events as they happen (table lines or NDJSON).
pub(super) struct Events {
    format: Format,
    printed: usize,
}

impl Events {
    pub(super) fn new(format: Format) -> Self {
        Events { format, printed: 0 }
    }

    pub(super) fn header(&mut self, out: &mut impl Write) -> Result<()> {
        if self.format == Format::Table {
            writeln!(
                out,
                "time (UTC)    verdict  severity primary_class     nodes"
            )?;
        }
        Ok(())
    }

    pub(super) fn print(&mut self, out: &mut impl Write, d: &Detector) -> Result<()> {
        for c in &d.timeline()[self.printed..] {
            match self.format {
                Format::Table => {
                    out.write_all(event_line(c).as_bytes())?;
                    out.flush()?;
                }
                Format::Ndjson => output::write_ndjson(out, c)?,
                Format::Json => {}
            }
        }
        self.printed = d.timeline().len();
        Ok(())
    }
}

pub(super) fn check_baseline(cfg: &Config, nodes: &[(String, Option<String>)]) -> Result<()> {
    if let Some((path, b)) = &cfg.baseline {
        b.check(nodes)
            .map_err(|e| Error::Input(format!("--baseline {path}: {e}")))?;
    }
    Ok(())
}

pub(super) fn skipped(d: &Detector) -> Vec<Skipped> {
    d.names()
        .iter()
        .zip(d.extra())
        .flat_map(|(n, e)| {
            e.skipped.iter().map(move |(what, why)| Skipped {
                node: n.clone(),
                what: what.clone(),
                why: why.clone(),
            })
        })
        .collect()
}

pub(super) fn save_baseline(path: &std::path::Path, d: &Detector) -> Result<()> {
    let shown = path.display();
    // A baseline is what calm looks like: a run that found a storm is not one.
    if let Some(w) = d.worst().filter(|w| w.verdict != Verdict::Healthy) {
        eprintln!(
            "cachestorm: warning: --save-baseline {shown}: not saved: this run found {} {} (a baseline must come from calm times)",
            w.verdict.name(),
            w.primary_class.map_or("", |c| c.name())
        );
        return Ok(());
    }
    let b = d.baseline(output::now_rfc3339());
    if b.nodes.is_empty() {
        return Err(Error::Input(format!(
            "--save-baseline {shown}: no node answered twice: nothing to save"
        )));
    }
    let text = serde_json::to_string_pretty(&b).map_err(std::io::Error::from)?;
    std::fs::write(path, text + "\n")
        .map_err(|e| Error::Usage(format!("--save-baseline {shown}: {e}")))?;
    eprintln!(
        "cachestorm: baseline of {} node(s) saved to {shown}",
        b.nodes.len()
    );
    Ok(())
}

/// Builds the report from the detector, prints it (the events already printed by
/// `--watch` are not printed again) and decides the exit code from the verdict.
pub(super) fn finish(
    cfg: &Config,
    d: &Detector,
    sampling: Sampling,
    completeness: Completeness,
    target: &TargetReport,
    reach: &str,
    out: &mut impl Write,
) -> Result<Outcome> {
    let worst = d.worst();
    let (verdict, severity, primary, onset_t) = DetectReport::headline(worst);
    let classes = worst.map(|a| a.classes.clone()).unwrap_or_default();
    let nodes = worst.map(|a| a.node_summaries.clone()).unwrap_or_default();
    let kinds: Vec<RefKind> = nodes.iter().map(|n| n.reference).collect();
    let kind = nodes
        .iter()
        .map(|n| n.reference)
        .max()
        .unwrap_or(RefKind::None);
    let reach = Reach { flags: reach };
    let runbook = classes
        .iter()
        .filter(|c| c.fired)
        .map(|c| runbook(c.class, &c.nodes, &reach))
        .collect();
    let report = DetectReport {
        completeness,
        verdict,
        severity,
        primary_class: primary,
        onset_t,
        onset: onset_t.map(crate::show::rfc3339_secs),
        assessed_t: worst.map(|a| a.t),
        assessed_at: worst.map(|a| crate::show::rfc3339_secs(a.t)),
        affected_nodes: worst.map(|a| a.nodes.clone()).unwrap_or_default(),
        classes,
        nodes,
        baseline: BaselineUse {
            kind,
            file: cfg.baseline.as_ref().map(|b| b.0.clone()),
            note: baseline_note(&kinds),
        },
        timeline: d.timeline().to_vec(),
        runbook,
        sampling,
    };
    let view = output::View::stdout(false);
    match (cfg.format, cfg.watch) {
        (Format::Ndjson, true) => {}
        (Format::Table, true) => {
            writeln!(out)?;
            output::write(out, cfg.format, &view, target, &report)?;
        }
        _ => output::write(out, cfg.format, &view, target, &report)?,
    }
    Ok(if verdict == Verdict::Healthy {
        Outcome::Done
    } else {
        Outcome::Finding
    })
}

/// What the windows were compared with, in words: each kind and on how many nodes.
fn baseline_note(kinds: &[RefKind]) -> String {
    let words = |k: RefKind| match k {
        RefKind::Saved => "the baseline saved in calm times (--baseline)",
        RefKind::Calm => "the calm samples before the window",
        RefKind::Lifetime => "what the server remembers (lifetime counters over uptime)",
        RefKind::None => "nothing before the window (the samples in it only)",
    };
    let mut parts = Vec::new();
    for k in [
        RefKind::Saved,
        RefKind::Calm,
        RefKind::Lifetime,
        RefKind::None,
    ] {
        let n = kinds.iter().filter(|x| **x == k).count();
        if n == kinds.len() && n > 0 {
            parts.push(words(k).to_string());
        } else if n > 0 {
            parts.push(format!("{} on {n} node(s)", words(k)));
        }
    }
    let weak = kinds.iter().any(|k| *k != RefKind::Saved);
    format!(
        "{}{}",
        parts.join("; "),
        if weak {
            "; weaker than a baseline saved in calm times with --save-baseline"
        } else {
            ""
        }
    )
}
