//! `--source-http 'http://host:port/items/{key}'`: one GET per key on a small HTTP/1.1
//! client of our own (tokio TCP, rustls for https with the system's roots), connections
//! kept alive and reused, at most one per fetch in flight. The key's bytes are
//! percent-encoded (all but `A-Z a-z 0-9 - . _ ~`, so `/` and `?` in a key stay in it).
//! A user and password in the URL are sent as Basic auth. The timeout bounds each of a
//! try's steps: the connect, the TLS handshake, the answer. No proxy settings are read.
//!
//! | answer | the key is |
//! |---|---|
//! | 2xx (but 204) | its body, by Content-Length, chunked, or up to the close |
//! | 404, 410, 204 | missing |
//! | 5xx, 429, 408, a timeout, a lost connection | retried after 100 ms, doubling to 2 s (a `Retry-After` in seconds is honoured up to 5 s), then failed: `HTTP 503 after 4 tries` |
//! | 3xx | failed: redirects are not followed |
//! | other 4xx | failed at once: `HTTP 403` |
//!
//! A call in which no key could connect (refused, DNS, connect timeout, TLS handshake) is
//! the source gone: [`super::External::fetch`] returns Err. Once a key has spent its
//! tries without connecting, the call's later keys are not tried (they fail with
//! `not tried: connection refused, 4 tries`), so a dead server costs one key's retries,
//! not every key's. A server that accepts but never answers costs each key its tries
//! times the timeout, `--concurrency` keys at a time. Must not: follow redirects, print
//! the URL's password, read a body past 512 MiB.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use percent_encoding::{percent_decode_str, percent_encode, AsciiSet, NON_ALPHANUMERIC};
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, RootCertStore};
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use super::{Got, Outcome, MAX_VALUE};
use crate::error::{Error, Result};
use crate::source::raw::Stream;

/// Bytes of a key left as they are in the URL (RFC 3986 unreserved).
const KEY_BYTES: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');
/// Stands for `{key}` while the url crate checks and normalises the template.
const PLACEHOLDER: &str = "cachestorm-key-5c1f";
/// A response head larger than this is not HTTP we want.
const MAX_HEAD: usize = 64 << 10;
/// An error response's body is read (to keep the connection) up to this, else dropped.
const MAX_ERROR_BODY: usize = 1 << 20;
/// The first retry's wait; each next one doubles, up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(2);
/// A server's `Retry-After` is honoured up to this.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(5);

type Conn = BufReader<Box<dyn Stream>>;

pub(crate) struct Http {
    template: String,
    /// The request target (path and query) around each `{key}`.
    parts: Vec<String>,
    host: String,
    port: u16,
    /// `Host:` header: the host, and the port when not the scheme's default.
    authority: String,
    /// `Authorization: Basic ...` from the URL's user and password.
    basic: Option<String>,
    tls: Option<(Arc<ClientConfig>, ServerName<'static>)>,
    timeout: Duration,
    retries: u32,
    idle: Mutex<Vec<Conn>>,
}

/// Set within one call once a key spent all its tries without connecting: why.
#[derive(Default)]
pub(crate) struct Down(Mutex<Option<String>>);

impl Down {
    fn get(&self) -> Option<String> {
        self.0.lock().ok().and_then(|d| d.clone())
    }

