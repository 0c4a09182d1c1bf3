//! Client configuration shared by every runtime adapter, as plain data.
//!
//! A [`ClientConfig`] holds every runtime-neutral setting of a client: the provider, the
//! connect, response and stream-idle timeouts, a retry-policy override, the jitter seed, an
//! attempt observer, an extra CA bundle and the proxy choice. [`ClientBuilder`] is the one
//! builder all adapters share: an adapter names its client type, its credential source and
//! how it turns a config into a client through the small [`ClientAdapter`] trait, so every
//! adapter offers the same setters with the same signatures. A setting an adapter cannot
//! honour makes [`ClientBuilder::build`] fail with [`ConfigError::Unsupported`].
//!
//! Nothing here does IO: [`ClientConfig::from_env_vars`] reads variables through a lookup the
//! caller passes, and the CA bundle is only a path until an adapter reads it.
//!
//! ```
//! use std::time::Duration;
//!
//! use codex_api_core::client_config::{ClientConfig, ProxySetting};
//! use codex_api_core::credentials::Credentials;
//!
//! let vars = [("OPENAI_API_KEY", "sk-test"), ("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")];
//! let lookup = |name: &str| {
//!     vars.iter().find(|(key, _)| *key == name).map(|(_, value)| value.to_string())
//! };
//! let (config, credentials) = ClientConfig::from_env_vars(lookup)?;
//! assert_eq!(config.provider.base_url(), "http://127.0.0.1:9/v1");
//! assert_eq!(config.connect_timeout, Some(Duration::from_secs(30)));
//! assert_eq!(config.proxy, ProxySetting::Environment);
//! assert_eq!(credentials, Credentials::api_key("sk-test"));
//! # Ok::<(), codex_api_core::client_config::ConfigError>(())
//! ```

mod builder;
mod error;
mod proxy;

#[cfg(test)]
mod tests;

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use builder::{ClientAdapter, ClientBuilder};
pub use error::ConfigError;

pub use proxy::{
    MAX_CONNECT_REPLY, NoProxy, Proxy, ProxyError, ProxyRules, ProxySetting, RequestTargetError,
    TunnelReply, authority, connect_request, http1_request, origin, read_connect_reply,
};

#[cfg(feature = "agent-identity")]
use crate::agent_identity::ProviderAuthScope;
use crate::call::AttemptRecord;
use crate::credentials::Credentials;
use crate::provider::Provider;
use crate::retry::RetryPolicy;

/// A callback that sees every attempt's record (status, request id, decision, auth tags).
pub type AttemptObserver = Arc<dyn Fn(&AttemptRecord) + Send + Sync>;

/// The connect timeout of a new config: 30 seconds.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// The variable holding the API key read by [`ClientConfig::from_env_vars`] (required).
pub const ENV_API_KEY: &str = "OPENAI_API_KEY";
/// The CA bundle Codex trusts in addition to the bundled roots (read before
/// [`ENV_SSL_CERT_FILE`]).
pub const ENV_CODEX_CA_CERTIFICATE: &str = "CODEX_CA_CERTIFICATE";
/// The conventional CA bundle variable, read when [`ENV_CODEX_CA_CERTIFICATE`] is unset.
pub const ENV_SSL_CERT_FILE: &str = "SSL_CERT_FILE";
/// The variable holding the base URL (default `https://api.openai.com/v1`).
pub const ENV_BASE_URL: &str = "OPENAI_BASE_URL";
/// The variable holding the organization id (`OpenAI-Organization`).
pub const ENV_ORG_ID: &str = "OPENAI_ORG_ID";
/// The variable holding the project id (`OpenAI-Project`).
pub const ENV_PROJECT_ID: &str = "OPENAI_PROJECT_ID";

