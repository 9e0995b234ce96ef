//! The executor: takes batches from the [`Feed`], reads their values from the
//! [`Values`] (the next batch is read while this one is written), writes them through the
//! target's [`Nodes`], and copies typed what the target refuses — until the feed ends, the
//! deadline, Ctrl-C, the target's guard or a lost connection.
//!
//! Pacing and protection: `--rate` keys/s and `--max-bytes-per-sec` (the shared schedule
//! of `source/pace.rs`), the target's latency guard (`source/probe.rs`: while its PING
//! latency is over `--max-latency`, a pause that doubles precedes each batch), and every
//! 250 ms the target's INFO: a rise of `evicted_keys`, or used memory past
//! `--max-memory-pct` of maxmemory, stops the run before the warm defeats itself.
//! Progress goes to the checkpoint (every 200 ms and at the end), the progress bar and the
//! caller's progress callback (every second). Must not: parse flags or print reports.

use std::time::{Duration, Instant};

use super::checkpoint::Checkpoint;
use super::copy::{BatchResult, Step, WriteOptions, Written};
use super::feed::{Batch, Feed, Position};
use super::route::{typed, Nodes};
use super::values::Values;
use crate::error::{Error, Result};
use crate::parse::info::{self, InfoSnapshot};
use crate::source::conn::NodeConn;
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
        t.written + t.exists + t.missing + t.short_ttl + t.failed.len() as u64
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

/// Copies every batch of `feed`.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn run(
    values: &mut Values,
    target: &mut Nodes,
    feed: &mut Feed,
    s: &Settings,
    from: Position,
    mut saver: Option<Saver>,
    mut guards: Vec<Guard>,
    mut tick: impl FnMut(Tick),
) -> Result<Ran> {
    let started = Instant::now();
    let rate = s.rate.map(Bucket::new);
    let byte_rate = s.bytes_per_sec.map(Bucket::new);
    let stop = Stop::on_ctrl_c();
    let bar = progress_bar("warming", "keys");
    if let (Some(b), Some(n)) = (&bar, feed.total()) {
        b.set_length(n.saturating_sub(from.done));
    }
    let probe = target
        .conns()
        .first()
        .map(|c| Probe::start(&c.endpoint, target.options()));
    let mut backoff = Backoff::new(s.pipeline as u64, s.max_latency);
    let mut ran = Ran {
        at: from,
        ..Ran::default()
    };
    let (mut checked, mut ticked) = (Instant::now(), Instant::now());
    let mut next = feed.next(s.pipeline).await;
    let mut ahead: Option<Result<Vec<super::copy::Fetched>>> = None;
    loop {
        let batch: Batch = match next {
            Ok(Some(b)) => b,
            Ok(None) => break,
            Err(e) => {
                lost(&mut ran, &e);
                break;
            }
        };
        if s.max_time.is_some_and(|d| started.elapsed() >= d) {
            ran.deadline = true;
            break;
        }
        let (size, pause) = match backoff.next(probe_recent(&probe)) {
            Pause::Go { batch } => (batch, None),
            Pause::Wait { batch, pause } => (batch, Some(pause)),
        };
        if let Some(pause) = pause {
            if stop.until(tokio::time::sleep(pause)).await.is_none() {
                break;
            }
        }
        if let Some(b) = &rate {
            if stop.until(b.take(batch.keys.len() as u64)).await.is_none() {
                break;
            }
        }
        let bytes_before = ran.total.bytes;
        let fetched = match ahead.take() {
            Some(f) => f,
            None => match stop.until(values.fetch(&batch.keys)).await {
                Some(f) => f,
                None => break,
            },
        };
        let fetched = match fetched {
            Ok(f) => f,
            Err(e) => {
                lost(&mut ran, &e);
                break;
            }
        };
        let items: Vec<(Vec<u8>, super::copy::Fetched)> =
            batch.keys.iter().cloned().zip(fetched).collect();
        let work = async {
            let (written, (n, a)) = tokio::join!(target.write(&items, s.opts), async {
                let n = feed.next(size as usize).await;
                let a = match &n {
                    Ok(Some(b)) => Some(values.fetch(&b.keys).await),
                    _ => None,
                };
                (n, a)
            });
            (written, n, a)
        };
        let Some((written, n, a)) = stop.until(work).await else {
            break;
        };
        (next, ahead) = (n, a);
        let steps = match written {
            Ok(w) => w,
            Err(e) => {
                lost(&mut ran, &e);
                break;
            }
        };
        let outcomes = match settle(values, target, &items, steps, s.opts).await {
            Ok(o) => o,
            Err(e) => {
                lost(&mut ran, &e);
                break;
            }
        };
        for ((key, _), w) in items.iter().zip(&outcomes) {
            ran.total.add(key, w);
            let kept = matches!(w, Written::Restored { .. } | Written::Fallback { .. });
            if kept && ran.written.len() < s.verify {
                ran.written.push(key.clone());
            }
        }
        ran.at = batch.after;
        if let Some(b) = &bar {
            b.inc(items.len() as u64);
        }
        if let Some(sv) = saver.as_mut() {
            if sv.saved.elapsed() >= SAVE_EVERY {
                sv.save(ran.at)?;
            }
        }
        if let Some(b) = &byte_rate {
            let sent = ran.total.bytes - bytes_before;
            if sent > 0 && stop.until(b.take(sent)).await.is_none() {
                break;
            }
        }
        if ticked.elapsed() >= REPORT_EVERY {
            ticked = Instant::now();
            tick(snapshot(&ran, started));
        }
        if checked.elapsed() >= GUARD_EVERY {
            checked = Instant::now();
            if let Some(why) = guard(&mut guards).await {
                ran.guard = Some(why);
                break;
            }
        }
    }
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    if let Some(sv) = saver.as_mut() {
        sv.save(ran.at)?;
    }
    ran.latency_p99_ms = probe.and_then(|p| p.finish()).map(|l| l.p99_ms);
    ran.interrupted = stop.interrupted();
    ran.secs = started.elapsed().as_secs_f64();
    if let Some(why) = &ran.lost_why {
        eprintln!("cachestorm: warm stopped: {why}");
    }
    Ok(ran)
}