    fn set(&self, why: &str) {
        if let Ok(mut d) = self.0.lock() {
            d.get_or_insert_with(|| why.to_string());
        }
    }
}

impl Http {
    pub(crate) fn new(template: &str, timeout: Duration, retries: u32) -> Result<Self> {
        let shown = crate::redact::url(template);
        let usage = |why: String| Error::Usage(format!("--source-http '{shown}': {why}"));
        if timeout.is_zero() {
            return Err(usage("the timeout must be more than 0".into()));
        }
        let (target, url) = parse_template(template).map_err(usage)?;
        let parts: Vec<String> = target.split(PLACEHOLDER).map(str::to_string).collect();
        let host = match url.host() {
            Some(url::Host::Domain(d)) => d.to_string(),
            Some(url::Host::Ipv4(a)) => a.to_string(),
            Some(url::Host::Ipv6(a)) => a.to_string(),
            None => return Err(usage("no host".into())),
        };
        let host_str = url.host_str().unwrap_or(&host);
        let authority = match url.port() {
            Some(p) => format!("{host_str}:{p}"),
            None => host_str.to_string(),
        };
        let basic = match (url.username(), url.password()) {
            ("", None) => None,
            (user, pass) => {
                let decode = |s: &str| percent_decode_str(s).collect::<Vec<u8>>();
                let mut cred = decode(user);
                cred.push(b':');
                cred.extend(decode(pass.unwrap_or("")));
                if let Some(p) = pass {
                    crate::redact::register(p);
                    crate::redact::register(&String::from_utf8_lossy(&decode(p)));
                }
                Some(base64(&cred))
            }
        };
        let tls = match url.scheme() {
            "https" => {
                let name = ServerName::try_from(host.clone())
                    .map_err(|e| usage(format!("host '{host}': {e}")))?;
                Some((Arc::new(tls_config().map_err(usage)?), name))
            }
            _ => None,
        };
        Ok(Http {
            template: template.to_string(),
            parts,
            port: url.port_or_known_default().unwrap_or(80),
            host,
            authority,
            basic,
            tls,
            timeout,
            retries,
            idle: Mutex::new(Vec::new()),
        })
    }

    pub(crate) fn name(&self) -> String {
        crate::redact::url(&self.template)
    }

    /// The GET request for `key`.
    pub(crate) fn request(&self, key: &[u8]) -> Vec<u8> {
        let encoded = percent_encode(key, KEY_BYTES).to_string();
        let target = self.parts.join(&encoded);
        let mut r = format!(
            "GET {target} HTTP/1.1\r\nHost: {}\r\nUser-Agent: cachestorm/{}\r\nAccept: */*\r\n",
            self.authority,
            env!("CARGO_PKG_VERSION")
        );
        if let Some(b) = &self.basic {
            r.push_str(&format!("Authorization: Basic {b}\r\n"));
        }
        r.push_str("\r\n");
        r.into_bytes()
    }

    /// Fetches `key`, with its retries. Never Err: a source gone is
    /// [`Outcome::Unreachable`], for the call to judge.
    pub(crate) async fn get(&self, key: &[u8], down: &Down) -> crate::error::Result<Outcome> {
        if let Some(why) = down.get() {
            return Ok(Outcome::Unreachable(format!("not tried: {why}")));
        }
        let request = self.request(key);
        let mut tries = 0;
        loop {
            tries += 1;
            let (last, wait) = match self.attempt(&request).await {
                Attempt::Answer(a) => match verdict(a.status) {
                    Verdict::Done(Got::Value(_)) => return Ok(Outcome::Got(Got::Value(a.body))),
                    Verdict::Done(got) => return Ok(Outcome::Got(got)),
                    Verdict::Retry => (Last::Status(a.status), backoff(tries - 1, a.retry_after)),
                },
                Attempt::Lost(why) => (Last::Lost(why), backoff(tries - 1, None)),
                Attempt::Failed(why) => return Ok(Outcome::Got(Got::Failed(why))),
                Attempt::NoConnect(why) => (Last::NoConnect(why), backoff(tries - 1, None)),
            };
            // Another key found the server unreachable meanwhile: no more waiting.
            let spent = tries > self.retries
                || (matches!(last, Last::NoConnect(_)) && down.get().is_some());
            if spent {
                let why = last.line(tries);
                return Ok(match last {
                    Last::NoConnect(_) => {
                        down.set(&why);
                        Outcome::Unreachable(why)
                    }
                    _ => Outcome::Got(Got::Failed(why)),
                });
            }
            tokio::time::sleep(wait).await;
        }
    }

