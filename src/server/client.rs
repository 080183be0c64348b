//! Who the client is: its address and browser, for rate limits, the audit
//! trail and the list of sessions.
//!
//! Behind a load balancer every connection comes from the balancer, so the
//! client's own address is in a header the balancer adds. A header is only
//! believed when the connection comes from a proxy the operator listed
//! (`LYCEUM_TRUSTED_PROXIES`); anyone else can write whatever they like in
//! it. The header is read right to left: each trusted proxy appends the
//! address it received the request from, so the first address from the
//! right that is not a trusted proxy is the client. Whatever stands left of
//! it was written by the client and is ignored.

use super::config::{Config, ForwardedHeader};
use axum::{
    extract::{ConnectInfo, Request, State},
    http::{HeaderMap, header},
    middleware::Next,
    response::Response,
};
use ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// Who is asking: the client's address and browser.
#[derive(Clone, Debug, Default)]
pub struct Client {
    pub ip: String,
    pub user_agent: String,
    /// Connected from this machine to a loopback name, with no proxy in
    /// between: the only client the development tools answer.
    pub local: bool,
}

/// What decides a client's address: the proxies to believe and the header
/// they write.
#[derive(Clone, Debug)]
pub struct ProxyRules(Arc<(Vec<IpNet>, ForwardedHeader)>);

impl ProxyRules {
    pub fn new(trusted: Vec<IpNet>, header: ForwardedHeader) -> Self {
        Self(Arc::new((trusted, header)))
    }

    pub fn from_config(config: &Config) -> Self {
        Self::new(config.trusted_proxies.clone(), config.forwarded_header)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.0.iter().any(|net| net.contains(&ip))
    }

    /// The client's address, given the connection's peer and the request's headers.
    pub fn client_ip(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return peer;
        }
        let hops = match self.0.1 {
            ForwardedHeader::XForwardedFor => forwarded_for(headers),
            ForwardedHeader::Forwarded => forwarded(headers),
        };
        let Some(hops) = hops else { return peer };
        // Right to left, past our own proxies; an unreadable entry ends the
        // walk (nothing left of it can be trusted), and so does the list's
        // left end, whose first address is the best there is.
        let mut client = peer;
        for hop in hops.iter().rev() {
            match hop {
                Some(ip) => {
                    client = canonical(*ip);
                    if !self.trusts(client) {
                        return client;
                    }
                }
                None => return client,
            }
        }
        client
    }
}

/// IPv4 addresses written as IPv6 (`::ffff:192.0.2.1`) as plain IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The entries of every `X-Forwarded-For` line, in order; `None` for an
/// entry that is not an address. `None` overall when there is no header or
/// it is not text.
fn forwarded_for(headers: &HeaderMap) -> Option<Vec<Option<IpAddr>>> {
    let mut hops = Vec::new();
    for value in headers.get_all("x-forwarded-for") {
        let text = value.to_str().ok()?;
        hops.extend(text.split(',').map(|entry| parse_node(entry.trim())));
    }
    (!hops.is_empty()).then_some(hops)
}

/// The `for=` of every element of every RFC 7239 `Forwarded` line, in order.
fn forwarded(headers: &HeaderMap) -> Option<Vec<Option<IpAddr>>> {
    let mut hops = Vec::new();
    for value in headers.get_all(header::FORWARDED) {
        let text = value.to_str().ok()?;
        for element in text.split(',') {
            let node = element.split(';').find_map(|pair| {
                let (key, value) = pair.trim().split_once('=')?;
                key.trim().eq_ignore_ascii_case("for").then(|| value.trim().trim_matches('"').to_string())
            });
            hops.push(node.and_then(|node| parse_node(&node)));
        }
    }
    (!hops.is_empty()).then_some(hops)
}

/// An address as proxies write it: `192.0.2.1`, `192.0.2.1:4711`,
/// `2001:db8::1`, `[2001:db8::1]:4711`. `unknown` and obfuscated names are
/// not addresses.
fn parse_node(text: &str) -> Option<IpAddr> {
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(socket) = text.parse::<SocketAddr>() {
        return Some(socket.ip());
    }
    text.strip_prefix('[').and_then(|rest| rest.split(']').next()).and_then(|ip| ip.parse().ok())
}

