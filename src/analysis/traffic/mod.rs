//! Counting a stream of MONITOR events into [`Traffic`]: events, commands, clients and
//! seconds here; each key access goes to the per-key counts ([`per_key`], one table, or
//! one per counting thread through the [`router`]), and TTL-setting commands to the
//! expiry wave ([`expiry_wave`]). Pure: events in, counts out; no I/O, no clock.
//!
//! Memory is bounded: keys are counted exactly up to `max_keys` distinct keys, then the
//! table turns into a Space-Saving top-k of that size (a new key replaces the least
//! counted one and inherits its count as its error bound) and the number of distinct
//! keys becomes an estimate ([`distinct`]). Clients are capped likewise.

mod access_stats;
mod distinct;
mod expiry_wave;
mod per_key;
mod router;

use std::collections::BTreeMap;

use ahash::AHashMap;

pub(crate) use access_stats::{AccessStats, CLIENTS_SATURATED};
use expiry_wave::{ttl_kind, TtlKind};
use per_key::Hit;
pub(crate) use per_key::{PerKeyCounts, WriteBurst};
use router::Router;

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

struct CommandInfo {
    name: Vec<u8>,
    spec: Option<&'static CommandSpec>,
    ttl: TtlKind,
    count: u64,
}

pub(crate) struct Traffic {
    cfg: TrafficConfig,
    table: &'static CommandTable,
    pub(crate) events: u64,
    /// The first event's time: second 0 of `per_second`.
    pub(crate) first_us: Option<u64>,
    /// The earliest and the latest event's time (events from several nodes interleave).
    pub(crate) earliest_us: u64,
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
    /// The per-key counts (all of them once [`Traffic::finish`] has merged the threads').
    pub(crate) per_key: PerKeyCounts,
    /// When counting in parallel: where key accesses go instead of `per_key`.
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

impl Traffic {
    pub(crate) fn new(cfg: TrafficConfig) -> Self {
        Traffic {
            table: cfg.table,
            per_key: PerKeyCounts::new(&cfg, cfg.max_keys),
            cfg,
            events: 0,
            first_us: None,
            earliest_us: u64::MAX,
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

    /// Merges the threads' counts into `per_key` (nothing to do for a sequential count).
    pub(crate) fn finish(&mut self) {
        if let Some(r) = self.router.take() {
            let mut parts = r.finish();
            // The biggest table is the base; the others move in page by page.
            parts.sort_by_key(|p| std::cmp::Reverse(p.stats.len()));
            let mut parts = parts.into_iter();
            if let Some(base) = parts.next() {
                self.per_key = base;
            }
            for p in parts {
                self.per_key.absorb(p);
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
        self.per_key.overflowed()
    }

    /// Distinct keys seen (after [`Traffic::finish`]), and whether the number is exact.
    pub(crate) fn distinct_keys(&self) -> (u64, bool) {
        self.per_key.distinct_keys()
    }

    /// Microseconds from the earliest event to the latest (0 for none or one).
    pub(crate) fn span_us(&self) -> u64 {
        match self.first_us {
            Some(_) => self.last_us.saturating_sub(self.earliest_us),
            None => 0,
        }
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
        self.earliest_us = self.earliest_us.min(ev.ts_us);
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
                None => self.per_key.hit(key, &hit),
            }
        }
        if ttl != TtlKind::None && !keys.is_empty() {
            self.note_ttl(ev, ttl);
        }
        self.keybuf = keys;
    }
}

/// Counts MONITOR lines, for the tests of this module and its parts.
#[cfg(test)]
fn feed(t: &mut Traffic, lines: &[&str]) {
    for l in lines {
        t.add(&crate::parse::monitor::parse_line(l.as_bytes()).unwrap(), 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let a = t.per_key.stats.get(b"a").unwrap();
        assert_eq!((a.count, a.reads, a.writes), (3, 3, 0));
        assert_eq!((a.peak_sec, a.peak_n), (0, 3));
        assert_eq!(t.command_name(a.dominant_cmd().unwrap()), b"get");
        assert_eq!(a.distinct_clients(), (2, true));
        assert_eq!(t.per_key.stats.get(b"b").unwrap().writes, 1);
        assert_eq!(
            t.per_key.stats.get(b"doc").unwrap().count,
            1,
            "unknown command: first argument"
        );
        assert_eq!(t.unknown_cmds["json.get"], 1);
        assert_eq!(t.per_second, vec![3, 2]);
        assert_eq!(t.ttls_set, 1);
        assert_eq!(t.expiry_buckets.keys().next(), Some(&160));
    }
}
