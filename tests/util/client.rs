//! `Conn`, a bare RESP client (many distinct clients at once, and commands that leave no
//! trace of redis-cli's own in a MONITOR capture), and the waits on what a running
//! `cachestorm` does on a server: its first INFO poll, its first SCAN, its MONITOR.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use super::RedisServer;

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

    /// Waits until a MONITOR connection is attached (CLIENT LIST shows cmd=monitor).
    pub fn wait_for_monitor(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !self.cli(&["CLIENT", "LIST"]).contains("cmd=monitor") {
            assert!(Instant::now() < deadline, "no MONITOR client within 20s");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// Waits until cachestorm's walker is at work on `s` (it has sent SCAN there).
pub fn wait_for_scan(s: &RedisServer) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !s.cli(&["INFO", "commandstats"]).contains("cmdstat_scan:") {
        assert!(Instant::now() < deadline, "no SCAN within 20s");
        std::thread::sleep(Duration::from_millis(10));
    }
}
