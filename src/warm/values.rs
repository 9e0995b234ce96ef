//! Where the values come from, behind one call: a source server or cluster (DUMP + PTTL,
//! [`Nodes::fetch`]), a JSONL file read whole ([`FileValues`]), or an external source — a
//! command or an HTTP GET per key ([`External`]). Each gives one [`Fetched`] per key, in
//! order. Must not: write.

use super::copy::Fetched;
use super::external::{External, Got};
use super::file::FileValues;
use super::route::Nodes;
use crate::error::Result;

pub(crate) enum Values {
    /// A peer, replica or backup: the DUMP payloads and remaining TTLs.
    Peer(Nodes),
    /// A JSONL file; `ttl_ms`: `--ttl`, for lines that give none.
    File {
        file: FileValues,
        ttl_ms: Option<u64>,
    },
    /// A command or an HTTP GET per key, with `--ttl`.
    External {
        external: External,
        ttl_ms: Option<u64>,
    },
}

impl Values {
    /// Every key's value, in order. An `Err` is a source lost as a whole.
    pub(crate) async fn fetch(&mut self, keys: &[Vec<u8>]) -> Result<Vec<Fetched>> {
        Ok(match self {
            Values::Peer(nodes) => nodes.fetch(keys).await?,
            Values::File { file, ttl_ms } => file.get(keys, *ttl_ms),
            Values::External { external, ttl_ms } => external
                .fetch(keys)
                .await?
                .into_iter()
                .map(|g| match g {
                    Got::Value(value) => Fetched::Plain {
                        value,
                        ttl_ms: *ttl_ms,
                    },
                    Got::Missing => Fetched::Missing,
                    Got::Failed(why) => Fetched::Failed(why),
                })
                .collect(),
        })
    }

    /// The source server's nodes (the typed copy and `--verify` read from them).
    pub(crate) fn peer(&self) -> Option<&Nodes> {
        match self {
            Values::Peer(n) => Some(n),
            _ => None,
        }
    }
}
