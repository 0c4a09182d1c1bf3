//! How a [`Client`] is configured.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use codex_api_core::call::AttemptRecord;
use codex_api_core::credentials::Credentials;
use codex_api_core::provider::Provider;
use codex_api_core::retry::RetryPolicy;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::{TokioExecutor, TokioTimer};

use crate::auth::{AuthProvider, StaticAuth};
use crate::client::{Client, Inner};
use crate::connector::{ConfigError, Connector, tls_config};

/// A callback that sees every attempt's record (status, request id, decision, auth tags).
pub type AttemptObserver = Arc<dyn Fn(&AttemptRecord) + Send + Sync>;

/// Builds a [`Client`]: provider and credentials, timeouts, TLS roots, proxies.
pub struct ClientBuilder {
    pub(crate) provider: Provider,
    pub(crate) auth: Arc<dyn AuthProvider>,
    connect_timeout: Option<Duration>,
    pub(crate) response_timeout: Option<Duration>,
    pub(crate) stream_idle_timeout: Option<Option<Duration>>,
    pub(crate) policy: Option<RetryPolicy>,
    ca_bundle: Option<PathBuf>,
    proxies: Option<Matcher>,
    pub(crate) jitter_seed: Option<u64>,
    pub(crate) on_attempt: Option<AttemptObserver>,
}

impl ClientBuilder {
    /// A builder for `provider` with credentials from `auth`. Defaults: 30 s connect timeout,
    /// no response timeout, the provider's retry and idle-timeout settings, proxies from the
    /// environment (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`, also lowercase).
    pub fn new(provider: Provider, auth: impl AuthProvider + 'static) -> Self {
        ClientBuilder {
            provider,
            auth: Arc::new(auth),
            connect_timeout: Some(Duration::from_secs(30)),
            response_timeout: None,
            stream_idle_timeout: None,
            policy: None,
            ca_bundle: None,
            proxies: None,
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
        Ok(Self::new(
            provider,
            StaticAuth::new(Credentials::api_key(key)),
        ))
    }

    /// How long opening a TCP connection may take (`None`: no limit).
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

    /// Sends every request through the `http://` proxy at `proxy` (credentials as
    /// `http://user:pass@host:port`), except to the hosts of `no_proxy` (`NO_PROXY` syntax).
    pub fn proxy(mut self, proxy: &str, no_proxy: &str) -> Self {
        self.proxies = Some(
            Matcher::builder()
                .all(proxy.to_owned())
                .no(no_proxy.to_owned())
                .build(),
        );
        self
    }

    /// Connects directly, ignoring the proxy environment variables.
    pub fn without_proxy(mut self) -> Self {
        self.proxies = Some(Matcher::builder().build());
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
    pub fn build(mut self) -> Result<Client, ConfigError> {
        let tls = tls_config(self.ca_bundle.as_deref())?;
        let mut tcp = HttpConnector::new();
        tcp.enforce_http(false);
        tcp.set_nodelay(true);
        tcp.set_connect_timeout(self.connect_timeout);
        let proxies = Arc::new(self.proxies.take().unwrap_or_else(Matcher::from_env));
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
        Ok(Client::from_inner(Inner::new(self, http, proxies)))
    }
}
