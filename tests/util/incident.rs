//! What incidents do to a server, as the storm scenarios trigger them: a purge script's
//! SCAN + UNLINK, a bulk import, a fleet of app instances opening their pools at once, an
//! ops script running KEYS in a loop. The ones that last run on a `Background` thread,
//! bounded in time and stopped (joined) on drop.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::load::{connect, value};

/// A thread repeating `step` until stopped or `max` has passed; `step` gets the stop flag
/// (to end early) and returns how long to wait before the next step.
pub struct Background {
    stop: Arc<AtomicBool>,
    pub count: Arc<AtomicU64>,
    thread: Option<JoinHandle<()>>,
}

impl Background {
    pub fn start(
        max: Duration,
        mut step: impl FnMut(&AtomicU64) -> Duration + Send + 'static,
    ) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let count = Arc::new(AtomicU64::new(0));
        let (s, c) = (stop.clone(), count.clone());
        let thread = std::thread::spawn(move || {
            let end = Instant::now() + max;
            while !s.load(Ordering::Relaxed) && Instant::now() < end {
                let pause = step(&c);
                let until = Instant::now() + pause;
                while Instant::now() < until && !s.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(10).min(until - Instant::now()));
                }
            }
        });
        Background {
            stop,
            count,
            thread: Some(thread),
        }
    }

    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A purge script: SCAN MATCH `pattern` COUNT 1000, UNLINK each batch, as fast as the
/// server answers. Returns the keys unlinked.
pub fn unlink_matching(addr: &str, pattern: &str) -> u64 {
    let mut c = connect(addr).expect("purge connection");
    let mut cursor: u64 = 0;
    let mut gone = 0;
    loop {
        let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(pattern)
            .arg("COUNT")
            .arg(1000)
            .query(&mut c)
            .expect("SCAN");
        if !keys.is_empty() {
            let n: u64 = redis::cmd("UNLINK")
                .arg(&keys)
                .query(&mut c)
                .expect("UNLINK");
            gone += n;
        }
        cursor = next;
        if cursor == 0 {
            return gone;
        }
    }
}

/// A bulk import: `batch` SETs of `bytes`-byte values `prefix{i}` in one pipeline every
/// `every` (no TTL: imported data meant to stay), for at most `max`.
pub fn import(addr: &str, prefix: &str, bytes: usize, batch: u64, every: Duration) -> Background {
    let (addr, prefix) = (addr.to_string(), prefix.to_string());
    let mut con = None;
    let mut i = 0u64;
    Background::start(Duration::from_secs(30), move |count| {
        if con.is_none() {
            con = connect(&addr).ok();
        }
        if let Some(c) = con.as_mut() {
            let mut p = redis::pipe();
            for _ in 0..batch {
                p.cmd("SET")
                    .arg(format!("{prefix}{i}"))
                    .arg(value(bytes, i))
                    .ignore();
                i += 1;
            }
            match p.query::<()>(c) {
                Ok(()) => {
                    count.fetch_add(batch, Ordering::Relaxed);
                }
                Err(_) => con = None,
            }
        }
        every
    })
}

/// A fleet of `instances` app instances starting at once, each wanting a pool of `pool`
/// connections: every connection is opened and checked with PING; one the server refuses
/// (`-ERR max number of clients reached`, then closed) is retried after `retry`; one it
/// accepts is held (and pinged now and then, as pools do) until the fleet stops.
pub fn fleet(addr: &str, instances: usize, pool: usize, retry: Duration) -> Background {
    let addr = addr.to_string();
    let wanted = instances * pool;
    let mut held: Vec<TcpStream> = Vec::new();
    let mut last_ping = Instant::now();
    Background::start(Duration::from_secs(30), move |refused| {
        while held.len() < wanted {
            match open_checked(&addr) {
                Ok(s) => held.push(s),
                Err(_) => {
                    refused.fetch_add(1, Ordering::Relaxed);
                    // The rest of this round's attempts would be refused too: one failed
                    // attempt per missing connection, as each pool slot retries alone.
                    let missing = wanted - held.len() - 1;
                    for _ in 0..missing {
                        if open_checked(&addr).is_err() {
                            refused.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    break;
                }
            }
        }
        if last_ping.elapsed() > Duration::from_secs(1) {
            held.retain_mut(|s| ping(s).is_ok());
            last_ping = Instant::now();
        }
        retry
    })
}

fn open_checked(addr: &str) -> std::io::Result<TcpStream> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(1)))?;
    ping(&mut s)?;
    Ok(s)
}

fn ping(s: &mut TcpStream) -> std::io::Result<()> {
    s.write_all(b"*1\r\n$4\r\nPING\r\n")?;
    let mut buf = [0u8; 64];
    let n = s.read(&mut buf)?;
    if buf[..n].starts_with(b"+PONG") {
        Ok(())
    } else {
        Err(std::io::Error::other(
            String::from_utf8_lossy(&buf[..n]).trim().to_string(),
        ))
    }
}

/// An ops script sending `args` every `every` on its own connection (counted).
pub fn repeat(addr: &str, args: &[&str], every: Duration) -> Background {
    let addr = addr.to_string();
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let mut con = None;
    Background::start(Duration::from_secs(30), move |count| {
        if con.is_none() {
            con = connect(&addr).ok();
        }
        if let Some(c) = con.as_mut() {
            let mut cmd = redis::cmd(&args[0]);
            for a in &args[1..] {
                cmd.arg(a);
            }
            match cmd.query::<redis::Value>(c) {
                Ok(_) => {
                    count.fetch_add(1, Ordering::Relaxed);
                }
                Err(_) => con = None,
            }
        }
        every
    })
}