    /// One try: a kept-alive connection if there is one (a fresh one when the server had
    /// closed it, not counted as a try), else a new one.
    async fn attempt(&self, request: &[u8]) -> Attempt {
        let mut pooled = self.idle.lock().ok().and_then(|mut v| v.pop());
        loop {
            let reused = pooled.is_some();
            let mut conn = match pooled.take() {
                Some(c) => c,
                None => match self.connect().await {
                    Ok(c) => c,
                    Err(why) => return Attempt::NoConnect(why),
                },
            };
            match tokio::time::timeout(self.timeout, exchange(&mut conn, request)).await {
                Err(_) => {
                    return Attempt::Lost(format!(
                        "timed out after {}",
                        crate::units::duration(self.timeout)
                    ))
                }
                Ok(Ok(a)) => {
                    if a.keep_alive {
                        if let Ok(mut v) = self.idle.lock() {
                            v.push(conn);
                        }
                    }
                    return Attempt::Answer(a);
                }
                Ok(Err(e)) if reused && !e.answered => continue,
                Ok(Err(e)) if e.fatal => return Attempt::Failed(e.msg),
                Ok(Err(e)) => return Attempt::Lost(e.msg),
            }
        }
    }

    async fn connect(&self) -> Result<Conn, String> {
        let timed_out = || {
            format!(
                "timed out connecting after {}",
                crate::units::duration(self.timeout)
            )
        };
        let tcp = tokio::time::timeout(
            self.timeout,
            TcpStream::connect((self.host.as_str(), self.port)),
        )
        .await
        .map_err(|_| timed_out())?
        .map_err(|e| io_line(&e))?;
        let _ = tcp.set_nodelay(true);
        let stream: Box<dyn Stream> = match &self.tls {
            None => Box::new(tcp),
            Some((config, name)) => Box::new(
                tokio::time::timeout(
                    self.timeout,
                    tokio_rustls::TlsConnector::from(config.clone()).connect(name.clone(), tcp),
                )
                .await
                .map_err(|_| "TLS handshake timed out".to_string())?
                .map_err(|e| format!("TLS: {e}"))?,
            ),
        };
        Ok(BufReader::with_capacity(64 << 10, stream))
    }
}

/// Checks the template and returns its request target (placeholder for each `{key}`) and
/// the parsed URL.
pub(crate) fn parse_template(template: &str) -> Result<(String, url::Url), String> {
    let scheme = template
        .split_once("://")
        .map(|(s, _)| s.to_ascii_lowercase());
    if !matches!(scheme.as_deref(), Some("http" | "https")) {
        return Err("only http:// and https:// URLs are fetched".into());
    }
    let rest = &template[template.find("://").unwrap_or(0) + 3..];
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    if authority.contains("{key}") {
        return Err("{key} must be in the path or the query, not the host".into());
    }
    let url =
        url::Url::parse(&template.replace("{key}", PLACEHOLDER)).map_err(|e| e.to_string())?;
    let target = url[url::Position::BeforePath..url::Position::AfterQuery].to_string();
    if !target.contains(PLACEHOLDER) {
        return Err(
            "no {key} in the path or the query: write where the key goes, e.g. \
                    http://host:8080/items/{key}"
                .into(),
        );
    }
    Ok((target, url))
}

/// rustls with the system's root certificates, HTTP/1.1 by ALPN.
fn tls_config() -> Result<ClientConfig, String> {
    let mut roots = RootCertStore::empty();
    for cert in rustls_native_certs::load_native_certs().certs {
        let _ = roots.add(cert);
    }
    let mut config =
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS: {e}"))?
            .with_root_certificates(roots)
            .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// An I/O error as people know it.
fn io_line(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::ConnectionRefused => "connection refused".into(),
        K::ConnectionReset => "connection reset".into(),
        K::ConnectionAborted => "connection aborted".into(),
        K::BrokenPipe => "connection closed by the server".into(),
        K::UnexpectedEof => "connection closed by the server mid-response".into(),
        _ => e.to_string(),
    }
}

/// How one try went.
enum Attempt {
    Answer(Answer),
    /// A timeout, a reset, a malformed answer: worth another try.
    Lost(String),
    /// Not worth another try (a body over 512 MiB).
    Failed(String),
    /// Could not connect.
    NoConnect(String),
}

/// Why the last try of a key failed.
enum Last {
    Status(u16),
    Lost(String),
    NoConnect(String),
}

impl Last {
    /// `HTTP 503 after 4 tries`, `timed out after 5s, 4 tries`, `connection refused`.
    fn line(&self, tries: u32) -> String {
        let n = if tries == 1 {
            "1 try".to_string()
        } else {
            format!("{tries} tries")
        };
        match self {
            Last::Status(s) if tries == 1 => format!("HTTP {s}"),
            Last::Status(s) => format!("HTTP {s} after {n}"),
            Last::Lost(w) | Last::NoConnect(w) if tries == 1 => w.clone(),
            Last::Lost(w) | Last::NoConnect(w) => format!("{w}, {n}"),
        }
    }
}

/// A response, read whole.
#[derive(Debug, PartialEq)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
    pub(crate) retry_after: Option<Duration>,
    /// The connection can carry the next request.
    pub(crate) keep_alive: bool,
}

