//! `warm --source-cmd 'CMD {key}'` and `warm --source-http 'http://host/items/{key}'`:
//! values from outside Redis, one fetch per key — a command's stdout ([`cmd`]) or an
//! HTTP GET's body ([`http`]) — with at most `--concurrency` fetches in flight, which is
//! what protects the database behind them. Results come back in the keys' order.
//!
//! A key's own trouble (a non-zero exit, an HTTP 503 after the retries, a timeout) is a
//! [`Got::Failed`] with one line saying why, counted by the caller; only a source that is
//! gone as a whole is an error: `sh` cannot be started, or no key of a call could even
//! connect to the HTTP server. Must not: put a key into shell text (it is `$1`), follow
//! redirects, print a URL's password, or have more than `--concurrency` fetches running.

pub(crate) mod cmd;
pub(crate) mod http;

#[cfg(test)]
mod tests;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::task::Poll;
use std::time::Duration;

use crate::error::{Error, Result};

/// How the reason of a key that could not reach the source begins (the source may be
/// going away: the run stops rather than fail key after key).
pub(crate) const UNREACHABLE: &str = "unreachable: ";

/// Values over this are refused (a runaway command, a wrong URL serving a disk image).
pub(crate) const MAX_VALUE: usize = 512 << 20;

/// One key's value from an external source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Got {
    /// The value, byte for byte.
    Value(Vec<u8>),
    /// The source has no value for the key: HTTP 404, 410 or 204; a command that exits 0
    /// and prints nothing.
    Missing,
    /// This key could not be fetched; one line, e.g. `exit 2: psql: connection refused`,
    /// `HTTP 503 after 4 tries`, `timed out after 5s`.
    Failed(String),
}

/// How one key's fetch ended, before the call decides whether the source is gone.
#[derive(Debug)]
pub(crate) enum Outcome {
    Got(Got),
    /// Every try failed to connect (refused, DNS, connect timeout, TLS handshake), or the
    /// key was not tried because another key of the call found it so: the source may be
    /// gone as a whole.
    Unreachable(String),
}

/// An external value source and how many fetches it may run at once.
pub(crate) struct External {
    kind: Kind,
    concurrency: usize,
}

enum Kind {
    Cmd(cmd::Command),
    Http(http::Http),
}

impl External {
    /// Runs `template` with `sh -c` for each key: `{key}` becomes `"$1"` and the key is
    /// the argument `$1` (and `$CACHESTORM_KEY`), never shell text. Err(Usage) without
    /// a `{key}`, with a zero timeout or concurrency.
    pub(crate) fn cmd(template: &str, timeout: Duration, concurrency: usize) -> Result<Self> {
        Self::new(
            Kind::Cmd(cmd::Command::new(template, timeout)?),
            concurrency,
        )
    }

    /// GETs `template` (an http:// or https:// URL) for each key, the key's bytes
    /// percent-encoded in place of `{key}`; a key is retried `retries` times after a 5xx,
    /// a 429, a timeout or a lost connection. Err(Usage) for another scheme, no `{key}`
    /// in the path or query, a zero timeout or concurrency.
    pub(crate) fn http(
        template: &str,
        timeout: Duration,
        retries: u32,
        concurrency: usize,
    ) -> Result<Self> {
        Self::new(
            Kind::Http(http::Http::new(template, timeout, retries)?),
            concurrency,
        )
    }

    fn new(kind: Kind, concurrency: usize) -> Result<Self> {
        if concurrency == 0 {
            return Err(Error::Usage("--concurrency must be at least 1".into()));
        }
        Ok(External { kind, concurrency })
    }

    /// For reports and checkpoints: `command 'psql -tAc ... {key}'`, or the URL template
    /// with its password shown as `***`.
    pub(crate) fn name(&self) -> String {
        match &self.kind {
            Kind::Cmd(c) => c.name(),
            Kind::Http(h) => h.name(),
        }
    }

    /// Every key's value, in the keys' order, with at most `concurrency` fetches in
    /// flight. Err only when the source is gone as a whole: `sh` cannot be started, or
    /// every key of the call failed to connect to the HTTP server.
    pub(crate) async fn fetch(&self, keys: &[Vec<u8>]) -> Result<Vec<Got>> {
        let outcomes = match &self.kind {
            Kind::Cmd(c) => in_parallel(keys, self.concurrency, |k| c.run(k)).await?,
            Kind::Http(h) => {
                let down = http::Down::default();
                in_parallel(keys, self.concurrency, |k| h.get(k, &down)).await?
            }
        };
        gone_or_got(outcomes, || self.name())
    }
}

/// The call's verdict: every key unreachable → the source is gone (Err); else each
/// unreachable key is one failure among others.
fn gone_or_got(outcomes: Vec<Outcome>, name: impl Fn() -> String) -> Result<Vec<Got>> {
    if let Some(Outcome::Unreachable(why)) = outcomes.first() {
        if outcomes
            .iter()
            .all(|o| matches!(o, Outcome::Unreachable(_)))
        {
            return Err(Error::Connect {
                addr: name(),
                msg: why.clone(),
            });
        }
    }
    Ok(outcomes
        .into_iter()
        .map(|o| match o {
            Outcome::Got(g) => g,
            Outcome::Unreachable(why) => Got::Failed(format!("{UNREACHABLE}{why}")),
        })
        .collect())
}

type Worker<'a> = Pin<Box<dyn Future<Output = Result<()>> + Send + 'a>>;

/// `fetch(key)` for every key, `n` at a time, results in the keys' order. `n` workers take
/// the next key as they finish one, all polled by this one task (no spawning: dropping the
/// call drops every fetch, and a command's child is killed with it). The first Err stops
/// the call.
async fn in_parallel<'a, F, Fut>(keys: &'a [Vec<u8>], n: usize, fetch: F) -> Result<Vec<Outcome>>
where
    F: Fn(&'a [u8]) -> Fut + Sync + 'a,
    Fut: Future<Output = Result<Outcome>> + Send + 'a,
{
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<Option<Outcome>>> = Mutex::new(keys.iter().map(|_| None).collect());
    {
        let (next, done, fetch) = (&next, &done, &fetch);
        let mut workers: Vec<Worker<'_>> = (0..n.min(keys.len()))
            .map(|_| {
                Box::pin(async move {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(key) = keys.get(i) else {
                            return Ok(());
                        };
                        let got = fetch(key).await?;
                        if let Ok(mut d) = done.lock() {
                            d[i] = Some(got);
                        }
                    }
                }) as Worker<'_>
            })
            .collect();
        std::future::poll_fn(|cx| {
            let mut failed = None;
            workers.retain_mut(|w| match w.as_mut().poll(cx) {
                Poll::Pending => true,
                Poll::Ready(Ok(())) => false,
                Poll::Ready(Err(e)) => {
                    failed.get_or_insert(e);
                    false
                }
            });
            match failed {
                Some(e) => Poll::Ready(Err(e)),
                None if workers.is_empty() => Poll::Ready(Ok(())),
                None => Poll::Pending,
            }
        })
        .await?;
    }
    let done = done.into_inner().unwrap_or_else(|p| p.into_inner());
    Ok(done
        .into_iter()
        .map(|o| o.unwrap_or_else(|| Outcome::Got(Got::Failed("not fetched".into()))))
        .collect())
}
