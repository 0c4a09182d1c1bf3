//! How a [`Client`] is configured.

use std::sync::Arc;
use std::time::Duration;

use codex_api_core::call::AttemptRecord;
use codex_api_core::credentials::Credentials;
use codex_api_core::provider::Provider;
use codex_api_core::retry::RetryPolicy;

use crate::auth::{AuthProvider, StaticAuth};
use crate::client::{Client, Inner};

/// A callback that sees every attempt's record (status, request id, decision, auth tags).
pub type AttemptObserver = Arc<dyn Fn(&AttemptRecord) + Send + Sync>;

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
    /// The proxy URL could not be understood.
    #[error("invalid proxy URL")]
    Proxy,
}

/// Where requests go through.
// No Debug: a proxy URL may carry credentials.
enum ProxyChoice {
    /// `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` (also lowercase).
    Environment,
    /// No proxy.
    Direct,
    /// This proxy URL (validated by [`ClientBuilder::build`]).
    Given(String),
}

/// Builds a [`Client`]: provider and credentials, timeouts, proxies.
pub struct ClientBuilder {
    pub(crate) provider: Provider,
    pub(crate) auth: Arc<dyn AuthProvider>,
    connect_timeout: Option<Duration>,
    pub(crate) response_timeout: Option<Duration>,
    pub(crate) stream_idle_timeout: Option<Option<Duration>>,
    pub(crate) policy: Option<RetryPolicy>,
    proxy: ProxyChoice,
    pub(crate) jitter_seed: Option<u64>,
    pub(crate) on_attempt: Option<AttemptObserver>,
}

impl ClientBuilder {
    /// A builder for `provider` with credentials from `auth`. Defaults: 30 s connect timeout,
    /// no response timeout, the provider's retry and idle-timeout settings, a proxy from the
    /// environment (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`, also lowercase).
    pub fn new(provider: Provider, auth: impl AuthProvider + 'static) -> Self {
        ClientBuilder {
            provider,
            auth: Arc::new(auth),
            connect_timeout: Some(Duration::from_secs(30)),
            response_timeout: None,
            stream_idle_timeout: None,
            policy: None,
            proxy: ProxyChoice::Environment,
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

    /// How long opening a connection (TCP, proxy, TLS) may take (`None`: no limit).
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

    /// Sends every request through the proxy at `proxy` (`http://user:pass@host:port`,
    /// or `https://`; an invalid URL fails [`ClientBuilder::build`]).
    pub fn proxy(mut self, proxy: impl Into<String>) -> Self {
        self.proxy = ProxyChoice::Given(proxy.into());
        self
    }

    /// Connects directly, ignoring the proxy environment variables.
    pub fn without_proxy(mut self) -> Self {
        self.proxy = ProxyChoice::Direct;
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

    /// Builds the client: one ureq agent (rustls with the Mozilla roots, pooled connections)
    /// that never turns a status into an error and never follows a redirect, so every
    /// response reaches the core and credentials never go to another origin.
    pub fn build(self) -> Result<Client, ConfigError> {
        let proxy = match &self.proxy {
            ProxyChoice::Environment => ureq::Proxy::try_from_env(),
            ProxyChoice::Direct => None,
            ProxyChoice::Given(url) => Some(ureq::Proxy::new(url).map_err(|_| ConfigError::Proxy)?),
        };
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .save_redirect_history(false)
            .timeout_connect(self.connect_timeout)
            .proxy(proxy)
            .build()
            .new_agent();
        Ok(Client::from_inner(Inner::new(self, agent)))
    }
}