#[derive(Debug)]
pub(crate) struct ExchangeError {
    msg: String,
    /// Some of a response arrived (else a kept-alive connection may just have been
    /// closed by the server while idle).
    answered: bool,
    /// Not worth a retry.
    fatal: bool,
}

impl ExchangeError {
    fn new(msg: impl Into<String>, answered: bool) -> Self {
        ExchangeError {
            msg: msg.into(),
            answered,
            fatal: false,
        }
    }
}

/// Sends `request` and reads the response (interim 1xx ones skipped).
pub(crate) async fn exchange<R>(conn: &mut R, request: &[u8]) -> Result<Answer, ExchangeError>
where
    R: AsyncBufRead + tokio::io::AsyncWrite + Unpin,
{
    let io = |answered| move |e: std::io::Error| ExchangeError::new(io_line(&e), answered);
    conn.write_all(request).await.map_err(io(false))?;
    conn.flush().await.map_err(io(false))?;
    read_answer(conn).await
}

/// Reads one response from `r`.
pub(crate) async fn read_answer<R: AsyncBufRead + Unpin>(
    r: &mut R,
) -> Result<Answer, ExchangeError> {
    let mut first = true;
    let head = loop {
        let raw = read_head(r, first).await?;
        first = false;
        let head = parse_head(&raw).map_err(|e| ExchangeError::new(e, true))?;
        if !(100..200).contains(&head.status) {
            break head;
        }
        if head.status == 101 {
            return Err(ExchangeError::new(
                "HTTP 101: the server switched protocols",
                true,
            ));
        }
    };
    let ok = (200..300).contains(&head.status);
    let cap = if ok { MAX_VALUE } else { MAX_ERROR_BODY };
    let mut keep_alive = head.keep_alive;
    let body = match read_body(r, head.framing, cap).await {
        Ok(b) => b,
        Err(Body::TooBig) if ok => {
            return Err(ExchangeError {
                msg: "value over 512 MiB".into(),
                answered: true,
                fatal: true,
            })
        }
        Err(Body::TooBig) => {
            keep_alive = false;
            Vec::new()
        }
        Err(Body::Bad(why)) => return Err(ExchangeError::new(why, true)),
    };
    Ok(Answer {
        status: head.status,
        body,
        retry_after: head.retry_after,
        keep_alive: keep_alive && head.framing != Framing::UntilClose,
    })
}

