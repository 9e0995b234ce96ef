//! Parallel counting of a file: key accesses go, in batches, to the counting thread that
//! owns the key (by an ahash of the key), each thread keeping its own [`PerKeyCounts`] of
//! `max_keys / N`. Keys never span threads and each thread sees its keys' events in
//! order, so exact results equal the sequential count. The only threads in `analysis/`;
//! no I/O.

use std::sync::mpsc::{channel, sync_channel, Receiver, SyncSender};
use std::thread::JoinHandle;

use super::per_key::{Hit, PerKeyCounts};
use super::TrafficConfig;

/// Key accesses in batches, to the thread owning each key (by hash).
pub(super) struct Router {
    hasher: ahash::RandomState,
    batches: Vec<Batch>,
    senders: Vec<SyncSender<Batch>>,
    /// Emptied batches coming back, to be filled again (no allocation per batch).
    spare: Receiver<Batch>,
    workers: Vec<JoinHandle<PerKeyCounts>>,
}

/// Accesses for one thread: keys end to end in `keys`, each hit with its key's end.
#[derive(Default)]
struct Batch {
    keys: Vec<u8>,
    hits: Vec<(u32, Hit)>,
}

/// Hits per batch: large enough that channel traffic is noise next to counting.
const BATCH_HITS: usize = 4096;
/// Full batches that may wait for one thread before the reader blocks.
const QUEUED_BATCHES: usize = 8;

impl Router {
    /// Starts `n` counting threads; None when a thread cannot be started.
    pub(super) fn start(cfg: &TrafficConfig, n: usize) -> Option<Router> {
        let per_thread = cfg.max_keys.div_ceil(n);
        let mut senders = Vec::new();
        let mut workers = Vec::new();
        let (spare_tx, spare) = channel::<Batch>();
        for i in 0..n {
            let (tx, rx) = sync_channel::<Batch>(QUEUED_BATCHES);
            let mut counts = PerKeyCounts::new(cfg, per_thread);
            let spare_tx = spare_tx.clone();
            let worker = std::thread::Builder::new()
                .name(format!("keys-{i}"))
                .spawn(move || {
                    for mut b in rx {
                        let mut start = 0usize;
                        for (end, h) in &b.hits {
                            let end = *end as usize;
                            counts.hit(&b.keys[start..end], h);
                            start = end;
                        }
                        b.keys.clear();
                        b.hits.clear();
                        let _ = spare_tx.send(b);
                    }
                    counts
                })
                .ok()?;
            senders.push(tx);
            workers.push(worker);
        }
        Some(Router {
            // Not the key table's seeds: a thread's keys must still spread over its table.
            hasher: ahash::RandomState::with_seeds(0x0dd, 0x5a1e, 0x7ab1e, 0xf00d),
            batches: (0..n).map(|_| Batch::default()).collect(),
            senders,
            spare,
            workers,
        })
    }

    pub(super) fn route(&mut self, key: &[u8], hit: Hit) {
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

    /// Sends what is left, waits for the workers, and returns their counts.
    pub(super) fn finish(mut self) -> Vec<PerKeyCounts> {
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

#[cfg(test)]
mod tests {
    use super::super::{feed, Traffic};
    use super::*;

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
        let s = &t.per_key;
        let mut keys: Seen = s
            .stats
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
            assert_eq!(one.distinct_keys(), many.distinct_keys());
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
        assert!(small.per_key.stats.len() <= 100);
        // Distinct keys: the sketches of both threads, not the tables' sizes.
        let (all, exact) = one.distinct_keys();
        let (est, approx) = small.distinct_keys();
        assert!(exact && !approx);
        assert!(
            est.abs_diff(all) * 100 <= all * 3,
            "{all} keys estimated as {est}"
        );
        let (exact, _) = seen(&one);
        for (_, k, s) in small.per_key.stats.iter() {
            let truth = exact.iter().find(|e| e.0 == k).map_or(0, |e| e.1);
            assert!(s.count >= truth && s.count - s.error <= truth, "{k:?}");
        }
    }
}
