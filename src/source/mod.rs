//! All I/O with servers, capture files, signals and the terminal: connections, node
//! discovery, INFO polling, the MONITOR event source (capture files and live captures),
//! the keyspace walker, and the pieces live work shares (pace, probe/back-off, stop).
//! Everything here hands plain data to the pure core (`parse`, `analysis`) and holds no
//! analysis of its own; nothing here knows the command-line flags (`cli`).

pub(crate) mod capture;
pub(crate) mod commands;
pub(crate) mod conn;
pub(crate) mod discover;
pub(crate) mod events;
pub(crate) mod evidence;
pub(crate) mod exists;
pub(crate) mod info;
pub(crate) mod live;
pub(crate) mod monitor;
pub(crate) mod pace;
pub(crate) mod probe;
pub(crate) mod raw;
pub(crate) mod recording;
pub(crate) mod slotstats;
pub(crate) mod stop;
pub(crate) mod walker;
