//! Opening one connection to one node with the target's credentials, TLS and time limits,
//! and turning redis-rs errors into the one-line errors (and exit codes) users see.

use redis::aio::MultiplexedConnection;
use redis::{
    AsyncConnectionConfig, Client, ConnectionAddr, ErrorKind, IntoConnectionInfo,
    RedisConnectionInfo, RedisError,
};

use crate::endpoint::{ConnectOptions, Endpoint};
use crate::error::Error;

/// Connection name every cachestorm connection carries (CLIENT SETNAME), so operators see
/// who is connected and captures can leave our own commands out.
pub(crate) const CLIENT_NAME: &str = "cachestorm";

/// A live connection to one node, with its address kept for messages.
#[derive(Clone)]
pub(crate) struct NodeConn {
    pub(crate) endpoint: Endpoint,
    pub(crate) conn: MultiplexedConnection,
    timeout: std::time::Duration,
}

const REQUEST_TIMED_OUT: &str = "request timed out";

/// Awaits a request with the `--timeout` limit, mapping errors to [`Error`]. A request
/// that gets no reply on an open connection is a timeout of that request, not a failure
/// to connect.
async fn timed<T>(
    ep: &Endpoint,
    timeout: std::time::Duration,
    fut: impl std::future::Future<Output = redis::RedisResult<T>>,
) -> Result<T, Error> {
    let timed_out = || Error::Server {
        addr: ep.to_string(),
        msg: format!(
            "{REQUEST_TIMED_OUT}: no reply within {} (--timeout)",
            crate::units::duration(timeout)
        ),
    };
    match tokio::time::timeout(timeout, fut).await {
        Ok(Err(e)) if e.is_timeout() => Err(timed_out()),
        Ok(r) => r.map_err(|e| map_error(ep, &e)),
        Err(_) => Err(timed_out()),
    }
}

impl NodeConn {
    /// Runs one command with the request timeout.
    pub(crate) async fn query<T: redis::FromRedisValue>(
        &mut self,
        cmd: &redis::Cmd,
    ) -> Result<T, Error> {
        timed(
            &self.endpoint,
            self.timeout,
            cmd.query_async::<T>(&mut self.conn),
        )
        .await
    }

    /// Runs a pipeline with the request timeout.
    pub(crate) async fn query_pipe<T: redis::FromRedisValue>(
        &mut self,
        p: &redis::Pipeline,
    ) -> Result<T, Error> {
        timed(
            &self.endpoint,
            self.timeout,
            p.query_async::<T>(&mut self.conn),
        )
        .await
    }
}

/// The redis-rs client for one node: address and TLS material. Credentials and database
/// are not given to redis-rs: it would turn every AUTH refusal into one fixed text, so
/// [`connect_with`] sends AUTH and SELECT itself and says what the server said.
fn client(ep: &Endpoint, o: &ConnectOptions, authenticating: bool) -> Result<Client, Error> {
    let addr = match (&ep.socket, &o.tls) {
        (Some(path), _) => ConnectionAddr::Unix(path.clone()),
        (None, None) => ConnectionAddr::Tcp(ep.host.clone(), ep.port),
        (None, Some(t)) => ConnectionAddr::TcpTls {
            host: ep.host.clone(),
            port: ep.port,
            insecure: t.insecure,
            tls_params: None,
        },
    };
    // CLIENT SETINFO before our AUTH would be refused (and counted in the server's error
    // stats): with a password, `connect_with` sends it after AUTH.
    let redis_info = if authenticating {
        RedisConnectionInfo::default().set_skip_set_lib_name()
    } else {
        RedisConnectionInfo::default().set_lib_name(CLIENT_NAME, env!("CARGO_PKG_VERSION"))
    };
    let info = addr
        .into_connection_info()
        .map_err(|e| map_error(ep, &e))?
        .set_redis_settings(redis_info);
    match &o.tls {
        Some(t) if t.root_cert.is_some() || t.client_cert_key.is_some() => {
            let certs = redis::TlsCertificates {
                client_tls: t
                    .client_cert_key
                    .as_ref()
                    .map(|(c, k)| redis::ClientTlsConfig {
                        client_cert: c.clone(),
                        client_key: k.clone(),
                    }),
                root_cert: t.root_cert.clone(),
            };
            Client::build_with_tls(info, certs)
        }
        _ => Client::open(info),
    }
    .map_err(|e| map_error(ep, &e))
}

/// Where the password for a node comes from, for the hint after NOAUTH.
pub(crate) const DATA_PASS: &str = "-a, REDISCLI_AUTH or a URL with a password";
/// ... and for a Sentinel.
pub(crate) const SENTINEL_PASS: &str = "--sentinel-pass or CACHESTORM_SENTINEL_AUTH";

