//! `warm --source-file FILE.jsonl`: values from a file, one JSON object a line —
//! `{"key": "...", "value": "...", "ttl_ms": 60000}`, binary values as
//! `{"key": "...", "value_b64": "..."}` — read whole into memory (a key and its value
//! each), then written with `SET key value NX` (plain SET with `--overwrite`) and the
//! line's TTL, else `--ttl`, spread by `--ttl-jitter`. Bad lines are counted, never fatal.

use std::collections::HashMap;

use super::copy::Fetched;
use crate::error::{Error, Result};

/// The file's values by key, and its bad lines.
#[derive(Debug, Default)]
pub(crate) struct FileValues {
    values: HashMap<Vec<u8>, (Vec<u8>, Option<u64>)>,
    pub(crate) lines: u64,
    pub(crate) bad: u64,
    pub(crate) first_bad: Option<String>,
}

impl FileValues {
    /// Reads `path` (`-` for stdin, gzip read as such).
    pub(crate) fn load(path: &str) -> Result<Self> {
        let mut f = FileValues::default();
        let r = crate::source::capture::open(path)?;
        crate::source::capture::for_each_line(r, |n, l| {
            f.lines += 1;
            match l.map(parse).unwrap_or(Err("line over 64 MiB".into())) {
                Ok(Some((k, v, ttl))) => {
                    f.values.insert(k, (v, ttl));
                }
                Ok(None) => f.lines -= 1,
                Err(why) => {
                    f.bad += 1;
                    f.first_bad.get_or_insert(format!("{path}:{n}: {why}"));
                }
            }
            std::ops::ControlFlow::Continue(())
        })
        .map_err(|e| Error::Input(format!("reading {path}: {e}")))?;
        Ok(f)
    }

    /// Each key's value (in order) with the line's TTL, else `ttl_ms`.
    pub(crate) fn get(&self, keys: &[Vec<u8>], ttl_ms: Option<u64>) -> Vec<Fetched> {
        keys.iter()
            .map(|k| match self.values.get(k) {
                Some((v, line_ttl)) => Fetched::Plain {
                    value: v.clone(),
                    ttl_ms: line_ttl.or(ttl_ms),
                },
                None => Fetched::Missing,
            })
            .collect()
    }

    /// The bytes of the values of `keys` (for the plan's estimate).
    pub(crate) fn bytes_of<'k>(&self, keys: impl Iterator<Item = &'k Vec<u8>>) -> u64 {
        keys.filter_map(|k| self.values.get(k))
            .map(|(v, _)| v.len() as u64)
            .sum()
    }
}

/// A line's key, value and TTL (ms).
type Entry = (Vec<u8>, Vec<u8>, Option<u64>);

/// One line: Ok(None) for a blank line.
fn parse(line: &[u8]) -> std::result::Result<Option<Entry>, String> {
    if line.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let v: serde_json::Value =
        serde_json::from_slice(line).map_err(|e| format!("not JSON ({e})"))?;
    let key = v["key"].as_str().ok_or("no string \"key\"")?;
    let value = match (v["value"].as_str(), v["value_b64"].as_str()) {
        (Some(s), _) => s.as_bytes().to_vec(),
        (None, Some(b)) => base64(b).ok_or("\"value_b64\" is not base64")?,
        (None, None) => return Err("no \"value\" or \"value_b64\"".into()),
    };
    let ttl = match &v["ttl_ms"] {
        serde_json::Value::Null => None,
        t => Some(
            t.as_u64()
                .filter(|t| *t > 0)
                .ok_or("\"ttl_ms\" is not a positive whole number")?,
        ),
    };
    Ok(Some((key.as_bytes().to_vec(), value, ttl)))
}

/// Standard base64 (with or without padding).
fn base64(s: &str) -> Option<Vec<u8>> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let body = s.trim_end_matches('=').as_bytes();
    if body.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    for chunk in body.chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= val(*c)? << (18 - 6 * i);
        }
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_base64() {
        assert_eq!(base64("aGVsbG8="), Some(b"hello".to_vec()));
        assert_eq!(base64("aGVsbG8"), Some(b"hello".to_vec()));
        assert_eq!(base64("AP8="), Some(vec![0, 255]));
        assert_eq!(base64("a"), None);
        assert_eq!(base64("a$=="), None);
        let (k, v, t) = parse(br#"{"key":"u:1","value":"x","ttl_ms":500}"#)
            .unwrap()
            .unwrap();
        assert_eq!((k, v, t), (b"u:1".to_vec(), b"x".to_vec(), Some(500)));
        let (_, v, t) = parse(br#"{"key":"b","value_b64":"AP8="}"#)
            .unwrap()
            .unwrap();
        assert_eq!((v, t), (vec![0, 255], None));
        assert_eq!(parse(b"  ").unwrap(), None);
        assert!(parse(b"{").is_err());
        assert!(parse(br#"{"value":"x"}"#).is_err());
        assert!(parse(br#"{"key":"k"}"#).is_err());
        assert!(parse(br#"{"key":"k","value":"x","ttl_ms":-1}"#).is_err());
    }
}