/// Headers a proxy adds to a request it passes on (or that a client writes
/// to look like one): any of them means the request may not be from this
/// machine, whatever the connection's address.
const PROXY_HEADERS: &[&str] = &[
    "forwarded",
    "via",
    "x-real-ip",
    "true-client-ip",
    "x-client-ip",
    "x-cluster-client-ip",
    "cf-connecting-ip",
    "fastly-client-ip",
];

/// Whether a request comes from a browser on this machine, directly: the
/// connection is over loopback, no proxy header is present (a proxy on
/// this machine connects over loopback too, for clients anywhere), and the
/// host the browser asked for is a loopback name. The last keeps out a
/// page elsewhere whose name was made to resolve to 127.0.0.1 (DNS
/// rebinding): the browser then sends that name as `Host`.
fn is_this_machine(peer: IpAddr, headers: &HeaderMap, uri_host: Option<&str>) -> bool {
    let proxied = headers.keys().any(|name| {
        let name = name.as_str();
        PROXY_HEADERS.contains(&name) || name.starts_with("x-forwarded-")
    });
    let mut hosts = headers.get_all(header::HOST).iter();
    let host_is_local = match (hosts.next(), hosts.next()) {
        (None, _) => true,
        (Some(host), None) => host.to_str().is_ok_and(is_loopback_name),
        (Some(_), Some(_)) => false,
    };
    canonical(peer).is_loopback() && !proxied && host_is_local && uri_host.is_none_or(is_loopback_name)
}

/// `localhost`, `127.0.0.1` or `[::1]`, with or without a port, as `Host`
/// (and a URI's host) write them.
fn is_loopback_name(host: &str) -> bool {
    let name = match host.rsplit_once(':') {
        Some((name, port)) if !name.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) && !name.ends_with(':') => {
            name
        }
        _ => host,
    };
    ["localhost", "127.0.0.1", "[::1]"].iter().any(|local| name.eq_ignore_ascii_case(local))
}

