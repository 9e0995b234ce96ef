//! Counting a stream of MONITOR events: per key (count, reads/writes, peak second,
//! dominant command, distinct clients), per command, per client, per second; plus the
//! stampede, penetration and expiry-wave signatures. Pure: events in, [`Traffic`] out.
//!
//! Memory is bounded: keys are counted exactly up to `max_keys` distinct keys, then the
//! table turns into a Space-Saving top-k of that size (a new key replaces the least
//! counted one and inherits its count as its error bound). Clients are capped likewise.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use ahash::AHashMap;

use super::keycounts::KeyCounts;
use crate::parse::keyspec::{keys_or_first_arg, Access, CommandSpec, CommandTable};
use crate::parse::monitor::Event;

#[derive(Debug, Clone)]
pub(crate) struct TrafficConfig {
    pub(crate) max_keys: usize,
    pub(crate) max_clients: usize,
    pub(crate) timeline: bool,
    pub(crate) stampede_window_us: u64,
    pub(crate) expiry_bucket_secs: u64,
    /// Which arguments are keys: the built-in table, or one extended by a live server's.
    pub(crate) table: &'static CommandTable,
}

impl Default for TrafficConfig {
    fn default() -> Self {
        TrafficConfig {
            max_keys: 1_000_000,
            max_clients: 100_000,
            timeline: false,
            stampede_window_us: 1_000_000,
            expiry_bucket_secs: 10,
            table: CommandTable::builtin(),
        }
    }
}

/// Per-key counters. Seconds count whole wall-clock seconds from the first event's.
#[derive(Debug, Clone, Default)]
pub(crate) struct KeyStats {
    pub(crate) count: u64,
    /// Space-Saving error bound: the true count is in `count - error ..= count`.
    pub(crate) error: u64,
    pub(crate) reads: u64,
    pub(crate) writes: u64,
    cur_sec: u32,
    cur_n: u32,
    pub(crate) peak_sec: u32,
    pub(crate) peak_n: u32,
    /// Misra-Gries summary of the commands used on this key: ids and weights.
    cmd_ids: [u16; 3],
    cmd_w: [u32; 3],
    /// The first distinct clients, exactly (`nfew` > 4: more than four).
    few: [u32; 4],
    nfew: u8,
    pub(crate) node: u16,
    /// Linear-counting bitmap of the clients that touched the key.
    clients: [u64; 4],
}

impl KeyStats {
    fn hit(&mut self, sec: u32, access: Access, cmd: u16, client: u32, node: u16) {
        self.count += 1;
        match access {
            Access::Read => self.reads += 1,
            Access::Write | Access::Overwrite | Access::Delete => self.writes += 1,
        }
        // Events arrive in time order per node; a late one counts in the current second.
        if sec > self.cur_sec || self.cur_n == 0 {
            self.cur_sec = sec;
            self.cur_n = 0;
        }
        self.cur_n += 1;
        if self.cur_n > self.peak_n {
            self.peak_n = self.cur_n;
            self.peak_sec = self.cur_sec;
        }
        self.note_cmd(cmd);
        if self.nfew <= 4 && !self.few[..usize::from(self.nfew.min(4))].contains(&client) {
            if self.nfew < 4 {
                self.few[usize::from(self.nfew)] = client;
            }
            self.nfew += 1;
        }
        let bit = mix(client) >> 56;
        self.clients[(bit >> 6) as usize] |= 1 << (bit & 63);
        self.node = node;
    }

    fn note_cmd(&mut self, cmd: u16) {
        if let Some(i) = (0..3).find(|&i| self.cmd_ids[i] == cmd && self.cmd_w[i] > 0) {
            self.cmd_w[i] += 1;
        } else if let Some(i) = (0..3).find(|&i| self.cmd_w[i] == 0) {
            self.cmd_ids[i] = cmd;
            self.cmd_w[i] = 1;
        } else {
            for w in &mut self.cmd_w {
                *w -= 1;
            }
        }
    }

    /// The command used most on this key.
    pub(crate) fn dominant_cmd(&self) -> Option<u16> {
        (0..3)
            .filter(|&i| self.cmd_w[i] > 0)
            .max_by_key(|&i| self.cmd_w[i])
            .map(|i| self.cmd_ids[i])
    }

