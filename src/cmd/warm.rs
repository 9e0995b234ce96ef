//! `cachestorm warm`: gathers keys from logs, captures, reports and key files (hottest
//! first), then copies their values from a source server to the target — DUMP + PTTL,
//! RESTORE without REPLACE (a typed, atomic copy where the target refuses the payload) —
//! in pipelined batches under `--rate` and `--max-time`, stopping before the target starts
//! evicting. Writes to the target only; never deletes.

use std::time::{Duration, Instant};

use crate::cli::{TargetArgs, WarmArgs};
use crate::endpoint::Target;
use crate::error::{Error, Result};
use crate::exit::Ending;
use crate::output::warm::{Failure, Measured, SourceRow, VerifiedRow, WarmReport};
use crate::output::{self, Completeness, StopReason};
use crate::parse::info::{self, InfoSnapshot};
use crate::source::conn::{connect, NodeConn};
use crate::source::discover::discover;
use crate::source::pace::Bucket;
use crate::source::stop::{progress_bar, Stop};
use crate::warm::checkpoint::{plan_id, Checkpoint};
use crate::warm::copy::{fetch, write, BatchResult, Copier, Fetched, WriteOptions, Written};
use crate::warm::file::FileValues;
use crate::warm::keys::{gather, Gathered, KeySpec};
use crate::warm::verify::verify;

use super::Outcome;

/// Failed keys listed per reason.
const FIRST_KEYS: usize = 5;

/// How often the target's memory and evictions are checked while writing.
const GUARD_EVERY: Duration = Duration::from_millis(250);

pub(crate) async fn run(args: WarmArgs) -> Result<Outcome> {
    let specs = specs(&args)?;
    let (top, pattern) = (args.top, args.pattern.clone());
    let gathered = tokio::task::spawn_blocking(move || {
        gather(&specs, top, pattern.as_deref().map(str::as_bytes))
    })
    .await
    .map_err(|e| Error::Input(format!("reading the key sources: {e}")))??;
    let target = super::target::resolve(&args.target)?;
    let nodes = discover(&target).await?;
    let [node] = nodes.as_slice() else {
        return Err(Error::Usage(format!(
            "warm writes to one node, and this target has {}: name one with -h/-p, --url or a single --node",
            nodes.len()
        )));
    };
    let mut report = plan(&gathered, args.dry_run);
    let format = args.output.format();
    let view = output::View::stdout(false);
    if args.dry_run {
        report.completeness = Completeness::done();
        output::print(format, &view, &target.report(), &report)?;
        return Ok(Outcome::Done);
    }
    let mut target_conn = connect(&node.addr, &target.options).await?;
    let opts = WriteOptions {
        overwrite: args.overwrite,
        min_ttl_ms: args.min_ttl.as_millis() as u64,
        jitter_pct: args.ttl_jitter.unwrap_or(if args.source_file.is_some() {
            10.0
        } else {
            0.0
        }),
    };
    let (values, source_name, before) = values(&args, &mut target_conn, opts).await?;
    let keys: Vec<Vec<u8>> = gathered.keys.into_iter().map(|(k, _)| k).collect();
    let progress = Progress::open(&args, &keys, &source_name, &node.addr.to_string())?;
    report.resumed_after = progress.as_ref().map_or(0, |p| p.done);
    let mut probe = target_conn.clone();
    if let Some(d) = args.measure {
        report.measured_before = Some(measure(&mut probe, d).await?);
    }
    let mut checker = values.source();
    let ran = copy_all(values, target_conn, &keys, &args, before, progress).await?;
    fill(&mut report, &ran);
    if let (Some(d), false) = (args.measure, ran.interrupted || ran.lost) {
        report.measured_after = Some(measure(&mut probe, d).await?);
    }
    if let (Some(source), Some(_), false) =
        (checker.as_mut(), args.verify, ran.interrupted || ran.lost)
    {
        let c = verify(source, &mut probe, &ran.written).await?;
        report.verified = Some(VerifiedRow {
            sampled: c.sampled,
            same: c.same,
            differ: c.differ_count,
            first_differ: c.differ,
        });
    }
    output::print(format, &view, &target.report(), &report)?;
    Ok(Ending {
        interrupted: ran.interrupted,
        bad_input: false,
        lost: ran.lost,
    }
    .outcome())
}

