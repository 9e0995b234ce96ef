//! What a keyspace scan learns of one key (its type, memory, length, TTL) and of one node's
//! memory: the facts the SCAN walker (`source::walker`) reads and the census
//! (`analysis::census`) counts. They sit here, below both, with the protocol knowledge
//! they carry (which command gives a type's length, how TYPE/MEMORY USAGE/PTTL replies
//! make a key's facts). Pure.

use redis::Value;

use super::resp::{as_int, as_word};

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
#[derive(Debug, Clone)]
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

/// A key's facts from its TYPE, MEMORY USAGE and PTTL replies (seen at `seen_ms`); None
/// when it was gone by then (TYPE `none`, MEMORY USAGE nil, PTTL -2) or a reply is an error.
pub(crate) fn probed(
    key: Vec<u8>,
    replies: &[Option<Value>; 3],
    seen_ms: u64,
    node: u16,
) -> Option<KeyInfo> {
    let kind = KeyType::from_type_reply(&replies[0].as_ref().and_then(as_word)?)?;
    let mem = replies[1].as_ref().and_then(as_int)?;
    let pttl = replies[2].as_ref().and_then(as_int)?;
    if pttl == -2 {
        return None;
    }
    let ttl = (pttl >= 0).then_some(pttl as u64);
    Some(KeyInfo {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_gone_before_the_probe_are_vanished() {
        let st = |t: &str| Some(Value::SimpleString(t.into()));
        let k = || b"k".to_vec();
        let info = probed(
            k(),
            &[st("hash"), Some(Value::Int(120)), Some(Value::Int(5000))],
            1000,
            2,
        )
        .expect("a live key");
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
        let no_ttl = probed(
            k(),
            &[st("string"), Some(Value::Int(50)), Some(Value::Int(-1))],
            0,
            0,
        )
        .unwrap();
        assert_eq!(no_ttl.ttl_ms, None);
        // Deleted before TYPE, before MEMORY USAGE, before PTTL.
        assert!(probed(
            k(),
            &[st("none"), Some(Value::Nil), Some(Value::Int(-2))],
            0,
            0
        )
        .is_none());
        assert!(probed(
            k(),
            &[st("set"), Some(Value::Nil), Some(Value::Int(-2))],
            0,
            0
        )
        .is_none());
        assert!(probed(
            k(),
            &[st("set"), Some(Value::Int(90)), Some(Value::Int(-2))],
            0,
            0
        )
        .is_none());
        assert!(probed(k(), &[st("set"), None, None], 0, 0).is_none());
        // A TYPE reply that is not a word (an error, an integer) is no type.
        let int = Some(Value::Int(5));
        assert!(probed(
            k(),
            &[int, Some(Value::Int(90)), Some(Value::Int(-1))],
            0,
            0
        )
        .is_none());
    }
}
