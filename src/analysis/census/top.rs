//! The N largest items by a weight, kept in a min-heap of N (earlier items win ties).
//! Pure data structure: it knows nothing of keys or scans.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

/// The N largest by a weight, smallest on top of a min-heap.
pub(super) struct Top<T> {
    n: usize,
    heap: BinaryHeap<Reverse<(u64, u64, Unordered<T>)>>,
    seq: u64,
}

/// An item that takes no part in ordering: the heap orders by weight and sequence only.
struct Unordered<T>(T);
impl<T> PartialEq for Unordered<T> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
impl<T> Eq for Unordered<T> {}
impl<T> PartialOrd for Unordered<T> {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl<T> Ord for Unordered<T> {
    fn cmp(&self, _: &Self) -> Ordering {
        Ordering::Equal
    }
}

impl<T> Top<T> {
    pub(super) fn new(n: usize) -> Self {
        Top {
            n,
            heap: BinaryHeap::new(),
            seq: 0,
        }
    }

    /// Would `w` enter the list?
    fn wants(&self, w: u64) -> bool {
        self.n > 0 && (self.heap.len() < self.n || self.heap.peek().is_some_and(|m| m.0 .0 < w))
    }

    /// Offers an item of weight `w`; `item` is only made when it enters the list.
    pub(super) fn offer(&mut self, w: u64, item: impl FnOnce() -> T) {
        if !self.wants(w) {
            return;
        }
        // Earlier items win ties: a later sequence number sorts as smaller.
        self.seq += 1;
        self.heap
            .push(Reverse((w, u64::MAX - self.seq, Unordered(item()))));
        if self.heap.len() > self.n {
            self.heap.pop();
        }
    }

    /// Largest first.
    pub(super) fn sorted(&self) -> Vec<&T> {
        let mut v: Vec<_> = self.heap.iter().map(|r| &r.0).collect();
        v.sort_by_key(|e| Reverse((e.0, e.1)));
        v.into_iter().map(|(_, _, k)| &k.0).collect()
    }
}