/// The value source the flags name, opened: a JSONL file read whole, or a source server
/// (refused when it is the target itself); with its name for the checkpoint's plan, and
/// the target's INFO before writing.
async fn values(
    args: &WarmArgs,
    target_conn: &mut NodeConn,
    opts: WriteOptions,
) -> Result<(Values, String, InfoSnapshot)> {
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
            let before = refuse_same_or_full(None, target_conn, args).await?;
            let ttl = args.ttl.map(|t| t.as_millis() as u64);
            (
                Values::File {
                    file,
                    target: target_conn.clone(),
                    opts,
                    ttl,
                },
                format!("file {path}"),
                before,
            )
        }
        None => {
            let source = source_target(&args.target, args.source.as_deref())?;
            let src_nodes = discover(&source).await?;
            let [src_node] = src_nodes.as_slice() else {
                return Err(Error::Usage(
                    "--source names one server (cluster sources are not supported by warm)".into(),
                ));
            };
            let mut source_conn = connect(&src_node.addr, &source.options).await?;
            let before = refuse_same_or_full(Some(&mut source_conn), target_conn, args).await?;
            let copier = Copier {
                source: source_conn,
                target: target_conn.clone(),
                opts,
            };
            (Values::peer(copier), src_node.addr.to_string(), before)
        }
    })
}

/// The key sources the flags name, in the order given.
fn specs(a: &WarmArgs) -> Result<Vec<KeySpec>> {
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
    if specs.is_empty() {
        return Err(Error::Usage(
            "name where the keys come from: --from-log (with --key-regex), --from-monitor, --from-report or --keys-file".into(),
        ));
    }
    Ok(specs)
}

/// The target's connection flags with the `--source` URL as the address: the source is
/// another server, reached the same way (TLS files, timeouts; its password from the URL or
/// REDISCLI_AUTH).
fn source_target(t: &TargetArgs, url: Option<&str>) -> Result<Target> {
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
    (a.cluster, a.master) = (false, None);
    super::target::resolve(&a)
}

/// The plan: what the key sources held and what will be warmed, hottest first.
fn plan(g: &Gathered, dry_run: bool) -> WarmReport {
    WarmReport {
        completeness: Completeness::done(),
        sources: g
            .sources
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
        distinct_keys: g.distinct,
        targeted: g.keys.len() as u64,
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
        first_keys: g
            .keys
            .iter()
            .take(10)
            .map(|(k, _)| crate::show::key(k))
            .collect(),
    }
}

/// What the target looked like before writing (its evictions so far), after refusing a
/// source that is the target itself (same run_id) and a target already past
/// `--max-memory-pct`.
async fn refuse_same_or_full(
    source: Option<&mut NodeConn>,
    target: &mut NodeConn,
    a: &WarmArgs,
) -> Result<InfoSnapshot> {
    let t = info_of(target, "everything").await?;
    if let Some(source) = source {
        let s = info_of(source, "server").await?;
        if s.server.run_id.is_some() && s.server.run_id == t.server.run_id {
            return Err(Error::Usage(format!(
                "--source {} is the target itself (same run_id): nothing to copy",
                source.endpoint
            )));
        }
    }
    if let Some(pct) = memory_pct(&t).filter(|p| *p >= a.max_memory_pct) {
        return Err(Error::Server {
            addr: target.endpoint.to_string(),
            msg: format!(
                "already at {pct:.0}% of maxmemory (--max-memory-pct {:.0}): warming would make it evict",
                a.max_memory_pct
            ),
        });
    }
    Ok(t)
}

async fn info_of(c: &mut NodeConn, section: &str) -> Result<InfoSnapshot> {
    let text: String = c.query(redis::cmd("INFO").arg(section)).await?;
    Ok(info::parse(&text))
}

/// The target's hits and misses over `d` (INFO deltas): the seed's "cache validation".
async fn measure(target: &mut NodeConn, d: Duration) -> Result<Measured> {
    let a = info_of(target, "stats").await?;
    let t0 = Instant::now();
    tokio::time::sleep(d).await;
    let b = info_of(target, "stats").await?;
    let secs = t0.elapsed().as_secs_f64();
    let delta =
        |f: fn(&InfoSnapshot) -> Option<u64>| f(&b).unwrap_or(0).saturating_sub(f(&a).unwrap_or(0));
    let hits = delta(|i| i.stats.keyspace_hits);
    let misses = delta(|i| i.stats.keyspace_misses);
    Ok(Measured {
        hit_pct: crate::ratio::pct_opt(hits, hits + misses),
        misses_per_sec: misses as f64 / secs,
        hits_per_sec: hits as f64 / secs,
        window_secs: secs,
    })
}

fn memory_pct(i: &InfoSnapshot) -> Option<f64> {
    let max = i.memory.maxmemory.filter(|m| *m > 0)?;
    Some(i.memory.used_memory? as f64 * 100.0 / max as f64)
}

