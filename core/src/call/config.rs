//! What a [`Call`](super::Call) is built from.

#[cfg(feature = "agent-identity")]
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

#[cfg(feature = "agent-identity")]
use crate::agent_identity::ProviderAuthScope;
use crate::provider::Provider;
use crate::request::{Endpoint, PreparedRequest, ResponsesOptions};
use crate::retry::RetryPolicy;
use crate::stream::{ResumeSettings, StreamConfig};

/// The default cap on an error body read for classification: 64 KiB.
pub const DEFAULT_ERROR_BODY_CAP: usize = 64 * 1024;

/// The default cap on a unary success body: 64 MiB (a compaction result carries a whole
/// conversation history).
pub const DEFAULT_SUCCESS_BODY_CAP: usize = 64 * 1024 * 1024;

/// How a 2xx response is consumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseMode {
    /// Server-sent events: a 2xx hands a [`ResponseStream`](crate::stream::ResponseStream) to
    /// the adapter (`POST responses`).
    Stream,
    /// A WebSocket upgrade (`GET responses` with `Upgrade: websocket`): a `101` hands the
    /// connection to the adapter ([`Action::Upgraded`](super::Action::Upgraded)); any other
    /// reply is an error response, classified, retried and recovered like any other.
    Upgrade,
    /// One JSON body, read whole up to [`CallLimits::success_body_cap`] (`responses/compact`,
    /// `memories/trace_summarize`, `models`).
    Unary,
}

/// Size and time limits of a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallLimits {
    /// At most this many bytes of an error body are read; past it the call stops reading and
    /// classifies what it has. Default [`DEFAULT_ERROR_BODY_CAP`].
    pub error_body_cap: usize,
    /// A unary success body larger than this fails the call with
    /// [`CallError::BodyTooLarge`](super::CallError::BodyTooLarge). Default
    /// [`DEFAULT_SUCCESS_BODY_CAP`].
    pub success_body_cap: usize,
    /// How long after sending a request its response may take: the head, and for error and
    /// unary bodies the whole body. Expiry counts as a retryable timeout. `None` (the default)
    /// waits forever; a streaming body is governed by the stream's idle timeout instead.
    pub response_timeout: Option<Duration>,
}

impl Default for CallLimits {
    fn default() -> Self {
        Self {
            error_body_cap: DEFAULT_ERROR_BODY_CAP,
            success_body_cap: DEFAULT_SUCCESS_BODY_CAP,
            response_timeout: None,
        }
    }
}

impl CallLimits {
    /// Returns the limits with [`CallLimits::error_body_cap`] set.
    pub fn with_error_body_cap(mut self, cap: usize) -> Self {
        self.error_body_cap = cap;
        self
    }

    /// Returns the limits with [`CallLimits::success_body_cap`] set.
    pub fn with_success_body_cap(mut self, cap: usize) -> Self {
        self.success_body_cap = cap;
        self
    }

    /// Returns the limits with [`CallLimits::response_timeout`] set.
    pub fn with_response_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.response_timeout = timeout;
        self
    }
}

/// Everything that stays the same across the attempts of one call.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CallConfig {
    /// Where the request goes.
    pub endpoint: Endpoint,
    /// How a 2xx is consumed.
    pub mode: ResponseMode,
    /// The provider (base URL, default headers, query parameters).
    pub provider: Provider,
    /// Per-request options (session ids, extra headers, compression, turn state).
    pub options: ResponsesOptions,
    /// The request body, encoded once and sent byte-for-byte on every attempt (`None` for a
    /// `GET`).
    pub body: Option<Bytes>,
    /// When and how often to retry.
    pub policy: RetryPolicy,
    /// Body caps and the response timeout.
    pub limits: CallLimits,
    /// Settings of the response stream (streaming mode only).
    pub stream: StreamConfig,
    /// Whether and how a cut stream resumes: set for a background response's stream
    /// ([`PreparedRequest::is_background`]) with the call's policy; `None` otherwise. The
    /// call seeds its jitter from its own jitter source.
    pub resume: Option<ResumeSettings>,
    /// Agent Identity: when set and the endpoint is `responses` or `responses/compact`, each
    /// attempt's credentials come from [`ProviderAuthScope::credentials_for`].
    #[cfg(feature = "agent-identity")]
    pub auth_scope: Option<Arc<ProviderAuthScope>>,
}

