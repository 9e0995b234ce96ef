//! `cachestorm warm`, the edge: resolves the flags into the plan — the keys (gathered
//! hottest first from logs, captures, reports and key files, or a scan of the source),
//! the value source (a server or cluster, a file), the target's masters — refuses a source
//! that is the target and a plan larger than the target's headroom (unless `--force`),
//! says the plan on stderr, runs the executor (`warm::exec`) with the checkpoint, and
//! prints the report (`--measure`, `--verify` around it). Writes to the target only;
//! never deletes.

use std::time::{Duration, Instant};

use crate::analysis::glob;
use crate::cli::{TargetArgs, WarmArgs};
use crate::endpoint::Target;
use crate::error::{Error, Result};
use crate::exit::Ending;
use crate::output::warm::{Failure, Measured, SourceRow, VerifiedRow, WarmEvent, WarmReport};
use crate::output::{self, Completeness, StopReason};
use crate::parse::info::InfoSnapshot;
use crate::parse::keyslot::key_slot;
use crate::source::conn::{connect, NodeConn};
use crate::source::discover::{discover, Role};
use crate::source::info::info_section;
use crate::source::stop::Stop;
use crate::warm::checkpoint::{plan_id, Checkpoint};
use crate::warm::copy::WriteOptions;
use crate::warm::exec::{self, headroom, memory_pct, Guard, Ran, Saver, Settings, Tick};
use crate::warm::external::External;
use crate::warm::feed::{Feed, Position, Scan};
use crate::warm::file::FileValues;
use crate::warm::keys::{gather, Gathered, KeySpec};
use crate::warm::route::Nodes;
use crate::warm::values::Values;
use crate::warm::verify::verify;

use super::Outcome;

pub(crate) async fn run(args: WarmArgs) -> Result<Outcome> {
    let gathered = match specs(&args)? {
        Some(specs) => {
            let (top, pattern) = (args.top, args.pattern.clone());
            Some(
                tokio::task::spawn_blocking(move || {
                    gather(&specs, top, pattern.as_deref().map(str::as_bytes))
                })
                .await
                .map_err(|e| Error::Input(format!("reading the key sources: {e}")))??,
            )
        }
        None => None,
    };
    let target = super::target::resolve(&args.target)?;
    let mut report = plan(gathered.as_ref(), args.dry_run);
    let format = args.output.format();
    let named_values = args.source.is_some()
        || args.source_file.is_some()
        || args.source_cmd.is_some()
        || args.source_http.is_some();
    if args.dry_run && !named_values {
        return printed(format, &target, &report, Outcome::Done);
    }
    let keys: Vec<Vec<u8>> = gathered
        .map(|g| g.keys.into_iter().map(|(k, _)| k).collect())
        .unwrap_or_default();
    let mut w = prepare(&args, keys, &mut report).await?;
    if args.dry_run {
        return printed(format, &target, &report, Outcome::Done);
    }
    if let Some(sv) = w.saver.as_mut() {
        // Once before any write: a checkpoint that cannot be saved stops the run here.
        sv.save(w.from)?;
    }
    let stop = Stop::on_interrupt();
    let mut probe = w.target.conns().to_vec();
    if let Some(d) = args.measure {
        match stop.until(measure(&mut probe, d)).await {
            Some(m) => report.measured_before = Some(m?),
            None => {
                report.completeness =
                    Completeness::from_reasons(&[(true, StopReason::Interrupted)]);
                return printed(format, &target, &report, Outcome::Interrupted);
            }
        }
    }
    let ran = execute(&args, &mut w, &mut report, &stop).await?;
    let whole = !(ran.interrupted || ran.lost);
    if let (Some(d), true) = (args.measure, whole) {
        match stop.until(measure(&mut probe, d)).await {
            Some(Ok(m)) => report.measured_after = Some(m),
            Some(Err(e)) => eprintln!("cachestorm: warning: --measure after the warm: {e}"),
            None => {}
        }
    }
    if let (Some(source), Some(_), true) = (w.values.peer(), args.verify, whole) {
        match stop.until(verify(source, &w.target, &ran.written)).await {
            Some(Ok(c)) => {
                report.verified = Some(VerifiedRow {
                    sampled: c.sampled,
                    same: c.same,
                    differ: c.differ_count,
                    first_differ: c.differ,
                })
            }
            Some(Err(e)) => eprintln!("cachestorm: warning: --verify: {e}"),
            None => {}
        }
    }
    let interrupted = stop.interrupted();
    if interrupted && !ran.interrupted {
        report.completeness = Completeness::from_reasons(&[(true, StopReason::Interrupted)]);
    }
    let outcome = Ending {
        interrupted,
        bad_input: false,
        lost: ran.lost,
    }
    .outcome();
    if format == output::Format::Ndjson {
        // The progress events went out as they happened: only the last is left.
        if let Some(done) = report.progress.last() {
            output::write_ndjson(&mut std::io::stdout().lock(), done)?;
        }
        return Ok(outcome);
    }
    printed(format, &target, &report, outcome)
}

