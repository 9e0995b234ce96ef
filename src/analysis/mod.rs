//! Pure analysis: plain data in (INFO snapshots, events, key facts), report structs out.
//! Nothing here opens a socket, reads a file or looks at a clock.

pub(crate) mod census;
pub(crate) mod glob;
pub(crate) mod hotkeys;
pub(crate) mod keyfreq;
pub(crate) mod paged_keys;
pub(crate) mod patterns;
pub(crate) mod rates;
pub(crate) mod storm;
pub(crate) mod traffic;
