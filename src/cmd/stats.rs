//! `cachestorm stats`: polls INFO on every node each interval and prints per-interval rates
//! and gauges as they come (table or NDJSON) or as one JSON document at the end.

use std::time::{Duration, Instant};

use super::Outcome;
use crate::analysis::rates::{Observation, Polled, StatsTracker};
use crate::cli::StatsArgs;
use crate::error::{Error, Result};
use crate::output::stats::{NodeReport, StatsReport, StatsRows};
use crate::output::stream::RowPrinter;
use crate::output::style::color_enabled;
use crate::output::{self, Format};
use crate::source::discover::{discover, NodeSpec};
use crate::source::info::{InfoPoller, NodeSample};
use crate::source::stop::Stop;

pub(crate) async fn run(args: StatsArgs) -> Result<Outcome> {
    let target = super::target::resolve(&args.target)?;
    let nodes = discover(&target).await?;
    let format = args.output.format();
    let mut out = std::io::stdout().lock();
    let view = output::View::stdout(false);
    let mut printer = RowPrinter::<StatsRows>::new(format, color_enabled(), view.width);
    let mut tracker = StatsTracker::new(
        nodes
            .iter()
            .map(|n| (n.addr.to_string(), n.addr.port))
            .collect(),
    );
    let mut versions: Vec<Option<String>> = vec![None; nodes.len()];
    let mut was_down = vec![false; nodes.len()];
    let mut poller = InfoPoller::new(target.clone(), nodes.clone());

    let started = Instant::now();
    let mut ticker = tokio::time::interval(args.interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let stop = Stop::on_ctrl_c();
    let bounded = args.count.is_some() || args.duration.is_some();
    let mut rows_done: u64 = 0;
    let mut first = true;
    // Set when Ctrl-C ends the loop (not when it lands after the last row).
    let mut interrupted = false;
    loop {
        let next = stop.until(async {
            ticker.tick().await;
            poller.poll().await
        });
        let Some(round) = next.await else {
            interrupted = stop.interrupted();
            break;
        };
        // Nothing answered the first poll at all: that is an error, not an empty report.
        if first && round.iter().all(|s| s.result.is_err()) {
            if let Some(Err(e)) = round.into_iter().next().map(|s| s.result) {
                return Err(e);
            }
            return Err(Error::Usage("no node to poll".into()));
        }
        let polled = to_polled(round, &nodes, &mut versions, &mut was_down);
        let time = output::now_rfc3339();
        let mut rows = tracker.push(polled);
        for r in &mut rows {
            r.time = time.clone();
        }
        printer.rows(&mut out, rows)?;
        if !first {
            rows_done += 1;
        }
        first = false;
        if args.count.is_some_and(|c| rows_done >= c)
            || args
                .duration
                .is_some_and(|d| started.elapsed() + Duration::from_millis(5) >= d)
        {
            break;
        }
    }

    let complete = !(interrupted && bounded);
    if format == Format::Json {
        let report = StatsReport {
            complete,
            interval_ms: args.interval.as_millis() as u64,
            nodes: nodes
                .into_iter()
                .zip(versions)
                .map(|(spec, version)| NodeReport { spec, version })
                .collect(),
            samples: printer.into_collected(),
        };
        output::write(&mut out, format, &view, &target.report(), &report)?;
    }
    Ok(if complete {
        Outcome::Done
    } else {
        Outcome::Interrupted
    })
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
