//! The one place that decides the process exit code, from how a command ended
//! ([`Outcome`]) or from the error that ended it. The codes are a contract (README, man
//! pages, `--help`):
//!
//! | code | meaning |
//! |---|---|
//! | 0 | ok (a bound the user set, or the guard stopping early, is not a failure) |
//! | 1 | a finding the user asked to fail on (`detect` found a storm, a threshold crossed) |
//! | 2 | usage or bad input (a report of the good part may still be printed) |
//! | 3 | cannot connect, auth refused, server error, or a node lost part-way (the report of what was gathered is still printed) |
//! | 130 | interrupted by Ctrl-C, SIGTERM or SIGHUP (a partial report is still printed) |
//!
//! A broken pipe on stdout (`cachestorm ... | head`) is not an error: exit 0.

use crate::error::Error;

/// How a command ended when it did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Ran to its end: exit 0.
    Done,
    /// Found what the user asked it to fail on; the report was printed: exit 1.
    #[allow(dead_code)] // `detect` is the first command that reports findings this way
    Finding,
    /// The input was cut short or partly bad; a report of the good part was printed: exit 2.
    BadInput,
    /// A node failed part-way; the report of what was gathered was printed: exit 3.
    Partial,
    /// Stopped by Ctrl-C, SIGTERM or SIGHUP before its planned end; a partial report was
    /// printed: exit 130.
    Interrupted,
}

/// How a run that printed a report ended, as far as the exit code cares.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Ending {
    /// Ctrl-C, SIGTERM or SIGHUP cut it short.
    pub(crate) interrupted: bool,
    /// The input was cut short or partly unusable.
    pub(crate) bad_input: bool,
    /// A node was lost (failed, closed, stopped answering) or never answered: its part of
    /// the data is missing or cut short.
    pub(crate) lost: bool,
}

impl Ending {
    /// The one rule every command follows: Ctrl-C (SIGTERM, SIGHUP) → 130; cut-short input → 2; a lost
    /// node → 3; else 0. A bound the user set (`--max-lines`, `--sample`, `--count`) or
    /// the guard stopping a capture early is not a failure: the report says so
    /// (`complete: false` and why), the exit code does not.
    pub(crate) fn outcome(self) -> Outcome {
        if self.interrupted {
            Outcome::Interrupted
        } else if self.bad_input {
            Outcome::BadInput
        } else if self.lost {
            Outcome::Partial
        } else {
            Outcome::Done
        }
    }
}

/// Exit code for a run stopped by Ctrl-C (128 + SIGINT).
pub(crate) const INTERRUPTED: u8 = 130;

impl Outcome {
    pub(crate) fn code(self) -> u8 {
        match self {
            Outcome::Done => 0,
            Outcome::Finding => 1,
            Outcome::BadInput => 2,
            Outcome::Partial => 3,
            Outcome::Interrupted => INTERRUPTED,
        }
    }
}

impl Error {
    /// The exit code of a run that ended with this error.
    pub(crate) fn code(&self) -> u8 {
        match self {
            Error::Usage(_) | Error::Input(_) => 2,
            Error::Connect { .. } | Error::Auth { .. } | Error::Server { .. } => 3,
            Error::Output(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
            Error::Output(_) => 2,
        }
    }

    /// Whether the error is worth a line on stderr (a closed pipe is not).
    pub(crate) fn is_reported(&self) -> bool {
        self.code() != 0
    }
}

/// The exit code of a whole run.
pub(crate) fn code(result: &Result<Outcome, Error>) -> u8 {
    match result {
        Ok(o) => o.code(),
        Err(e) => e.code(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_rule_for_partial_results() {
        let e = |interrupted, bad_input, lost| {
            Ending {
                interrupted,
                bad_input,
                lost,
            }
            .outcome()
        };
        assert_eq!(e(false, false, false), Outcome::Done);
        assert_eq!(e(false, false, true), Outcome::Partial);
        assert_eq!(e(false, true, false), Outcome::BadInput);
        assert_eq!(e(true, false, true), Outcome::Interrupted);
    }

    #[test]
    fn the_contract() {
        let out = |o| code(&Ok(o));
        assert_eq!(
            [
                out(Outcome::Done),
                out(Outcome::Finding),
                out(Outcome::BadInput),
                out(Outcome::Partial),
                out(Outcome::Interrupted)
            ],
            [0, 1, 2, 3, 130]
        );
        let err = |e| code(&Err(e));
        assert_eq!(err(Error::Usage("x".into())), 2);
        assert_eq!(err(Error::Input("x".into())), 2);
        let at = || "127.0.0.1:1".to_string();
        assert_eq!(
            err(Error::Connect {
                addr: at(),
                msg: "refused".into()
            }),
            3
        );
        assert_eq!(
            err(Error::Auth {
                addr: at(),
                msg: "WRONGPASS".into()
            }),
            3
        );
        assert_eq!(
            err(Error::Server {
                addr: at(),
                msg: "CLUSTERDOWN".into()
            }),
            3
        );
        let pipe = Error::Output(std::io::Error::from(std::io::ErrorKind::BrokenPipe));
        assert!(!pipe.is_reported());
        assert_eq!(err(pipe), 0);
        assert_eq!(err(Error::Output(std::io::Error::other("disk full"))), 2);
    }
}
