//! The typed copy, for keys whose DUMP payload the target refuses: the value is read from
//! the source by type (GET, HGETALL, LRANGE, SMEMBERS, ZRANGE WITHSCORES, XRANGE) with its
//! TTL, and written by the type's script (`scripts`), which never clobbers and never
//! half-writes. Three pipelined round trips per batch: TYPE, the reads, the scripts.
//!
//! What a typed copy cannot carry: a stream's consumer groups and last-generated id, an
//! empty stream (it fails, named), and module types (failed, named).

use redis::Value;

use super::fetch::ttl;
use super::restore::short;
use super::scripts::{self, WriteScript};
use super::{WriteOptions, Written};
use crate::error::Error;
use crate::parse::resp::{as_array, as_word, server_error};
use crate::source::conn::NodeConn;

/// The types a typed copy knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    String,
    Hash,
    List,
    Set,
    Zset,
    Stream,
}

impl Kind {
    /// The TYPE reply's word.
    pub(crate) fn from_type(t: &str) -> Option<Kind> {
        Some(match t {
            "string" => Kind::String,
            "hash" => Kind::Hash,
            "list" => Kind::List,
            "set" => Kind::Set,
            "zset" => Kind::Zset,
            "stream" => Kind::Stream,
            _ => return None,
        })
    }

    /// Queues the command that reads the whole value.
    pub(crate) fn read(self, pipe: &mut redis::Pipeline, key: &[u8]) {
        match self {
            Kind::String => pipe.cmd("GET").arg(key),
            Kind::Hash => pipe.cmd("HGETALL").arg(key),
            Kind::List => pipe.cmd("LRANGE").arg(key).arg(0).arg(-1),
            Kind::Set => pipe.cmd("SMEMBERS").arg(key),
            Kind::Zset => pipe.cmd("ZRANGE").arg(key).arg(0).arg(-1).arg("WITHSCORES"),
            Kind::Stream => pipe.cmd("XRANGE").arg(key).arg("-").arg("+"),
        };
    }

    fn script(self) -> &'static WriteScript {
        match self {
            Kind::String => &scripts::STRING,
            Kind::Hash => &scripts::HASH,
            Kind::List => &scripts::LIST,
            Kind::Set => &scripts::SET,
            Kind::Zset => &scripts::ZSET,
            Kind::Stream => &scripts::STREAM_SCRIPT,
        }
    }

    /// The script's elements from the read's reply (`None`: the key is gone).
    pub(crate) fn elements(self, v: &Value) -> Result<Option<Vec<Vec<u8>>>, String> {
        if matches!(v, Value::Nil) {
            return Ok(None);
        }
        let bad = || format!("unexpected {self:?} reply {v:?}");
        let out = match self {
            Kind::String => vec![bytes(v).ok_or_else(bad)?],
            Kind::Hash => pairs(v).ok_or_else(bad)?,
            Kind::List | Kind::Set => as_array(v)
                .ok_or_else(bad)?
                .iter()
                .map(bytes)
                .collect::<Option<_>>()
                .ok_or_else(bad)?,
            Kind::Zset => {
                // member, score... (RESP3: [member, score] pairs) → score, member...
                let mut p = pairs(v).ok_or_else(bad)?;
                for c in p.chunks_exact_mut(2) {
                    c.swap(0, 1);
                }
                p
            }
            Kind::Stream => stream(v).ok_or_else(bad)?,
        };
        // Aggregates that exist are never empty, except a stream whose entries were all
        // deleted: the scripts cannot make one (XADD needs an entry).
        if out.is_empty() {
            return Err(format!(
                "an empty {self:?} cannot be copied typed (the target refused its DUMP payload)"
            )
            .to_lowercase());
        }
        Ok(Some(out))
    }
}

