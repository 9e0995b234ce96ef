//! Where to connect: resolves the connection flags (URL, host/port, node list, cluster,
//! sentinel, credentials, TLS files, timeouts) into plain settings, once. Holds no sockets:
//! discovery of cluster and sentinel nodes happens in `source::discover`.

pub(crate) mod addr;
pub(crate) mod url;

use std::time::Duration;

use serde::Serialize;

pub(crate) use addr::Endpoint;

use crate::cli::TargetArgs;
use crate::error::{Error, Result};

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
#[derive(Debug, Clone, Serialize)]
pub(crate) struct TargetReport {
    pub(crate) url: String,
    pub(crate) mode: &'static str,
    pub(crate) tls: bool,
    pub(crate) db: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) user: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) master_name: Option<String>,
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
        let scheme = if o.tls.is_some() { "rediss" } else { "redis" };
        let userinfo = match (&o.user, &o.pass) {
            (Some(u), Some(_)) => format!("{u}:***@"),
            (Some(u), None) => format!("{u}@"),
            (None, Some(_)) => ":***@".to_string(),
            (None, None) => String::new(),
        };
        TargetReport {
            url: format!("{scheme}://{userinfo}{first}/{}", o.db),
            mode,
            tls: o.tls.is_some(),
            db: o.db,
            user: o.user.clone(),
            master_name,
        }
    }
}

/// Resolves flags, URL and environment into a [`Target`]. Precedence for each setting:
/// explicit flag, then URL, then environment (`REDISCLI_AUTH`), then default.
pub(crate) fn resolve(a: &TargetArgs) -> Result<Target> {
    let parsed = a
        .url
        .as_deref()
        .map(url::parse)
        .transpose()
        .map_err(Error::Usage)?;
    let env_pass = std::env::var("REDISCLI_AUTH")
        .ok()
        .filter(|p| !p.is_empty());
    let pass = a
        .pass
        .clone()
        .or_else(|| parsed.as_ref().and_then(|u| u.pass.clone()))
        .or(env_pass);
    let user = a
        .user
        .clone()
        .or_else(|| parsed.as_ref().and_then(|u| u.user.clone()));
    let db = a.db.or(parsed.as_ref().and_then(|u| u.db)).unwrap_or(0);
    if db < 0 {
        return Err(Error::Usage(format!("invalid database number {db}")));
    }
    let url_tls = parsed.as_ref().is_some_and(|u| u.tls);
    let insecure = a.insecure || parsed.as_ref().is_some_and(|u| u.insecure);
    let tls = if a.tls || url_tls || a.cacert.is_some() || a.cert.is_some() {
        Some(TlsSettings {
            root_cert: a.cacert.as_deref().map(read_pem).transpose()?,
            client_cert_key: match (&a.cert, &a.key) {
                (Some(c), Some(k)) => Some((read_pem(c)?, read_pem(k)?)),
                _ => None,
            },
            insecure,
        })
    } else {
        None
    };
    let primary = match &parsed {
        Some(u) => u.endpoint.clone(),
        None => Endpoint::new(
            a.host.clone().unwrap_or_else(|| "127.0.0.1".into()),
            a.port.unwrap_or(6379),
        ),
    };
    let nodes = if a.nodes.is_empty() {
        vec![primary]
    } else {
        let mut v = Vec::new();
        for n in &a.nodes {
            let ep = Endpoint::parse(n, 6379).map_err(|e| Error::Usage(format!("--node: {e}")))?;
            if !v.contains(&ep) {
                v.push(ep);
            }
        }
        v
    };
    let discovery = if !a.sentinel.is_empty() {
        let mut sentinels = Vec::new();
        for s in &a.sentinel {
            sentinels.push(
                Endpoint::parse(s, 26379).map_err(|e| Error::Usage(format!("--sentinel: {e}")))?,
            );
        }
        Discovery::Sentinel {
            sentinels,
            master: a.master.clone().unwrap_or_default(),
            pass: a.sentinel_pass.clone().or_else(|| {
                std::env::var("CACHESTORM_SENTINEL_AUTH")
                    .ok()
                    .filter(|p| !p.is_empty())
            }),
        }
    } else if a.cluster {
        Discovery::Cluster(nodes[0].clone())
    } else {
        Discovery::Nodes(nodes)
    };
    let url_pass = parsed.as_ref().and_then(|u| u.pass.clone());
    for secret in [&pass, &url_pass, &a.pass, &a.sentinel_pass]
        .into_iter()
        .flatten()
    {
        crate::redact::register(secret);
    }
    if let Discovery::Sentinel { pass: Some(p), .. } = &discovery {
        crate::redact::register(p);
    }
    Ok(Target {
        options: ConnectOptions {
            user,
            pass,
            db,
            tls,
            connect_timeout: a.connect_timeout,
            timeout: a.timeout,
        },
        discovery,
    })
}

fn read_pem(path: &std::path::Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::Input(format!("reading {}: {e}", path.display())))
}
