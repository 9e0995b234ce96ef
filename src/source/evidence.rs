//! The evidence `detect` takes once at the start and once at the end of a run, beside
//! its INFO samples: SLOWLOG LEN + SLOWLOG GET 32 and LATENCY LATEST from every node,
//! concurrently. A command the server refuses (renamed, forbidden by an ACL) is recorded
//! as skipped with the server's answer, never a failure.

use std::time::SystemTime;

use redis::Value;
use tokio::task::JoinSet;

use super::conn::connect;
use super::discover::NodeSpec;
use crate::endpoint::Target;
use crate::parse::recording::{latency_events, slowlog_entries, Body, Record, Slowlog};
use crate::parse::resp::as_count;

/// SLOWLOG and LATENCY LATEST of every node, as recording lines (node order).
pub(crate) async fn take(target: &Target, nodes: &[NodeSpec]) -> Vec<Record> {
    let mut set = JoinSet::new();
    for (i, spec) in nodes.iter().enumerate() {
        let ep = spec.addr.clone();
        let opts = target.options.clone();
        set.spawn(async move {
            let name = ep.to_string();
            let mut c = match connect(&ep, &opts).await {
                Ok(c) => c,
                // An unreachable node shows in its INFO samples; nothing to add here.
                Err(_) => return (i, Vec::new()),
            };
            let mut out = Vec::new();
            let len = c.query::<Value>(redis::cmd("SLOWLOG").arg("LEN")).await;
            let get = c
                .query::<Value>(redis::cmd("SLOWLOG").arg("GET").arg(32))
                .await;
            let body = match (len, get) {
                (Ok(l), Ok(g)) => Body::Slowlog(Slowlog {
                    len: as_count(&l).unwrap_or(0),
                    entries: slowlog_entries(&g),
                }),
                (Err(e), _) | (_, Err(e)) => skipped("slowlog", &e),
            };
            out.push(Record {
                t: now(),
                node: name.clone(),
                body,
            });
            let body = match c.query::<Value>(redis::cmd("LATENCY").arg("LATEST")).await {
                Ok(v) => Body::Latency(latency_events(&v)),
                Err(e) => skipped("latency", &e),
            };
            out.push(Record {
                t: now(),
                node: name,
                body,
            });
            (i, out)
        });
    }
    let mut all = Vec::new();
    while let Some(joined) = set.join_next().await {
        if let Ok(r) = joined {
            all.push(r);
        }
    }
    all.sort_by_key(|r| r.0);
    all.into_iter().flat_map(|r| r.1).collect()
}

fn skipped(what: &str, e: &crate::error::Error) -> Body {
    Body::Skipped {
        what: what.into(),
        why: crate::redact::everywhere(&e.to_string()),
    }
}

/// Unix seconds now.
pub(crate) fn now() -> f64 {
    unix(SystemTime::now())
}

pub(crate) fn unix(t: SystemTime) -> f64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}
