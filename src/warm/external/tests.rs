//! The external sources for real: commands run by `sh`, and an HTTP server of the test's
//! own on 127.0.0.1 (a free port, one thread per connection) that answers by the key's
//! first word — `ok:1`, `flaky:1`, `slow:1` — and counts connections, requests and the
//! most requests it held at once.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{gone_or_got, External, Got, Outcome};
use crate::error::Error;

const SECOND: Duration = Duration::from_secs(1);

fn keys(words: &[&str]) -> Vec<Vec<u8>> {
    words.iter().map(|w| w.as_bytes().to_vec()).collect()
}

fn value(s: &str) -> Got {
    Got::Value(s.as_bytes().to_vec())
}

// --- commands -------------------------------------------------------------------------

#[tokio::test]
async fn a_command_prints_the_value() {
    let src = External::cmd("printf 'v:%s' {key}", 5 * SECOND, 4).unwrap();
    assert_eq!(src.name(), "command 'printf 'v:%s' {key}'");
    let ks = vec![
        b"a".to_vec(),
        b"two words".to_vec(),
        b"bin\xff\n\x01".to_vec(),
        b"-n".to_vec(),
    ];
    let got = src.fetch(&ks).await.unwrap();
    assert_eq!(
        got,
        vec![
            value("v:a"),
            value("v:two words"),
            Got::Value(b"v:bin\xff\n\x01".to_vec()),
            value("v:-n"),
        ]
    );
    // Byte for byte: echo's newline is part of the value.
    let src = External::cmd("echo {key}", 5 * SECOND, 1).unwrap();
    assert_eq!(src.fetch(&keys(&["k"])).await.unwrap(), vec![value("k\n")]);
    // The key is in the environment too.
    let src = External::cmd(
        "test -n {key} && printf %s \"$CACHESTORM_KEY\"",
        SECOND * 5,
        1,
    )
    .unwrap();
    assert_eq!(
        src.fetch(&keys(&["e v"])).await.unwrap(),
        vec![value("e v")]
    );
    assert!(src.fetch(&[]).await.unwrap().is_empty());
    let src = External::cmd("psql postgres://app:s3cret@db/x -c {key}", SECOND, 1).unwrap();
    assert_eq!(
        src.name(),
        "command 'psql postgres://app:***@db/x -c {key}'"
    );
}

#[tokio::test]
async fn a_key_is_never_shell_text() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let key = format!(
        "x; touch {d}/p1 $(touch {d}/p2) `touch {d}/p3` \"; touch {d}/p4; \" '; touch {d}/p5; '"
    );
    for template in [
        "printf %s {key}",
        "printf %s '{key}'",
        "printf %s \"{key}\"",
    ] {
        let src = External::cmd(template, 5 * SECOND, 2).unwrap();
        let got = src.fetch(&[key.as_bytes().to_vec()]).await.unwrap();
        assert_eq!(got, vec![value(&key)], "{template}");
    }
    // Inside a program of its own the key is reached by name, never spliced in.
    let src = External::cmd(
        "sh -c 'printf %s \"items/$CACHESTORM_KEY.json\"' _ {key}",
        5 * SECOND,
        2,
    )
    .unwrap();
    let got = src.fetch(&[key.as_bytes().to_vec()]).await.unwrap();
    assert_eq!(got, vec![value(&format!("items/{key}.json"))]);
    let made: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(made.is_empty(), "the key ran as shell code: {made:?}");
}

#[tokio::test]
async fn a_failing_command_is_a_failed_key() {
    let src = External::cmd(
        "case {key} in
           fail) echo '  db: no route to host' >&2; echo more >&2; exit 3;;
           none) ;;
           kill) kill -9 $$;;
           *) no-such-command-cachestorm;;
         esac",
        5 * SECOND,
        2,
    )
    .unwrap();
    let got = src
        .fetch(&[
            b"fail".to_vec(),
            b"none".to_vec(),
            b"kill".to_vec(),
            b"other".to_vec(),
            b"nul\0".to_vec(),
        ])
        .await
        .unwrap();
    assert_eq!(got[0], Got::Failed("exit 3: db: no route to host".into()));
    assert_eq!(got[1], Got::Missing, "exit 0 with no output is missing");
    assert_eq!(got[2], Got::Failed("killed by signal 9".into()));
    let Got::Failed(why) = &got[3] else {
        panic!("{:?}", got[3])
    };
    assert!(
        why.starts_with("exit 127: ") && why.contains("no-such-command-cachestorm"),
        "{why}"
    );
    assert!(matches!(&got[4], Got::Failed(w) if w.contains("NUL")));
}

