//! Small readers for RESP values as servers send them (RESP2 flat arrays or RESP3 maps):
//! the one home of reply helpers, used by every parser and by the sources that read
//! replies themselves. Pure.

use redis::Value;

pub(crate) fn as_array(v: &Value) -> Option<&[Value]> {
    match v {
        Value::Array(a) | Value::Set(a) => Some(a),
        _ => None,
    }
}

pub(crate) fn as_text(v: &Value) -> Option<String> {
    match v {
        Value::BulkString(b) => Some(String::from_utf8_lossy(b).into_owned()),
        Value::SimpleString(s) => Some(s.clone()),
        Value::VerbatimString { text, .. } => Some(text.clone()),
        Value::Int(n) => Some(n.to_string()),
        // redis-rs turns a `+OK` status into `Okay`.
        Value::Okay => Some("OK".into()),
        _ => None,
    }
}

/// A word the server sends as a string and nothing else (TYPE, OBJECT ENCODING): any
/// other reply (an integer, an error, nil) is not one.
pub(crate) fn as_word(v: &Value) -> Option<String> {
    match v {
        Value::BulkString(b) => Some(String::from_utf8_lossy(b).into_owned()),
        Value::SimpleString(s) => Some(s.clone()),
        _ => None,
    }
}

pub(crate) fn as_int(v: &Value) -> Option<i64> {
    match v {
        Value::Int(n) => Some(*n),
        other => as_text(other)?.parse().ok(),
    }
}

/// A non-negative integer, sent as an integer or as text.
pub(crate) fn as_count(v: &Value) -> Option<u64> {
    match v {
        Value::Int(n) => u64::try_from(*n).ok(),
        other => as_text(other)?.parse().ok(),
    }
}

/// The message of an error reply (one command's error inside a pipeline).
pub(crate) fn server_error(v: &Value) -> Option<String> {
    match v {
        Value::ServerError(e) => Some(
            format!("{} {}", e.code(), e.details().unwrap_or(""))
                .trim_end()
                .into(),
        ),
        _ => None,
    }
}

/// A SCAN reply, `[cursor, [key, ...]]`: the next cursor and the keys (as bytes).
pub(crate) fn scan_reply(v: Value) -> Option<(u64, Vec<Vec<u8>>)> {
    let Value::Array(mut parts) = v else {
        return None;
    };
    if parts.len() != 2 {
        return None;
    }
    let keys = parts.pop()?;
    let cursor = u64::try_from(as_int(&parts[0])?).ok()?;
    let Value::Array(keys) = keys else {
        return None;
    };
    let keys = keys
        .into_iter()
        .filter_map(|k| match k {
            Value::BulkString(b) => Some(b),
            _ => None,
        })
        .collect();
    Some((cursor, keys))
}

/// A RESP3 map, or a RESP2 flat array of alternating names and values.
pub(crate) fn as_map(v: &Value) -> Option<Vec<(String, &Value)>> {
    match v {
        Value::Map(m) => m.iter().map(|(k, v)| Some((as_text(k)?, v))).collect(),
        Value::Array(a) if a.len() % 2 == 0 => a
            .chunks_exact(2)
            .map(|c| Some((as_text(&c[0])?, &c[1])))
            .collect(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bs(s: &[u8]) -> Value {
        Value::BulkString(s.to_vec())
    }

    #[test]
    fn scan_replies() {
        let v = Value::Array(vec![bs(b"17"), Value::Array(vec![bs(b"a"), bs(b"\xff")])]);
        assert_eq!(
            scan_reply(v),
            Some((17, vec![b"a".to_vec(), b"\xff".to_vec()]))
        );
        assert_eq!(scan_reply(Value::Nil), None);
        assert_eq!(
            scan_reply(Value::Array(vec![bs(b"-1"), Value::Array(vec![])])),
            None
        );
    }

    #[test]
    fn numbers_and_text() {
        assert_eq!(as_int(&bs(b"-12")), Some(-12));
        assert_eq!(as_int(&Value::SimpleString("7".into())), Some(7));
        assert_eq!(as_int(&Value::Nil), None);
        assert_eq!(as_count(&Value::Int(-1)), None);
        assert_eq!(as_count(&bs(b"18446744073709551615")), Some(u64::MAX));
        assert_eq!(as_text(&Value::Okay).as_deref(), Some("OK"));
        assert_eq!(as_text(&bs(b"hash")).as_deref(), Some("hash"));
        assert_eq!(as_text(&Value::Nil), None);
        assert_eq!(server_error(&Value::Int(1)), None);
    }
}