/// Every runtime-neutral setting of a client. Fields are public plain data; [`ClientConfig::new`]
/// documents the defaults.
#[derive(Clone)]
#[non_exhaustive]
pub struct ClientConfig {
    /// Where requests go, with its headers and retry settings.
    pub provider: Provider,
    /// How long opening a connection may take (`None`: no limit). Default 30 s
    /// ([`DEFAULT_CONNECT_TIMEOUT`]).
    pub connect_timeout: Option<Duration>,
    /// How long after sending a request its response head (and a unary body) may take; expiry
    /// is a retryable timeout for the core. Default `None`: no limit.
    pub response_timeout: Option<Duration>,
    /// An override of the provider's stream idle timeout: `None` (the default) keeps the
    /// provider's, `Some(None)` disables it, `Some(Some(d))` sets it.
    pub stream_idle_timeout: Option<Option<Duration>>,
    /// An override of the retry policy derived from the provider (default `None`).
    pub retry_policy: Option<RetryPolicy>,
    /// The backoff jitter seed (default `None`: the adapter seeds from the clock).
    pub jitter_seed: Option<u64>,
    /// Called with the record of every attempt of every call (default `None`).
    pub on_attempt: Option<AttemptObserver>,
    /// A PEM file whose certificates are trusted in addition to the Mozilla roots (default
    /// `None`; [`ClientConfig::from_env_vars`] reads `CODEX_CA_CERTIFICATE`, then
    /// `SSL_CERT_FILE`).
    pub ca_bundle: Option<PathBuf>,
    /// PEM bundles, as bytes, whose certificates are trusted in addition (default none).
    pub ca_pems: Vec<bytes::Bytes>,
    /// Whether the operating system's trust store is trusted in addition to the Mozilla roots
    /// (default `false`: the bundled roots give the same answer on every machine; turn this on
    /// where a corporate proxy's CA is installed system-wide).
    pub system_roots: bool,
    /// A client certificate for mutual TLS (default `None`).
    pub client_certificate: Option<ClientCertificate>,
    /// A TLS configuration of the runtime's own kind, used as given instead of one built from
    /// the trust settings above (default `None`). The rustls-based adapters (tokio, async-std,
    /// blocking) take an `Arc<rustls::ClientConfig>` (rustls 0.23); anything else fails
    /// `build()` with [`ConfigError::Tls`].
    pub tls_config: Option<Arc<dyn std::any::Any + Send + Sync>>,
    /// Which proxy to use (default [`ProxySetting::Environment`]).
    pub proxy: ProxySetting,
    /// How `stream` calls reach `responses` (default [`Transport::Http`]).
    pub transport: Transport,
    /// Agent Identity for this client's `responses` and `compact` calls (default `None`): each
    /// attempt to a first-party provider gets its credentials from
    /// [`ProviderAuthScope::credentials_for`] (a fresh assertion per attempt).
    #[cfg(feature = "agent-identity")]
    pub auth_scope: Option<ProviderAuthScope>,
}

/// How a client's `stream` calls reach `POST responses`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Transport {
    /// HTTP with server-sent events (the default).
    #[default]
    Http,
    /// A WebSocket connection kept across calls (the Responses WebSocket transport), with
    /// Codex's fallback to HTTP: a `426` on the upgrade, or a connection-level failure after
    /// the retry budget, switches the client to HTTP for good (reported in tracing).
    WebSocket,
}

/// A client certificate for mutual TLS: the certificate chain and its private key, both PEM.
/// `Debug` never shows the key.
#[derive(Clone)]
pub struct ClientCertificate {
    /// The certificate chain, leaf first (PEM).
    pub chain_pem: bytes::Bytes,
    /// The private key (PEM: PKCS#8, PKCS#1 or SEC1).
    pub key_pem: crate::secret::Secret,
}

impl ClientCertificate {
    /// A certificate chain and its key, both PEM.
    pub fn new(
        chain_pem: impl Into<bytes::Bytes>,
        key_pem: impl Into<crate::secret::Secret>,
    ) -> Self {
        ClientCertificate {
            chain_pem: chain_pem.into(),
            key_pem: key_pem.into(),
        }
    }
}