#[tokio::test]
async fn a_slow_command_is_killed() {
    let src = External::cmd("exec sleep 30 # {key}", Duration::from_millis(200), 2).unwrap();
    let start = Instant::now();
    let got = src.fetch(&keys(&["a", "b", "c"])).await.unwrap();
    assert_eq!(got, vec![Got::Failed("timed out after 200ms".into()); 3]);
    assert!(start.elapsed() < 20 * SECOND);
}

#[tokio::test]
async fn a_timed_out_command_is_killed_with_everything_it_started() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    // No exec: sh starts a pipeline and a background process, notes their pids, waits.
    let template = format!(
        "sleep 30 | cat & echo $! > {d}/\"$1\".bg; sleep 31 & echo $! > {d}/\"$1\".fg; wait # {{key}}"
    );
    // Long enough for both shells to start their processes on a busy machine.
    let src = External::cmd(&template, 3 * SECOND, 2).unwrap();
    let got = src.fetch(&keys(&["a", "b"])).await.unwrap();
    assert_eq!(got, vec![Got::Failed("timed out after 3s".into()); 2]);
    let pids: Vec<String> = ["a.bg", "a.fg", "b.bg", "b.fg"]
        .iter()
        .map(|f| {
            std::fs::read_to_string(dir.path().join(f))
                .unwrap()
                .trim()
                .to_string()
        })
        .collect();
    // Each process is gone (or a zombie waiting for init to reap it) soon after.
    let alive = |pid: &String| {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map(|st| {
                !st.rsplit(')')
                    .next()
                    .unwrap_or("")
                    .trim_start()
                    .starts_with('Z')
            })
            .unwrap_or(false)
    };
    let deadline = Instant::now() + 10 * SECOND;
    while pids.iter().any(alive) {
        assert!(Instant::now() < deadline, "still running: {pids:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_command_leads_a_process_group_of_its_own() {
    // /proc/PID/stat: pid (comm) state ppid pgrp ...; `sh`'s comm has no space.
    let src = External::cmd(
        "set -- $(cat /proc/$$/stat); printf '%s %s' $1 $5 # {key}",
        20 * SECOND,
        1,
    )
    .unwrap();
    let got = src.fetch(&keys(&["a"])).await.unwrap();
    let Got::Value(v) = &got[0] else {
        panic!("{got:?}")
    };
    let ids: Vec<String> = String::from_utf8_lossy(v)
        .split(' ')
        .map(str::to_string)
        .collect();
    assert!(ids.len() == 2 && ids[1] == ids[0], "pid, pgrp = {ids:?}");
}

#[tokio::test]
async fn commands_run_at_most_concurrency_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    std::fs::create_dir(dir.path().join("run")).unwrap();
    // Each command holds a file in run/ while it runs, waits (up to 2 s) for a second one,
    // and notes how many it saw: never more than are running.
    let template = format!(
        "test -n {{key}} || exit 9; touch {d}/run/\"$1\"; i=0
         while [ $(ls {d}/run | wc -l) -lt 2 ] && [ $i -lt 40 ]; do sleep 0.05; i=$((i+1)); done
         ls {d}/run | wc -l >> {d}/seen; sleep 0.05; rm {d}/run/\"$1\"; printf ok"
    );
    let src = External::cmd(&template, 20 * SECOND, 3).unwrap();
    let ks: Vec<Vec<u8>> = (0..9).map(|i| format!("k{i}").into_bytes()).collect();
    let fetching = src.fetch(&ks);
    fn sendable<T: Send>(t: T) -> T {
        t
    }
    let got = sendable(fetching).await.unwrap();
    assert_eq!(got, vec![value("ok"); 9]);
    let seen: Vec<usize> = std::fs::read_to_string(dir.path().join("seen"))
        .unwrap()
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect();
    assert_eq!(seen.len(), 9);
    let most = *seen.iter().max().unwrap();
    assert!((2..=3).contains(&most), "most at once: {most} ({seen:?})");
}

