//! The executor: takes batches from the [`Feed`], reads their values from the
//! [`Values`] (the next batch is read while this one is written), writes them through the
//! target's [`Nodes`], and copies typed what the target refuses — until the feed ends, the
//! deadline, Ctrl-C, the target's guard or a lost connection. A batch being written always
//! finishes and is counted (its writes are bounded by `--timeout`): Ctrl-C and the
//! deadline cut the waits and the reads ahead, so the checkpoint never points before a
//! write that happened. Values read ahead have their remaining TTLs aged by the time they
//! waited.
//!
//! Pacing and protection: `--rate` keys/s (batches of at most a tenth of a second's worth)
//! and `--max-bytes-per-sec` (the shared schedule of `source/pace.rs`), the target's
//! latency guard (`source/probe.rs`, a probe per master: while the slowest recent PING is
//! over `--max-latency`, a pause that doubles precedes each batch and batches halve), and
//! every 250 ms — sooner when the bytes sent since could fill a quarter of the room left —
//! each master's INFO: a rise of `evicted_keys`, or used memory past `--max-memory-pct` of
//! maxmemory, stops the run before the warm defeats itself. So do a first 10 keys that
//! all failed at the source for one reason no retry mends (a command that does not exist,
//! an HTTP 403), and a key that could not reach an HTTP source at all; a batch that ends
//! the run leaves the checkpoint at its start. Progress goes to the checkpoint (every 200 ms and at the end), the progress bar
//! and the caller's progress callback (every second). Must not: parse flags or print
//! reports.

use std::time::{Duration, Instant};

use super::checkpoint::Checkpoint;
use super::copy::{refused, BatchResult, Fetched, Step, WriteOptions, Written};
use super::external::UNREACHABLE;
use super::feed::{Batch, Feed, Position};
use super::route::{typed, Nodes};
use super::values::Values;
use crate::error::{Error, Result};
use crate::parse::info::InfoSnapshot;
use crate::source::conn::NodeConn;
use crate::source::info::info_section;
use crate::source::pace::Bucket;
use crate::source::probe::{Backoff, Probe, Step as Pause};
use crate::source::stop::{progress_bar, Stop};

/// How often the target's memory and evictions are checked while writing.
const GUARD_EVERY: Duration = Duration::from_millis(250);
/// How often `--checkpoint` is written while the run goes.
const SAVE_EVERY: Duration = Duration::from_millis(200);
/// How often the progress callback is called.
const REPORT_EVERY: Duration = Duration::from_secs(1);

/// The run's settings, resolved from the flags.
pub(crate) struct Settings {
    pub(crate) opts: WriteOptions,
    pub(crate) pipeline: usize,
    pub(crate) rate: Option<u64>,
    pub(crate) bytes_per_sec: Option<u64>,
    pub(crate) max_time: Option<Duration>,
    pub(crate) max_latency: Duration,
    /// Keys written to remember for `--verify`.
    pub(crate) verify: usize,
}

/// How the run went.
#[derive(Default)]
pub(crate) struct Ran {
    pub(crate) total: BatchResult,
    pub(crate) secs: f64,
    pub(crate) interrupted: bool,
    /// The source or target failed part-way (the keys written before stay).
    pub(crate) lost: bool,
    pub(crate) lost_why: Option<String>,
    pub(crate) guard: Option<String>,
    pub(crate) deadline: bool,
    /// Keys written by this run, the first `--verify` of them.
    pub(crate) written: Vec<Vec<u8>>,
    /// Where the run got to.
    pub(crate) at: Position,
    /// The target's PING latency (p99, ms) while writing, from the side probe.
    pub(crate) latency_p99_ms: Option<f64>,
}

impl Ran {
    /// Keys handled (written, skipped or failed).
    pub(crate) fn handled(&self) -> u64 {
        let t = &self.total;
        t.written + t.exists + t.missing + t.short_ttl + t.failed
    }
}

