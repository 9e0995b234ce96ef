//! `warm --source-file FILE.jsonl`: values from a file, one JSON object a line —
//! `{"key": "...", "value": "...", "ttl_ms": 60000}`, binary values as
//! `{"key": "...", "value_b64": "..."}` — read whole into memory (a key and its value
//! each), then written with `SET key value NX` (plain SET with `--overwrite`) and the
//! line's TTL, else `--ttl`, spread by `--ttl-jitter`. Bad lines are counted, never fatal.

use std::collections::HashMap;

use redis::Value;

use super::copy::{WriteOptions, Written};
use crate::error::{Error, Result};
use crate::source::conn::NodeConn;

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

    /// Writes `keys` to the target: one pipelined round trip of SETs.
    pub(crate) async fn set_batch(
        &self,
        target: &mut NodeConn,
        keys: &[Vec<u8>],
        opts: WriteOptions,
        ttl_ms: Option<u64>,
    ) -> Result<Vec<Written>> {
        let mut out: Vec<Option<Written>> = Vec::with_capacity(keys.len());
        let mut pipe = redis::pipe();
        pipe.ignore_errors();
        let mut sent = Vec::new();
        for (i, k) in keys.iter().enumerate() {
            let Some((v, line_ttl)) = self.values.get(k) else {
                out.push(Some(Written::Missing));
                continue;
            };
            let ttl = line_ttl.or(ttl_ms);
            if ttl.is_some_and(|t| t < opts.min_ttl_ms.max(1)) {
                out.push(Some(Written::ShortTtl));
                continue;
            }
            let cmd = pipe.cmd("SET").arg(k.as_slice()).arg(v.as_slice());
            if !opts.overwrite {
                cmd.arg("NX");
            }
            if let Some(t) = ttl {
                cmd.arg("PX").arg(opts.ttl_for(k, Some(t)));
            }
            sent.push((i, v.len() as u64));
            out.push(None);
        }
        if !sent.is_empty() {
            let replies: Vec<Value> = target.query_pipe(&pipe).await?;
            for ((i, bytes), reply) in sent.into_iter().zip(replies) {
                out[i] = Some(match reply {
                    Value::Nil => Written::Exists,
                    Value::ServerError(e) => Written::Failed(
                        format!("{} {}", e.code(), e.details().unwrap_or(""))
                            .trim_end()
                            .into(),
                    ),
                    _ => Written::Restored { bytes },
                });
            }
        }
        Ok(out
            .into_iter()
            .map(|w| w.unwrap_or(Written::Missing))
            .collect())
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