#[test]
fn commands_are_checked() {
    for (template, timeout, n) in [
        ("printf x", SECOND, 1),
        ("printf %s {key}", Duration::ZERO, 1),
        ("printf %s {key}", SECOND, 0),
    ] {
        let e = External::cmd(template, timeout, n).err().expect(template);
        assert!(matches!(e, Error::Usage(_)), "{e}");
    }
    let e = External::cmd("printf x", SECOND, 1).err().unwrap();
    assert!(e.to_string().contains("{key}"), "{e}");
}

// --- HTTP -----------------------------------------------------------------------------

#[derive(Default)]
struct Counts {
    connections: AtomicUsize,
    requests: AtomicUsize,
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
    by_path: Mutex<HashMap<String, usize>>,
    heads: Mutex<Vec<String>>,
}

impl Counts {
    fn path(&self, p: &str) -> usize {
        self.by_path.lock().unwrap().get(p).copied().unwrap_or(0)
    }
}

struct Server {
    port: u16,
    counts: Arc<Counts>,
}

impl Server {
    fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let counts = Arc::new(Counts::default());
        let c = counts.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                c.connections.fetch_add(1, Ordering::SeqCst);
                let c = c.clone();
                std::thread::spawn(move || serve(conn, &c));
            }
        });
        Server { port, counts }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/items/{{key}}", self.port)
    }
}

/// Answers requests on one connection until it closes (or an answer closes it).
fn serve(conn: TcpStream, c: &Counts) {
    let mut r = BufReader::new(conn.try_clone().unwrap());
    let mut w = conn;
    loop {
        let mut head = String::new();
        loop {
            let mut line = String::new();
            match r.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) if line == "\r\n" => break,
                Ok(_) => head.push_str(&line),
            }
        }
        let Some(path) = head
            .strip_prefix("GET ")
            .and_then(|h| h.split(' ').next())
            .map(str::to_string)
        else {
            return;
        };
        c.requests.fetch_add(1, Ordering::SeqCst);
        c.heads.lock().unwrap().push(head.clone());
        let seen = {
            let mut by = c.by_path.lock().unwrap();
            let n = by.entry(path.clone()).or_default();
            *n += 1;
            *n
        };
        let key = path.strip_prefix("/items/").unwrap_or("");
        let route = key.split("%3A").next().unwrap_or("");
        let body = format!("value of {key}");
        let ok = format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        let reply: String = match route {
            "ok" => ok,
            "chunked" => format!(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nvalue \r\n{:x}\r\n{}\r\n0\r\n\r\n",
                body.len() - 6,
                &body[6..]
            ),
            "close" => {
                let _ = write!(w, "HTTP/1.0 200 OK\r\n\r\n{body}");
                return;
            }
            "oneshot" => {
                // Keep-alive by the headers, but closed right after: a stale pooled
                // connection for the client's next request.
                let _ = w.write_all(ok.as_bytes());
                return;
            }
            "empty" => "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".into(),
            "nocontent" => "HTTP/1.1 204 No Content\r\n\r\n".into(),
            "missing" => "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found".into(),
            "gone" => "HTTP/1.1 410 Gone\r\nContent-Length: 0\r\n\r\n".into(),
            "forbidden" => "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n".into(),
            "redirect" => {
                "HTTP/1.1 301 Moved\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n\r\n".into()
            }
            "flaky" if seen <= 2 => {
                "HTTP/1.1 503 Busy\r\nContent-Length: 4\r\n\r\nbusy".into()
            }
            "flaky" => ok,
            "down" => "HTTP/1.1 500 Oops\r\nTransfer-Encoding: chunked\r\n\r\n4\r\noops\r\n0\r\n\r\n".into(),
            "slow" => {
                std::thread::sleep(3 * SECOND);
                ok
            }
            "busy" => {
                // Held until a second request is in flight (or 5 s): proves parallel
                // fetches without timing a thing.
                let now = c.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                c.most_in_flight.fetch_max(now, Ordering::SeqCst);
                let until = Instant::now() + 5 * SECOND;
                while c.in_flight.load(Ordering::SeqCst) < 2 && Instant::now() < until {
                    std::thread::sleep(Duration::from_millis(5));
                }
                std::thread::sleep(Duration::from_millis(20));
                c.in_flight.fetch_sub(1, Ordering::SeqCst);
                ok
            }
            _ => "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".into(),
        };
        if w.write_all(reply.as_bytes()).is_err() {
            return;
        }
    }
}

