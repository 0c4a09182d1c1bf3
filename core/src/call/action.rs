//! What a [`Call`](super::Call) asks its adapter to do, and what it finally returns.

use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;

#[cfg(feature = "agent-identity")]
use crate::agent_identity::AgentIdentityError;
use crate::error::ApiError;
use crate::request::BuildError;
use crate::retry::TransportErrorKind;
use crate::stream::ResponseStream;
use crate::unauthorized::RecoveryStep;
use crate::wire::ModelsResponse;

/// The next thing the adapter must do for a [`Call`](super::Call).
///
/// Any action other than [`Action::ReadBody`] means the current response body (if one is
/// open) is no longer wanted: drop it, which closes or recycles the connection.
#[derive(Debug)]
#[non_exhaustive]
pub enum Action {
    /// Send this request. Then feed exactly one of
    /// [`handle_head`](super::Call::handle_head),
    /// [`handle_transport_error`](super::Call::handle_transport_error) or
    /// [`handle_timeout`](super::Call::handle_timeout) (the deadline is
    /// [`poll_timeout`](super::Call::poll_timeout)).
    Send(http::Request<Bytes>),
    /// Read the next chunk of the response body and feed it to
    /// [`handle_body`](super::Call::handle_body), or call
    /// [`handle_body_end`](super::Call::handle_body_end) at its end.
    ReadBody,
    /// Sleep until this instant, then poll again.
    Wait(Instant),
    /// Obtain new credentials for this reason and feed them to
    /// [`handle_credentials`](super::Call::handle_credentials).
    RefreshAuth(RecoveryStep),
    /// A 2xx on the streaming endpoint: its head has been handled; pump the response body
    /// into this stream. The call is over: nothing is retried after this.
    Stream(Box<ResponseStream>),
    /// A 2xx to a resume call ([`Call::resuming`](super::Call::resuming)): feed this head to
    /// the interrupted stream, then pump the response body into it. The call is over.
    Resume(Box<http::response::Parts>),
    /// A `101` to a WebSocket upgrade ([`ResponseMode::Upgrade`](super::ResponseMode::Upgrade)):
    /// the connection is the adapter's, for the WebSocket protocol. The call is over.
    Upgraded(Box<http::response::Parts>),
    /// The call is over with this result.
    Done(Result<CallOutput, CallError>),
    /// A response (head) to the request of the last [`Action::Send`] is owed: feed
    /// [`handle_head`](super::Call::handle_head),
    /// [`handle_transport_error`](super::Call::handle_transport_error), or at `deadline`
    /// [`handle_timeout`](super::Call::handle_timeout). Only returned when polled before the
    /// adapter fed that input.
    AwaitResponse {
        /// When the response is overdue ([`CallLimits::response_timeout`](super::CallLimits)).
        deadline: Option<Instant>,
    },
    /// The credentials of the last [`Action::RefreshAuth`] are owed: feed
    /// [`handle_credentials`](super::Call::handle_credentials). Only returned when polled
    /// before the adapter fed them.
    AwaitCredentials,
    /// The call already returned [`Action::Stream`], [`Action::Resume`] or [`Action::Done`];
    /// nothing more will
    /// happen.
    Finished,
}

/// The successful result of a unary call: the 2xx response's status, headers and whole body.
#[derive(Debug, Clone, PartialEq)]
pub struct CallOutput {
    /// The response status (a 2xx).
    pub status: StatusCode,
    /// The response headers (request id, rate-limit headers, ...).
    pub headers: HeaderMap,
    /// The body, at most the configured success-body cap.
    pub body: Bytes,
}

impl CallOutput {
    /// Decodes the body as JSON into `T`.
    ///
    /// A body that is not the expected JSON is the server breaking the protocol, so the error
    /// is a `protocol` [`ApiError`] carrying the response's request id.
    // `ApiError` is the crate's one error type for server faults; boxing it here only would
    // make this helper unlike every other error path.
    #[allow(clippy::result_large_err)]
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        serde_json::from_slice(&self.body).map_err(|error| {
            ApiError::protocol(&format!("unexpected response body: {error}"))
                .with_response_head(&self.headers)
        })
    }
}

impl CallOutput {
    /// Decodes a `GET models` reply. The `ETag` response header, when present, wins over a
    /// body `etag` (the header describes exactly these bytes).
    #[allow(clippy::result_large_err)]
    pub fn models(&self) -> Result<ModelsResponse, ApiError> {
        let mut models: ModelsResponse = self.json()?;
        let header = self
            .headers
            .get(http::header::ETAG)
            .and_then(|value| value.to_str().ok())
            .map(str::trim)
            .filter(|value| !value.is_empty());
        if let Some(etag) = header {
            models.etag = Some(etag.to_owned());
        }
        Ok(models)
    }
}

/// Why a [`Call`](super::Call) failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    /// The server's error (the last attempt's), including `unauthorized` after auth recovery.
    /// Boxed so that `Result<_, CallError>` stays small.
    #[error(transparent)]
    Api(Box<ApiError>),
    /// The last attempt failed in the transport.
    #[error("transport failure ({kind}) on attempt {attempts}")]
    Transport {
        /// The adapter's classification of the failure.
        kind: TransportErrorKind,
        /// How many requests the call sent in all.
        attempts: u32,
    },
    /// The last attempt's response did not arrive in time.
    #[error("no response within {} ms on attempt {attempts}", after.as_millis())]
    Timeout {
        /// The configured response timeout.
        after: Duration,
        /// How many requests the call sent in all.
        attempts: u32,
    },
    /// A unary success body exceeded the configured cap.
    #[error("response body larger than {limit} bytes")]
    BodyTooLarge {
        /// The cap, in bytes.
        limit: usize,
    },
    /// The request could not be built (a header value the provider or options supplied is
    /// invalid, for example). Nothing was sent.
    #[error("could not build the request: {0}")]
    Build(BuildError),
    /// The client's [`ProviderAuthScope`](crate::agent_identity::ProviderAuthScope) applies
    /// to this request but could not give its credentials (no identity provisioned, no run
    /// task registered, ...). Nothing was sent: the call never falls back to the bearer token.
    #[cfg(feature = "agent-identity")]
    #[error(transparent)]
    AgentIdentity(AgentIdentityError),
}

impl CallError {
    /// A stable machine-readable kind: the [`ApiError::kind`] for server errors, else
    /// `transport`, `timeout`, `body_too_large`, `request_build` or `agent_identity`.
    pub fn kind(&self) -> &'static str {
        match self {
            CallError::Api(error) => error.kind(),
            CallError::Transport { .. } => "transport",
            CallError::Timeout { .. } => "timeout",
            CallError::BodyTooLarge { .. } => "body_too_large",
            CallError::Build(_) => "request_build",
            #[cfg(feature = "agent-identity")]
            CallError::AgentIdentity(_) => "agent_identity",
        }
    }

    /// The server error, when the failure was one.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            CallError::Api(error) => Some(error.as_ref()),
            _ => None,
        }
    }

    /// How long the server asked to wait before trying again, when it said so.
    pub fn retry_after(&self) -> Option<Duration> {
        self.api_error().and_then(ApiError::retry_after)
    }

    /// The HTTP status of the last response, when the failure was a server error.
    pub fn status(&self) -> Option<StatusCode> {
        self.api_error().and_then(ApiError::status)
    }
}

impl From<ApiError> for CallError {
    fn from(error: ApiError) -> Self {
        CallError::Api(Box::new(error))
    }
}