/// The response head's bytes, up to and with its blank line.
async fn read_head<R: AsyncBufRead + Unpin>(
    r: &mut R,
    first: bool,
) -> Result<Vec<u8>, ExchangeError> {
    let mut head = Vec::new();
    loop {
        let before = head.len();
        let n = (&mut *r)
            .take((MAX_HEAD + 1 - head.len()) as u64)
            .read_until(b'\n', &mut head)
            .await
            .map_err(|e| ExchangeError::new(io_line(&e), !(first && head.is_empty())))?;
        if n == 0 {
            return Err(ExchangeError::new(
                if head.is_empty() {
                    "connection closed by the server"
                } else {
                    "connection closed by the server mid-response"
                },
                !(first && head.is_empty()),
            ));
        }
        if head.len() > MAX_HEAD {
            return Err(ExchangeError::new("response head over 64 KiB", true));
        }
        let line = &head[before..];
        if line == b"\r\n" || line == b"\n" {
            if before == 0 {
                // Stray blank lines before a status line are allowed (RFC 9112 2.2).
                head.clear();
                continue;
            }
            return Ok(head);
        }
    }
}

/// How a response's body ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    Empty,
    Length(u64),
    Chunked,
    UntilClose,
}

/// What a response head says that we use.
#[derive(Debug, PartialEq)]
pub(crate) struct Head {
    pub(crate) status: u16,
    pub(crate) framing: Framing,
    pub(crate) keep_alive: bool,
    pub(crate) retry_after: Option<Duration>,
}

/// Parses a response head (status line and headers, CRLF or LF lines).
pub(crate) fn parse_head(raw: &[u8]) -> Result<Head, String> {
    let text = std::str::from_utf8(raw).map_err(|_| "response head is not text".to_string())?;
    let mut lines = text.lines();
    let status_line = lines.next().unwrap_or("");
    let bad = || {
        format!(
            "not an HTTP response: '{}'",
            status_line.chars().take(60).collect::<String>()
        )
    };
    let mut words = status_line.splitn(3, ' ');
    let version = words.next().unwrap_or("");
    let status: u16 = words
        .next()
        .filter(|s| s.len() == 3)
        .and_then(|s| s.parse().ok())
        .ok_or_else(bad)?;
    let http10 = match version {
        "HTTP/1.1" => false,
        "HTTP/1.0" => true,
        _ => return Err(bad()),
    };
    let (mut length, mut chunked, mut other_coding) = (None::<u64>, false, false);
    let (mut close, mut keep) = (false, false);
    let mut retry_after = None;
    for line in lines.filter(|l| !l.is_empty()) {
        let Some((name, value)) = line.split_once(':') else {
            return Err(format!(
                "bad header line '{}'",
                line.chars().take(60).collect::<String>()
            ));
        };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => {
                let n: u64 = value
                    .parse()
                    .map_err(|_| format!("bad Content-Length '{value}'"))?;
                if length.is_some_and(|l| l != n) {
                    return Err("two different Content-Lengths".into());
                }
                length = Some(n);
            }
            "transfer-encoding" => {
                let last = value.rsplit(',').next().unwrap_or("").trim();
                chunked = last.eq_ignore_ascii_case("chunked");
                other_coding = !chunked;
            }
            "connection" => {
                for t in value.split(',').map(str::trim) {
                    close |= t.eq_ignore_ascii_case("close");
                    keep |= t.eq_ignore_ascii_case("keep-alive");
                }
            }
            "retry-after" => retry_after = value.parse().ok().map(Duration::from_secs),
            _ => {}
        }
    }
    let framing = if status == 204 || status == 304 {
        Framing::Empty
    } else if chunked {
        Framing::Chunked
    } else if other_coding {
        Framing::UntilClose
    } else {
        match length {
            Some(0) => Framing::Empty,
            Some(n) => Framing::Length(n),
            None => Framing::UntilClose,
        }
    };
    Ok(Head {
        status,
        framing,
        keep_alive: !close && (!http10 || keep),
        retry_after,
    })
}

/// Why a body could not be read.
#[derive(Debug, PartialEq)]
pub(crate) enum Body {
    TooBig,
    Bad(String),
}