    /// Distinct clients: exact up to 4, else a 256-bit linear-counting estimate (which
    /// saturates at [`CLIENTS_SATURATED`]); and whether the number is exact.
    pub(crate) fn distinct_clients(&self) -> (u64, bool) {
        if self.nfew <= 4 {
            return (u64::from(self.nfew), true);
        }
        let zeros: u32 = self.clients.iter().map(|w| w.count_zeros()).sum();
        if zeros == 0 {
            return (CLIENTS_SATURATED, false);
        }
        let m = 256.0_f64;
        (
            (-m * (f64::from(zeros) / m).ln()).round().max(5.0) as u64,
            false,
        )
    }
}

/// What the distinct-client estimate says once every bit is set: "this many or more"
/// (the estimate for one bit left, 256 ln 256).
pub(crate) const CLIENTS_SATURATED: u64 = 1420;

/// A well-mixed 64-bit hash of a client id (splitmix64's finaliser): sequential ids must
/// land on independent bits for linear counting to hold.
fn mix(id: u32) -> u64 {
    // splitmix64: the state steps by the golden ratio, then the finaliser mixes it.
    let mut z = (u64::from(id) + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// (count, key) entries, least counted on top.
type MinHeap = BinaryHeap<Reverse<(u64, u32)>>;

/// A burst of overwrites (cache fills) on one key: the stampede (breakdown) signature.
#[derive(Debug, Clone, Default)]
pub(crate) struct WriteBurst {
    window_start_us: u64,
    writes: u32,
    writers: Vec<u32>,
    /// Largest burst seen: (writes, distinct writers, start µs).
    pub(crate) best: (u32, u32, u64),
}

/// What kind of TTL a command sets, for the expiry wave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TtlKind {
    None,
    /// SET/GETEX with EX/PX/EXAT/PXAT options.
    Options,
    /// SETEX/EXPIRE key seconds; PSETEX/PEXPIRE key ms; EXPIREAT key unix-s; PEXPIREAT key unix-ms.
    Seconds,
    Millis,
    AtSeconds,
    AtMillis,
}

struct CommandInfo {
    name: Vec<u8>,
    spec: Option<&'static CommandSpec>,
    ttl: TtlKind,
    count: u64,
}

/// One key access, as the shard that owns the key gets it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Hit {
    sec: u32,
    access: Access,
    cmd: u16,
    client: u32,
    node: u16,
    ts_us: u64,
}

/// The per-key part of a count: the key table, per-key timelines and write bursts. A
/// sequential count has one; a parallel count has one per thread, each owning the keys
/// whose hash routes to it, merged into one at the end ([`Traffic::finish`]).
pub(crate) struct KeyShard {
    max_keys: usize,
    timeline: bool,
    stampede_window_us: u64,
    pub(crate) keys: KeyCounts,
    /// Per-key (relative second, count) runs by entry index, with `--timeline`.
    pub(crate) timelines: AHashMap<u32, Vec<(u32, u32)>>,
    /// Present once the key table overflowed: (count, key) min-heap, lazily refreshed.
    overflow: Option<MinHeap>,
    /// A merged shard that had overflowed.
    overflowed: bool,
    pub(crate) bursts: AHashMap<Box<[u8]>, WriteBurst>,
}

impl KeyShard {
    fn new(cfg: &TrafficConfig, max_keys: usize) -> Self {
        KeyShard {
            max_keys: max_keys.max(1),
            timeline: cfg.timeline,
            stampede_window_us: cfg.stampede_window_us,
            keys: KeyCounts::new(),
            timelines: AHashMap::new(),
            overflow: None,
            overflowed: false,
            bursts: AHashMap::new(),
        }
    }

    fn overflowed(&self) -> bool {
        self.overflowed || self.overflow.is_some()
    }

    /// Takes in a shard whose keys are all new here (shards never share a key).
    fn absorb(&mut self, other: KeyShard) {
        let KeyShard {
            keys,
            mut timelines,
            bursts,
            ..
        } = other;
        self.overflowed |= other.overflow.is_some() || other.overflowed;
        for (idx, key, stats) in keys.into_entries() {
            let at = self.keys.insert_owned(key, stats);
            if let Some(tl) = timelines.remove(&idx) {
                self.timelines.insert(at, tl);
            }
        }
        self.bursts.extend(bursts);
        // Merged tables are final: no more admissions, so no heap to keep.
        if self.overflow.take().is_some() {
            self.overflowed = true;
        }
    }

