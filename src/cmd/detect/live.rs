//! `detect` against live servers: discovery, the sampling rounds on the shared
//! `Schedule` (each round recorded, fed to the detector, assessed, its `--watch` events
//! printed), the end-of-run evidence and the deeper samples, then the report.

use std::time::{Duration, Instant};

use super::{check_baseline, deep, finish, skipped, Config, Events};
use crate::analysis::storm::detector::Detector;
use crate::analysis::storm::Sample;
use crate::cli::DetectArgs;
use crate::cmd::schedule::Schedule;
use crate::cmd::Outcome;
use crate::endpoint::Target;
use crate::error::{Error, Result};
use crate::output::detect::Sampling;
use crate::output::{Completeness, StopReason};
use crate::parse::recording::{Body, Record};
use crate::source::discover::{discover, NodeSpec, Role};
use crate::source::evidence::{self, unix};
use crate::source::info::InfoPoller;
use crate::source::recording::Recorder;
use crate::source::stop::Stop;

/// Where samples go: the recording (when `--record`), then the detector.
pub(super) struct Feed {
    pub(super) rec: Option<Recorder>,
}

impl Feed {
    pub(super) fn push(&mut self, d: &mut Detector, recs: Vec<Record>) -> Result<()> {
        if let Some(r) = self.rec.as_mut() {
            r.write(&recs)?;
        }
        for s in recs.into_iter().filter_map(Sample::of) {
            d.push(s);
        }
        Ok(())
    }
}

