//! `cachestorm warm`, the one writer: which keys to refill, hottest first ([`keys`]: logs,
//! MONITOR captures, reports, key files), and how their values reach the target
//! ([`copy`]: DUMP + PTTL from a source server, RESTORE without REPLACE, a typed atomic copy
//! where the target refuses the payload). Never deletes. Must not: parse flags (settings
//! arrive resolved in `cmd/warm.rs`).

pub(crate) mod checkpoint;
pub(crate) mod copy;
pub(crate) mod external;
pub(crate) mod file;
pub(crate) mod keys;
pub(crate) mod verify;
