//! The storm detector behind `detect`: samples of every node in, an [`Assessment`] out at
//! every evaluation (the verdict, the classes with their scores and evidence, the affected
//! nodes), plus the timeline of verdict changes and the most severe assessment of a run.
//! Live sampling, recordings and replays feed the same [`Detector`]. Pure: time arrives
//! as the samples' unix seconds; nothing here reads a clock, a file or a socket.
//!
//! - `series`: each node's points and intervals (the delta engine's reset rule)
//! - `reference`: what a window is compared with (saved baseline, calm history, lifetime)
//! - `baseline`: the `--save-baseline` file and its topology check
//! - `rules/`: one rule per class
//! - `assess`: verdict, severity, primary class, node summaries
//! - `detector`: windows, onsets, timeline, the most severe assessment
//! - `runbook`: next commands and fixes per class
//! - `thresholds`: the one table of thresholds

pub(crate) mod assess;
pub(crate) mod baseline;
pub(crate) mod class;
pub(crate) mod detector;
pub(crate) mod monitor;
pub(crate) mod reference;
pub(crate) mod rules;
pub(crate) mod runbook;
pub(crate) mod series;
pub(crate) mod thresholds;
pub(crate) mod ttl;

use crate::parse::info::{self, InfoSnapshot};
use crate::parse::recording::{Body, LatencyEvent, Record, Slowlog, TtlSample};

/// One sample of one node.
#[derive(Debug, Clone)]
pub(crate) struct Sample {
    /// Unix seconds.
    pub(crate) t: f64,
    pub(crate) node: String,
    pub(crate) kind: SampleKind,
}

#[derive(Debug, Clone)]
pub(crate) enum SampleKind {
    Info {
        info: Box<InfoSnapshot>,
        rtt_ms: Option<f64>,
    },
    Down(String),
    Slowlog(Slowlog),
    Latency(Vec<LatencyEvent>),
    Skipped {
        what: String,
        why: String,
    },
    TtlSample(TtlSample),
}

impl Sample {
    /// A recording line as a sample (the INFO text parsed); None for a MONITOR line (the
    /// caller counts those into a summary with the hotkeys engine).
    pub(crate) fn of(r: Record) -> Option<Self> {
        let kind = match r.body {
            Body::Info { text, rtt_ms } => SampleKind::Info {
                info: Box::new(info::parse(&text)),
                rtt_ms,
            },
            Body::Error(e) => SampleKind::Down(e),
            Body::Slowlog(s) => SampleKind::Slowlog(s),
            Body::Latency(l) => SampleKind::Latency(l),
            Body::Skipped { what, why } => SampleKind::Skipped { what, why },
            Body::Monitor(_) => return None,
            Body::TtlSample(ts) => SampleKind::TtlSample(ts),
        };
        Some(Sample {
            t: r.t,
            node: r.node,
            kind,
        })
    }
}

/// Evidence of a node beyond INFO, taken once or twice per run.
#[derive(Debug, Clone, Default)]
pub(crate) struct Extra {
    /// (t, SLOWLOG LEN and entries), at the start and end of a run.
    pub(crate) slowlogs: Vec<(f64, Slowlog)>,
    /// (t, LATENCY LATEST).
    pub(crate) latency: Vec<(f64, Vec<LatencyEvent>)>,
    /// Evidence the run could not take: (what, the server's answer).
    pub(crate) skipped: Vec<(String, String)>,
    /// A MONITOR sample of this node.
    pub(crate) monitor: Option<monitor::MonitorSummary>,
    /// A TTL sample of this node: (t, the sample).
    pub(crate) ttl: Option<(f64, TtlSample)>,
}