/// Reads a body framed as `framing`, refusing more than `cap` bytes.
pub(crate) async fn read_body<R: AsyncBufRead + Unpin>(
    r: &mut R,
    framing: Framing,
    cap: usize,
) -> Result<Vec<u8>, Body> {
    let io = |e: std::io::Error| Body::Bad(io_line(&e));
    let mut body = Vec::new();
    match framing {
        Framing::Empty => {}
        Framing::Length(n) if n > cap as u64 => return Err(Body::TooBig),
        Framing::Length(n) => {
            (&mut *r).take(n).read_to_end(&mut body).await.map_err(io)?;
            if (body.len() as u64) < n {
                return Err(Body::Bad(
                    "connection closed by the server mid-response".into(),
                ));
            }
        }
        Framing::UntilClose => {
            (&mut *r)
                .take(cap as u64 + 1)
                .read_to_end(&mut body)
                .await
                .map_err(io)?;
            if body.len() > cap {
                return Err(Body::TooBig);
            }
        }
        Framing::Chunked => loop {
            let size = chunk_size(&read_line(r).await?)?;
            if size == 0 {
                // Trailer fields, up to the blank line.
                while !read_line(r).await?.is_empty() {}
                break;
            }
            if body.len() as u64 + size > cap as u64 {
                return Err(Body::TooBig);
            }
            let before = body.len();
            (&mut *r)
                .take(size)
                .read_to_end(&mut body)
                .await
                .map_err(io)?;
            if ((body.len() - before) as u64) < size || !read_line(r).await?.is_empty() {
                return Err(Body::Bad("bad chunked body".into()));
            }
        },
    }
    Ok(body)
}

/// One line of a chunked body (size lines, chunk ends, trailers), without its line end.
async fn read_line<R: AsyncBufRead + Unpin>(r: &mut R) -> Result<Vec<u8>, Body> {
    let mut line = Vec::new();
    (&mut *r)
        .take(MAX_HEAD as u64)
        .read_until(b'\n', &mut line)
        .await
        .map_err(|e| Body::Bad(io_line(&e)))?;
    if line.last() != Some(&b'\n') {
        return Err(Body::Bad(
            "connection closed by the server mid-response".into(),
        ));
    }
    line.pop();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(line)
}

/// `1a;ext=1` → 26.
pub(crate) fn chunk_size(line: &[u8]) -> Result<u64, Body> {
    let hex = line.split(|b| *b == b';').next().unwrap_or(b"");
    let hex = std::str::from_utf8(hex).unwrap_or("").trim();
    if hex.is_empty() || hex.len() > 15 {
        return Err(Body::Bad("bad chunk size".into()));
    }
    u64::from_str_radix(hex, 16).map_err(|_| Body::Bad("bad chunk size".into()))
}

/// What a status means for the key.
#[derive(Debug, PartialEq)]
pub(crate) enum Verdict {
    /// Settled: `Got::Value` stands for the response's body.
    Done(Got),
    Retry,
}

pub(crate) fn verdict(status: u16) -> Verdict {
    match status {
        204 | 404 | 410 => Verdict::Done(Got::Missing),
        200..=299 => Verdict::Done(Got::Value(Vec::new())),
        300..=399 => Verdict::Done(Got::Failed(format!(
            "HTTP {status} (redirects are not followed)"
        ))),
        408 | 429 | 500..=599 => Verdict::Retry,
        _ => Verdict::Done(Got::Failed(format!("HTTP {status}"))),
    }
}

/// The wait before retry `n` (0 = the first): 100 ms doubling up to 2 s, or the server's
/// `Retry-After` (up to 5 s) when longer.
pub(crate) fn backoff(n: u32, retry_after: Option<Duration>) -> Duration {
    let exp = FIRST_BACKOFF
        .saturating_mul(1u32.checked_shl(n).unwrap_or(u32::MAX))
        .min(MAX_BACKOFF);
    exp.max(retry_after.unwrap_or_default().min(MAX_RETRY_AFTER))
}

