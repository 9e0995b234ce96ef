//! Error kinds callers must tell apart. Their exit codes are decided in `exit.rs`.

use thiserror::Error;

#[derive(Debug, Error)]
pub(crate) enum Error {
    /// Flags that parse but do not make sense together, or a bad value.
    #[error("{0}")]
    Usage(String),
    /// Input data (a file, a fixture) that cannot be used.
    #[error("{0}")]
    Input(String),
    /// TCP/TLS connect failed or timed out.
    #[error("cannot connect to {addr}: {msg}")]
    Connect { addr: String, msg: String },
    /// The server refused our credentials (WRONGPASS, NOAUTH, ...).
    #[error("authentication failed at {addr}: {msg}")]
    Auth { addr: String, msg: String },
    /// The server answered with an error, or with something we cannot use.
    #[error("{addr}: {msg}")]
    Server { addr: String, msg: String },
    /// Writing the report failed (other than a broken pipe, which is not an error).
    #[error("writing output: {0}")]
    Output(#[from] std::io::Error),
}

pub(crate) type Result<T, E = Error> = std::result::Result<T, E>;