    /// Counts one access to `key`.
    pub(crate) fn hit(&mut self, key: &[u8], h: &Hit) {
        let idx = match self.keys.find(key) {
            Some(idx) => idx,
            None => self.admit(key),
        };
        self.keys
            .stats_mut(idx)
            .hit(h.sec, h.access, h.cmd, h.client, h.node);
        let sec = h.sec;
        if self.timeline {
            let t = self.timelines.entry(idx).or_default();
            match t.last_mut() {
                Some((s, n)) if *s >= sec => *n += 1,
                _ => t.push((sec, 1)),
            }
        }
        // Cache fills (SET, SETEX, ...) make the stampede signature; counters do not.
        if h.access == Access::Overwrite {
            self.note_write(key, h.ts_us, h.client);
        }
    }

    /// Makes room for a new key: a new entry while under `max_keys`, else Space-Saving
    /// replaces the least counted key, whose count the newcomer inherits as its error.
    fn admit(&mut self, key: &[u8]) -> u32 {
        if self.keys.len() < self.max_keys {
            return self.keys.insert(key, KeyStats::default());
        }
        let keys = &self.keys;
        let heap = self
            .overflow
            .get_or_insert_with(|| keys.iter().map(|(i, _, s)| Reverse((s.count, i))).collect());
        while let Some(Reverse((c, victim))) = heap.pop() {
            let now = self.keys.stats(victim).count;
            if now != c {
                heap.push(Reverse((now, victim)));
                continue;
            }
            let stats = KeyStats {
                count: c,
                error: c,
                ..KeyStats::default()
            };
            self.keys.replace(victim, key, stats);
            self.timelines.remove(&victim);
            // The newcomer's count once this hit is counted.
            heap.push(Reverse((c + 1, victim)));
            return victim;
        }
        // Unreachable with max_keys >= 1 (the heap holds every tracked key); start anew.
        self.keys.insert(key, KeyStats::default())
    }

    fn note_write(&mut self, key: &[u8], ts: u64, client: u32) {
        let window = self.stampede_window_us;
        let b = match self.bursts.get_mut(key) {
            Some(b) => b,
            None => {
                if self.bursts.len() >= self.max_keys {
                    return;
                }
                self.bursts.entry(key.into()).or_default()
            }
        };
        if b.writes == 0 || ts.saturating_sub(b.window_start_us) > window {
            b.window_start_us = ts;
            b.writes = 0;
            b.writers.clear();
        }
        b.writes += 1;
        if !b.writers.contains(&client) && b.writers.len() < 4096 {
            b.writers.push(client);
        }
        let now = (b.writes, b.writers.len() as u32, b.window_start_us);
        if (now.1, now.0) > (b.best.1, b.best.0) {
            b.best = now;
        }
    }
}

/// Key accesses in batches, to the thread owning each key (by hash).
struct Router {
    hasher: ahash::RandomState,
    batches: Vec<Batch>,
    senders: Vec<std::sync::mpsc::SyncSender<Batch>>,
    /// Emptied batches coming back, to be filled again (no allocation per batch).
    spare: std::sync::mpsc::Receiver<Batch>,
    workers: Vec<std::thread::JoinHandle<KeyShard>>,
}

/// Accesses for one shard: keys end to end in `keys`, each hit with its key's end.
#[derive(Default)]
struct Batch {
    keys: Vec<u8>,
    hits: Vec<(u32, Hit)>,
}

const BATCH_HITS: usize = 4096;

impl Router {
    fn start(cfg: &TrafficConfig, n: usize) -> Option<Router> {
        let per_shard = cfg.max_keys.div_ceil(n);
        let mut senders = Vec::new();
        let mut workers = Vec::new();
        let (spare_tx, spare) = std::sync::mpsc::channel::<Batch>();
        for i in 0..n {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Batch>(8);
            let mut shard = KeyShard::new(cfg, per_shard);
            let spare_tx = spare_tx.clone();
            let worker = std::thread::Builder::new()
                .name(format!("keys-{i}"))
                .spawn(move || {
                    for mut b in rx {
                        let mut start = 0usize;
                        for (end, h) in &b.hits {
                            let end = *end as usize;
                            shard.hit(&b.keys[start..end], h);
                            start = end;
                        }
                        b.keys.clear();
                        b.hits.clear();
                        let _ = spare_tx.send(b);
                    }
                    shard
                })
                .ok()?;
            senders.push(tx);
            workers.push(worker);
        }
        Some(Router {
            // Not the key table's seeds: a shard's keys must still spread over its table.
            hasher: ahash::RandomState::with_seeds(0x0dd, 0x5a1e, 0x7ab1e, 0xf00d),
            batches: (0..n).map(|_| Batch::default()).collect(),
            senders,
            spare,
            workers,
        })
    }

