//! One node's walk: open (READONLY, DBSIZE, INFO memory, the LFU policy check), then one
//! pipelined round trip per batch until the SCAN cursor comes back to 0, `--sample` is
//! reached, the stop switch turns or the node fails. Each round asks about the keys of
//! the previous SCAN and the lengths of the keys typed the round before, so the state
//! between rounds is two key lists and the cursors they came from (where a failed walk
//! resumes). Must not: read values.

use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use redis::Value;
use tokio::sync::mpsc;

use super::{Msg, NodeWalk, WalkSettings};
use crate::endpoint::{ConnectOptions, Endpoint};
use crate::error::{Error, Result};
use crate::parse::keyfacts::{self, probed, Answer, KeyInfo, NodeMemory};
use crate::parse::resp::{scan_reply, server_error};
use crate::source::conn::{connect, NodeConn};
use crate::source::pace::Bucket;
use crate::source::probe::{Backoff, Probe, Step};
use crate::source::stop::Stop;

/// What the walks of all nodes share.
#[derive(Clone)]
pub(super) struct Shared {
    pub(super) settings: Arc<WalkSettings>,
    pub(super) options: ConnectOptions,
    pub(super) tx: mpsc::Sender<Msg>,
    pub(super) stop: Stop,
    /// `--rate`, over all nodes.
    pub(super) bucket: Option<Arc<Bucket>>,
}

/// Walks node number `node` to its end; how it went, and the error that ended it early.
pub(super) async fn walk(node: u16, ep: Endpoint, sh: Shared) -> (u16, NodeWalk, Option<Error>) {
    let mut w = NodeWalk::new(&ep, sh.settings.cursor.unwrap_or(0));
    let started = Instant::now();
    let probe = Probe::start(&ep, &sh.options);
    let res = match NodeWalker::open(node, &ep, sh, &probe, &mut w).await {
        Ok(mut walker) => walker.run().await,
        Err(e) => Err(e),
    };
    let failure = res.err();
    w.error = failure.as_ref().map(Error::to_string);
    w.elapsed_secs = started.elapsed().as_secs_f64();
    if let Some(l) = probe.finish() {
        (w.probe_p50_ms, w.probe_p99_ms, w.probe_max_ms) =
            (Some(l.p50_ms), Some(l.p99_ms), Some(l.max_ms));
    }
    (node, w, failure)
}

/// A node's walk in progress: its connection, the shared settings and its round state.
struct NodeWalker<'a> {
    node: u16,
    c: NodeConn,
    sh: Shared,
    probe: &'a Probe,
    backoff: Backoff,
    w: &'a mut NodeWalk,
    /// The next SCAN's cursor.
    cursor: u64,
    /// Keys SCAN returned so far (for `--sample`; `w.scanned` counts those looked at).
    returned: u64,
    /// No more SCANs: the cursor came back, `--sample` was reached, or the walk stops.
    scan_done: bool,
    /// Keys from the last SCAN, to look at this round.
    fresh: Vec<Vec<u8>>,
    /// Keys typed last round, waiting for their length.
    typed: Vec<KeyInfo>,
    /// The cursors whose SCAN gave `typed` and `fresh`: where a failed walk resumes.
    typed_from: u64,
    fresh_from: u64,
}

