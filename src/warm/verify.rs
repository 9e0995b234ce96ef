//! `warm --verify N`: N written keys read back from the target and from the source and
//! compared by type and value (hash fields and set members in sorted order, sorted sets
//! with their scores, lists and streams in order), so a copy across engines, whose DUMP
//! payloads differ, is checked by what it holds. TTLs are not compared (`--ttl-jitter`
//! moves them on purpose). Reads only.

use redis::Value;

use crate::error::{Error, Result};
use crate::source::conn::NodeConn;
use crate::warm::copy::typed::Kind;
use crate::warm::route::Nodes;

/// What the check found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Checked {
    pub(crate) sampled: u64,
    pub(crate) same: u64,
    /// Keys whose type or value differ, as shown (the first few).
    pub(crate) differ: Vec<String>,
    pub(crate) differ_count: u64,
}

/// Reads `keys` from both sides (two pipelined round trips per node) and compares them.
pub(crate) async fn verify(source: &Nodes, target: &Nodes, keys: &[Vec<u8>]) -> Result<Checked> {
    let (s, t) = (routed(source, keys).await?, routed(target, keys).await?);
    let mut c = Checked::default();
    for ((key, a), b) in keys.iter().zip(s).zip(t) {
        c.sampled += 1;
        if a.is_some() && a == b {
            c.same += 1;
        } else {
            c.differ_count += 1;
            if c.differ.len() < 5 {
                c.differ.push(crate::show::key(key));
            }
        }
    }
    Ok(c)
}

/// [`read_all`], each key from its node.
async fn routed(nodes: &Nodes, keys: &[Vec<u8>]) -> Result<Vec<Option<(Kind, Vec<Vec<u8>>)>>> {
    let mut out = vec![None; keys.len()];
    for (n, idx) in nodes.group(keys.iter().enumerate().map(|(i, k)| (i, k.as_slice()))) {
        let ks: Vec<Vec<u8>> = idx.iter().map(|&i| keys[i].clone()).collect();
        let mut c = nodes.conns()[n].clone();
        for (i, v) in idx.into_iter().zip(read_all(&mut c, &ks).await?) {
            out[i] = v;
        }
    }
    Ok(out)
}

/// Each key's type and value in a comparable form (None: gone, or a type not compared).
async fn read_all(c: &mut NodeConn, keys: &[Vec<u8>]) -> Result<Vec<Option<(Kind, Vec<Vec<u8>>)>>> {
    let mut pipe = redis::pipe();
    for k in keys {
        pipe.cmd("TYPE").arg(k.as_slice());
    }
    let types: Vec<Value> = c.query_pipe(&pipe).await?;
    let kinds: Vec<Option<Kind>> = types
        .iter()
        .map(|v| crate::parse::resp::as_word(v).and_then(|t| Kind::from_type(&t)))
        .collect();
    let mut pipe = redis::pipe();
    pipe.ignore_errors();
    let mut asked = Vec::new();
    for (i, (k, kind)) in keys.iter().zip(&kinds).enumerate() {
        if let Some(kind) = kind {
            kind.read(&mut pipe, k);
            asked.push((i, *kind));
        }
    }
    let mut out = vec![None; keys.len()];
    if asked.is_empty() {
        return Ok(out);
    }
    let replies: Vec<Value> = c.query_pipe(&pipe).await?;
    if replies.len() != asked.len() {
        return Err(Error::Server {
            addr: c.endpoint.to_string(),
            msg: format!("{} replies to {} reads", replies.len(), asked.len()),
        });
    }
    for ((i, kind), v) in asked.into_iter().zip(replies) {
        if let Ok(Some(mut e)) = kind.elements(&v) {
            canonical(kind, &mut e);
            out[i] = Some((kind, e));
        }
    }
    Ok(out)
}

/// Unordered collections in one order: hash (field, value) pairs and set members sorted.
fn canonical(kind: Kind, e: &mut Vec<Vec<u8>>) {
    match kind {
        Kind::Set => e.sort(),
        Kind::Hash => {
            let mut pairs: Vec<(Vec<u8>, Vec<u8>)> = e
                .chunks_exact(2)
                .map(|c| (c[0].clone(), c[1].clone()))
                .collect();
            pairs.sort();
            *e = pairs.into_iter().flat_map(|(f, v)| [f, v]).collect();
        }
        _ => {}
    }
}