/// A string element: bulk, status, or a number (RESP3 scores are doubles).
fn bytes(v: &Value) -> Option<Vec<u8>> {
    match v {
        Value::BulkString(b) => Some(b.clone()),
        Value::SimpleString(s) => Some(s.clone().into_bytes()),
        Value::Int(n) => Some(n.to_string().into_bytes()),
        Value::Double(d) => Some(score(*d).into_bytes()),
        _ => None,
    }
}

/// A score as ZADD reads it back exactly (Rust prints the shortest round-trip form).
fn score(d: f64) -> String {
    if d.is_infinite() {
        if d > 0.0 { "+inf" } else { "-inf" }.to_string()
    } else {
        d.to_string()
    }
}

/// A flat array of pairs, a RESP3 map, or an array of two-element arrays, flattened.
fn pairs(v: &Value) -> Option<Vec<Vec<u8>>> {
    match v {
        Value::Map(m) => m.iter().flat_map(|(k, v)| [bytes(k), bytes(v)]).collect(),
        Value::Array(a) if a.iter().all(|e| matches!(e, Value::Array(_))) => a
            .iter()
            .flat_map(|e| as_array(e).unwrap_or_default().iter().map(bytes))
            .collect(),
        Value::Array(a) if a.len() % 2 == 0 => a.iter().map(bytes).collect(),
        _ => None,
    }
}

/// XRANGE's `[[id, [field, value...]]...]` as `id, count, field, value...`.
fn stream(v: &Value) -> Option<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    for entry in as_array(v)? {
        let [id, fields] = as_array(entry)? else {
            return None;
        };
        let fields = pairs(fields)?;
        out.push(bytes(id)?);
        out.push((fields.len() / 2).to_string().into_bytes());
        out.extend(fields);
    }
    Some(out)
}

/// Copies `keys` typed from `source` to `target`; one [`Written`] per key, in order.
pub(crate) async fn copy(
    source: &mut NodeConn,
    target: &mut NodeConn,
    keys: &[Vec<u8>],
    opts: WriteOptions,
) -> Result<Vec<Written>, Error> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let mut out: Vec<Option<Written>> = vec![None; keys.len()];
    // 1. The types.
    let mut pipe = redis::pipe();
    pipe.ignore_errors();
    for k in keys {
        pipe.cmd("TYPE").arg(k.as_slice());
    }
    let types: Vec<Value> = source.query_pipe(&pipe).await?;
    let mut kinds = Vec::new();
    for (i, t) in types.iter().enumerate() {
        match as_word(t).as_deref() {
            Some("none") => out[i] = Some(Written::Missing),
            Some(word) => match Kind::from_type(word) {
                Some(kind) => kinds.push((i, kind)),
                None => out[i] = Some(Written::Failed(format!("type {word} has no typed copy"))),
            },
            None => out[i] = Some(Written::Failed(failed("TYPE", t))),
        }
    }
    // 2. The values and their TTLs, read side by side.
    let mut pipe = redis::pipe();
    pipe.ignore_errors();
    for &(i, kind) in &kinds {
        kind.read(&mut pipe, &keys[i]);
        pipe.cmd("PTTL").arg(keys[i].as_slice());
    }
    let reads: Vec<Value> = if kinds.is_empty() {
        Vec::new()
    } else {
        source.query_pipe(&pipe).await?
    };
    let mut writes = Vec::new();
    for (&(i, kind), r) in kinds.iter().zip(reads.chunks_exact(2)) {
        match value(kind, &r[0], &r[1], opts) {
            Ok((elements, pttl)) => writes.push((i, kind, elements, pttl)),
            Err(w) => out[i] = Some(w),
        }
    }
    // 3. The scripts: each loaded first (a no-op when the server has it), then run.
    if !writes.is_empty() {
        let mut pipe = redis::pipe();
        pipe.ignore_errors();
        let mut loaded: Vec<(Kind, &str)> = Vec::new();
        for (_, kind, _, _) in &writes {
            if !loaded.iter().any(|(k, _)| k == kind) {
                loaded.push((*kind, kind.script().sha(target).await?));
                pipe.cmd("SCRIPT").arg("LOAD").arg(&kind.script().code);
            }
        }
        for (i, kind, elements, pttl) in &writes {
            let sha = loaded.iter().find(|(k, _)| k == kind).map(|(_, s)| *s);
            pipe.cmd("EVALSHA")
                .arg(sha)
                .arg(2)
                .arg(keys[*i].as_slice())
                .arg(scripts::scratch_key(&keys[*i]))
                .arg(if opts.overwrite { "1" } else { "0" })
                .arg(opts.ttl_for(&keys[*i], *pttl))
                .arg(elements);
        }
        let replies: Vec<Value> = target.query_pipe(&pipe).await?;
        for (w, reply) in writes.iter().zip(replies.iter().skip(loaded.len())) {
            let bytes = w.2.iter().map(|e| e.len() as u64).sum();
            out[w.0] = Some(match reply {
                Value::Int(1) => Written::Fallback { bytes },
                Value::Int(0) => Written::Exists,
                other => Written::Failed(failed("typed copy", other)),
            });
        }
    }
    Ok(out
        .into_iter()
        .map(|w| w.unwrap_or_else(|| Written::Failed("no reply".into())))
        .collect())
}

