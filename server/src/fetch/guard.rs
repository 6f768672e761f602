//! Which addresses the link lookup may reach: the guard against server-side request forgery.
//!
//! An owner pastes any link, and the server fetches it. Without these rules a link could make the
//! server read its own admin ports, the cloud's metadata service (`169.254.169.254`) or machines
//! on the private network. So a link is fetched only when it is http(s) on port 80 or 443 and its
//! host is a public internet address. Host names are resolved here, once, by
//! [`VettingResolver`]: every address must be public, and the connection goes only to those
//! addresses, so a name cannot answer "public" to the check and "private" to the connection.
//!
//! The only exception is the allow-list (`EWELISTS_FETCH_ALLOW`, local and test only): exact
//! `host:port` pairs, such as the test shop that the local stack serves on 127.0.0.1.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

/// Whether `ip` is a public internet address, the only kind a shop's page may be fetched from.
///
/// Refuses loopback, private, link-local (with the metadata address), shared (CGNAT),
/// unspecified, broadcast, multicast, documentation, benchmarking and reserved addresses. IPv6
/// must be global unicast (`2000::/3`), and an IPv4 address carried inside IPv6 (mapped,
/// compatible, NAT64, 6to4) is judged as that IPv4 address. Teredo is refused outright.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

/// IPv4 ranges that are not public: (network, prefix length).
const NOT_PUBLIC_V4: [([u8; 4], u32); 15] = [
    ([0, 0, 0, 0], 8),       // "this network", including 0.0.0.0
    ([10, 0, 0, 0], 8),      // private
    ([100, 64, 0, 0], 10),   // shared address space (carrier-grade NAT)
    ([127, 0, 0, 0], 8),     // loopback
    ([169, 254, 0, 0], 16),  // link-local, including the cloud metadata service
    ([172, 16, 0, 0], 12),   // private
    ([192, 0, 0, 0], 24),    // IETF protocol assignments
    ([192, 0, 2, 0], 24),    // documentation (TEST-NET-1)
    ([192, 88, 99, 0], 24),  // the old 6to4 relay anycast
    ([192, 168, 0, 0], 16),  // private
    ([198, 18, 0, 0], 15),   // benchmarking
    ([198, 51, 100, 0], 24), // documentation (TEST-NET-2)
    ([203, 0, 113, 0], 24),  // documentation (TEST-NET-3)
    ([224, 0, 0, 0], 4),     // multicast
    ([240, 0, 0, 0], 4),     // reserved, including the broadcast address
];

/// Ranges inside global unicast IPv6 (`2000::/3`) that are not public.
const NOT_PUBLIC_V6: [(u128, u32); 3] = [
    // IETF protocol assignments: Teredo (2001::/32), benchmarking (2001:2::/48), ORCHID...
    (0x2001_0000 << 96, 23),
    (0x2001_0db8 << 96, 32), // documentation
    (0x3fff << 112, 20),     // documentation (RFC 9637)
];

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let bits = u32::from(ip);
    !NOT_PUBLIC_V4.iter().any(|&(network, length)| {
        let mask = u32::MAX.checked_shl(32 - length).unwrap_or(0);
        bits & mask == u32::from_be_bytes(network) & mask
    })
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = embedded_v4(ip) {
        return is_public_v4(v4);
    }
    let bits = u128::from(ip);
    let within = |network: u128, length: u32| {
        let mask = u128::MAX.checked_shl(128 - length).unwrap_or(0);
        bits & mask == network & mask
    };
    within(0x2000 << 112, 3)
        && !NOT_PUBLIC_V6
            .iter()
            .any(|&(network, length)| within(network, length))
}

