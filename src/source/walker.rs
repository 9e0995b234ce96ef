//! The keyspace walker behind `bigkeys`, `keyspace` and `patterns --scan`: SCAN on every
//! node concurrently, and per batch one pipelined round trip that asks TYPE, MEMORY
//! USAGE (with SAMPLES), PTTL and (when asked) OBJECT ENCODING of the keys the previous
//! SCAN returned, the length (STRLEN/LLEN/SCARD/ZCARD/HLEN/XLEN) of the keys typed in the
//! round before, and the next SCAN. Never KEYS, never a value read.
//!
//! Protection: a token bucket shared by all nodes (`--rate`), and per node a side
//! connection that PINGs every 25 ms; while the recent PING latency is above
//! `--max-latency` the node's batches halve and a pause precedes each one, and they grow
//! back when it falls under half of it. Keys that are gone (or changed type) between SCAN
//! and the pipeline are counted as vanished.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use redis::Value;
use serde::Serialize;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

use super::conn::{connect, NodeConn};
use super::pace::Bucket;
use super::probe::{Backoff, Probe, Step};
use crate::endpoint::{ConnectOptions, Endpoint};
use crate::error::{Error, Result};
use crate::parse::keyfacts::{probed, KeyInfo, NodeMemory};
use crate::parse::resp::{as_int, as_text, scan_reply, server_error};

#[derive(Debug, Clone)]
pub(crate) struct WalkSettings {
    /// SCAN COUNT.
    pub(crate) count: u64,
    pub(crate) pattern: Option<String>,
    pub(crate) kind: Option<String>,
    /// MEMORY USAGE SAMPLES (0: every element).
    pub(crate) samples: u64,
    pub(crate) encoding: bool,
    /// Keys per second over all nodes.
    pub(crate) rate: Option<u64>,
    pub(crate) max_latency: Duration,
    /// Stop after this many keys per node.
    pub(crate) sample: Option<u64>,
    /// Start from this cursor (one node).
    pub(crate) cursor: Option<u64>,
    /// Send READONLY first (cluster replicas).
    pub(crate) readonly: bool,
    /// Ask OBJECT FREQ (LFU counters) instead of the key facts; the node's policy must be
    /// an LFU one.
    pub(crate) lfu: bool,
}

/// How one node's walk went.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct NodeWalk {
    pub(crate) node: String,
    pub(crate) dbsize: u64,
    /// Keys SCAN returned (and were looked at).
    pub(crate) scanned: u64,
    /// Keys gone or changed type before they could be looked at.
    pub(crate) vanished: u64,
    pub(crate) complete: bool,
    /// Stopped by `--sample`.
    pub(crate) sampled: bool,
    /// Where to resume with `--cursor` (0 when complete).
    pub(crate) cursor: u64,
    pub(crate) error: Option<String>,
    pub(crate) round_trips: u64,
    /// Rounds that waited because the node's latency was above `--max-latency`.
    pub(crate) latency_backoffs: u64,
    /// The side probe's PING latency during the walk.
    pub(crate) probe_p50_ms: Option<f64>,
    pub(crate) probe_p99_ms: Option<f64>,
    pub(crate) probe_max_ms: Option<f64>,
    pub(crate) elapsed_secs: f64,
    #[serde(skip)]
    pub(crate) memory: Option<NodeMemory>,
}

/// What node tasks send while they walk.
pub(crate) enum Msg {
    /// The node's DBSIZE, once, before its first batch.
    Size(u64),
    Keys(Vec<KeyInfo>),
    /// With `lfu`: (key, LFU counter, node).
    Freqs(Vec<(Vec<u8>, u8, u16)>),
}

/// A running walk: messages from every node, and the tasks that end with each node's
/// [`NodeWalk`] (by node index).
pub(crate) struct Walk {
    pub(crate) rx: mpsc::Receiver<Msg>,
    pub(crate) stop: watch::Sender<bool>,
    /// Each node's index, how its walk went, and the error that ended it early.
    pub(crate) tasks: JoinSet<(u16, NodeWalk, Option<Error>)>,
}