/// A key's elements and TTL from its read and PTTL replies; `Err` when it is not written.
fn value(
    kind: Kind,
    read: &Value,
    pttl: &Value,
    opts: WriteOptions,
) -> Result<(Vec<Vec<u8>>, Option<u64>), Written> {
    if let Some(e) = server_error(read).or_else(|| server_error(pttl)) {
        return Err(Written::Failed(format!("source: {e}")));
    }
    let pttl = match ttl(pttl) {
        Ok(Some(t)) => t,
        Ok(None) => return Err(Written::Missing),
        Err(e) => return Err(Written::Failed(format!("source: {e}"))),
    };
    if pttl.is_some_and(|ms| short(ms, opts)) {
        return Err(Written::ShortTtl);
    }
    match kind.elements(read) {
        Ok(Some(e)) => Ok((e, pttl)),
        Ok(None) => Err(Written::Missing),
        Err(e) => Err(Written::Failed(e)),
    }
}

/// One line for an unexpected reply or an error reply.
fn failed(what: &str, v: &Value) -> String {
    match server_error(v) {
        Some(e) => e,
        None => format!("unexpected {what} reply {v:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bs(s: &str) -> Value {
        Value::BulkString(s.as_bytes().to_vec())
    }

    fn text(v: Vec<Vec<u8>>) -> Vec<String> {
        v.into_iter()
            .map(|b| String::from_utf8(b).unwrap())
            .collect()
    }

    #[test]
    fn replies_become_script_elements() {
        let z = Value::Array(vec![bs("a"), bs("1.5"), bs("b"), bs("inf")]);
        let e = Kind::Zset.elements(&z).unwrap().unwrap();
        assert_eq!(text(e), ["1.5", "a", "inf", "b"]);
        let z3 = Value::Array(vec![Value::Array(vec![bs("a"), Value::Double(0.1)])]);
        let e = Kind::Zset.elements(&z3).unwrap().unwrap();
        assert_eq!(text(e), ["0.1", "a"]);
        let x = Value::Array(vec![Value::Array(vec![
            bs("1-1"),
            Value::Array(vec![bs("f"), bs("v"), bs("g"), bs("w")]),
        ])]);
        let e = Kind::Stream.elements(&x).unwrap().unwrap();
        assert_eq!(text(e), ["1-1", "2", "f", "v", "g", "w"]);
        assert_eq!(Kind::String.elements(&Value::Nil), Ok(None));
        assert!(Kind::Stream
            .elements(&Value::Array(vec![]))
            .unwrap_err()
            .contains("empty stream"));
    }

    #[test]
    fn infinite_scores_read_back() {
        assert_eq!(score(f64::INFINITY), "+inf");
        assert_eq!(score(f64::NEG_INFINITY), "-inf");
        assert_eq!(score(0.1).parse::<f64>().unwrap(), 0.1);
    }
}
