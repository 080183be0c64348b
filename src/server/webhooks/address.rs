//! Which addresses a webhook may be delivered to: only the public
//! internet. Loopback, private, shared (carrier NAT), link-local (where
//! clouds keep their metadata service), multicast, documentation and
//! reserved ranges are refused, in IPv4 and IPv6 alike, including IPv4
//! addresses wrapped in IPv6 (mapped, NAT64, 6to4). Checked on the address
//! a connection actually reached, so a name that resolves to a private
//! address, first or on a second lookup, gets nothing.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why nothing is delivered to `ip`, or `None` when it is public. Loopback
/// passes when `allow_loopback` (a development and test setting).
pub fn refusal(ip: IpAddr, allow_loopback: bool) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => refusal_v4(v4, allow_loopback),
        IpAddr::V6(v6) => refusal_v6(v6, allow_loopback),
    }
}

fn refusal_v4(ip: Ipv4Addr, allow_loopback: bool) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    if ip.is_loopback() {
        return (!allow_loopback).then_some("a loopback address");
    }
    let why = match (a, b, c) {
        (0, ..) => "an unspecified address",
        (10, ..) | (172, 16..=31, _) | (192, 168, _) => "a private address",
        (100, 64..=127, _) => "a shared (carrier NAT) address",
        (169, 254, _) => "a link-local address (metadata services live there)",
        (192, 0, 0) => "an address reserved for protocols",
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => "a documentation address",
        (198, 18..=19, _) => "a benchmarking address",
        (224..=239, ..) => "a multicast address",
        (240..=255, ..) => "a reserved address",
        _ => return None,
    };
    Some(why)
}

fn refusal_v6(ip: Ipv6Addr, allow_loopback: bool) -> Option<&'static str> {
    if ip.is_loopback() {
        return (!allow_loopback).then_some("a loopback address");
    }
    if let Some(v4) = ip.to_ipv4_mapped() {
        return refusal_v4(v4, allow_loopback);
    }
    let s = ip.segments();
    let embedded = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    match s {
        _ if ip.is_unspecified() => Some("an unspecified address"),
        // IPv4-compatible addresses are deprecated and never routed.
        [0, 0, 0, 0, 0, 0, _, _] => Some("an IPv4-compatible address"),
        // NAT64: the IPv4 address inside decides.
        [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] => refusal_v4(embedded(hi, lo), false),
        // 6to4 carries an IPv4 address in its second and third groups.
        [0x2002, hi, lo, ..] => refusal_v4(embedded(hi, lo), false),
        [first, ..] if first & 0xfe00 == 0xfc00 => Some("a private (unique local) address"),
        [first, ..] if first & 0xffc0 == 0xfe80 || first & 0xffc0 == 0xfec0 => Some("a link-local address"),
        [first, ..] if first & 0xff00 == 0xff00 => Some("a multicast address"),
        [0x2001, 0x0db8, ..] => Some("a documentation address"),
        // Teredo tunnels reach any IPv4 address, private ones too.
        [0x2001, 0, ..] => Some("a tunnelled address"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(text: &str) -> bool {
        refusal(text.parse().unwrap(), false).is_some()
    }

    #[test]
    fn only_public_addresses_are_reached() {
        for private in [
            "127.0.0.1",
            "127.8.9.10",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.100.100.200",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "192.0.2.4",
            "::1",
            "::",
            "fd00:ec2::254",
            "fe80::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:10.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::",
            "2002:c0a8:101::1",
            "2001::1",
            "2001:db8::1",
        ] {
            assert!(refused(private), "{private} must be refused");
        }
        for public in ["93.184.216.34", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "2002:5db8:d822::1"]
        {
            assert!(!refused(public), "{public} is public");
        }
    }

    #[test]
    fn loopback_only_when_allowed() {
        for loopback in ["127.0.0.1", "::1", "::ffff:127.0.0.1"] {
            assert_eq!(refusal(loopback.parse().unwrap(), true), None, "{loopback}");
        }
        assert!(refusal("10.0.0.1".parse().unwrap(), true).is_some(), "private stays refused");
        assert!(refusal("169.254.169.254".parse().unwrap(), true).is_some(), "metadata stays refused");
    }
}
