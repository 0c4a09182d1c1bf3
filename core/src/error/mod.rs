//! The API error taxonomy and the mapping of HTTP and in-stream failures onto it.
//!
//! Every failure of a Responses call that is the server's (or the stream's) doing becomes one
//! [`ApiError`]: a [`kind`](ApiError::kind) plus the facts a caller acts on — whether to retry
//! and when, the HTTP status, the request id and `cf-ray` to quote to support, and a bounded,
//! scrubbed server message. An error never holds a whole body, a credential or a header value it
//! does not name.
//!
//! ```
//! use codex_api_core::error::ApiError;
//! use http::{HeaderMap, StatusCode};
//!
//! let mut headers = HeaderMap::new();
//! headers.insert("x-request-id", "req_123".parse().unwrap());
//! let body = br#"{"error":{"message":"Slow down","type":"requests","code":"rate_limit_exceeded"}}"#;
//! let error = ApiError::from_http(StatusCode::TOO_MANY_REQUESTS, &headers, body, None);
//! assert_eq!(error.kind(), "rate_limited");
//! assert!(error.is_retryable());
//! assert_eq!(error.request_id(), Some("req_123"));
//! assert_eq!(error.message(), Some("Slow down"));
//! ```
//!
//! Retryability by kind:
//!
//! | retryable | not retryable |
//! |-----------|---------------|
//! | `rate_limited`, `server_overloaded`, `server_error` (incl. 408), `stream_truncated`, `idle_timeout`, `other`, `conflict` | `invalid_request`, `unauthorized` (auth recovery handles it), `forbidden`, `not_found`, `unprocessable`, `quota_exceeded`, `usage_limit_reached`, `usage_not_included`, `context_window_exceeded`, `cyber_policy`, `unexpected_status`, `protocol`, `response_incomplete` |

mod body;
mod http_status;
mod stream_failure;
mod text;

pub use stream_failure::{StreamFailureSource, delay_from_message};
pub use text::{MAX_FACT_BYTES, MAX_MESSAGE_BYTES, TRUNCATION_MARKER};

pub(crate) use text::bounded_fact as text_fact;

/// The error code of an error body (`error.code`, `code`, `detail.code`, OAuth `"error"`).
pub(crate) fn body_error_code(body: &[u8]) -> Option<String> {
    body::ErrorBody::parse(body).code
}

use std::fmt;
use std::time::Duration;

use http::{HeaderMap, StatusCode};

use crate::unauthorized::{AuthFailure, UnauthorizedEvidence};

/// A failure of an API call, with everything a caller needs to decide what to do next.
///
/// Build one with [`ApiError::from_http`] (an error status), [`ApiError::from_stream_failure`]
/// (a `response.failed` or `error` event), [`ApiError::from_unauthorized`] (a 401 after auth
/// recovery) or the stream-side constructors ([`ApiError::stream_truncated`],
/// [`ApiError::idle_timeout`], [`ApiError::protocol`], [`ApiError::response_incomplete`]).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
#[error("{}", Summary(self))]
pub struct ApiError {
    kind: ApiErrorKind,
    origin: ErrorOrigin,
    status: Option<StatusCode>,
    code: Option<String>,
    param: Option<String>,
    message: Option<String>,
    request_id: Option<String>,
    cf_ray: Option<String>,
    retry_after: Option<Duration>,
}