#[tokio::test]
async fn http_answers_become_values_missing_or_failures() {
    let s = Server::start();
    let src = External::http(&s.url(), 5 * SECOND, 2, 3).unwrap();
    assert_eq!(src.name(), s.url());
    let ks = keys(&[
        "ok:1",
        "chunked:2",
        "close:3",
        "missing:4",
        "gone:5",
        "forbidden:6",
        "redirect:7",
        "empty:8",
        "nocontent:9",
        "ok:a/b c?d=é",
    ]);
    let got = src.fetch(&ks).await.unwrap();
    assert_eq!(
        got,
        vec![
            value("value of ok%3A1"),
            value("value of chunked%3A2"),
            value("value of close%3A3"),
            Got::Missing,
            Got::Missing,
            Got::Failed("HTTP 403".into()),
            Got::Failed("HTTP 301 (redirects are not followed)".into()),
            value(""),
            Got::Missing,
            value("value of ok%3Aa%2Fb%20c%3Fd%3D%C3%A9"),
        ]
    );
    // Settled answers are not retried.
    assert_eq!(s.counts.requests.load(Ordering::SeqCst), ks.len());
    let heads = s.counts.heads.lock().unwrap();
    let head = &heads[0];
    assert!(
        head.contains(&format!("Host: 127.0.0.1:{}\r\n", s.port)),
        "{head}"
    );
    assert!(head.contains("User-Agent: cachestorm/"), "{head}");
    assert!(head.contains("Accept: */*\r\n"), "{head}");
    assert!(!head.contains("Authorization"), "{head}");
}

#[tokio::test]
async fn http_retries_with_backoff_then_fails() {
    let s = Server::start();
    let src = External::http(&s.url(), 5 * SECOND, 2, 2).unwrap();
    let got = src.fetch(&keys(&["flaky:1", "down:1"])).await.unwrap();
    assert_eq!(
        got,
        vec![
            value("value of flaky%3A1"),
            Got::Failed("HTTP 500 after 3 tries".into())
        ]
    );
    assert_eq!(s.counts.path("/items/flaky%3A1"), 3);
    assert_eq!(s.counts.path("/items/down%3A1"), 3, "retries + 1 tries");

    let src = External::http(&s.url(), 5 * SECOND, 0, 1).unwrap();
    let got = src.fetch(&keys(&["down:2"])).await.unwrap();
    assert_eq!(got, vec![Got::Failed("HTTP 500".into())]);
    assert_eq!(s.counts.path("/items/down%3A2"), 1);
}

