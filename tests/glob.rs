//! The glob matcher (`src/analysis/glob.rs`, compiled into this test as it is) against a
//! real server: every generated pattern is asked of KEYS on a throwaway redis-server
//! holding every generated key, and the keys it returns must be exactly the keys the
//! matcher accepts. Keys and patterns are drawn from the bytes where the quirks live
//! (`[ ] ^ - \ * ?`, a byte above 0x7f).

#[path = "../src/analysis/glob.rs"]
#[allow(dead_code)]
mod matcher;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;

use crate::util::RedisServer;

/// A RESP connection that sends and reads binary-safe strings.
struct Resp(BufReader<TcpStream>);

impl Resp {
    fn send(&mut self, args: &[&[u8]]) {
        let mut buf = format!("*{}\r\n", args.len()).into_bytes();
        for a in args {
            buf.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
            buf.extend_from_slice(a);
            buf.extend_from_slice(b"\r\n");
        }
        self.0.get_mut().write_all(&buf).unwrap();
    }

    fn line(&mut self) -> String {
        let mut l = String::new();
        self.0.read_line(&mut l).unwrap();
        l.trim_end().to_string()
    }

    fn bulk(&mut self) -> Vec<u8> {
        let l = self.line();
        let n: usize = l.strip_prefix('$').and_then(|n| n.parse().ok()).unwrap();
        let mut b = vec![0; n + 2];
        self.0.read_exact(&mut b).unwrap();
        b.truncate(n);
        b
    }

    /// KEYS `pattern`: the keys the server says match.
    fn keys(&mut self, pattern: &[u8]) -> BTreeSet<Vec<u8>> {
        self.send(&[b"KEYS", pattern]);
        let l = self.line();
        let n: usize = l
            .strip_prefix('*')
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("KEYS reply {l}"));
        (0..n).map(|_| self.bulk()).collect()
    }
}

/// xorshift64*: the same pairs on every run, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn string(&mut self, alphabet: &[u8], max_len: usize) -> Vec<u8> {
        let len = self.below(max_len + 1);
        (0..len)
            .map(|_| alphabet[self.below(alphabet.len())])
            .collect()
    }
}

#[test]
fn matcher_agrees_with_keys_on_a_real_server() {
    let server = RedisServer::start();
    let stream = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let mut c = Resp(BufReader::new(stream));

    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let key_bytes = b"ab-]^[\\*?x\xe9";
    let pat_bytes = b"ab-]^[\\*?x\xe9ab*[]";
    let fixed_keys: [&[u8]; 10] = [
        b"", b"a", b"x[", b"-", b"]", b"xa]", b"[", b"\\", b"ab", b"\xe9",
    ];
    let mut keys: BTreeSet<Vec<u8>> = fixed_keys.iter().map(|k| k.to_vec()).collect();
    while keys.len() < 300 {
        keys.insert(rng.string(key_bytes, 5));
    }
    for k in &keys {
        c.send(&[b"SET", k, b"1"]);
    }
    for _ in &keys {
        assert_eq!(c.line(), "+OK");
    }

    let fixed_patterns: [&[u8]; 17] = [
        b"[abc",
        b"x[",
        b"[]a]",
        b"[a-]",
        b"[^]a]",
        b"*[",
        b"x[^",
        b"[",
        b"\\",
        b"a\\",
        b"[\\]",
        b"**",
        b"[a-",
        b"*",
        b"?",
        b"[a-\xe9]",
        b"*a*b*",
    ];
    let mut patterns: Vec<Vec<u8>> = fixed_patterns.iter().map(|p| p.to_vec()).collect();
    while patterns.len() < 400 {
        let mut p = rng.string(pat_bytes, 7);
        if p.is_empty() {
            p.push(b'*');
        }
        patterns.push(p);
    }

    let mut disagree = Vec::new();
    let mut pairs = 0;
    for p in &patterns {
        let server_says = c.keys(p);
        for k in &keys {
            pairs += 1;
            if matcher::matches(p, k) != server_says.contains(k) {
                disagree.push(format!(
                    "pattern {:?} key {:?}: server {}",
                    String::from_utf8_lossy(p),
                    String::from_utf8_lossy(k),
                    server_says.contains(k)
                ));
            }
        }
    }
    assert!(pairs >= 100_000, "{pairs} pairs");
    assert!(
        disagree.is_empty(),
        "{} of {pairs} pairs disagree, e.g.:\n{}",
        disagree.len(),
        disagree[..disagree.len().min(20)].join("\n")
    );
}
