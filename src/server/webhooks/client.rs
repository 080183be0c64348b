//! The one HTTP request a delivery makes: a POST over a connection this
//! module opens itself, so that it decides where it connects. The host is
//! resolved here, each address is checked ([`address::refusal`]) before a
//! connection is tried and again on the connection's peer address, and the
//! request goes over that very connection: no proxy, no second lookup for
//! a name to change its answer in between, no redirect followed (an answer
//! of 3xx is a failed delivery). TLS is verified against the Mozilla roots
//! (webpki-roots), with the host's name.

use super::address;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio_rustls::{TlsConnector, rustls};
use url::Url;

/// The most of an answer's body kept, for staff to read.
pub const RESPONSE_KEPT: usize = 1024;

/// What came back from one attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    /// The start of the body, as text.
    pub body: String,
}

/// Why an attempt got no answer. The message names no secret: addresses
/// and hosts only.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    #[error("the address is not an http or https URL with a host")]
    BadUrl,
    #[error("{0} does not resolve")]
    Unresolved(String),
    #[error("refused to connect to {address}: {why}")]
    Refused { address: SocketAddr, why: &'static str },
    #[error("could not connect: {0}")]
    Connect(String),
    #[error("TLS: {0}")]
    Tls(String),
    #[error("HTTP: {0}")]
    Http(String),
    #[error("no answer within {0} seconds")]
    TimedOut(u64),
}

/// How requests are made.
#[derive(Clone, Copy, Debug)]
pub struct Policy {
    /// Loopback addresses may be reached (development and tests only).
    pub allow_loopback: bool,
    /// The whole attempt, from the lookup to the end of the answer.
    pub timeout: Duration,
}

/// POSTs `body` to `url` with `headers`, under `policy`.
pub async fn post(url: &Url, headers: &[(&str, String)], body: Bytes, policy: Policy) -> Result<Answer, SendError> {
    let started = Instant::now();
    match tokio::time::timeout(policy.timeout, send(url, headers, body, policy)).await {
        Ok(result) => result,
        Err(_) => Err(SendError::TimedOut(started.elapsed().as_secs().max(policy.timeout.as_secs()))),
    }
}

async fn send(url: &Url, headers: &[(&str, String)], body: Bytes, policy: Policy) -> Result<Answer, SendError> {
    let tls = match url.scheme() {
        "https" => true,
        "http" => false,
        _ => return Err(SendError::BadUrl),
    };
    let host = url.host().ok_or(SendError::BadUrl)?;
    let port = url.port_or_known_default().ok_or(SendError::BadUrl)?;
    let stream = connect(&host, port, policy).await?;
    let authority = match url.port() {
        Some(port) => format!("{}:{port}", host_text(&host)),
        None => host_text(&host),
    };
    let mut path = url.path().to_string();
    if let Some(query) = url.query() {
        path.push('?');
        path.push_str(query);
    }
    let mut request = http::Request::post(path)
        .header(http::header::HOST, authority)
        .header(http::header::CONTENT_TYPE, "application/json")
        .header(http::header::USER_AGENT, concat!("Lyceum-Webhooks/", env!("CARGO_PKG_VERSION")))
        .header(http::header::CONTENT_LENGTH, body.len());
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let request = request.body(Full::new(body)).map_err(|e| SendError::Http(e.to_string()))?;
    if tls {
        let name = rustls::pki_types::ServerName::try_from(host_text(&host).trim_matches(['[', ']']).to_string())
            .map_err(|_| SendError::BadUrl)?;
        let stream =
            TlsConnector::from(tls_config()).connect(name, stream).await.map_err(|e| SendError::Tls(e.to_string()))?;
        exchange(stream, request).await
    } else {
        exchange(stream, request).await
    }
}

fn host_text(host: &url::Host<&str>) -> String {
    match host {
        url::Host::Domain(name) => name.to_string(),
        url::Host::Ipv4(ip) => ip.to_string(),
        url::Host::Ipv6(ip) => format!("[{ip}]"),
    }
}

/// A connection to the first public address of `host` that answers.
async fn connect(host: &url::Host<&str>, port: u16, policy: Policy) -> Result<TcpStream, SendError> {
    let candidates: Vec<SocketAddr> = match host {
        url::Host::Ipv4(ip) => vec![SocketAddr::from((*ip, port))],
        url::Host::Ipv6(ip) => vec![SocketAddr::from((*ip, port))],
        url::Host::Domain(name) => {
            tokio::net::lookup_host((*name, port)).await.map_err(|_| SendError::Unresolved(name.to_string()))?.collect()
        }
    };
    let mut last = SendError::Unresolved(host_text(host));
    for candidate in candidates {
        if let Some(why) = address::refusal(candidate.ip(), policy.allow_loopback) {
            last = SendError::Refused { address: candidate, why };
            continue;
        }
        match TcpStream::connect(candidate).await {
            Ok(stream) => {
                // The address actually reached is the one that counts.
                let peer = stream.peer_addr().map_err(|e| SendError::Connect(e.to_string()))?;
                if let Some(why) = address::refusal(peer.ip(), policy.allow_loopback) {
                    return Err(SendError::Refused { address: peer, why });
                }
                return Ok(stream);
            }
            Err(error) => last = SendError::Connect(format!("{candidate}: {error}")),
        }
    }
    Err(last)
}

/// The TLS settings every delivery shares: the Mozilla roots, ring's
/// algorithms, TLS 1.2 and 1.3.
fn tls_config() -> Arc<rustls::ClientConfig> {
    static CONFIG: OnceLock<Arc<rustls::ClientConfig>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let config = rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .expect("ring supports the default TLS versions")
                .with_root_certificates(roots)
                .with_no_client_auth();
            Arc::new(config)
        })
        .clone()
}

/// Sends `request` over `io` (HTTP/1.1) and reads the start of the answer.
async fn exchange<IO>(io: IO, request: http::Request<Full<Bytes>>) -> Result<Answer, SendError>
where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(io))
        .await
        .map_err(|e| SendError::Http(e.to_string()))?;
    // The connection's task ends with the connection: when the answer is
    // read, or when this attempt is dropped (a timeout).
    let driver = tokio::spawn(async move {
        let _ = connection.await;
    });
    let response = sender.send_request(request).await.map_err(|e| SendError::Http(e.to_string()))?;
    let status = response.status().as_u16();
    let mut body = response.into_body();
    let mut kept = Vec::new();
    while kept.len() < RESPONSE_KEPT {
        match body.frame().await {
            Some(Ok(frame)) => {
                if let Some(data) = frame.data_ref() {
                    kept.extend_from_slice(data);
                }
            }
            // The status came: a body cut short does not undo it.
            Some(Err(_)) | None => break,
        }
    }
    driver.abort();
    kept.truncate(RESPONSE_KEPT);
    Ok(Answer { status, body: String::from_utf8_lossy(&kept).into_owned() })
}
