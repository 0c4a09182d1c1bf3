//! The error every runtime adapter returns: the core's errors plus one transport variant.
//!
//! The adapters differ only in how they classify a failure of their HTTP stack (a
//! [`TransportErrorKind`]); the error type itself is shared, so a caller sees the same error
//! whatever the runtime.

use std::error::Error as StdError;
use std::fmt;

use super::CallError;
use crate::error::ApiError;
use crate::request::BuildError;
use crate::retry::TransportErrorKind;

/// A boxed error from an adapter's HTTP stack.
pub type BoxError = Box<dyn StdError + Send + Sync>;

/// Why a call or a stream failed. Every adapter's `Error` is this type.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The server's error: an error response (after the core's retries and auth recovery), or
    /// an in-stream failure (`response.failed`, `error`, `stream_truncated`, `idle_timeout`, ...).
    #[error(transparent)]
    Api(Box<ApiError>),
    /// Any other outcome the core decided: the response timeout expired, a body was too large,
    /// the request could not be built (its body encoded, a header validated).
    #[error(transparent)]
    Call(CallError),
    /// The transport of the last attempt failed (connect, TLS, reset, ...).
    #[error(transparent)]
    Transport(TransportError),
}

impl ClientError {
    /// A stable machine-readable kind: the [`ApiError::kind`], the [`CallError::kind`] or
    /// `transport`.
    pub fn kind(&self) -> &'static str {
        match self {
            ClientError::Api(error) => error.kind(),
            ClientError::Call(error) => error.kind(),
            ClientError::Transport(_) => "transport",
        }
    }

    /// The server's error, when the failure was one.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            ClientError::Api(error) => Some(error),
            _ => None,
        }
    }

    /// Maps a [`Call`](super::Call)'s verdict, attaching the adapter's last transport failure
    /// (if any: where it was going, and the HTTP stack's error) to a transport verdict.
    pub fn from_call(error: CallError, last_transport: Option<TransportCause>) -> ClientError {
        match error {
            CallError::Api(error) => ClientError::Api(error),
            CallError::Transport { kind, attempts } => {
                let mut transport = TransportError::new(kind, attempts);
                if let Some(cause) = last_transport {
                    transport = transport.with_cause(cause);
                }
                ClientError::Transport(transport)
            }
            other => ClientError::Call(other),
        }
    }
}

impl From<BuildError> for ClientError {
    fn from(error: BuildError) -> Self {
        ClientError::Call(CallError::Build(error))
    }
}

impl From<ApiError> for ClientError {
    fn from(error: ApiError) -> Self {
        ClientError::Api(Box::new(error))
    }
}

/// What an adapter knows of a transport failure: where the request was going (`host:port`)
/// and the error of its HTTP stack.
#[derive(Debug)]
pub struct TransportCause {
    /// `host:port` of the request (the origin, not the proxy).
    pub target: Option<String>,
    /// The HTTP stack's error, whole (kept for `downcast_ref`).
    pub error: BoxError,
}

impl TransportCause {
    /// A cause with no known target.
    pub fn new(error: impl Into<BoxError>) -> Self {
        TransportCause {
            target: None,
            error: error.into(),
        }
    }

    /// Names where the request was going (`host:port`).
    pub fn with_target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }
}

/// A transport failure of the HTTP stack, with its classification.
///
/// Its message names the failure, the target and the root cause in words, e.g.
/// `connect to 127.0.0.1:9 failed after 3 attempts: Connection refused (os error 111)`.
/// The root cause's text is part of that message, so [`source`](StdError::source) does not
/// return it again (a chain printed with `{:#}`, anyhow or eyre names each cause once); the
/// HTTP stack's whole error stays reachable with [`TransportError::cause`] for
/// `downcast_ref`.
#[derive(Debug)]
pub struct TransportError {
    kind: TransportErrorKind,
    attempts: u32,
    target: Option<String>,
    cause: Option<BoxError>,
    /// The root cause's text, found once when the cause is attached.
    reason: Option<String>,
}

impl TransportError {
    /// A failure of `kind` after `attempts` requests, with no known cause.
    pub fn new(kind: TransportErrorKind, attempts: u32) -> TransportError {
        TransportError {
            kind,
            attempts,
            target: None,
            cause: None,
            reason: None,
        }
    }

    /// Attaches the adapter's knowledge of the failure: its target and the stack's error.
    pub fn with_cause(mut self, cause: TransportCause) -> TransportError {
        self.reason = Some(root_cause_text(cause.error.as_ref()));
        self.target = cause.target;
        self.cause = Some(cause.error);
        self
    }

    /// How the failure was classified for the core's retry decision.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// How many requests the call sent in all.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// `host:port` the failed request was going to, when known.
    pub fn target(&self) -> Option<&str> {
        self.target.as_deref()
    }

    /// The HTTP stack's whole error (for `downcast_ref`), when the adapter had one.
    pub fn cause(&self) -> Option<&(dyn StdError + Send + Sync + 'static)> {
        self.cause.as_deref()
    }

    /// The root cause's text (the innermost error of the stack's chain), when known.
    pub fn reason(&self) -> Option<&str> {
        self.reason.as_deref()
    }

    /// A failure the adapter itself reports (its HTTP stack gave it nothing better).
    pub fn adapter(message: &'static str) -> TransportError {
        TransportError::new(TransportErrorKind::Other, 0).with_cause(TransportCause::new(message))
    }
}

/// The text of the innermost error of `error`'s chain. An `io::Error`'s `source()` skips the
/// error it wraps, so the walk steps into that one instead.
fn root_cause_text(error: &(dyn StdError + 'static)) -> String {
    let mut current = error;
    loop {
        let next = match current.downcast_ref::<std::io::Error>() {
            Some(io) => io.get_ref().map(|inner| inner as &(dyn StdError + 'static)),
            None => current.source(),
        };
        match next {
            Some(next) => current = next,
            None => return current.to_string(),
        }
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.target, self.kind) {
            (Some(target), TransportErrorKind::Connect) => write!(f, "connect to {target} failed"),
            (Some(target), TransportErrorKind::Dns) => {
                let host = target
                    .rsplit_once(':')
                    .map_or(target.as_str(), |(host, _)| host);
                write!(f, "DNS lookup of {host} failed")
            }
            (Some(target), TransportErrorKind::Tls) => write!(f, "TLS with {target} failed"),
            (Some(target), TransportErrorKind::Reset) => {
                write!(f, "connection to {target} closed early")
            }
            (Some(target), TransportErrorKind::Timeout) => {
                write!(f, "connection to {target} timed out")
            }
            (Some(target), _) => write!(f, "request to {target} failed"),
            (None, kind) => write!(f, "transport failure ({kind})"),
        }?;
        if self.attempts > 1 {
            write!(f, " after {} attempts", self.attempts)?;
        }
        if let Some(reason) = &self.reason {
            write!(f, ": {reason}")?;
        }
        Ok(())
    }
}

/// The root cause is part of the message, so nothing is returned here (see the type's docs).
impl StdError for TransportError {}