/// Connects to `ep` with `user`/`pass` (the target's, or a Sentinel's own), authenticates,
/// selects `db`, names the connection and checks it answers. `pass_from` names where a
/// password would come from, for the hint when the server wants one.
pub(crate) async fn connect_with(
    ep: &Endpoint,
    o: &ConnectOptions,
    user: Option<&str>,
    pass: Option<&str>,
    db: i64,
    pass_from: &str,
) -> Result<NodeConn, Error> {
    let client = client(ep, o, pass.is_some())?;
    let config = AsyncConnectionConfig::new()
        .set_connection_timeout(Some(o.connect_timeout))
        .set_response_timeout(Some(o.timeout));
    let overall = o.connect_timeout + o.timeout;
    let timed_out = || connect_timed_out(ep, o.connect_timeout);
    let conn = match tokio::time::timeout(
        overall,
        client.get_multiplexed_async_connection_with_config(&config),
    )
    .await
    {
        Ok(Ok(c)) => c,
        Ok(Err(e)) if e.is_timeout() => return Err(timed_out()),
        Ok(Err(e)) => return Err(map_error(ep, &e)),
        Err(_) => return Err(timed_out()),
    };
    let mut node = NodeConn {
        endpoint: ep.clone(),
        conn,
        timeout: o.timeout,
    };
    if let Some(pass) = pass {
        if auth(&mut node, user, pass).await? {
            // redis-rs sent these before AUTH, where a server with a password refused them.
            let mut setinfo = redis::pipe();
            setinfo
                .cmd("CLIENT")
                .arg("SETINFO")
                .arg("LIB-NAME")
                .arg(CLIENT_NAME)
                .cmd("CLIENT")
                .arg("SETINFO")
                .arg("LIB-VER")
                .arg(env!("CARGO_PKG_VERSION"));
            let _ = node.query_pipe::<redis::Value>(&setinfo).await;
        }
    }
    if db != 0 {
        node.query::<()>(redis::cmd("SELECT").arg(db))
            .await
            .map_err(|e| match e {
                Error::Server { addr, msg } => Error::Server {
                    addr,
                    msg: format!("cannot select database {db}: {msg}"),
                },
                other => with_hint(other, pass_from),
            })?;
    }
    // Also proves the session is usable: a server that wants a password we did not give
    // answers NOAUTH here rather than on the first real command. Other refusals (an ACL
    // user allowed only INFO, a Sentinel) leave the connection unnamed but usable.
    match node
        .query::<()>(redis::cmd("CLIENT").arg("SETNAME").arg(CLIENT_NAME))
        .await
    {
        Err(e @ (Error::Auth { .. } | Error::Connect { .. })) => Err(with_hint(e, pass_from)),
        _ => Ok(node),
    }
}

/// A connection whose set-up got no answer in time (`after`: the limit that ran out).
fn connect_timed_out(ep: &Endpoint, after: std::time::Duration) -> Error {
    Error::Connect {
        addr: ep.to_string(),
        msg: format!(
            "timed out after {} (--connect-timeout / --timeout)",
            crate::units::duration(after)
        ),
    }
}

/// Sends AUTH, the first request of a connection with a password (no answer: the
/// connection does not work, a connect error); `Ok(false)` when the server has no password at all (warned about, once per
/// node, and the session goes on as redis-cli's does).
async fn auth(node: &mut NodeConn, user: Option<&str>, pass: &str) -> Result<bool, Error> {
    let mut cmd = redis::cmd("AUTH");
    if let Some(u) = user {
        cmd.arg(u);
    }
    cmd.arg(pass);
    let said = match node.query::<()>(&cmd).await {
        Ok(()) => return Ok(true),
        Err(Error::Server { msg, .. }) if msg.starts_with(REQUEST_TIMED_OUT) => {
            return Err(connect_timed_out(&node.endpoint, node.timeout))
        }
        Err(Error::Server { msg, .. } | Error::Auth { msg, .. }) => msg,
        Err(e) => return Err(e),
    };
    let ep = node.endpoint.clone();
    // Redis before 6 knows no user names: AUTH with two arguments is a syntax error there.
    if user.is_some() && said.contains("wrong number of arguments") {
        return Err(Error::Auth {
            addr: ep.to_string(),
            msg: format!("{said} (a server older than Redis 6 has no ACL users: drop --user)"),
        });
    }
    match auth_refused(&ep, &said) {
        Some(e) => Err(e),
        None => Ok(false),
    }
}

/// What an AUTH error reply means (`said`: the server's text, e.g. "WRONGPASS invalid
/// username-password pair or user is disabled."). `None`: the server has no password set
/// ("AUTH <password> called without any password configured for the default user"; Redis
/// 5: "Client sent AUTH, but no password is set") and the session is usable as it is, which
/// is what redis-cli does too: a warning, once per node, and on.
pub(crate) fn auth_refused(ep: &Endpoint, said: &str) -> Option<Error> {
    let said = said.trim();
    if said.contains("without any password configured") || said.contains("no password is set") {
        static WARNED: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
        let addr = ep.to_string();
        let first = WARNED.lock().is_ok_and(|mut w| {
            let first = !w.contains(&addr);
            if first {
                w.push(addr.clone());
            }
            first
        });
        if first {
            eprintln!(
                "cachestorm: warning: {addr} has no password set, going on without AUTH (the server said: {})",
                crate::redact::everywhere(said)
            );
        }
        return None;
    }
    Some(Error::Auth {
        addr: ep.to_string(),
        msg: said.to_string(),
    })
}

