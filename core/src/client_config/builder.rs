//! The one client builder of every adapter.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::{ClientConfig, ConfigError, ProxySetting};
#[cfg(feature = "agent-identity")]
use crate::agent_identity::ProviderAuthScope;
use crate::call::AttemptRecord;
use crate::credentials::Credentials;
use crate::provider::Provider;
use crate::retry::RetryPolicy;

/// What a runtime adapter plugs into [`ClientBuilder`]: its client type, how it holds a
/// credential source, and how it turns a [`ClientConfig`] into a client. Implemented by a
/// marker type of each adapter (`codex_api_tokio::TokioAdapter`, ...), whose crate exposes
/// `ClientBuilder` as `codex_api_core::client_config::ClientBuilder<ThatAdapter>`.
pub trait ClientAdapter {
    /// The adapter's name in [`ConfigError::Unsupported`] (`"tokio"`, `"blocking"`, ...).
    const NAME: &'static str;
    /// The adapter's shared credential source (an `Arc<dyn AuthProvider>`).
    type Auth;
    /// The client [`ClientBuilder::build`] returns.
    type Client;

    /// A credential source that always hands out `credentials` (for
    /// [`ClientBuilder::from_env`]).
    fn static_auth(credentials: Credentials) -> Self::Auth;

    /// The process environment variable `name`, or `None` if it is unset or not Unicode.
    /// The adapter does the reading; core does no IO.
    fn env_var(name: &str) -> Option<String>;

    /// Builds the client: reads the CA bundle, sets up TLS, proxies and pools. Fails with
    /// [`ConfigError::Unsupported`] for a setting the adapter cannot honour.
    fn build(config: ClientConfig, auth: Self::Auth) -> Result<Self::Client, ConfigError>;
}

/// Builds an adapter's client: a [`ClientConfig`] plus a credential source. Every adapter
/// offers exactly these setters; the defaults are those of [`ClientConfig::new`].
pub struct ClientBuilder<A: ClientAdapter> {
    config: ClientConfig,
    auth: A::Auth,
}

impl<A: ClientAdapter> ClientBuilder<A> {
    /// A builder for `provider` with credentials from `auth`. Defaults: 30 s connect timeout,
    /// no response timeout, the provider's retry and idle-timeout settings, proxies from the
    /// environment, the Mozilla roots.
    pub fn new(provider: Provider, auth: A::Auth) -> Self {
        Self::from_config(ClientConfig::new(provider), auth)
    }

    /// A builder starting from a whole `config`.
    pub fn from_config(config: ClientConfig, auth: A::Auth) -> Self {
        ClientBuilder { config, auth }
    }

    /// A builder from `OPENAI_API_KEY` (required), `OPENAI_BASE_URL` (default
    /// `https://api.openai.com/v1`), `OPENAI_ORG_ID` and `OPENAI_PROJECT_ID` (see
    /// [`ClientConfig::from_env_vars`]).
    pub fn from_env() -> Result<Self, ConfigError> {
        let (config, credentials) = ClientConfig::from_env_vars(A::env_var)?;
        Ok(Self::from_config(config, A::static_auth(credentials)))
    }