/// The IPv4 address that an IPv6 address stands for, when it carries one: IPv4-mapped
/// (`::ffff:0:0/96`), IPv4-compatible (`::/96`, which also covers `::` and `::1`), NAT64
/// (`64:ff9b::/96`) and 6to4 (`2002::/16`).
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let [.., a, b, c, d] = ip.octets();
    let low32 = || Ipv4Addr::new(a, b, c, d);
    match ip.segments() {
        [0, 0, 0, 0, 0, 0xffff, _, _] | [0, 0, 0, 0, 0, 0, _, _] => Some(low32()),
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some(low32()),
        [0x2002, high, low, ..] => Some(Ipv4Addr::from((u32::from(high) << 16) | u32::from(low))),
        _ => None,
    }
}

/// The `host:port` pairs that may be fetched although they are not public (the test shop).
#[derive(Debug, Clone, Default)]
pub(crate) struct AllowList(Vec<(String, u16)>);

impl AllowList {
    /// Reads `host:port` entries (checked by the config already); anything else is skipped.
    pub(crate) fn new(entries: &[String]) -> Self {
        Self(
            entries
                .iter()
                .filter_map(|entry| {
                    let (host, port) = entry.trim().rsplit_once(':')?;
                    Some((host.to_ascii_lowercase(), port.parse().ok()?))
                })
                .collect(),
        )
    }

    fn allows(&self, host: &str, port: u16) -> bool {
        self.0.iter().any(|(h, p)| h == host && *p == port)
    }

    /// Whether the host is on the list at all, on any port.
    fn names(&self, host: &str) -> bool {
        self.0.iter().any(|(h, _)| h == host)
    }
}

/// Why a link may not be fetched. Logged, never shown: the owner only learns that the link
/// cannot be looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Not http or https.
    Scheme,
    /// A user name or password in the link.
    Credentials,
    /// A port other than 80 and 443.
    Port,
    /// No host, or a host that is (or resolves to) an address that is not public.
    Address,
}

impl Refusal {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Scheme => "not http or https",
            Self::Credentials => "the link has credentials",
            Self::Port => "not port 80 or 443",
            Self::Address => "not a public address",
        }
    }
}

/// Checks everything about a link that needs no DNS: its scheme, credentials, port, and the
/// address when the host is an IP address. Host names are checked by [`VettingResolver`] when
/// the request connects.
pub(crate) fn check_url(url: &Url, allow: &AllowList) -> Result<(), Refusal> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Refusal::Scheme);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Refusal::Credentials);
    }
    let (Some(host), Some(name), Some(port)) =
        (url.host(), url.host_str(), url.port_or_known_default())
    else {
        return Err(Refusal::Address);
    };
    if allow.allows(name, port) {
        return Ok(());
    }
    // A name on the allow-list is reachable on its listed port only: the resolver lets such
    // names through without looking at their addresses, and it cannot see the port.
    if allow.names(name) || !matches!(port, 80 | 443) {
        return Err(Refusal::Port);
    }
    let public = match host {
        Host::Ipv4(ip) => is_public_v4(ip),
        Host::Ipv6(ip) => is_public_v6(ip),
        Host::Domain(_) => true,
    };
    if public {
        Ok(())
    } else {
        Err(Refusal::Address)
    }
}

/// The error the resolver gives for a name with a non-public address, found again in the
/// request's error to answer "forbidden" rather than "unreachable".
#[derive(Debug, thiserror::Error)]
#[error("the name resolves to an address that is not public")]
pub(crate) struct Refused;

/// Whether a request failed because [`VettingResolver`] refused the host.
pub(crate) fn is_refused(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(e) = cause {
        if e.is::<Refused>() {
            return true;
        }
        cause = e.source();
    }
    false
}

/// The fetcher's only DNS: resolves a name once and hands the connection those addresses,
/// provided every one of them is public (or the name is on the allow-list).
#[derive(Debug, Clone)]
pub(crate) struct VettingResolver {
    allow: Arc<AllowList>,
}

impl VettingResolver {
    pub(crate) fn new(allow: Arc<AllowList>) -> Self {
        Self { allow }
    }
}

