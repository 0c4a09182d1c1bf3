//! How a [`Client`] is configured: the core's shared [`ClientBuilder`](codex_api_core::client_config::ClientBuilder)
//! with this adapter plugged in.

use std::path::Path;
use std::sync::Arc;

pub use codex_api_core::client_config::{AttemptObserver, ConfigError};
use codex_api_core::client_config::{ClientAdapter, ClientConfig, ProxyRules};
use codex_api_core::credentials::Credentials;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use crate::auth::{AuthProvider, StaticAuth};
use crate::client::Client;
use crate::pool::Pool;

/// Builds a [`Client`]: provider and credentials, timeouts, retry policy, TLS roots, proxies.
/// Every setting is honoured by this adapter. Defaults: 30 s connect timeout, no response
/// timeout, the provider's retry and idle-timeout settings, the Mozilla roots, proxies from
/// the environment (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`, also lowercase; the
/// rules of [`ProxyRules::resolve`]).
///
/// Only `http://` proxies: a proxy URL with another scheme (or one that does not parse), set
/// explicitly or in a variable, makes `build()` fail with [`ConfigError::Proxy`].
pub type ClientBuilder = codex_api_core::client_config::ClientBuilder<AsyncStdAdapter>;

/// The async-io adapter as a [`ClientAdapter`]: what makes [`ClientBuilder`] build a [`Client`].
#[derive(Debug, Clone, Copy, Default)]
pub struct AsyncStdAdapter;

impl ClientAdapter for AsyncStdAdapter {
    const NAME: &'static str = "async-std";
    type Auth = Arc<dyn AuthProvider>;
    type Client = Client;

    fn static_auth(credentials: Credentials) -> Self::Auth {
        Arc::new(StaticAuth::new(credentials))
    }

    fn env_var(name: &str) -> Option<String> {
        std::env::var(name).ok()
    }

    /// Resolves the proxy setting, reads the CA bundle and sets up the pool; needs no running
    /// runtime.
    fn build(config: ClientConfig, auth: Self::Auth) -> Result<Client, ConfigError> {
        // `Environment` reads the proxy variables here, through this adapter's lookup.
        let proxies = ProxyRules::resolve(&config.proxy, Self::env_var)?;
        let tls = tls_config(config.ca_bundle.as_deref())?;
        let pool = Pool::new(tls, config.connect_timeout, proxies);
        Ok(Client::new(config, auth, pool))
    }
}

/// The rustls configuration: the Mozilla roots (webpki-roots) plus the certificates of an
/// optional PEM bundle; ALPN offers `http/1.1` only.
fn tls_config(ca_bundle: Option<&Path>) -> Result<rustls::ClientConfig, ConfigError> {
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    if let Some(path) = ca_bundle {
        let bundle_error = |reason: String| ConfigError::CaBundle {
            path: path.display().to_string(),
            reason,
        };
        let mut added = 0_usize;
        for certificate in
            CertificateDer::pem_file_iter(path).map_err(|e| bundle_error(e.to_string()))?
        {
            let certificate = certificate.map_err(|e| bundle_error(e.to_string()))?;
            roots
                .add(certificate)
                .map_err(|e| bundle_error(e.to_string()))?;
            added += 1;
        }
        if added == 0 {
            return Err(bundle_error("no certificate in the file".into()));
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ConfigError::Tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}
