//! `--source-cmd 'CMD {key}'`: one `sh -c` per key. `{key}` in the template becomes `"$1"`
//! and the key's raw bytes are that argument (and `$CACHESTORM_KEY`), so a key full of
//! `;`, `$( )` or quotes is data to the shell, never code. `{key}` must stand as a word of
//! its own (bare, or alone in quotes); inside a longer quoted string it is refused (the
//! template uses `"$CACHESTORM_KEY"` there, in its own quoting).
//!
//! The value is the command's stdout byte for byte (a trailing newline is part of it:
//! print with `printf '%s'`, or end the pipeline with `tr -d '\n'`). Exit 0 with no output
//! at all is *missing* (a lookup that found nothing prints nothing; an empty string would
//! be cached as the answer). A non-zero exit is a failed key with the first line of
//! stderr, as is a signal, a timeout or over 512 MiB of output. Each command runs in a
//! process group of its own: a timeout, or the call being dropped (Ctrl-C, SIGTERM,
//! SIGHUP, `--max-time`), kills every process still in that group — `sh` and its
//! pipeline; one that left the group (`setsid`, coreutils `timeout`) is on its own, and so
//! is a background process of a command that has finished. Being a background group on a
//! terminal, a program that prompts there (a password) is stopped and fails by the
//! timeout: give it its credentials another way. Must not: write the key into the script
//! text.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::ExitStatusExt;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};

use super::{Got, Outcome, MAX_VALUE};
use crate::error::{Error, Result};

/// Stderr kept for the failure line.
const MAX_STDERR: usize = 64 << 10;

pub(crate) struct Command {
    template: String,
    script: String,
    timeout: Duration,
    /// Output over this fails the key ([`MAX_VALUE`]; smaller in tests).
    cap: usize,
}

impl Command {
    pub(crate) fn new(template: &str, timeout: Duration) -> Result<Self> {
        if timeout.is_zero() {
            return Err(Error::Usage(
                "the command timeout must be more than 0".into(),
            ));
        }
        Ok(Command {
            template: template.to_string(),
            script: script(template)?,
            timeout,
            cap: MAX_VALUE,
        })
    }

    /// `command 'TEMPLATE'`, a `scheme://user:pass@` in it shown as `user:***`.
    pub(crate) fn name(&self) -> String {
        format!("command '{}'", crate::redact::url(&self.template))
    }

    /// Runs the command for `key`. Err only when `sh` itself cannot be started.
    pub(crate) async fn run(&self, key: &[u8]) -> Result<Outcome> {
        if key.contains(&0) {
            return Ok(Outcome::Got(Got::Failed(
                "the key has a NUL byte, which a command argument cannot carry".into(),
            )));
        }
        let mut command = tokio::process::Command::new("sh");
        command
            .arg("-c")
            .arg(&self.script)
            .arg("cachestorm") // $0, named in the shell's own error messages
            .arg(OsStr::from_bytes(key))
            .env("CACHESTORM_KEY", OsStr::from_bytes(key))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            // A group of its own, set by posix_spawn (a `pre_exec` setsid would force a
            // fork of this whole process per key: 12 times slower with 2M keys loaded).
            .process_group(0);
        let mut child = match command.spawn() {
            Ok(c) => c,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied
                ) =>
            {
                return Err(Error::Input(format!(
                    "{}: cannot start sh: {e}",
                    self.name()
                )));
            }
            Err(e) => return Ok(Outcome::Got(Got::Failed(format!("cannot start sh: {e}")))),
        };
        // Killed with everything in it if this call ends (timeout or drop) before the
        // command has finished.
        let mut group = Group(child.id().and_then(|id| i32::try_from(id).ok()));
        let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
            return Ok(Outcome::Got(Got::Failed("no pipes to the command".into())));
        };
        let ran = tokio::time::timeout(self.timeout, async {
            // Both pipes are read at once, or a command filling one would block on it.
            let (out, err) = tokio::join!(capped(stdout, self.cap), drained(stderr));
            (child.wait().await, out, err)
        })
        .await;
        let got = match ran {
            Err(_) => {
                group.kill();
                let _ = child.kill().await;
                Got::Failed(format!(
                    "timed out after {}",
                    crate::units::duration(self.timeout)
                ))
            }
            Ok((status, out, err)) => {
                // Finished: its output closed and `sh` reaped (the group's number may
                // belong to another process from now on).
                group.0 = None;
                let status = status.map_err(|e| format!("waiting for the command: {e}"));
                let out = out.map_err(|e| format!("reading the command's output: {e}"));
                match (status, out) {
                    (Err(why), _) | (_, Err(why)) => Got::Failed(why),
                    (Ok(_), Ok(out)) if out.len() > self.cap => Got::Failed(over(self.cap)),
                    (Ok(status), Ok(out)) => judge(status, out, &err.unwrap_or_default()),
                }
            }
        };
        Ok(Outcome::Got(got))
    }
}

