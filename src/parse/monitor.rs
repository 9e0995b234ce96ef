//! One MONITOR line → [`Event`]. Pure, allocation-free for lines without escapes, and
//! total: any byte string gives an event or a [`Skip`] reason, never a panic.
//!
//! The server writes `SEC.USEC [DB CLIENT] "arg" "arg" ...` where CLIENT is `ip:port`,
//! `[v6]:port`, `unix:PATH` or `lua`, and each argument is escaped by sdscatrepr: `\\ \"
//! \n \r \t \a \b \xHH`. redis-cli prints an `OK` line first; a raw socket capture puts
//! `+` before each line; files may have CRLF ends and a truncated last line.

use std::borrow::Cow;

use memchr::{memchr, memchr2, memmem};
use smallvec::SmallVec;

/// Arguments of one event: up to 6 without a heap allocation.
pub(crate) type Args<'a> = SmallVec<[Cow<'a, [u8]>; 6]>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Event<'a> {
    /// Microseconds since the Unix epoch.
    pub(crate) ts_us: u64,
    pub(crate) db: u32,
    /// As written: `10.0.0.1:5000`, `[::1]:5000`, `unix:/tmp/redis.sock`, `lua`.
    pub(crate) client: &'a [u8],
    /// Command name and arguments, unescaped.
    pub(crate) args: Args<'a>,
}

/// Why a line gave no event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Skip {
    /// Empty line or redis-cli's leading `OK`: not counted as bad.
    Blank,
    /// Not a MONITOR line (or a truncated one).
    Malformed,
}

/// Parses one line (without its `\n`; a trailing `\r` is fine).
pub(crate) fn parse_line(line: &[u8]) -> Result<Event<'_>, Skip> {
    let mut ev = Event::default();
    parse_into(line, &mut ev)?;
    Ok(ev)
}

impl Default for Event<'_> {
    fn default() -> Self {
        Event {
            ts_us: 0,
            db: 0,
            client: b"",
            args: Args::new(),
        }
    }
}

/// Parses `line` into `ev` (which must be fresh): the arguments are pushed in place, so
/// a hot loop moves no event around.
#[inline]
pub(crate) fn parse_into<'a>(line: &'a [u8], ev: &mut Event<'a>) -> Result<(), Skip> {
    let mut line = line.strip_suffix(b"\r").unwrap_or(line);
    if let Some(rest) = line.strip_prefix(b"+") {
        line = rest;
    }
    if line.is_empty() || line == b"OK" {
        return Err(Skip::Blank);
    }
    let (ts_us, rest) = timestamp(line).ok_or(Skip::Malformed)?;
    let rest = rest.strip_prefix(b"[").ok_or(Skip::Malformed)?;
    let sp = memchr(b' ', rest).ok_or(Skip::Malformed)?;
    let db = digits(&rest[..sp]).ok_or(Skip::Malformed)? as u32;
    let rest = &rest[sp + 1..];
    // The client ends at the first `] "` (an IPv6 client holds `]` itself, never `] "`).
    let end = memmem::find(rest, b"] \"").ok_or(Skip::Malformed)?;
    let client = &rest[..end];
    if client.is_empty() {
        return Err(Skip::Malformed);
    }
    arguments(&rest[end + 2..], &mut ev.args).ok_or(Skip::Malformed)?;
    ev.ts_us = ts_us;
    ev.db = db;
    ev.client = client;
    Ok(())
}

fn digits(s: &[u8]) -> Option<u64> {
    if s.is_empty() || s.len() > 19 {
        return None;
    }
    let mut n: u64 = 0;
    for &b in s {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u64::from(b - b'0');
    }
    Some(n)
}

/// `1700000000.123456 ` → microseconds, and the rest after the space.
fn timestamp(line: &[u8]) -> Option<(u64, &[u8])> {
    let sp = memchr(b' ', line)?;
    let (secs, usecs) = line[..sp].split_at(memchr(b'.', &line[..sp])?);
    let usecs = &usecs[1..];
    if usecs.len() != 6 {
        return None;
    }
    let ts = digits(secs)?
        .checked_mul(1_000_000)?
        .checked_add(digits(usecs)?)?;
    Some((ts, &line[sp + 1..]))
}