/// Prints the report (the plan alone for a dry run: as NDJSON, its `plan` event).
fn printed(
    format: output::Format,
    target: &Target,
    report: &WarmReport,
    outcome: Outcome,
) -> Result<Outcome> {
    let view = output::View::stdout(false);
    if format == output::Format::Ndjson && report.progress.is_empty() {
        let e = WarmEvent::new("plan", 0, Some(report.targeted), 0, 0, 0, 0.0);
        output::write_ndjson(&mut std::io::stdout().lock(), &e)?;
        return Ok(outcome);
    }
    output::print(format, &view, &target.report(), report)?;
    Ok(outcome)
}

/// Everything a run needs, resolved and checked.
struct Warm {
    target: Nodes,
    values: Values,
    feed: Feed,
    guards: Vec<Guard>,
    saver: Option<Saver>,
    from: Position,
    opts: WriteOptions,
}

/// Opens the target and the value source, refuses a source that is the target, reads a
/// `--resume` checkpoint, estimates what is left of the plan against the target's
/// headroom (refused unless `--force`), and says the plan on stderr.
async fn prepare(args: &WarmArgs, keys: Vec<Vec<u8>>, report: &mut WarmReport) -> Result<Warm> {
    let target = nodes_of(&super::target::resolve(&args.target)?, "the target").await?;
    report.target_nodes = target.conns().len() as u64;
    let opts = WriteOptions {
        overwrite: args.overwrite,
        min_ttl_ms: args.min_ttl.as_millis() as u64,
        jitter_pct: args
            .ttl_jitter
            .unwrap_or(if args.source.is_some() { 0.0 } else { 10.0 }),
    };
    let (values, source_name) = values(args).await?;
    let guards = refuse_same_or_full(values.peer(), &target, args).await?;
    let target_name = names(&target);
    let (mut feed, scan_name) = feed(args, &values, keys)?;
    let plan = plan_id(
        match &feed {
            Feed::List { keys, .. } => keys,
            Feed::Scan(_) => &[],
        },
        &format!("{source_name}{scan_name}"),
        &target_name,
    );
    let total = feed.total();
    let from = match (&args.checkpoint, args.resume) {
        (Some(path), true) => Checkpoint::load(path, &plan, total.unwrap_or(0))?.at,
        _ => Position::default(),
    };
    if from != Position::default() {
        feed = resumed(feed, &values, args, from)?;
    }
    report.resumed_after = from.done;
    let left: &[Vec<u8>] = match &feed {
        Feed::List { keys, at } => &keys[*at..],
        Feed::Scan(_) => &[],
    };
    let per = estimate(&values, left, from.done, args, &target).await?;
    report.estimated_bytes = per.as_ref().map(|p| p.iter().sum());
    report.headroom_bytes = guards.iter().map(|g| g.headroom).sum::<Option<u64>>();
    report.estimated_secs = match (args.rate, args.from_source_scan) {
        (Some(r), false) => Some(left.len() as f64 / r as f64),
        _ => None,
    };
    eprintln!("cachestorm: {}", plan_line(report, args.from_source_scan));
    if let (Some((node, e, h)), false) = (per.and_then(|p| over(&p, &guards)), args.force) {
        let on = if guards.len() > 1 {
            format!(" on {node}")
        } else {
            String::new()
        };
        return Err(Error::Usage(format!(
            "the plan's estimated {}{on} is more than the target's headroom of {} there (under --max-memory-pct {:.0}): warm fewer keys (--top, --match), or pass --force",
            crate::units::bytes(e),
            crate::units::bytes(h),
            args.max_memory_pct
        )));
    }
    let saver = args
        .checkpoint
        .clone()
        .map(|p| Saver::new(p, plan, total.unwrap_or(0)));
    Ok(Warm {
        target,
        values,
        feed,
        guards,
        saver,
        from,
        opts,
    })
}