    fn route(&mut self, key: &[u8], hit: Hit) {
        let i = (self.hasher.hash_one(key) % self.batches.len() as u64) as usize;
        let b = &mut self.batches[i];
        b.keys.extend_from_slice(key);
        b.hits.push((b.keys.len() as u32, hit));
        if b.hits.len() >= BATCH_HITS || b.keys.len() >= u32::MAX as usize / 2 {
            let next = self.spare.try_recv().unwrap_or_default();
            let full = std::mem::replace(b, next);
            // A worker that is gone (it panicked) loses its keys; finish() says nothing
            // more can be done about it.
            let _ = self.senders[i].send(full);
        }
    }

    /// Sends what is left, waits for the workers, and returns their shards.
    fn finish(mut self) -> Vec<KeyShard> {
        for (b, tx) in self.batches.drain(..).zip(&self.senders) {
            if !b.hits.is_empty() {
                let _ = tx.send(b);
            }
        }
        drop(self.senders);
        self.workers
            .into_iter()
            .filter_map(|w| w.join().ok())
            .collect()
    }
}

pub(crate) struct Traffic {
    cfg: TrafficConfig,
    table: &'static CommandTable,
    pub(crate) events: u64,
    pub(crate) first_us: Option<u64>,
    pub(crate) last_us: u64,
    /// Events per relative second.
    pub(crate) per_second: Vec<u64>,
    cmd_ids: AHashMap<Vec<u8>, u16>,
    cmds: Vec<CommandInfo>,
    client_ids: AHashMap<Box<[u8]>, u32>,
    pub(crate) client_names: Vec<Box<[u8]>>,
    pub(crate) client_counts: Vec<u64>,
    /// Events from clients past `max_clients`.
    pub(crate) other_clients: u64,
    /// The per-key counts (all of them once [`Traffic::finish`] has merged the shards).
    pub(crate) shard: KeyShard,
    /// When counting in parallel: where key accesses go instead of `shard`.
    router: Option<Router>,
    /// Commands not in the key table, counted by their first argument.
    pub(crate) unknown_cmds: BTreeMap<String, u64>,
    /// Absolute expiry second bucket → number of TTLs set landing in it.
    pub(crate) expiry_buckets: BTreeMap<u64, u64>,
    pub(crate) ttls_set: u64,
    keybuf: Vec<(usize, Access)>,
}

/// Lowercases a command name into `buf` (names longer than the buffer are cut; none is).
fn lower<'b>(name: &[u8], buf: &'b mut [u8; 48]) -> &'b [u8] {
    let n = name.len().min(buf.len());
    for (d, s) in buf.iter_mut().zip(&name[..n]) {
        *d = s.to_ascii_lowercase();
    }
    &buf[..n]
}

fn ttl_kind(name: &[u8]) -> TtlKind {
    match name {
        b"set" | b"getex" => TtlKind::Options,
        b"setex" | b"expire" => TtlKind::Seconds,
        b"psetex" | b"pexpire" => TtlKind::Millis,
        b"expireat" => TtlKind::AtSeconds,
        b"pexpireat" => TtlKind::AtMillis,
        _ => TtlKind::None,
    }
}

fn num(b: &[u8]) -> Option<u64> {
    std::str::from_utf8(b).ok()?.parse().ok()
}

impl Traffic {
    pub(crate) fn new(cfg: TrafficConfig) -> Self {
        Traffic {
            table: cfg.table,
            shard: KeyShard::new(&cfg, cfg.max_keys),
            cfg,
            events: 0,
            first_us: None,
            last_us: 0,
            per_second: Vec::new(),
            cmd_ids: AHashMap::new(),
            cmds: Vec::new(),
            client_ids: AHashMap::new(),
            client_names: Vec::new(),
            client_counts: Vec::new(),
            other_clients: 0,
            router: None,
            unknown_cmds: BTreeMap::new(),
            expiry_buckets: BTreeMap::new(),
            ttls_set: 0,
            keybuf: Vec::with_capacity(8),
        }
    }