/// A NOAUTH refusal gets a hint naming where the password comes from.
fn with_hint(e: Error, pass_from: &str) -> Error {
    match e {
        Error::Auth { addr, msg } if msg.starts_with("NOAUTH") => Error::Auth {
            addr,
            msg: noauth(&msg, pass_from),
        },
        other => other,
    }
}

/// `NOAUTH Authentication required.` + what to give.
pub(crate) fn noauth(said: &str, pass_from: &str) -> String {
    format!(
        "{} (the server requires a password: give {pass_from})",
        said.trim().trim_end_matches('.')
    )
}

/// Connects to a data node with the target's own credentials and database.
pub(crate) async fn connect(ep: &Endpoint, o: &ConnectOptions) -> Result<NodeConn, Error> {
    connect_with(ep, o, o.user.as_deref(), o.pass.as_deref(), o.db, DATA_PASS).await
}

/// Maps a redis-rs error to a user-facing error naming the node, in words: what the server
/// said (`ERR DB index is out of range`), never a Rust type name. Callers redact secrets.
pub(crate) fn map_error(ep: &Endpoint, e: &RedisError) -> Error {
    let addr = ep.to_string();
    if let Some(said) = server_said(e) {
        return match e.code().unwrap_or("") {
            // `connect_with` adds where a password comes from to NOAUTH.
            "WRONGPASS" | "NOAUTH" => Error::Auth { addr, msg: said },
            _ => Error::Server { addr, msg: said },
        };
    }
    if e.kind() == ErrorKind::AuthenticationFailed {
        return Error::Auth {
            addr,
            msg: describe(e),
        };
    }
    if e.is_connection_refusal() {
        return Error::Connect {
            addr,
            msg: "connection refused".into(),
        };
    }
    if e.is_timeout() {
        return Error::Connect {
            addr,
            msg: "timed out".into(),
        };
    }
    if e.is_io_error() || e.is_connection_dropped() {
        return Error::Connect {
            addr,
            msg: describe(e),
        };
    }
    Error::Server {
        addr,
        msg: describe(e),
    }
}

/// An error reply as the server wrote it (`CODE detail`), if `e` is one.
fn server_said(e: &RedisError) -> Option<String> {
    if !matches!(e.kind(), ErrorKind::Server(_) | ErrorKind::Extension) {
        return None;
    }
    let code = e.code()?;
    Some(one_line(&format!("{code} {}", e.detail().unwrap_or(""))))
}

/// redis-rs's text for an error of its own, without the Rust name of its kind that its
/// Display puts in (`refused to switch database - Server(ResponseError): ...`).
fn describe(e: &RedisError) -> String {
    let text = e.to_string().replacen(&format!(" - {:?}", e.kind()), "", 1);
    one_line(&text)
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ep() -> Endpoint {
        Endpoint::new("127.0.0.1", 6379)
    }

    #[test]
    fn server_errors_read_as_the_server_wrote_them() {
        let e = redis::make_extension_error(
            "WRONGPASS".into(),
            Some("invalid username-password pair or user is disabled.".into()),
        );
        let m = map_error(&ep(), &e).to_string();
        assert_eq!(m, "authentication failed at 127.0.0.1:6379: WRONGPASS invalid username-password pair or user is disabled.");
        let e = RedisError::from((
            ErrorKind::Server(redis::ServerErrorKind::ResponseError),
            "An error was signalled by the server",
            "This instance has cluster support disabled".to_string(),
        ));
        let m = map_error(&ep(), &e).to_string();
        assert!(!m.contains("ResponseError"), "{m}");
        assert!(m.contains("cluster support disabled"), "{m}");
    }

    #[test]
    fn no_password_on_the_server_is_not_a_refusal() {
        let said = "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?";
        assert!(auth_refused(&ep(), said).is_none());
        assert!(auth_refused(&ep(), "ERR Client sent AUTH, but no password is set").is_none());
        let e = auth_refused(
            &ep(),
            "WRONGPASS invalid username-password pair or user is disabled.",
        );
        assert!(matches!(e, Some(Error::Auth { msg, .. }) if msg.starts_with("WRONGPASS")));
    }

    #[test]
    fn noauth_names_where_the_password_comes_from() {
        let m = noauth("NOAUTH Authentication required.", SENTINEL_PASS);
        assert_eq!(m, "NOAUTH Authentication required (the server requires a password: give --sentinel-pass or CACHESTORM_SENTINEL_AUTH)");
    }
}
