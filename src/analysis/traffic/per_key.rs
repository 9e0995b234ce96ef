//! The per-key part of a traffic count: every key's [`AccessStats`] in a
//! [`PagedKeyMap`], exact up to `max_keys` keys and then Space-Saving (a new key takes the
//! place of the least counted one and inherits its count as its error bound); per-key
//! timelines (`--timeline`); write bursts, the stampede signature; and, once the table
//! overflowed, a sketch of every distinct key seen ([`DistinctKeys`]). A sequential count
//! has one; a parallel count has one per counting thread, merged at the end. Pure: no
//! I/O, no threads (the router owns those).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use ahash::AHashMap;

use super::access_stats::AccessStats;
use super::distinct::DistinctKeys;
use super::TrafficConfig;
use crate::analysis::paged_keys::PagedKeyMap;
use crate::parse::keyspec::Access;

/// (count, entry index) pairs, least counted on top.
type MinHeap = BinaryHeap<Reverse<(u64, u32)>>;

/// Writers remembered per burst window (more are counted as writes, not as writers).
const MAX_WRITERS: usize = 4096;

/// One key access, as the counts that own the key get it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Hit {
    pub(super) sec: u32,
    pub(super) access: Access,
    pub(super) cmd: u16,
    pub(super) client: u32,
    pub(super) node: u16,
    pub(super) ts_us: u64,
}

/// A burst of overwrites (cache fills) on one key: the stampede (breakdown) signature.
#[derive(Debug, Clone, Default)]
pub(crate) struct WriteBurst {
    window_start_us: u64,
    writes: u32,
    writers: Vec<u32>,
    /// Largest burst seen: (writes, distinct writers, start µs).
    pub(crate) best: (u32, u32, u64),
}

/// The per-key counts of the keys one counter owns (all keys, for a sequential count).
pub(crate) struct PerKeyCounts {
    max_keys: usize,
    timeline: bool,
    stampede_window_us: u64,
    pub(crate) stats: PagedKeyMap<AccessStats>,
    /// Per-key (relative second, count) runs by entry index, with `--timeline`.
    pub(crate) timelines: AHashMap<u32, Vec<(u32, u32)>>,
    /// Present once the key table overflowed: (count, key) min-heap, lazily refreshed.
    overflow: Option<MinHeap>,
    /// A merged table that had overflowed.
    overflowed: bool,
    /// Every distinct key seen, once the table no longer holds them all (None: the table
    /// is the exact set).
    seen: Option<DistinctKeys>,
    pub(crate) bursts: AHashMap<Box<[u8]>, WriteBurst>,
}

impl PerKeyCounts {
    pub(super) fn new(cfg: &TrafficConfig, max_keys: usize) -> Self {
        PerKeyCounts {
            max_keys: max_keys.max(1),
            timeline: cfg.timeline,
            stampede_window_us: cfg.stampede_window_us,
            stats: PagedKeyMap::new(),
            timelines: AHashMap::new(),
            overflow: None,
            overflowed: false,
            seen: None,
            bursts: AHashMap::new(),
        }
    }

    /// Distinct keys seen, and whether that is exact: the table's size until it
    /// overflowed, then the sketch's estimate (never below the keys still tracked).
    pub(crate) fn distinct_keys(&self) -> (u64, bool) {
        let tracked = self.stats.len() as u64;
        match &self.seen {
            None => (tracked, true),
            Some(s) => ((s.estimate().round() as u64).max(tracked), false),
        }
    }

    /// The sketch of the keys seen, started from the keys the table holds.
    fn seen_mut(&mut self) -> &mut DistinctKeys {
        let stats = &self.stats;
        self.seen.get_or_insert_with(|| {
            let mut d = DistinctKeys::new();
            for (_, k, _) in stats.iter() {
                d.add(k);
            }
            d
        })
    }

    /// True once the key table turned into a Space-Saving top-k.
    pub(super) fn overflowed(&self) -> bool {
        self.overflowed || self.overflow.is_some()
    }

    /// Takes in counts whose keys are all new here (counting threads never share a key).
    pub(super) fn absorb(&mut self, other: PerKeyCounts) {
        // Once either side counted more keys than it holds, the total is a sketch: of
        // this side's keys (or its sketch) and the other's.
        if self.seen.is_some() || other.seen.is_some() {
            let mine = self.seen_mut();
            match &other.seen {
                Some(theirs) => mine.merge(theirs),
                None => {
                    for (_, k, _) in other.stats.iter() {
                        mine.add(k);
                    }
                }
            }
        }
        let PerKeyCounts {
            stats,
            mut timelines,
            bursts,
            ..
        } = other;
        self.overflowed |= other.overflow.is_some() || other.overflowed;
        for (idx, key, s) in stats.into_entries() {
            let at = self.stats.insert_owned(key, s);
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
    pub(super) fn hit(&mut self, key: &[u8], h: &Hit) {
        let idx = match self.stats.find(key) {
            Some(idx) => idx,
            None => self.admit(key),
        };
        self.stats
            .value_mut(idx)
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
        if self.stats.len() < self.max_keys {
            return self.stats.insert(key, AccessStats::default());
        }
        // A key the table does not hold: new, or evicted before. Either way the sketch
        // of distinct keys notes it (keys in the table are in it already).
        self.seen_mut().add(key);
        let stats = &self.stats;
        let heap = self.overflow.get_or_insert_with(|| {
            stats
                .iter()
                .map(|(i, _, s)| Reverse((s.count, i)))
                .collect()
        });
        while let Some(Reverse((c, victim))) = heap.pop() {
            let now = self.stats.value(victim).count;
            if now != c {
                heap.push(Reverse((now, victim)));
                continue;
            }
            self.stats.replace(victim, key, AccessStats::inheriting(c));
            self.timelines.remove(&victim);
            // The newcomer's count once this hit is counted.
            heap.push(Reverse((c + 1, victim)));
            return victim;
        }
        // Unreachable with max_keys >= 1 (the heap holds every tracked key); start anew.
        self.stats.insert(key, AccessStats::default())
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
        if !b.writers.contains(&client) && b.writers.len() < MAX_WRITERS {
            b.writers.push(client);
        }
        let now = (b.writes, b.writers.len() as u32, b.window_start_us);
        if (now.1, now.0) > (b.best.1, b.best.0) {
            b.best = now;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{feed, Traffic};
    use super::*;

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
        assert!(t.per_key.stats.len() <= 10);
        let hot = t.per_key.stats.get(b"hot").unwrap();
        assert!(
            hot.count >= 1000 && hot.count - hot.error <= 1000,
            "{hot:?}"
        );
        // Distinct keys: all 1001 seen, not the 10 the table holds.
        let (n, exact) = t.per_key.distinct_keys();
        assert!(!exact);
        assert!(
            (970..=1030).contains(&n),
            "1001 distinct keys estimated as {n}"
        );
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
        assert_eq!(t.per_key.bursts[&b"k"[..]].best.0, 20);
        assert_eq!(t.per_key.bursts[&b"k"[..]].best.1, 20);
    }
}
