//! How a [`Client`] is configured: the core's shared [`ClientBuilder`](codex_api_core::client_config::ClientBuilder)
//! with this adapter plugged in.

use std::sync::Arc;
use std::time::Duration;

pub use codex_api_core::client_config::{AttemptObserver, ConfigError};
use codex_api_core::client_config::{ClientAdapter, ClientConfig, ProxySetting};
use codex_api_core::credentials::Credentials;
use hyper::Uri;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::{TokioExecutor, TokioTimer};

use crate::auth::{AuthProvider, StaticAuth};
use crate::client::{Client, Inner};
use crate::connector::{Connector, tls_config};

/// Builds a [`Client`]: provider and credentials, timeouts, retry policy, TLS roots, proxies.
/// Every setting is honoured by this adapter. Defaults: 30 s connect timeout, no response
/// timeout, the provider's retry and idle-timeout settings, the Mozilla roots, proxies from
/// the environment (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`, also lowercase).
pub type ClientBuilder = codex_api_core::client_config::ClientBuilder<TokioAdapter>;

/// The tokio adapter as a [`ClientAdapter`]: what makes [`ClientBuilder`] build a [`Client`].
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioAdapter;

impl ClientAdapter for TokioAdapter {
    const NAME: &'static str = "tokio";
    type Auth = Arc<dyn AuthProvider>;
    type Client = Client;

    fn static_auth(credentials: Credentials) -> Self::Auth {
        Arc::new(StaticAuth::new(credentials))
    }

    fn env_var(name: &str) -> Option<String> {
        std::env::var(name).ok()
    }

    /// Reads the CA bundle and sets up hyper; needs no running runtime.
    fn build(config: ClientConfig, auth: Self::Auth) -> Result<Client, ConfigError> {
        let tls = tls_config(config.ca_bundle.as_deref())?;
        let mut tcp = HttpConnector::new();
        tcp.enforce_http(false);
        tcp.set_nodelay(true);
        tcp.set_connect_timeout(config.connect_timeout);
        let proxies = Arc::new(proxy_matcher(&config.proxy)?);
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_all_versions()
            .wrap_connector(Connector::new(tcp, proxies.clone()));
        let http = HyperClient::builder(TokioExecutor::new())
            .timer(TokioTimer::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(Duration::from_secs(90))
            .build(https);
        Ok(Client::from_inner(Inner::new(config, auth, http, proxies)))
    }
}

/// The proxy [`Matcher`] of a setting. An explicit proxy must be a plain `http://` URL (or
/// `host:port`) with a host: anything else is [`ConfigError::Proxy`], never a silent direct
/// connection.
fn proxy_matcher(setting: &ProxySetting) -> Result<Matcher, ConfigError> {
    match setting {
        ProxySetting::Direct => Ok(Matcher::builder().build()),
        ProxySetting::Explicit { url, no_proxy } => {
            let uri: Uri = url.parse().map_err(|_| ConfigError::Proxy)?;
            let plain_http = matches!(uri.scheme_str(), None | Some("http"));
            if !plain_http || uri.host().is_none_or(str::is_empty) {
                return Err(ConfigError::Proxy);
            }
            Ok(Matcher::builder()
                .all(url.clone())
                .no(no_proxy.clone())
                .build())
        }
        ProxySetting::Environment => Ok(Matcher::from_env()),
    }
}
