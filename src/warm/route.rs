//! One server or a whole cluster, as warm reads from it and writes to it: [`Nodes`] holds a
//! connection per master and the slot map, sends each key to the node of its slot (a
//! pipeline per node, the nodes in parallel, one key per command: CROSSSLOT cannot
//! happen), and follows the cluster's redirections during a resharding — MOVED updates the
//! slot map (connecting to a node it did not know) and the key is sent again; ASK sends it
//! once to the named node, preceded by ASKING. A key redirected more than
//! [`MAX_REDIRECTS`] times is a failed key. Must not: decide what to write.

use std::collections::HashMap;

use futures_util::future::join_all;

use crate::endpoint::{ConnectOptions, Endpoint};
use crate::error::{Error, Result};
use crate::parse::keyslot::{key_slot, redirect, Redirect, SLOTS};
use crate::source::conn::{connect, NodeConn};
use crate::source::discover::NodeSpec;
use crate::warm::copy::{fetch, typed_copy, write_node, Fetched, Step, WriteOptions, Written};

/// Redirections followed for one key before it counts as failed.
pub(crate) const MAX_REDIRECTS: usize = 5;

/// The nodes of a server or cluster, and which one serves each slot.
#[derive(Clone)]
pub(crate) struct Nodes {
    conns: Vec<NodeConn>,
    /// Slot → index in `conns`; empty for one server (no cluster).
    slots: Vec<u16>,
    options: ConnectOptions,
}

impl Nodes {
    /// One server: every key goes to it.
    pub(crate) fn one(conn: NodeConn, options: &ConnectOptions) -> Self {
        Nodes {
            conns: vec![conn],
            slots: Vec::new(),
            options: options.clone(),
        }
    }

    /// The masters of a cluster (as discovery found them, with their slot ranges),
    /// connected.
    pub(crate) async fn cluster(nodes: &[NodeSpec], options: &ConnectOptions) -> Result<Self> {
        let masters: Vec<&NodeSpec> = nodes.iter().filter(|n| !n.slots.is_empty()).collect();
        if masters.is_empty() {
            return Err(Error::Usage(
                "the cluster serves no slots: nothing to route keys to".into(),
            ));
        }
        let conns = join_all(masters.iter().map(|n| connect(&n.addr, options))).await;
        let mut out = Nodes {
            conns: Vec::new(),
            slots: vec![0; SLOTS],
            options: options.clone(),
        };
        for (n, c) in masters.iter().zip(conns) {
            let idx = out.conns.len() as u16;
            out.conns.push(c?);
            for &(a, b) in &n.slots {
                for s in a..=b.min(SLOTS as u16 - 1) {
                    out.slots[usize::from(s)] = idx;
                }
            }
        }
        Ok(out)
    }

    pub(crate) fn options(&self) -> &ConnectOptions {
        &self.options
    }

    /// Every connection (one per master).
    pub(crate) fn conns(&self) -> &[NodeConn] {
        &self.conns
    }

    /// The node (an index into [`Nodes::conns`]) that serves `key`.
    pub(crate) fn node_of(&self, key: &[u8]) -> usize {
        if self.slots.is_empty() {
            0
        } else {
            usize::from(self.slots[usize::from(key_slot(key))])
        }
    }

    /// The indices of `keys` by the node that serves them.
    pub(crate) fn group<'k>(
        &self,
        keys: impl Iterator<Item = (usize, &'k [u8])>,
    ) -> Vec<(usize, Vec<usize>)> {
        let mut by: Vec<(usize, Vec<usize>)> = Vec::new();
        for (i, k) in keys {
            let n = self.node_of(k);
            match by.iter_mut().find(|(m, _)| *m == n) {
                Some((_, v)) => v.push(i),
                None => by.push((n, vec![i])),
            }
        }
        by
    }