    /// A count whose key table is split over `threads` threads (keys routed by hash, so
    /// each key is counted by one thread, in order). Call [`Traffic::finish`] before
    /// reading the result. Falls back to one thread when threads cannot be started.
    pub(crate) fn parallel(cfg: TrafficConfig, threads: usize) -> Self {
        let router = (threads > 1)
            .then(|| Router::start(&cfg, threads))
            .flatten();
        let mut t = Traffic::new(cfg);
        t.router = router;
        t
    }

    /// Merges the threads' shards into `shard` (nothing to do for a sequential count).
    pub(crate) fn finish(&mut self) {
        if let Some(r) = self.router.take() {
            let mut shards = r.finish();
            // The biggest shard is the base; the others move in page by page.
            shards.sort_by_key(|s| std::cmp::Reverse(s.keys.len()));
            let mut shards = shards.into_iter();
            if let Some(base) = shards.next() {
                self.shard = base;
            }
            for s in shards {
                self.shard.absorb(s);
            }
        }
    }

    pub(crate) fn expiry_bucket_secs(&self) -> u64 {
        self.cfg.expiry_bucket_secs.max(1)
    }

    pub(crate) fn max_keys(&self) -> usize {
        self.cfg.max_keys
    }

    /// True once the key table turned into a Space-Saving top-k.
    pub(crate) fn approximate(&self) -> bool {
        self.shard.overflowed()
    }

    pub(crate) fn command_name(&self, id: u16) -> &[u8] {
        &self.cmds[id as usize].name
    }

    /// (name, count) for every command seen.
    pub(crate) fn command_counts(&self) -> impl Iterator<Item = (&[u8], u64)> {
        self.cmds.iter().map(|c| (c.name.as_slice(), c.count))
    }

    fn command_id(&mut self, name: &[u8]) -> u16 {
        let mut buf = [0u8; 48];
        let lname = lower(name, &mut buf);
        if let Some(id) = self.cmd_ids.get(lname) {
            return *id;
        }
        let id = u16::try_from(self.cmds.len()).unwrap_or(u16::MAX);
        if id == u16::MAX {
            // 65k distinct command names: junk input; lump the rest together.
            return id - 1;
        }
        self.cmds.push(CommandInfo {
            name: lname.to_vec(),
            spec: self.table.lookup(lname),
            ttl: ttl_kind(lname),
            count: 0,
        });
        self.cmd_ids.insert(lname.to_vec(), id);
        id
    }

    fn client_id(&mut self, client: &[u8]) -> Option<u32> {
        if let Some(id) = self.client_ids.get(client) {
            return Some(*id);
        }
        if self.client_names.len() >= self.cfg.max_clients {
            return None;
        }
        let id = self.client_names.len() as u32;
        self.client_ids.insert(client.into(), id);
        self.client_names.push(client.into());
        self.client_counts.push(0);
        Some(id)
    }

    /// Counts one event from node `node` (0 for a single source).
    pub(crate) fn add(&mut self, ev: &Event<'_>, node: u16) {
        let Some(name) = ev.args.first() else {
            return;
        };
        self.events += 1;
        let first = *self.first_us.get_or_insert(ev.ts_us);
        self.last_us = self.last_us.max(ev.ts_us);
        let sec = (ev.ts_us / 1_000_000)
            .saturating_sub(first / 1_000_000)
            .min(u64::from(u32::MAX - 1)) as u32;
        let si = sec as usize;
        if si >= self.per_second.len() {
            self.per_second.resize(si + 1, 0);
        }
        self.per_second[si] += 1;

        let cmd = self.command_id(name);
        let client = match self.client_id(ev.client) {
            Some(id) => {
                self.client_counts[id as usize] += 1;
                id
            }
            None => {
                self.other_clients += 1;
                u32::MAX
            }
        };
        let info = &mut self.cmds[cmd as usize];
        info.count += 1;
        let ttl = info.ttl;
        let mut keys = std::mem::take(&mut self.keybuf);
        keys.clear();
        if !keys_or_first_arg(self.table, info.spec, &info.name, &ev.args, &mut keys) {
            let label = String::from_utf8_lossy(&info.name).into_owned();
            *self.unknown_cmds.entry(label).or_default() += 1;
        }
        for &(pos, access) in &keys {
            let key: &[u8] = &ev.args[pos];
            let hit = Hit {
                sec,
                access,
                cmd,
                client,
                node,
                ts_us: ev.ts_us,
            };
            match &mut self.router {
                Some(r) => r.route(key, hit),
                None => self.shard.hit(key, &hit),
            }
        }
        if ttl != TtlKind::None && !keys.is_empty() {
            self.note_ttl(ev, ttl);
        }
        self.keybuf = keys;
    }