/// Starts walking every node.
pub(crate) fn start(nodes: &[Endpoint], o: &ConnectOptions, s: &WalkSettings) -> Walk {
    let (tx, rx) = mpsc::channel(64);
    let (stop, stop_rx) = watch::channel(false);
    let bucket = s.rate.map(|r| Arc::new(Bucket::new(r)));
    let mut settings = s.clone();
    if let Some(r) = s.rate {
        // Batches of at most a tenth of a second's budget per node keep the rate smooth.
        let per_node = r / nodes.len().max(1) as u64 / 10;
        settings.count = settings.count.min(per_node.max(10));
    }
    let settings = Arc::new(settings);
    let mut tasks = JoinSet::new();
    for (i, ep) in nodes.iter().enumerate() {
        let (ep, o, s, tx, stop_rx, bucket) = (
            ep.clone(),
            o.clone(),
            settings.clone(),
            tx.clone(),
            stop_rx.clone(),
            bucket.clone(),
        );
        tasks.spawn(async move {
            let node = i as u16;
            let mut w = NodeWalk {
                node: ep.to_string(),
                dbsize: 0,
                scanned: 0,
                vanished: 0,
                complete: false,
                sampled: false,
                cursor: s.cursor.unwrap_or(0),
                error: None,
                round_trips: 0,
                latency_backoffs: 0,
                probe_p50_ms: None,
                probe_p99_ms: None,
                probe_max_ms: None,
                elapsed_secs: 0.0,
                memory: None,
            };
            let started = Instant::now();
            let probe = Probe::start(&ep, &o);
            let mut failure = None;
            if let Err(e) = walk_node(node, &ep, &o, &s, &tx, stop_rx, bucket, &probe, &mut w).await
            {
                w.error = Some(e.to_string());
                failure = Some(e);
            }
            w.elapsed_secs = started.elapsed().as_secs_f64();
            if let Some(l) = probe.finish() {
                (w.probe_p50_ms, w.probe_p99_ms, w.probe_max_ms) =
                    (Some(l.p50_ms), Some(l.p99_ms), Some(l.max_ms));
            }
            (node, w, failure)
        });
    }
    Walk { rx, stop, tasks }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Reads DBSIZE and INFO memory of the node.
async fn node_facts(c: &mut NodeConn) -> Result<(u64, Option<NodeMemory>)> {
    let dbsize: u64 = c.query(&redis::cmd("DBSIZE")).await?;
    let memory = match c.query::<String>(redis::cmd("INFO").arg("memory")).await {
        Ok(text) => {
            let s = crate::parse::info::parse(&text);
            Some(NodeMemory {
                used_memory: s.memory.used_memory.unwrap_or(0),
                maxmemory: s.memory.maxmemory.unwrap_or(0),
                policy: s.memory.maxmemory_policy.unwrap_or_default(),
            })
        }
        Err(_) => None,
    };
    Ok((dbsize, memory))
}

#[allow(clippy::too_many_arguments)]
async fn walk_node(
    node: u16,
    ep: &Endpoint,
    o: &ConnectOptions,
    s: &WalkSettings,
    tx: &mpsc::Sender<Msg>,
    mut stop: watch::Receiver<bool>,
    bucket: Option<Arc<Bucket>>,
    probe: &Probe,
    w: &mut NodeWalk,
) -> Result<()> {
    let mut c = connect(ep, o).await?;
    if s.readonly {
        // Cluster replicas serve reads only after READONLY; elsewhere it is refused: fine.
        let _ = c.query::<()>(&redis::cmd("READONLY")).await;
    }
    let (dbsize, memory) = node_facts(&mut c).await?;
    if s.lfu {
        let policy = memory.as_ref().map_or("unknown", |m| m.policy.as_str());
        if !policy.ends_with("-lfu") {
            return Err(Error::Server {
                addr: ep.to_string(),
                msg: format!(
                    "maxmemory-policy is {policy}: OBJECT FREQ needs an LFU policy (CONFIG SET maxmemory-policy allkeys-lfu, or volatile-lfu); or use --method monitor"
                ),
            });
        }
    }
    w.dbsize = dbsize;
    w.memory = memory;
    let _ = tx.send(Msg::Size(dbsize)).await;

    let mut cursor = s.cursor.unwrap_or(0);
    let mut scan_done = false;
    // Keys from the last SCAN, to probe; keys probed, waiting for their length.
    let mut fresh: Vec<Vec<u8>> = Vec::new();
    let mut typed: Vec<KeyInfo> = Vec::new();
    let mut backoff = Backoff::new(s.count, s.max_latency);
    // The cursors whose SCAN gave `typed` and `fresh`: where a failed walk resumes.
    let (mut typed_from, mut fresh_from) = (cursor, cursor);
    loop {
        w.cursor = if !typed.is_empty() {
            typed_from
        } else if !fresh.is_empty() {
            fresh_from
        } else {
            cursor
        };
        if *stop.borrow_and_update() && !scan_done {
            // Interrupted: finish what is in flight, resume later from `cursor`.
            scan_done = true;
        }
        if scan_done && fresh.is_empty() && typed.is_empty() {
            break;
        }
        // The latency guard (once the scan is done, no batch is left to shrink).
        if !scan_done {
            if let Step::Wait { pause, .. } = backoff.next(probe.recent()) {
                w.latency_backoffs += 1;
                tokio::select! {
                    _ = tokio::time::sleep(pause) => {}
                    _ = stop.changed() => {}
                }
            }
        }
        if let Some(b) = bucket
            .as_ref()
            .filter(|_| !fresh.is_empty() && !*stop.borrow())
        {
            // A slow --rate can mean a long wait: Ctrl-C cuts it short.
            tokio::select! {
                _ = b.take(fresh.len() as u64) => {}
                _ = stop.changed() => {}
            }
        }
        let mut pipe = redis::pipe();
        pipe.ignore_errors();
        let scanning = !scan_done;
        let scanned_from = cursor;
        if scanning {
            let cmd = pipe
                .cmd("SCAN")
                .arg(cursor)
                .arg("COUNT")
                .arg(backoff.batch());
            if let Some(p) = &s.pattern {
                cmd.arg("MATCH").arg(p);
            }
            if let Some(t) = &s.kind {
                cmd.arg("TYPE").arg(t);
            }
        }
        for k in fresh.iter().filter(|_| s.lfu) {
            pipe.cmd("OBJECT").arg("FREQ").arg(k.as_slice());
        }
        for k in fresh.iter().filter(|_| !s.lfu) {
            pipe.cmd("TYPE").arg(k.as_slice());
            let m = pipe.cmd("MEMORY").arg("USAGE").arg(k.as_slice());
            // 5 is the server's own default (OBJ_COMPUTE_SIZE_DEF_SAMPLES): left implicit.
            if s.samples != 5 {
                m.arg("SAMPLES").arg(s.samples);
            }
            pipe.cmd("PTTL").arg(k.as_slice());
            if s.encoding {
                pipe.cmd("OBJECT").arg("ENCODING").arg(k.as_slice());
            }
        }
        for k in &typed {
            if let Some(cmd) = k.kind.length_command() {
                pipe.cmd(cmd).arg(k.key.as_slice());
            }
        }
        let replies: Vec<Value> = c.query_pipe(&pipe).await?;
        w.round_trips += 1;
        let seen_ms = now_ms();
        let mut it = replies.into_iter();
        let mut next_fresh = Vec::new();
        if scanning {
            let reply = it.next().unwrap_or(Value::Nil);
            if let Some(e) = server_error(&reply) {
                return Err(Error::Server {
                    addr: ep.to_string(),
                    msg: format!("SCAN failed: {e}"),
                });
            }
            let (next, mut keys) = scan_reply(reply).ok_or_else(|| Error::Server {
                addr: ep.to_string(),
                msg: "SCAN gave an unexpected reply".into(),
            })?;
            if let Some(limit) = s.sample {
                let room = limit.saturating_sub(w.scanned) as usize;
                if keys.len() >= room {
                    keys.truncate(room);
                    w.sampled = next != 0;
                    scan_done = true;
                }
            }
            w.scanned += keys.len() as u64;
            cursor = next;
            if cursor == 0 {
                scan_done = true;
            }
            next_fresh = keys;
        }
        let msg = if s.lfu {
            // A key deleted since SCAN answers an error: it is left out, as vanished.
            let asked = fresh.len() as u64;
            let freqs: Vec<(Vec<u8>, u8, u16)> = fresh
                .drain(..)
                .filter_map(|k| match it.next() {
                    Some(Value::Int(n)) => Some((k, n.clamp(0, 255) as u8, node)),
                    _ => None,
                })
                .collect();
            w.vanished += asked - freqs.len() as u64;
            Msg::Freqs(freqs)
        } else {
            // The keys of the previous SCAN: typed now, lengths next round.
            let old_typed = std::mem::take(&mut typed);
            let mut done = Vec::with_capacity(fresh.len());
            for key in fresh.drain(..) {
                let replies = [it.next(), it.next(), it.next()];
                let enc = if s.encoding {
                    it.next().as_ref().and_then(as_text)
                } else {
                    None
                };
                let Some(mut info) = probed(key, &replies, seen_ms, node) else {
                    w.vanished += 1;
                    continue;
                };
                info.encoding = enc;
                if info.kind.length_command().is_some() {
                    typed.push(info);
                } else {
                    done.push(info);
                }
            }
            // Lengths of the keys typed last round: now complete.
            for mut k in old_typed {
                if k.kind.length_command().is_some() {
                    match it.next() {
                        Some(v @ Value::Int(_)) => k.length = as_int(&v).map(|n| n.max(0) as u64),
                        // WRONGTYPE: it changed type since TYPE.
                        _ => {
                            w.vanished += 1;
                            continue;
                        }
                    }
                }
                done.push(k);
            }
            Msg::Keys(done)
        };
        fresh = next_fresh;
        (typed_from, fresh_from) = (fresh_from, scanned_from);
        let empty = match &msg {
            Msg::Keys(v) => v.is_empty(),
            Msg::Freqs(v) => v.is_empty(),
            Msg::Size(_) => false,
        };
        if !empty && tx.send(msg).await.is_err() {
            return Ok(());
        }
    }
    w.cursor = cursor;
    w.complete = cursor == 0 && !w.sampled;
    Ok(())
}
