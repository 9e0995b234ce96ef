//! Live traffic for `hotkeys` and `patterns`: bounded MONITOR on every master, merged
//! into one count; and the EXISTS check of penetration candidates afterwards.

use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::traffic::{feed_line, Gathered, SourceReport};
use crate::analysis::hotkeys::{penetration_candidates, ReportConfig, Verified};
use crate::analysis::traffic::{Traffic, TrafficConfig};
use crate::cli::{CaptureArgs, TargetArgs, TrafficArgs};
use crate::endpoint::{self, Target};
use crate::error::{Error, Result};
use crate::parse::keyspec::{tsv_from_command_info, CommandTable};
use crate::show;
use crate::source::conn::connect;
use crate::source::discover::{discover, NodeList, NodeSpec};
use crate::source::monitor::{capture_node, Chunk, Limits, NodeEnd};
use crate::source::stop::Stop;

impl From<&CaptureArgs> for Limits {
    fn from(c: &CaptureArgs) -> Self {
        Limits {
            duration: c.duration,
            max_server_buffer: c.max_server_buffer,
        }
    }
}

/// The merged line chunks of every node's capture, with the address of cachestorm's own
/// side connection per node (whose commands callers leave out).
pub(crate) struct Capture {
    rx: mpsc::Receiver<Chunk>,
    own_rx: mpsc::UnboundedReceiver<(u16, String)>,
    own: Vec<Option<Vec<u8>>>,
}

impl Capture {
    /// The next chunk, or None when every node's capture has ended.
    pub(crate) async fn recv(&mut self) -> Option<Chunk> {
        let chunk = self.rx.recv().await;
        while let Ok((n, addr)) = self.own_rx.try_recv() {
            self.own[n as usize] = Some(addr.into_bytes());
        }
        chunk
    }

    /// The client address of cachestorm's own connection to `node`, once known.
    pub(crate) fn own(&self, node: u16) -> Option<&[u8]> {
        self.own[node as usize].as_deref()
    }
}

/// One capture task per node.
pub(crate) type Tasks = JoinSet<Result<NodeEnd, (u16, Error)>>;

/// Starts MONITOR on every node until the `stop` switch turns; returns the merged capture
/// and the tasks.
pub(crate) fn start(
    target: &Target,
    nodes: &[NodeSpec],
    limits: Limits,
    stop: &Stop,
) -> (Capture, Tasks) {
    let (tx, rx) = mpsc::channel::<Chunk>(256);
    let (own_tx, own_rx) = mpsc::unbounded_channel();
    let limits = std::sync::Arc::new(limits);
    let mut tasks = JoinSet::new();
    for (i, n) in nodes.iter().enumerate() {
        let (ep, opts, tx, own_tx, stop, limits) = (
            n.addr.clone(),
            target.options.clone(),
            tx.clone(),
            own_tx.clone(),
            stop.clone(),
            limits.clone(),
        );
        let node = i as u16;
        tasks.spawn(async move {
            capture_node(node, ep, opts, &limits, tx, own_tx, stop)
                .await
                .map_err(|e| (node, e))
        });
    }
    let capture = Capture {
        rx,
        own_rx,
        own: vec![None; nodes.len()],
    };
    (capture, tasks)
}

/// Collects how every node's capture ended: the reasons for early stops, and the error
/// when no node could capture at all.
pub(crate) async fn finish(mut tasks: Tasks, names: &[String]) -> Result<(Vec<String>, u64)> {
    let mut early = Vec::new();
    let mut failed = Vec::new();
    let mut max_omem = 0;
    while let Some(j) = tasks.join_next().await {
        match j {
            Ok(Ok(end)) => {
                max_omem = max_omem.max(end.max_omem);
                early.extend(end.early);
            }
            Ok(Err((node, e))) => failed.push((node, e)),
            Err(e) => early.push(format!("capture task failed: {e}")),
        }
    }
    if failed.len() == names.len() && !failed.is_empty() {
        return Err(failed.swap_remove(0).1);
    }
    for (node, e) in failed {
        let msg = crate::redact::everywhere(&e.to_string());
        eprintln!(
            "cachestorm: warning: {} not captured: {msg}",
            names[node as usize]
        );
        early.push(msg);
    }
    Ok((early, max_omem))
}

