//! Where to connect: the plain settings the connection flags resolve to (`cmd::target`
//! does that, once): endpoints, the node list / cluster / sentinel to discover,
//! credentials, TLS material, timeouts; URL parsing. Holds no sockets (discovery happens
//! in `source::discover`) and knows no flags.

pub(crate) mod addr;
pub(crate) mod url;

use std::time::Duration;

use schemars::JsonSchema;
use serde::Serialize;

pub(crate) use addr::Endpoint;

/// How to talk to any one node: credentials, TLS material and time limits.
#[derive(Clone)]
pub(crate) struct ConnectOptions {
    pub(crate) user: Option<String>,
    pub(crate) pass: Option<String>,
    pub(crate) db: i64,
    pub(crate) tls: Option<TlsSettings>,
    pub(crate) connect_timeout: Duration,
    pub(crate) timeout: Duration,
}

/// TLS material, already read from disk (PEM bytes).
#[derive(Clone)]
pub(crate) struct TlsSettings {
    pub(crate) root_cert: Option<Vec<u8>>,
    pub(crate) client_cert_key: Option<(Vec<u8>, Vec<u8>)>,
    pub(crate) insecure: bool,
}

/// Which nodes the user means.
#[derive(Debug, Clone)]
pub(crate) enum Discovery {
    /// One node or an explicit list.
    Nodes(Vec<Endpoint>),
    /// Every node of the cluster that `seed` belongs to.
    Cluster(Endpoint),
    /// The master (and replicas) Sentinel knows as `master`.
    Sentinel {
        sentinels: Vec<Endpoint>,
        master: String,
        pass: Option<String>,
    },
}

#[derive(Clone)]
pub(crate) struct Target {
    pub(crate) options: ConnectOptions,
    pub(crate) discovery: Discovery,
}

/// The target as reports print it: never a password.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub(crate) struct TargetReport {
    /// `standalone`, `nodes`, `cluster`, `sentinel`, or `file` (a capture file).
    pub(crate) mode: &'static str,
    /// The server, the first node or the first Sentinel, password shown as `***`; null
    /// for a file.
    pub(crate) url: Option<String>,
    /// The capture file read (`-` for stdin); null for a server.
    pub(crate) path: Option<String>,
    pub(crate) tls: bool,
    /// The database: the one connected to, or the one a capture file was filtered to
    /// (null: every database of the file).
    pub(crate) db: Option<i64>,
    pub(crate) user: Option<String>,
    /// The master's name at the Sentinels.
    pub(crate) master_name: Option<String>,
}

impl TargetReport {
    /// A capture file (filtered to `db` with `-n`).
    pub(crate) fn file(path: &str, db: Option<i64>) -> Self {
        TargetReport {
            mode: "file",
            url: None,
            path: Some(path.to_string()),
            tls: false,
            db,
            user: None,
            master_name: None,
        }
    }
}

impl Target {
    pub(crate) fn report(&self) -> TargetReport {
        let (mode, first, master_name) = match &self.discovery {
            Discovery::Nodes(n) if n.len() == 1 => ("standalone", n[0].clone(), None),
            Discovery::Nodes(n) => ("nodes", n[0].clone(), None),
            Discovery::Cluster(seed) => ("cluster", seed.clone(), None),
            Discovery::Sentinel {
                sentinels, master, ..
            } => ("sentinel", sentinels[0].clone(), Some(master.clone())),
        };
        let o = &self.options;
        let url = if first.socket.is_some() {
            // redis-rs's form: `unix:///path?db=N`, the user and a masked password in the
            // query.
            let user = o.user.as_ref().map(|u| format!("&user={u}"));
            let pass = o.pass.as_ref().map(|_| "&pass=***");
            format!(
                "unix://{first}?db={}{}{}",
                o.db,
                user.unwrap_or_default(),
                pass.unwrap_or_default()
            )
        } else {
            let scheme = if o.tls.is_some() { "rediss" } else { "redis" };
            let userinfo = match (&o.user, &o.pass) {
                (Some(u), Some(_)) => format!("{u}:***@"),
                (Some(u), None) => format!("{u}@"),
                (None, Some(_)) => ":***@".to_string(),
                (None, None) => String::new(),
            };
            format!("{scheme}://{userinfo}{first}/{}", o.db)
        };
        TargetReport {
            mode,
            url: Some(url),
            path: None,
            tls: o.tls.is_some(),
            db: Some(o.db),
            user: o.user.clone(),
            master_name,
        }
    }
}
