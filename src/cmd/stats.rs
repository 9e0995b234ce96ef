//! `cachestorm stats`: polls INFO on every node each interval and prints per-interval rates
//! and gauges as they come (table or NDJSON) or as one JSON document at the end.

use std::io::Write;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::Outcome;
use crate::analysis::rates::{Observation, Polled, RowStatus, StatsRow, StatsTracker};
use crate::cli::StatsArgs;
use crate::endpoint;
use crate::error::{Error, Result};
use crate::output::stream::{Column, StreamTable};
use crate::output::style::{color_enabled, Tone};
use crate::output::{self, Format};
use crate::source::discover::{discover, NodeSpec};
use crate::source::info::{InfoPoller, NodeSample};
use crate::units::{bytes, count, or_dash, pct};

#[derive(Serialize)]
struct StatsReport {
    /// False when the run was cut short by Ctrl-C before its --count / --duration.
    complete: bool,
    interval_ms: u64,
    nodes: Vec<NodeReport>,
    samples: Vec<StatsRow>,
}

#[derive(Serialize)]
struct NodeReport {
    #[serde(flatten)]
    spec: NodeSpec,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
}

pub(crate) async fn run(args: StatsArgs) -> Result<Outcome> {
    let target = endpoint::resolve(&args.target)?;
    let nodes = discover(&target).await?;
    let format = args.output.format();
    let mut out = std::io::stdout().lock();
    let mut printer = Printer::new(format);
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
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    let bounded = args.count.is_some() || args.duration.is_some();
    let mut rows_done: u64 = 0;
    let mut first = true;
    let mut interrupted = false;

    loop {
        let round = tokio::select! {
            _ = &mut ctrl_c => { interrupted = true; break; }
            round = async { ticker.tick().await; poller.poll().await } => round,
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
            samples: printer.collected,
        };
        output::write_json(&mut out, "stats", &target.report(), &report)?;
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

/// Prints rows in the chosen format as they come; keeps them for `-o json`.
struct Printer {
    format: Format,
    table: StreamTable,
    collected: Vec<StatsRow>,
}

impl Printer {
    fn new(format: Format) -> Self {
        let col = |header, width, left| Column {
            header,
            width,
            left,
        };
        let table = StreamTable::new(
            vec![
                col("time", 8, true),
                col("node", 21, true),
                col("role", 7, true),
                col("ops/s", 7, false),
                col("hit%", 6, false),
                col("miss/s", 7, false),
                col("exp/s", 6, false),
                col("evict/s", 7, false),
                col("in/s", 7, false),
                col("out/s", 7, false),
                col("mem", 7, false),
                col("mem%", 6, false),
                col("frag", 5, false),
                col("clients", 7, false),
                col("blk", 4, false),
                col("keys", 7, false),
                col("lag", 10, false),
                col("status", 6, true),
            ],
            color_enabled(),
        );
        Printer {
            format,
            table,
            collected: Vec::new(),
        }
    }

    fn rows(&mut self, out: &mut impl Write, rows: Vec<StatsRow>) -> Result<()> {
        for r in rows {
            match self.format {
                Format::Json => self.collected.push(r),
                Format::Ndjson => output::write_ndjson(out, &r)?,
                Format::Table => self.table.row(out, &cells(&r))?,
            }
        }
        Ok(())
    }
}

fn cells(r: &StatsRow) -> Vec<(String, Tone)> {
    let plain = |s: String| (s, Tone::Plain);
    let rate = |v: Option<f64>| plain(or_dash(v, count));
    let kbps = |v: Option<f64>| plain(or_dash(v, |k| bytes((k * 1024.0) as u64)));
    let time = chrono::DateTime::parse_from_rfc3339(&r.time)
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%H:%M:%S")
                .to_string()
        })
        .unwrap_or_default();
    let lag = match (r.repl_lag_bytes, r.repl_lag_secs) {
        (None, None) => "-".to_string(),
        (b, s) => format!("{}/{}", or_dash(b, bytes), or_dash(s, |s| format!("{s}s"))),
    };
    let mut status = r.status.to_string();
    if !r.flags.is_empty() {
        status = format!("{status},{}", r.flags.join(","));
    }
    if let Some(why) = &r.reason {
        status = format!("{status}: {why}");
    }
    let tone = match r.status {
        RowStatus::Down => Tone::Bad,
        RowStatus::Reset => Tone::Warn,
        _ if !r.flags.is_empty() => Tone::Warn,
        _ => Tone::Plain,
    };
    vec![
        plain(time),
        plain(r.node.clone()),
        plain(r.role.clone().unwrap_or_default()),
        rate(r.ops_per_sec),
        plain(or_dash(r.hit_pct, pct)),
        rate(r.misses_per_sec),
        rate(r.expired_per_sec),
        rate(r.evicted_per_sec),
        kbps(r.net_in_kb_per_sec),
        kbps(r.net_out_kb_per_sec),
        plain(or_dash(r.used_memory_bytes, bytes)),
        plain(or_dash(r.used_memory_pct, pct)),
        plain(or_dash(r.fragmentation_ratio, |f| format!("{f:.2}"))),
        plain(or_dash(r.connected_clients, |c| count(c as f64))),
        plain(or_dash(r.blocked_clients, |c| count(c as f64))),
        plain(or_dash(r.keys, |c| count(c as f64))),
        plain(lag),
        (status, tone),
    ]
}