/// The process group of a running command (its id is `sh`'s pid, `process_group(0)`).
struct Group(Option<i32>);

impl Group {
    /// SIGKILL to every process of the group, once.
    fn kill(&mut self) {
        if let Some(id) = self.0.take() {
            // SAFETY: kill(2) takes plain integers and touches no memory of ours; a
            // negative pid names the group. The group exists while any of its processes
            // does, so its number cannot have been given to another process.
            unsafe {
                libc::kill(-id, libc::SIGKILL);
            }
        }
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The shell script for `template`: `{key}` standing as a word of its own — bare, or
/// alone in quotes (`'{key}'`, `"{key}"`) — becomes `"$1"`. A `{key}` inside a longer
/// quoted string (`"items/{key}.json"`, `'... {key} ...'`) is refused: in single quotes
/// it is often the code of another program (`sh -c '...'`, awk, ssh), where splicing the
/// key would run it as code, and in double quotes it may sit inside `$( )`, where it would
/// be split; such a template uses `"$CACHESTORM_KEY"` itself. An escaped `\{key}` is
/// refused too.
pub(crate) fn script(template: &str) -> Result<String> {
    let refuse = |why: &str| {
        Err(Error::Usage(format!(
            "--source-cmd '{template}': {why}; write {{key}} as a word of its own (it is \
             passed as \"$1\", never as shell text), or use \"$CACHESTORM_KEY\" in your own quoting"
        )))
    };
    if !template.contains("{key}") {
        return refuse("no {key}");
    }
    let mut out = String::with_capacity(template.len() + 8);
    let mut rest = template;
    let mut replaced = 0;
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix("{key}") {
            out.push_str("\"$1\"");
            rest = after;
            replaced += 1;
            continue;
        }
        if c == '\'' || c == '"' {
            // A quoted string, to its closing quote (double quotes: backslash escapes).
            let body = &rest[1..];
            let mut end = None;
            let mut esc = false;
            for (i, d) in body.char_indices() {
                if c == '"' && !esc && d == '\\' {
                    esc = true;
                    continue;
                }
                if d == c && !esc {
                    end = Some(i);
                    break;
                }
                esc = false;
            }
            let Some(end) = end else {
                return refuse("a quote is not closed");
            };
            let inner = &body[..end];
            if inner == "{key}" {
                out.push_str("\"$1\"");
                replaced += 1;
            } else if inner.contains("{key}") {
                return refuse("{key} inside a longer quoted string");
            } else {
                out.push(c);
                out.push_str(inner);
                out.push(c);
            }
            rest = &body[end + 1..];
            continue;
        }
        rest = &rest[c.len_utf8()..];
        out.push(c);
        if c == '\\' {
            if let Some(n) = rest.chars().next() {
                out.push(n);
                rest = &rest[n.len_utf8()..];
            }
        }
    }
    if replaced == 0 {
        return refuse("{key} only appears escaped");
    }
    Ok(out)
}

/// Reads `r` to its end, but no further than one byte over `cap`; then the pipe is closed,
/// and a command still writing to it dies of SIGPIPE.
async fn capped(r: impl AsyncRead + Unpin, cap: usize) -> std::io::Result<Vec<u8>> {
    let mut v = Vec::new();
    r.take(cap as u64 + 1).read_to_end(&mut v).await?;
    Ok(v)
}

/// Reads `r` to its end, keeping the first [`MAX_STDERR`] bytes.
async fn drained(mut r: impl AsyncRead + Unpin) -> std::io::Result<Vec<u8>> {
    let mut kept = Vec::new();
    let mut buf = vec![0u8; 8 << 10];
    loop {
        let n = r.read(&mut buf).await?;
        if n == 0 {
            return Ok(kept);
        }
        let room = MAX_STDERR.saturating_sub(kept.len());
        kept.extend_from_slice(&buf[..n.min(room)]);
    }
}

/// A finished command's result for its key.
pub(crate) fn judge(status: ExitStatus, out: Vec<u8>, err: &[u8]) -> Got {
    let why = first_line(err);
    let with_why = |s: String| match &why {
        Some(w) => format!("{s}: {w}"),
        None => s,
    };
    match (status.code(), status.signal()) {
        (Some(0), _) if out.is_empty() => Got::Missing,
        (Some(0), _) => Got::Value(out),
        (Some(n), _) => Got::Failed(with_why(format!("exit {n}"))),
        (None, Some(sig)) => Got::Failed(with_why(format!("killed by signal {sig}"))),
        (None, None) => Got::Failed(with_why("ended abnormally".into())),
    }
}

/// `value over 512 MiB`.
fn over(cap: usize) -> String {
    if cap >= 1 << 20 {
        format!("value over {} MiB", cap >> 20)
    } else {
        format!("value over {cap} bytes")
    }
}

/// The first non-blank line of stderr, trimmed, at most 200 characters.
pub(crate) fn first_line(err: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(err);
    let line = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    Some(match line.char_indices().nth(200) {
        Some((at, _)) => format!("{}...", &line[..at]),
        None => line.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_an_argument() {
        assert_eq!(script("get {key}").unwrap(), "get \"$1\"");
        assert_eq!(
            script("a '{key}' \"{key}\" 'x y'").unwrap(),
            "a \"$1\" \"$1\" 'x y'"
        );
        assert_eq!(
            script("a $(printf %s {key}) \\\"b\\\"").unwrap(),
            "a $(printf %s \"$1\") \\\"b\\\""
        );
        for bad in [
            "no key",
            "cat \"items/{key}.json\"",
            "sh -c 'printf %s {key}'",
            "awk '$1==\"{key}\"' f",
            "printf \"[%s]\" \"$(printf %s {key})\"",
            "echo \\{key}",
            "echo '{key}",
        ] {
            assert!(matches!(script(bad), Err(Error::Usage(_))), "{bad}");
        }
    }

    #[tokio::test]
    async fn runaway_output_and_chatty_stderr() {
        let mut c = Command::new("yes {key}", Duration::from_secs(60)).unwrap();
        c.cap = 100_000;
        let got = c.run(b"y").await.unwrap();
        assert!(
            matches!(&got, Outcome::Got(Got::Failed(w)) if w == "value over 100000 bytes"),
            "{got:?}"
        );
        let c = Command::new(
            "head -c 1000000 /dev/zero | tr '\\0' e >&2; printf ok # {key}",
            Duration::from_secs(60),
        )
        .unwrap();
        let got = c.run(b"k").await.unwrap();
        assert!(
            matches!(&got, Outcome::Got(Got::Value(v)) if v == b"ok"),
            "{got:?}"
        );
    }

    #[test]
    fn exits() {
        let exit = |n: i32| ExitStatus::from_raw(n << 8);
        assert_eq!(
            judge(exit(0), b"v\n".to_vec(), b""),
            Got::Value(b"v\n".to_vec())
        );
        assert_eq!(judge(exit(0), vec![], b"warning"), Got::Missing);
        assert_eq!(
            judge(exit(2), vec![], b"\n  psql: connection refused \nmore"),
            Got::Failed("exit 2: psql: connection refused".into())
        );
        assert_eq!(
            judge(exit(1), b"x".to_vec(), b""),
            Got::Failed("exit 1".into())
        );
        assert_eq!(
            judge(ExitStatus::from_raw(9), vec![], b""),
            Got::Failed("killed by signal 9".into())
        );
        assert_eq!(over(MAX_VALUE), "value over 512 MiB");
        let long = "x".repeat(300);
        assert_eq!(first_line(long.as_bytes()).unwrap().len(), 203);
    }
}
