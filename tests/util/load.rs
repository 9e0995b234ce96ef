//! The application load of the storm scenarios: client threads doing what a read-through
//! (cache-aside) application does. Each loop picks a key (uniform, Zipf, or one hot key),
//! GETs it, and on a miss reads the "database" (a short sleep) and SETs the key with its
//! TTL (jittered), unless the database does not have the key either (penetration).
//! Connection errors are counted and the connection is opened again on the next request, as
//! a client pool does. Threads stop on a shared flag, and in any case after `max`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How a thread picks the next key of a keyspace of `keys` keys.
#[derive(Clone, Debug)]
pub enum Dist {
    Uniform,
    /// Zipf with exponent `s` over key indexes (a catalog: a few popular items, a long tail).
    Zipf(f64),
    /// Key 0 takes this share of the reads; the others share the rest uniformly.
    Hot(f64),
}

/// Where a key's GET and SET go.
#[derive(Clone, Debug)]
pub enum Route {
    One(String),
    /// Reads from a replica, writes to its master.
    Split {
        read: String,
        write: String,
    },
    /// A cluster: (first slot, last slot, master address) ranges.
    Cluster(Arc<Vec<(u16, u16, String)>>),
}

impl Route {
    fn read(&self, key: &str) -> &str {
        match self {
            Route::One(a) => a,
            Route::Split { read, .. } => read,
            Route::Cluster(_) => self.write(key),
        }
    }

    fn write(&self, key: &str) -> &str {
        match self {
            Route::One(a) => a,
            Route::Split { write, .. } => write,
            Route::Cluster(ranges) => {
                let slot = key_slot(key);
                let (_, _, a) = ranges
                    .iter()
                    .find(|(lo, hi, _)| *lo <= slot && slot <= *hi)
                    .expect("every slot is served");
                a
            }
        }
    }
}

/// What a load does. Built with `LoadConfig::new` and the `with_*` setters.
#[derive(Clone, Debug)]
pub struct LoadConfig {
    pub name: String,
    pub route: Route,
    pub threads: usize,
    pub prefix: String,
    pub keys: u64,
    pub dist: Dist,
    /// Requests per second of each thread (0: as fast as the server answers).
    pub rate: u64,
    pub ttl_ms: u64,
    /// Each SET's TTL is `ttl_ms` times a factor drawn in [1 - jitter, 1 + jitter].
    pub jitter: f64,
    /// The database read on a miss, in ms (drawn in this range).
    pub db_ms: (u64, u64),
    /// false: the database has none of these keys (a miss is never filled).
    pub db_has_keys: bool,
    pub value_bytes: usize,
    pub max: Duration,
}

impl LoadConfig {
    pub fn new(name: &str, route: Route, prefix: &str, keys: u64) -> Self {
        LoadConfig {
            name: name.into(),
            route,
            threads: 2,
            prefix: prefix.into(),
            keys,
            dist: Dist::Uniform,
            rate: 300,
            ttl_ms: 600_000,
            jitter: 0.1,
            db_ms: (1, 2),
            db_has_keys: true,
            value_bytes: 200,
            max: Duration::from_secs(90),
        }
    }
    pub fn threads(mut self, n: usize, rate: u64) -> Self {
        self.threads = n;
        self.rate = rate;
        self
    }
    pub fn dist(mut self, d: Dist) -> Self {
        self.dist = d;
        self
    }
    pub fn ttl(mut self, ms: u64, jitter: f64) -> Self {
        self.ttl_ms = ms;
        self.jitter = jitter;
        self
    }
    pub fn db(mut self, min_ms: u64, max_ms: u64, has_keys: bool) -> Self {
        self.db_ms = (min_ms, max_ms);
        self.db_has_keys = has_keys;
        self
    }
    pub fn value_bytes(mut self, n: usize) -> Self {
        self.value_bytes = n;
        self
    }
    pub fn key(&self, i: u64) -> String {
        format!("{}{i}", self.prefix)
    }
}

/// What the threads did so far, and the knobs a scenario turns while they run.
#[derive(Default)]
pub struct LoadStats {
    pub gets: AtomicU64,
    pub hits: AtomicU64,
    pub misses: AtomicU64,
    pub sets: AtomicU64,
    pub errors: AtomicU64,
    stop: AtomicBool,
    rate: AtomicU64,
    ttl_ms: AtomicU64,
}

impl LoadStats {
    /// Requests per second of each thread from now on.
    pub fn set_rate(&self, per_thread: u64) {
        self.rate.store(per_thread, Ordering::Relaxed);
    }
}