impl CallConfig {
    /// A configuration with the default limits, and the retry policy and stream settings the
    /// provider's [`RetrySettings`](crate::provider::RetrySettings) call for:
    /// [`RetryPolicy::default`] with the provider's `max_retries` (if set), or
    /// [`RetryPolicy::never`] when the provider disables retries; the default
    /// [`StreamConfig`] with the provider's stream idle timeout and maximum event size.
    pub fn new(
        endpoint: Endpoint,
        mode: ResponseMode,
        provider: Provider,
        options: ResponsesOptions,
        body: Option<Bytes>,
    ) -> Self {
        let settings = *provider.retry();
        let policy = if settings.disabled {
            RetryPolicy::never()
        } else {
            let mut policy = RetryPolicy::default();
            if let Some(max_retries) = settings.max_retries {
                policy.max_retries = max_retries;
            }
            policy
        };
        let stream = StreamConfig::default()
            .with_idle_timeout(Some(settings.stream_idle_timeout))
            .with_max_event_size(settings.max_event_size);
        Self {
            endpoint,
            mode,
            provider,
            options,
            body,
            policy,
            limits: CallLimits::default(),
            stream,
            resume: None,
            #[cfg(feature = "agent-identity")]
            auth_scope: None,
        }
    }

    /// A configuration for a [`PreparedRequest`] (one of the typed endpoint entry points):
    /// [`ResponseMode::Stream`] for a streaming request, [`ResponseMode::Unary`] otherwise;
    /// defaults as for [`CallConfig::new`].
    ///
    /// ```
    /// use codex_api_core::call::{CallConfig, ResponseMode};
    /// use codex_api_core::provider::Provider;
    /// use codex_api_core::request::{PreparedRequest, ResponsesOptions};
    /// use codex_api_core::wire::ResponsesApiRequest;
    ///
    /// let provider = Provider::openai();
    /// let prepared = PreparedRequest::responses(&provider, ResponsesApiRequest::new("gpt-5"))?;
    /// let config = CallConfig::for_request(prepared, provider, ResponsesOptions::new());
    /// assert_eq!(config.mode, ResponseMode::Stream);
    /// # Ok::<(), codex_api_core::request::BuildError>(())
    /// ```
    pub fn for_request(
        prepared: PreparedRequest,
        provider: Provider,
        options: ResponsesOptions,
    ) -> Self {
        let mode = if prepared.is_upgrade() {
            ResponseMode::Upgrade
        } else if prepared.is_streaming() {
            ResponseMode::Stream
        } else {
            ResponseMode::Unary
        };
        let background = prepared.is_background();
        let response_id = prepared.response_id().map(str::to_owned);
        let (endpoint, body) = prepared.into_parts();
        let mut config = Self::new(endpoint, mode, provider, options, body);
        if background {
            let mut resume = ResumeSettings::new(config.policy.clone(), 0);
            resume.response_id = response_id;
            config.resume = Some(resume);
        }
        config
    }

    #[cfg(feature = "agent-identity")]
    /// Returns the configuration with this Agent Identity scope.
    pub fn with_auth_scope(mut self, scope: Option<Arc<ProviderAuthScope>>) -> Self {
        self.auth_scope = scope;
        self
    }

    /// Returns the configuration with this retry policy.
    /// A background stream's resumes follow it too (as many as it has retries).
    pub fn with_policy(mut self, policy: RetryPolicy) -> Self {
        if let Some(resume) = self.resume.take() {
            let max = policy.max_retries;
            self.resume = Some(
                ResumeSettings {
                    policy: policy.clone(),
                    ..resume
                }
                .max_resumes(max),
            );
        }
        self.policy = policy;
        self
    }

    /// Returns the configuration with these resume settings (`None`: a cut stream ends).
    pub fn with_resume(mut self, resume: Option<ResumeSettings>) -> Self {
        self.resume = resume;
        self
    }

    /// Returns the configuration with these limits.
    pub fn with_limits(mut self, limits: CallLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Returns the configuration with these stream settings.
    pub fn with_stream(mut self, stream: StreamConfig) -> Self {
        self.stream = stream;
        self
    }
}