/// `"a" "b\x00"` → arguments; None when a quote is unterminated or junk sits between.
fn arguments<'a>(mut s: &'a [u8], args: &mut Args<'a>) -> Option<()> {
    loop {
        s = s.strip_prefix(b"\"")?;
        let (arg, used) = quoted(s)?;
        args.push(arg);
        s = &s[used..];
        match s.first() {
            None => return Some(()),
            Some(b' ') => s = &s[1..],
            Some(_) => return None,
        }
    }
}

/// One quoted argument without its opening quote: the value and the bytes consumed
/// (including the closing quote).
fn quoted(s: &[u8]) -> Option<(Cow<'_, [u8]>, usize)> {
    let first = memchr2(b'"', b'\\', s)?;
    if s[first] == b'"' {
        return Some((Cow::Borrowed(&s[..first]), first + 1));
    }
    let mut out = Vec::with_capacity(s.len().min(64));
    out.extend_from_slice(&s[..first]);
    let mut i = first;
    loop {
        match *s.get(i)? {
            b'"' => return Some((Cow::Owned(out), i + 1)),
            b'\\' => {
                let c = *s.get(i + 1)?;
                let (byte, used) = match c {
                    b'n' => (b'\n', 2),
                    b'r' => (b'\r', 2),
                    b't' => (b'\t', 2),
                    b'a' => (0x07, 2),
                    b'b' => (0x08, 2),
                    b'x' => {
                        let h = hex(*s.get(i + 2)?)?;
                        let l = hex(*s.get(i + 3)?)?;
                        (h << 4 | l, 4)
                    }
                    // `\\`, `\"`, and anything else the server never writes: taken literally.
                    other => (other, 2),
                };
                out.push(byte);
                i += used;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Writes `bytes` the way the server escapes arguments (sdscatrepr), quotes included.
/// (Used by the tests and the fuzz target.)
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) fn write_repr(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(b'"');
    for &b in bytes {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'"' => out.extend_from_slice(b"\\\""),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x07 => out.extend_from_slice(b"\\a"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x20..=0x7e => out.push(b),
            _ => out.extend_from_slice(format!("\\x{b:02x}").as_bytes()),
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args<'e>(e: &'e Event<'_>) -> Vec<&'e [u8]> {
        e.args.iter().map(|a| a.as_ref()).collect()
    }

    #[test]
    fn plain_line() {
        let e = parse_line(b"1339518083.107412 [0 127.0.0.1:60866] \"keys\" \"*\"").unwrap();
        assert_eq!(e.ts_us, 1_339_518_083_107_412);
        assert_eq!(e.db, 0);
        assert_eq!(e.client, b"127.0.0.1:60866");
        assert_eq!(args(&e), [&b"keys"[..], b"*"]);
        assert!(matches!(e.args[0], Cow::Borrowed(_)));
    }

    #[test]
    fn clients_of_every_kind() {
        for (line, client) in [
            (&b"1.000001 [3 lua] \"get\" \"k\""[..], &b"lua"[..]),
            (
                b"1.000001 [0 unix:/tmp/redis.sock] \"get\" \"k\"",
                b"unix:/tmp/redis.sock",
            ),
            (b"1.000001 [0 [::1]:6379] \"get\" \"k\"", b"[::1]:6379"),
            (b"+1.000001 [0 1.2.3.4:5] \"get\" \"k\"\r", b"1.2.3.4:5"),
        ] {
            let e = parse_line(line).unwrap_or_else(|s| panic!("{s:?}: {line:?}"));
            assert_eq!(e.client, client);
            assert_eq!(args(&e)[1], b"k");
        }
        assert_eq!(parse_line(b"1.000001 [3 lua] \"get\" \"k\"").unwrap().db, 3);
    }

    #[test]
    fn escapes_round_trip() {
        let raw: Vec<u8> = (0u8..=255).collect();
        let mut line = b"1700000000.000001 [0 1.2.3.4:5] \"set\" ".to_vec();
        write_repr(&mut line, &raw);
        line.extend_from_slice(b" \"with \\\"quote\\\" and \\\\ slash\"");
        let e = parse_line(&line).unwrap();
        assert_eq!(e.args[1].as_ref(), &raw[..]);
        assert_eq!(e.args[2].as_ref(), b"with \"quote\" and \\ slash");
    }

    #[test]
    fn headers_and_garbage() {
        assert_eq!(parse_line(b"OK"), Err(Skip::Blank));
        assert_eq!(parse_line(b""), Err(Skip::Blank));
        for bad in [
            &b"hello world"[..],
            b"1339518083.107412 [0 127.0.0.1:1] \"get\" \"trunc",
            b"1339518083.107412 [0 127.0.0.1:1]",
            b"1339518083.1074 [0 127.0.0.1:1] \"get\"",
            b"1339518083.107412 [x 127.0.0.1:1] \"get\"",
            b"1339518083.107412 [0 127.0.0.1:1] \"get\"junk",
            b"1339518083.107412 [0 127.0.0.1:1] \"get\" \"\\x4\"",
            b"99999999999999999999.000000 [0 a] \"get\"",
            b"\xff\xfe\x00\x01",
        ] {
            assert_eq!(
                parse_line(bad),
                Err(Skip::Malformed),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    /// A large random and mutated corpus: nothing panics, and whatever parses survives
    /// re-escaping unchanged (the property the fuzz target checks too).
    #[test]
    fn random_and_mutated_lines_never_panic() {
        let seeds: Vec<Vec<u8>> = [
            &br#"1339518083.107412 [0 127.0.0.1:60866] "keys" "*""#[..],
            br#"1700000000.001500 [0 10.0.0.0:5000] "GET" "bin\x00\xff:key""#,
            br#"1700000000.061500 [0 10.0.0.9:6000] "GET" "quote\"and\\slash""#,
            br#"+1700000000.000001 [3 lua] "EVAL" "return 1" "2" "a" "b""#,
            br#"1700000000.000001 [0 [::1]:40000] "get" "k""#,
            br#"1700000000.000001 [0 unix:/tmp/r.sock] "SET" "a\n\r\t\a\b" "v""#,
        ]
        .iter()
        .map(|s| s.to_vec())
        .collect();
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let alphabet = b"\\\"x0123456789abcdef []:.+ \r\n\xff";
        let mut parsed = 0;
        for i in 0..300_000 {
            let mut line = if i % 10 == 0 {
                (0..(next() % 80)).map(|_| next() as u8).collect()
            } else {
                seeds[(next() % seeds.len() as u64) as usize].clone()
            };
            for _ in 0..(1 + next() % 4) {
                if line.is_empty() {
                    break;
                }
                let pos = (next() % line.len() as u64) as usize;
                match next() % 4 {
                    0 => line[pos] = alphabet[(next() % alphabet.len() as u64) as usize],
                    1 => line.insert(pos, alphabet[(next() % alphabet.len() as u64) as usize]),
                    2 => line.truncate(pos),
                    _ => {
                        line.remove(pos);
                    }
                }
            }
            if let Ok(ev) = parse_line(&line) {
                parsed += 1;
                let mut again = format!(
                    "{}.{:06} [{} x:1] ",
                    ev.ts_us / 1_000_000,
                    ev.ts_us % 1_000_000,
                    ev.db
                )
                .into_bytes();
                for (j, a) in ev.args.iter().enumerate() {
                    if j > 0 {
                        again.push(b' ');
                    }
                    write_repr(&mut again, a);
                }
                let back = parse_line(&again).expect("re-escaped line parses");
                assert_eq!(back.args, ev.args, "{:?}", String::from_utf8_lossy(&line));
            };
        }
        assert!(
            parsed > 10_000,
            "the mutations keep many lines valid: {parsed}"
        );
    }
}
