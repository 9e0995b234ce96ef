//! A live capture as a MONITOR event source: bounded MONITOR (`monitor.rs`) on every node
//! at once, the streams merged, each line tagged with its node and the address of
//! cachestorm's own side connection to that node; at the end, how every node's capture
//! ended. Must not: parse or count lines.

use std::ops::ControlFlow;
use std::sync::Arc;

use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::discover::{NodeList, NodeSpec};
use super::events::{Ended, Line, MonitorSource};
use super::monitor::{capture_node, Captured, Limits, NodeEnd};
use super::stop::Stop;
use crate::endpoint::ConnectOptions;
use crate::error::{Error, Result};

/// MONITOR running on every node until its duration passes or the stop switch turns.
pub(crate) struct LiveCapture {
    rx: mpsc::Receiver<Captured>,
    /// Per node: the client address of cachestorm's own side connection, once known.
    own: Vec<Option<Vec<u8>>>,
    tasks: JoinSet<Result<NodeEnd, (u16, Error)>>,
    names: Vec<String>,
    stop: Stop,
}

impl LiveCapture {
    /// Starts MONITOR on every node of `nodes` (node `i` is `nodes[i]`).
    pub(crate) fn start(
        o: &ConnectOptions,
        nodes: &[NodeSpec],
        limits: Limits,
        stop: &Stop,
    ) -> LiveCapture {
        let (tx, rx) = mpsc::channel(256);
        let limits = Arc::new(limits);
        let mut tasks = JoinSet::new();
        for (i, n) in nodes.iter().enumerate() {
            let (ep, o, tx, stop, limits) = (
                n.addr.clone(),
                o.clone(),
                tx.clone(),
                stop.clone(),
                limits.clone(),
            );
            let node = i as u16;
            tasks.spawn(async move {
                capture_node(node, ep, o, &limits, tx, stop)
                    .await
                    .map_err(|e| (node, e))
            });
        }
        LiveCapture {
            rx,
            own: vec![None; nodes.len()],
            tasks,
            names: nodes.names(),
            stop: stop.clone(),
        }
    }

    /// Collects how every node's capture ended: the reasons for early stops (a node that
    /// failed is warned about and counted as one), and the error when no node could
    /// capture at all.
    async fn finish(mut self) -> Result<Ended> {
        let mut end = Ended {
            interrupted: self.stop.interrupted(),
            ..Ended::default()
        };
        let mut failed = Vec::new();
        while let Some(j) = self.tasks.join_next().await {
            match j {
                Ok(Ok(node)) => {
                    end.max_server_buffer = end.max_server_buffer.max(node.max_omem);
                    end.lost |= node.lost;
                    end.early.extend(node.early);
                }
                Ok(Err((node, e))) => failed.push((node, e)),
                Err(e) => {
                    end.lost = true;
                    end.early.push(format!("capture task failed: {e}"));
                }
            }
        }
        if failed.len() == self.names.len() && !failed.is_empty() {
            return Err(failed.swap_remove(0).1);
        }
        end.lost |= !failed.is_empty();
        for (node, e) in failed {
            let msg = crate::redact::everywhere(&e.to_string());
            eprintln!(
                "cachestorm: warning: {} not captured: {msg}",
                self.names[node as usize]
            );
            end.early.push(msg);
        }
        Ok(end)
    }
}

impl MonitorSource for LiveCapture {
    /// Lines as they arrive; a break stops every node's capture (what is still in flight
    /// is dropped).
    async fn for_each_line(
        mut self,
        mut f: impl FnMut(Line<'_>) -> ControlFlow<()>,
    ) -> Result<Ended> {
        let mut number = 0u64;
        let mut broken = false;
        while let Some(msg) = self.rx.recv().await {
            let (node, data) = match msg {
                Captured::Own { node, addr } => {
                    self.own[node as usize] = Some(addr.into_bytes());
                    continue;
                }
                Captured::Lines { node, data } => (node, data),
            };
            if broken {
                continue;
            }
            let own_client = self.own[node as usize].as_deref();
            for text in data.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
                number += 1;
                let line = Line {
                    number,
                    node,
                    text: Some(text),
                    own_client,
                };
                if f(line).is_break() {
                    broken = true;
                    self.stop.stop();
                    break;
                }
            }
        }
        self.finish().await
    }
}
