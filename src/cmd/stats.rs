//! `cachestorm stats`: polls INFO on every node each interval and prints per-interval rates
//! and gauges as they come (table or NDJSON) or as one JSON document at the end.

use std::time::SystemTime;

use super::Outcome;
use crate::analysis::rates::{Observation, Polled, StatsRow, StatsTracker};
use crate::cli::StatsArgs;
use crate::endpoint::Target;
use crate::error::{Error, Result};
use crate::exit::Ending;
use crate::output::stats::{NodeReport, StatsReport, StatsRows};
use crate::output::stream::RowPrinter;
use crate::output::style::color_enabled;
use crate::output::{self, Completeness, Format, StopReason};
use crate::show;
use crate::source::discover::{discover, NodeSpec, Role};
use crate::source::info::{InfoPoller, NodeSample};
use crate::source::stop::Stop;

use super::schedule::Schedule;

/// How the poll loop ended.
struct PollEnd {
    /// Ctrl-C ended it.
    interrupted: bool,
    /// A node missed a poll (its rows say `down`).
    lost: bool,
    /// Each node's last error, if it missed a poll.
    errors: Vec<Option<String>>,
    /// Each node's role as it said (INFO replication), once it answered.
    roles: Vec<Option<Role>>,
}

pub(crate) async fn run(args: StatsArgs) -> Result<Outcome> {
    let target = super::target::resolve(&args.target)?;
    let nodes = discover(&target).await?;
    let format = args.output.format();
    let mut out = std::io::stdout().lock();
    let view = output::View::stdout(false);
    let mut printer = RowPrinter::<StatsRows>::new(format, color_enabled(), view.width);
    let mut versions: Vec<Option<String>> = vec![None; nodes.len()];
    let ended = poll_loop(
        &args,
        &target,
        &nodes,
        &mut versions,
        &mut printer,
        &mut out,
    )
    .await?;
    if printer.rows_printed() == 0 && format == Format::Table {
        printer.header(&mut out)?;
        eprintln!("cachestorm: no interval completed (a rate needs two samples)");
    }
    // Without --count / --duration, Ctrl-C is the normal end.
    let bounded = args.count.is_some() || args.duration.is_some();
    let interrupted = ended.interrupted && bounded;
    if format == Format::Json {
        let report = StatsReport {
            completeness: Completeness {
                // Without --count/--duration Ctrl-C is the normal end: complete, but said.
                interrupted: ended.interrupted,
                ..Completeness::from_reasons(&[
                    (interrupted, StopReason::Interrupted),
                    (ended.lost, StopReason::NodeLost),
                ])
            },
            interval_ms: args.interval.as_millis() as u64,
            nodes: nodes
                .into_iter()
                .zip(versions)
                .zip(ended.errors)
                .zip(ended.roles)
                .map(|(((mut spec, version), error), role)| {
                    // What the node said of itself, where discovery did not know.
                    spec.role = spec.role.or(role);
                    NodeReport {
                        spec,
                        version,
                        error,
                    }
                })
                .collect(),
            samples: printer.into_collected(),
        };
        output::write(&mut out, format, &view, &target.report(), &report)?;
    }
    Ok(Ending {
        interrupted,
        bad_input: false,
        lost: ended.lost,
    }
    .outcome())
}

/// Polls every node on the schedule until `--count` rows, the deadline or Ctrl-C,
/// printing rows as they come.
async fn poll_loop(
    args: &StatsArgs,
    target: &Target,
    nodes: &[NodeSpec],
    versions: &mut [Option<String>],
    printer: &mut RowPrinter<StatsRows>,
    out: &mut impl std::io::Write,
) -> Result<PollEnd> {
    let mut tracker = StatsTracker::new(
        nodes
            .iter()
            .map(|n| (n.addr.to_string(), n.addr.port))
            .collect(),
    );
    let mut was_down = vec![false; nodes.len()];
    let mut poller = InfoPoller::new(target.clone(), nodes.to_vec());
    let started = tokio::time::Instant::now();
    let mut schedule = Schedule::new(args.interval, args.duration);
    let stop = Stop::on_interrupt();
    let mut ended = PollEnd {
        interrupted: false,
        lost: false,
        errors: vec![None; nodes.len()],
        roles: vec![None; nodes.len()],
    };
    for round_no in 0u64.. {
        let (at, last) = schedule.next_poll();
        let next = stop.until(async {
            tokio::time::sleep_until(started + at).await;
            poller.poll().await
        });
        let Some(round) = next.await else {
            // Set when Ctrl-C ends the loop (not when it lands after the last row).
            ended.interrupted = stop.interrupted();
            break;
        };
        // Nothing answered the first poll at all: that is an error, not an empty report.
        if round_no == 0 && round.iter().all(|s| s.result.is_err()) {
            if let Some(Err(e)) = round.into_iter().next().map(|s| s.result) {
                return Err(e);
            }
            return Err(Error::Usage("no node to poll".into()));
        }
        for s in &round {
            match &s.result {
                Err(e) => {
                    ended.lost = true;
                    ended.errors[s.node] = Some(crate::redact::everywhere(&e.to_string()));
                }
                Ok(info) => {
                    ended.roles[s.node] = match info.role() {
                        Some("master") => Some(Role::Master),
                        Some("slave") => Some(Role::Replica),
                        _ => ended.roles[s.node],
                    }
                }
            }
        }
        let times: Vec<(usize, SystemTime)> = round.iter().map(|s| (s.node, s.at)).collect();
        let polled = to_polled(round, nodes, versions, &mut was_down);
        let mut rows = tracker.push(polled);
        stamp(&mut rows, nodes, &times);
        printer.rows(out, rows)?;
        if last || args.count.is_some_and(|c| round_no >= c) {
            break;
        }
        schedule.advance(started.elapsed());
    }
    Ok(ended)
}

/// Each row gets the wall-clock time its sample was taken (the total row: the round's
/// latest), not the time it is printed.
fn stamp(rows: &mut [StatsRow], nodes: &[NodeSpec], times: &[(usize, SystemTime)]) {
    let at = |t: SystemTime| show::rfc3339_micros(chrono::DateTime::<chrono::Utc>::from(t));
    let latest = times.iter().map(|t| t.1).max();
    for r in rows {
        let own = times
            .iter()
            .find(|(i, _)| nodes[*i].addr.to_string() == r.node)
            .map(|t| t.1);
        if let Some(t) = own.or(latest) {
            r.time = at(t);
        }
    }
}

/// Turns a round of samples into tracker input, noting versions and telling stderr when a
/// node goes down or comes back.
fn to_polled(
    round: Vec<NodeSample>,
    nodes: &[NodeSpec],
    versions: &mut [Option<String>],
    was_down: &mut [bool],
) -> Vec<Polled> {
    round
        .into_iter()
        .map(|s| {
            let addr = &nodes[s.node].addr;
            match s.result {
                Ok(info) => {
                    if was_down[s.node] {
                        eprintln!("cachestorm: {addr} answers again");
                        was_down[s.node] = false;
                    }
                    if versions[s.node].is_none() {
                        versions[s.node] = info.version_label();
                    }
                    Polled::Up(Box::new(Observation {
                        t_secs: s.t_secs,
                        info,
                    }))
                }
                Err(e) => {
                    let msg = crate::redact::everywhere(&e.to_string());
                    if !was_down[s.node] {
                        eprintln!("cachestorm: warning: {msg}");
                        was_down[s.node] = true;
                    }
                    Polled::Down(msg)
                }
            }
        })
        .collect()
}