    /// The settings so far.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// How long opening a connection (TCP, proxy, TLS) may take (`None`: no limit). Expiry is
    /// a retryable `timeout` transport failure for the core.
    pub fn connect_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.config.connect_timeout = timeout;
        self
    }

    /// How long after sending a request its response head (and a unary body) may take; expiry
    /// is a retryable timeout for the core (`None`, the default: no limit).
    pub fn response_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.config.response_timeout = timeout;
        self
    }

    /// Overrides the provider's stream idle timeout (`None` disables it).
    pub fn stream_idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.config.stream_idle_timeout = Some(timeout);
        self
    }

    /// Overrides the retry policy derived from the provider.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.config.retry_policy = Some(policy);
        self
    }

    /// Seeds the backoff jitter (a fixed seed makes retry delays reproducible).
    pub fn jitter_seed(mut self, seed: u64) -> Self {
        self.config.jitter_seed = Some(seed);
        self
    }

    /// Calls `observer` with the record of every attempt of every call.
    pub fn on_attempt(mut self, observer: impl Fn(&AttemptRecord) + Send + Sync + 'static) -> Self {
        self.config.on_attempt = Some(Arc::new(observer));
        self
    }

    /// Trusts the certificates of this PEM file in addition to the Mozilla roots. A missing
    /// or empty file fails [`ClientBuilder::build`] with [`ConfigError::CaBundle`].
    pub fn ca_bundle(mut self, path: impl Into<PathBuf>) -> Self {
        self.config.ca_bundle = Some(path.into());
        self
    }

    /// Trusts the certificates of this PEM bundle, given as bytes, in addition to the Mozilla
    /// roots (repeatable). An unusable bundle fails [`ClientBuilder::build`] with
    /// [`ConfigError::CaBundle`].
    pub fn ca_bundle_pem(mut self, pem: impl Into<bytes::Bytes>) -> Self {
        self.config.ca_pems.push(pem.into());
        self
    }

    /// Trusts the operating system's certificate store too (off by default: the bundled
    /// Mozilla roots behave the same on every machine). A store that cannot be read fails
    /// [`ClientBuilder::build`] with [`ConfigError::Tls`].
    pub fn system_roots(mut self, on: bool) -> Self {
        self.config.system_roots = on;
        self
    }

    /// Presents this client certificate (mutual TLS). A chain or key that does not parse fails
    /// [`ClientBuilder::build`] with [`ConfigError::Tls`].
    pub fn client_certificate(mut self, certificate: super::ClientCertificate) -> Self {
        self.config.client_certificate = Some(certificate);
        self
    }

    /// Uses this TLS configuration as given, instead of one built from the trust settings: an
    /// `Arc<rustls::ClientConfig>` for the rustls-based adapters (`Arc::new(config)` coerces).
    /// Its ALPN protocols are replaced by the ones each connection speaks.
    pub fn tls_config(mut self, config: Arc<dyn std::any::Any + Send + Sync>) -> Self {
        self.config.tls_config = Some(config);
        self
    }

    /// Sends every request through the `http://` proxy at `proxy` (credentials as
    /// `http://user:pass@host:port`), except to the hosts of `no_proxy` (`NO_PROXY` syntax,
    /// comma-separated; may be empty). An adapter without proxy support fails
    /// [`ClientBuilder::build`] with [`ConfigError::Unsupported`].
    pub fn proxy(mut self, proxy: impl Into<String>, no_proxy: impl Into<String>) -> Self {
        self.config.proxy = ProxySetting::explicit(proxy, no_proxy);
        self
    }

    #[cfg(feature = "agent-identity")]
    /// Turns on Agent Identity for this client's `responses` and `compact` calls to
    /// first-party providers (see [`ProviderAuthScope`]); other providers and API-key
    /// credentials are untouched. A scope that applies but has no run task fails those calls
    /// with [`CallError::AgentIdentity`](crate::call::CallError::AgentIdentity).
    pub fn auth_scope(mut self, scope: ProviderAuthScope) -> Self {
        self.config.auth_scope = Some(scope);
        self
    }

    /// How `stream` calls reach `responses`: HTTP (the default) or a kept WebSocket
    /// connection with fallback to HTTP ([`Transport`](super::Transport)).
    pub fn transport(mut self, transport: super::Transport) -> Self {
        self.config.transport = transport;
        self
    }

    /// Connects directly, ignoring the proxy environment variables.
    pub fn without_proxy(mut self) -> Self {
        self.config.proxy = ProxySetting::Direct;
        self
    }

    /// Builds the client (reads the CA bundle; needs no running runtime).
    pub fn build(self) -> Result<A::Client, ConfigError> {
        A::build(self.config, self.auth)
    }
}

impl<A: ClientAdapter> fmt::Debug for ClientBuilder<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("adapter", &A::NAME)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}
