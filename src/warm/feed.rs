//! The keys a warm writes, batch by batch: a planned list (hottest first, from the key
//! sources), or `--from-source-scan`, the source's own keys as SCAN returns them — node by
//! node, one SCAN (MATCH `--match`) per page of several batches, never KEYS; with
//! `--slots A-B` only the keys of those cluster slots. A scan reads one SCAN page (a few
//! batches) ahead of the writing at most, so it streams: a source of any size starts at
//! once.
//!
//! Each batch says where a resumed run goes on after it ([`Position`]): the number of
//! planned keys handled, or the node and SCAN cursor to scan again from (the next page's,
//! or the page's own when the batch ends mid-page). Must not: write.

use std::ops::RangeInclusive;

use redis::Value;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::parse::keyslot::key_slot;
use crate::parse::resp::scan_reply;
use crate::source::conn::NodeConn;

/// Where a resumed run goes on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Position {
    /// Keys handled so far.
    pub(crate) done: u64,
    /// A scan: the node (by its place in the sorted list of source masters) and the cursor
    /// of the next SCAN on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) scan: Option<(usize, u64)>,
}

/// A batch of keys and where a run resumes once it is handled.
pub(crate) struct Batch {
    pub(crate) keys: Vec<Vec<u8>>,
    pub(crate) after: Position,
}

pub(crate) enum Feed {
    List { keys: Vec<Vec<u8>>, at: usize },
    Scan(Scan),
}

impl Feed {
    /// The planned keys, from the `done`-th on.
    pub(crate) fn list(keys: Vec<Vec<u8>>, done: u64) -> Feed {
        let at = (done as usize).min(keys.len());
        Feed::List { keys, at }
    }

    /// The next batch of at most `n` keys (a scan's may hold fewer, never none); `None`
    /// once every key was given.
    pub(crate) async fn next(&mut self, n: usize) -> Result<Option<Batch>> {
        match self {
            Feed::List { keys, at } => {
                if *at >= keys.len() {
                    return Ok(None);
                }
                let end = (*at + n).min(keys.len());
                let batch = keys[*at..end].to_vec();
                *at = end;
                Ok(Some(Batch {
                    keys: batch,
                    after: Position {
                        done: end as u64,
                        scan: None,
                    },
                }))
            }
            Feed::Scan(s) => s.next(n).await,
        }
    }

    /// Keys planned (None: a scan, not known ahead).
    pub(crate) fn total(&self) -> Option<u64> {
        match self {
            Feed::List { keys, .. } => Some(keys.len() as u64),
            Feed::Scan(_) => None,
        }
    }
}

/// `--from-source-scan`: SCAN over the source's masters, one after the other. One SCAN
/// fetches a page of several batches ([`PAGE_BATCHES`], at most [`PAGE_MAX`] keys), so the
/// source's round trips for keys stay few; a batch taken from the middle of a page resumes
/// at the page's own cursor (its first keys are met again, and left alone).
pub(crate) struct Scan {
    /// The masters, sorted by address (a checkpoint names them by place).
    nodes: Vec<NodeConn>,
    pattern: Option<Vec<u8>>,
    slots: Option<RangeInclusive<u16>>,
    /// The node and cursor of the next SCAN.
    next_at: (usize, u64),
    /// The keys of the last page not given yet, and where that page was scanned from.
    page: std::collections::VecDeque<Vec<u8>>,
    page_from: (usize, u64),
    done: u64,
    /// Keys SCAN returned that `--slots` left out.
    pub(crate) filtered: u64,
}

/// Batches a SCAN page holds.
const PAGE_BATCHES: usize = 10;
/// SCAN COUNT never above this (one SCAN must stay a short command on the source).
const PAGE_MAX: usize = 10_000;

impl Scan {
    pub(crate) fn new(
        mut nodes: Vec<NodeConn>,
        pattern: Option<Vec<u8>>,
        slots: Option<RangeInclusive<u16>>,
        from: Position,
    ) -> Scan {
        nodes.sort_by(|a, b| a.endpoint.cmp(&b.endpoint));
        let at = from.scan.unwrap_or((0, 0));
        Scan {
            nodes,
            pattern,
            slots,
            next_at: at,
            page: std::collections::VecDeque::new(),
            page_from: at,
            done: from.done,
            filtered: 0,
        }
    }

    /// The source's addresses in the order a checkpoint counts them.
    pub(crate) fn names(&self) -> Vec<String> {
        self.nodes.iter().map(|n| n.endpoint.to_string()).collect()
    }

    async fn next(&mut self, n: usize) -> Result<Option<Batch>> {
        let n = n.max(1);
        while self.page.is_empty() {
            let (node, cursor) = self.next_at;
            let Some(conn) = self.nodes.get_mut(node) else {
                return Ok(None);
            };
            let mut cmd = redis::cmd("SCAN");
            cmd.arg(cursor)
                .arg("COUNT")
                .arg((n * PAGE_BATCHES).min(PAGE_MAX).max(n));
            if let Some(p) = &self.pattern {
                cmd.arg("MATCH").arg(p.as_slice());
            }
            let reply: Value = conn.query(&cmd).await?;
            let shown = format!("{reply:?}");
            let (next, keys) = scan_reply(reply).ok_or_else(|| Error::Server {
                addr: conn.endpoint.to_string(),
                msg: format!("unexpected SCAN reply {shown:.200}"),
            })?;
            self.page_from = (node, cursor);
            self.next_at = if next == 0 {
                (node + 1, 0)
            } else {
                (node, next)
            };
            let before = keys.len();
            self.page = match &self.slots {
                Some(r) => keys
                    .into_iter()
                    .filter(|k| r.contains(&key_slot(k)))
                    .collect(),
                None => keys.into(),
            };
            self.filtered += (before - self.page.len()) as u64;
        }
        let take = n.min(self.page.len());
        let keys: Vec<Vec<u8>> = self.page.drain(..take).collect();
        self.done += keys.len() as u64;
        let resume = if self.page.is_empty() {
            self.next_at
        } else {
            self.page_from
        };
        Ok(Some(Batch {
            keys,
            after: Position {
                done: self.done,
                scan: Some(resume),
            },
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_list_is_given_in_batches_after_what_was_done() {
        let keys: Vec<Vec<u8>> = (0..5).map(|i| vec![i]).collect();
        let mut f = Feed::list(keys, 1);
        let b = f.next(3).await.unwrap().unwrap();
        assert_eq!((b.keys.len(), b.after.done), (3, 4));
        let b = f.next(3).await.unwrap().unwrap();
        assert_eq!((b.keys, b.after.done), (vec![vec![4]], 5));
        assert!(f.next(3).await.unwrap().is_none());
    }
}