pub(super) async fn live(args: &DetectArgs, mut cfg: Config) -> Result<Outcome> {
    cfg.window = cfg
        .window
        .max(super::MIN_INTERVALS * args.interval.as_secs_f64());
    let target = crate::cmd::target::resolve(&args.target)?;
    let nodes = discover(&target).await?;
    let names: Vec<String> = nodes.iter().map(|n| n.addr.to_string()).collect();
    check_baseline(&cfg, &roles(&nodes))?;
    let mut feed = Feed {
        rec: args.record.as_deref().map(Recorder::create).transpose()?,
    };
    let mut d = cfg.detector(names);
    let mut out = std::io::stdout().lock();
    let mut events = Events::new(cfg.format);
    let deadline = match (args.duration, cfg.watch) {
        (Some(d), _) => Some(d),
        (None, true) => None,
        (None, false) => Some(Duration::from_secs(10)),
    };
    feed.push(&mut d, evidence::take(&target, &nodes).await)?;
    if cfg.watch {
        events.header(&mut out)?;
    }
    let stop = Stop::on_interrupt();
    let every = Every {
        interval: args.interval,
        deadline,
    };
    let polled = poll(&target, &nodes, every, &stop, &mut d, &mut |d, recs| {
        feed.push(d, recs)?;
        if cfg.watch {
            events.print(&mut out, d)?;
        }
        Ok(())
    })
    .await?;
    if !polled.answered {
        return Err(polled
            .first_error
            .unwrap_or_else(|| Error::Usage("no node to sample".into())));
    }
    let mut notes = Vec::new();
    if !stop.is_stopped() {
        feed.push(&mut d, evidence::take(&target, &nodes).await)?;
        notes = deeper(args, &target, &nodes, &mut d, &mut feed.rec).await?;
        // The last INFO sample ends the window the final assessment weighs.
        if let Some(last) = polled.last_t {
            d.evaluate(last);
            if cfg.watch {
                events.print(&mut out, &d)?;
            }
        }
    }
    // Without --duration, Ctrl-C is how a --watch ends: complete, but said.
    let interrupted = polled.interrupted && (args.duration.is_some() || !cfg.watch);
    let completeness = Completeness {
        interrupted: polled.interrupted,
        ..Completeness::from_reasons(&[(interrupted, StopReason::Interrupted)])
    };
    if let Some(path) = &args.save_baseline {
        super::save_baseline(path, &d)?;
    }
    let sampling = sampling(args, &cfg, &d, &polled, notes);
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

/// Each node's role as discovery knows it, as INFO spells it (for the baseline check).
fn roles(nodes: &[NodeSpec]) -> Vec<(String, Option<String>)> {
    nodes
        .iter()
        .map(|n| {
            let role = n.role.map(|r| match r {
                Role::Replica => "slave",
                Role::Master => "master",
            });
            (n.addr.to_string(), role.map(str::to_string))
        })
        .collect()
}

/// The deeper samples after the INFO window: MONITOR and TTLs, on every master when asked
/// (`--monitor`, `--ttl-sample`), or where INFO makes them useful (`--deep`). Returns what
/// was taken and why, for the report (each also said on stderr).
async fn deeper(
    args: &DetectArgs,
    target: &Target,
    nodes: &[NodeSpec],
    d: &mut Detector,
    rec: &mut Option<Recorder>,
) -> Result<Vec<String>> {
    use crate::source::discover::NodeList;
    let mut notes = Vec::new();
    let mut note = |s: String| {
        eprintln!("cachestorm: {s}");
        notes.push(s);
    };
    let (sample_on, why) = if args.deep {
        deep::suspects(d.worst(), nodes)
    } else if args.monitor.is_some() {
        (nodes.capture_nodes(), Vec::new())
    } else {
        (Vec::new(), Vec::new())
    };
    if args.deep && sample_on.is_empty() {
        note("--deep: INFO suggests no hot key, stampede or penetration: no MONITOR sample".into());
    }
    for w in why {
        note(format!("--deep: MONITOR sample on {w}"));
    }
    if !sample_on.is_empty() {
        let dur = args.monitor.unwrap_or(deep::DEEP_MONITOR);
        note(deep::live(target, sample_on, dur, d, rec).await?);
    }
    let (ttl_on, ttl_why) = if args.deep {
        deep::ttl_suspects(d.worst(), nodes)
    } else if args.ttl_sample.is_some() {
        (nodes.capture_nodes(), Vec::new())
    } else {
        (Vec::new(), Vec::new())
    };
    for w in ttl_why {
        note(format!("--deep: TTL sample on {w}"));
    }
    if !ttl_on.is_empty() {
        let n = args.ttl_sample.unwrap_or(deep::DEEP_TTL_KEYS);
        note(deep::ttl_live(target, ttl_on, n, d, rec).await?);
    }
    Ok(notes)
}

fn sampling(
    args: &DetectArgs,
    cfg: &Config,
    d: &Detector,
    p: &Polled,
    notes: Vec<String>,
) -> Sampling {
    Sampling {
        source: "live",
        files: args
            .record
            .iter()
            .map(|p| p.display().to_string())
            .collect(),
        interval_ms: Some(args.interval.as_millis() as u64),
        window_ms: (cfg.window * 1000.0) as u64,
        rounds: d.evaluations(),
        first_t: p.first_t,
        last_t: p.last_t,
        slowest_round_ms: Some((p.slowest * 1e6).round() / 1e3),
        late_rounds: p.late,
        bad_lines: 0,
        first_bad_line: None,
        skipped: skipped(d),
        monitor: notes,
    }
}

/// When to sample: every `interval`, until `deadline` (none: until Ctrl-C).
#[derive(Clone, Copy)]
struct Every {
    interval: Duration,
    deadline: Option<Duration>,
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
    every: Every,
    stop: &Stop,
    d: &mut Detector,
    each: &mut dyn FnMut(&mut Detector, Vec<Record>) -> Result<()>,
) -> Result<Polled> {
    let mut poller = InfoPoller::new(target.clone(), nodes.to_vec()).everything();
    let started = tokio::time::Instant::now();
    let (interval, mut schedule) = (
        every.interval,
        Schedule::new(every.interval, every.deadline),
    );
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
        let (recs, now) = records(round, nodes, &mut p);
        if !p.answered {
            // Nothing answered the first round: an error, not an empty report.
            break;
        }
        p.first_t.get_or_insert(now);
        p.last_t = Some(now);
        each(d, recs)?;
        d.evaluate(now);
        each(d, Vec::new())?;
        if last {
            break;
        }
        schedule.advance(started.elapsed());
    }
    Ok(p)
}

/// One round of INFO answers as recording lines (the raw text and its round trip, or the
/// redacted error), and the round's latest sample time.
fn records(
    round: Vec<crate::source::info::NodeSample>,
    nodes: &[NodeSpec],
    p: &mut Polled,
) -> (Vec<Record>, f64) {
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
    (recs, now)
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