/// A progress snapshot for the callback.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tick {
    pub(crate) handled: u64,
    pub(crate) written: u64,
    pub(crate) failed: u64,
    pub(crate) bytes: u64,
    pub(crate) secs: f64,
}

/// `--checkpoint`: the plan's identity and where the run got, saved at most every
/// [`SAVE_EVERY`] and when it ends (a run killed in between goes on from the last save:
/// the keys after it meet the no-overwrite rule again, none is written twice).
pub(crate) struct Saver {
    pub(crate) path: std::path::PathBuf,
    pub(crate) plan: String,
    pub(crate) keys: u64,
    saved: Instant,
}

impl Saver {
    pub(crate) fn new(path: std::path::PathBuf, plan: String, keys: u64) -> Saver {
        Saver {
            path,
            plan,
            keys,
            saved: Instant::now(),
        }
    }

    pub(crate) fn save(&mut self, at: Position) -> Result<()> {
        self.saved = Instant::now();
        Checkpoint::new(self.plan.clone(), self.keys, at).save(&self.path)
    }
}

/// The target's guard: its INFO before writing, and the limits.
pub(crate) struct Guard {
    pub(crate) conn: NodeConn,
    pub(crate) evicted0: u64,
    pub(crate) max_pct: f64,
    /// Bytes it takes before `max_pct` (None: no maxmemory).
    pub(crate) headroom: Option<u64>,
}

/// How a wait ended.
enum Waited {
    Done,
    Stopped,
    Deadline,
}

