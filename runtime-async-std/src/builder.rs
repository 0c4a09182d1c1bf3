//! How a [`Client`] is configured.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use codex_api_core::call::AttemptRecord;
use codex_api_core::credentials::Credentials;
use codex_api_core::provider::Provider;
use codex_api_core::retry::RetryPolicy;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use crate::auth::{AuthProvider, StaticAuth};
use crate::client::Client;
use crate::pool::Pool;

/// A callback that sees every attempt's record (status, request id, decision, auth tags).
pub type AttemptObserver = Arc<dyn Fn(&AttemptRecord) + Send + Sync>;

/// Builds a [`Client`]: provider and credentials, timeouts, TLS roots, retry policy.
pub struct ClientBuilder {
    pub(crate) provider: Provider,
    pub(crate) auth: Arc<dyn AuthProvider>,
    connect_timeout: Option<Duration>,
    pub(crate) response_timeout: Option<Duration>,
    pub(crate) stream_idle_timeout: Option<Option<Duration>>,
    pub(crate) policy: Option<RetryPolicy>,
    ca_bundle: Option<PathBuf>,
    pub(crate) jitter_seed: Option<u64>,
    pub(crate) on_attempt: Option<AttemptObserver>,
}

impl ClientBuilder {
    /// A builder for `provider` with credentials from `auth`. Defaults: 30 s connect timeout,
    /// no response timeout, the provider's retry and idle-timeout settings.
    pub fn new(provider: Provider, auth: impl AuthProvider + 'static) -> Self {
        ClientBuilder {
            provider,
            auth: Arc::new(auth),
            connect_timeout: Some(Duration::from_secs(30)),
            response_timeout: None,
            stream_idle_timeout: None,
            policy: None,
            ca_bundle: None,
            jitter_seed: None,
            on_attempt: None,
        }
    }

    /// A builder from `OPENAI_API_KEY` (required), `OPENAI_BASE_URL` (default
    /// `https://api.openai.com/v1`), `OPENAI_ORG_ID` and `OPENAI_PROJECT_ID`.
    pub fn from_env() -> Result<Self, ConfigError> {
        let var = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
        let key = var("OPENAI_API_KEY").ok_or(ConfigError::MissingApiKey)?;
        let mut provider = match var("OPENAI_BASE_URL") {
            Some(url) => Provider::custom("openai", url)
                .map_err(|error| ConfigError::BaseUrl(error.to_string()))?,
            None => Provider::openai(),
        };
        if let Some(organization) = var("OPENAI_ORG_ID") {
            provider = provider.with_organization(organization);
        }
        if let Some(project) = var("OPENAI_PROJECT_ID") {
            provider = provider.with_project(project);
        }
        let auth = StaticAuth::new(Credentials::api_key(key));
        Ok(Self::new(provider, auth))
    }

    /// How long opening a connection (TCP and TLS) may take (`None`: no limit). Expiry is a
    /// retryable `timeout` transport failure for the core.
    pub fn connect_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long after sending a request its response head (and a unary body) may take; expiry
    /// is a retryable timeout for the core (`None`, the default: no limit).
    pub fn response_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.response_timeout = timeout;
        self
    }

    /// Overrides the provider's stream idle timeout (`None` disables it).
    pub fn stream_idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.stream_idle_timeout = Some(timeout);
        self
    }

    /// Overrides the retry policy derived from the provider.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = Some(policy);
        self
    }

    /// Trusts the certificates of this PEM file in addition to the Mozilla roots.
    pub fn ca_bundle(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_bundle = Some(path.into());
        self
    }

    /// Seeds the backoff jitter (a fixed seed makes retry delays reproducible).
    pub fn jitter_seed(mut self, seed: u64) -> Self {
        self.jitter_seed = Some(seed);
        self
    }

    /// Calls `observer` with the record of every attempt of every call.
    pub fn on_attempt(mut self, observer: impl Fn(&AttemptRecord) + Send + Sync + 'static) -> Self {
        self.on_attempt = Some(Arc::new(observer));
        self
    }

    /// Builds the client (reads the CA bundle; needs no runtime).
    pub fn build(self) -> Result<Client, ConfigError> {
        let tls = tls_config(self.ca_bundle.as_deref())?;
        let pool = Pool::new(tls, self.connect_timeout);
        Ok(Client::new(self, pool))
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

/// Why a client could not be configured.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// `OPENAI_API_KEY` is not set (or empty).
    #[error("OPENAI_API_KEY is not set")]
    MissingApiKey,
    /// The base URL is not an absolute http(s) URL.
    #[error("invalid base URL: {0}")]
    BaseUrl(String),
    /// The CA bundle could not be read or holds no usable certificate.
    #[error("CA bundle {path}: {reason}")]
    CaBundle {
        /// The file.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// The TLS configuration was rejected.
    #[error("TLS configuration: {0}")]
    Tls(String),
}
