//! The scan shared by `bigkeys`, `keyspace` and `patterns --scan`: pick the nodes, walk
//! them (`source::walker`), feed every key to a [`Census`], show progress on a terminal,
//! and turn Ctrl-C and node failures into a partial report.

use super::Outcome;
use crate::analysis::census::{Census, CensusConfig};
use crate::analysis::patterns::PatternRules;
use crate::cli::{ScanArgs, TargetArgs};
use crate::endpoint::{Target, TargetReport};
use crate::error::{Error, Result};
use crate::exit::Ending;
use crate::output::scan::{ScanReport, ScanSettings};
use crate::parse::keyfacts::{KeyInfo, NodeMemory};
use crate::redact;
use crate::source::discover::{discover, NodeList, NodeSpec};
use crate::source::stop::{progress_bar, Stop};
use crate::source::walker::{self, Msg, NodeWalk, WalkSettings};

pub(crate) struct Scanned {
    pub(crate) census: Census,
    pub(crate) scan: ScanReport,
    pub(crate) target: TargetReport,
    pub(crate) memory: Vec<Option<NodeMemory>>,
}

impl Scanned {
    pub(crate) fn outcome(&self) -> Outcome {
        outcome(&self.scan)
    }
}

/// Exit 130 after Ctrl-C; exit 3 when a node failed (its part is missing); `--sample`
/// stopping the walk is not a failure.
pub(crate) fn outcome(s: &ScanReport) -> Outcome {
    Ending {
        interrupted: s.interrupted,
        bad_input: false,
        lost: s.nodes.iter().any(|n| n.error.is_some()),
    }
    .outcome()
}

/// The walk's settings from the flags, resolved once: only these travel down (and
/// `hotkeys --method lfu` builds its own).
pub(crate) fn settings(a: &ScanArgs) -> WalkSettings {
    WalkSettings {
        count: a.count,
        pattern: a.pattern.clone(),
        kind: a.kind.clone(),
        samples: a.memory_samples,
        lengths: !a.no_lengths,
        encoding: a.encoding,
        rate: a.rate,
        max_latency: a.max_latency,
        sample: a.sample,
        cursor: a.cursor,
        readonly: a.replicas,
        lfu: false,
    }
}

fn check(a: &WalkSettings, nodes: usize) -> Result<()> {
    if a.sample.is_some() && (a.pattern.is_some() || a.kind.is_some()) {
        return Err(Error::Usage(
            "--sample extrapolates to DBSIZE, so it cannot go with --match or --type".into(),
        ));
    }
    if a.cursor.is_some() && nodes != 1 {
        return Err(Error::Usage(format!(
            "--cursor resumes a one-node scan, and this target has {nodes} nodes to scan"
        )));
    }
    Ok(())
}

/// Where a scan goes: the resolved target and the nodes to walk.
pub(crate) struct Plan {
    target: Target,
    nodes: Vec<NodeSpec>,
    pub(crate) names: Vec<String>,
}

impl Plan {
    /// A walk of nodes already chosen (`detect --ttl-sample`).
    pub(crate) fn of(target: Target, nodes: Vec<NodeSpec>) -> Self {
        let names = nodes.names();
        Plan {
            target,
            nodes,
            names,
        }
    }
}

/// Resolves the target and picks the nodes (one replica per master with `readonly`,
/// i.e. `--replicas`), refusing options that cannot apply to them.
pub(crate) async fn plan(t: &TargetArgs, a: &WalkSettings) -> Result<Plan> {
    let target = super::target::resolve(t)?;
    let nodes = discover(&target).await?.scan_nodes(a.readonly);
    check(a, nodes.len())?;
    let names = nodes.names();
    Ok(Plan {
        target,
        nodes,
        names,
    })
}

/// What the walker found, batch by batch.
pub(crate) enum Batch {
    Keys(Vec<KeyInfo>),
    Freqs(Vec<(Vec<u8>, u8, u16)>),
}

/// How a walk went.
pub(crate) struct Walked {
    pub(crate) scan: ScanReport,
    pub(crate) target: TargetReport,
    pub(crate) memory: Vec<Option<NodeMemory>>,
}