/// Waits for `fut` unless Ctrl-C or the deadline comes first.
async fn within<F: std::future::Future>(
    stop: &Stop,
    deadline: Option<Instant>,
    fut: F,
) -> (Waited, Option<F::Output>) {
    let timer = async {
        match deadline {
            Some(d) => tokio::time::sleep_until(d.into()).await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        out = fut => (Waited::Done, Some(out)),
        _ = stop.wait() => (Waited::Stopped, None),
        _ = timer => (Waited::Deadline, None),
    }
}

/// Copies every batch of `feed`. A batch being written is always finished and counted
/// (its writes are bounded by `--timeout`); Ctrl-C and the deadline cut the waits and the
/// reads ahead, never a write in flight.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn run(
    values: &mut Values,
    target: &mut Nodes,
    feed: &mut Feed,
    s: &Settings,
    from: Position,
    mut saver: Option<Saver>,
    mut guards: Vec<Guard>,
    stop: &Stop,
    mut tick: impl FnMut(Tick),
) -> Result<Ran> {
    let started = Instant::now();
    let deadline = s.max_time.map(|d| started + d);
    let rate = s.rate.map(Bucket::new);
    let byte_rate = s.bytes_per_sec.map(Bucket::new);
    // Under --rate a batch is at most a tenth of a second's worth: waits stay short and
    // the keys go out evenly, not in bursts of --pipeline.
    let most = s
        .rate
        .map_or(s.pipeline, |r| s.pipeline.min((r / 10).max(1) as usize));
    let bar = progress_bar("warming", "keys");
    if let (Some(b), Some(n)) = (&bar, feed.total()) {
        b.set_length(n.saturating_sub(from.done));
    }
    let probes: Vec<Probe> = target
        .conns()
        .iter()
        .map(|c| Probe::start(&c.endpoint, target.options()))
        .collect();
    let mut backoff = Backoff::new(most as u64, s.max_latency);
    let mut ran = Ran {
        at: from,
        ..Ran::default()
    };
    let (mut checked, mut ticked) = (Instant::now(), Instant::now());
    let mut room = guard_room(&guards);
    let mut since_check = 0u64;
    let mut next = match within(stop, deadline, feed.next(most)).await {
        (Waited::Done, Some(n)) => n,
        (w, _) => {
            ran.deadline = matches!(w, Waited::Deadline);
            Ok(None)
        }
    };
    let mut ahead: Option<(Result<Vec<Fetched>>, Instant)> = None;
    let mut judged = false;
    loop {
        if stop.is_stopped() {
            break;
        }
        let batch: Batch = match next {
            Ok(Some(b)) => b,
            Ok(None) => break,
            Err(e) => {
                lost(&mut ran, &e);
                break;
            }
        };
        let (fetched, fetched_at) = match ahead.take() {
            Some(f) => f,
            None => match within(stop, deadline, values.fetch(&batch.keys)).await {
                (Waited::Done, Some(f)) => (f, Instant::now()),
                (w, _) => {
                    ran.deadline = matches!(w, Waited::Deadline);
                    break;
                }
            },
        };
        let fetched = match fetched {
            Ok(f) => f,
            Err(e) => {
                lost(&mut ran, &e);
                break;
            }
        };
        // Pacing: the latency guard's pause, then the rate.
        let size = match backoff.next(recent(&probes)) {
            Pause::Go { batch } => batch,
            Pause::Wait { batch, pause } => {
                if !waited(
                    &mut ran,
                    within(stop, deadline, tokio::time::sleep(pause)).await,
                ) {
                    break;
                }
                batch
            }
        };
        if let Some(b) = &rate {
            let n = batch.keys.len() as u64;
            if !waited(&mut ran, within(stop, deadline, b.take(n)).await) {
                break;
            }
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            ran.deadline = true;
            break;
        }
        // Values read ahead have aged while the batch before was written and the pacing
        // waited: their remaining TTLs are what is left now.
        let aged = fetched_at.elapsed().as_millis() as u64;
        let items: Vec<(Vec<u8>, Fetched)> = batch
            .keys
            .iter()
            .cloned()
            .zip(fetched.into_iter().map(|f| older(f, aged)))
            .collect();
        let (written, read) = tokio::join!(target.write(&items, s.opts), async {
            let read = async {
                let n = feed.next(size as usize).await;
                let a = match &n {
                    Ok(Some(b)) => Some((values.fetch(&b.keys).await, Instant::now())),
                    _ => None,
                };
                (n, a)
            };
            within(stop, deadline, read).await
        });
        let (steps, write_error) = written;
        let (outcomes, typed_error) = settle(values, target, &items, steps, s.opts).await;
        let bytes_before = ran.total.bytes;
        for ((key, _), w) in items.iter().zip(&outcomes) {
            ran.total.add(key, w);
            let kept = matches!(w, Written::Restored { .. } | Written::Fallback { .. });
            if kept && ran.written.len() < s.verify {
                ran.written.push(key.clone());
            }
        }
        if let Some(b) = &bar {
            b.inc(items.len() as u64);
            if ran.total.failed > 0 {
                b.set_message(format!("{} failed  ", ran.total.failed));
            }
        }
        // A batch that ends the run keeps the checkpoint at its start: a resumed run
        // tries its keys again (those written meet the no-overwrite rule).
        if let Some(e) = write_error.or(typed_error) {
            lost(&mut ran, &e);
            break;
        }
        if let Some(why) = unreachable(&items) {
            ran.lost = true;
            ran.lost_why = Some(why);
            break;
        }
        if !judged && ran.handled() >= JUDGE_AFTER.min(feed.total().unwrap_or(u64::MAX)) {
            judged = true;
            if let Some(why) = hopeless(&ran) {
                ran.lost = true;
                ran.lost_why = Some(why);
                break;
            }
        }
        ran.at = batch.after;
        if let Some(sv) = saver.as_mut() {
            if sv.saved.elapsed() >= SAVE_EVERY {
                if let Err(e) = sv.save(ran.at) {
                    lost(&mut ran, &e);
                    break;
                }
            }
        }
        let sent = ran.total.bytes - bytes_before;
        since_check += sent;
        if let Some(b) = &byte_rate {
            if sent > 0 && !waited(&mut ran, within(stop, deadline, b.take(sent)).await) {
                break;
            }
        }
        if ticked.elapsed() >= REPORT_EVERY {
            ticked = Instant::now();
            tick(snapshot(&ran, started));
        }
        // The guard: every 250 ms, and sooner when what was sent since the last look
        // could take a good part of the room that was left.
        let filling = room.is_some_and(|r| since_check.saturating_mul(MEMORY_PER_BYTE) >= r / 4);
        if checked.elapsed() >= GUARD_EVERY || filling {
            checked = Instant::now();
            since_check = 0;
            match guard(&mut guards).await {
                Err(why) => {
                    ran.guard = Some(why);
                    break;
                }
                Ok(r) => room = r,
            }
        }
        match read {
            (_, Some((n, a))) => (next, ahead) = (n, a),
            (w, None) => {
                ran.deadline = matches!(w, Waited::Deadline);
                break;
            }
        }
    }
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    if let Some(sv) = saver.as_mut() {
        if let Err(e) = sv.save(ran.at) {
            eprintln!("cachestorm: warning: {e}");
        }
    }
    ran.latency_p99_ms = probes
        .into_iter()
        .filter_map(|p| p.finish().map(|l| l.p99_ms))
        .reduce(f64::max);
    ran.interrupted = stop.interrupted();
    ran.secs = started.elapsed().as_secs_f64();
    if let Some(why) = &ran.lost_why {
        eprintln!("cachestorm: warm stopped: {why}");
    }
    Ok(ran)
}