/// The run itself, its progress events kept (and printed as they happen with NDJSON),
/// and its results put in the report.
async fn execute(
    args: &WarmArgs,
    w: &mut Warm,
    report: &mut WarmReport,
    stop: &Stop,
) -> Result<Ran> {
    let settings = Settings {
        opts: w.opts,
        pipeline: args.pipeline,
        rate: args.rate,
        bytes_per_sec: args.max_bytes_per_sec,
        max_time: args.max_time,
        max_latency: args.max_latency,
        verify: args.verify.unwrap_or(0),
    };
    let left = w.feed.total().map(|t| t.saturating_sub(w.from.done));
    let ndjson = args.output.format() == output::Format::Ndjson;
    let mut events = Vec::new();
    let tick = |t: Tick| {
        let e = WarmEvent::new(
            "progress", t.handled, left, t.written, t.failed, t.bytes, t.secs,
        );
        if ndjson {
            let _ = output::write_ndjson(&mut std::io::stdout().lock(), &e);
        }
        events.push(e);
    };
    let ran = exec::run(
        &mut w.values,
        &mut w.target,
        &mut w.feed,
        &settings,
        w.from,
        w.saver.take(),
        std::mem::take(&mut w.guards),
        stop,
        tick,
    )
    .await?;
    if let Feed::Scan(s) = &w.feed {
        report.targeted = w.from.done + ran.handled();
        report.distinct_keys = report.targeted;
        if let Some(row) = report.sources.first_mut() {
            row.keys_seen = ran.handled();
            row.filtered = s.filtered;
        }
    }
    fill(report, &ran);
    report.progress = events;
    let mut done = WarmEvent::new(
        "done",
        ran.handled(),
        left,
        ran.total.written,
        ran.total.failed,
        ran.total.bytes,
        ran.secs,
    );
    done.complete = Some(report.completeness.complete);
    done.stopped_by = report.completeness.stopped_by;
    done.skipped = Some(ran.total.exists + ran.total.missing + ran.total.short_ttl);
    report.progress.push(done);
    Ok(ran)
}