/// A running load; stopped (and its threads joined) on `stop` or drop.
pub struct Load {
    pub stats: Arc<LoadStats>,
    threads: Vec<JoinHandle<()>>,
}

impl Load {
    pub fn start(cfg: LoadConfig) -> Self {
        let stats = Arc::new(LoadStats::default());
        stats.rate.store(cfg.rate, Ordering::Relaxed);
        stats.ttl_ms.store(cfg.ttl_ms, Ordering::Relaxed);
        let picker = Arc::new(Picker::new(&cfg.dist, cfg.keys));
        let threads = (0..cfg.threads)
            .map(|i| {
                let (cfg, stats, picker) = (cfg.clone(), stats.clone(), picker.clone());
                std::thread::Builder::new()
                    .name(format!("{}-{i}", cfg.name))
                    .spawn(move || run_thread(i as u64, &cfg, &stats, &picker))
                    .expect("spawning a load thread")
            })
            .collect();
        Load { stats, threads }
    }

    /// The TTL of the keys this load sets from now on.
    pub fn set_ttl_ms(&self, ms: u64) {
        self.stats.ttl_ms.store(ms, Ordering::Relaxed);
    }

    pub fn count(&self, c: &AtomicU64) -> u64 {
        c.load(Ordering::Relaxed)
    }