impl Resolve for VettingResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_ascii_lowercase();
        let allowed = self.allow.names(&host);
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if !allowed && !addrs.iter().all(|addr| is_public(addr.ip())) {
                tracing::info!(
                    host,
                    reason = Refusal::Address.as_str(),
                    "refused to look up a page"
                );
                return Err(Box::new(Refused) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_pass() {
        let cases: &[(&str, bool, &str)] = &[
            // IPv4
            ("93.184.215.14", true, "a public address"),
            ("8.8.8.8", true, "a public resolver"),
            ("1.1.1.1", true, "a public resolver"),
            ("0.0.0.0", false, "unspecified"),
            ("0.1.2.3", false, "this network, 0/8"),
            ("10.0.0.1", false, "private 10/8"),
            ("10.255.255.255", false, "private 10/8, last"),
            ("100.64.0.1", false, "CGNAT 100.64/10"),
            ("100.127.255.254", false, "CGNAT 100.64/10, last"),
            ("100.128.0.1", true, "just past CGNAT"),
            ("127.0.0.1", false, "loopback"),
            ("127.255.0.9", false, "loopback 127/8"),
            ("169.254.169.254", false, "the cloud metadata service"),
            ("169.254.0.1", false, "link-local"),
            ("172.16.0.1", false, "private 172.16/12"),
            ("172.31.255.255", false, "private 172.16/12, last"),
            ("172.32.0.1", true, "just past 172.16/12"),
            ("172.15.255.255", true, "just before 172.16/12"),
            ("192.0.0.8", false, "IETF protocol assignments"),
            ("192.0.2.1", false, "TEST-NET-1"),
            ("192.88.99.1", false, "6to4 relay anycast"),
            ("192.168.1.1", false, "private 192.168/16"),
            ("198.18.0.1", false, "benchmarking 198.18/15"),
            ("198.19.255.255", false, "benchmarking 198.18/15, last"),
            ("198.20.0.1", true, "just past benchmarking"),
            ("198.51.100.7", false, "TEST-NET-2"),
            ("203.0.113.9", false, "TEST-NET-3"),
            ("224.0.0.1", false, "multicast"),
            ("239.255.255.250", false, "multicast (SSDP)"),
            ("240.0.0.1", false, "reserved 240/4"),
            ("255.255.255.255", false, "broadcast"),
            // IPv6
            ("2606:4700:4700::1111", true, "a public address"),
            ("2a00:1450:4009:81f::200e", true, "a public address"),
            ("::", false, "unspecified"),
            ("::1", false, "loopback"),
            ("::ffff:127.0.0.1", false, "IPv4-mapped loopback"),
            ("::ffff:169.254.169.254", false, "IPv4-mapped metadata"),
            ("::ffff:10.1.2.3", false, "IPv4-mapped private"),
            ("::ffff:8.8.8.8", true, "IPv4-mapped public"),
            ("::127.0.0.1", false, "IPv4-compatible loopback"),
            ("::8.8.8.8", true, "IPv4-compatible public"),
            ("64:ff9b::127.0.0.1", false, "NAT64 of loopback"),
            ("64:ff9b::a9fe:a9fe", false, "NAT64 of the metadata address"),
            ("64:ff9b::8.8.8.8", true, "NAT64 of a public address"),
            ("64:ff9b:1::1", false, "local-use NAT64"),
            ("2002:7f00:1::1", false, "6to4 of loopback"),
            ("2002:c0a8:101::1", false, "6to4 of 192.168.1.1"),
            ("2002:808:808::1", true, "6to4 of a public address"),
            ("2001:0:4136:e378:8000:63bf:3fff:fdd2", false, "Teredo"),
            ("2001:2::1", false, "benchmarking"),
            ("2001:db8::1", false, "documentation"),
            ("3fff::1", false, "documentation 3fff::/20"),
            ("fc00::1", false, "unique local fc00::/7"),
            ("fd12:3456:789a::1", false, "unique local fd00::/8"),
            ("fe80::1", false, "link-local"),
            ("febf::1", false, "link-local, last /10"),
            ("fec0::1", false, "old site-local"),
            ("ff02::1", false, "multicast"),
            ("100::1", false, "discard-only 100::/64"),
            ("5f00::1", false, "outside global unicast"),
        ];
        for (ip, public, what) in cases {
            let parsed: IpAddr = ip.parse().unwrap();
            assert_eq!(is_public(parsed), *public, "{ip} ({what})");
        }
    }

    fn check(url: &str, allow: &[&str]) -> Result<(), Refusal> {
        let allow: Vec<String> = allow.iter().map(|s| (*s).to_owned()).collect();
        check_url(&Url::parse(url).unwrap(), &AllowList::new(&allow))
    }

    #[test]
    fn links_must_be_http_on_the_usual_ports_to_public_hosts() {
        assert_eq!(check("https://shop.example.com/cot", &[]), Ok(()));
        assert_eq!(check("http://shop.example.com:80/cot", &[]), Ok(()));
        assert_eq!(check("https://shop.example.com:443/cot", &[]), Ok(()));
        assert_eq!(check("http://93.184.215.14/", &[]), Ok(()));
        assert_eq!(check("ftp://shop.example.com/", &[]), Err(Refusal::Scheme));
        assert_eq!(check("file:///etc/passwd", &[]), Err(Refusal::Scheme));
        assert_eq!(
            check("https://a:b@shop.example.com/", &[]),
            Err(Refusal::Credentials)
        );
        assert_eq!(
            check("https://shop.example.com:8080/", &[]),
            Err(Refusal::Port)
        );
        assert_eq!(
            check("http://shop.example.com:22/", &[]),
            Err(Refusal::Port)
        );
        assert_eq!(check("http://127.0.0.1/", &[]), Err(Refusal::Address));
        assert_eq!(check("http://169.254.169.254/", &[]), Err(Refusal::Address));
        assert_eq!(check("http://[::1]/", &[]), Err(Refusal::Address));
        assert_eq!(check("http://[::ffff:7f00:1]/", &[]), Err(Refusal::Address));
        // Other spellings of loopback are normalised by the URL parser first.
        assert_eq!(check("http://2130706433/", &[]), Err(Refusal::Address));
        assert_eq!(check("http://0x7f.1/", &[]), Err(Refusal::Address));
    }

    #[test]
    fn the_allow_list_opens_exactly_its_host_and_port() {
        let allow = ["127.0.0.1:4567", "LocalHost:8080"];
        assert_eq!(check("http://127.0.0.1:4567/cot.html", &allow), Ok(()));
        assert_eq!(check("http://localhost:8080/", &allow), Ok(()));
        assert_eq!(check("http://127.0.0.1:4568/", &allow), Err(Refusal::Port));
        assert_eq!(check("http://127.0.0.1/", &allow), Err(Refusal::Port));
        assert_eq!(check("http://localhost/", &allow), Err(Refusal::Port));
        assert_eq!(check("http://127.0.0.2:4567/", &allow), Err(Refusal::Port));
        assert_eq!(check("http://10.0.0.1/", &allow), Err(Refusal::Address));
        // The scheme and credentials rules still apply.
        assert_eq!(check("ftp://127.0.0.1:4567/", &allow), Err(Refusal::Scheme));
    }

    #[tokio::test]
    async fn the_resolver_refuses_names_with_private_addresses() {
        let resolver = VettingResolver::new(Arc::new(AllowList::default()));
        let error = resolver
            .resolve("localhost".parse().unwrap())
            .await
            .err()
            .expect("localhost is loopback");
        assert!(is_refused(error.as_ref()));

        let allowed = VettingResolver::new(Arc::new(AllowList::new(&["localhost:1".into()])));
        let addrs: Vec<SocketAddr> = allowed
            .resolve("localhost".parse().unwrap())
            .await
            .unwrap()
            .collect();
        assert!(addrs.iter().all(|a| a.ip().is_loopback()), "{addrs:?}");
    }
}