/// Middleware: records the [`Client`] of every request for the handlers.
pub async fn identify(State(rules): State<ProxyRules>, mut request: Request, next: Next) -> Response {
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| addr.ip());
    let headers = request.headers();
    let ip = peer.map(|peer| rules.client_ip(peer, headers));
    let local = peer.is_some_and(|peer| is_this_machine(peer, headers, request.uri().host()));
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control())
        .take(300)
        .collect();
    let ip = ip.map_or_else(|| "unknown".to_string(), |ip| ip.to_string());
    request.extensions_mut().insert(Client { ip, user_agent, local });
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn headers(name: &'static str, values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for value in values {
            map.append(name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn rules(trusted: &[&str], header: ForwardedHeader) -> ProxyRules {
        let net = |t: &&str| t.parse().unwrap_or_else(|_| IpNet::from(t.parse::<IpAddr>().unwrap()));
        ProxyRules::new(trusted.iter().map(net).collect(), header)
    }

    #[test]
    fn without_trusted_proxies_no_header_is_believed() {
        let rules = rules(&[], ForwardedHeader::XForwardedFor);
        let forged = headers("x-forwarded-for", &["203.0.113.9"]);
        assert_eq!(rules.client_ip(ip("198.51.100.7"), &forged), ip("198.51.100.7"));
        assert_eq!(rules.client_ip(ip("127.0.0.1"), &forged), ip("127.0.0.1"));
    }

    #[test]
    fn a_trusted_proxy_is_read_right_to_left() {
        let rules = rules(&["10.0.0.0/8"], ForwardedHeader::XForwardedFor);
        let balancer = ip("10.0.0.5");
        // The client wrote the first entry itself; the proxy appended the real one.
        let chain = headers("x-forwarded-for", &["6.6.6.6, 198.51.100.7"]);
        assert_eq!(rules.client_ip(balancer, &chain), ip("198.51.100.7"));
        // Two proxies of ours: skip both.
        let chain = headers("x-forwarded-for", &["198.51.100.7, 10.1.1.1"]);
        assert_eq!(rules.client_ip(balancer, &chain), ip("198.51.100.7"));
        // Several header lines count as one list, in order.
        let chain = headers("x-forwarded-for", &["6.6.6.6", "198.51.100.7"]);
        assert_eq!(rules.client_ip(balancer, &chain), ip("198.51.100.7"));
        // Garbage right of the client stops the walk at the last good hop.
        let chain = headers("x-forwarded-for", &["198.51.100.7, nonsense"]);
        assert_eq!(rules.client_ip(balancer, &chain), balancer);
        // No header: the proxy itself is all we know.
        assert_eq!(rules.client_ip(balancer, &HeaderMap::new()), balancer);
        // Only proxies of ours: the leftmost one.
        let chain = headers("x-forwarded-for", &["10.9.9.9, 10.1.1.1"]);
        assert_eq!(rules.client_ip(balancer, &chain), ip("10.9.9.9"));
        // A connection from elsewhere is not believed, whatever it says.
        assert_eq!(rules.client_ip(ip("198.51.100.99"), &chain), ip("198.51.100.99"));
    }

    #[test]
    fn rfc_7239_forwarded_is_read_when_chosen() {
        let rules = rules(&["127.0.0.1", "::1"], ForwardedHeader::Forwarded);
        let chain = headers(
            "forwarded",
            &["for=6.6.6.6;proto=https, For=\"[2001:db8:cafe::17]:4711\";by=127.0.0.1", "for=127.0.0.1"],
        );
        assert_eq!(rules.client_ip(ip("::1"), &chain), ip("2001:db8:cafe::17"));
        let unknown = headers("forwarded", &["for=unknown"]);
        assert_eq!(rules.client_ip(ip("127.0.0.1"), &unknown), ip("127.0.0.1"));
        // The other header is not read at all.
        let xff = headers("x-forwarded-for", &["203.0.113.9"]);
        assert_eq!(rules.client_ip(ip("127.0.0.1"), &xff), ip("127.0.0.1"));
    }

    #[test]
    fn this_machine_is_loopback_through_no_proxy_to_a_loopback_name() {
        let local = ip("127.0.0.1");
        let with = |name: &'static str, value: &str| headers(name, &[value]);
        assert!(is_this_machine(local, &HeaderMap::new(), None));
        assert!(is_this_machine(ip("::1"), &HeaderMap::new(), None));
        for host in ["localhost", "LocalHost:3000", "127.0.0.1", "127.0.0.1:3000", "[::1]", "[::1]:3000"] {
            assert!(is_this_machine(local, &with("host", host), None), "{host}");
        }
        assert!(is_this_machine(local, &HeaderMap::new(), Some("localhost")));
        assert!(is_this_machine(local, &HeaderMap::new(), Some("[::1]")));
        for host in ["evil.test", "evil.test:3000", "localhost.evil.test", "127.0.0.2", "192.168.1.5:3000", "", "::1"] {
            assert!(!is_this_machine(local, &with("host", host), None), "{host:?}");
        }
        assert!(!is_this_machine(local, &HeaderMap::new(), Some("evil.test")));
        for name in [
            "x-real-ip",
            "via",
            "x-forwarded-host",
            "x-forwarded-proto",
            "forwarded",
            "x-forwarded-for",
            "x-forwarded-port",
            "true-client-ip",
        ] {
            assert!(!is_this_machine(local, &with(name, "127.0.0.1"), None), "{name}");
        }
        assert!(!is_this_machine(ip("192.0.2.10"), &with("host", "localhost"), None), "another machine");
        let mut two = with("host", "localhost");
        two.append("host", HeaderValue::from_static("evil.test"));
        assert!(!is_this_machine(local, &two, None), "two Host headers");
    }

    #[test]
    fn addresses_are_read_as_proxies_write_them() {
        assert_eq!(parse_node("192.0.2.1"), Some(ip("192.0.2.1")));
        assert_eq!(parse_node("192.0.2.1:4711"), Some(ip("192.0.2.1")));
        assert_eq!(parse_node("2001:db8::1"), Some(ip("2001:db8::1")));
        assert_eq!(parse_node("[2001:db8::1]:4711"), Some(ip("2001:db8::1")));
        assert_eq!(parse_node("_hidden"), None);
        assert_eq!(canonical(ip("::ffff:192.0.2.1")), ip("192.0.2.1"));
    }
}
