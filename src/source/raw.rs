//! A plain line-oriented connection for streaming commands (MONITOR): Unix socket, TCP or
//! TLS, AUTH and the few setup commands (packed by redis-rs), then raw reply lines.
//! Streaming through the multiplexed client would allocate a value per line and hide the
//! socket; this keeps a busy server's MONITOR output flowing at read speed. Must not: parse
//! lines.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::endpoint::{ConnectOptions, Endpoint, TlsSettings};
use crate::error::Error;

pub(crate) trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

pub(crate) struct RawConn {
    pub(crate) endpoint: Endpoint,
    pub(crate) io: BufReader<Box<dyn Stream>>,
    timeout: std::time::Duration,
}

fn connect_err(ep: &Endpoint, msg: impl Into<String>) -> Error {
    Error::Connect {
        addr: ep.to_string(),
        msg: msg.into(),
    }
}

/// Opens a connection (Unix socket, TCP or TLS) and authenticates.
pub(crate) async fn open(ep: &Endpoint, o: &ConnectOptions) -> Result<RawConn, Error> {
    let stream: Box<dyn Stream> = match &ep.socket {
        Some(path) => Box::new(unix(ep, path, o).await?),
        None => tcp_or_tls(ep, o).await?,
    };
    let mut c = RawConn {
        endpoint: ep.clone(),
        io: BufReader::with_capacity(1 << 20, stream),
        timeout: o.timeout,
    };
    if let Some(pass) = &o.pass {
        let mut auth = redis::cmd("AUTH");
        if let Some(u) = &o.user {
            auth.arg(u);
        }
        auth.arg(pass);
        let reply = c.command(&auth).await?;
        if let Some(said) = reply.strip_prefix('-') {
            if let Some(e) = super::conn::auth_refused(ep, said) {
                return Err(e);
            }
        }
    }
    Ok(c)
}

/// A timed connect, with the errors people know (refused, no such socket).
async fn timed_connect<S>(
    ep: &Endpoint,
    o: &ConnectOptions,
    connect: impl std::future::Future<Output = std::io::Result<S>>,
) -> Result<S, Error> {
    match tokio::time::timeout(o.connect_timeout, connect).await {
        Err(_) => Err(connect_err(
            ep,
            format!(
                "timed out after {} (--connect-timeout)",
                crate::units::duration(o.connect_timeout)
            ),
        )),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            Err(connect_err(ep, "connection refused"))
        }
        Ok(Err(e)) => Err(connect_err(ep, e.to_string())),
        Ok(Ok(s)) => Ok(s),
    }
}

async fn unix(
    ep: &Endpoint,
    path: &std::path::Path,
    o: &ConnectOptions,
) -> Result<tokio::net::UnixStream, Error> {
    timed_connect(ep, o, tokio::net::UnixStream::connect(path)).await
}

async fn tcp_or_tls(ep: &Endpoint, o: &ConnectOptions) -> Result<Box<dyn Stream>, Error> {
    let tcp = timed_connect(ep, o, TcpStream::connect((ep.host.as_str(), ep.port))).await?;
    let _ = tcp.set_nodelay(true);
    let Some(t) = &o.tls else {
        return Ok(Box::new(tcp));
    };
    let config = tls_config(t).map_err(|e| Error::Input(format!("TLS settings: {e}")))?;
    let name = ServerName::try_from(ep.host.clone()).map_err(|e| connect_err(ep, e.to_string()))?;
    let tls = tokio::time::timeout(
        o.connect_timeout,
        tokio_rustls::TlsConnector::from(Arc::new(config)).connect(name, tcp),
    )
    .await
    .map_err(|_| connect_err(ep, "TLS handshake timed out"))?
    .map_err(|e| connect_err(ep, format!("TLS: {e}")))?;
    Ok(Box::new(tls))
}

impl RawConn {
    /// Sends one command (packed by redis-rs) and reads a one-line reply (`+OK`, `:12`,
    /// `-ERR ...`).
    pub(crate) async fn command(&mut self, cmd: &redis::Cmd) -> Result<String, Error> {
        let buf = cmd.get_packed_command();
        let ep = self.endpoint.clone();
        let io_err = |e: std::io::Error| connect_err(&ep, e.to_string());
        self.io.get_mut().write_all(&buf).await.map_err(io_err)?;
        let mut line = String::new();
        let n = tokio::time::timeout(self.timeout, self.io.read_line(&mut line))
            .await
            .map_err(|_| Error::Server {
                addr: ep.to_string(),
                msg: format!(
                    "request timed out: no reply within {} (--timeout)",
                    crate::units::duration(self.timeout)
                ),
            })?
            .map_err(io_err)?;
        if n == 0 {
            return Err(connect_err(&ep, "connection closed by the server"));
        }
        let reply = line.trim_end().to_string();
        if let Some(said) = reply.strip_prefix('-').filter(|r| r.starts_with("NOAUTH")) {
            return Err(Error::Auth {
                addr: ep.to_string(),
                msg: super::conn::noauth(said, super::conn::DATA_PASS),
            });
        }
        Ok(reply)
    }
}

fn tls_config(t: &TlsSettings) -> Result<ClientConfig, String> {
    let builder = ClientConfig::builder();
    let builder = if t.insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAny(
                rustls::crypto::ring::default_provider(),
            )))
    } else {
        let mut roots = RootCertStore::empty();
        match &t.root_cert {
            Some(pem) => {
                for cert in CertificateDer::pem_slice_iter(pem) {
                    roots
                        .add(cert.map_err(|e| format!("--cacert: {e}"))?)
                        .map_err(|e| format!("--cacert: {e}"))?;
                }
            }
            None => {
                for cert in rustls_native_certs::load_native_certs().certs {
                    let _ = roots.add(cert);
                }
            }
        }
        builder.with_root_certificates(roots)
    };
    match &t.client_cert_key {
        Some((cert, key)) => {
            let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert)
                .collect::<Result<_, _>>()
                .map_err(|e| format!("--cert: {e}"))?;
            let key = PrivateKeyDer::from_pem_slice(key).map_err(|e| format!("--key: {e}"))?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| e.to_string())
        }
        None => Ok(builder.with_no_client_auth()),
    }
}

/// `--insecure`: accepts any server certificate (signatures are still checked).
#[derive(Debug)]
struct AcceptAny(rustls::crypto::CryptoProvider);

impl ServerCertVerifier for AcceptAny {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
