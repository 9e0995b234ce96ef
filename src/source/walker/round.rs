//! One pipelined round trip of a node's walk: what it asks ([`Flight`]: maybe the next
//! SCAN, the facts of one batch of keys, the lengths of one batch typed before), the
//! pipeline that asks it, and what its replies say ([`Landed`]). No I/O: the walker sends
//! it and hands the replies back.

use redis::Value;

use super::{Msg, WalkSettings};
use crate::parse::keyfacts::{self, probed, Answer, KeyInfo};

/// Keys from one SCAN (or part of them), with where that SCAN started: a walk that fails
/// before they are delivered resumes there. `seq` orders the SCANs of a walk.
#[derive(Debug)]
pub(super) struct Batch<T> {
    pub(super) seq: u64,
    pub(super) from: u64,
    pub(super) keys: Vec<T>,
}

/// What one round trip asks.
#[derive(Debug, Default)]
pub(super) struct Flight {
    /// SCAN from this cursor for this many keys (COUNT).
    pub(super) scan: Option<(u64, u64)>,
    /// TYPE, MEMORY USAGE, PTTL (OBJECT ENCODING) of these keys; or OBJECT FREQ.
    pub(super) facts: Option<Batch<Vec<u8>>>,
    /// The length of these typed keys.
    pub(super) lengths: Option<Batch<KeyInfo>>,
}

/// What a round trip's replies say.
pub(super) struct Landed {
    /// The SCAN reply, for the walker to apply (cursor, `--sample`).
    pub(super) scan: Option<Value>,
    /// Keys (or LFU counters) complete now.
    pub(super) msg: Msg,
    /// Keys typed now, whose lengths a later round trip asks.
    pub(super) typed: Option<Batch<KeyInfo>>,
    /// Keys looked at for the first time (this round's facts), and keys found gone.
    pub(super) looked_at: u64,
    pub(super) gone: u64,
}

impl Flight {
    pub(super) fn is_empty(&self) -> bool {
        self.scan.is_none() && self.facts.is_none() && self.lengths.is_none()
    }

    /// The oldest batch this round trip carries: (seq, cursor it came from).
    pub(super) fn oldest(&self) -> Option<(u64, u64)> {
        let f = self.facts.as_ref().map(|b| (b.seq, b.from));
        let l = self.lengths.as_ref().map(|b| (b.seq, b.from));
        f.into_iter().chain(l).min()
    }

    /// The pipeline: SCAN first, then the facts, then the lengths.
    pub(super) fn pipeline(&self, s: &WalkSettings) -> redis::Pipeline {
        let mut pipe = redis::pipe();
        pipe.ignore_errors();
        if let Some((cursor, count)) = self.scan {
            let cmd = pipe.cmd("SCAN").arg(cursor).arg("COUNT").arg(count);
            if let Some(p) = &s.pattern {
                cmd.arg("MATCH").arg(p);
            }
            if let Some(t) = &s.kind {
                cmd.arg("TYPE").arg(t);
            }
        }
        for k in self.facts.iter().flat_map(|b| &b.keys) {
            if s.lfu {
                pipe.cmd("OBJECT").arg("FREQ").arg(k.as_slice());
                continue;
            }
            pipe.cmd("TYPE").arg(k.as_slice());
            let m = pipe.cmd("MEMORY").arg("USAGE").arg(k.as_slice());
            // 5 is the server's own default (OBJ_COMPUTE_SIZE_DEF_SAMPLES): left implicit.
            if s.samples != 5 {
                m.arg("SAMPLES").arg(s.samples);
            }
            pipe.cmd("PTTL").arg(k.as_slice());
            if s.encoding {
                pipe.cmd("OBJECT").arg("ENCODING").arg(k.as_slice());
            }
        }
        for k in self.lengths.iter().flat_map(|b| &b.keys) {
            if let Some(cmd) = k.kind.length_command() {
                pipe.cmd(cmd).arg(k.key.as_slice());
            }
        }
        pipe
    }

    /// Reads the replies (in the pipeline's order). Only the replies that mean "gone" make
    /// vanished keys; any other error reply, or a reply of the wrong shape, is the node's
    /// failure (its text), and nothing of this round trip counts.
    pub(super) fn land(
        self,
        replies: Vec<Value>,
        s: &WalkSettings,
        node: u16,
        seen_ms: u64,
    ) -> Result<Landed, String> {
        let mut it = replies.into_iter();
        let scan = self.scan.map(|_| it.next().unwrap_or(Value::Nil));
        let facts = self.facts.unwrap_or(Batch {
            seq: 0,
            from: 0,
            keys: Vec::new(),
        });
        let looked_at = facts.keys.len() as u64;
        let mut gone = 0;
        if s.lfu {
            let mut freqs = Vec::with_capacity(facts.keys.len());
            for k in facts.keys {
                match keyfacts::freq(it.next().as_ref()) {
                    Answer::Got(f) => freqs.push((k, f, node)),
                    Answer::Gone => gone += 1,
                    Answer::Failed(e) => return Err(e),
                }
            }
            return Ok(Landed {
                scan,
                msg: Msg::Freqs(freqs),
                typed: None,
                looked_at,
                gone,
            });
        }
        let mut done = Vec::with_capacity(facts.keys.len());
        let mut typed = Vec::new();
        for key in facts.keys {
            let replies = [it.next(), it.next(), it.next()];
            let enc = s.encoding.then(|| keyfacts::encoding(it.next().as_ref()));
            let mut info = match probed(key, &replies, seen_ms, node) {
                Answer::Got(info) => info,
                Answer::Gone => {
                    gone += 1;
                    continue;
                }
                Answer::Failed(e) => return Err(e),
            };
            match enc {
                Some(Answer::Failed(e)) => return Err(e),
                Some(Answer::Got(e)) => info.encoding = Some(e),
                Some(Answer::Gone) | None => {}
            }
            if s.lengths && info.kind.length_command().is_some() {
                typed.push(info);
            } else {
                done.push(info);
            }
        }
        for mut k in self.lengths.map(|b| b.keys).unwrap_or_default() {
            if let Some(cmd) = k.kind.length_command() {
                match keyfacts::length(cmd, it.next().as_ref()) {
                    Answer::Got(n) => k.length = Some(n),
                    Answer::Gone => {
                        gone += 1;
                        continue;
                    }
                    Answer::Failed(e) => return Err(e),
                }
            }
            done.push(k);
        }
        let typed = (!typed.is_empty()).then_some(Batch {
            seq: facts.seq,
            from: facts.from,
            keys: typed,
        });
        Ok(Landed {
            scan,
            msg: Msg::Keys(done),
            typed,
            looked_at,
            gone,
        })
    }
}
