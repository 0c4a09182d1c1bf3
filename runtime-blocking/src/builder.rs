//! How a [`Client`] is configured: the core's shared [`ClientBuilder`](codex_api_core::client_config::ClientBuilder)
//! with this adapter plugged in.

use std::path::Path;
use std::sync::Arc;

pub use codex_api_core::client_config::{AttemptObserver, ConfigError};
use codex_api_core::client_config::{ClientAdapter, ClientConfig, ProxySetting};
use codex_api_core::credentials::Credentials;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use ureq::tls::{Certificate, RootCerts, TlsConfig};

use crate::auth::{AuthProvider, StaticAuth};
use crate::client::{Client, Inner};

/// Builds a [`Client`]: provider and credentials, timeouts, retry policy, TLS roots, proxies.
/// Every setting is honoured by this adapter. Defaults: 30 s connect timeout, no response
/// timeout, the provider's retry and idle-timeout settings, the Mozilla roots, a proxy from
/// the environment (`ALL_PROXY`, `HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`, also lowercase).
pub type ClientBuilder = codex_api_core::client_config::ClientBuilder<BlockingAdapter>;

/// The ureq adapter as a [`ClientAdapter`]: what makes [`ClientBuilder`] build a [`Client`].
#[derive(Debug, Clone, Copy, Default)]
pub struct BlockingAdapter;

impl ClientAdapter for BlockingAdapter {
    const NAME: &'static str = "blocking";
    type Auth = Arc<dyn AuthProvider>;
    type Client = Client;

    fn static_auth(credentials: Credentials) -> Self::Auth {
        Arc::new(StaticAuth::new(credentials))
    }

    fn env_var(name: &str) -> Option<String> {
        std::env::var(name).ok()
    }

    /// Builds one ureq agent (rustls, pooled connections) that never turns a status into an
    /// error and never follows a redirect, so every response reaches the core and credentials
    /// never go to another origin. Reads the CA bundle.
    fn build(config: ClientConfig, auth: Self::Auth) -> Result<Client, ConfigError> {
        let proxy = proxy(&config.proxy)?;
        let tls = TlsConfig::builder()
            .root_certs(root_certs(config.ca_bundle.as_deref())?)
            .build();
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .save_redirect_history(false)
            .timeout_connect(config.connect_timeout)
            .proxy(proxy)
            .tls_config(tls)
            .build()
            .new_agent();
        Ok(Client::from_inner(Inner::new(config, auth, agent)))
    }
}

/// The ureq proxy of a setting: an `http://` or `https://` CONNECT proxy; any other URL is
/// [`ConfigError::Proxy`].
/// `NO_PROXY` entries follow curl: `example.com` also covers its subdomains, `*` every host.
fn proxy(setting: &ProxySetting) -> Result<Option<ureq::Proxy>, ConfigError> {
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

/// The trusted roots: the Mozilla roots, plus the certificates of an optional PEM bundle
/// (each checked to be a usable trust anchor, so a bad file fails here, not at connect).
fn root_certs(ca_bundle: Option<&Path>) -> Result<RootCerts, ConfigError> {
    let Some(path) = ca_bundle else {
        return Ok(RootCerts::WebPki);
    };
    let bundle_error = |reason: String| ConfigError::CaBundle {
        path: path.display().to_string(),
        reason,
    };
    let mut roots: Vec<Certificate<'static>> = webpki_root_certs::TLS_SERVER_ROOT_CERTS
        .iter()
        .map(|certificate| Certificate::from_der(certificate.as_ref()))
        .collect();
    let mut anchors = rustls::RootCertStore::empty();
    let mut added = 0_usize;
    for certificate in
        CertificateDer::pem_file_iter(path).map_err(|e| bundle_error(e.to_string()))?
    {
        let certificate = certificate.map_err(|e| bundle_error(e.to_string()))?;
        roots.push(Certificate::from_der(certificate.as_ref()).to_owned());
        anchors
            .add(certificate)
            .map_err(|e| bundle_error(e.to_string()))?;
        added += 1;
    }
    if added == 0 {
        return Err(bundle_error("no certificate in the file".into()));
    }
    Ok(RootCerts::from(roots))
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
