//! The least work any hot-key counter must do on a MONITOR capture: find each line's
//! first key (the argument after the command) and count it in a hash table. No
//! unescaping, no key specs, no per-key statistics, no merge of the threads' tables, no
//! report. `scripts/bench/hotkeys.sh` times it beside `cachestorm hotkeys` as the floor
//! this machine allows.
//!
//!   cargo run --release --example hotkey_floor -- FILE [THREADS]

use std::time::Instant;

type Counts<'a> = hashbrown::HashMap<&'a [u8], u64, ahash::RandomState>;

fn count(data: &[u8]) -> Counts<'_> {
    let mut counts = Counts::default();
    for line in data.split(|&b| b == b'\n') {
        // 1700000000.000010 [0 10.1.3.163:41141] "GET" "cart:{3}:items"
        let mut quotes = memchr::memchr_iter(b'"', line);
        if let (Some(_), Some(_), Some(a), Some(b)) =
            (quotes.next(), quotes.next(), quotes.next(), quotes.next())
        {
            *counts.entry(&line[a + 1..b]).or_insert(0) += 1;
        }
    }
    counts
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: hotkey_floor FILE [THREADS]");
    let threads: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(1).max(1);
    let start = Instant::now();
    let data = std::fs::read(path)?;
    let mut cuts = vec![0];
    for i in 1..threads {
        let at = i * data.len() / threads;
        let next = memchr::memchr(b'\n', &data[at..]).map_or(data.len(), |p| at + p + 1);
        cuts.push(next.max(*cuts.last().unwrap_or(&0)));
    }
    cuts.push(data.len());
    let distinct: Vec<usize> = std::thread::scope(|s| {
        let handles: Vec<_> = cuts
            .windows(2)
            .map(|w| {
                let part = &data[w[0]..w[1]];
                s.spawn(move || count(part).len())
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or(0)).collect()
    });
    eprintln!(
        "{threads} thread(s): {:.2} s, distinct keys per thread {distinct:?}",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
