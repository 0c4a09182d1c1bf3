//! The adapter's error: the core's errors plus one transport variant.

use std::error::Error as StdError;
use std::fmt;
use std::io;

use codex_api_core::call::CallError;
use codex_api_core::error::ApiError;
use codex_api_core::retry::TransportErrorKind;

/// A boxed error from the HTTP stack.
pub type BoxError = Box<dyn StdError + Send + Sync>;

/// Why a call or a stream failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server's error: an error response (after the core's retries and auth recovery), or
    /// an in-stream failure (`response.failed`, `error`, `stream_truncated`, `idle_timeout`, ...).
    #[error(transparent)]
    Api(Box<ApiError>),
    /// Any other outcome the core decided: the response timeout expired, a body was too large,
    /// the request could not be built (its body could not be encoded, say).
    #[error(transparent)]
    Call(CallError),
    /// The transport of the last attempt failed (connect, TLS, reset, ...).
    #[error(transparent)]
    Transport(TransportError),
}

impl Error {
    /// A stable machine-readable kind: the [`ApiError::kind`], the [`CallError::kind`] or
    /// `transport`.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Api(error) => error.kind(),
            Error::Call(error) => error.kind(),
            Error::Transport(_) => "transport",
        }
    }

    /// The server's error, when the failure was one.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Error::Api(error) => Some(error),
            _ => None,
        }
    }

    /// Maps the core's verdict, attaching the last transport failure to a transport verdict.
    pub(crate) fn from_call(error: CallError, last_transport: Option<BoxError>) -> Error {
        match error {
            CallError::Api(error) => Error::Api(error),
            CallError::Transport { kind, attempts } => Error::Transport(TransportError {
                kind,
                attempts,
                source: last_transport,
            }),
            other => Error::Call(other),
        }
    }
}

impl From<ApiError> for Error {
    fn from(error: ApiError) -> Self {
        Error::Api(Box::new(error))
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

    pub(crate) fn adapter(message: &'static str) -> TransportError {
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

/// Classifies a failure of the HTTP stack for the core (which decides what to do about it).
pub(crate) fn classify(error: &(dyn StdError + 'static)) -> TransportErrorKind {
    let mut next = Some(error);
    let mut kind = None;
    while let Some(error) = next {
        if error.is::<rustls::Error>() {
            return TransportErrorKind::Tls;
        }
        if let Some(io) = error.downcast_ref::<io::Error>() {
            kind = kind.or(match io.kind() {
                io::ErrorKind::TimedOut => Some(TransportErrorKind::Timeout),
                io::ErrorKind::ConnectionReset
                | io::ErrorKind::ConnectionAborted
                | io::ErrorKind::BrokenPipe
                | io::ErrorKind::UnexpectedEof => Some(TransportErrorKind::Reset),
                _ => None,
            });
        }
        if let Some(hyper) = error.downcast_ref::<hyper::Error>()
            && (hyper.is_incomplete_message() || hyper.is_closed() || hyper.is_canceled())
        {
            kind = kind.or(Some(TransportErrorKind::Reset));
        }
        // An io::Error's `source()` skips the error it wraps: step into that one instead.
        next = match error.downcast_ref::<io::Error>() {
            Some(io) => io.get_ref().map(|inner| inner as &(dyn StdError + 'static)),
            None => error.source(),
        };
    }
    kind.unwrap_or(TransportErrorKind::Other)
}
