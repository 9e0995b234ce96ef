//! Writing fetched values to the target: RESTORE with the remaining TTL, pipelined, never
//! REPLACE unless asked; keys whose payload the target refuses go to the typed copy.

use redis::Value;

use super::{typed, Fetched, WriteOptions, Written};
use crate::error::Error;
use crate::parse::resp::server_error;
use crate::source::conn::NodeConn;

/// What RESTORE says when it cannot read a payload: `verifyDumpPayload` failed (an RDB
/// version newer than the server's, e.g. Valkey 9's 80 on Redis 7.0, or a bad CRC), or
/// the body does not parse (`rdbLoadObject`). Redis and Valkey `restoreCommand` both.
const REFUSED_PAYLOAD: [&str; 2] = [
    "DUMP payload version or checksum are wrong",
    "Bad data format",
];

/// Writes `items` to the target (one [`Written`] per item, in order): one pipelined
/// round trip of RESTOREs, then the typed copy, read from `source`, for the keys whose
/// payload the target refused. Only a connection failure is an `Err`.
pub(crate) async fn write(
    source: &mut NodeConn,
    target: &mut NodeConn,
    items: &[(Vec<u8>, Fetched)],
    opts: WriteOptions,
) -> Result<Vec<Written>, Error> {
    let mut out: Vec<Option<Written>> = items.iter().map(|(_, f)| settled(f, opts)).collect();
    let todo: Vec<usize> = (0..items.len()).filter(|&i| out[i].is_none()).collect();
    if todo.is_empty() {
        return Ok(out.into_iter().flatten().collect());
    }
    let mut pipe = redis::pipe();
    pipe.ignore_errors();
    for &i in &todo {
        let (key, Fetched::Value { payload, pttl_ms }) = &items[i] else {
            unreachable!("only values are left to write")
        };
        let cmd = pipe
            .cmd("RESTORE")
            .arg(key.as_slice())
            .arg(opts.ttl_for(key, *pttl_ms))
            .arg(payload.as_slice());
        if opts.overwrite {
            cmd.arg("REPLACE");
        }
    }
    let replies: Vec<Value> = target.query_pipe(&pipe).await?;
    if replies.len() != todo.len() {
        return Err(Error::Server {
            addr: target.endpoint.to_string(),
            msg: format!("{} replies to {} RESTOREs", replies.len(), todo.len()),
        });
    }
    let mut refused = Vec::new();
    for (&i, reply) in todo.iter().zip(&replies) {
        let Fetched::Value { payload, .. } = &items[i].1 else {
            unreachable!("only values were written")
        };
        out[i] = match restored(reply) {
            Restore::Done => Some(Written::Restored {
                bytes: payload.len() as u64,
            }),
            Restore::Exists => Some(Written::Exists),
            Restore::Refused => {
                refused.push(i);
                None
            }
            Restore::Failed(why) => Some(Written::Failed(why)),
        };
    }
    if !refused.is_empty() {
        let keys: Vec<Vec<u8>> = refused.iter().map(|&i| items[i].0.clone()).collect();
        let typed = typed::copy(source, target, &keys, opts).await?;
        for (i, w) in refused.into_iter().zip(typed) {
            out[i] = Some(w);
        }
    }
    Ok(out
        .into_iter()
        .map(|w| w.expect("every key has an outcome"))
        .collect())
}

/// The outcome of a key that needs no write (missing, failed at the source, TTL too
/// short), or `None` when it is to be written.
pub(super) fn settled(f: &Fetched, opts: WriteOptions) -> Option<Written> {
    match f {
        Fetched::Missing => Some(Written::Missing),
        Fetched::Failed(why) => Some(Written::Failed(format!("source: {why}"))),
        Fetched::Value {
            pttl_ms: Some(ms), ..
        } if short(*ms, opts) => Some(Written::ShortTtl),
        Fetched::Value { .. } => None,
    }
}

/// A remaining TTL too short to write: under the minimum, or zero (RESTORE and the
/// scripts read a TTL of 0 as "no expiry": a key about to expire must not become eternal).
pub(super) fn short(pttl_ms: u64, opts: WriteOptions) -> bool {
    pttl_ms == 0 || pttl_ms < opts.min_ttl_ms
}

/// What one RESTORE reply means.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Restore {
    Done,
    /// BUSYKEY: the key exists and REPLACE was not given.
    Exists,
    /// The target cannot read the payload: copy the key typed.
    Refused,
    Failed(String),
}

pub(super) fn restored(reply: &Value) -> Restore {
    match server_error(reply) {
        None if matches!(reply, Value::Okay) => Restore::Done,
        None => Restore::Failed(format!("unexpected RESTORE reply {reply:?}")),
        Some(e) if e.starts_with("BUSYKEY") => Restore::Exists,
        Some(e) if REFUSED_PAYLOAD.iter().any(|t| e.contains(t)) => Restore::Refused,
        Some(e) => Restore::Failed(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(resp: &[u8]) -> Value {
        redis::parse_redis_value(resp).expect("a RESP reply")
    }

    #[test]
    fn restore_replies_are_told_apart() {
        assert_eq!(restored(&reply(b"+OK\r\n")), Restore::Done);
        assert_eq!(
            restored(&reply(b"-BUSYKEY Target key name already exists.\r\n")),
            Restore::Exists
        );
        assert_eq!(
            restored(&reply(
                b"-ERR DUMP payload version or checksum are wrong\r\n"
            )),
            Restore::Refused
        );
        assert_eq!(
            restored(&reply(b"-ERR Bad data format\r\n")),
            Restore::Refused
        );
        assert_eq!(
            restored(&reply(
                b"-OOM command not allowed when used memory > 'maxmemory'.\r\n"
            )),
            Restore::Failed("OOM command not allowed when used memory > 'maxmemory'.".into())
        );
    }

    #[test]
    fn short_ttls_and_the_zero_ttl_are_not_written() {
        let o = WriteOptions {
            overwrite: false,
            min_ttl_ms: 1000,
            jitter_pct: 0.0,
        };
        let v = |t| Fetched::Value {
            payload: vec![1],
            pttl_ms: t,
        };
        assert_eq!(settled(&v(Some(999)), o), Some(Written::ShortTtl));
        assert_eq!(settled(&v(Some(1000)), o), None);
        assert_eq!(settled(&v(None), o), None);
        let o0 = WriteOptions { min_ttl_ms: 0, ..o };
        assert_eq!(settled(&v(Some(0)), o0), Some(Written::ShortTtl));
        assert_eq!(settled(&Fetched::Missing, o), Some(Written::Missing));
    }
}
