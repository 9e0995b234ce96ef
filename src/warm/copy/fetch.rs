//! Reading values from the source: DUMP + PTTL for each key, one pipelined round trip.

use redis::Value;

use super::Fetched;
use crate::error::Error;
use crate::parse::resp::{as_int, server_error};
use crate::source::conn::NodeConn;

/// DUMP and PTTL of every key of `keys`, in one round trip; one [`Fetched`] per key, in
/// order (each command preceded by ASKING when `asking`). A key's own error reply (MOVED,
/// WRONGTYPE of a module...) is that key's `Failed`; only a connection failure is an `Err`.
pub(crate) async fn fetch(
    source: &mut NodeConn,
    keys: &[&[u8]],
    asking: bool,
) -> Result<Vec<Fetched>, Error> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let mut pipe = redis::pipe();
    pipe.ignore_errors();
    for k in keys {
        if asking {
            pipe.cmd("ASKING").ignore();
        }
        pipe.cmd("DUMP").arg(*k);
        if asking {
            pipe.cmd("ASKING").ignore();
        }
        pipe.cmd("PTTL").arg(*k);
    }
    let replies: Vec<Value> = source.query_pipe(&pipe).await?;
    if replies.len() != keys.len() * 2 {
        return Err(Error::Server {
            addr: source.endpoint.to_string(),
            msg: format!(
                "{} replies to {} DUMP/PTTL commands",
                replies.len(),
                keys.len() * 2
            ),
        });
    }
    Ok(replies
        .chunks_exact(2)
        .map(|r| fetched(&r[0], &r[1]))
        .collect())
}

/// One key's value from its DUMP and PTTL replies.
pub(super) fn fetched(dump: &Value, pttl: &Value) -> Fetched {
    if let Some(e) = server_error(dump).or_else(|| server_error(pttl)) {
        return Fetched::Failed(e);
    }
    let payload = match dump {
        Value::BulkString(b) => b.clone(),
        Value::Nil => return Fetched::Missing,
        other => return Fetched::Failed(format!("unexpected DUMP reply {other:?}")),
    };
    match ttl(pttl) {
        Ok(Some(pttl_ms)) => Fetched::Value { payload, pttl_ms },
        // Expired or deleted between the DUMP and the PTTL.
        Ok(None) => Fetched::Missing,
        Err(e) => Fetched::Failed(e),
    }
}

/// A PTTL reply: `Some(None)` no expiry (-1), `Some(Some(ms))`, `None` no key (-2).
pub(super) fn ttl(pttl: &Value) -> Result<Option<Option<u64>>, String> {
    match as_int(pttl) {
        Some(-2) => Ok(None),
        Some(-1) => Ok(Some(None)),
        Some(ms) if ms >= 0 => Ok(Some(Some(ms as u64))),
        _ => Err(format!("unexpected PTTL reply {pttl:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dump_and_pttl_make_a_value_or_nothing() {
        let bs = |b: &[u8]| Value::BulkString(b.to_vec());
        assert_eq!(
            fetched(&bs(b"\x00p"), &Value::Int(-1)),
            Fetched::Value {
                payload: b"\x00p".to_vec(),
                pttl_ms: None
            }
        );
        assert_eq!(
            fetched(&bs(b"x"), &Value::Int(1500)),
            Fetched::Value {
                payload: b"x".to_vec(),
                pttl_ms: Some(1500)
            }
        );
        assert_eq!(fetched(&Value::Nil, &Value::Int(-2)), Fetched::Missing);
        assert_eq!(fetched(&bs(b"x"), &Value::Int(-2)), Fetched::Missing);
        assert!(matches!(
            fetched(&bs(b"x"), &Value::Int(-7)),
            Fetched::Failed(_)
        ));
    }
}
