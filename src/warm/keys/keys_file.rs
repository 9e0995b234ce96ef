//! `--keys-file`: one key per line in cachestorm's shown form (`show::key`: `\xHH`, `\\`,
//! `\"`), so a column cut from a report can be fed back. Also the one home of undoing
//! that form ([`unshow`]), which reports need too.

use super::{each_line, Sink, SourceStats};
use crate::error::Result;

/// A key from its shown form. Bytes other than `\` stand for themselves (a hand-written
/// file may hold UTF-8 or a bare `"`); `\` must start `\\`, `\"` or `\xHH`.
pub(super) fn unshow(s: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] != b'\\' {
            out.push(s[i]);
            i += 1;
            continue;
        }
        match s.get(i + 1) {
            Some(&c @ (b'\\' | b'"')) => {
                out.push(c);
                i += 2;
            }
            Some(b'x') => {
                let hex = |j: usize| s.get(j).and_then(|&b| (b as char).to_digit(16));
                match (hex(i + 2), hex(i + 3)) {
                    (Some(h), Some(l)) => out.push((h * 16 + l) as u8),
                    _ => {
                        return Err(format!(
                            "bad escape at byte {}: \\x needs two hex digits",
                            i + 1
                        ))
                    }
                }
                i += 4;
            }
            Some(_) => {
                return Err(format!(
                    "bad escape at byte {}: only \\\\, \\\" and \\xHH are known",
                    i + 1
                ))
            }
            None => return Err("a lone \\ at the end (write \\\\)".to_string()),
        }
    }
    Ok(out)
}

/// Counts the keys of the keys file at `path`; a blank line is unmatched, a bad escape a
/// bad line.
pub(super) fn read(path: &str, sink: &mut Sink<'_>, stats: &mut SourceStats) -> Result<()> {
    each_line(path, stats, |n, line, stats| {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            stats.unmatched += 1;
            return;
        }
        match unshow(line) {
            Ok(key) => {
                stats.matched += 1;
                sink.add(&key, 1, stats);
            }
            Err(why) => stats.bad(|| format!("line {n}: {why}")),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::show;

    #[test]
    fn unshow_undoes_show() {
        let key: Vec<u8> = (0..=255u8).chain(*b"a\\\"b").collect();
        assert_eq!(unshow(show::key(&key).as_bytes()).unwrap(), key);
        assert_eq!(unshow(br"\xFF\x0a").unwrap(), b"\xff\n");
        assert_eq!(
            unshow("caf\u{e9}".as_bytes()).unwrap(),
            "caf\u{e9}".as_bytes()
        );
    }

    #[test]
    fn bad_escapes_say_where() {
        for bad in [&br"a\n"[..], br"\x4", br"\xg0", b"end\\"] {
            assert!(unshow(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
        assert!(unshow(br"a\q").unwrap_err().contains("byte 2"));
    }
}