    /// The first round's work: (node, index of the key, ASK) for each key, in node order.
    fn first_round<'k>(&self, keys: impl Iterator<Item = &'k [u8]>) -> Vec<(usize, usize, bool)> {
        self.group(keys.enumerate())
            .into_iter()
            .flat_map(|(n, idx)| idx.into_iter().map(move |i| (n, i, false)))
            .collect()
    }

    /// The node at `addr` (`host:port` as a redirection names it), connected if new.
    async fn node_at(&mut self, addr: &str) -> Result<usize> {
        let ep = endpoint(addr)?;
        if let Some(i) = self.conns.iter().position(|c| c.endpoint == ep) {
            return Ok(i);
        }
        self.conns.push(connect(&ep, &self.options).await?);
        Ok(self.conns.len() - 1)
    }

    /// Follows a redirection: the node it names, and for MOVED the slot map updated.
    async fn follow(&mut self, r: &Redirect) -> Result<usize> {
        let n = self.node_at(&r.addr).await?;
        if !r.ask && !self.slots.is_empty() {
            self.slots[usize::from(r.slot)] = n as u16;
        }
        Ok(n)
    }

    /// DUMP + PTTL of every key, each from its node (the nodes in parallel); one
    /// [`Fetched`] per key, in order, redirections followed.
    pub(crate) async fn fetch(&mut self, keys: &[Vec<u8>]) -> Result<Vec<Fetched>> {
        let mut out: Vec<Option<Fetched>> = vec![None; keys.len()];
        let mut todo = self.first_round(keys.iter().map(Vec::as_slice));
        for round in 0..=MAX_REDIRECTS {
            if todo.is_empty() {
                break;
            }
            let groups = batches(&todo);
            let replies = join_all(groups.iter().map(|((n, ask), idx)| {
                let mut c = self.conns[*n].clone();
                let ks: Vec<&[u8]> = idx.iter().map(|&i| keys[i].as_slice()).collect();
                async move { fetch(&mut c, &ks, *ask).await }
            }))
            .await;
            let mut again = Vec::new();
            for (((_, _), idx), r) in groups.iter().zip(replies) {
                for (&i, f) in idx.iter().zip(r?) {
                    match moved(&f) {
                        Some(r) if round < MAX_REDIRECTS => {
                            again.push((self.follow(&r).await?, i, r.ask))
                        }
                        _ => out[i] = Some(f),
                    }
                }
            }
            todo = again;
        }
        Ok(out
            .into_iter()
            .map(|f| f.unwrap_or_else(|| Fetched::Failed("redirected too often".into())))
            .collect())
    }

    /// Writes every item to its node (the nodes in parallel); one [`Step`] per item, in
    /// order: written, refused (for the typed copy), never a redirection (followed here,
    /// a key redirected too often is failed). A node whose connection fails leaves its
    /// items failed and its error returned beside the steps: what the other nodes wrote
    /// is counted.
    pub(crate) async fn write(
        &mut self,
        items: &[(Vec<u8>, Fetched)],
        opts: WriteOptions,
    ) -> (Vec<Step>, Option<Error>) {
        let mut out: Vec<Option<Step>> = vec![None; items.len()];
        let mut error = None;
        let mut todo = self.first_round(items.iter().map(|(k, _)| k.as_slice()));
        for round in 0..=MAX_REDIRECTS {
            if todo.is_empty() {
                break;
            }
            let groups = batches(&todo);
            let replies = join_all(groups.iter().map(|((n, ask), idx)| {
                let mut c = self.conns[*n].clone();
                let its: Vec<(&[u8], &Fetched)> = idx
                    .iter()
                    .map(|&i| (items[i].0.as_slice(), &items[i].1))
                    .collect();
                async move { write_node(&mut c, &its, opts, *ask).await }
            }))
            .await;
            let mut again = Vec::new();
            for (((_, _), idx), r) in groups.iter().zip(replies) {
                let steps = match r {
                    Ok(s) => s,
                    Err(e) => {
                        let why = crate::redact::everywhere(&e.to_string());
                        for &i in idx {
                            out[i] = Some(Step::Done(Written::Failed(why.clone())));
                        }
                        error.get_or_insert(e);
                        continue;
                    }
                };
                for (&i, s) in idx.iter().zip(steps) {
                    match s {
                        Step::Redirect(r) if round < MAX_REDIRECTS => match self.follow(&r).await {
                            Ok(n) => again.push((n, i, r.ask)),
                            Err(e) => {
                                out[i] = Some(Step::Done(Written::Failed(e.to_string())));
                                error.get_or_insert(e);
                            }
                        },
                        Step::Redirect(r) => {
                            out[i] = Some(Step::Done(Written::Failed(format!(
                                "redirected too often (last: {} {})",
                                if r.ask { "ASK" } else { "MOVED" },
                                r.addr
                            ))))
                        }
                        s => out[i] = Some(s),
                    }
                }
            }
            todo = again;
        }
        let steps = out
            .into_iter()
            .map(|s| s.expect("every item has a step"))
            .collect();
        (steps, error)
    }
}

