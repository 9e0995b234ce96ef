//! All I/O with servers: connections, node discovery, INFO polling. Everything here hands
//! plain data to the pure core (`parse`, `analysis`) and holds no analysis of its own.

pub(crate) mod capture;
pub(crate) mod conn;
pub(crate) mod discover;
pub(crate) mod info;
pub(crate) mod monitor;
pub(crate) mod pace;
pub(crate) mod probe;
pub(crate) mod raw;
pub(crate) mod slotstats;
pub(crate) mod stop;
pub(crate) mod walker;
