//! The `--source` value source and the target writer: values are read from a peer with
//! DUMP + PTTL and written to the target with RESTORE and the remaining TTL, so every type
//! copies exactly; when the target refuses a payload (a newer engine's DUMP format), that
//! key is copied typed instead, read from the source and written by one script per type.
//!
//! Safety rests here: nothing is ever deleted on either side (no DEL, UNLINK, FLUSH*, no
//! KEYS), and without `overwrite` a key that exists on the target is left alone,
//! atomically (RESTORE without REPLACE; the typed scripts check and write in one step).

mod fetch;
mod restore;
mod scripts;
mod typed;

#[cfg(test)]
mod tests;

pub(crate) use fetch::fetch;
pub(crate) use restore::write;

use crate::error::Error;
use crate::source::conn::NodeConn;

/// A value as read from the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Fetched {
    /// No such key on the source (DUMP nil, or PTTL -2).
    Missing,
    /// The DUMP payload and the remaining TTL (`None`: the key does not expire).
    Value {
        payload: Vec<u8>,
        pttl_ms: Option<u64>,
    },
    /// The source answered this key with an error (one line, as the server said it).
    Failed(String),
}

/// How a write treats the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WriteOptions {
    /// Replace a key that exists on the target (default: leave it alone).
    pub(crate) overwrite: bool,
    /// Keys with less TTL left than this are skipped, not written to expire at once.
    pub(crate) min_ttl_ms: u64,
}

/// What happened to one key on the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Written {
    /// RESTOREd from the DUMP payload; `bytes`: the payload's size.
    Restored { bytes: u64 },
    /// The target refused the payload; copied typed; `bytes`: the value's bytes sent.
    Fallback { bytes: u64 },
    /// The key exists on the target and was left alone (no `overwrite`).
    Exists,
    /// The key is not on the source.
    Missing,
    /// Its remaining TTL is under `min_ttl_ms` (or zero): not written.
    ShortTtl,
    /// Any other refusal, in one line.
    Failed(String),
}

/// The tally of one batch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct BatchResult {
    /// Keys written, typed fallbacks included.
    pub(crate) written: u64,
    /// Of `written`, those copied typed because the target refused the DUMP payload.
    pub(crate) fallback: u64,
    pub(crate) exists: u64,
    pub(crate) missing: u64,
    pub(crate) short_ttl: u64,
    pub(crate) failed: Vec<(Vec<u8>, String)>,
    /// Value bytes sent to the target (DUMP payloads, or the typed values' elements).
    pub(crate) bytes: u64,
}

impl BatchResult {
    /// Adds one key's outcome.
    pub(crate) fn add(&mut self, key: &[u8], w: &Written) {
        match w {
            Written::Restored { bytes } => {
                self.written += 1;
                self.bytes += bytes;
            }
            Written::Fallback { bytes } => {
                self.written += 1;
                self.fallback += 1;
                self.bytes += bytes;
            }
            Written::Exists => self.exists += 1,
            Written::Missing => self.missing += 1,
            Written::ShortTtl => self.short_ttl += 1,
            Written::Failed(why) => self.failed.push((key.to_vec(), why.clone())),
        }
    }
}

/// A source and a target connection with the write options: copies batches of keys.
#[derive(Clone)]
pub(crate) struct Copier {
    pub(crate) source: NodeConn,
    pub(crate) target: NodeConn,
    pub(crate) opts: WriteOptions,
}

impl Copier {
    /// Copies `keys`: one pipelined round trip to the source (DUMP + PTTL), one to the
    /// target (RESTORE), and for refused payloads three more (TYPE, the typed reads, the
    /// scripts). An error is the connection's (unreachable, timed out): per-key refusals
    /// are counted in the result.
    pub(crate) async fn copy_batch(&mut self, keys: &[Vec<u8>]) -> Result<BatchResult, Error> {
        let (items, written) = self.copy_keys(keys).await?;
        let mut r = BatchResult::default();
        for ((key, _), w) in items.iter().zip(&written) {
            r.add(key, w);
        }
        Ok(r)
    }

    /// As [`Copier::copy_batch`], each key's outcome in the order of `keys`.
    pub(crate) async fn copy_keys(
        &mut self,
        keys: &[Vec<u8>],
    ) -> Result<(Vec<(Vec<u8>, Fetched)>, Vec<Written>), Error> {
        let fetched = fetch(&mut self.source, keys).await?;
        let items: Vec<_> = keys.iter().cloned().zip(fetched).collect();
        let written = write(&mut self.source, &mut self.target, &items, self.opts).await?;
        Ok((items, written))
    }
}
