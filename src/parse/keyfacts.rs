//! What a keyspace scan learns of one key (its type, memory, length, TTL) and of one node's
//! memory: the facts the SCAN walker (`source::walker`) reads and the census
//! (`analysis::census`) counts. They sit here, below both, with the protocol knowledge
//! they carry (which command gives a type's length). Pure.

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
