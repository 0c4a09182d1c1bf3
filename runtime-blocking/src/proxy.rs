//! The proxy of a setting, as ureq takes it.

use codex_api_core::client_config::ConfigError;
use codex_api_core::client_config::ProxySetting;

/// The ureq proxy of a setting: an `http://` or `https://` CONNECT proxy; any other URL is
/// [`ConfigError::Proxy`].
/// `NO_PROXY` entries follow curl: `example.com` also covers its subdomains, `*` every host.
pub(crate) fn proxy(setting: &ProxySetting) -> Result<Option<ureq::Proxy>, ConfigError> {
    match setting {
        ProxySetting::Direct => Ok(None),
        ProxySetting::Explicit { url, .. } => {
            let proxy = ureq::Proxy::new(url).map_err(|_| ConfigError::Proxy)?;
            // SOCKS needs a ureq feature this adapter does not enable: refuse it here rather
            // than fail every connection.
            let connect_proxy = matches!(
                proxy.protocol(),
                ureq::ProxyProtocol::Http | ureq::ProxyProtocol::Https
            );
            if !connect_proxy {
                return Err(ConfigError::Proxy);
            }
            let mut hosts = setting.no_proxy_hosts().peekable();
            if hosts.peek().is_none() {
                return Ok(Some(proxy));
            }
            // Only the builder takes a no-proxy list: rebuild the parsed proxy with it.
            let mut builder = ureq::Proxy::builder(proxy.protocol())
                .host(proxy.host())
                .port(proxy.port())
                .resolve_target(proxy.resolve_target());
            if let Some(username) = proxy.username() {
                builder = builder.username(username);
            }
            if let Some(password) = proxy.password() {
                builder = builder.password(password);
            }
            for host in hosts {
                builder = builder.no_proxy(host);
                if !host.starts_with(['.', '*']) {
                    builder = builder.no_proxy(&format!(".{host}"));
                }
            }
            builder.build().map(Some).map_err(|_| ConfigError::Proxy)
        }
        ProxySetting::Environment => Ok(ureq::Proxy::try_from_env()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn explicit(url: &str, no_proxy: &str) -> ureq::Proxy {
        proxy(&ProxySetting::explicit(url, no_proxy))
            .unwrap()
            .expect("an explicit proxy")
    }

    fn bypasses(proxy: &ureq::Proxy, uri: &str) -> bool {
        proxy.is_no_proxy(&uri.parse().unwrap())
    }

    #[test]
    fn no_proxy_entries_follow_curls_rules() {
        let proxy = explicit(
            "http://user:p%40ss@127.0.0.1:3128",
            " example.test, .b.test,,",
        );
        assert!(bypasses(&proxy, "http://example.test/v1"));
        assert!(bypasses(&proxy, "https://api.example.test/v1"));
        assert!(bypasses(&proxy, "https://x.b.test/"));
        assert!(!bypasses(&proxy, "https://b.test/"));
        assert!(!bypasses(&proxy, "https://notexample.test/"));
        assert!(!bypasses(&proxy, "https://api.openai.com/v1"));
        assert_eq!(proxy.host(), "127.0.0.1");
        assert_eq!(proxy.port(), 3128);
        assert_eq!(proxy.username(), Some("user"));
        assert_eq!(proxy.password(), Some("p@ss"));
        let everything = explicit("http://127.0.0.1:3128", "*");
        assert!(bypasses(&everything, "https://api.openai.com/v1"));
    }

    #[test]
    fn an_empty_no_proxy_list_keeps_every_host_on_the_proxy() {
        let proxy = explicit("http://127.0.0.1:3128", " , ");
        assert!(!bypasses(&proxy, "http://127.0.0.1/"));
    }

    #[test]
    fn direct_means_no_proxy_and_a_bad_url_is_an_error() {
        assert!(proxy(&ProxySetting::Direct).unwrap().is_none());
        for url in [
            "http://[::1",
            "socks5://127.0.0.1:1080",
            "ftp://127.0.0.1:21",
        ] {
            let bad = proxy(&ProxySetting::explicit(url, "localhost"));
            assert!(matches!(bad, Err(ConfigError::Proxy)), "{url}: {bad:?}");
        }
    }
}
