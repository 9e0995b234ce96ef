//! Pure parsers: server text in, typed data out. No I/O, no clocks, never panics on input.

pub(crate) mod cluster;
pub(crate) mod info;
pub(crate) mod keyfacts;
pub(crate) mod keyslot;
pub(crate) mod keyspec;
pub(crate) mod monitor;
pub(crate) mod recording;
pub(crate) mod resp;
pub(crate) mod slotstats;
