//! `redis://[user[:pass]@]host[:port][/db]` and `rediss://` (TLS) URLs, parsed into parts.
//! Pure. The password is decoded here and never displayed: see [`crate::redact`].

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

pub(crate) fn parse(s: &str) -> Result<RedisUrl, String> {
    // Never echo the input itself: it may hold a password.
    let bad = |why: &str| format!("invalid URL {}: {why}", crate::redact::url(s));
    let u = url::Url::parse(s).map_err(|e| bad(&e.to_string()))?;
    let tls = match u.scheme() {
        "redis" => false,
        "rediss" => true,
        other => {
            return Err(bad(&format!(
                "scheme '{other}' is not redis:// or rediss://"
            )))
        }
    };
    let host = u
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| bad("no host"))?;
    let endpoint = Endpoint::new(host, u.port().unwrap_or(6379));
    let decode = |v: &str| {
        percent_encoding::percent_decode_str(v)
            .decode_utf8()
            .map(|c| c.into_owned())
            .map_err(|_| bad("user or password is not valid UTF-8"))
    };
    let user = match u.username() {
        "" => None,
        name => Some(decode(name)?),
    };
    let pass = u.password().map(decode).transpose()?;
    let db = match u.path().trim_start_matches('/') {
        "" => None,
        d => Some(
            d.parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| bad("the path must be a database number, e.g. /0"))?,
        ),
    };
    Ok(RedisUrl {
        tls,
        endpoint,
        user,
        pass,
        db,
        insecure: u.fragment() == Some("insecure"),
    })
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
    }

    #[test]
    fn errors_never_show_password() {
        let e = parse("http://u:hunter2@h:1").unwrap_err();
        assert!(!e.contains("hunter2"), "{e}");
        let e = parse("redis://u:hunter2@h:1/notadb").unwrap_err();
        assert!(!e.contains("hunter2"), "{e}");
    }
}