impl fmt::Debug for ClientCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCertificate")
            .field("chain_pem", &format_args!("{} bytes", self.chain_pem.len()))
            .field("key_pem", &"<redacted>")
            .finish()
    }
}

impl ClientConfig {
    /// A config for `provider` with the defaults: 30 s connect timeout, no response timeout,
    /// the provider's retry and idle-timeout settings, a clock-seeded jitter, no observer, the
    /// Mozilla roots only, proxies from the environment.
    pub fn new(provider: Provider) -> Self {
        ClientConfig {
            provider,
            connect_timeout: Some(DEFAULT_CONNECT_TIMEOUT),
            response_timeout: None,
            stream_idle_timeout: None,
            retry_policy: None,
            jitter_seed: None,
            on_attempt: None,
            ca_bundle: None,
            ca_pems: Vec::new(),
            system_roots: false,
            client_certificate: None,
            tls_config: None,
            proxy: ProxySetting::Environment,
            transport: Transport::Http,
            #[cfg(feature = "agent-identity")]
            auth_scope: None,
        }
    }

    /// A config and API-key credentials from environment variables read through `lookup`
    /// (adapters pass `|name| std::env::var(name).ok()`): [`ENV_API_KEY`] (required),
    /// [`ENV_BASE_URL`] (default `https://api.openai.com/v1`), [`ENV_ORG_ID`] and
    /// [`ENV_PROJECT_ID`]. An empty variable counts as unset. The other settings keep the
    /// defaults of [`ClientConfig::new`].
    pub fn from_env_vars(
        mut lookup: impl FnMut(&str) -> Option<String>,
    ) -> Result<(Self, Credentials), ConfigError> {
        let mut var = |name: &str| lookup(name).filter(|value| !value.is_empty());
        let key = var(ENV_API_KEY).ok_or(ConfigError::MissingApiKey)?;
        let mut provider = match var(ENV_BASE_URL) {
            Some(url) => Provider::custom("openai", url)
                .map_err(|error| ConfigError::BaseUrl(error.to_string()))?,
            None => Provider::openai(),
        };
        if let Some(organization) = var(ENV_ORG_ID) {
            provider = provider.with_organization(organization);
        }
        if let Some(project) = var(ENV_PROJECT_ID) {
            provider = provider.with_project(project);
        }
        let mut config = ClientConfig::new(provider);
        config.ca_bundle = var(ENV_CODEX_CA_CERTIFICATE)
            .or_else(|| var(ENV_SSL_CERT_FILE))
            .map(PathBuf::from);
        Ok((config, Credentials::api_key(key)))
    }
}

impl ClientConfig {
    /// What `Debug` shows of the Agent Identity scope (never its keys).
    fn auth_scope_shown(&self) -> Option<&'static str> {
        #[cfg(feature = "agent-identity")]
        return self.auth_scope.as_ref().map(|_| "<scope>");
        #[cfg(not(feature = "agent-identity"))]
        None
    }
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("provider", &self.provider)
            .field("connect_timeout", &self.connect_timeout)
            .field("response_timeout", &self.response_timeout)
            .field("stream_idle_timeout", &self.stream_idle_timeout)
            .field("retry_policy", &self.retry_policy)
            .field("jitter_seed", &self.jitter_seed)
            .field(
                "on_attempt",
                &self.on_attempt.as_ref().map(|_| "<observer>"),
            )
            .field("ca_bundle", &self.ca_bundle)
            .field("ca_pems", &self.ca_pems.len())
            .field("system_roots", &self.system_roots)
            .field("client_certificate", &self.client_certificate)
            .field("tls_config", &self.tls_config.is_some())
            .field("proxy", &self.proxy)
            .field("transport", &self.transport)
            .field("auth_scope", &self.auth_scope_shown())
            .finish()
    }
}