/// How the copy went.
#[derive(Default)]
struct Ran {
    total: BatchResult,
    secs: f64,
    interrupted: bool,
    /// The source or target failed part-way (the keys written before stay).
    lost: bool,
    lost_why: Option<String>,
    guard: Option<String>,
    deadline: bool,
    /// Keys written by this run, the first `--verify` of them.
    written: Vec<Vec<u8>>,
}

/// Copies `keys` in batches of `--pipeline`, paced by `--rate`, until done, the deadline,
/// Ctrl-C, the target's guard, or a failed connection.
async fn copy_all(
    mut values: Values,
    mut probe: NodeConn,
    keys: &[Vec<u8>],
    a: &WarmArgs,
    before: InfoSnapshot,
    mut progress: Option<Progress>,
) -> Result<Ran> {
    let started = Instant::now();
    let skip = progress.as_ref().map_or(0, |p| p.done as usize);
    let keys = &keys[skip.min(keys.len())..];
    let bucket = a.rate.map(Bucket::new);
    let stop = Stop::on_ctrl_c();
    let bar = progress_bar("warming", "keys");
    if let Some(b) = &bar {
        b.set_length(keys.len() as u64);
    }
    let evicted0 = before.stats.evicted_keys.unwrap_or(0);
    let mut ran = Ran::default();
    let mut checked = Instant::now();
    let batches: Vec<&[Vec<u8>]> = keys.chunks(a.pipeline).collect();
    for (i, batch) in batches.iter().enumerate() {
        if a.max_time.is_some_and(|d| started.elapsed() >= d) {
            ran.deadline = true;
            break;
        }
        if let Some(b) = &bucket {
            if stop.until(b.take(batch.len() as u64)).await.is_none() {
                break;
            }
        }
        let Some(written) = stop
            .until(values.batch(batch, batches.get(i + 1).copied()))
            .await
        else {
            break;
        };
        match written {
            Ok(w) => {
                for (key, w) in batch.iter().zip(&w) {
                    ran.total.add(key, w);
                    let kept = matches!(w, Written::Restored { .. } | Written::Fallback { .. });
                    if kept && ran.written.len() < a.verify.unwrap_or(0) {
                        ran.written.push(key.clone());
                    }
                }
            }
            Err(e) => {
                lost(&mut ran, &e);
                break;
            }
        }
        if let Some(b) = &bar {
            b.inc(batch.len() as u64);
        }
        if let Some(p) = progress.as_mut() {
            p.advance(batch.len() as u64)?;
        }
        if checked.elapsed() >= GUARD_EVERY {
            checked = Instant::now();
            if let Some(why) = guard(&mut probe, evicted0, a.max_memory_pct).await {
                ran.guard = Some(why);
                break;
            }
        }
    }
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    if let Some(p) = progress.as_mut() {
        p.save()?;
    }
    ran.interrupted = stop.interrupted();
    ran.secs = started.elapsed().as_secs_f64();
    if let Some(why) = &ran.lost_why {
        eprintln!("cachestorm: warm stopped: {why}");
    }
    Ok(ran)
}

/// A source or target that failed part-way: the run stops, what was written stays.
fn lost(ran: &mut Ran, e: &Error) {
    ran.lost = true;
    ran.lost_why = Some(crate::redact::everywhere(&e.to_string()));
}

/// Why the target must not take more: it started evicting, or passed the memory limit.
async fn guard(target: &mut NodeConn, evicted0: u64, max_pct: f64) -> Option<String> {
    let i = info_of(target, "everything").await.ok()?;
    let evicted = i.stats.evicted_keys.unwrap_or(0);
    if evicted > evicted0 {
        return Some(format!(
            "the target evicted {} keys while warming",
            evicted - evicted0
        ));
    }
    memory_pct(&i)
        .filter(|p| *p >= max_pct)
        .map(|p| format!("the target reached {p:.0}% of maxmemory (--max-memory-pct {max_pct:.0})"))
}

