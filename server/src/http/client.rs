//! The client's address, which guests' rate limits are keyed on.
//!
//! By default it is the TCP peer. Behind a proxy the peer is the proxy, so the setting
//! `client_ip_header` names the header that the proxy writes the client's address into:
//!
//! - `x-forwarded-for`: the rightmost entry, the one the nearest proxy (ours) appended. Entries
//!   to its left come from the client, who can write anything there.
//! - `cloudfront-viewer-address`: `address:port`, the address being everything before the last
//!   `:` (`198.51.100.10:46532`, `2001:db8::1:46532` or `[2001:db8::1]:46532`).
//! - any other header: its whole value is the address.
//!
//! The header is believed only from a hop that is ours: a request with no TCP peer (on Lambda,
//! where AWS's own front end writes the headers, and the router called in-process) or from a
//! peer on this machine (a local proxy, the test browsers). A client that connects straight to
//! the server from anywhere else is keyed on its own address, whatever it writes in the header.
//!
//! A header that is missing or cannot be read falls back to the peer; that is logged and
//! counted (`ClientAddressMissing`), since behind the configured proxy it should not happen.
//! An IPv6 address is cut to
//! its /64 prefix, because one household or device gets a whole /64 and could otherwise use a
//! fresh address for every attempt; an IPv4 address (or an IPv4-mapped IPv6 one) is kept whole.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use app::request::ClientAddress;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderName};
use axum::middleware::Next;
use axum::response::Response;

use crate::config::Config;
use crate::metrics::{self, Metric};

/// What the address is when there is no peer (a router called in-process, as in tests) and no
/// usable header.
pub const UNKNOWN: &str = "unknown";

/// Where the client's address comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddressSource {
    /// The TCP peer: nothing stands between the client and the server.
    Peer,
    /// The rightmost entry of `X-Forwarded-For`.
    ForwardedFor,
    /// `CloudFront-Viewer-Address` without its port.
    CloudFrontViewerAddress,
    /// A header whose whole value is the address.
    Header(HeaderName),
}

impl AddressSource {
    /// The source that the configuration's `client_ip_header` names.
    pub fn of(config: &Config) -> Self {
        Self::named(config.client_ip_header.as_deref())
    }

    /// The source for a header name (case does not matter); `None` is the peer. A name that is
    /// not a header name (the configuration refuses those) also means the peer.
    pub fn named(header: Option<&str>) -> Self {
        let Some(name) = header else {
            return Self::Peer;
        };
        match HeaderName::from_bytes(name.trim().to_ascii_lowercase().as_bytes()) {
            Ok(name) if name == "x-forwarded-for" => Self::ForwardedFor,
            Ok(name) if name == "cloudfront-viewer-address" => Self::CloudFrontViewerAddress,
            Ok(name) => Self::Header(name),
            Err(_) => {
                tracing::warn!(
                    header = name,
                    "not a header name; using the TCP peer's address"
                );
                Self::Peer
            }
        }
    }

    fn header(&self) -> Option<&str> {
        match self {
            Self::Peer => None,
            Self::ForwardedFor => Some("x-forwarded-for"),
            Self::CloudFrontViewerAddress => Some("cloudfront-viewer-address"),
            Self::Header(name) => Some(name.as_str()),
        }
    }

    /// Reads the address from one header value.
    fn parse(&self, value: &str) -> Option<IpAddr> {
        match self {
            Self::Peer => None,
            Self::ForwardedFor => rightmost_forwarded_for(value),
            Self::CloudFrontViewerAddress => cloudfront_viewer_address(value),
            Self::Header(_) => plain_address(value),
        }
    }
}

/// The client's address for a request with these headers from this peer, normalised as a
/// rate-limit key. When a header repeats, its last line is read (the one added last).
pub fn client_address(
    source: &AddressSource,
    headers: &HeaderMap,
    peer: Option<SocketAddr>,
) -> ClientAddress {
    let trusted_hop = peer.is_none_or(|peer| peer.ip().is_loopback());
    let from_header = source.header().filter(|_| trusted_hop).and_then(|name| {
        let value = headers.get_all(name).iter().next_back()?.to_str().ok()?;
        source.parse(value)
    });
    if from_header.is_none() && *source != AddressSource::Peer {
        if trusted_hop {
            tracing::warn!(
                header = source.header(),
                "no usable client address in the header; using the TCP peer's"
            );
            metrics::count(Metric::ClientAddressMissing);
        } else {
            tracing::debug!(
                header = source.header(),
                "a client connected directly; its own address is used, not the header"
            );
        }
    }
    match from_header.or(peer.map(|peer| peer.ip())) {
        Some(ip) => ClientAddress(key(ip)),
        None => ClientAddress(UNKNOWN.to_owned()),
    }
}

/// The rightmost entry of an `X-Forwarded-For` value: the address the nearest proxy saw.
pub fn rightmost_forwarded_for(value: &str) -> Option<IpAddr> {
    plain_address(value.rsplit(',').next()?)
}

