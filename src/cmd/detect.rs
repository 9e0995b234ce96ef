//! `cachestorm detect`: samples every node (or replays recordings), feeds the storm
//! detector round by round, prints `--watch` events as they happen, and reports the most
//! severe assessment with its evidence, timeline and runbook. Exit: 0 healthy, 1 degraded
//! or storm, 2 bad input, 3 no node reachable, 130 interrupted.

use std::io::Write;
use std::time::{Duration, Instant};

use std::collections::BTreeMap;

use super::deep;
use super::schedule::Schedule;
use super::Outcome;
use crate::analysis::storm::assess::Verdict;
use crate::analysis::storm::baseline::Baseline;
use crate::analysis::storm::detector::{rounds, Detector};
use crate::analysis::storm::reference::RefKind;
use crate::analysis::storm::runbook::{runbook, Reach};
use crate::analysis::storm::thresholds::Thresholds;
use crate::analysis::storm::{Sample, SampleKind};
use crate::cli::DetectArgs;
use crate::endpoint::{Target, TargetReport};
use crate::error::{Error, Result};
use crate::output::detect::{
    event_line, BaselineUse, DetectReport, Sampling, Skipped, ThresholdsReport,
};
use crate::output::{self, Completeness, Format, StopReason};
use crate::parse::recording::{Body, Record};
use crate::source::discover::{discover, NodeList, NodeSpec, Role};
use crate::source::evidence::{self, unix};
use crate::source::info::InfoPoller;
use crate::source::recording::{self, Recorder};
use crate::source::stop::Stop;

/// Settings resolved from the flags.
struct Config {
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
        live(&args, cfg).await
    } else {
        replay(&args, cfg).await
    }
}

/// Prints `--watch` events as they happen (table lines or NDJSON).
struct Events {
    format: Format,
    printed: usize,
}

impl Events {
    fn header(&mut self, out: &mut impl Write) -> Result<()> {
        if self.format == Format::Table {
            writeln!(
                out,
                "time (UTC)    verdict  severity primary_class     nodes"
            )?;
        }
        Ok(())
    }

