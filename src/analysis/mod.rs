//! Pure analysis: plain data in (INFO snapshots, events, key facts), report structs out.
//! Nothing here opens a socket, reads a file or looks at a clock.

pub(crate) mod rates;
