//! The recorder of the storm scenarios: one thread per node sends `INFO everything` every
//! second (on a shared schedule, so the nodes' samples line up) and appends one NDJSON line
//! per node per sample, the format `cachestorm detect --replay FILE` reads:
//!
//! ```text
//! {"t": 1764633600.123, "node": "127.0.0.1:7001", "info": "# Server\r\n...", "rtt_ms": 0.4}
//! {"t": 1764633601.123, "node": "127.0.0.1:7001", "error": "Connection refused (os error 111)"}
//! ```
//!
//! `t` is the unix time (seconds) the INFO was sent, `rtt_ms` its round trip. A failed
//! sample (refused, or no reply within 1 s) is an `error` line, and the next sample opens
//! a new connection. The connection is named `storm-recorder` (not `cachestorm`, so the
//! waits on a running cachestorm never mistake it for one).

use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub struct Recorder {
    stop: Arc<AtomicBool>,
    counts: Vec<Arc<AtomicU64>>,
    threads: Vec<JoinHandle<()>>,
}

pub fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs_f64()
}

impl Recorder {
    /// Starts sampling `nodes` ("127.0.0.1:PORT") into `path` (created or truncated).
    pub fn start(nodes: &[String], path: &Path) -> Self {
        let file = std::fs::File::create(path)
            .unwrap_or_else(|e| panic!("creating {}: {e}", path.display()));
        let out = Arc::new(Mutex::new(file));
        let stop = Arc::new(AtomicBool::new(false));
        let start = Instant::now();
        let mut counts = Vec::new();
        let threads = nodes
            .iter()
            .map(|node| {
                let count = Arc::new(AtomicU64::new(0));
                counts.push(count.clone());
                let (node, out, stop) = (node.clone(), out.clone(), stop.clone());
                std::thread::spawn(move || record(&node, start, &out, &stop, &count))
            })
            .collect();
        Recorder {
            stop,
            counts,
            threads,
        }
    }

    /// Samples written for every node so far (the least of the nodes' counts).
    pub fn rounds(&self) -> u64 {
        self.counts
            .iter()
            .map(|c| c.load(Ordering::Relaxed))
            .min()
            .unwrap_or(0)
    }

    /// Waits until every node has `n` samples in the file.
    pub fn wait_rounds(&self, n: u64) {
        super::wait_until(&format!("{n} recorded samples"), n + 20, || {
            self.rounds() >= n
        });
    }

    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.stop();
    }
}

fn record(
    node: &str,
    start: Instant,
    out: &Mutex<std::fs::File>,
    stop: &AtomicBool,
    count: &AtomicU64,
) {
    let mut con: Option<redis::Connection> = None;
    let mut k = 0u32;
    while !stop.load(Ordering::Relaxed) {
        let t = unix_now();
        let sent = Instant::now();
        let line = match sample(node, &mut con) {
            Ok(info) => {
                let rtt = sent.elapsed().as_secs_f64() * 1000.0;
                serde_json::json!({"t": t, "node": node, "info": info,
                    "rtt_ms": (rtt * 1000.0).round() / 1000.0})
            }
            Err(e) => {
                con = None;
                serde_json::json!({"t": t, "node": node, "error": e.to_string()})
            }
        };
        {
            let mut f = out.lock().expect("recording file lock");
            writeln!(f, "{line}").expect("writing the recording");
        }
        count.fetch_add(1, Ordering::Relaxed);
        k += 1;
        // The next tick of the shared schedule (ticks missed by a slow sample are skipped).
        let mut next = start + Duration::from_secs(k as u64);
        while next < Instant::now() {
            k += 1;
            next = start + Duration::from_secs(k as u64);
        }
        while Instant::now() < next && !stop.load(Ordering::Relaxed) {
            std::thread::sleep((next - Instant::now()).min(Duration::from_millis(20)));
        }
    }
}

fn sample(node: &str, con: &mut Option<redis::Connection>) -> redis::RedisResult<String> {
    if con.is_none() {
        let client = redis::Client::open(format!("redis://{node}/"))?;
        let c = client.get_connection_with_timeout(Duration::from_secs(1))?;
        c.set_read_timeout(Some(Duration::from_secs(1)))?;
        c.set_write_timeout(Some(Duration::from_secs(1)))?;
        *con = Some(c);
        let c = con.as_mut().expect("just set");
        redis::cmd("CLIENT")
            .arg("SETNAME")
            .arg("storm-recorder")
            .exec(c)?;
    }
    let c = con.as_mut().expect("connected above");
    redis::cmd("INFO").arg("everything").query(c)
}
