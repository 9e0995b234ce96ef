//! `cachestorm warm`, the one writer: which keys to refill, hottest first ([`keys`]: logs,
//! MONITOR captures, reports, key files; or [`feed`]: a scan of the source), where their
//! values come from ([`values`]: a source server or cluster, a file, [`external`]: a
//! command or HTTP), how they reach the target ([`copy`]: RESTORE without REPLACE, SET NX,
//! a typed atomic copy where the target refuses the payload; [`route`]: by cluster slot),
//! and the run ([`exec`]). Never deletes. Must not: parse flags (settings
//! arrive resolved in `cmd/warm.rs`).

pub(crate) mod checkpoint;
pub(crate) mod copy;
pub(crate) mod exec;
pub(crate) mod external;
pub(crate) mod feed;
pub(crate) mod file;
pub(crate) mod keys;
pub(crate) mod route;
pub(crate) mod values;
pub(crate) mod verify;