/// Walks the planned nodes, handing every batch to `sink`; a progress bar on a terminal;
/// Ctrl-C stops the walk with a partial report. Fails only when no node could be walked at
/// all.
pub(crate) async fn walk(
    plan: &Plan,
    a: &WalkSettings,
    mut sink: impl FnMut(Batch),
) -> Result<Walked> {
    let addrs: Vec<_> = plan.nodes.iter().map(|n| n.addr.clone()).collect();
    let started = std::time::Instant::now();
    // Ctrl-C stops every node's walk; each finishes its in-flight keys.
    let stop = Stop::on_interrupt();
    let mut walk = walker::start(&addrs, &plan.target.options, a, &stop);
    let bar = progress_bar("scanning", "keys");
    let mut total = 0;
    while let Some(msg) = walk.rx.recv().await {
        let batch = match msg {
            Msg::Size(n) => {
                total += n;
                if let Some(b) = &bar {
                    b.set_length(total);
                }
                continue;
            }
            Msg::Keys(keys) => Batch::Keys(keys),
            Msg::Freqs(f) => Batch::Freqs(f),
        };
        let n = match &batch {
            Batch::Keys(k) => k.len(),
            Batch::Freqs(f) => f.len(),
        } as u64;
        if let Some(b) = &bar {
            b.inc(n);
        }
        sink(batch);
    }
    let interrupted = stop.interrupted();
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let mut nodes_walked = node_ends(walk.tasks).await?;
    if a.readonly {
        warn_masters_scanned(&nodes_walked);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let keys_scanned = nodes_walked.iter().map(|n| n.scanned).sum::<u64>();
    let dbsize: Vec<u64> = nodes_walked.iter().map(|n| n.dbsize).collect();
    let memory = nodes_walked.iter_mut().map(|n| n.memory.take()).collect();
    let scan = ScanReport {
        complete: nodes_walked.iter().all(|n| n.complete),
        interrupted,
        keys_scanned,
        keys_vanished: nodes_walked.iter().map(|n| n.vanished).sum(),
        dbsize: dbsize.iter().sum(),
        elapsed_secs: elapsed,
        keys_per_sec: keys_scanned as f64 / elapsed.max(1e-9),
        settings: ScanSettings::from(a),
        nodes: nodes_walked,
        extrapolation: None,
    };
    Ok(Walked {
        scan,
        target: plan.target.report(),
        memory,
    })
}

/// How every node's walk ended, in node order, failures warned about (redacted). Fails
/// when every node failed before its walk began (cannot connect, auth, DBSIZE refused):
/// that is an error, not a report. A node that failed once walking (CLUSTERDOWN, a lost
/// connection, ...) is part of the report, with its error and cursor.
async fn node_ends(mut tasks: walker::Tasks) -> Result<Vec<NodeWalk>> {
    let mut ends = Vec::new();
    while let Some(j) = tasks.join_next().await {
        if let Ok(end) = j {
            ends.push(end);
        }
    }
    ends.sort_by_key(|e| e.0);
    if !ends.is_empty() && ends.iter().all(|e| e.2.is_some() && !e.1.server.opened) {
        if let Some(e) = ends.iter_mut().find_map(|e| e.2.take()) {
            return Err(e);
        }
    }
    let mut nodes: Vec<NodeWalk> = ends.into_iter().map(|e| e.1).collect();
    for n in &mut nodes {
        if let Some(e) = &n.error {
            let e = redact::everywhere(e);
            eprintln!(
                "cachestorm: warning: {} not scanned completely (resume at cursor {}): {e}",
                n.node, n.cursor
            );
            n.error = Some(e);
        }
    }
    Ok(nodes)
}

/// `--replicas` where a node has no replica (standalone, a cluster without replicas): the
/// master was scanned in its place, which the report marks (`role`) and stderr says.
fn warn_masters_scanned(nodes: &[NodeWalk]) {
    for n in nodes.iter().filter(|n| n.server.role == Some("master")) {
        eprintln!(
            "cachestorm: warning: --replicas: {} is a master with no replica to scan instead; it was scanned itself",
            n.node
        );
    }
}

/// Walks the target's keyspace into a census.
pub(crate) async fn scan(
    t: &TargetArgs,
    a: &ScanArgs,
    mut cfg: CensusConfig,
    rules: Option<PatternRules>,
) -> Result<Scanned> {
    let s = settings(a);
    let plan = plan(t, &s).await?;
    cfg.nodes = plan.names.clone();
    let mut census = Census::new(cfg, rules);
    let sampled = s.sample.is_some();
    let w = walk(&plan, &s, |b| {
        if let Batch::Keys(keys) = b {
            for k in keys {
                if sampled {
                    census.add_sampled(k);
                } else {
                    census.add(k);
                }
            }
        }
    })
    .await?;
    let mut scan = w.scan;
    if scan.nodes.iter().any(|n| n.sampled) {
        let dbsize: Vec<u64> = scan.nodes.iter().map(|n| n.dbsize).collect();
        scan.extrapolation = Some(census.extrapolate(&dbsize));
    }
    Ok(Scanned {
        census,
        scan,
        target: w.target,
        memory: w.memory,
    })
}
