//! Server URLs, parsed into parts. Pure. The password is decoded here and never displayed:
//! errors never echo a unix URL (its password sits in the query), and redis:// ones only
//! through [`crate::redact`].
//!
//! - `redis://[user[:pass]@]host[:port][/db]`, `rediss://` for TLS (redis-cli's `-u`);
//!   `?db=N` is accepted in place of the path, `#insecure` skips certificate checks
//!   (redis-rs's convention).
//! - `unix:///path/to/redis.sock[?db=N][&user=U][&pass=P]` (also `redis+unix://`), as
//!   redis-rs and redis-py write them; `unix://relative.sock` is a path relative to the
//!   working directory. redis-cli itself has no socket URL: its `-s PATH` is our `-s`.
//!
//! Percent-escapes must be complete (`%` and two hex digits, like redis-cli's "Illegal
//! character in URI encoding"), and an unknown query parameter is refused, not ignored.

use std::path::PathBuf;

use super::addr::Endpoint;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RedisUrl {
    pub(crate) tls: bool,
    pub(crate) endpoint: Endpoint,
    pub(crate) user: Option<String>,
    pub(crate) pass: Option<String>,
    pub(crate) db: Option<i64>,
    /// `#insecure` fragment (redis-rs convention): skip certificate verification.
    pub(crate) insecure: bool,
}

impl RedisUrl {
    /// Whether the URL names a Unix socket.
    pub(crate) fn is_unix(&self) -> bool {
        self.endpoint.socket.is_some()
    }
}

pub(crate) fn parse(s: &str) -> Result<RedisUrl, String> {
    let lower = s.get(..13).unwrap_or(s).to_ascii_lowercase();
    if lower.starts_with("unix://") || lower.starts_with("redis+unix://") {
        return parse_unix(s);
    }
    // Never echo the input itself: it may hold a password.
    let bad = |why: &str| format!("invalid URL {}: {why}", crate::redact::url(s));
    let u = url::Url::parse(s).map_err(|e| bad(&e.to_string()))?;
    let tls = match u.scheme() {
        "redis" => false,
        "rediss" => true,
        other => {
            return Err(bad(&format!(
                "scheme '{other}' is not redis://, rediss:// or unix://"
            )))
        }
    };
    let host = u
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| bad("no host"))?;
    let endpoint = Endpoint::new(host, u.port().unwrap_or(6379));
    let user = match u.username() {
        "" => None,
        name => Some(decode(name).map_err(|e| bad(&format!("the user name {e}")))?),
    };
    let pass = u
        .password()
        .map(|p| decode(p).map_err(|e| bad(&format!("the password {e}"))))
        .transpose()?;
    let mut db = match u.path().trim_start_matches('/') {
        "" => None,
        d => Some(db_number(d).map_err(|_| bad("the path must be a database number, e.g. /0"))?),
    };
    for (name, value) in query(u.query()).map_err(|e| bad(&e))? {
        match name.as_str() {
            "db" if db.is_some() => return Err(bad("the database is given twice (path and ?db=)")),
            "db" => db = Some(db_number(&value).map_err(|e| bad(&e))?),
            other => {
                return Err(bad(&format!(
                    "unknown query parameter '{other}' (redis:// URLs take only ?db=N)"
                )))
            }
        }
    }
    let insecure = match u.fragment() {
        None => false,
        Some("insecure") => true,
        Some(_) => return Err(bad("the only fragment is #insecure")),
    };
    Ok(RedisUrl {
        tls,
        endpoint,
        user,
        pass,
        db,
        insecure,
    })
}

/// `unix:///path?db=N&user=U&pass=P`. Errors do not echo the URL.
fn parse_unix(s: &str) -> Result<RedisUrl, String> {
    let bad = |why: &str| format!("invalid unix socket URL: {why}");
    let rest = &s[s.find("://").map_or(0, |i| i + 3)..];
    let (rest, fragment) = match rest.split_once('#') {
        Some((r, f)) => (r, Some(f)),
        None => (rest, None),
    };
    if fragment.is_some() {
        return Err(bad("a fragment (#...) means nothing here"));
    }
    let (path, q) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    };
    let path = decode(path).map_err(|e| bad(&format!("the path {e}")))?;
    if path.is_empty() {
        return Err(bad("no socket path (unix:///path/to/redis.sock)"));
    }
    let (mut user, mut pass, mut db) = (None, None, None);
    for (name, value) in query(q).map_err(|e| bad(&e))? {
        match name.as_str() {
            "db" => db = Some(db_number(&value).map_err(|e| bad(&e))?),
            "user" | "username" => user = Some(value),
            "pass" | "password" => pass = Some(value),
            other => {
                return Err(bad(&format!(
                    "unknown query parameter '{other}' (unix:// URLs take db, user and pass)"
                )))
            }
        }
    }
    Ok(RedisUrl {
        tls: false,
        endpoint: Endpoint::unix(PathBuf::from(path)),
        user: user.filter(|u: &String| !u.is_empty()),
        pass,
        db,
        insecure: false,
    })
}

