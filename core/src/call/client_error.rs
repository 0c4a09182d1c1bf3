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
    /// (if any) to a transport verdict.
    pub fn from_call(error: CallError, last_transport: Option<BoxError>) -> ClientError {
        match error {
            CallError::Api(error) => ClientError::Api(error),
            CallError::Transport { kind, attempts } => ClientError::Transport(TransportError {
                kind,
                attempts,
                source: last_transport,
            }),
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

/// A transport failure of the HTTP stack, with its classification.
#[derive(Debug)]
pub struct TransportError {
    kind: TransportErrorKind,
    attempts: u32,
    source: Option<BoxError>,
}

impl TransportError {
    /// How the failure was classified for the core's retry decision.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// How many requests the call sent in all.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// A failure the adapter itself reports (its HTTP stack gave it nothing better).
    pub fn adapter(message: &'static str) -> TransportError {
        TransportError {
            kind: TransportErrorKind::Other,
            attempts: 0,
            source: Some(message.into()),
        }
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "transport failure ({}) after {} attempt(s)",
            self.kind, self.attempts
        )?;
        if let Some(source) = &self.source {
            write!(f, ": {source}")?;
        }
        Ok(())
    }
}

impl StdError for TransportError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|source| source as &(dyn StdError + 'static))
    }
}