/// Target memory a payload byte takes, roughly (keys, headers, the allocator's rounding),
/// for the guard's "look sooner" rule.
const MEMORY_PER_BYTE: u64 = 2;

/// Whether a wait ended normally; else the run stops (and says so for the deadline).
fn waited<T>(ran: &mut Ran, w: (Waited, Option<T>)) -> bool {
    match w.0 {
        Waited::Done => true,
        Waited::Stopped => false,
        Waited::Deadline => {
            ran.deadline = true;
            false
        }
    }
}

/// A value read `aged_ms` ago: its remaining TTL is that much shorter now (a key that
/// expired meanwhile has none left: the writer skips it).
fn older(f: Fetched, aged_ms: u64) -> Fetched {
    match f {
        Fetched::Value {
            payload,
            pttl_ms: Some(ms),
        } => Fetched::Value {
            payload,
            pttl_ms: Some(ms.saturating_sub(aged_ms)),
        },
        f => f,
    }
}

/// Keys handled before [`hopeless`] judges the run (fewer when the plan is shorter).
const JUDGE_AFTER: u64 = 10;

/// Every key handled so far failed at the source for one reason that no retry mends (a
/// command that does not exist or may not run, an HTTP 4xx other than 404, 408, 410 and
/// 429): going on would only fail every key the same way. Judged once, after the first
/// [`JUDGE_AFTER`] keys; a source that is only slow or overloaded (5xx, timeouts) is not
/// judged hopeless.
fn hopeless(ran: &Ran) -> Option<String> {
    let t = &ran.total;
    if t.written + t.exists + t.missing + t.short_ttl > 0 || t.failures.len() != 1 {
        return None;
    }
    let reason = &t.failures[0].reason;
    let said = reason.strip_prefix("source: ")?;
    let permanent = said.starts_with("exit 126")
        || said.starts_with("exit 127")
        || (said.starts_with("HTTP 4")
            && !["HTTP 404", "HTTP 408", "HTTP 410", "HTTP 429"]
                .iter()
                .any(|c| said.starts_with(c)));
    permanent.then(|| format!("every key so far failed the same way, {reason}"))
}

/// A key of the batch could not reach the source at all (an HTTP server that stopped
/// answering part-way): the source may be going away; the run stops rather than fail key
/// after key.
fn unreachable(items: &[(Vec<u8>, Fetched)]) -> Option<String> {
    items.iter().find_map(|(_, f)| match f {
        Fetched::Failed(why) => why
            .strip_prefix(UNREACHABLE)
            .map(|w| format!("the source stopped answering: {w}")),
        _ => None,
    })
}