/// The kind of an [`ApiError`], with the facts specific to it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ApiErrorKind {
    /// `invalid_request`: the request was malformed or rejected (400, `invalid_prompt`).
    InvalidRequest,
    /// `unauthorized`: a 401; carries the evidence and its classification.
    Unauthorized(Box<UnauthorizedDetails>),
    /// `forbidden`: a 403.
    Forbidden {
        /// The body was a Cloudflare block or challenge page rather than an API error.
        cloudflare_block: bool,
    },
    /// `not_found`: a 404 (unknown model, endpoint or previous response).
    NotFound,
    /// `conflict`: a 409; retryable.
    Conflict,
    /// `unprocessable`: a 422.
    Unprocessable,
    /// `rate_limited`: a 429 or in-stream `rate_limit_exceeded`; retryable.
    RateLimited,
    /// `quota_exceeded`: `insufficient_quota` — billing, not time, fixes this.
    QuotaExceeded,
    /// `usage_limit_reached`: a ChatGPT-plan usage limit; resets at a known time.
    UsageLimitReached(Box<UsageLimit>),
    /// `usage_not_included`: the plan does not include this usage.
    UsageNotIncluded,
    /// `context_window_exceeded`: `context_length_exceeded`.
    ContextWindowExceeded,
    /// `cyber_policy`: the request was flagged by the cybersecurity policy.
    CyberPolicy,
    /// `server_overloaded`: a 503 or in-stream `server_is_overloaded` / `slow_down`; retryable.
    ServerOverloaded,
    /// `server_error`: a 5xx other than 503, a 408, or in-stream `server_error`; retryable.
    ServerError,
    /// `unexpected_status`: any other status.
    UnexpectedStatus,
    /// `stream_truncated`: the stream ended before a terminal event; retryable.
    StreamTruncated {
        /// The last `sequence_number` seen before the stream ended, if any.
        last_sequence_number: Option<u64>,
    },
    /// `idle_timeout`: no bytes arrived for the idle period; retryable.
    IdleTimeout {
        /// How long the stream had been idle.
        after: Duration,
    },
    /// `protocol`: the peer broke the protocol (wrong content type, unparsable terminal event);
    /// the description is the error's [`message`](ApiError::message).
    Protocol,
    /// `response_incomplete`: the response ended `incomplete`.
    ResponseIncomplete {
        /// The server's `incomplete_details.reason` (e.g. `max_output_tokens`), bounded.
        reason: Option<String>,
    },
    /// `response_cancelled`: the response was cancelled (a background response cancelled
    /// while a stream of it was open or being resumed). Not retryable.
    ResponseCancelled,
    /// `sequence_gap`: a resumed stream skipped events: its first new event was not the one
    /// after the last event delivered. Not retryable (the skipped events are lost to this
    /// stream; retrieve the response instead).
    SequenceGap {
        /// The sequence number the stream should have continued with.
        expected: u64,
        /// The sequence number it continued with.
        received: u64,
    },
    /// `other`: an in-stream failure code we do not know; retryable. The code is
    /// [`ApiError::code`].
    Other,
}

/// Where an [`ApiError`] was detected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorOrigin {
    /// An HTTP error status and its body.
    HttpResponse,
    /// A `response.failed` event's `response.error`.
    ResponseFailed,
    /// An `error` event.
    ErrorEvent,
    /// This client, while reading the stream (truncation, idle timeout, protocol violations,
    /// an incomplete response).
    StreamReader,
}

/// The facts of a 401: what was sent, what the server said, and (when it ran) how auth
/// recovery went.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct UnauthorizedDetails {
    /// The evidence gathered from the (last) 401 response.
    pub evidence: UnauthorizedEvidence,
    /// What the evidence says went wrong.
    pub failure: AuthFailure,
    /// The auth-recovery observability tags, when recovery ran (see
    /// [`AuthRecovery::tags`](crate::unauthorized::AuthRecovery::tags)).
    pub recovery_tags: Option<Vec<(&'static str, String)>>,
}

/// The facts of a `usage_limit_reached` error.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct UsageLimit {
    /// The ChatGPT plan (`plus`, `pro`, `team`, …), as the server named it.
    pub plan_type: Option<String>,
    /// When the limit resets, in unix seconds (`resets_at`).
    pub resets_at: Option<u64>,
    /// How long until the limit resets (`resets_in_seconds`).
    pub resets_in: Option<Duration>,
    /// Which limit family is active (`x-codex-active-limit`, lowercased, `_` → `-`).
    pub limit_family: Option<String>,
    /// A promotional message from the server (`x-codex-promo-message`), bounded.
    pub promo_message: Option<String>,
}

