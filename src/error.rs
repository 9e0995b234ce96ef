//! Error kinds callers must tell apart, and the one place that maps them to exit codes.
//!
//! Exit codes are a contract (see README): 0 ok, 1 a finding the user asked to fail on,
//! 2 usage or bad input, 3 cannot connect / auth refused / server error, 130 interrupted.

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

impl Error {
    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_) | Error::Input(_) => 2,
            Error::Connect { .. } | Error::Auth { .. } | Error::Server { .. } => 3,
            Error::Output(_) => 2,
        }
    }
}

pub(crate) type Result<T, E = Error> = std::result::Result<T, E>;

/// Exit code for a run stopped by Ctrl-C (128 + SIGINT).
pub(crate) const EXIT_INTERRUPTED: u8 = 130;