/// Standard base64 with padding.
fn base64(data: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(raw: &str) -> Head {
        parse_head(raw.as_bytes()).unwrap()
    }

    #[test]
    fn heads() {
        let h = head("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nRetry-After: 3\r\n\r\n");
        assert_eq!(
            h,
            Head {
                status: 200,
                framing: Framing::Length(5),
                keep_alive: true,
                retry_after: Some(Duration::from_secs(3)),
            }
        );
        let h = head(
            "HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked\r\ncontent-length: 9\r\n\r\n",
        );
        assert_eq!(h.framing, Framing::Chunked);
        let h = head("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
        assert_eq!((h.framing, h.keep_alive), (Framing::UntilClose, false));
        let h = head("HTTP/1.0 404 Not Found\nContent-Length: 0\n\n");
        assert_eq!(
            (h.status, h.framing, h.keep_alive),
            (404, Framing::Empty, false)
        );
        let h = head("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 1\r\n\r\n");
        assert!(h.keep_alive);
        assert_eq!(
            head("HTTP/1.1 204 No Content\r\n\r\n").framing,
            Framing::Empty
        );
        assert_eq!(
            head("HTTP/1.1 503 x\r\nRetry-After: soon\r\n\r\n").retry_after,
            None
        );
        for bad in [
            "SSH-2.0-OpenSSH\r\n\r\n",
            "HTTP/1.1 20 OK\r\n\r\n",
            "HTTP/2 200\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            "HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
        ] {
            assert!(parse_head(bad.as_bytes()).is_err(), "{bad}");
        }
    }

    async fn answer(raw: &[u8]) -> Result<Answer, ExchangeError> {
        let mut r = raw;
        read_answer(&mut r).await
    }

    #[tokio::test]
    async fn bodies() {
        let a = answer(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello+next")
            .await
            .unwrap();
        assert_eq!((a.body.as_slice(), a.keep_alive), (&b"hello"[..], true));
        let a = answer(
            b"\r\nHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
              3;x=y\r\nabc\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nTrailer: t\r\n\r\n",
        )
        .await
        .unwrap();
        assert_eq!(a.body, b"abcabcdefghijklmnopqrstuvwxyz");
        assert!(a.keep_alive);
        let a = answer(b"HTTP/1.0 200 OK\r\n\r\nto the end\r\n")
            .await
            .unwrap();
        assert_eq!(
            (a.body.as_slice(), a.keep_alive),
            (&b"to the end\r\n"[..], false)
        );
        let a = answer(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            .await
            .unwrap();
        assert_eq!(a.body, b"");
        let cut = answer(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nhal")
            .await
            .unwrap_err();
        assert!(cut.answered && !cut.fatal, "{cut:?}");
        let closed = answer(b"").await.unwrap_err();
        assert!(!closed.answered);
        assert_eq!(closed.msg, "connection closed by the server");
        for bad in [
            &b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"[..],
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nab",
        ] {
            assert!(answer(bad).await.is_err());
        }
    }

    #[tokio::test]
    async fn caps() {
        let mut r: &[u8] = b"0123456789";
        assert_eq!(
            read_body(&mut r, Framing::Length(10), 9).await,
            Err(Body::TooBig)
        );
        let mut r: &[u8] = b"0123456789";
        assert_eq!(
            read_body(&mut r, Framing::UntilClose, 9).await,
            Err(Body::TooBig)
        );
        let mut r: &[u8] = b"5\r\n01234\r\n5\r\n56789\r\n0\r\n\r\n";
        assert_eq!(
            read_body(&mut r, Framing::Chunked, 9).await,
            Err(Body::TooBig)
        );
        let mut r: &[u8] = b"5\r\n01234\r\n5\r\n56789\r\n0\r\n\r\n";
        assert_eq!(
            read_body(&mut r, Framing::Chunked, 10).await.unwrap(),
            b"0123456789"
        );
        // An error page too big to read is dropped with the connection, the status kept.
        let big = format!(
            "HTTP/1.1 503 x\r\nContent-Length: {}\r\n\r\n",
            MAX_ERROR_BODY + 1
        );
        let a = answer(big.as_bytes()).await.unwrap();
        assert_eq!((a.status, a.keep_alive), (503, false));
    }

    #[test]
    fn statuses() {
        assert_eq!(verdict(200), Verdict::Done(Got::Value(vec![])));
        assert_eq!(verdict(206), Verdict::Done(Got::Value(vec![])));
        for s in [204, 404, 410] {
            assert_eq!(verdict(s), Verdict::Done(Got::Missing));
        }
        for s in [408, 429, 500, 502, 503, 504] {
            assert_eq!(verdict(s), Verdict::Retry);
        }
        assert_eq!(verdict(403), Verdict::Done(Got::Failed("HTTP 403".into())));
        assert_eq!(
            verdict(301),
            Verdict::Done(Got::Failed("HTTP 301 (redirects are not followed)".into()))
        );
    }

    #[test]
    fn backoff_schedule() {
        let ms = |n, ra: Option<u64>| backoff(n, ra.map(Duration::from_secs)).as_millis();
        let schedule: Vec<u128> = (0..7).map(|n| ms(n, None)).collect();
        assert_eq!(schedule, [100, 200, 400, 800, 1600, 2000, 2000]);
        assert_eq!(ms(40, None), 2000);
        assert_eq!(ms(0, Some(1)), 1000);
        assert_eq!(ms(0, Some(3600)), 5000);
        assert_eq!(ms(4, Some(0)), 1600);
    }

    #[test]
    fn failure_lines() {
        assert_eq!(Last::Status(503).line(4), "HTTP 503 after 4 tries");
        assert_eq!(Last::Status(503).line(1), "HTTP 503");
        assert_eq!(
            Last::Lost("timed out after 5s".into()).line(4),
            "timed out after 5s, 4 tries"
        );
        assert_eq!(
            Last::NoConnect("connection refused".into()).line(1),
            "connection refused"
        );
    }

    #[test]
    fn templates_and_requests() {
        let h = Http::new(
            "http://u:s3cr%40t@example.com:8080/v1/items/{key}?fields=all&k={key}#frag",
            Duration::from_secs(1),
            3,
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(h.request(b"user:1/a b\xff~-._")).unwrap(),
            "GET /v1/items/user%3A1%2Fa%20b%FF~-._?fields=all&k=user%3A1%2Fa%20b%FF~-._ HTTP/1.1\r\n\
             Host: example.com:8080\r\nUser-Agent: cachestorm/0.1.0\r\nAccept: */*\r\n\
             Authorization: Basic dTpzM2NyQHQ=\r\n\r\n"
                .replace("0.1.0", env!("CARGO_PKG_VERSION"))
        );
        assert_eq!(
            h.name(),
            "http://u:***@example.com:8080/v1/items/{key}?fields=all&k={key}#frag"
        );
        assert_eq!((h.host.as_str(), h.port), ("example.com", 8080));
        let h = Http::new("https://[::1]/{key}", Duration::from_secs(1), 0).unwrap();
        assert_eq!(
            (h.host.as_str(), h.port, h.authority.as_str()),
            ("::1", 443, "[::1]")
        );
        assert!(h.tls.is_some());
        let h = Http::new("HTTP://Example.COM:80/x/{key}", Duration::from_secs(1), 0).unwrap();
        assert_eq!(h.authority, "example.com");
        assert!(String::from_utf8(h.request(b"k"))
            .unwrap()
            .starts_with("GET /x/k HTTP/1.1\r\n"));
        for bad in [
            "ftp://host/{key}",
            "host:80/{key}",
            "http://host/items",
            "http://{key}.host/x",
            "http://host/x#{key}",
            "http://:99999/{key}",
        ] {
            let e = Http::new(bad, Duration::from_secs(1), 0).err().expect(bad);
            assert!(matches!(e, Error::Usage(_)), "{bad}: {e}");
        }
        assert!(Http::new("http://h/{key}", Duration::ZERO, 0).is_err());
    }

    #[test]
    fn base64_like_everyone() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(
            base64(b"Aladdin:open sesame"),
            "QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
    }
}