    fn note_ttl(&mut self, ev: &Event<'_>, kind: TtlKind) {
        let a = &ev.args;
        let now_ms = ev.ts_us / 1000;
        let arg = |i: usize| a.get(i).and_then(|x| num(x));
        let at_ms = match kind {
            TtlKind::Seconds => arg(2).map(|s| now_ms + s * 1000),
            TtlKind::Millis => arg(2).map(|ms| now_ms + ms),
            TtlKind::AtSeconds => arg(2).map(|s| s * 1000),
            TtlKind::AtMillis => arg(2),
            TtlKind::Options => {
                let mut found = None;
                for (i, opt) in a.iter().enumerate().skip(2) {
                    let opt = opt.to_ascii_lowercase();
                    let v = arg(i + 1);
                    found = match opt.as_slice() {
                        b"ex" => v.map(|s| now_ms + s * 1000),
                        b"px" => v.map(|ms| now_ms + ms),
                        b"exat" => v.map(|s| s * 1000),
                        b"pxat" => v,
                        _ => continue,
                    };
                    break;
                }
                found
            }
            TtlKind::None => None,
        };
        if let Some(ms) = at_ms {
            let bucket = self.cfg.expiry_bucket_secs.max(1);
            *self
                .expiry_buckets
                .entry(ms / 1000 / bucket * bucket)
                .or_default() += 1;
            self.ttls_set += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::monitor::parse_line;

    fn feed(t: &mut Traffic, lines: &[&str]) {
        for l in lines {
            t.add(&parse_line(l.as_bytes()).unwrap(), 0);
        }
    }

    #[test]
    fn counts_keys_commands_clients() {
        let mut t = Traffic::new(TrafficConfig::default());
        feed(
            &mut t,
            &[
                r#"100.000001 [0 1.1.1.1:1] "GET" "a""#,
                r#"100.100000 [0 1.1.1.1:1] "get" "a""#,
                r#"100.200000 [0 2.2.2.2:2] "MGET" "a" "b""#,
                r#"101.000000 [0 2.2.2.2:2] "SET" "b" "v" "EX" "60""#,
                r#"101.500000 [0 lua] "JSON.GET" "doc" "$""#,
            ],
        );
        assert_eq!(t.events, 5);
        let a = t.shard.keys.get(b"a").unwrap();
        assert_eq!((a.count, a.reads, a.writes), (3, 3, 0));
        assert_eq!((a.peak_sec, a.peak_n), (0, 3));
        assert_eq!(t.command_name(a.dominant_cmd().unwrap()), b"get");
        assert_eq!(a.distinct_clients(), (2, true));
        assert_eq!(t.shard.keys.get(b"b").unwrap().writes, 1);
        assert_eq!(
            t.shard.keys.get(b"doc").unwrap().count,
            1,
            "unknown command: first argument"
        );
        assert_eq!(t.unknown_cmds["json.get"], 1);
        assert_eq!(t.per_second, vec![3, 2]);
        assert_eq!(t.ttls_set, 1);
        assert_eq!(t.expiry_buckets.keys().next(), Some(&160));
    }

    #[test]
    fn space_saving_keeps_heavy_hitters_with_error_bounds() {
        let mut t = Traffic::new(TrafficConfig {
            max_keys: 10,
            ..TrafficConfig::default()
        });
        let mut lines = Vec::new();
        for i in 0..1000 {
            lines.push(format!(r#"100.{:06} [0 1.1.1.1:1] "GET" "hot""#, i));
            lines.push(format!(r#"100.{:06} [0 1.1.1.1:1] "GET" "cold:{i}""#, i));
        }
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        feed(&mut t, &refs);
        assert!(t.approximate());
        assert!(t.shard.keys.len() <= 10);
        let hot = t.shard.keys.get(b"hot").unwrap();
        assert!(
            hot.count >= 1000 && hot.count - hot.error <= 1000,
            "{hot:?}"
        );
    }

    /// Every key's stats, timeline and burst, in key order: what a report can see.
    type Seen = Vec<(
        Vec<u8>,
        u64,
        u64,
        u64,
        u32,
        u32,
        u64,
        Option<Vec<(u32, u32)>>,
    )>;

    /// Every write burst's best window, in key order.
    type Bursts = Vec<(Vec<u8>, (u32, u32, u64))>;

    fn seen(t: &Traffic) -> (Seen, Bursts) {
        let s = &t.shard;
        let mut keys: Seen = s
            .keys
            .iter()
            .map(|(i, k, v)| {
                (
                    k.to_vec(),
                    v.count,
                    v.reads,
                    v.writes,
                    v.peak_n,
                    v.peak_sec,
                    v.distinct_clients().0,
                    s.timelines.get(&i).cloned(),
                )
            })
            .collect();
        keys.sort();
        let mut bursts: Vec<_> = s.bursts.iter().map(|(k, b)| (k.to_vec(), b.best)).collect();
        bursts.sort();
        (keys, bursts)
    }

    #[test]
    fn parallel_counting_equals_sequential() {
        let mut lines = Vec::new();
        for i in 0..20_000u32 {
            let k = i * 7919 % 1500;
            let (sec, us) = (100 + i / 2000, i % 1_000_000);
            lines.push(match i % 5 {
                0 => format!(r#"{sec}.{us:06} [0 10.0.0.{}:1] "SET" "k:{k}" "v""#, i % 30),
                1 => format!(
                    r#"{sec}.{us:06} [0 1.1.1.1:1] "MGET" "k:{k}" "k:{}""#,
                    k + 1
                ),
                _ => format!(r#"{sec}.{us:06} [0 1.1.1.{}:1] "GET" "k:{k}""#, i % 7),
            });
        }
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let cfg = || TrafficConfig {
            timeline: true,
            ..TrafficConfig::default()
        };
        let mut one = Traffic::new(cfg());
        feed(&mut one, &refs);
        for threads in [2, 3, 4] {
            let mut many = Traffic::parallel(cfg(), threads);
            feed(&mut many, &refs);
            many.finish();
            assert_eq!(seen(&one), seen(&many), "{threads} threads");
            assert_eq!(one.events, many.events);
            assert_eq!(one.per_second, many.per_second);
            assert!(!many.approximate());
        }
        // Past max_keys each thread keeps a Space-Saving share; the bounds still hold.
        let mut small = Traffic::parallel(
            TrafficConfig {
                max_keys: 100,
                ..TrafficConfig::default()
            },
            2,
        );
        feed(&mut small, &refs);
        small.finish();
        assert!(small.approximate());
        assert!(small.shard.keys.len() <= 100);
        let (exact, _) = seen(&one);
        for (_, k, s) in small.shard.keys.iter() {
            let truth = exact.iter().find(|e| e.0 == k).map_or(0, |e| e.1);
            assert!(s.count >= truth && s.count - s.error <= truth, "{k:?}");
        }
    }

    #[test]
    fn write_bursts_by_distinct_clients() {
        let mut t = Traffic::new(TrafficConfig::default());
        let mut lines = Vec::new();
        for i in 0..20 {
            lines.push(format!(
                r#"100.{:06} [0 10.0.0.{i}:1] "SET" "k" "v""#,
                i * 1000
            ));
        }
        lines.push(r#"105.000000 [0 10.0.0.1:1] "SET" "k" "v""#.to_string());
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        feed(&mut t, &refs);
        assert_eq!(t.shard.bursts[&b"k"[..]].best.0, 20);
        assert_eq!(t.shard.bursts[&b"k"[..]].best.1, 20);
    }

    #[test]
    fn distinct_client_estimates_stay_close() {
        for n in [3u32, 10, 50, 200, 500, 1000] {
            let mut k = KeyStats::default();
            for c in 0..n {
                k.hit(0, Access::Read, 0, c, 0);
            }
            let (est, exact) = k.distinct_clients();
            assert_eq!(exact, n <= 4);
            let err = (est as f64 - f64::from(n)).abs() / f64::from(n);
            assert!(err <= 0.15, "{n} clients estimated as {est}");
        }
    }
}
