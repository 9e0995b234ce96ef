//! `detect --replay`: recordings read (whoever wrote them), sorted by time, grouped into
//! rounds and walked through the detector exactly as `--watch` would have seen them live;
//! MONITOR lines and `--capture` files added after the INFO samples, as a live run takes
//! its MONITOR sample after its window.

use std::collections::BTreeMap;

use super::{check_baseline, deep, finish, save_baseline, skipped, Config, Events};
use crate::analysis::storm::detector::rounds;
use crate::analysis::storm::{Sample, SampleKind};
use crate::cli::DetectArgs;
use crate::cmd::Outcome;
use crate::endpoint::TargetReport;
use crate::error::{Error, Result};
use crate::output::detect::Sampling;
use crate::output::{Completeness, StopReason};
use crate::parse::recording::Body;
use crate::source::recording::{self, Read};

/// A recording's samples in time order, and its MONITOR lines by node.
struct Loaded {
    samples: Vec<Sample>,
    monitor: BTreeMap<String, Vec<(f64, String)>>,
}

pub(super) async fn replay(args: &DetectArgs, mut cfg: Config) -> Result<Outcome> {
    let paths: Vec<String> = args
        .replay
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let mut read = recording::read(&paths)?;
    let Loaded { samples, monitor } = load(&mut read, &paths)?;
    let mut names: Vec<String> = samples.iter().map(|s| s.node.clone()).collect();
    names.sort();
    names.dedup();
    let unknown_roles: Vec<(String, Option<String>)> =
        names.iter().map(|n| (n.clone(), None)).collect();
    check_baseline(&cfg, &unknown_roles)?;
    let interval = sample_gap(&samples);
    cfg.window = cfg.window.max(super::MIN_INTERVALS * interval);
    let (first_t, last_t) = (samples.first().map(|s| s.t), samples.last().map(|s| s.t));
    let mut d = cfg.detector(names);
    let mut out = std::io::stdout().lock();
    let mut events = Events::new(cfg.format);
    if cfg.watch {
        events.header(&mut out)?;
    }
    let ends = rounds(&samples, (interval / 2.0).clamp(0.05, 5.0));
    let mut start = 0;
    let mut it = samples.into_iter();
    let mut now = f64::MIN;
    for end in ends {
        for s in it.by_ref().take(end - start) {
            now = now.max(s.t);
            d.push(s);
        }
        start = end;
        d.evaluate(now);
        if cfg.watch {
            events.print(&mut out, &d)?;
        }
    }
    let mut notes: Vec<String> = monitor
        .iter()
        .map(|(n, l)| format!("MONITOR sample of {n} in the recording: {} lines", l.len()))
        .collect();
    notes.extend(args.capture.iter().map(|c| format!("--capture {c}")));
    if !monitor.is_empty() || !args.capture.is_empty() {
        deep::replayed(monitor, &mut d);
        deep::captures(&args.capture, now, &mut d).await?;
        d.evaluate(now);
        if cfg.watch {
            events.print(&mut out, &d)?;
        }
    }
    let sampling = Sampling {
        source: "replay",
        files: paths,
        interval_ms: Some((interval * 1000.0).round() as u64),
        window_ms: (cfg.window * 1000.0) as u64,
        rounds: d.evaluations(),
        first_t,
        last_t,
        slowest_round_ms: None,
        late_rounds: 0,
        bad_lines: read.bad_lines,
        first_bad_line: read.first_bad.take(),
        skipped: skipped(&d),
        monitor: notes,
    };
    let completeness = if sampling.bad_lines > 0 {
        Completeness::stopped(StopReason::InputError)
    } else {
        Completeness::done()
    };
    if let Some(path) = &args.save_baseline {
        save_baseline(path, &d)?;
    }
    let target = TargetReport::file(&sampling.files.join(","), None);
    finish(&cfg, &d, sampling, completeness, &target, "", &mut out)
}

/// Splits a recording into samples (sorted by time) and MONITOR lines; a recording in
/// which no node answered is exit 3 (as live), one without INFO samples exit 2.
fn load(read: &mut Read, paths: &[String]) -> Result<Loaded> {
    let mut monitor: BTreeMap<String, Vec<(f64, String)>> = BTreeMap::new();
    let mut samples = Vec::with_capacity(read.records.len());
    for r in std::mem::take(&mut read.records) {
        match r.body {
            Body::Monitor(line) => monitor.entry(r.node).or_default().push((r.t, line)),
            _ => samples.extend(Sample::of(r)),
        }
    }
    samples.sort_by(|a, b| a.t.total_cmp(&b.t));
    let has = |f: fn(&SampleKind) -> bool| samples.iter().any(|s| f(&s.kind));
    if !has(|k| matches!(k, SampleKind::Info { .. })) && has(|k| matches!(k, SampleKind::Down(_))) {
        let first = samples.iter().find_map(|s| match &s.kind {
            SampleKind::Down(e) => Some(format!("{}: {e}", s.node)),
            _ => None,
        });
        return Err(Error::Connect {
            addr: paths.join(", "),
            msg: format!(
                "no node answered in the recording (first error: {})",
                first.unwrap_or_default()
            ),
        });
    }
    if !has(|k| matches!(k, SampleKind::Info { .. })) {
        return Err(Error::Input(match &read.first_bad {
            Some(why) => format!(
                "no INFO samples in {} ({} bad lines; first: {why})",
                paths.join(", "),
                read.bad_lines
            ),
            None => format!("no INFO samples in {}", paths.join(", ")),
        }));
    }
    if read.bad_lines > 0 {
        eprintln!(
            "cachestorm: warning: {} recording line(s) skipped; first: {}",
            read.bad_lines,
            read.first_bad.as_deref().unwrap_or("")
        );
    }
    Ok(Loaded { samples, monitor })
}

/// The median time between two samples of the same node (1 s when unknown).
fn sample_gap(samples: &[Sample]) -> f64 {
    let mut last: std::collections::HashMap<&str, f64> = Default::default();
    let mut gaps = Vec::new();
    for s in samples {
        if !matches!(s.kind, SampleKind::Info { .. } | SampleKind::Down(_)) {
            continue;
        }
        if let Some(prev) = last.insert(&s.node, s.t) {
            if s.t > prev {
                gaps.push(s.t - prev);
            }
        }
    }
    if gaps.is_empty() {
        1.0
    } else {
        crate::analysis::storm::reference::median(gaps)
    }
}
