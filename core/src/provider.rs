//! Providers: base URL, query parameters, default headers, retry and idle settings.
//!
//! A [`Provider`] describes one API deployment: the OpenAI API, the ChatGPT Codex backend, an
//! Azure resource or any compatible server. It is plain data; [`crate::request::build_request`]
//! turns it, an endpoint and a body into an `http::Request`.
//!
//! ```
//! use codex_api_core::provider::Provider;
//!
//! let provider = Provider::custom("local", "http://127.0.0.1:8080/v1/")?
//!     .with_query_param("api-version", "2025-04-01 preview");
//! assert_eq!(
//!     provider.url_for_path("/responses"),
//!     "http://127.0.0.1:8080/v1/responses?api-version=2025-04-01%20preview"
//! );
//! assert!(!provider.is_first_party_openai());
//! # Ok::<(), codex_api_core::provider::ProviderError>(())
//! ```

mod detect;
mod url;

use std::time::Duration;

pub use url::QueryParams;

/// Base URL of the OpenAI API.
pub const OPENAI_BASE_URL: &str = "https://api.openai.com/v1";
/// Base URL of the ChatGPT Codex backend (ChatGPT sign-in).
pub const CHATGPT_CODEX_BASE_URL: &str = "https://chatgpt.com/backend-api/codex";
/// Default value of the `originator` header.
pub const DEFAULT_ORIGINATOR: &str = "codex_api_rs";
/// Default `User-Agent`: this crate's name and version.
pub const DEFAULT_USER_AGENT: &str = concat!("codex-api/", env!("CARGO_PKG_VERSION"));
/// Default idle timeout of a streaming response (no bytes for this long ends the stream).
pub const DEFAULT_STREAM_IDLE_TIMEOUT: Duration = Duration::from_secs(300);

/// A provider could not be constructed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProviderError {
    /// The base URL is not an absolute `http://` or `https://` URL. The URL itself is not
    /// repeated (it may carry credentials).
    #[error("invalid provider base URL: {reason}")]
    InvalidBaseUrl {
        /// What is wrong with it.
        reason: &'static str,
    },
}

/// Plain retry and stream settings of a provider. The retry policy itself (which failures,
/// which delays) lives in [`crate::retry`]; these numbers only parameterise it and the
/// [`StreamConfig`](crate::stream::StreamConfig) of each call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetrySettings {
    /// Maximum retries of a request before any response byte arrived; `None` uses the policy's
    /// default.
    pub max_retries: Option<u32>,
    /// How long a stream may stay silent before it counts as broken.
    pub stream_idle_timeout: Duration,
    /// The largest event a stream accepts, in bytes (default
    /// [`DEFAULT_MAX_EVENT_SIZE`](crate::sse::DEFAULT_MAX_EVENT_SIZE), 128 MiB); a larger one
    /// fails the stream with a `protocol` error instead of growing memory.
    pub max_event_size: usize,
    /// When `true`, nothing is retried for this provider.
    pub disabled: bool,
}

impl Default for RetrySettings {
    fn default() -> Self {
        RetrySettings {
            max_retries: None,
            stream_idle_timeout: DEFAULT_STREAM_IDLE_TIMEOUT,
            max_event_size: crate::sse::DEFAULT_MAX_EVENT_SIZE,
            disabled: false,
        }
    }
}

/// One API deployment: name, base URL, query parameters, default headers and settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provider {
    name: String,
    base_url: String,
    query: QueryParams,
    default_headers: Vec<(String, String)>,
    organization: Option<String>,
    project: Option<String>,
    originator: String,
    user_agent: String,
    retry: RetrySettings,
    first_party: Option<bool>,
}

impl Provider {
    /// The OpenAI API (`https://api.openai.com/v1`).
    pub fn openai() -> Self {
        Self::unchecked("openai", OPENAI_BASE_URL)
    }

    /// The ChatGPT Codex backend (`https://chatgpt.com/backend-api/codex`), used with
    /// ChatGPT sign-in.
    pub fn chatgpt_codex() -> Self {
        Self::unchecked("chatgpt", CHATGPT_CODEX_BASE_URL)
    }

    /// Any other deployment. `base_url` must be an absolute `http://` or `https://` URL
    /// without a fragment; it may already carry a query.
    pub fn custom(
        name: impl Into<String>,
        base_url: impl Into<String>,
    ) -> Result<Self, ProviderError> {
        let base_url = base_url.into();
        url::validate_base_url(&base_url)?;
        Ok(Self::unchecked(name, base_url))
    }

    fn unchecked(name: impl Into<String>, base_url: impl Into<String>) -> Self {
        Provider {
            name: name.into(),
            base_url: base_url.into(),
            query: QueryParams::default(),
            default_headers: Vec::new(),
            organization: None,
            project: None,
            originator: DEFAULT_ORIGINATOR.to_owned(),
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            retry: RetrySettings::default(),
            first_party: None,
        }
    }