/// The `name=value` pairs of a query, each percent-decoded. Names only in errors.
fn query(q: Option<&str>) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for pair in q.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = decode(name).map_err(|e| format!("a query parameter name {e}"))?;
        let value = decode(value).map_err(|e| format!("the value of '{name}' {e}"))?;
        out.push((name, value));
    }
    Ok(out)
}

fn db_number(d: &str) -> Result<i64, String> {
    d.parse::<i64>()
        .ok()
        .filter(|n| *n >= 0)
        .ok_or_else(|| "the database must be a number, e.g. db=0".to_string())
}

/// Percent-decoding that refuses an incomplete or non-hex escape and non-UTF-8 results.
/// The error completes a sentence about the part ("the password ...") and never holds it.
fn decode(v: &str) -> Result<String, &'static str> {
    let b = v.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = |c: Option<&u8>| c.and_then(|c| (*c as char).to_digit(16));
            match (hex(b.get(i + 1)), hex(b.get(i + 2))) {
                (Some(h), Some(l)) => out.push((h * 16 + l) as u8),
                _ => {
                    return Err("has a bad percent-escape: '%' must be followed by two hex digits")
                }
            }
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "is not valid UTF-8 once decoded")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_url() {
        let u = parse("rediss://app:s%40cret@cache.local:6380/2").unwrap();
        assert!(u.tls);
        assert_eq!(u.endpoint, Endpoint::new("cache.local", 6380));
        assert_eq!(u.user.as_deref(), Some("app"));
        assert_eq!(u.pass.as_deref(), Some("s@cret"));
        assert_eq!(u.db, Some(2));
        assert!(!u.is_unix());
    }

    #[test]
    fn password_only_and_defaults() {
        let u = parse("redis://:pw@127.0.0.1").unwrap();
        assert_eq!(u.user, None);
        assert_eq!(u.pass.as_deref(), Some("pw"));
        assert_eq!(u.endpoint.port, 6379);
        assert_eq!(u.db, None);
        let v6 = parse("redis://[::1]:7000").unwrap();
        assert_eq!(v6.endpoint, Endpoint::new("::1", 7000));
        assert_eq!(parse("redis://h?db=3").unwrap().db, Some(3));
        assert!(parse("rediss://h#insecure").unwrap().insecure);
    }

    #[test]
    fn errors_never_show_password() {
        let e = parse("http://u:hunter2@h:1").unwrap_err();
        assert!(!e.contains("hunter2"), "{e}");
        let e = parse("redis://u:hunter2@h:1/notadb").unwrap_err();
        assert!(!e.contains("hunter2"), "{e}");
    }

    #[test]
    fn bad_escapes_and_unknown_parameters_are_refused() {
        for (url, says) in [
            (
                "redis://u:hunter2%ZZ@h:1",
                "the password has a bad percent-escape",
            ),
            (
                "redis://u:hunter2%4@h:1",
                "the password has a bad percent-escape",
            ),
            (
                "redis://us%zzer:hunter2@h:1",
                "the user name has a bad percent-escape",
            ),
            (
                "redis://:hunter2@h:1?timeout=5",
                "unknown query parameter 'timeout'",
            ),
            ("redis://:hunter2@h:1/1?db=2", "given twice"),
            ("redis://:hunter2@h:1#verify", "#insecure"),
            (
                "unix:///tmp/r.sock?pass=hunter2&bogus=1",
                "unknown query parameter 'bogus'",
            ),
            (
                "unix:///tmp/r.sock?pass=hunter2%G1",
                "the value of 'pass' has a bad",
            ),
            (
                "unix:///tmp/r.sock?pass=hunter2&db=x",
                "the database must be a number",
            ),
            ("unix://?pass=hunter2", "no socket path"),
        ] {
            let e = parse(url).unwrap_err();
            assert!(e.contains(says), "{url}: {e}");
            assert!(!e.contains("hunter2"), "password shown: {e}");
        }
    }

    #[test]
    fn unix_socket_urls() {
        let u = parse("unix:///run/redis/redis.sock?db=2&user=app&pass=s%26cret").unwrap();
        assert!(u.is_unix() && !u.tls);
        assert_eq!(u.endpoint, Endpoint::unix("/run/redis/redis.sock"));
        assert_eq!(u.db, Some(2));
        assert_eq!(u.user.as_deref(), Some("app"));
        assert_eq!(u.pass.as_deref(), Some("s&cret"));
        let rel = parse("unix://redis.sock").unwrap();
        assert_eq!(rel.endpoint, Endpoint::unix("redis.sock"));
        assert_eq!(rel.db, None);
        let alias = parse("redis+unix:///tmp/r%20s.sock?password=pw").unwrap();
        assert_eq!(alias.endpoint, Endpoint::unix("/tmp/r s.sock"));
        assert_eq!(alias.pass.as_deref(), Some("pw"));
    }
}
