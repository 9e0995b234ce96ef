//! EXISTS for a few keys, each on the node it was seen on (penetration candidates: keys
//! read and never written). Must not: choose the keys (analysis does) or judge the answer.

use super::conn::connect;
use super::discover::NodeSpec;
use crate::endpoint::ConnectOptions;
use crate::error::Error;

/// What EXISTS said.
#[derive(Debug, Default)]
pub(crate) struct Exists {
    /// For each key asked, in asking order (node by node): its index in the keys given
    /// and whether it exists. A node stops being asked at its first failed reply.
    pub(crate) answers: Vec<(usize, bool)>,
    /// Nodes that could not be reached, with why.
    pub(crate) unreachable: Vec<(String, Error)>,
}

/// Asks EXISTS of every `(key, node)` in `keys` (`node` indexes `nodes`), one connection
/// per node.
pub(crate) async fn exists(
    o: &ConnectOptions,
    nodes: &[NodeSpec],
    keys: &[(Vec<u8>, u16)],
) -> Exists {
    let mut out = Exists::default();
    for (node, spec) in nodes.iter().enumerate() {
        let mine: Vec<usize> = (0..keys.len())
            .filter(|&i| keys[i].1 as usize == node)
            .collect();
        if mine.is_empty() {
            continue;
        }
        let mut c = match connect(&spec.addr, o).await {
            Ok(c) => c,
            Err(e) => {
                out.unreachable.push((spec.addr.to_string(), e));
                continue;
            }
        };
        for i in mine {
            match c
                .query::<i64>(redis::cmd("EXISTS").arg(keys[i].0.as_slice()))
                .await
            {
                Ok(n) => out.answers.push((i, n != 0)),
                Err(_) => break,
            }
        }
    }
    out
}
