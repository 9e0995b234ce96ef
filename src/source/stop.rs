//! Stopping live work, and showing it progress. A [`Stop`] is one switch shared by the
//! command and every task it starts: Ctrl-C, SIGTERM or SIGHUP turns it (once; the run
//! is then `interrupted`), and so can the command itself (a line limit reached, a write failed).
//! Tasks wait on it (`wait`, `until`) or check it between steps (`is_stopped`); a
//! polling loop puts `until(next_round)` where it would have selected on Ctrl-C. The
//! terminal-only progress bar lives here too. Must not: decide what a stop means for a
//! report (commands do).

use std::future::Future;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

use indicatif::{ProgressBar, ProgressStyle};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The interruptions [`Stop::on_interrupt`] listens for.
const CTRL_C: u8 = 1;
const SIGTERM: u8 = 2;
const SIGHUP: u8 = 3;

/// The stop switch. Clones share it.
#[derive(Clone)]
pub(crate) struct Stop {
    tx: Arc<watch::Sender<bool>>,
    /// 0: not interrupted; else which interruption ([`Stop::interruption`]).
    interrupted: Arc<AtomicU8>,
    /// The Ctrl-C listener, ended when the last clone goes.
    _listener: Option<Arc<Listener>>,
}

struct Listener(JoinHandle<()>);

impl Drop for Listener {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Stop {
    /// A switch only [`Stop::stop`] turns.
    pub(crate) fn new() -> Stop {
        Stop {
            tx: Arc::new(watch::channel(false).0),
            interrupted: Arc::new(AtomicU8::new(0)),
            _listener: None,
        }
    }

    /// A switch an interruption turns too: Ctrl-C (SIGINT), SIGTERM (`kill`, `timeout`, a
    /// service manager) or SIGHUP (the terminal went away). From now on none of them ends
    /// the process: the run stops cleanly, what it started is ended (a `--source-cmd`
    /// command's process group) and the partial report is printed. Needs a Tokio runtime.
    pub(crate) fn on_interrupt() -> Stop {
        use tokio::signal::unix::{signal, SignalKind};
        let mut stop = Stop::new();
        let (tx, interrupted) = (stop.tx.clone(), stop.interrupted.clone());
        // Registered here, before any work starts, so no signal can fall between.
        let int = signal(SignalKind::interrupt()).ok();
        let term = signal(SignalKind::terminate()).ok();
        let hup = signal(SignalKind::hangup()).ok();
        let listener = tokio::spawn(async move {
            async fn next(s: Option<tokio::signal::unix::Signal>) {
                match s {
                    Some(mut s) => {
                        s.recv().await;
                    }
                    None => std::future::pending().await,
                }
            }
            let cause = tokio::select! {
                _ = next(int) => CTRL_C,
                _ = next(term) => SIGTERM,
                _ = next(hup) => SIGHUP,
            };
            interrupted.store(cause, Ordering::SeqCst);
            tx.send_replace(true);
        });
        stop._listener = Some(Arc::new(Listener(listener)));
        stop
    }

    /// Turns the switch (not an interruption).
    pub(crate) fn stop(&self) {
        self.tx.send_replace(true);
    }

    pub(crate) fn is_stopped(&self) -> bool {
        *self.tx.borrow()
    }

    /// Ctrl-C, SIGTERM or SIGHUP turned the switch.
    pub(crate) fn interrupted(&self) -> bool {
        self.interrupted.load(Ordering::SeqCst) != 0
    }

    /// What interrupted the run, as a report says it: `interrupted (Ctrl-C)`.
    pub(crate) fn interruption(&self) -> String {
        let by = match self.interrupted.load(Ordering::SeqCst) {
            SIGTERM => "SIGTERM",
            SIGHUP => "SIGHUP",
            _ => "Ctrl-C",
        };
        format!("interrupted ({by})")
    }

    /// Resolves once the switch is on (at once when it already is).
    pub(crate) async fn wait(&self) {
        let mut rx = self.tx.subscribe();
        // Never fails: `self` keeps the sender.
        let _ = rx.wait_for(|stopped| *stopped).await;
    }

    /// Runs `work` unless the switch turns first: None when it did.
    pub(crate) async fn until<F: Future>(&self, work: F) -> Option<F::Output> {
        tokio::select! {
            out = work => Some(out),
            _ = self.wait() => None,
        }
    }
}

/// A bar on stderr when it is a terminal (None otherwise): `{doing} done/total {unit}`,
/// the rate in `{unit}/s`, the ETA, the caller's message (e.g. failures so far). Callers set
/// the length as they learn it.
pub(crate) fn progress_bar(doing: &str, unit: &'static str) -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let b = ProgressBar::new(0);
    let template =
        format!("{{spinner}} {doing} {{human_pos}}/{{human_len}} {unit}  {{rate}}  eta {{eta}}  {{msg}}{{wide_bar}}");
    b.set_style(
        ProgressStyle::with_template(&template)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .with_key(
                "rate",
                move |st: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{:.0} {unit}/s", st.per_sec());
                },
            ),
    );
    Some(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn one_switch_for_every_clone() {
        let stop = Stop::new();
        let task = stop.clone();
        assert!(!task.is_stopped());
        let waiting = tokio::spawn(async move { task.wait().await });
        // Work that ends first is done; work the switch cuts short is not.
        assert_eq!(stop.until(async { 7 }).await, Some(7));
        stop.stop();
        waiting.await.unwrap();
        assert!(stop.is_stopped() && !stop.interrupted());
        let slow = tokio::time::sleep(Duration::from_secs(3600));
        assert_eq!(stop.until(slow).await, None);
        stop.wait().await;
    }
}