    /// Declares whether this provider is first-party OpenAI, overriding the detection by base
    /// URL: for a gateway you run in front of the OpenAI API (or a test server standing in for
    /// it). Agent Identity assertions go only to first-party providers, so declare it only for
    /// a host you trust with them.
    pub fn with_first_party(mut self, first_party: bool) -> Self {
        self.first_party = Some(first_party);
        self
    }

    /// Sets a query parameter sent with every request. Setting a name again replaces its value
    /// in place; parameters keep the order in which they were first set.
    pub fn with_query_param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.set(name, value);
        self
    }

    /// Sets a header sent with every request (lowest precedence: every other source overrides
    /// it). Names and values are validated when a request is built.
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let name = name.into();
        self.default_headers
            .retain(|(existing, _)| !existing.eq_ignore_ascii_case(&name));
        self.default_headers.push((name, value.into()));
        self
    }

    /// Sends `OpenAI-Organization: <organization>`.
    pub fn with_organization(mut self, organization: impl Into<String>) -> Self {
        self.organization = Some(organization.into());
        self
    }

    /// Sends `OpenAI-Project: <project>`.
    pub fn with_project(mut self, project: impl Into<String>) -> Self {
        self.project = Some(project.into());
        self
    }

    /// Sets the `originator` header value (default [`DEFAULT_ORIGINATOR`]).
    pub fn with_originator(mut self, originator: impl Into<String>) -> Self {
        self.originator = originator.into();
        self
    }

    /// Replaces the `User-Agent` value (default [`DEFAULT_USER_AGENT`]).
    pub fn with_user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Replaces the retry and idle-timeout settings.
    pub fn with_retry(mut self, retry: RetrySettings) -> Self {
        self.retry = retry;
        self
    }

    /// Sets the maximum number of request retries.
    pub fn with_max_retries(mut self, max_retries: u32) -> Self {
        self.retry.max_retries = Some(max_retries);
        self
    }

    /// Sets the stream idle timeout.
    pub fn with_stream_idle_timeout(mut self, timeout: Duration) -> Self {
        self.retry.stream_idle_timeout = timeout;
        self
    }

    /// Sets the largest event a stream accepts, in bytes.
    pub fn with_max_event_size(mut self, max_event_size: usize) -> Self {
        self.retry.max_event_size = max_event_size;
        self
    }

    /// Turns retries off (or back on) for this provider.
    pub fn with_retries_disabled(mut self, disabled: bool) -> Self {
        self.retry.disabled = disabled;
        self
    }

    /// The provider's name (`openai`, `chatgpt`, or the custom name).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The base URL as given.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Query parameters sent with every request, in order.
    pub fn query_params(&self) -> &QueryParams {
        &self.query
    }

    /// Default headers, in the order set (raw, not yet validated).
    pub fn default_headers(&self) -> &[(String, String)] {
        &self.default_headers
    }

    /// The `OpenAI-Organization` value, if any.
    pub fn organization(&self) -> Option<&str> {
        self.organization.as_deref()
    }

    /// The `OpenAI-Project` value, if any.
    pub fn project(&self) -> Option<&str> {
        self.project.as_deref()
    }

    /// The `originator` header value.
    pub fn originator(&self) -> &str {
        &self.originator
    }

    /// The `User-Agent` header value.
    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }

    /// Retry and idle-timeout settings.
    pub fn retry(&self) -> &RetrySettings {
        &self.retry
    }

    /// The stream idle timeout (shortcut for `retry().stream_idle_timeout`).
    pub fn stream_idle_timeout(&self) -> Duration {
        self.retry.stream_idle_timeout
    }

    /// The full URL of `path` under the base URL, with the provider's query parameters.
    /// Duplicate slashes at the seam are trimmed.
    pub fn url_for_path(&self, path: &str) -> String {
        self.url_for(path, &QueryParams::default())
    }

    /// Like [`Provider::url_for_path`], with endpoint-specific query parameters appended after
    /// the provider's (joined with `&` when the URL already has a query).
    pub fn url_for(&self, path: &str, extra_query: &QueryParams) -> String {
        url::join(&self.base_url, path, &[&self.query, extra_query])
    }

    /// Whether this provider is an Azure OpenAI Responses deployment: named `azure`
    /// (any case), or its base URL names an Azure OpenAI host or gateway.
    pub fn is_azure_responses_endpoint(&self) -> bool {
        detect::is_azure(&self.name, &self.base_url)
    }

    /// Whether this provider is first-party OpenAI: the OpenAI API or the ChatGPT Codex
    /// backend, over HTTPS, unless [`Provider::with_first_party`] said otherwise.
    pub fn is_first_party_openai(&self) -> bool {
        self.first_party
            .unwrap_or_else(|| detect::is_first_party_openai(&self.base_url))
    }
}
