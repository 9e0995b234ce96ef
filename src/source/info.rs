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
    pub(crate) result: Result<InfoSnapshot, Error>,
}

pub(crate) struct InfoPoller {
    target: Target,
    nodes: Vec<NodeSpec>,
    conns: Vec<Option<NodeConn>>,
    start: Instant,
}

impl InfoPoller {
    pub(crate) fn new(target: Target, nodes: Vec<NodeSpec>) -> Self {
        let conns = vec![None; nodes.len()];
        InfoPoller {
            target,
            nodes,
            conns,
            start: Instant::now(),
        }
    }

    /// Polls every node once, concurrently; results come back in node order.
    pub(crate) async fn poll(&mut self) -> Vec<NodeSample> {
        let mut set = JoinSet::new();
        for (i, spec) in self.nodes.iter().enumerate() {
            let existing = self.conns[i].take();
            let ep = spec.addr.clone();
            let opts = self.target.options.clone();
            let start = self.start;
            set.spawn(async move {
                let (sent, sent_at) = (Instant::now(), SystemTime::now());
                let (conn, result) = match existing {
                    Some(c) => info_once(c).await,
                    None => match connect(&ep, &opts).await {
                        Ok(c) => info_once(c).await,
                        Err(e) => (None, Err(e)),
                    },
                };
                let rtt = sent.elapsed();
                let t_secs = (sent + rtt / 2).duration_since(start).as_secs_f64();
                (i, conn, t_secs, sent_at + rtt / 2, result)
            });
        }
        let mut out = Vec::with_capacity(self.nodes.len());
        while let Some(joined) = set.join_next().await {
            let Ok((i, conn, t_secs, at, result)) = joined else {
                continue;
            };
            self.conns[i] = conn;
            out.push(NodeSample {
                node: i,
                t_secs,
                at,
                result,
            });
        }
        out.sort_by_key(|s| s.node);
        out
    }
}

/// Sends INFO; keeps the connection only if it worked.
async fn info_once(mut c: NodeConn) -> (Option<NodeConn>, Result<InfoSnapshot, Error>) {
    match c.query::<String>(&redis::cmd("INFO")).await {
        Ok(text) => (Some(c), Ok(info::parse(&text))),
        Err(e) => (None, Err(e)),
    }
}