/// The address in a `CloudFront-Viewer-Address` value: what comes before the last `:` (the
/// rest is the client's port). IPv6 comes bare (`2001:db8::1:46532`) or in brackets.
pub fn cloudfront_viewer_address(value: &str) -> Option<IpAddr> {
    let (address, port) = value.trim().rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    let address = address
        .strip_prefix('[')
        .and_then(|a| a.strip_suffix(']'))
        .unwrap_or(address);
    address.parse().ok()
}

/// A value that is an address, or an address with a port (`203.0.113.7:5000`,
/// `[2001:db8::1]:5000`), spaces around it ignored.
pub fn plain_address(value: &str) -> Option<IpAddr> {
    let value = value.trim();
    value
        .parse::<IpAddr>()
        .or_else(|_| value.parse::<SocketAddr>().map(|socket| socket.ip()))
        .ok()
}

/// The rate-limit key of an address: IPv4 as it is, IPv6 as its /64 prefix
/// (`2001:db8:1:2::/64`). An IPv4-mapped IPv6 address counts as the IPv4 address.
pub fn key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let prefix = Ipv6Addr::from(u128::from(v6) & !u128::from(u64::MAX));
                format!("{prefix}/64")
            }
        },
    }
}

/// Puts the client's [`ClientAddress`] into the request's extensions. The peer is the
/// server's `ConnectInfo` (absent when the router is called in-process).
pub async fn insert_client_address(
    State(source): State<AddressSource>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(peer)| *peer);
    let address = client_address(&source, request.headers(), peer);
    request.extensions_mut().insert(address);
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    /// A proxy on this machine: its headers are believed.
    fn peer() -> Option<SocketAddr> {
        Some("127.0.0.1:50000".parse().unwrap())
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn address(source: &AddressSource, pairs: &[(&'static str, &str)]) -> String {
        client_address(source, &headers(pairs), peer()).0
    }

    #[test]
    fn forwarded_for_takes_the_rightmost_entry_not_the_spoofed_leftmost() {
        assert_eq!(
            rightmost_forwarded_for("1.1.1.1, 203.0.113.7"),
            Some(ip("203.0.113.7"))
        );
        assert_eq!(
            rightmost_forwarded_for("203.0.113.7"),
            Some(ip("203.0.113.7"))
        );
        assert_eq!(
            rightmost_forwarded_for("evil, 10.0.0.1,2001:db8::7 "),
            Some(ip("2001:db8::7"))
        );
        assert_eq!(
            address(
                &AddressSource::ForwardedFor,
                &[("x-forwarded-for", "1.1.1.1, 203.0.113.7")]
            ),
            "203.0.113.7"
        );
        // A client's own X-Forwarded-For line comes first; the proxy's comes last.
        assert_eq!(
            address(
                &AddressSource::ForwardedFor,
                &[
                    ("x-forwarded-for", "1.1.1.1"),
                    ("x-forwarded-for", "203.0.113.7")
                ]
            ),
            "203.0.113.7"
        );
    }

    #[test]
    fn an_unusable_rightmost_entry_falls_back_to_the_peer() {
        assert_eq!(rightmost_forwarded_for("203.0.113.7, "), None);
        assert_eq!(rightmost_forwarded_for("203.0.113.7, unknown"), None);
        for value in ["", "203.0.113.7, ", "nonsense", "300.1.2.3"] {
            assert_eq!(
                address(&AddressSource::ForwardedFor, &[("x-forwarded-for", value)]),
                "127.0.0.1",
                "{value:?}"
            );
        }
        assert_eq!(address(&AddressSource::ForwardedFor, &[]), "127.0.0.1");
    }

    #[test]
    fn cloudfront_viewer_address_drops_the_port() {
        assert_eq!(
            cloudfront_viewer_address("198.51.100.10:46532"),
            Some(ip("198.51.100.10"))
        );
        assert_eq!(
            cloudfront_viewer_address("2001:db8:85a3::8a2e:370:7334:46532"),
            Some(ip("2001:db8:85a3::8a2e:370:7334"))
        );
        assert_eq!(
            cloudfront_viewer_address("[2001:db8::1]:46532"),
            Some(ip("2001:db8::1"))
        );
        assert_eq!(
            address(
                &AddressSource::CloudFrontViewerAddress,
                &[("cloudfront-viewer-address", "2001:db8:1:2:3:4:5:6:443")]
            ),
            "2001:db8:1:2::/64"
        );
    }

    #[test]
    fn a_malformed_cloudfront_viewer_address_is_refused() {
        for value in [
            "",
            "198.51.100.10",
            "198.51.100.10:",
            "198.51.100.10:port",
            "198.51.100.10:70000",
            "[2001:db8::1]",
            "2001:db8::1",
            "host.example:443",
        ] {
            assert_eq!(cloudfront_viewer_address(value), None, "{value:?}");
            assert_eq!(
                address(
                    &AddressSource::CloudFrontViewerAddress,
                    &[("cloudfront-viewer-address", value)]
                ),
                "127.0.0.1",
                "{value:?}"
            );
        }
    }

    #[test]
    fn another_header_is_the_address_as_a_whole() {
        let source = AddressSource::named(Some("X-Real-IP"));
        assert_eq!(
            source,
            AddressSource::Header(HeaderName::from_static("x-real-ip"))
        );
        assert_eq!(
            address(&source, &[("x-real-ip", " 203.0.113.7 ")]),
            "203.0.113.7"
        );
        assert_eq!(
            address(&source, &[("x-real-ip", "203.0.113.7:8080")]),
            "203.0.113.7"
        );
        assert_eq!(
            address(&source, &[("x-real-ip", "1.1.1.1, 203.0.113.7")]),
            "127.0.0.1"
        );
        assert_eq!(
            address(&source, &[("x-forwarded-for", "203.0.113.7")]),
            "127.0.0.1"
        );
    }

    #[test]
    fn the_peer_is_used_by_default_and_headers_are_ignored() {
        assert_eq!(AddressSource::named(None), AddressSource::Peer);
        assert_eq!(
            address(
                &AddressSource::Peer,
                &[
                    ("x-forwarded-for", "203.0.113.7"),
                    ("cloudfront-viewer-address", "203.0.113.7:443")
                ]
            ),
            "127.0.0.1"
        );
        assert_eq!(
            client_address(&AddressSource::Peer, &HeaderMap::new(), None).0,
            UNKNOWN
        );
        assert_eq!(
            client_address(
                &AddressSource::ForwardedFor,
                &headers(&[("x-forwarded-for", "garbage")]),
                None
            )
            .0,
            UNKNOWN
        );
    }

    #[test]
    fn a_client_connecting_directly_cannot_choose_its_address_with_a_header() {
        // Someone reaching the server itself from the internet, not through our proxy.
        let stranger: Option<SocketAddr> = Some("198.51.100.23:40000".parse().unwrap());
        for (source, name, value) in [
            (
                AddressSource::ForwardedFor,
                "x-forwarded-for",
                "203.0.113.7",
            ),
            (
                AddressSource::CloudFrontViewerAddress,
                "cloudfront-viewer-address",
                "203.0.113.7:443",
            ),
            (
                AddressSource::named(Some("x-real-ip")),
                "x-real-ip",
                "203.0.113.7",
            ),
        ] {
            let headers = headers(&[(name, value)]);
            assert_eq!(
                client_address(&source, &headers, stranger).0,
                "198.51.100.23"
            );
            // The same header through a proxy on this machine, or on Lambda (no peer), counts.
            assert_eq!(client_address(&source, &headers, peer()).0, "203.0.113.7");
            assert_eq!(client_address(&source, &headers, None).0, "203.0.113.7");
        }
        let v6_loopback: Option<SocketAddr> = Some("[::1]:40000".parse().unwrap());
        assert_eq!(
            address_from(&AddressSource::ForwardedFor, "203.0.113.9", v6_loopback),
            "203.0.113.9"
        );
    }

    fn address_from(source: &AddressSource, forwarded: &str, peer: Option<SocketAddr>) -> String {
        client_address(source, &headers(&[("x-forwarded-for", forwarded)]), peer).0
    }

    #[test]
    fn header_names_are_recognised_in_any_case() {
        assert_eq!(
            AddressSource::named(Some("X-Forwarded-For")),
            AddressSource::ForwardedFor
        );
        assert_eq!(
            AddressSource::named(Some("CloudFront-Viewer-Address")),
            AddressSource::CloudFrontViewerAddress
        );
        assert_eq!(
            AddressSource::named(Some("not a header")),
            AddressSource::Peer
        );
    }

    #[test]
    fn ipv6_is_keyed_by_its_64_prefix_and_ipv4_by_the_address() {
        assert_eq!(key(ip("203.0.113.7")), "203.0.113.7");
        assert_eq!(
            key(ip("2001:db8:1:2:aaaa:bbbb:cccc:dddd")),
            "2001:db8:1:2::/64"
        );
        assert_eq!(key(ip("2001:db8:1:2::1")), key(ip("2001:db8:1:2:ffff::9")));
        assert_ne!(key(ip("2001:db8:1:2::1")), key(ip("2001:db8:1:3::1")));
        assert_eq!(key(ip("::ffff:203.0.113.7")), "203.0.113.7");
        assert_eq!(key(ip("::1")), "::/64");
        let v6_peer = Some("[2001:db8:1:2::9]:443".parse().unwrap());
        assert_eq!(
            client_address(&AddressSource::Peer, &HeaderMap::new(), v6_peer).0,
            "2001:db8:1:2::/64"
        );
    }
}
