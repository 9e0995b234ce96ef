//! The connection flags resolved, once, into a [`Target`]: URL, host/port, node list,
//! cluster, sentinel, credentials (flags, URL, `REDISCLI_AUTH`), TLS files read from
//! disk, timeouts; every secret registered for redaction. Only plain settings travel
//! below `cmd/`.

use std::path::Path;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::cli::TargetArgs;
use crate::endpoint::{url, ConnectOptions, Discovery, Endpoint, Target, TlsSettings};
use crate::error::{Error, Result};

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
    let socket = a.socket.is_some() || parsed.as_ref().is_some_and(|u| u.is_unix());
    if socket {
        unix_socket_alone(a)?;
    }
    let tls = tls(a, parsed.as_ref())?;
    let discovery = discovery(a, parsed.as_ref())?;
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

/// A Unix socket is one node reached without TLS (`-s` refuses the rest while parsing;
/// this is for a `unix://` URL).
fn unix_socket_alone(a: &TargetArgs) -> Result<()> {
    let other = [
        (
            a.tls || a.cacert.is_some() || a.cert.is_some() || a.insecure,
            "TLS (--tls, --cacert, --cert, --insecure)",
        ),
        (a.cluster, "--cluster (a cluster is reached over TCP)"),
        (!a.nodes.is_empty(), "--node"),
        (!a.sentinel.is_empty(), "--sentinel"),
    ];
    match other.into_iter().find(|(given, _)| *given) {
        Some((_, what)) => Err(Error::Usage(format!("a Unix socket cannot go with {what}"))),
        None => Ok(()),
    }
}

/// TLS settings when TLS is asked for (flag, `rediss://`, or a certificate given).
fn tls(a: &TargetArgs, parsed: Option<&url::RedisUrl>) -> Result<Option<TlsSettings>> {
    let url_tls = parsed.is_some_and(|u| u.tls);
    if !(a.tls || url_tls || a.cacert.is_some() || a.cert.is_some()) {
        return Ok(None);
    }
    Ok(Some(TlsSettings {
        root_cert: a
            .cacert
            .as_deref()
            .map(|p| read_certs(p, "--cacert"))
            .transpose()?,
        client_cert_key: match (&a.cert, &a.key) {
            (Some(c), Some(k)) => Some((read_certs(c, "--cert")?, read_key(k)?)),
            _ => None,
        },
        insecure: a.insecure || parsed.is_some_and(|u| u.insecure),
    }))
}

/// Which nodes: a sentinel's master, a cluster from its first node, or the node list
/// (`--node`, else the URL's or `-h`/`-p`'s one node).
fn discovery(a: &TargetArgs, parsed: Option<&url::RedisUrl>) -> Result<Discovery> {
    let primary = match (parsed, &a.socket) {
        (_, Some(path)) => Endpoint::unix(path.clone()),
        (Some(u), None) => u.endpoint.clone(),
        (None, None) => Endpoint::new(
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
    Ok(discovery)
}

fn read_pem(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::Input(format!("reading {}: {e}", path.display())))
}

/// A PEM file with at least one certificate (a DER file or a key alone would only fail
/// later, as an unknown issuer).
fn read_certs(path: &Path, flag: &str) -> Result<Vec<u8>> {
    let pem = read_pem(path)?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Error::Input(format!("{flag} {}: bad PEM: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(Error::Input(format!(
            "no certificate in {} ({flag} wants PEM, '-----BEGIN CERTIFICATE-----')",
            path.display()
        )));
    }
    Ok(pem)
}

/// A PEM file with a private key.
fn read_key(path: &Path) -> Result<Vec<u8>> {
    let pem = read_pem(path)?;
    PrivateKeyDer::from_pem_slice(&pem).map_err(|_| {
        Error::Input(format!(
            "no private key in {} (--key wants PEM, '-----BEGIN PRIVATE KEY-----')",
            path.display()
        ))
    })?;
    Ok(pem)
}
