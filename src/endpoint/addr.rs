//! A node address (`host:port`, `[v6]:port`, or a Unix socket path) as users type it and
//! as reports print it. Pure.

use std::fmt;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Endpoint {
    /// The host; for a Unix socket, its path as text.
    pub(crate) host: String,
    /// The TCP port; 0 for a Unix socket.
    pub(crate) port: u16,
    /// A Unix socket to connect to instead of TCP (`-s`, `unix://`).
    pub(crate) socket: Option<PathBuf>,
}

impl Endpoint {
    pub(crate) fn new(host: impl Into<String>, port: u16) -> Self {
        let host = host.into();
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .map(str::to_string)
            .unwrap_or(host);
        Endpoint {
            host,
            port,
            socket: None,
        }
    }

    /// A Unix socket; shown as its path.
    pub(crate) fn unix(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        Endpoint {
            host: path.display().to_string(),
            port: 0,
            socket: Some(path),
        }
    }

    /// Parses `HOST:PORT`, `[V6]:PORT`; a bare host gets `default_port`.
    pub(crate) fn parse(s: &str, default_port: u16) -> Result<Self, String> {
        let s = s.trim();
        if s.is_empty() {
            return Err("empty address".into());
        }
        if let Some(rest) = s.strip_prefix('[') {
            let (host, after) = rest
                .split_once(']')
                .ok_or_else(|| format!("invalid address '{s}': missing ']'"))?;
            let port = match after.strip_prefix(':') {
                Some(p) => parse_port(p, s)?,
                None if after.is_empty() => default_port,
                None => return Err(format!("invalid address '{s}'")),
            };
            return Ok(Endpoint::new(host, port));
        }
        match s.rsplit_once(':') {
            // More than one ':' without brackets: a bare IPv6 address.
            Some((host, _)) if host.contains(':') => Ok(Endpoint::new(s, default_port)),
            Some((host, p)) => Ok(Endpoint::new(host, parse_port(p, s)?)),
            None => Ok(Endpoint::new(s, default_port)),
        }
    }
}

fn parse_port(p: &str, whole: &str) -> Result<u16, String> {
    match p.parse::<u16>() {
        Ok(0) | Err(_) => Err(format!("invalid port in '{whole}': expected 1-65535")),
        Ok(n) => Ok(n),
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.socket.is_some() {
            f.write_str(&self.host)
        } else if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// Shown as its `host:port` text.
impl schemars::JsonSchema for Endpoint {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Endpoint".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "description": "host:port, [v6]:port, or a Unix socket's path" })
    }
}

impl serde::Serialize for Endpoint {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_forms() {
        assert_eq!(
            Endpoint::parse("10.0.0.1:7000", 6379).unwrap(),
            Endpoint::new("10.0.0.1", 7000)
        );
        assert_eq!(
            Endpoint::parse("cache", 6379).unwrap(),
            Endpoint::new("cache", 6379)
        );
        let v6 = Endpoint::parse("[::1]:7001", 6379).unwrap();
        assert_eq!(v6, Endpoint::new("::1", 7001));
        assert_eq!(v6.to_string(), "[::1]:7001");
        assert_eq!(Endpoint::parse("::1", 6379).unwrap().port, 6379);
        assert!(Endpoint::parse("h:0", 1).is_err());
        assert!(Endpoint::parse("h:x", 1).is_err());
        assert!(Endpoint::parse("", 1).is_err());
        let sock = Endpoint::unix("/run/redis/redis.sock");
        assert_eq!(sock.to_string(), "/run/redis/redis.sock");
        assert_ne!(sock, Endpoint::new("/run/redis/redis.sock", 0));
    }
}