/// The built-in key-spec table plus the commands the server knows and it does not (module
/// commands), from the server's own COMMAND INFO. Falls back to the built-in table.
async fn server_table(target: &Target, node: &NodeSpec) -> (&'static CommandTable, Option<usize>) {
    let builtin = CommandTable::builtin();
    let Ok(mut c) = connect(&node.addr, &target.options).await else {
        return (builtin, None);
    };
    match c
        .query::<redis::Value>(redis::cmd("COMMAND").arg("INFO"))
        .await
    {
        Ok(v) => {
            let (table, added) = builtin.with_extra(&tsv_from_command_info(&v));
            if added == 0 {
                return (builtin, Some(0));
            }
            // Lives as long as the process: a capture's counting borrows it throughout.
            (Box::leak(Box::new(table)), Some(added))
        }
        Err(_) => (builtin, None),
    }
}

pub(crate) async fn gather(
    ta: &TargetArgs,
    a: &TrafficArgs,
    mut cfg: TrafficConfig,
) -> Result<Gathered> {
    let target = endpoint::resolve(ta)?;
    let nodes = discover(&target).await?.capture_nodes();
    let mut server_commands_added = None;
    if let Some(first) = nodes.first() {
        (cfg.table, server_commands_added) = server_table(&target, first).await;
    }
    let names: Vec<String> = nodes.iter().map(|n| n.addr.to_string()).collect();
    let limits = Limits::from(&a.capture);
    eprintln!(
        "cachestorm: capturing MONITOR on {} for {:?} (Ctrl-C stops early)",
        names.join(", "),
        a.capture.duration
    );
    let stop = Stop::on_ctrl_c();
    let (mut cap, tasks) = start(&target, &nodes, limits, &stop);
    let mut t = Traffic::new(cfg);
    let mut src = SourceReport {
        kind: "live",
        nodes: names.clone(),
        server_commands_added,
        ..Default::default()
    };
    let mut lineno = 0u64;
    while let Some(chunk) = cap.recv().await {
        let skip = cap.own(chunk.node);
        for line in chunk.data.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
            lineno += 1;
            feed_line(&mut t, &mut src, lineno, Some(line), chunk.node, skip);
        }
    }
    let interrupted = stop.interrupted();
    let (mut early, _) = finish(tasks, &names).await?;
    if interrupted {
        early.insert(0, "interrupted (Ctrl-C)".into());
    }
    if !early.is_empty() {
        for e in &early {
            eprintln!("cachestorm: capture stopped early: {e}");
        }
        src.stopped_early = Some(early.join("; "));
    }
    Ok(Gathered {
        traffic: t,
        source: src,
        input_error: None,
        interrupted,
        live: Some((target, nodes)),
    })
}

/// Checks up to 200 penetration candidates with EXISTS on the node they were seen on.
pub(crate) async fn verify_missing(
    (target, nodes): &(Target, Vec<NodeSpec>),
    t: &Traffic,
    cfg: &ReportConfig,
) -> Option<Verified> {
    let cands = penetration_candidates(t, cfg.penetration_min_reads, 200);
    if cands.is_empty() {
        return None;
    }
    let mut v = Verified {
        sampled: 0,
        missing: 0,
        missing_pct: 0.0,
        missing_examples: Vec::new(),
    };
    for (node, spec) in nodes.iter().enumerate() {
        let name = &spec.addr;
        let keys: Vec<&Vec<u8>> = cands
            .iter()
            .filter(|(_, n)| *n as usize == node)
            .map(|(k, _)| k)
            .collect();
        if keys.is_empty() {
            continue;
        }
        let mut c = match connect(name, &target.options).await {
            Ok(c) => c,
            Err(e) => {
                eprintln!(
                    "cachestorm: warning: cannot verify penetration candidates on {name}: {e}"
                );
                continue;
            }
        };
        for k in keys {
            match c.query::<i64>(redis::cmd("EXISTS").arg(k.as_slice())).await {
                Ok(n) => {
                    v.sampled += 1;
                    if n == 0 {
                        v.missing += 1;
                        if v.missing_examples.len() < 5 {
                            v.missing_examples.push(show::key(k));
                        }
                    }
                }
                Err(_) => break,
            }
        }
    }
    if v.sampled == 0 {
        return None;
    }
    v.missing_pct = crate::ratio::pct(v.missing, v.sampled);
    Some(v)
}