fn recent(probes: &[Probe]) -> Duration {
    probes
        .iter()
        .map(Probe::recent)
        .max()
        .unwrap_or(Duration::ZERO)
}

fn snapshot(ran: &Ran, started: Instant) -> Tick {
    Tick {
        handled: ran.handled(),
        written: ran.total.written,
        failed: ran.total.failed,
        bytes: ran.total.bytes,
        secs: started.elapsed().as_secs_f64(),
    }
}

/// Each item's outcome: the steps, with the refused payloads copied typed (a source
/// server's values only: plain values are never refused). A typed copy that lost its
/// connection leaves those keys failed, and the error.
async fn settle(
    values: &Values,
    target: &Nodes,
    items: &[(Vec<u8>, Fetched)],
    steps: Vec<Step>,
    opts: WriteOptions,
) -> (Vec<Written>, Option<Error>) {
    let refused = refused(items, &steps);
    let (copied, error) = match (refused.is_empty(), values.peer()) {
        (true, _) => (Vec::new(), None),
        (false, Some(source)) => typed(source, target, &refused, opts).await,
        (false, None) => (
            vec![Written::Failed("the target refused the value".into()); refused.len()],
            None,
        ),
    };
    let mut copied = copied.into_iter();
    let out = steps
        .into_iter()
        .map(|s| match s {
            Step::Done(w) => w,
            Step::Refused => copied.next().expect("one copy per refused key"),
            Step::Redirect(r) => Written::Failed(format!("redirected to {}", r.addr)),
        })
        .collect();
    (out, error)
}

/// A source or target that failed part-way: the run stops, what was written stays.
fn lost(ran: &mut Ran, e: &Error) {
    ran.lost = true;
    ran.lost_why = Some(crate::redact::everywhere(&e.to_string()));
}

/// Why the target must not take more (a node started evicting, or passed the memory
/// limit), else the least room any master has left under its limit (None: no limit). A
/// node whose INFO fails is left to the writes to notice.
async fn guard(guards: &mut [Guard]) -> std::result::Result<Option<u64>, String> {
    let mut room: Option<u64> = None;
    for g in guards {
        // The default sections hold memory and stats, without the per-command tables.
        let Ok(i) = info_section(&mut g.conn, "default").await else {
            continue;
        };
        let evicted = i.stats.evicted_keys.unwrap_or(0);
        if evicted > g.evicted0 {
            return Err(format!(
                "{} evicted {} keys while warming",
                g.conn.endpoint,
                evicted - g.evicted0
            ));
        }
        if let Some(p) = memory_pct(&i).filter(|p| *p >= g.max_pct) {
            return Err(format!(
                "{} reached {p:.0}% of maxmemory (--max-memory-pct {:.0})",
                g.conn.endpoint, g.max_pct
            ));
        }
        if let Some(r) = headroom(&i, g.max_pct) {
            room = Some(room.map_or(r, |m| m.min(r)));
        }
    }
    Ok(room)
}

/// The least room left before the start of the run, from the guards.
fn guard_room(guards: &[Guard]) -> Option<u64> {
    guards.iter().filter_map(|g| g.headroom).min()
}

/// What a node takes before `max_pct` of its maxmemory (None: no maxmemory).
pub(crate) fn headroom(i: &InfoSnapshot, max_pct: f64) -> Option<u64> {
    let max = i.memory.maxmemory.filter(|m| *m > 0)?;
    Some(((max as f64 * max_pct / 100.0) as u64).saturating_sub(i.memory.used_memory.unwrap_or(0)))
}

/// Used memory as a share of maxmemory (None: no limit).
pub(crate) fn memory_pct(i: &InfoSnapshot) -> Option<f64> {
    let max = i.memory.maxmemory.filter(|m| *m > 0)?;
    Some(i.memory.used_memory? as f64 * 100.0 / max as f64)
}
