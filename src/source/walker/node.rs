//! One node's walk: open (READONLY, DBSIZE, INFO memory, the LFU policy check, CLIENT
//! NO-TOUCH), then pipelined round trips (`round.rs`), [`DEPTH`] in flight, until the SCAN
//! cursor comes back to 0, `--sample` is reached, the stop switch turns or the node fails.
//! Each SCAN's keys are split into batches; a round trip asks about one batch, the lengths
//! of one batch typed before, and (one at a time) the next SCAN. The state between round
//! trips is the batches waiting for facts and for lengths, each with the cursor of the
//! SCAN it came from (where a failed walk resumes). Must not: read values.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use redis::Value;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::round::{Batch, Flight};
use super::{Msg, NodeWalk, WalkSettings};
use crate::endpoint::{ConnectOptions, Endpoint};
use crate::error::{Error, Result};
use crate::parse::keyfacts::{KeyInfo, NodeMemory};
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

/// Round trips in flight at once per node: while the server answers one, the walker reads
/// the last one's replies and sends the next, so neither side waits for the other, and
/// each pipeline stays one small batch (what another client waits behind). Each SCAN's
/// keys are split into this many batches, so one SCAN a round trip keeps them all busy.
pub(crate) const DEPTH: usize = 2;

/// A node's walk in progress: its connection, the shared settings and its round state.
struct NodeWalker<'a> {
    node: u16,
    c: NodeConn,
    sh: Shared,
    probe: &'a Probe,
    backoff: Backoff,
    w: &'a mut NodeWalk,
    /// The next SCAN's cursor (while a SCAN is in flight: the cursor it started from).
    cursor: u64,
    /// SCANs sent so far (orders the batches).
    seq: u64,
    scan_in_flight: bool,
    /// Keys SCAN returned so far (for `--sample`; `w.scanned` counts those looked at).
    returned: u64,
    /// No more SCANs: the cursor came back, `--sample` was reached, or the walk stops.
    scan_done: bool,
    /// Batches of keys from SCAN, waiting to be looked at.
    fresh: VecDeque<Batch<Vec<u8>>>,
    /// Batches of typed keys waiting for their lengths.
    typed: VecDeque<Batch<KeyInfo>>,
}

/// A round trip sent and not yet read.
type InFlight = VecDeque<(Flight, JoinHandle<Result<Vec<Value>>>)>;

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
            seq: 0,
            scan_in_flight: false,
            returned: 0,
            scan_done: false,
            fresh: VecDeque::new(),
            typed: VecDeque::new(),
        })
    }

    /// Round trips until the walk is over, [`DEPTH`] in flight; an interrupted walk
    /// finishes its in-flight keys.
    async fn run(&mut self) -> Result<()> {
        let mut in_flight = InFlight::new();
        loop {
            if self.sh.stop.is_stopped() {
                // Interrupted: finish what is in flight, resume later from `cursor`.
                self.scan_done = true;
            }
            // Where a failure from here on resumes (what is sent next is in here already).
            self.w.cursor = self.resume_at(&in_flight);
            while in_flight.len() < DEPTH {
                let Some(flight) = self.next_flight() else {
                    break;
                };
                self.guard().await;
                self.pace(&flight).await;
                let pipe = flight.pipeline(&self.sh.settings);
                let mut c = self.c.clone();
                let sent = tokio::spawn(async move { c.query_pipe::<Vec<Value>>(&pipe).await });
                in_flight.push_back((flight, sent));
            }
            let Some((flight, sent)) = in_flight.pop_front() else {
                break;
            };
            let replies = sent.await.map_err(|e| Error::Server {
                addr: self.c.endpoint.to_string(),
                msg: format!("round trip lost: {e}"),
            })??;
            self.w.round_trips += 1;
            let scanned_from = flight.scan.map(|(cursor, _)| cursor);
            let landed = flight
                .land(replies, &self.sh.settings, self.node, now_ms())
                .map_err(|msg| Error::Server {
                    addr: self.c.endpoint.to_string(),
                    msg,
                })?;
            if let (Some(reply), Some(from)) = (landed.scan, scanned_from) {
                self.scanned(reply, from)?;
            }
            self.w.scanned += landed.looked_at;
            self.w.vanished += landed.gone;
            self.typed.extend(landed.typed);
            let msg = landed.msg;
            if !msg.is_empty() && self.sh.tx.send(msg).await.is_err() {
                return Ok(());
            }
        }
        self.w.cursor = self.cursor;
        self.w.complete = self.cursor == 0 && !self.w.sampled;
        Ok(())
    }

    /// Where a walk that fails now resumes: the SCAN of the oldest keys not yet delivered.
    fn resume_at(&self, in_flight: &InFlight) -> u64 {
        let waiting = self.fresh.iter().map(|b| (b.seq, b.from));
        let typed = self.typed.iter().map(|b| (b.seq, b.from));
        let flying = in_flight.iter().filter_map(|(f, _)| f.oldest());
        waiting
            .chain(typed)
            .chain(flying)
            .min()
            .map_or(self.cursor, |(_, from)| from)
    }

    /// The next round trip: the next SCAN (one at a time, while fewer than `DEPTH` batches
    /// wait), the oldest batch of keys to look at and the oldest typed batch. None: nothing
    /// to ask until a round trip in flight lands.
    fn next_flight(&mut self) -> Option<Flight> {
        if self.fresh.is_empty() && self.scan_in_flight {
            // Lengths alone would cost a round trip of their own: they ride with the keys
            // the SCAN in flight brings.
            return None;
        }
        let scan = (!self.scan_done && !self.scan_in_flight && self.fresh.len() < DEPTH)
            .then(|| (self.cursor, self.backoff.batch()));
        self.scan_in_flight |= scan.is_some();
        let flight = Flight {
            scan,
            facts: self.fresh.pop_front(),
            lengths: self.typed.pop_front(),
        };
        (!flight.is_empty()).then_some(flight)
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

    /// `--rate`: takes the keys this round trip looks at from the shared schedule. A slow
    /// rate can mean a long wait: the stop switch cuts it short.
    async fn pace(&mut self, flight: &Flight) {
        let Some(b) = &self.sh.bucket else { return };
        let Some(facts) = &flight.facts else { return };
        if self.sh.stop.is_stopped() {
            return;
        }
        self.sh.stop.until(b.take(facts.keys.len() as u64)).await;
    }

    /// The SCAN reply (of the SCAN from cursor `from`): moves the cursor, applies
    /// `--sample`, and splits its keys into `DEPTH` batches to look at.
    fn scanned(&mut self, reply: Value, from: u64) -> Result<()> {
        self.scan_in_flight = false;
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
        self.seq += 1;
        let per_batch = keys.len().div_ceil(DEPTH).max(1);
        let mut keys = keys.into_iter();
        loop {
            let batch: Vec<Vec<u8>> = keys.by_ref().take(per_batch).collect();
            if batch.is_empty() {
                break;
            }
            self.fresh.push_back(Batch {
                seq: self.seq,
                from,
                keys: batch,
            });
        }
        Ok(())
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