    pub fn stop(&mut self) {
        self.stats.stop.store(true, Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

impl Drop for Load {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Opens a connection for a load or a trigger (short connect timeout, 2 s replies).
pub fn connect(addr: &str) -> redis::RedisResult<redis::Connection> {
    let client = redis::Client::open(format!("redis://{addr}/"))?;
    let con = client.get_connection_with_timeout(Duration::from_millis(500))?;
    con.set_read_timeout(Some(Duration::from_secs(2)))?;
    con.set_write_timeout(Some(Duration::from_secs(2)))?;
    Ok(con)
}

/// One value of `n` bytes (what the application caches: a rendered JSON-ish blob).
pub fn value(n: usize, seed: u64) -> String {
    let mut v = format!("{{\"id\":{seed},\"body\":\"");
    while v.len() + 2 < n {
        v.push(char::from(b'a' + (v.len() % 26) as u8));
    }
    v.push_str("\"}");
    v
}

fn run_thread(i: u64, cfg: &LoadConfig, stats: &LoadStats, picker: &Picker) {
    let mut rng = Rng::new(i);
    let mut conns: HashMap<String, redis::Connection> = HashMap::new();
    let end = Instant::now() + cfg.max;
    let mut next = Instant::now();
    while !stats.stop.load(Ordering::Relaxed) && Instant::now() < end {
        let rate = stats.rate.load(Ordering::Relaxed);
        if rate > 0 {
            // Paced: evenly spaced requests, nothing saved up after a stall.
            let now = Instant::now();
            if next > now {
                std::thread::sleep(next - now);
            } else if now - next > Duration::from_millis(200) {
                next = now;
            }
            next += Duration::from_secs_f64(1.0 / rate as f64);
        }
        let key = cfg.key(picker.pick(&mut rng));
        let got: redis::RedisResult<Option<Vec<u8>>> = with_conn(&mut conns, cfg.route.read(&key))
            .and_then(|c| redis::cmd("GET").arg(&key).query(c));
        stats.gets.fetch_add(1, Ordering::Relaxed);
        match got {
            Ok(Some(_)) => {
                stats.hits.fetch_add(1, Ordering::Relaxed);
            }
            Ok(None) => {
                stats.misses.fetch_add(1, Ordering::Relaxed);
                let (lo, hi) = cfg.db_ms;
                std::thread::sleep(Duration::from_millis(lo + rng.below(hi - lo + 1)));
                if cfg.db_has_keys {
                    let base = stats.ttl_ms.load(Ordering::Relaxed) as f64;
                    let factor = 1.0 + cfg.jitter * (2.0 * rng.unit() - 1.0);
                    let ttl = ((base * factor) as u64).max(1);
                    let val = value(cfg.value_bytes, rng.next());
                    let set: redis::RedisResult<()> = with_conn(&mut conns, cfg.route.write(&key))
                        .and_then(|c| {
                            redis::cmd("SET")
                                .arg(&key)
                                .arg(val)
                                .arg("PX")
                                .arg(ttl)
                                .query(c)
                        });
                    match set {
                        Ok(()) => stats.sets.fetch_add(1, Ordering::Relaxed),
                        Err(_) => failed(&mut conns, cfg.route.write(&key), stats),
                    };
                }
            }
            Err(_) => {
                failed(&mut conns, cfg.route.read(&key), stats);
            }
        }
    }
}

/// A failed request: the connection is dropped (opened again next time) after a short
/// pause, as a pool does, so a dead server is not hammered in a tight loop.
fn failed(conns: &mut HashMap<String, redis::Connection>, addr: &str, stats: &LoadStats) -> u64 {
    conns.remove(addr);
    std::thread::sleep(Duration::from_millis(100));
    stats.errors.fetch_add(1, Ordering::Relaxed)
}

fn with_conn<'a>(
    conns: &'a mut HashMap<String, redis::Connection>,
    addr: &str,
) -> redis::RedisResult<&'a mut redis::Connection> {
    if !conns.contains_key(addr) {
        let mut c = connect(addr)?;
        redis::cmd("CLIENT")
            .arg("SETNAME")
            .arg("app")
            .exec(&mut c)?;
        conns.insert(addr.to_string(), c);
    }
    Ok(conns.get_mut(addr).expect("just inserted"))
}

/// Key picking: a cumulative table for Zipf, arithmetic otherwise.
struct Picker {
    keys: u64,
    dist: Dist,
    cdf: Vec<f64>,
}

impl Picker {
    fn new(dist: &Dist, keys: u64) -> Self {
        let mut cdf = Vec::new();
        if let Dist::Zipf(s) = dist {
            let mut sum = 0.0;
            for i in 0..keys {
                sum += 1.0 / ((i + 1) as f64).powf(*s);
                cdf.push(sum);
            }
            cdf.iter_mut().for_each(|c| *c /= sum);
        }
        Picker {
            keys,
            dist: dist.clone(),
            cdf,
        }
    }

    fn pick(&self, rng: &mut Rng) -> u64 {
        match self.dist {
            Dist::Uniform => rng.below(self.keys),
            Dist::Zipf(_) => {
                let u = rng.unit();
                (self.cdf.partition_point(|c| *c < u) as u64).min(self.keys - 1)
            }
            Dist::Hot(share) => {
                if rng.unit() < share || self.keys < 2 {
                    0
                } else {
                    1 + rng.below(self.keys - 1)
                }
            }
        }
    }
}

/// splitmix64: a small seeded generator (no dependency needed for picking keys).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        Rng(nanos ^ seed.wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The cluster slot of a key (CRC16/XMODEM of the key, or of its `{hash tag}`, mod 16384).
pub fn key_slot(key: &str) -> u16 {
    let b = key.as_bytes();
    let tagged = b.iter().position(|&c| c == b'{').and_then(|open| {
        let close = b[open + 1..].iter().position(|&c| c == b'}')?;
        (close > 0).then(|| &b[open + 1..open + 1 + close])
    });
    let mut crc: u16 = 0;
    for &byte in tagged.unwrap_or(b) {
        crc ^= (byte as u16) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc % 16384
}

/// Writes keys `first..last` of `cfg`'s keyspace with its TTL (jittered), pipelined in
/// batches of 500: what a batch job does. `aged`: each key gets a random part of its TTL
/// left instead, the state of a cache an application has been filling for a while (keys
/// of every age, expiring steadily), which is where the scenarios start.
pub fn prefill(cfg: &LoadConfig, first: u64, last: u64, aged: bool) {
    let mut rng = Rng::new(7);
    let mut conns: HashMap<String, redis::Connection> = HashMap::new();
    let mut batches: HashMap<String, redis::Pipeline> = HashMap::new();
    let flush = |addr: &str, p: &mut redis::Pipeline, conns: &mut HashMap<_, _>| {
        let c = with_conn(conns, addr).unwrap_or_else(|e| panic!("prefill {addr}: {e}"));
        p.query::<()>(c)
            .unwrap_or_else(|e| panic!("prefill {addr}: {e}"));
        p.clear();
    };
    for i in first..last {
        let key = cfg.key(i);
        let addr = cfg.route.write(&key).to_string();
        let factor = 1.0 + cfg.jitter * (2.0 * rng.unit() - 1.0);
        let left = if aged { rng.unit() } else { 1.0 };
        let ttl = ((cfg.ttl_ms as f64 * factor * left) as u64).max(1);
        let p = batches.entry(addr.clone()).or_insert_with(redis::pipe);
        p.cmd("SET")
            .arg(&key)
            .arg(value(cfg.value_bytes, i))
            .arg("PX")
            .arg(ttl)
            .ignore();
        if p.len() >= 500 {
            flush(&addr, p, &mut conns);
        }
    }
    for (addr, p) in batches.iter_mut() {
        if !p.is_empty() {
            flush(addr, p, &mut conns);
        }
    }
}