fn probe_recent(p: &Option<Probe>) -> Duration {
    p.as_ref().map_or(Duration::ZERO, Probe::recent)
}

fn snapshot(ran: &Ran, started: Instant) -> Tick {
    Tick {
        handled: ran.handled(),
        written: ran.total.written,
        failed: ran.total.failed.len() as u64,
        bytes: ran.total.bytes,
        secs: started.elapsed().as_secs_f64(),
    }
}

/// Each item's outcome: the steps, with the refused payloads copied typed (a source
/// server's values only: plain values are never refused).
async fn settle(
    values: &Values,
    target: &Nodes,
    items: &[(Vec<u8>, super::copy::Fetched)],
    steps: Vec<Step>,
    opts: WriteOptions,
) -> Result<Vec<Written>> {
    let refused: Vec<Vec<u8>> = items
        .iter()
        .zip(&steps)
        .filter(|(_, s)| **s == Step::Refused)
        .map(|((k, _), _)| k.clone())
        .collect();
    let mut copied = match (refused.is_empty(), values.peer()) {
        (true, _) => Vec::new(),
        (false, Some(source)) => typed(source, target, &refused, opts).await?,
        (false, None) => {
            vec![Written::Failed("the target refused the value".into()); refused.len()]
        }
    }
    .into_iter();
    Ok(steps
        .into_iter()
        .map(|s| match s {
            Step::Done(w) => w,
            Step::Refused => copied.next().expect("one copy per refused key"),
            Step::Redirect(r) => Written::Failed(format!("redirected to {}", r.addr)),
        })
        .collect())
}

/// A source or target that failed part-way: the run stops, what was written stays.
fn lost(ran: &mut Ran, e: &Error) {
    ran.lost = true;
    ran.lost_why = Some(crate::redact::everywhere(&e.to_string()));
}

/// Why the target must not take more: a node started evicting, or passed the memory
/// limit. A node whose INFO fails is left to the writes to notice.
async fn guard(guards: &mut [Guard]) -> Option<String> {
    for g in guards {
        let Ok(text) = g
            .conn
            .query::<String>(redis::cmd("INFO").arg("everything"))
            .await
        else {
            continue;
        };
        let i = info::parse(&text);
        let evicted = i.stats.evicted_keys.unwrap_or(0);
        if evicted > g.evicted0 {
            return Some(format!(
                "{} evicted {} keys while warming",
                g.conn.endpoint,
                evicted - g.evicted0
            ));
        }
        if let Some(p) = memory_pct(&i).filter(|p| *p >= g.max_pct) {
            return Some(format!(
                "{} reached {p:.0}% of maxmemory (--max-memory-pct {:.0})",
                g.conn.endpoint, g.max_pct
            ));
        }
    }
    None
}

/// Used memory as a share of maxmemory (None: no limit).
pub(crate) fn memory_pct(i: &InfoSnapshot) -> Option<f64> {
    let max = i.memory.maxmemory.filter(|m| *m > 0)?;
    Some(i.memory.used_memory? as f64 * 100.0 / max as f64)
}