/// The typed copy of `keys` (whose payloads the target refused): each read from its
/// source node and written to its target node; one [`Written`] per key, in order. A pair
/// of nodes whose connection fails leaves its keys failed and its error returned: what the
/// other pairs copied is counted.
pub(crate) async fn typed(
    source: &Nodes,
    target: &Nodes,
    keys: &[Vec<u8>],
    opts: WriteOptions,
) -> (Vec<Written>, Option<Error>) {
    let mut pairs: HashMap<(usize, usize), Vec<usize>> = HashMap::new();
    for (i, k) in keys.iter().enumerate() {
        pairs
            .entry((source.node_of(k), target.node_of(k)))
            .or_default()
            .push(i);
    }
    let mut out: Vec<Option<Written>> = vec![None; keys.len()];
    let mut error = None;
    for ((s, t), idx) in pairs {
        let ks: Vec<Vec<u8>> = idx.iter().map(|&i| keys[i].clone()).collect();
        let (mut sc, mut tc) = (source.conns[s].clone(), target.conns[t].clone());
        match typed_copy(&mut sc, &mut tc, &ks, opts).await {
            Ok(w) => {
                for (i, w) in idx.into_iter().zip(w) {
                    out[i] = Some(w);
                }
            }
            Err(e) => {
                let why = crate::redact::everywhere(&e.to_string());
                for i in idx {
                    out[i] = Some(Written::Failed(why.clone()));
                }
                error.get_or_insert(e);
            }
        }
    }
    let written = out
        .into_iter()
        .map(|w| w.expect("every key has a copy"))
        .collect();
    (written, error)
}

/// `todo` (node, item, ask) grouped by node and ASK.
fn batches(todo: &[(usize, usize, bool)]) -> Vec<((usize, bool), Vec<usize>)> {
    let mut by: Vec<((usize, bool), Vec<usize>)> = Vec::new();
    for &(n, i, ask) in todo {
        match by.iter_mut().find(|(g, _)| *g == (n, ask)) {
            Some((_, v)) => v.push(i),
            None => by.push(((n, ask), vec![i])),
        }
    }
    by
}

/// A fetch that a cluster redirected.
fn moved(f: &Fetched) -> Option<Redirect> {
    match f {
        Fetched::Failed(e) => redirect(e),
        _ => None,
    }
}

/// `host:port` as a cluster names a node (an IPv6 host unbracketed: the port is after the
/// last colon).
fn endpoint(addr: &str) -> Result<Endpoint> {
    let bad = || Error::Server {
        addr: addr.to_string(),
        msg: format!("a redirection to an address that is not host:port: {addr}"),
    };
    let (host, port) = addr.rsplit_once(':').ok_or_else(bad)?;
    let port: u16 = port.parse().map_err(|_| bad())?;
    Ok(Endpoint::new(host, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirection_addresses() {
        assert_eq!(
            endpoint("127.0.0.1:7001").unwrap(),
            Endpoint::new("127.0.0.1", 7001)
        );
        assert_eq!(endpoint("::1:7001").unwrap(), Endpoint::new("::1", 7001));
        assert!(endpoint("nohost").is_err());
    }

    #[test]
    fn work_is_grouped_by_node_and_ask() {
        let g = batches(&[(0, 1, false), (1, 2, false), (0, 3, false), (0, 4, true)]);
        assert_eq!(
            g,
            vec![
                ((0, false), vec![1, 3]),
                ((1, false), vec![2]),
                ((0, true), vec![4])
            ]
        );
    }
}
