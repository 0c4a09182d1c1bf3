//! Per-attempt observability records, drained with [`Call::poll_telemetry`](super::Call::poll_telemetry).

use std::time::Duration;

use http::StatusCode;

use crate::retry::{GiveUpReason, TransportErrorKind};

/// How one attempt (one request sent) ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AttemptOutcome {
    /// A 2xx on the streaming endpoint: the response stream was handed out.
    Streamed,
    /// A 2xx on a unary endpoint whose body was read completely.
    Succeeded,
    /// The server answered with an error status (classified as [`AttemptRecord::error_kind`]).
    ErrorStatus,
    /// The transport failed before the response was complete.
    Transport(TransportErrorKind),
    /// The response deadline expired.
    TimedOut,
    /// The success body exceeded the configured cap.
    BodyTooLarge,
    /// A `101` to a WebSocket upgrade: the connection was handed out.
    Upgraded,
}

impl AttemptOutcome {
    /// A stable machine-readable name: `streamed`, `succeeded`, `error_status`, `transport`,
    /// `timed_out`, `body_too_large` or `upgraded`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Streamed => "streamed",
            Self::Succeeded => "succeeded",
            Self::ErrorStatus => "error_status",
            Self::Transport(_) => "transport",
            Self::TimedOut => "timed_out",
            Self::BodyTooLarge => "body_too_large",
            Self::Upgraded => "upgraded",
        }
    }
}

/// What the call decided after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AttemptDecision {
    /// The call ended with this attempt's success.
    Finished,
    /// Retry after the given delay.
    Retry {
        /// The backoff or server delay chosen.
        delay: Duration,
    },
    /// A 401: run the auth-recovery step, then send a follow-up request.
    RecoverAuth,
    /// The call gave up and reports this attempt's error.
    GaveUp {
        /// Why no retry was made (`None` when the failure was a 401 with no recovery step
        /// left, or a failure outside the retry policy's scope).
        reason: Option<GiveUpReason>,
    },
}

/// One attempt of a call, for logs and metrics. Holds no secret and no body.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct AttemptRecord {
    /// 1 for the first request of the call, then 2, 3, ...
    pub attempt: u32,
    /// The HTTP status, when a response head arrived.
    pub status: Option<StatusCode>,
    /// How the attempt ended.
    pub outcome: AttemptOutcome,
    /// The error's stable kind (`rate_limited`, `unauthorized`, `transport`, `timeout`, ...),
    /// when the attempt failed.
    pub error_kind: Option<&'static str>,
    /// The server's request id (`x-request-id`, else `x-oai-request-id`), when known.
    pub request_id: Option<String>,
    /// Time from sending the request to the end of the attempt, from the `Instant`s given to
    /// the call.
    pub elapsed: Duration,
    /// What the call decided next.
    pub decision: AttemptDecision,
    /// Whether this request was the follow-up sent after an auth-recovery step.
    pub after_unauthorized: bool,
    /// The auth-recovery observability tags, when recovery was involved in this attempt.
    pub auth_recovery: Option<Vec<(&'static str, String)>>,
    /// For the call that resumes a cut background stream: which resume (1 for the first).
    pub resume: Option<u32>,
    /// For a turn over the WebSocket transport: whether it ran on a connection that had
    /// served a turn before (`None` for HTTP requests and for the upgrade itself).
    pub connection_reused: Option<bool>,
}

impl AttemptRecord {
    /// The record of one turn over the WebSocket transport (a `response.create` message and
    /// its first reply): `status` and `error_kind` of a failed turn, what was decided.
    #[allow(clippy::too_many_arguments)]
    pub fn websocket_turn(
        attempt: u32,
        outcome: AttemptOutcome,
        status: Option<StatusCode>,
        error_kind: Option<&'static str>,
        request_id: Option<String>,
        elapsed: Duration,
        decision: AttemptDecision,
        connection_reused: bool,
    ) -> Self {
        AttemptRecord {
            attempt,
            status,
            outcome,
            error_kind,
            request_id,
            elapsed,
            decision,
            after_unauthorized: false,
            auth_recovery: None,
            resume: None,
            connection_reused: Some(connection_reused),
        }
    }

    /// The retry delay chosen after this attempt, if it was retried.
    pub fn retry_delay(&self) -> Option<Duration> {
        match self.decision {
            AttemptDecision::Retry { delay } => Some(delay),
            _ => None,
        }
    }
}
