//! Writing fetched values to one node of the target: RESTORE with the remaining TTL (or
//! SET NX for a plain value), pipelined, never REPLACE unless asked; keys whose payload the
//! target refuses are handed back for the typed copy, redirections for the router.

use redis::Value;

use super::{Fetched, WriteOptions, Written};
use crate::error::Error;
use crate::parse::keyslot::{redirect, Redirect};
use crate::parse::resp::server_error;
use crate::source::conn::NodeConn;

/// What RESTORE says when it cannot read a payload: `verifyDumpPayload` failed (an RDB
/// version newer than the server's, e.g. Valkey 9's 80 on Redis 7.0, or a bad CRC), or
/// the body does not parse (`rdbLoadObject`). Redis and Valkey `restoreCommand` both.
const REFUSED_PAYLOAD: [&str; 2] = [
    "DUMP payload version or checksum are wrong",
    "Bad data format",
];

/// One key's write on one node, before the typed copy and the routing are done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    Done(Written),
    /// The target cannot read this DUMP payload: copy the key typed.
    Refused,
    /// A cluster node sent the key elsewhere (MOVED, ASK).
    Redirect(Redirect),
}

/// Writes `items` to one node, one pipelined round trip: RESTORE with the remaining TTL
/// for DUMP payloads, SET with NX and PX for plain values; each preceded by ASKING when
/// `asking` (an ASK redirection). One [`Step`] per item, in order. Only a connection
/// failure is an `Err`.
pub(crate) async fn write_node(
    target: &mut NodeConn,
    items: &[(&[u8], &Fetched)],
    opts: WriteOptions,
    asking: bool,
) -> Result<Vec<Step>, Error> {
    let mut out: Vec<Option<Step>> = items
        .iter()
        .map(|(_, f)| settled(f, opts).map(Step::Done))
        .collect();
    let todo: Vec<usize> = (0..items.len()).filter(|&i| out[i].is_none()).collect();
    if todo.is_empty() {
        return Ok(out.into_iter().flatten().collect());
    }
    let mut pipe = redis::pipe();
    pipe.ignore_errors();
    for &i in &todo {
        if asking {
            pipe.cmd("ASKING").ignore();
        }
        let (key, value) = items[i];
        match value {
            Fetched::Value { payload, pttl_ms } => {
                let cmd = pipe
                    .cmd("RESTORE")
                    .arg(key)
                    .arg(opts.ttl_for(key, *pttl_ms))
                    .arg(payload.as_slice());
                if opts.overwrite {
                    cmd.arg("REPLACE");
                }
            }
            Fetched::Plain { value, ttl_ms } => {
                let cmd = pipe.cmd("SET").arg(key).arg(value.as_slice());
                if !opts.overwrite {
                    cmd.arg("NX");
                }
                if ttl_ms.is_some() {
                    cmd.arg("PX").arg(opts.ttl_for(key, *ttl_ms));
                }
            }
            Fetched::Missing | Fetched::Failed(_) => unreachable!("settled before writing"),
        }
    }
    let replies: Vec<Value> = target.query_pipe(&pipe).await?;
    if replies.len() != todo.len() {
        return Err(Error::Server {
            addr: target.endpoint.to_string(),
            msg: format!("{} replies to {} writes", replies.len(), todo.len()),
        });
    }
    for (&i, reply) in todo.iter().zip(&replies) {
        out[i] = Some(match items[i].1 {
            Fetched::Value { payload, .. } => match restored(reply) {
                Restore::Done => Step::Done(Written::Restored {
                    bytes: payload.len() as u64,
                }),
                Restore::Exists => Step::Done(Written::Exists),
                Restore::Refused => Step::Refused,
                Restore::Failed(why) => failed(why),
            },
            Fetched::Plain { value, .. } => match (reply, server_error(reply)) {
                (_, Some(e)) => failed(e),
                (Value::Nil, None) => Step::Done(Written::Exists),
                _ => Step::Done(Written::Restored {
                    bytes: value.len() as u64,
                }),
            },
            Fetched::Missing | Fetched::Failed(_) => unreachable!("settled before writing"),
        });
    }
    Ok(out
        .into_iter()
        .map(|w| w.expect("every key has an outcome"))
        .collect())
}

/// Writes `items` to one node and copies the refused payloads typed, read from `source`
/// (a redirection is a failed key here: one node knows no other).
#[cfg(test)]
pub(crate) async fn write(
    source: &mut NodeConn,
    target: &mut NodeConn,
    items: &[(Vec<u8>, Fetched)],
    opts: WriteOptions,
) -> Result<Vec<Written>, Error> {
    let refs: Vec<(&[u8], &Fetched)> = items.iter().map(|(k, f)| (k.as_slice(), f)).collect();
    let steps = write_node(target, &refs, opts, false).await?;
    let refused = refused(items, &steps);
    let mut typed = super::typed::copy(source, target, &refused, opts)
        .await?
        .into_iter();
    Ok(steps
        .into_iter()
        .map(|s| match s {
            Step::Done(w) => w,
            Step::Refused => typed.next().expect("one typed copy per refused key"),
            Step::Redirect(r) => Written::Failed(format!(
                "{} {} {}",
                if r.ask { "ASK" } else { "MOVED" },
                r.slot,
                r.addr
            )),
        })
        .collect())
}

/// The keys whose payload the target refused (for the typed copy), in order.
pub(crate) fn refused(items: &[(Vec<u8>, Fetched)], steps: &[Step]) -> Vec<Vec<u8>> {
    items
        .iter()
        .zip(steps)
        .filter(|(_, s)| **s == Step::Refused)
        .map(|((k, _), _)| k.clone())
        .collect()
}

/// A refused write: a redirection to follow, or a failed key.
fn failed(why: String) -> Step {
    match redirect(&why) {
        Some(r) => Step::Redirect(r),
        None => Step::Done(Written::Failed(why)),
    }
}

/// The outcome of a key that needs no write (missing, failed at the source, TTL too
/// short), or `None` when it is to be written.
pub(super) fn settled(f: &Fetched, opts: WriteOptions) -> Option<Written> {
    match f {
        Fetched::Missing => Some(Written::Missing),
        Fetched::Failed(why) => Some(Written::Failed(format!("source: {why}"))),
        // A plain value's TTL is the one asked for (`--ttl`, a file's `ttl_ms`), not what
        // is left of one: `--min-ttl` is not for it.
        Fetched::Plain { .. } => None,
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
