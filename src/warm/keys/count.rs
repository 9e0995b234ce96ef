//! The key counter every source feeds: exact while it holds fewer than its bound, then
//! Space-Saving (a new key takes the place of the least counted one and inherits its
//! count), so `--top N` over a 10M-key log stays within a fixed table. Pure.
//!
//! What a key costs: an entry of the [`PagedKeyMap`] (hash 8 B + boxed key 16 B + count
//! 8 B = 32 B), the key's bytes in their own allocation (glibc: the length plus 8, rounded
//! up to 16, at least 32 B) and about 6 B of hash index: roughly 38 B plus the key's
//! allocation, 70 B for keys of up to 24 bytes; 16 B more in the eviction heap once a
//! bounded table is full. Without `--top` every distinct key is kept; ranking them moves
//! each entry into a 32 B array entry while the table's pages are freed one by one
//! ([`PAGE_BITS`]: pages of 32 MiB, given back to the system as they are freed). With
//! `--top N` at most [`bound`]`(N)` are kept.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::analysis::paged_keys::PagedKeyMap;

/// The table's pages: 2^20 entries of 32 B, 32 MiB, each a mapping of its own (see
/// [`PagedKeyMap`]), so ranking every key does not hold the table and the ranked array at
/// once.
const PAGE_BITS: u32 = 20;

/// Keys held for `--top N`: ten times N (Space-Saving's counts are close for keys well
/// above the N-th), and never fewer than 100k (cheap, and exact for most inputs).
pub(crate) fn bound(top: usize) -> usize {
    top.saturating_mul(10).max(100_000)
}

/// Key bytes → count, bounded by `max_keys` (None: every key kept).
pub(crate) struct KeyCounts {
    max_keys: Option<usize>,
    table: PagedKeyMap<u64, PAGE_BITS>,
    /// (count, entry index), least counted on top; built when the table first overflows
    /// and refreshed lazily (an entry's count only grows).
    heap: Option<BinaryHeap<Reverse<(u64, u32)>>>,
}

impl KeyCounts {
    pub(crate) fn new(max_keys: Option<usize>) -> Self {
        KeyCounts {
            max_keys: max_keys.map(|m| m.max(1)),
            table: PagedKeyMap::new(),
            heap: None,
        }
    }

    /// Counts `key` `weight` times.
    pub(crate) fn add(&mut self, key: &[u8], weight: u64) {
        if let Some(idx) = self.table.find(key) {
            let c = self.table.value_mut(idx);
            *c = c.saturating_add(weight);
            return;
        }
        match self.max_keys {
            Some(max) if self.table.len() >= max => self.evict_for(key, weight),
            _ => {
                self.table.insert(key, weight);
            }
        }
    }

    /// Space-Saving: `key` replaces the least counted entry and inherits its count.
    fn evict_for(&mut self, key: &[u8], weight: u64) {
        let table = &self.table;
        let heap = self
            .heap
            .get_or_insert_with(|| table.iter().map(|(i, _, &c)| Reverse((c, i))).collect());
        while let Some(Reverse((c, victim))) = heap.pop() {
            let now = *self.table.value(victim);
            if now != c {
                heap.push(Reverse((now, victim)));
                continue;
            }
            let count = c.saturating_add(weight);
            self.table.replace(victim, key, count);
            heap.push(Reverse((count, victim)));
            return;
        }
        // Unreachable with max_keys >= 1 (the heap holds every entry).
        self.table.insert(key, weight);
    }

    /// True once keys were evicted: counts are then upper bounds, and the keys held are
    /// the heavy ones, not all of them.
    pub(crate) fn approximate(&self) -> bool {
        self.heap.is_some()
    }

    /// Keys held.
    pub(crate) fn len(&self) -> usize {
        self.table.len()
    }

    /// Every key held, hottest first, ties by key bytes (the same input gives the same
    /// order), at most `top` of them.
    pub(crate) fn ranked(self, top: Option<usize>) -> Vec<(Vec<u8>, u64)> {
        // The eviction heap is freed before the ranked array is built.
        let KeyCounts { table, heap, .. } = self;
        drop(heap);
        let mut v: Vec<(Vec<u8>, u64)> = Vec::with_capacity(table.len());
        v.extend(table.into_entries().map(|(_, k, c)| (k.into_vec(), c)));
        v.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        if let Some(n) = top {
            v.truncate(n);
            v.shrink_to_fit();
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_until_the_bound_then_heavy_keys_survive() {
        let mut k = KeyCounts::new(Some(10));
        for i in 0..1000u32 {
            k.add(format!("cold{i}").as_bytes(), 1);
            if i % 10 == 0 {
                k.add(b"hot", 3);
            }
        }
        assert!(k.approximate());
        assert_eq!(k.len(), 10);
        // Never the least counted, so never evicted: its count is exact.
        assert_eq!(k.ranked(Some(1)), vec![(b"hot".to_vec(), 300)]);
    }

    #[test]
    fn ties_are_ordered_by_key_and_weights_add() {
        let mut k = KeyCounts::new(None);
        k.add(b"b", 2);
        k.add(b"a", 1);
        k.add(b"a", 1);
        k.add(b"c", 5);
        assert!(!k.approximate());
        assert_eq!(
            k.ranked(None),
            vec![(b"c".to_vec(), 5), (b"a".to_vec(), 2), (b"b".to_vec(), 2)]
        );
        assert_eq!(bound(3), 100_000);
        assert_eq!(bound(50_000), 500_000);
    }
}
