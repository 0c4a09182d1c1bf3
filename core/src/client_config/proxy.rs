//! Which proxy a client goes through: the setting, and the pure selection logic every adapter
//! that opens its own connections shares.
//!
//! [`ProxySetting`] is what the user asked for. [`ProxyRules`] is that setting resolved once,
//! when a client is built (the proxy URLs parsed, `NO_PROXY` compiled, the environment read
//! through a lookup the adapter passes: core does no IO). [`ProxyRules::select`] then picks,
//! per request target, either no proxy (connect directly) or the [`Proxy`] to go through.
//!
//! ```
//! use codex_api_core::client_config::{ProxyRules, ProxySetting};
//!
//! let env = [("HTTPS_PROXY", "http://user:pass@proxy.test:3128"), ("NO_PROXY", "internal.test")];
//! let lookup = |name: &str| env.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string());
//! let rules = ProxyRules::resolve(&ProxySetting::Environment, lookup)?;
//!
//! let proxy = rules.select("https", "api.openai.com").expect("through the proxy");
//! assert_eq!((proxy.host(), proxy.port()), ("proxy.test", 3128));
//! assert_eq!(proxy.authorization().unwrap().expose(), "Basic dXNlcjpwYXNz");
//! assert!(!format!("{proxy:?}").contains("dXNlcjpwYXNz"));
//! assert!(rules.select("https", "api.internal.test").is_none()); // NO_PROXY
//! assert!(rules.select("http", "api.openai.com").is_none()); // no HTTP_PROXY nor ALL_PROXY
//! # Ok::<(), codex_api_core::client_config::ConfigError>(())
//! ```

mod endpoint;
mod http1;
mod no_proxy;

#[cfg(test)]
mod tests;

use std::fmt;

pub use endpoint::Proxy;
pub use http1::{
    MAX_CONNECT_REPLY, ProxyError, RequestTargetError, TunnelReply, authority, connect_request,
    http1_request, origin, read_connect_reply,
};
pub use no_proxy::NoProxy;

use super::ConfigError;

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

/// The proxy variables, each as `[UPPERCASE, lowercase]`: the first one set wins (as in
/// hyper-util's `Matcher::from_env`).
const ALL_PROXY: [&str; 2] = ["ALL_PROXY", "all_proxy"];
const HTTP_PROXY: [&str; 2] = ["HTTP_PROXY", "http_proxy"];
const HTTPS_PROXY: [&str; 2] = ["HTTPS_PROXY", "https_proxy"];
const NO_PROXY: [&str; 2] = ["NO_PROXY", "no_proxy"];
/// Set in a CGI script's environment, where `HTTP_PROXY` may come from a request header
/// ("httpoxy"): the proxy variables are then ignored, as hyper-util does.
const CGI_MARKER: &str = "REQUEST_METHOD";

/// A [`ProxySetting`] resolved for one client: the proxy of `http://` targets, the proxy of
/// `https://` targets, and the hosts reached directly. Pure data, built once when the client
/// is built; [`ProxyRules::select`] answers per request. `Debug` shows no credentials.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProxyRules {
    http: Option<Proxy>,
    https: Option<Proxy>,
    no_proxy: NoProxy,
}

impl ProxyRules {
    /// No proxy for any target.
    pub fn direct() -> Self {
        ProxyRules::default()
    }

    /// Resolves `setting`, reading the environment (for [`ProxySetting::Environment`]) through
    /// `lookup` (adapters pass their `env_var`):
    ///
    /// - `Direct`: no proxy.
    /// - `Explicit { url, no_proxy }`: `url` for `http` and `https` targets, except the hosts
    ///   of `no_proxy`.
    /// - `Environment`: for `https` targets `HTTPS_PROXY`, else `ALL_PROXY`; for `http`
    ///   targets `HTTP_PROXY`, else `ALL_PROXY`; except the hosts of `NO_PROXY`. Each variable
    ///   is looked up uppercase first, then lowercase; the first one set is used, and an empty
    ///   value means none. When `REQUEST_METHOD` is set (a CGI script, where `HTTP_PROXY` may
    ///   come from a request header) no variable is read and every target is direct. These
    ///   are the rules of hyper-util's `Matcher::from_env`, which the tokio adapter uses.
    ///
    /// A proxy URL is `[http://][user[:password]@]host[:port][/...]` (port 80 by default,
    /// percent-encoded user and password, any path ignored). A URL that does not parse, or a
    /// scheme other than `http` (a TLS connection to the proxy, SOCKS), is
    /// [`ConfigError::Proxy`] — for a variable as for an explicit URL: a configured proxy is
    /// never silently bypassed. `NO_PROXY` syntax is described at [`NoProxy`].
    pub fn resolve(
        setting: &ProxySetting,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        match setting {
            ProxySetting::Direct => Ok(ProxyRules::direct()),
            ProxySetting::Explicit { url, no_proxy } => {
                let proxy = Proxy::parse(url)?;
                Ok(ProxyRules {
                    http: Some(proxy.clone()),
                    https: Some(proxy),
                    no_proxy: NoProxy::parse(no_proxy),
                })
            }
            ProxySetting::Environment => {
                if lookup(CGI_MARKER).is_some() {
                    return Ok(ProxyRules::direct());
                }
                let first_set = |names: [&str; 2]| names.iter().find_map(|name| lookup(name));
                let proxy = |names| match first_set(names) {
                    Some(url) if !url.trim().is_empty() => Proxy::parse(&url).map(Some),
                    _ => Ok(None),
                };
                let all = proxy(ALL_PROXY)?;
                let http = proxy(HTTP_PROXY)?.or_else(|| all.clone());
                let https = proxy(HTTPS_PROXY)?.or(all);
                let no_proxy = first_set(NO_PROXY).unwrap_or_default();
                Ok(ProxyRules {
                    http,
                    https,
                    no_proxy: NoProxy::parse(&no_proxy),
                })
            }
        }
    }

    /// The proxy for a request to `scheme://host` (`host` a name or an IP address, an IPv6
    /// address with or without brackets), or `None` to connect directly: the target's host is
    /// in the no-proxy list, no proxy is set for its scheme, or the scheme is neither `http`
    /// nor `https`. The port does not matter (`NO_PROXY` entries name hosts, as in curl).
    pub fn select(&self, scheme: &str, host: &str) -> Option<&Proxy> {
        let proxy = if scheme.eq_ignore_ascii_case("https") {
            self.https.as_ref()
        } else if scheme.eq_ignore_ascii_case("http") {
            self.http.as_ref()
        } else {
            None
        }?;
        (!self.no_proxy.matches(host)).then_some(proxy)
    }

    /// Whether no target goes through a proxy.
    pub fn is_direct(&self) -> bool {
        self.http.is_none() && self.https.is_none()
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