/// The nodes' addresses, comma-separated.
fn names(n: &Nodes) -> String {
    n.conns()
        .iter()
        .map(|c| c.endpoint.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// The masters of `t`, connected: a cluster's by slot, else its one master (a node list of
/// several, or no master, is refused: warm writes each key to one place).
async fn nodes_of(t: &Target, what: &str) -> Result<Nodes> {
    let nodes = discover(t).await?;
    if nodes.iter().any(|n| !n.slots.is_empty()) {
        return Nodes::cluster(&nodes, &t.options).await;
    }
    let masters: Vec<_> = nodes
        .iter()
        .filter(|n| n.role != Some(Role::Replica))
        .collect();
    let [node] = masters.as_slice() else {
        return Err(Error::Usage(format!(
            "{what} has {} nodes and warm writes each key to one place: name one server, or a cluster (--cluster)",
            masters.len()
        )));
    };
    Ok(Nodes::one(
        connect(&node.addr, &t.options).await?,
        &t.options,
    ))
}

/// The value source the flags name, opened: a JSONL file read whole, a command or HTTP
/// GET per key, or a source server or cluster; with its name for the checkpoint's plan.
async fn values(args: &WarmArgs) -> Result<(Values, String)> {
    let ttl_ms = args.ttl.map(|t| t.as_millis() as u64);
    let timeout = args.target.timeout;
    if let Some(t) = &args.source_cmd {
        let external = External::cmd(t, timeout, args.concurrency)?;
        let name = external.name();
        return Ok((Values::External { external, ttl_ms }, name));
    }
    if let Some(u) = &args.source_http {
        let external = External::http(u, timeout, args.retries, args.concurrency)?;
        let name = external.name();
        return Ok((Values::External { external, ttl_ms }, name));
    }
    Ok(match &args.source_file {
        Some(path) => {
            let path2 = path.clone();
            let file = tokio::task::spawn_blocking(move || FileValues::load(&path2))
                .await
                .map_err(|e| Error::Input(format!("reading {path}: {e}")))??;
            if file.bad > 0 {
                eprintln!(
                    "cachestorm: warning: {} of {} lines of {path} skipped; first: {}",
                    file.bad,
                    file.lines,
                    file.first_bad.as_deref().unwrap_or("")
                );
            }
            (Values::File { file, ttl_ms }, format!("file {path}"))
        }
        None => {
            let source = source_target(&args.target, args.source.as_deref(), args.source_cluster)?;
            let nodes = nodes_of(&source, "--source").await?;
            let name = nodes
                .conns()
                .iter()
                .map(|c| c.endpoint.to_string())
                .collect::<Vec<_>>()
                .join(",");
            (Values::Peer(nodes), name)
        }
    })
}

/// The batches to warm: the planned keys, or a scan of the source.
fn feed(args: &WarmArgs, values: &Values, keys: Vec<Vec<u8>>) -> Result<(Feed, String)> {
    if !args.from_source_scan {
        return Ok((Feed::list(keys, 0), String::new()));
    }
    let scan = scan_of(args, values, Position::default())?;
    let name = format!(
        " scan {} match {:?} slots {:?}",
        scan.names().join(","),
        args.pattern,
        args.slots
    );
    Ok((Feed::Scan(scan), name))
}

/// `--from-source-scan` over the source's masters, from `from`.
fn scan_of(args: &WarmArgs, values: &Values, from: Position) -> Result<Scan> {
    let Some(source) = values.peer() else {
        return Err(Error::Usage(
            "--from-source-scan reads the keys of a --source server".into(),
        ));
    };
    Ok(Scan::new(
        source.conns().to_vec(),
        args.pattern.as_ref().map(|p| p.as_bytes().to_vec()),
        args.slots.clone(),
        from,
    ))
}

/// The feed of a resumed run: the planned keys after those done, or the scan from its
/// saved cursor.
fn resumed(feed: Feed, values: &Values, args: &WarmArgs, from: Position) -> Result<Feed> {
    Ok(match feed {
        Feed::List { keys, .. } => Feed::list(keys, from.done),
        Feed::Scan(_) => Feed::Scan(scan_of(args, values, from)?),
    })
}

/// The one line said on stderr before anything is written.
fn plan_line(r: &WarmReport, scan: bool) -> String {
    let what = if scan {
        "plan: every key of the source's scan".to_string()
    } else {
        format!(
            "plan: {} keys, hottest first",
            crate::units::count(r.targeted as f64)
        )
    };
    let est = r.estimated_bytes.map_or(String::new(), |e| {
        format!(", about {} of target memory", crate::units::bytes(e))
    });
    let time = r.estimated_secs.map_or(String::new(), |s| {
        format!(", {}s at --rate", crate::units::decimal(s))
    });
    let room = match (r.estimated_bytes, r.headroom_bytes) {
        (_, Some(h)) => format!("; the target takes {} more", crate::units::bytes(h)),
        (Some(_), None) => "; the target has no maxmemory".to_string(),
        _ => String::new(),
    };
    format!("{what}{est}{time}{room}")
}

/// The key sources the flags name, in the order given (None: `--from-source-scan`).
fn specs(a: &WarmArgs) -> Result<Option<Vec<KeySpec>>> {
    let mut specs: Vec<KeySpec> = a
        .from_log
        .iter()
        .map(|p| KeySpec::Log {
            path: p.clone(),
            regex: a.key_regex.clone().unwrap_or_default(),
            template: a.key_template.clone(),
        })
        .collect();
    specs.extend(
        a.from_monitor
            .iter()
            .map(|p| KeySpec::Monitor { path: p.clone() }),
    );
    specs.extend(
        a.from_report
            .iter()
            .map(|p| KeySpec::Report { path: p.clone() }),
    );
    specs.extend(
        a.keys_file
            .iter()
            .map(|p| KeySpec::KeysFile { path: p.clone() }),
    );
    match (specs.is_empty(), a.from_source_scan) {
        (true, false) => Err(Error::Usage(
            "name where the keys come from: --from-log (with --key-regex), --from-monitor, --from-report, --keys-file or --from-source-scan".into(),
        )),
        (false, true) => Err(Error::Usage(
            "--from-source-scan takes every key of the source: it does not mix with --from-log, --from-monitor, --from-report or --keys-file".into(),
        )),
        (true, true) => Ok(None),
        (false, false) => Ok(Some(specs)),
    }
}

/// The target's connection flags with the `--source` URL as the address: the source is
/// another server, reached the same way (TLS files, timeouts; its password from the URL or
/// REDISCLI_AUTH).
fn source_target(t: &TargetArgs, url: Option<&str>, cluster: bool) -> Result<Target> {
    let Some(url) = url else {
        return Err(Error::Usage(
            "--source URL: where the values come from".into(),
        ));
    };
    let mut a = t.clone();
    a.url = Some(url.to_string());
    (a.host, a.port, a.socket, a.pass, a.user, a.db) = (None, None, None, None, None, None);
    a.nodes.clear();
    a.sentinel.clear();
    (a.cluster, a.master) = (cluster, None);
    super::target::resolve(&a)
}

/// The plan: what the key sources held and what will be warmed, hottest first (a scan's
/// counts are filled in as it goes).
fn plan(g: Option<&Gathered>, dry_run: bool) -> WarmReport {
    let (sources, distinct, exact, targeted, first_keys) = match g {
        Some(g) => (
            g.sources
                .iter()
                .map(|s| SourceRow {
                    source: s.source.clone(),
                    lines: s.lines,
                    matched: s.matched,
                    unmatched: s.unmatched,
                    bad: s.bad,
                    keys_seen: s.keys,
                    filtered: s.filtered,
                    bad_examples: s.bad_examples.clone(),
                })
                .collect(),
            g.distinct,
            g.distinct_exact,
            g.keys.len() as u64,
            g.keys
                .iter()
                .take(10)
                .map(|(k, _)| crate::show::key(k))
                .collect(),
        ),
        None => (
            vec![SourceRow {
                source: "scan of the source".into(),
                lines: 0,
                matched: 0,
                unmatched: 0,
                bad: 0,
                keys_seen: 0,
                filtered: 0,
                bad_examples: Vec::new(),
            }],
            0,
            true,
            0,
            Vec::new(),
        ),
    };
    WarmReport {
        completeness: Completeness::done(),
        sources,
        distinct_keys: distinct,
        distinct_keys_exact: exact,
        targeted,
        dry_run,
        written: 0,
        skipped_existing: 0,
        missing_in_source: 0,
        skipped_short_ttl: 0,
        typed_fallback: 0,
        failed: 0,
        failures: Vec::new(),
        bytes: 0,
        duration_secs: 0.0,
        keys_per_sec: 0.0,
        stopped_by_guard: None,
        measured_before: None,
        measured_after: None,
        resumed_after: 0,
        verified: None,
        first_keys,
        estimated_bytes: None,
        estimated_secs: None,
        headroom_bytes: None,
        target_latency_p99_ms: None,
        target_nodes: 0,
        progress: Vec::new(),
    }
}

/// Each target master's guard (its evictions so far, the memory limit), after refusing a
/// source that is the target itself (a shared run_id) and a target already past
/// `--max-memory-pct`.
async fn refuse_same_or_full(
    source: Option<&Nodes>,
    target: &Nodes,
    a: &WarmArgs,
) -> Result<Vec<Guard>> {
    let mut guards = Vec::new();
    let mut ids = Vec::new();
    for c in target.conns() {
        let mut c = c.clone();
        let t = info_section(&mut c, "default").await?;
        ids.extend(t.server.run_id.clone());
        if let Some(pct) = memory_pct(&t).filter(|p| *p >= a.max_memory_pct) {
            return Err(Error::Server {
                addr: c.endpoint.to_string(),
                msg: format!(
                    "already at {pct:.0}% of maxmemory (--max-memory-pct {:.0}): warming would make it evict",
                    a.max_memory_pct
                ),
            });
        }
        guards.push(Guard {
            evicted0: t.stats.evicted_keys.unwrap_or(0),
            max_pct: a.max_memory_pct,
            headroom: headroom(&t, a.max_memory_pct),
            conn: c,
        });
    }
    for c in source.map(Nodes::conns).unwrap_or_default() {
        let s = info_section(&mut c.clone(), "server").await?;
        if s.server.run_id.as_ref().is_some_and(|id| ids.contains(id)) {
            return Err(Error::Usage(format!(
                "--source {} is the target itself (same run_id): nothing to copy",
                c.endpoint
            )));
        }
    }
    Ok(guards)
}

/// The memory the plan's keys will take on each target master (in the order of its
/// connections; None: not known ahead, for a command or HTTP). A file's values and keys
/// summed; for a source server, MEMORY USAGE of up to [`SAMPLE`] keys spread over the
/// plan, or for a scan of random keys of each source node kept by `--match`/`--slots`,
/// scaled up (to the plan's keys, to DBSIZE, less the `done` keys of a resumed scan) and
/// put on the master each key goes to.
async fn estimate(
    values: &Values,
    keys: &[Vec<u8>],
    done: u64,
    a: &WarmArgs,
    target: &Nodes,
) -> Result<Option<Vec<u64>>> {
    let mut per = vec![0u64; target.conns().len()];
    match values {
        Values::External { .. } => return Ok(None),
        Values::File { file, .. } => {
            for k in keys {
                per[target.node_of(k)] +=
                    file.bytes_of(std::iter::once(k)) + k.len() as u64 + KEY_OVERHEAD;
            }
        }
        Values::Peer(source) if a.from_source_scan => {
            let mut keys_total = 0u64;
            for c in source.conns() {
                let mut c = c.clone();
                let size: u64 = c.query(&redis::cmd("DBSIZE")).await?;
                keys_total += size;
                let mut pipe = redis::pipe();
                for _ in 0..SAMPLE.min(size as usize) {
                    pipe.cmd("RANDOMKEY");
                }
                let drawn: Vec<Option<Vec<u8>>> = match size {
                    0 => Vec::new(),
                    _ => c.query_pipe(&pipe).await?,
                };
                let kept: Vec<Vec<u8>> = drawn
                    .iter()
                    .flatten()
                    .filter(|k| {
                        a.pattern
                            .as_ref()
                            .is_none_or(|p| glob::matches(p.as_bytes(), k))
                            && a.slots.as_ref().is_none_or(|r| r.contains(&key_slot(k)))
                    })
                    .cloned()
                    .collect();
                let scale = size as f64 / drawn.len().max(1) as f64;
                for (k, u) in kept.iter().zip(usage(&mut c, &kept).await?) {
                    per[target.node_of(k)] += (u as f64 * scale) as u64;
                }
            }
            // A resumed scan has that many keys behind it.
            let left = 1.0 - (done as f64 / keys_total.max(1) as f64).min(1.0);
            for p in per.iter_mut() {
                *p = (*p as f64 * left) as u64;
            }
        }
        Values::Peer(source) => {
            let step = (keys.len() / SAMPLE).max(1);
            let sample: Vec<Vec<u8>> = keys.iter().step_by(step).take(SAMPLE).cloned().collect();
            let scale = keys.len() as f64 / sample.len().max(1) as f64;
            for (n, idx) in source.group(sample.iter().enumerate().map(|(i, k)| (i, k.as_slice())))
            {
                let ks: Vec<Vec<u8>> = idx.iter().map(|&i| sample[i].clone()).collect();
                let mut c = source.conns()[n].clone();
                for (k, u) in ks.iter().zip(usage(&mut c, &ks).await?) {
                    per[target.node_of(k)] += (u as f64 * scale) as u64;
                }
            }
        }
    }
    Ok(Some(per))
}

/// Keys sampled for the plan's estimate.
const SAMPLE: usize = 200;

/// What a key costs a server beyond its name and value (dict entry, object header, the
/// allocator's rounding), roughly: for the estimate of values that are not on a server.
const KEY_OVERHEAD: u64 = 50;

/// MEMORY USAGE of each key, one pipelined round trip (0: gone, or the command is not
/// allowed).
async fn usage(c: &mut NodeConn, keys: &[Vec<u8>]) -> Result<Vec<u64>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let mut pipe = redis::pipe();
    pipe.ignore_errors();
    for k in keys {
        pipe.cmd("MEMORY")
            .arg("USAGE")
            .arg(k.as_slice())
            .arg("SAMPLES")
            .arg(5);
    }
    let replies: Vec<redis::Value> = c.query_pipe(&pipe).await?;
    Ok(replies
        .iter()
        .map(|v| crate::parse::resp::as_count(v).unwrap_or(0))
        .collect())
}

/// The first master the plan does not fit (its estimate against its headroom), if any.
fn over(per: &[u64], guards: &[Guard]) -> Option<(String, u64, u64)> {
    per.iter().zip(guards).find_map(|(e, g)| {
        g.headroom
            .filter(|h| e > h)
            .map(|h| (g.conn.endpoint.to_string(), *e, h))
    })
}

/// The target's hits and misses over `d` (INFO deltas, summed over its masters): the
/// seed's "cache validation".
async fn measure(target: &mut [NodeConn], d: Duration) -> Result<Measured> {
    let mut a = Vec::new();
    for c in target.iter_mut() {
        a.push(info_section(c, "stats").await?);
    }
    let t0 = Instant::now();
    tokio::time::sleep(d).await;
    let (mut hits, mut misses) = (0, 0);
    for (c, a) in target.iter_mut().zip(&a) {
        let b = info_section(c, "stats").await?;
        let delta = |f: fn(&InfoSnapshot) -> Option<u64>| {
            f(&b).unwrap_or(0).saturating_sub(f(a).unwrap_or(0))
        };
        hits += delta(|i| i.stats.keyspace_hits);
        misses += delta(|i| i.stats.keyspace_misses);
    }
    let secs = t0.elapsed().as_secs_f64();
    Ok(Measured {
        hit_pct: crate::ratio::pct_opt(hits, hits + misses),
        misses_per_sec: misses as f64 / secs,
        hits_per_sec: hits as f64 / secs,
        window_secs: secs,
    })
}

/// The report's results from the run.
fn fill(rep: &mut WarmReport, ran: &Ran) {
    let t = &ran.total;
    rep.written = t.written;
    rep.typed_fallback = t.fallback;
    rep.skipped_existing = t.exists;
    rep.missing_in_source = t.missing;
    rep.skipped_short_ttl = t.short_ttl;
    rep.failed = t.failed;
    rep.bytes = t.bytes;
    rep.duration_secs = ran.secs;
    let done = ran.handled();
    rep.keys_per_sec = done as f64 / ran.secs.max(1e-9);
    rep.stopped_by_guard = ran.guard.clone();
    rep.target_latency_p99_ms = ran.latency_p99_ms;
    rep.failures = t
        .failures
        .iter()
        .map(|f| Failure {
            reason: f.reason.clone(),
            count: f.count,
            first_keys: f.first_keys.iter().map(|k| crate::show::key(k)).collect(),
        })
        .collect();
    if let Some(why) = &ran.lost_why {
        // The planned keys the run did not get to (a scan's are not known).
        let left = rep.targeted.saturating_sub(rep.resumed_after + done);
        if left > 0 {
            rep.failures.push(Failure {
                reason: format!("not tried: {why}"),
                count: left,
                first_keys: Vec::new(),
            });
            rep.failed += left;
        }
    }
    rep.completeness = Completeness::from_reasons(&[
        (ran.interrupted, StopReason::Interrupted),
        (ran.lost, StopReason::NodeLost),
        (ran.guard.is_some(), StopReason::MemoryGuard),
        (ran.deadline, StopReason::MaxTime),
    ]);
}
