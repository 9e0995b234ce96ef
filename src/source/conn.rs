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

/// Awaits a request with the `--timeout` limit, mapping errors to [`Error`].
async fn timed<T>(
    ep: &Endpoint,
    timeout: std::time::Duration,
    fut: impl std::future::Future<Output = redis::RedisResult<T>>,
) -> Result<T, Error> {
    match tokio::time::timeout(timeout, fut).await {
        Ok(r) => r.map_err(|e| map_error(ep, &e)),
        Err(_) => Err(Error::Server {
            addr: ep.to_string(),
            msg: format!("no reply within {timeout:?} (--timeout)"),
        }),
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

/// The redis-rs client for one node: address, TLS material, credentials, database.
fn client(ep: &Endpoint, o: &ConnectOptions, pass: Option<&str>, db: i64) -> Result<Client, Error> {
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
    let mut redis_info = RedisConnectionInfo::default()
        .set_db(db)
        .set_lib_name(CLIENT_NAME, env!("CARGO_PKG_VERSION"));
    if let Some(u) = &o.user {
        redis_info = redis_info.set_username(u);
    }
    if let Some(p) = pass {
        redis_info = redis_info.set_password(p);
    }
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

/// Connects to `ep` (with `user`/`pass` overriding the target's where given, as Sentinel
/// connections need), authenticates, names the connection and checks it answers.
pub(crate) async fn connect_with(
    ep: &Endpoint,
    o: &ConnectOptions,
    pass: Option<&str>,
    db: i64,
) -> Result<NodeConn, Error> {
    let client = client(ep, o, pass, db)?;
    let config = AsyncConnectionConfig::new()
        .set_connection_timeout(Some(o.connect_timeout))
        .set_response_timeout(Some(o.timeout));
    let overall = o.connect_timeout + o.timeout;
    let conn = match tokio::time::timeout(
        overall,
        client.get_multiplexed_async_connection_with_config(&config),
    )
    .await
    {
        Ok(Ok(c)) => c,
        Ok(Err(e)) if e.is_timeout() => {
            return Err(Error::Connect {
                addr: ep.to_string(),
                msg: format!(
                    "timed out after {:?} (--connect-timeout / --timeout)",
                    o.connect_timeout
                ),
            })
        }
        Ok(Err(e)) => return Err(map_error(ep, &e)),
        Err(_) => {
            return Err(Error::Connect {
                addr: ep.to_string(),
                msg: format!("timed out after {:?}", o.connect_timeout),
            })
        }
    };
    let mut node = NodeConn {
        endpoint: ep.clone(),
        conn,
        timeout: o.timeout,
    };
    // Also proves the session is usable: a server that wants a password we did not give
    // answers NOAUTH here rather than on the first real command. Other refusals (an ACL
    // user allowed only INFO, a Sentinel) leave the connection unnamed but usable.
    match node
        .query::<()>(redis::cmd("CLIENT").arg("SETNAME").arg(CLIENT_NAME))
        .await
    {
        Err(e @ (Error::Auth { .. } | Error::Connect { .. })) => Err(e),
        _ => Ok(node),
    }
}

/// Connects to a data node with the target's own credentials and database.
pub(crate) async fn connect(ep: &Endpoint, o: &ConnectOptions) -> Result<NodeConn, Error> {
    connect_with(ep, o, o.pass.as_deref(), o.db).await
}

/// Maps a redis-rs error to a user-facing error naming the node. Callers redact secrets.
pub(crate) fn map_error(ep: &Endpoint, e: &RedisError) -> Error {
    let addr = ep.to_string();
    let code = e.code().unwrap_or("");
    if e.kind() == ErrorKind::AuthenticationFailed || code == "WRONGPASS" {
        return Error::Auth {
            addr,
            msg: "invalid username-password pair or user is disabled (WRONGPASS)".into(),
        };
    }
    if code == "NOAUTH" {
        return Error::Auth {
            addr,
            msg:
                "the server requires a password (NOAUTH): give -a, REDISCLI_AUTH or a URL with one"
                    .into(),
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
            msg: one_line(&e.to_string()),
        };
    }
    Error::Server {
        addr,
        msg: one_line(&e.to_string()),
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
