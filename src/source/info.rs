//! Polls `INFO` on every node concurrently, one round at a time. A node that fails is
//! reported as such and reconnected on the next round; it never stops the others.

use std::time::{Instant, SystemTime};

use tokio::task::JoinSet;

use super::conn::{connect, NodeConn};
use super::discover::NodeSpec;
use crate::endpoint::Target;
use crate::error::Error;
use crate::parse::info::{self, InfoSnapshot};

/// One node's answer in one round: the parsed snapshot and when it was taken, or the
/// error (not yet redacted: printers redact).
#[derive(Debug)]
pub(crate) struct NodeSample {
    pub(crate) node: usize,
    /// Seconds since the poller started (monotonic), at the middle of the round trip.
    pub(crate) t_secs: f64,
    /// The wall-clock time at the middle of the round trip: when the sample was taken.
    pub(crate) at: SystemTime,
    /// The client-side round trip of the INFO (connecting included when it had to).
    pub(crate) rtt: std::time::Duration,
    /// The INFO text as the server sent it, when the poller keeps it (recordings).
    pub(crate) raw: Option<String>,
    pub(crate) result: Result<InfoSnapshot, Error>,
}

pub(crate) struct InfoPoller {
    target: Target,
    nodes: Vec<NodeSpec>,
    conns: Vec<Option<NodeConn>>,
    start: Instant,
    /// `INFO <section>` (plain `INFO` when None).
    section: Option<&'static str>,
    keep_raw: bool,
}

impl InfoPoller {
    pub(crate) fn new(target: Target, nodes: Vec<NodeSpec>) -> Self {
        let conns = vec![None; nodes.len()];
        InfoPoller {
            target,
            nodes,
            conns,
            start: Instant::now(),
            section: None,
            keep_raw: false,
        }
    }

    /// Asks `INFO everything` and keeps each reply's text (for `detect`).
    pub(crate) fn everything(mut self) -> Self {
        self.section = Some("everything");
        self.keep_raw = true;
        self
    }

    /// Polls every node once, concurrently; results come back in node order.
    pub(crate) async fn poll(&mut self) -> Vec<NodeSample> {
        let mut set = JoinSet::new();
        for (i, spec) in self.nodes.iter().enumerate() {
            let existing = self.conns[i].take();
            let ep = spec.addr.clone();
            let opts = self.target.options.clone();
            let start = self.start;
            let (section, keep) = (self.section, self.keep_raw);
            set.spawn(async move {
                let (sent, sent_at) = (Instant::now(), SystemTime::now());
                let (conn, result) = match existing {
                    Some(c) => info_once(c, section, keep).await,
                    None => match connect(&ep, &opts).await {
                        Ok(c) => info_once(c, section, keep).await,
                        Err(e) => (None, Err(e)),
                    },
                };
                let rtt = sent.elapsed();
                let t_secs = (sent + rtt / 2).duration_since(start).as_secs_f64();
                (i, conn, t_secs, sent_at + rtt / 2, rtt, result)
            });
        }
        let mut out = Vec::with_capacity(self.nodes.len());
        while let Some(joined) = set.join_next().await {
            let Ok((i, conn, t_secs, at, rtt, result)) = joined else {
                continue;
            };
            self.conns[i] = conn;
            let (raw, result) = match result {
                Ok((raw, info)) => (raw, Ok(info)),
                Err(e) => (None, Err(e)),
            };
            out.push(NodeSample {
                node: i,
                t_secs,
                at,
                rtt,
                raw,
                result,
            });
        }
        out.sort_by_key(|s| s.node);
        out
    }
}

/// One `INFO section` of one node, parsed.
pub(crate) async fn info_section(c: &mut NodeConn, section: &str) -> Result<InfoSnapshot, Error> {
    let text: String = c.query(redis::cmd("INFO").arg(section)).await?;
    Ok(info::parse(&text))
}

/// What one INFO gave: the text when asked to keep it, and the parsed snapshot.
type Answer = Result<(Option<String>, InfoSnapshot), Error>;

/// Sends INFO; keeps the connection only if it worked.
async fn info_once(
    mut c: NodeConn,
    section: Option<&'static str>,
    keep: bool,
) -> (Option<NodeConn>, Answer) {
    let mut cmd = redis::cmd("INFO");
    if let Some(s) = section {
        cmd.arg(s);
    }
    match c.query::<String>(&cmd).await {
        Ok(text) => {
            let info = info::parse(&text);
            (Some(c), Ok((keep.then_some(text), info)))
        }
        Err(e) => (None, Err(e)),
    }
}