impl ApiErrorKind {
    /// The stable machine-readable name of this kind (see the module table).
    pub fn as_str(&self) -> &'static str {
        match self {
            ApiErrorKind::InvalidRequest => "invalid_request",
            ApiErrorKind::Unauthorized(_) => "unauthorized",
            ApiErrorKind::Forbidden { .. } => "forbidden",
            ApiErrorKind::NotFound => "not_found",
            ApiErrorKind::Conflict => "conflict",
            ApiErrorKind::Unprocessable => "unprocessable",
            ApiErrorKind::RateLimited => "rate_limited",
            ApiErrorKind::QuotaExceeded => "quota_exceeded",
            ApiErrorKind::UsageLimitReached(_) => "usage_limit_reached",
            ApiErrorKind::UsageNotIncluded => "usage_not_included",
            ApiErrorKind::ContextWindowExceeded => "context_window_exceeded",
            ApiErrorKind::CyberPolicy => "cyber_policy",
            ApiErrorKind::ServerOverloaded => "server_overloaded",
            ApiErrorKind::ServerError => "server_error",
            ApiErrorKind::UnexpectedStatus => "unexpected_status",
            ApiErrorKind::StreamTruncated { .. } => "stream_truncated",
            ApiErrorKind::IdleTimeout { .. } => "idle_timeout",
            ApiErrorKind::Protocol => "protocol",
            ApiErrorKind::ResponseIncomplete { .. } => "response_incomplete",
            ApiErrorKind::ResponseCancelled => "response_cancelled",
            ApiErrorKind::SequenceGap { .. } => "sequence_gap",
            ApiErrorKind::Other => "other",
        }
    }

    /// Whether retrying the same request may succeed (see the module table).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            ApiErrorKind::RateLimited
                | ApiErrorKind::ServerOverloaded
                | ApiErrorKind::ServerError
                | ApiErrorKind::StreamTruncated { .. }
                | ApiErrorKind::IdleTimeout { .. }
                | ApiErrorKind::Other
                | ApiErrorKind::Conflict
        )
    }
}

impl ApiError {
    /// An error with no facts yet; the mapping functions fill them in.
    pub(crate) fn bare(kind: ApiErrorKind, origin: ErrorOrigin) -> ApiError {
        ApiError {
            kind,
            origin,
            status: None,
            code: None,
            param: None,
            message: None,
            request_id: None,
            cf_ray: None,
            retry_after: None,
        }
    }

    /// The stream ended without a terminal event; `last_sequence_number` is the last
    /// `sequence_number` delivered. Retryable.
    pub fn stream_truncated(last_sequence_number: Option<u64>) -> ApiError {
        let mut error = ApiError::bare(
            ApiErrorKind::StreamTruncated {
                last_sequence_number,
            },
            ErrorOrigin::StreamReader,
        );
        error.message = Some(match last_sequence_number {
            Some(seq) => {
                format!("stream closed before a terminal event (last sequence number {seq})")
            }
            None => "stream closed before a terminal event".to_string(),
        });
        error
    }

    /// The connection failed (`transport`) mid-stream, before a terminal event: a
    /// `stream_truncated` error whose message names the transport failure. Retryable.
    pub fn stream_interrupted(
        last_sequence_number: Option<u64>,
        transport: crate::retry::TransportErrorKind,
    ) -> ApiError {
        let mut error = ApiError::stream_truncated(last_sequence_number);
        error.message = Some(match last_sequence_number {
            Some(seq) => format!(
                "connection failed mid-stream ({transport}) before a terminal event (last sequence number {seq})"
            ),
            None => format!("connection failed mid-stream ({transport}) before a terminal event"),
        });
        error
    }

    /// No bytes arrived for `after`. Retryable.
    pub fn idle_timeout(after: Duration) -> ApiError {
        let mut error = ApiError::bare(
            ApiErrorKind::IdleTimeout { after },
            ErrorOrigin::StreamReader,
        );
        error.message = Some(format!("no data for {} ms", after.as_millis()));
        error
    }

    /// The peer broke the protocol; `description` says how (it is bounded and scrubbed like a
    /// server message). Not retryable.
    pub fn protocol(description: &str) -> ApiError {
        let mut error = ApiError::bare(ApiErrorKind::Protocol, ErrorOrigin::StreamReader);
        error.message = text::bounded_message(description);
        error
    }

    /// The response ended `incomplete` for `reason` (e.g. `max_output_tokens`). Not retryable.
    pub fn response_incomplete(reason: Option<&str>) -> ApiError {
        let reason = reason.and_then(text::bounded_fact);
        let mut error = ApiError::bare(
            ApiErrorKind::ResponseIncomplete {
                reason: reason.clone(),
            },
            ErrorOrigin::StreamReader,
        );
        error.message = Some(match reason {
            Some(reason) => format!("response incomplete: {reason}"),
            None => "response incomplete".to_string(),
        });
        error
    }

    /// The response was cancelled. Not retryable.
    pub fn response_cancelled() -> ApiError {
        let mut error = ApiError::bare(ApiErrorKind::ResponseCancelled, ErrorOrigin::StreamReader);
        error.message = Some("response cancelled".to_string());
        error
    }

