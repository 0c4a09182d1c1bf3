//! Which proxy a client goes through.

use std::fmt;

/// Which proxy a client goes through. `Debug` hides the user info of a proxy URL (it may
/// carry a password). Exhaustive on purpose: a new kind of proxy must be decided by every
/// adapter (honoured, or refused with [`ConfigError::Unsupported`](super::ConfigError)).
#[derive(Clone, PartialEq, Eq, Default)]
pub enum ProxySetting {
    /// The proxy environment variables (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`,
    /// also lowercase), read by the adapter when the client is built. The default.
    #[default]
    Environment,
    /// No proxy: connect directly, ignoring the environment.
    Direct,
    /// This proxy for every request, except to the hosts of `no_proxy`.
    Explicit {
        /// The proxy URL, `http://host:port` with optional `user:password@` before the host.
        url: String,
        /// Hosts reached directly, comma-separated (`NO_PROXY` syntax); may be empty.
        no_proxy: String,
    },
}

impl ProxySetting {
    /// An explicit proxy: `url` for every request except to the hosts of `no_proxy`.
    pub fn explicit(url: impl Into<String>, no_proxy: impl Into<String>) -> Self {
        ProxySetting::Explicit {
            url: url.into(),
            no_proxy: no_proxy.into(),
        }
    }

    /// The no-proxy hosts of an explicit proxy, one entry per comma-separated item, trimmed,
    /// empty items skipped (an empty iterator for the other settings).
    pub fn no_proxy_hosts(&self) -> impl Iterator<Item = &str> {
        let list = match self {
            ProxySetting::Explicit { no_proxy, .. } => no_proxy.as_str(),
            _ => "",
        };
        list.split(',')
            .map(str::trim)
            .filter(|host| !host.is_empty())
    }
}

/// `url` with its user info (between `://` and the last `@` of the authority) replaced.
fn redacted(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, url),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let host = match rest[..authority_end].rfind('@') {
        Some(at) => format!("<redacted>@{}", &rest[at + 1..]),
        None => rest.to_owned(),
    };
    match scheme {
        Some(scheme) => format!("{scheme}://{host}"),
        None => host,
    }
}

impl fmt::Debug for ProxySetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProxySetting::Environment => f.write_str("Environment"),
            ProxySetting::Direct => f.write_str("Direct"),
            ProxySetting::Explicit { url, no_proxy } => f
                .debug_struct("Explicit")
                .field("url", &redacted(url))
                .field("no_proxy", no_proxy)
                .finish(),
        }
    }
}