#[tokio::test]
async fn http_times_out() {
    let s = Server::start();
    let src = External::http(&s.url(), Duration::from_millis(300), 1, 2).unwrap();
    let got = src.fetch(&keys(&["slow:1", "ok:2"])).await.unwrap();
    assert_eq!(
        got,
        vec![
            Got::Failed("timed out after 300ms, 2 tries".into()),
            value("value of ok%3A2")
        ]
    );
    // The server counts a request when its thread has read it, which may be after the
    // client gave up on it.
    let deadline = Instant::now() + 10 * SECOND;
    while s.counts.path("/items/slow%3A1") < 2 {
        assert!(
            Instant::now() < deadline,
            "the retry never reached the server"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(s.counts.path("/items/slow%3A1"), 2);
}

#[tokio::test]
async fn http_keeps_connections_alive() {
    let s = Server::start();
    let src = External::http(&s.url(), 5 * SECOND, 0, 1).unwrap();
    let ks: Vec<Vec<u8>> = (0..10).map(|i| format!("ok:{i}").into_bytes()).collect();
    let got = src.fetch(&ks).await.unwrap();
    assert!(got.iter().all(|g| matches!(g, Got::Value(_))), "{got:?}");
    // Across calls too.
    src.fetch(&ks).await.unwrap();
    assert_eq!(s.counts.requests.load(Ordering::SeqCst), 20);
    assert_eq!(s.counts.connections.load(Ordering::SeqCst), 1);

    let s = Server::start();
    let src = External::http(&s.url(), 5 * SECOND, 0, 4).unwrap();
    let ks: Vec<Vec<u8>> = (0..40).map(|i| format!("ok:{i}").into_bytes()).collect();
    let got = src.fetch(&ks).await.unwrap();
    let want: Vec<Got> = (0..40)
        .map(|i| value(&format!("value of ok%3A{i}")))
        .collect();
    assert_eq!(got, want, "in the keys' order");
    assert!(s.counts.connections.load(Ordering::SeqCst) <= 4);
}

#[tokio::test]
async fn http_reconnects_when_a_kept_connection_was_closed() {
    let s = Server::start();
    // No retries: a stale pooled connection is not a try.
    let src = External::http(&s.url(), 5 * SECOND, 0, 1).unwrap();
    let got = src
        .fetch(&keys(&["oneshot:1", "oneshot:2", "oneshot:3"]))
        .await
        .unwrap();
    assert!(got.iter().all(|g| matches!(g, Got::Value(_))), "{got:?}");
    assert_eq!(s.counts.connections.load(Ordering::SeqCst), 3);
    assert_eq!(s.counts.requests.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn http_fetches_at_most_concurrency_at_once() {
    let s = Server::start();
    let src = External::http(&s.url(), 10 * SECOND, 0, 4).unwrap();
    let ks: Vec<Vec<u8>> = (0..24).map(|i| format!("busy:{i}").into_bytes()).collect();
    let got = src.fetch(&ks).await.unwrap();
    assert!(got.iter().all(|g| matches!(g, Got::Value(_))), "{got:?}");
    let most = s.counts.most_in_flight.load(Ordering::SeqCst);
    assert!((2..=4).contains(&most), "most in flight: {most}");
}

/// A port nothing listens on: bound, then let go.
fn dead_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[tokio::test]
async fn an_unreachable_server_is_an_error() {
    let port = dead_port();
    let url = format!("http://u:hunter2@127.0.0.1:{port}/items/{{key}}");
    let src = External::http(&url, 2 * SECOND, 2, 4).unwrap();
    let start = Instant::now();
    let e = src
        .fetch(&keys(&["a", "b", "c", "d", "e", "f"]))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Connect { .. }), "{e:?}");
    let line = e.to_string();
    assert!(line.contains("connection refused"), "{line}");
    assert!(line.contains(&format!("u:***@127.0.0.1:{port}")), "{line}");
    assert!(!line.contains("hunter2") && !line.contains('\n'), "{line}");
    assert!(start.elapsed() < 20 * SECOND);
    assert_eq!(e.code(), 3);
}

#[tokio::test]
async fn https_to_a_plain_server_is_an_error() {
    let s = Server::start();
    let url = format!("https://127.0.0.1:{}/items/{{key}}", s.port);
    let src = External::http(&url, SECOND, 0, 1).unwrap();
    let e = src.fetch(&keys(&["ok:1"])).await.unwrap_err();
    assert!(matches!(e, Error::Connect { .. }), "{e:?}");
    assert!(e.to_string().contains("TLS"), "{e}");
}

#[test]
fn a_call_where_nothing_connected_is_the_source_gone() {
    let gone = |o: Vec<Outcome>| gone_or_got(o, || "src".into());
    let unreachable = || Outcome::Unreachable("connection refused".into());
    let e = gone(vec![unreachable(), unreachable()]).unwrap_err();
    assert_eq!(e.to_string(), "cannot connect to src: connection refused");
    assert_eq!(
        gone(vec![Outcome::Got(Got::Missing), unreachable()]).unwrap(),
        vec![
            Got::Missing,
            Got::Failed("unreachable: connection refused".into())
        ]
    );
    assert_eq!(gone(vec![]).unwrap(), vec![]);
}

#[test]
fn http_templates_are_checked() {
    for bad in [
        "ftp://h/{key}",
        "http://h/items",
        "http://{key}/x",
        "redis://h/{key}",
    ] {
        let e = External::http(bad, SECOND, 0, 1).err().expect(bad);
        assert!(matches!(e, Error::Usage(_)), "{e}");
    }
    assert!(External::http("http://h/{key}", SECOND, 0, 0).is_err());
}
