//! What a keyspace scan learns of one key (its type, memory, length, TTL) and of one node's
//! memory: the facts the SCAN walker (`source::walker`) reads and the census
//! (`analysis::census`) counts. They sit here, below both, with the protocol knowledge
//! they carry (which command gives a type's length, how TYPE/MEMORY USAGE/PTTL replies
//! make a key's facts). Pure.

use redis::Value;

use super::resp::as_word;

/// A key's type as TYPE answers it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum KeyType {
    String,
    List,
    Set,
    Zset,
    Hash,
    Stream,
    /// A module type (`ReJSON-RL`, ...), by its name.
    Other(Box<str>),
}

impl KeyType {
    pub(crate) fn from_type_reply(s: &str) -> Option<KeyType> {
        Some(match s {
            "none" => return None,
            "string" => KeyType::String,
            "list" => KeyType::List,
            "set" => KeyType::Set,
            "zset" => KeyType::Zset,
            "hash" => KeyType::Hash,
            "stream" => KeyType::Stream,
            other => KeyType::Other(other.into()),
        })
    }

    pub(crate) fn as_str(&self) -> &str {
        match self {
            KeyType::String => "string",
            KeyType::List => "list",
            KeyType::Set => "set",
            KeyType::Zset => "zset",
            KeyType::Hash => "hash",
            KeyType::Stream => "stream",
            KeyType::Other(s) => s,
        }
    }

    /// The O(1) command that gives the length (bytes, items, members, fields, entries).
    pub(crate) fn length_command(&self) -> Option<&'static str> {
        Some(match self {
            KeyType::String => "STRLEN",
            KeyType::List => "LLEN",
            KeyType::Set => "SCARD",
            KeyType::Zset => "ZCARD",
            KeyType::Hash => "HLEN",
            KeyType::Stream => "XLEN",
            KeyType::Other(_) => return None,
        })
    }

    /// What the length counts, for people.
    pub(crate) fn length_unit(&self) -> &'static str {
        match self {
            KeyType::String => "bytes",
            KeyType::List => "items",
            KeyType::Set | KeyType::Zset => "members",
            KeyType::Hash => "fields",
            KeyType::Stream => "entries",
            KeyType::Other(_) => "",
        }
    }
}

/// One scanned key's facts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct KeyInfo {
    pub(crate) key: Vec<u8>,
    pub(crate) kind: KeyType,
    /// MEMORY USAGE (with the walk's SAMPLES).
    pub(crate) memory: u64,
    pub(crate) length: Option<u64>,
    /// Remaining time to live when seen; None = no TTL.
    pub(crate) ttl_ms: Option<u64>,
    /// When it expires (ms since the epoch): time seen + PTTL.
    pub(crate) expires_at_ms: Option<u64>,
    pub(crate) encoding: Option<String>,
    pub(crate) node: u16,
}

/// A node's memory as INFO gives it.
#[derive(Debug, Clone)]
pub(crate) struct NodeMemory {
    pub(crate) used_memory: u64,
    pub(crate) maxmemory: u64,
    pub(crate) policy: String,
}

/// What a node's reply about one key says: the answer, that the key is gone, or that the
/// node refused to answer (its error, not the key's).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Answer<T> {
    Got(T),
    /// Gone (or changed type) since SCAN returned it: the replies that mean so, and only
    /// those, count as vanished keys.
    Gone,
    /// Any other error or unexpected reply (CLUSTERDOWN, LOADING, NOPERM, MOVED, ...): the
    /// node cannot be scanned now; the text says which command got what.
    Failed(String),
}

/// The text of an error reply as the server sent it (`CLUSTERDOWN The cluster is down`).
pub(crate) fn reply_error(v: &Value) -> Option<String> {
    let Value::ServerError(e) = v else {
        return None;
    };
    Some(match e.details() {
        Some(d) => format!("{} {d}", e.code()),
        None => e.code().to_string(),
    })
}

