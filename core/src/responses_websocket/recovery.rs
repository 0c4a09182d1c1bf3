//! What to do when a turn fails before any of its events was delivered.

use std::time::Duration;

use crate::call::{CallError, ClientError};
use crate::error::ApiError;
use crate::retry::{Failure, JitterSource, RetryDecision, RetryInput, RetryPolicy};
use crate::stream::{CONNECTION_LIMIT_CODE, PREVIOUS_RESPONSE_NOT_FOUND_CODE};

/// How a failed turn goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TurnRecovery {
    /// Send the full request again after `delay`, on a new connection when `reconnect`.
    Retry {
        /// The backoff (or the server's delay).
        delay: Duration,
        /// Open a new connection first (the old one is closed or at its limit).
        reconnect: bool,
    },
    /// Send the full input again, without `previous_response_id`, at once, on the same
    /// connection (`previous_response_not_found`; once per turn).
    ResendFull,
    /// A `401` in an error message: run the credentials' recovery plan (as for an HTTP
    /// `401`); with new credentials, send the full request on a new connection, else fail.
    RecoverAuth,
    /// The error is the turn's outcome.
    Fail,
}

/// The recovery of a turn that failed with `error` after `retries_done` retries, when no
/// event was delivered yet (`delivered`: nothing is retried after an event reached the
/// caller). `resent_full` says whether this turn already resent its full input.
pub fn decide_turn_failure(
    policy: &RetryPolicy,
    retries_done: u32,
    error: &ApiError,
    delivered: bool,
    resent_full: bool,
    jitter: &mut dyn JitterSource,
) -> TurnRecovery {
    if delivered {
        return TurnRecovery::Fail;
    }
    if error.kind() == "unauthorized" {
        return TurnRecovery::RecoverAuth;
    }
    match error.code() {
        Some(PREVIOUS_RESPONSE_NOT_FOUND_CODE) if !resent_full => {
            return TurnRecovery::ResendFull;
        }
        Some(CONNECTION_LIMIT_CODE) => {
            if retries_done >= policy.max_retries {
                return TurnRecovery::Fail;
            }
            return TurnRecovery::Retry {
                delay: Duration::ZERO,
                reconnect: true,
            };
        }
        _ => {}
    }
    let (failure, reconnect) = match error.status() {
        Some(status) => (Failure::Status(status), false),
        // A cut connection (close, EOF, reset) or a silent one: a new connection.
        None if matches!(error.kind(), "stream_truncated") => (
            Failure::Transport(crate::retry::TransportErrorKind::Reset),
            true,
        ),
        None if matches!(error.kind(), "idle_timeout") => (Failure::Timeout, true),
        None => return TurnRecovery::Fail,
    };
    let mut input = RetryInput::new(retries_done, failure)
        .with_classified_retryable(error.is_retryable())
        .with_server_delay(error.retry_after());
    input.events_delivered = delivered;
    match policy.decide(&input, jitter) {
        RetryDecision::Retry { delay } => TurnRecovery::Retry { delay, reconnect },
        _ => TurnRecovery::Fail,
    }
}

/// Whether a failed WebSocket `stream` call sends a client with
/// [`Transport::WebSocket`](crate::client_config::Transport::WebSocket) to HTTP for good: a
/// `426` on the upgrade, a transport or protocol failure, or a retryable error left after the
/// retries. An error of the request itself (a `400`, a `401` after recovery, a build error)
/// would fail over HTTP too, and is returned instead.
pub fn falls_back_to_http(error: &ClientError) -> bool {
    match error {
        ClientError::Transport(_) => true,
        ClientError::Api(api) => {
            api.status().map(|status| status.as_u16()) == Some(426)
                || api.is_retryable()
                || api.kind() == "protocol"
        }
        ClientError::Call(call) => !matches!(call, CallError::Build(_)),
    }
}