/// The report's results from the run.
fn fill(rep: &mut WarmReport, ran: &Ran) {
    let t = &ran.total;
    rep.written = t.written;
    rep.typed_fallback = t.fallback;
    rep.skipped_existing = t.exists;
    rep.missing_in_source = t.missing;
    rep.skipped_short_ttl = t.short_ttl;
    rep.failed = t.failed.len() as u64;
    rep.bytes = t.bytes;
    rep.duration_secs = ran.secs;
    let done = t.written + t.exists + t.missing + t.short_ttl + t.failed.len() as u64;
    rep.keys_per_sec = done as f64 / ran.secs.max(1e-9);
    rep.stopped_by_guard = ran.guard.clone();
    let mut by: Vec<Failure> = Vec::new();
    for (k, why) in &t.failed {
        match by.iter_mut().find(|f| &f.reason == why) {
            Some(f) => {
                f.count += 1;
                if f.first_keys.len() < FIRST_KEYS {
                    f.first_keys.push(crate::show::key(k));
                }
            }
            None => by.push(Failure {
                reason: why.clone(),
                count: 1,
                first_keys: vec![crate::show::key(k)],
            }),
        }
    }
    if let Some(why) = &ran.lost_why {
        let left = rep.targeted.saturating_sub(rep.resumed_after + done);
        by.push(Failure {
            reason: why.clone(),
            count: left,
            first_keys: Vec::new(),
        });
        rep.failed += left;
    }
    rep.failures = by;
    rep.completeness = Completeness::from_reasons(&[
        (ran.interrupted, StopReason::Interrupted),
        (ran.lost, StopReason::NodeLost),
        (ran.guard.is_some(), StopReason::MemoryGuard),
        (ran.deadline, StopReason::MaxTime),
    ]);
}

/// `--checkpoint`: how many keys of the plan are handled, saved at most every
/// [`SAVE_EVERY`] and when the run ends (a run killed in between goes on from the last
/// save: the keys after it meet RESTORE's no-overwrite rule again, none is written twice).
struct Progress {
    path: std::path::PathBuf,
    plan: String,
    keys: u64,
    done: u64,
    saved: Instant,
}

/// How often `--checkpoint` is written while the run goes.
const SAVE_EVERY: Duration = Duration::from_millis(200);

impl Progress {
    fn open(a: &WarmArgs, keys: &[Vec<u8>], source: &str, target: &str) -> Result<Option<Self>> {
        let Some(path) = &a.checkpoint else {
            return Ok(None);
        };
        let plan = plan_id(keys, source, target);
        let n = keys.len() as u64;
        let done = if a.resume {
            Checkpoint::load(path, &plan, n)?.done
        } else {
            0
        };
        let p = Progress {
            path: path.clone(),
            plan,
            keys: n,
            done,
            saved: Instant::now(),
        };
        p.save_now()?;
        Ok(Some(p))
    }

    fn advance(&mut self, n: u64) -> Result<()> {
        self.done += n;
        if self.saved.elapsed() >= SAVE_EVERY {
            self.save()?;
        }
        Ok(())
    }

    fn save(&mut self) -> Result<()> {
        self.saved = Instant::now();
        self.save_now()
    }

    fn save_now(&self) -> Result<()> {
        Checkpoint::new(self.plan.clone(), self.keys, self.done).save(&self.path)
    }
}

/// Where values come from, batch by batch.
enum Values {
    /// A source server: the next batch is read (DUMP + PTTL) while this one is written,
    /// on a second multiplexed handle of the same source connection.
    Peer {
        copier: Box<Copier>,
        reader: NodeConn,
        prefetched: Option<Result<Vec<Fetched>>>,
    },
    /// A JSONL file, written with SET NX and the line's TTL (else `--ttl`).
    File {
        file: FileValues,
        target: NodeConn,
        opts: WriteOptions,
        ttl: Option<u64>,
    },
}

impl Values {
    fn peer(copier: Copier) -> Self {
        Values::Peer {
            reader: copier.source.clone(),
            copier: Box::new(copier),
            prefetched: None,
        }
    }

    /// The source connection `--verify` reads from (none for a file).
    fn source(&self) -> Option<NodeConn> {
        match self {
            Values::Peer { copier, .. } => Some(copier.source.clone()),
            Values::File { .. } => None,
        }
    }

    /// Writes `batch` (each key's outcome, in order), reading `next` meanwhile.
    async fn batch(&mut self, batch: &[Vec<u8>], next: Option<&[Vec<u8>]>) -> Result<Vec<Written>> {
        match self {
            Values::Peer {
                copier,
                reader,
                prefetched,
            } => {
                let fetched = match prefetched.take() {
                    Some(f) => f,
                    None => fetch(reader, batch).await,
                }?;
                let items: Vec<(Vec<u8>, Fetched)> = batch.iter().cloned().zip(fetched).collect();
                let opts = copier.opts;
                let (written, ahead) = tokio::join!(
                    write(&mut copier.source, &mut copier.target, &items, opts),
                    async {
                        match next {
                            Some(nb) => Some(fetch(reader, nb).await),
                            None => None,
                        }
                    }
                );
                *prefetched = ahead;
                written
            }
            Values::File {
                file,
                target,
                opts,
                ttl,
            } => file.set_batch(target, batch, *opts, *ttl).await,
        }
    }
}