/// `CMD answered ...`: what a node said instead of an answer.
fn refused(cmd: &str, v: Option<&Value>) -> String {
    match v {
        None => format!("{cmd}: no reply"),
        Some(v) => match reply_error(v) {
            Some(e) => format!("{cmd}: {e}"),
            None => format!("{cmd}: unexpected reply {v:?}"),
        },
    }
}

/// A key's facts from its TYPE, MEMORY USAGE and PTTL replies (seen at `seen_ms`). Gone
/// when it was deleted (or expired) before them: TYPE `none`, MEMORY USAGE nil, PTTL -2;
/// any error reply, or a reply of the wrong shape, is the node's failure.
pub(crate) fn probed(
    key: Vec<u8>,
    replies: &[Option<Value>; 3],
    seen_ms: u64,
    node: u16,
) -> Answer<KeyInfo> {
    let [ty, mem, pttl] = replies;
    // An error anywhere is the node's, even after a reply that says the key is gone.
    for (cmd, r) in [("TYPE", ty), ("MEMORY USAGE", mem), ("PTTL", pttl)] {
        if r.as_ref().is_none_or(|v| reply_error(v).is_some()) {
            return Answer::Failed(refused(cmd, r.as_ref()));
        }
    }
    let Some(kind) = ty.as_ref().and_then(as_word) else {
        return Answer::Failed(refused("TYPE", ty.as_ref()));
    };
    let Some(kind) = KeyType::from_type_reply(&kind) else {
        return Answer::Gone;
    };
    let mem = match mem {
        Some(Value::Nil) => return Answer::Gone,
        Some(Value::Int(n)) => *n,
        other => return Answer::Failed(refused("MEMORY USAGE", other.as_ref())),
    };
    let pttl = match pttl {
        Some(Value::Int(-2)) => return Answer::Gone,
        Some(Value::Int(n)) => *n,
        other => return Answer::Failed(refused("PTTL", other.as_ref())),
    };
    let ttl = (pttl >= 0).then_some(pttl as u64);
    Answer::Got(KeyInfo {
        key,
        kind,
        memory: mem.max(0) as u64,
        length: None,
        ttl_ms: ttl,
        expires_at_ms: ttl.map(|t| seen_ms + t),
        encoding: None,
        node,
    })
}

/// The reply of a type's length command (`cmd`). WRONGTYPE means the key was deleted and
/// made again as another type since TYPE: gone, as the key that was typed. (A key deleted
/// since TYPE reads as length 0: the commands answer 0 for a missing key.)
pub(crate) fn length(cmd: &str, reply: Option<&Value>) -> Answer<u64> {
    match reply {
        Some(Value::Int(n)) => Answer::Got((*n).max(0) as u64),
        Some(Value::ServerError(e)) if e.code() == "WRONGTYPE" => Answer::Gone,
        other => Answer::Failed(refused(cmd, other)),
    }
}

/// An OBJECT FREQ reply: the LFU counter, or nil for a key gone since SCAN.
pub(crate) fn freq(reply: Option<&Value>) -> Answer<u8> {
    match reply {
        Some(Value::Int(n)) => Answer::Got((*n).clamp(0, 255) as u8),
        Some(Value::Nil) => Answer::Gone,
        other => Answer::Failed(refused("OBJECT FREQ", other)),
    }
}