impl<'a> NodeWalker<'a> {
    /// Connects and reads what the walk needs first; sends the node's DBSIZE.
    async fn open(
        node: u16,
        ep: &Endpoint,
        sh: Shared,
        probe: &'a Probe,
        w: &'a mut NodeWalk,
    ) -> Result<NodeWalker<'a>> {
        let mut c = connect(ep, &sh.options).await?;
        let s = &sh.settings;
        if s.readonly {
            // Cluster replicas serve reads only after READONLY; elsewhere it is refused: fine.
            let _ = c.query::<()>(&redis::cmd("READONLY")).await;
        }
        let (dbsize, memory) = node_facts(&mut c).await?;
        w.server.role = role(&mut c).await;
        if s.lengths && !s.lfu {
            // Without it, STRLEN/LLEN/... would reset each key's LRU idle time or bump its
            // LFU counter: the eviction order and `hotkeys --method lfu` would change.
            let cmd = redis::cmd("CLIENT").arg("NO-TOUCH").arg("ON").clone();
            w.server.lengths_touched_keys = c.query::<()>(&cmd).await.is_err();
        }
        if s.lfu {
            lfu_policy(ep, memory.as_ref())?;
        }
        w.dbsize = dbsize;
        w.memory = memory;
        w.server.opened = true;
        let _ = sh.tx.send(Msg::Size(dbsize)).await;
        let cursor = s.cursor.unwrap_or(0);
        Ok(NodeWalker {
            node,
            c,
            backoff: Backoff::new(s.count, s.max_latency),
            sh,
            probe,
            w,
            cursor,
            returned: 0,
            scan_done: false,
            fresh: Vec::new(),
            typed: Vec::new(),
            typed_from: cursor,
            fresh_from: cursor,
        })
    }

    /// Rounds until the walk is over; an interrupted walk finishes its in-flight keys.
    async fn run(&mut self) -> Result<()> {
        loop {
            self.w.cursor = self.resume_at();
            if self.sh.stop.is_stopped() {
                // Interrupted: finish what is in flight, resume later from `cursor`.
                self.scan_done = true;
            }
            if self.scan_done && self.fresh.is_empty() && self.typed.is_empty() {
                break;
            }
            self.guard().await;
            self.pace().await;
            let msg = self.round().await?;
            if !msg.is_empty() && self.sh.tx.send(msg).await.is_err() {
                return Ok(());
            }
        }
        self.w.cursor = self.cursor;
        self.w.complete = self.cursor == 0 && !self.w.sampled;
        Ok(())
    }

    /// Where a walk that fails now resumes: the SCAN of the oldest keys not yet delivered.
    fn resume_at(&self) -> u64 {
        if !self.typed.is_empty() {
            self.typed_from
        } else if !self.fresh.is_empty() {
            self.fresh_from
        } else {
            self.cursor
        }
    }

    /// The latency guard: waits while the node is slow (once the scan is done, no batch
    /// is left to shrink). The stop switch cuts the wait short.
    async fn guard(&mut self) {
        if self.scan_done {
            return;
        }
        if let Step::Wait { pause, .. } = self.backoff.next(self.probe.recent()) {
            self.w.latency_backoffs += 1;
            self.sh.stop.until(tokio::time::sleep(pause)).await;
        }
    }

    /// `--rate`: takes this round's keys from the shared bucket. A slow rate can mean a
    /// long wait: the stop switch cuts it short.
    async fn pace(&mut self) {
        let Some(b) = &self.sh.bucket else { return };
        if self.fresh.is_empty() || self.sh.stop.is_stopped() {
            return;
        }
        self.sh.stop.until(b.take(self.fresh.len() as u64)).await;
    }

    /// One round trip: sends the pipeline, decodes the replies into the batch to deliver.
    /// A reply that is neither an answer nor "gone" (CLUSTERDOWN, LOADING, NOPERM, ...)
    /// fails the node: nothing of this round is delivered, and the walk resumes at the
    /// oldest undelivered batch's cursor (kept by `run`).
    async fn round(&mut self) -> Result<Msg> {
        let scanning = !self.scan_done;
        let scanned_from = self.cursor;
        let replies: Vec<Value> = self.c.query_pipe(&self.pipeline(scanning)).await?;
        self.w.round_trips += 1;
        let seen_ms = now_ms();
        let mut it = replies.into_iter();
        let scan = scanning.then(|| it.next().unwrap_or(Value::Nil));
        let msg = if self.sh.settings.lfu {
            self.freqs(&mut it)
        } else {
            self.facts(&mut it, seen_ms)
        }
        .map_err(|msg| Error::Server {
            addr: self.c.endpoint.to_string(),
            msg,
        })?;
        self.fresh = match scan {
            Some(reply) => self.scanned(reply)?,
            None => Vec::new(),
        };
        (self.typed_from, self.fresh_from) = (self.fresh_from, scanned_from);
        Ok(msg)
    }

    /// The next SCAN (unless done), questions about the fresh keys, lengths of the typed.
    fn pipeline(&self, scanning: bool) -> redis::Pipeline {
        let s = &self.sh.settings;
        let mut pipe = redis::pipe();
        pipe.ignore_errors();
        if scanning {
            let cmd = pipe
                .cmd("SCAN")
                .arg(self.cursor)
                .arg("COUNT")
                .arg(self.backoff.batch());
            if let Some(p) = &s.pattern {
                cmd.arg("MATCH").arg(p);
            }
            if let Some(t) = &s.kind {
                cmd.arg("TYPE").arg(t);
            }
        }
        for k in &self.fresh {
            if s.lfu {
                pipe.cmd("OBJECT").arg("FREQ").arg(k.as_slice());
                continue;
            }
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
        // Only keys typed last round wait here (none with `--no-lengths`).
        for k in &self.typed {
            if let Some(cmd) = k.kind.length_command() {
                pipe.cmd(cmd).arg(k.key.as_slice());
            }
        }
        pipe
    }

    /// The SCAN reply: moves the cursor, applies `--sample`; the keys it gave.
    fn scanned(&mut self, reply: Value) -> Result<Vec<Vec<u8>>> {
        let addr = || self.c.endpoint.to_string();
        if let Some(e) = server_error(&reply) {
            return Err(Error::Server {
                addr: addr(),
                msg: format!("SCAN failed: {e}"),
            });
        }
        let (next, mut keys) = scan_reply(reply).ok_or_else(|| Error::Server {
            addr: addr(),
            msg: "SCAN gave an unexpected reply".into(),
        })?;
        if let Some(limit) = self.sh.settings.sample {
            let room = limit.saturating_sub(self.returned) as usize;
            if keys.len() >= room {
                keys.truncate(room);
                self.w.sampled = next != 0;
                self.scan_done = true;
            }
        }
        self.returned += keys.len() as u64;
        self.cursor = next;
        if next == 0 {
            self.scan_done = true;
        }
        Ok(keys)
    }

    /// OBJECT FREQ replies of the fresh keys. A key deleted since SCAN answers nil: it is
    /// left out, as vanished. Any other error is the node's (its text).
    fn freqs(&mut self, it: &mut impl Iterator<Item = Value>) -> Result<Msg, String> {
        let mut freqs = Vec::with_capacity(self.fresh.len());
        let mut gone = 0;
        for k in std::mem::take(&mut self.fresh) {
            match keyfacts::freq(it.next().as_ref()) {
                Answer::Got(f) => freqs.push((k, f, self.node)),
                Answer::Gone => gone += 1,
                Answer::Failed(e) => return Err(e),
            }
        }
        self.w.scanned += freqs.len() as u64 + gone;
        self.w.vanished += gone;
        Ok(Msg::Freqs(freqs))
    }

    /// The key facts: the fresh keys typed now (lengths next round), and the lengths of
    /// the keys typed last round, now complete. Any reply that is neither an answer nor
    /// "gone" fails the round (its text); the keys stay where `resume_at` finds them.
    fn facts(&mut self, it: &mut impl Iterator<Item = Value>, seen_ms: u64) -> Result<Msg, String> {
        let encoding = self.sh.settings.encoding;
        let mut typed = Vec::new();
        let mut done = Vec::with_capacity(self.fresh.len());
        let mut gone = 0;
        for key in &self.fresh {
            let replies = [it.next(), it.next(), it.next()];
            let enc = encoding.then(|| keyfacts::encoding(it.next().as_ref()));
            let mut info = match probed(key.clone(), &replies, seen_ms, self.node) {
                Answer::Got(info) => info,
                Answer::Gone => {
                    gone += 1;
                    continue;
                }
                Answer::Failed(e) => return Err(e),
            };
            match enc {
                Some(Answer::Failed(e)) => return Err(e),
                Some(Answer::Got(e)) => info.encoding = Some(e),
                Some(Answer::Gone) | None => {}
            }
            if self.sh.settings.lengths && info.kind.length_command().is_some() {
                typed.push(info);
            } else {
                done.push(info);
            }
        }
        for mut k in std::mem::take(&mut self.typed) {
            if let Some(cmd) = k.kind.length_command() {
                match keyfacts::length(cmd, it.next().as_ref()) {
                    Answer::Got(n) => k.length = Some(n),
                    Answer::Gone => {
                        gone += 1;
                        continue;
                    }
                    Answer::Failed(e) => return Err(e),
                }
            }
            done.push(k);
        }
        self.w.scanned += self.fresh.len() as u64;
        self.fresh.clear();
        self.typed = typed;
        self.w.vanished += gone;
        Ok(Msg::Keys(done))
    }
}

/// OBJECT FREQ needs an LFU eviction policy.
fn lfu_policy(ep: &Endpoint, memory: Option<&NodeMemory>) -> Result<()> {
    let policy = memory.map_or("unknown", |m| m.policy.as_str());
    if policy.ends_with("-lfu") {
        return Ok(());
    }
    Err(Error::Server {
        addr: ep.to_string(),
        msg: format!(
            "maxmemory-policy is {policy}: OBJECT FREQ needs an LFU policy (CONFIG SET maxmemory-policy allkeys-lfu, or volatile-lfu); or use --method monitor"
        ),
    })
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

/// The node's role as it says (INFO replication): `master` or `replica`.
async fn role(c: &mut NodeConn) -> Option<&'static str> {
    let text = c
        .query::<String>(redis::cmd("INFO").arg("replication"))
        .await
        .ok()?;
    match crate::parse::info::parse(&text).role()? {
        "master" => Some("master"),
        "slave" | "replica" => Some("replica"),
        _ => None,
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}