    fn print(&mut self, out: &mut impl Write, d: &Detector) -> Result<()> {
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

async fn replay(args: &DetectArgs, cfg: Config) -> Result<Outcome> {
    let paths: Vec<String> = args
        .replay
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let read = recording::read(&paths)?;
    // MONITOR lines are counted apart, as the live run counts its sample after the window.
    let mut monitor: BTreeMap<String, Vec<(f64, String)>> = BTreeMap::new();
    let mut samples = Vec::with_capacity(read.records.len());
    for r in read.records {
        match r.body {
            Body::Monitor(line) => monitor.entry(r.node).or_default().push((r.t, line)),
            _ => samples.extend(Sample::of(r)),
        }
    }
    samples.sort_by(|a, b| a.t.total_cmp(&b.t));
    let has = |f: fn(&SampleKind) -> bool| samples.iter().any(|s| f(&s.kind));
    if !has(|k| matches!(k, SampleKind::Info { .. })) && has(|k| matches!(k, SampleKind::Down(_))) {
        // The recorder reached no node at all: what a live run would call exit 3.
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
    let mut names: Vec<String> = samples.iter().map(|s| s.node.clone()).collect();
    names.sort();
    names.dedup();
    check_baseline(
        &cfg,
        &names.iter().map(|n| (n.clone(), None)).collect::<Vec<_>>(),
    )?;
    let interval = sample_gap(&samples);
    let mut d = Detector::new(
        names,
        cfg.th,
        cfg.window,
        cfg.baseline.as_ref().map(|b| b.1.clone()),
    );
    let mut out = std::io::stdout().lock();
    let mut events = Events {
        format: cfg.format,
        printed: 0,
    };
    if cfg.watch {
        events.header(&mut out)?;
    }
    let ends = rounds(&samples, (interval / 2.0).clamp(0.05, 5.0));
    let (first_t, last_t) = (samples.first().map(|s| s.t), samples.last().map(|s| s.t));
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
    let mut monitor_notes: Vec<String> = monitor
        .iter()
        .map(|(n, l)| format!("MONITOR sample of {n} in the recording: {} lines", l.len()))
        .collect();
    monitor_notes.extend(args.capture.iter().map(|c| format!("--capture {c}")));
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
        first_bad_line: read.first_bad,
        skipped: skipped(&d),
        monitor: monitor_notes,
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

/// The median time between two samples of the same node (1 s when unknown).
fn sample_gap(samples: &[Sample]) -> f64 {
    let mut last: std::collections::HashMap<&str, f64> = Default::default();
    let mut gaps = Vec::new();
    for s in samples {
        if !matches!(
            s.kind,
            crate::analysis::storm::SampleKind::Info { .. }
                | crate::analysis::storm::SampleKind::Down(_)
        ) {
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

fn check_baseline(cfg: &Config, nodes: &[(String, Option<String>)]) -> Result<()> {
    if let Some((path, b)) = &cfg.baseline {
        b.check(nodes)
            .map_err(|e| Error::Input(format!("--baseline {path}: {e}")))?;
    }
    Ok(())
}

fn skipped(d: &Detector) -> Vec<Skipped> {
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

async fn live(args: &DetectArgs, cfg: Config) -> Result<Outcome> {
    let target = super::target::resolve(&args.target)?;
    let nodes = discover(&target).await?;
    let names: Vec<String> = nodes.iter().map(|n| n.addr.to_string()).collect();
    let mut recorder = args.record.as_deref().map(Recorder::create).transpose()?;
    let roles: Vec<(String, Option<String>)> = nodes
        .iter()
        .map(|n| {
            let role = n.role.map(|r| {
                if r == Role::Replica {
                    "slave"
                } else {
                    "master"
                }
            });
            (n.addr.to_string(), role.map(str::to_string))
        })
        .collect();
    check_baseline(&cfg, &roles)?;
    let mut d = Detector::new(
        names.clone(),
        cfg.th,
        cfg.window,
        cfg.baseline.as_ref().map(|b| b.1.clone()),
    );
    let mut out = std::io::stdout().lock();
    let mut events = Events {
        format: cfg.format,
        printed: 0,
    };
    let deadline = match (args.duration, cfg.watch) {
        (Some(d), _) => Some(d),
        (None, true) => None,
        (None, false) => Some(Duration::from_secs(10)),
    };
    let feed = |d: &mut Detector, recs: Vec<Record>, rec: &mut Option<Recorder>| -> Result<()> {
        if let Some(r) = rec.as_mut() {
            r.write(&recs)?;
        }
        for s in recs.into_iter().filter_map(Sample::of) {
            d.push(s);
        }
        Ok(())
    };
    feed(&mut d, evidence::take(&target, &nodes).await, &mut recorder)?;
    if cfg.watch {
        events.header(&mut out)?;
    }
    let stop = Stop::on_ctrl_c();
    let mut deep_notes: Vec<String> = Vec::new();
    let polled = poll(
        &target,
        &nodes,
        args.interval,
        deadline,
        &stop,
        &mut d,
        &mut |d, recs| {
            feed(d, recs, &mut recorder)?;
            if cfg.watch {
                events.print(&mut out, d)?;
            }
            Ok(())
        },
    )
    .await?;
    if !polled.answered {
        return Err(polled
            .first_error
            .unwrap_or_else(|| Error::Usage("no node to sample".into())));
    }
    if !stop.is_stopped() {
        feed(&mut d, evidence::take(&target, &nodes).await, &mut recorder)?;
        let (sample_on, why) = if args.deep {
            deep::suspects(d.worst(), &nodes)
        } else if args.monitor.is_some() {
            (nodes.capture_nodes(), Vec::new())
        } else {
            (Vec::new(), Vec::new())
        };
        if args.deep && sample_on.is_empty() {
            eprintln!("cachestorm: --deep: INFO suggests no hot key, stampede or penetration: no MONITOR sample taken");
            deep_notes.push(
                "--deep: INFO suggested no hot key, stampede or penetration: no MONITOR sample"
                    .into(),
            );
        }
        for w in &why {
            eprintln!("cachestorm: --deep: MONITOR sample on {w}");
            deep_notes.push(format!("--deep sampled {w}"));
        }
        if !sample_on.is_empty() {
            let dur = args.monitor.unwrap_or(deep::DEEP_MONITOR);
            let said = deep::live(&target, sample_on, dur, &mut d, &mut recorder).await?;
            eprintln!("cachestorm: {said}");
            deep_notes.push(said);
        }
        let (ttl_on, ttl_why) = if args.deep {
            deep::ttl_suspects(d.worst(), &nodes)
        } else if args.ttl_sample.is_some() {
            (nodes.capture_nodes(), Vec::new())
        } else {
            (Vec::new(), Vec::new())
        };
        for w in &ttl_why {
            eprintln!("cachestorm: --deep: TTL sample on {w}");
            deep_notes.push(format!("--deep read TTLs on {w}"));
        }
        if !ttl_on.is_empty() {
            let n = args.ttl_sample.unwrap_or(deep::DEEP_TTL_KEYS);
            let said = deep::ttl_live(&target, ttl_on, n, &mut d, &mut recorder).await?;
            eprintln!("cachestorm: {said}");
            deep_notes.push(said);
        }
        // The last INFO sample ends the window the final assessment weighs.
        let last = d
            .series()
            .iter()
            .filter_map(|s| s.last())
            .map(|p| p.t)
            .reduce(f64::max);
        if let Some(last) = last {
            d.evaluate(last);
            if cfg.watch {
                events.print(&mut out, &d)?;
            }
        }
    }
    // Without --duration, Ctrl-C is how a --watch ends: complete, but said.
    let bounded = args.duration.is_some() || !cfg.watch;
    let interrupted = polled.interrupted && bounded;
    let completeness = Completeness {
        interrupted: polled.interrupted,
        ..Completeness::from_reasons(&[(interrupted, StopReason::Interrupted)])
    };
    if let Some(path) = &args.save_baseline {
        save_baseline(path, &d)?;
    }
    let sampling = Sampling {
        source: "live",
        files: args
            .record
            .iter()
            .map(|p| p.display().to_string())
            .collect(),
        interval_ms: Some(args.interval.as_millis() as u64),
        window_ms: (cfg.window * 1000.0) as u64,
        rounds: d.evaluations(),
        first_t: polled.first_t,
        last_t: polled.last_t,
        slowest_round_ms: Some((polled.slowest * 1e6).round() / 1e3),
        late_rounds: polled.late,
        bad_lines: 0,
        first_bad_line: None,
        skipped: skipped(&d),
        monitor: deep_notes,
    };
    let reach = reach_flags(args);
    let outcome = finish(
        &cfg,
        &d,
        sampling,
        completeness,
        &target.report(),
        &reach,
        &mut out,
    )?;
    Ok(if interrupted {
        Outcome::Interrupted
    } else {
        outcome
    })
}

/// How the poll loop ended.
struct Polled {
    answered: bool,
    first_error: Option<Error>,
    interrupted: bool,
    first_t: Option<f64>,
    last_t: Option<f64>,
    /// Seconds of the slowest round.
    slowest: f64,
    late: u64,
}

/// Samples every node on the schedule, handing each round to `each` as recording lines
/// after the detector has assessed it.
async fn poll(
    target: &Target,
    nodes: &[NodeSpec],
    interval: Duration,
    deadline: Option<Duration>,
    stop: &Stop,
    d: &mut Detector,
    each: &mut dyn FnMut(&mut Detector, Vec<Record>) -> Result<()>,
) -> Result<Polled> {
    let mut poller = InfoPoller::new(target.clone(), nodes.to_vec()).everything();
    let started = tokio::time::Instant::now();
    let mut schedule = Schedule::new(interval, deadline);
    let mut p = Polled {
        answered: false,
        first_error: None,
        interrupted: false,
        first_t: None,
        last_t: None,
        slowest: 0.0,
        late: 0,
    };
    loop {
        let (at, last) = schedule.next_poll();
        let began = std::cell::Cell::new(None);
        let next = stop.until(async {
            tokio::time::sleep_until(started + at).await;
            began.set(Some(Instant::now()));
            poller.poll().await
        });
        let Some(round) = next.await else {
            p.interrupted = stop.interrupted();
            break;
        };
        let took = began.get().map_or(0.0, |b| b.elapsed().as_secs_f64());
        p.slowest = p.slowest.max(took);
        if took > interval.as_secs_f64() {
            p.late += 1;
        }
        let mut recs = Vec::with_capacity(round.len());
        let mut now = f64::MIN;
        for s in round {
            let t = unix(s.at);
            now = now.max(t);
            let node = nodes[s.node].addr.to_string();
            let body = match s.result {
                Ok(_) => {
                    p.answered = true;
                    Body::Info {
                        text: s.raw.unwrap_or_default(),
                        rtt_ms: Some(s.rtt.as_secs_f64() * 1000.0),
                    }
                }
                Err(e) => {
                    let msg = crate::redact::everywhere(&e.to_string());
                    if p.first_error.is_none() {
                        p.first_error = Some(e);
                    }
                    Body::Error(msg)
                }
            };
            recs.push(Record { t, node, body });
        }
        if !p.answered {
            // Nothing answered the first round: an error, not an empty report.
            break;
        }
        p.first_t.get_or_insert(now);
        p.last_t = Some(now);
        let samples: Vec<Record> = recs;
        each(d, samples)?;
        d.evaluate(now);
        each(d, Vec::new())?;
        if last {
            break;
        }
        schedule.advance(started.elapsed());
    }
    Ok(p)
}

/// The connection flags of the runbook's commands: everything but host, port and secrets.
fn reach_flags(args: &DetectArgs) -> String {
    let t = &args.target;
    let mut f = Vec::new();
    if t.tls {
        f.push("--tls".to_string());
    }
    if let Some(c) = &t.cacert {
        f.push(format!("--cacert {}", c.display()));
    }
    if let Some(u) = &t.user {
        f.push(format!("--user {u}"));
    }
    f.join(" ")
}

fn save_baseline(path: &std::path::Path, d: &Detector) -> Result<()> {
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
fn finish(
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