    /// A resumed stream continued at sequence number `received` instead of `expected`: the
    /// events between were lost. Not retryable.
    pub fn sequence_gap(expected: u64, received: u64) -> ApiError {
        let mut error = ApiError::bare(
            ApiErrorKind::SequenceGap { expected, received },
            ErrorOrigin::StreamReader,
        );
        error.message = Some(format!(
            "resumed stream skipped events: expected sequence number {expected}, got {received}"
        ));
        error
    }

    /// Fills the request id and `cf-ray` from the response head when the error does not have
    /// them yet (useful for in-stream failures, whose head arrived earlier).
    pub fn with_response_head(mut self, headers: &HeaderMap) -> ApiError {
        if self.request_id.is_none() {
            self.request_id = text::request_id(headers);
        }
        if self.cf_ray.is_none() {
            self.cf_ray = text::cf_ray(headers);
        }
        self
    }

    /// The kind, with its specific facts.
    pub fn error_kind(&self) -> &ApiErrorKind {
        &self.kind
    }

    /// The stable machine-readable kind: `rate_limited`, `unauthorized`, … (see the module).
    pub fn kind(&self) -> &'static str {
        self.kind.as_str()
    }

    /// Where the error was detected.
    pub fn origin(&self) -> ErrorOrigin {
        self.origin
    }

    /// Whether retrying the same request may succeed.
    pub fn is_retryable(&self) -> bool {
        self.kind.is_retryable()
    }

    /// How long to wait before retrying, when the server said so (`Retry-After`-family headers
    /// passed in by the caller, or `try again in …` in a rate-limit message). Always `None` for a
    /// non-retryable error.
    pub fn retry_after(&self) -> Option<Duration> {
        if self.is_retryable() {
            self.retry_after
        } else {
            None
        }
    }

    /// The HTTP status, for errors that came from an error response.
    pub fn status(&self) -> Option<StatusCode> {
        self.status
    }

    /// The request id (`x-request-id`, else `x-oai-request-id`).
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The Cloudflare ray id (`cf-ray`).
    pub fn cf_ray(&self) -> Option<&str> {
        self.cf_ray.as_deref()
    }

    /// The server's error code (`error.code`, else `error.type`), bounded.
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// The request parameter the server blamed (`error.param`), bounded.
    pub fn param(&self) -> Option<&str> {
        self.param.as_deref()
    }

    /// A human-readable detail: the server's message for server-reported errors (at most
    /// [`MAX_MESSAGE_BYTES`] plus [`TRUNCATION_MARKER`], cut on a `char` boundary, control
    /// characters replaced, credential-looking words masked), or this client's description for
    /// stream-side kinds.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// The 401 facts, for `unauthorized` errors.
    pub fn unauthorized(&self) -> Option<&UnauthorizedDetails> {
        match &self.kind {
            ApiErrorKind::Unauthorized(details) => Some(details),
            _ => None,
        }
    }

    /// The usage-limit facts, for `usage_limit_reached` errors.
    pub fn usage_limit(&self) -> Option<&UsageLimit> {
        match &self.kind {
            ApiErrorKind::UsageLimitReached(limit) => Some(limit),
            _ => None,
        }
    }
}

/// `kind (HTTP 429, code c): message [request id r, cf-ray c]`.
struct Summary<'a>(&'a ApiError);

impl fmt::Display for Summary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let error = self.0;
        f.write_str(error.kind())?;
        let mut notes: Vec<String> = Vec::new();
        if let Some(status) = error.status {
            notes.push(format!("HTTP {}", status.as_u16()));
        }
        let failure = error.unauthorized().map(|details| details.failure.as_str());
        if let Some(failure) = failure {
            notes.push(failure.to_string());
        }
        if let Some(code) = error.code.as_deref().filter(|code| Some(*code) != failure) {
            notes.push(format!("code {code}"));
        }
        if !notes.is_empty() {
            write!(f, " ({})", notes.join(", "))?;
        }
        if let Some(message) = &error.message {
            write!(f, ": {message}")?;
        }
        let mut ids: Vec<String> = Vec::new();
        if let Some(id) = &error.request_id {
            ids.push(format!("request id {id}"));
        }
        if let Some(ray) = &error.cf_ray {
            ids.push(format!("cf-ray {ray}"));
        }
        if !ids.is_empty() {
            write!(f, " [{}]", ids.join(", "))?;
        }
        Ok(())
    }
}
