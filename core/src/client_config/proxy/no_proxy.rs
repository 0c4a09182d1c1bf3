//! The hosts reached without the proxy (`NO_PROXY`).

use std::net::IpAddr;

/// A compiled `NO_PROXY` list: the hosts reached directly even when a proxy is set.
///
/// Entries are comma-separated, surrounding whitespace and empty entries ignored. As in curl
/// and hyper-util:
///
/// - `*` matches every host (IP addresses too).
/// - An IP address (`10.0.0.1`, `::1`, `[::1]`) matches that address; a CIDR block
///   (`192.168.0.0/16`, `fd00::/8`) every address in it. They never match a host name.
/// - Any other entry is a domain, matched case-insensitively: `example.com`, `.example.com`
///   and `*.example.com` all match `example.com` and every subdomain (`api.example.com`), but
///   not `notexample.com`. A domain entry never matches an IP address.
///
/// ```
/// use codex_api_core::client_config::NoProxy;
///
/// let list = NoProxy::parse("localhost, .internal.test, 10.0.0.0/8");
/// assert!(list.matches("localhost"));
/// assert!(list.matches("api.internal.test"));
/// assert!(list.matches("10.1.2.3"));
/// assert!(!list.matches("api.openai.com"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NoProxy {
    entries: Vec<Entry>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Entry {
    /// `*`.
    Any,
    /// An address, or a block of them (`prefix` leading bits).
    Ip { address: IpAddr, prefix: u8 },
    /// A domain, lowercase, without leading or trailing dots.
    Domain(String),
}

impl NoProxy {
    /// Compiles a comma-separated `NO_PROXY` list (see the type's rules). Never fails: an
    /// entry that is no address is a domain, and a malformed one simply matches nothing.
    pub fn parse(list: &str) -> Self {
        let entries = list
            .split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .filter_map(Entry::parse)
            .collect();
        NoProxy { entries }
    }

    /// Whether `host` (a name, or an IP address, IPv6 with or without brackets) is reached
    /// directly.
    pub fn matches(&self, host: &str) -> bool {
        let host = unbracketed(host);
        if let Ok(address) = host.parse::<IpAddr>() {
            return self.entries.iter().any(|entry| match entry {
                Entry::Any => true,
                Entry::Ip {
                    address: block,
                    prefix,
                } => in_block(address, *block, *prefix),
                Entry::Domain(_) => false,
            });
        }
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.entries.iter().any(|entry| match entry {
            Entry::Any => true,
            Entry::Ip { .. } => false,
            Entry::Domain(domain) => {
                host == *domain
                    || host
                        .strip_suffix(domain.as_str())
                        .is_some_and(|rest| rest.ends_with('.'))
            }
        })
    }

    /// Whether the list has no entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl Entry {
    fn parse(entry: &str) -> Option<Entry> {
        if entry == "*" {
            return Some(Entry::Any);
        }
        let (address, prefix) = match entry.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (entry, None),
        };
        if let Ok(address) = unbracketed(address).parse::<IpAddr>() {
            let bits = if address.is_ipv4() { 32 } else { 128 };
            let prefix = match prefix {
                None => bits,
                Some(prefix) => prefix.parse::<u8>().ok().filter(|p| *p <= bits)?,
            };
            return Some(Entry::Ip { address, prefix });
        }
        let domain = entry
            .strip_prefix("*.")
            .unwrap_or(entry)
            .trim_start_matches('.')
            .trim_end_matches('.')
            .to_ascii_lowercase();
        (!domain.is_empty()).then_some(Entry::Domain(domain))
    }
}

fn unbracketed(host: &str) -> &str {
    host.strip_prefix('[')
        .and_then(|host| host.strip_suffix(']'))
        .unwrap_or(host)
}

/// Whether `address` is in the block of `prefix` leading bits of `block` (same family only).
fn in_block(address: IpAddr, block: IpAddr, prefix: u8) -> bool {
    match (address, block) {
        (IpAddr::V4(address), IpAddr::V4(block)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            u32::from(address) & mask == u32::from(block) & mask
        }
        (IpAddr::V6(address), IpAddr::V6(block)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            u128::from(address) & mask == u128::from(block) & mask
        }
        _ => false,
    }
}