/// An OBJECT ENCODING reply (asked with `--encoding`): the encoding, or nil for a key gone
/// since SCAN (its other replies say so too).
pub(crate) fn encoding(reply: Option<&Value>) -> Answer<String> {
    match reply {
        Some(Value::Nil) => Answer::Gone,
        Some(v) => match as_word(v) {
            Some(e) => Answer::Got(e),
            None => Answer::Failed(refused("OBJECT ENCODING", Some(v))),
        },
        None => Answer::Failed(refused("OBJECT ENCODING", None)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(t: &str) -> Option<Value> {
        Some(Value::SimpleString(t.into()))
    }

    fn int(n: i64) -> Option<Value> {
        Some(Value::Int(n))
    }

    /// An error reply as redis-rs parses it off the wire.
    fn err(text: &str) -> Option<Value> {
        let wire = format!("-{text}\r\n");
        Some(redis::parse_redis_value(wire.as_bytes()).expect("an error reply"))
    }

    fn k() -> Vec<u8> {
        b"k".to_vec()
    }

    #[test]
    fn a_live_key_has_its_facts() {
        let Answer::Got(info) = probed(k(), &[st("hash"), int(120), int(5000)], 1000, 2) else {
            panic!("a live key");
        };
        assert_eq!(
            (
                info.kind,
                info.memory,
                info.ttl_ms,
                info.expires_at_ms,
                info.node
            ),
            (KeyType::Hash, 120, Some(5000), Some(6000), 2)
        );
        let Answer::Got(no_ttl) = probed(k(), &[st("string"), int(50), int(-1)], 0, 0) else {
            panic!("a live key");
        };
        assert_eq!(no_ttl.ttl_ms, None);
    }

    #[test]
    fn only_the_replies_that_mean_gone_are_vanished_keys() {
        // Deleted before TYPE, before MEMORY USAGE, before PTTL.
        for replies in [
            [st("none"), Some(Value::Nil), int(-2)],
            [st("set"), Some(Value::Nil), int(-2)],
            [st("set"), int(90), int(-2)],
        ] {
            assert_eq!(probed(k(), &replies, 0, 0), Answer::Gone, "{replies:?}");
        }
        assert_eq!(
            length(
                "HLEN",
                err("WRONGTYPE Operation against a key holding the wrong kind of value").as_ref()
            ),
            Answer::Gone
        );
        assert_eq!(length("HLEN", int(7).as_ref()), Answer::Got(7));
        assert_eq!(freq(Some(&Value::Nil)), Answer::Gone);
        assert_eq!(freq(int(300).as_ref()), Answer::Got(255));
        assert_eq!(encoding(Some(&Value::Nil)), Answer::Gone);
        assert_eq!(
            encoding(st("listpack").as_ref()),
            Answer::Got("listpack".into())
        );
    }

    #[test]
    fn any_other_error_is_the_nodes_and_says_which_command_got_it() {
        let down = || err("CLUSTERDOWN The cluster is down");
        assert_eq!(
            probed(k(), &[down(), down(), down()], 0, 0),
            Answer::Failed("TYPE: CLUSTERDOWN The cluster is down".into())
        );
        // An error after a reply that says "gone" is still the node's.
        let noperm = err("NOPERM User scan has no permissions to run the 'memory|usage' command");
        assert_eq!(
            probed(k(), &[st("none"), noperm, int(-2)], 0, 0),
            Answer::Failed(
                "MEMORY USAGE: NOPERM User scan has no permissions to run the 'memory|usage' command"
                    .into()
            )
        );
        assert_eq!(
            probed(
                k(),
                &[
                    st("string"),
                    int(5),
                    err("LOADING Redis is loading the dataset in memory")
                ],
                0,
                0
            ),
            Answer::Failed("PTTL: LOADING Redis is loading the dataset in memory".into())
        );
        assert!(matches!(
            probed(k(), &[st("set"), None, None], 0, 0),
            Answer::Failed(_)
        ));
        // A TYPE reply that is not a word (an integer) is no type, and no "gone" either.
        assert!(matches!(
            probed(k(), &[int(5), int(90), int(-1)], 0, 0),
            Answer::Failed(_)
        ));
        assert_eq!(
            length("STRLEN", err("MOVED 3999 127.0.0.1:7001").as_ref()),
            Answer::Failed("STRLEN: MOVED 3999 127.0.0.1:7001".into())
        );
        assert!(matches!(
            length("LLEN", Some(&Value::Nil)),
            Answer::Failed(_)
        ));
        assert!(matches!(
            freq(err("ERR An LFU maxmemory policy is not selected").as_ref()),
            Answer::Failed(_)
        ));
        assert!(matches!(
            encoding(err("NOPERM no").as_ref()),
            Answer::Failed(_)
        ));
    }
}
