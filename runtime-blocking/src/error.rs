//! The adapter's error: the core's errors plus one transport variant.

use std::error::Error as StdError;
use std::fmt;
use std::io;

use codex_api_core::call::CallError;
use codex_api_core::error::ApiError;
use codex_api_core::request::BuildError;
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
    /// the request could not be built (its body encoded, a header validated).
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

impl From<BuildError> for Error {
    fn from(error: BuildError) -> Self {
        Error::Call(CallError::Build(error))
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

/// Classifies a failure of ureq for the core (which decides what to do about it).
pub(crate) fn classify(error: &ureq::Error) -> TransportErrorKind {
    use ureq::Timeout;
    match error {
        ureq::Error::Timeout(Timeout::Connect | Timeout::Resolve)
        | ureq::Error::HostNotFound
        | ureq::Error::ConnectionFailed
        | ureq::Error::ConnectProxyFailed(_) => TransportErrorKind::Connect,
        ureq::Error::Timeout(_) => TransportErrorKind::Timeout,
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) | ureq::Error::Pem(_) => {
            TransportErrorKind::Tls
        }
        ureq::Error::Io(io)
            if io
                .get_ref()
                .is_some_and(|inner| inner.is::<rustls::Error>()) =>
        {
            TransportErrorKind::Tls
        }
        ureq::Error::Io(io) => match io.kind() {
            io::ErrorKind::ConnectionRefused
            | io::ErrorKind::AddrNotAvailable
            | io::ErrorKind::HostUnreachable
            | io::ErrorKind::NetworkUnreachable
            | io::ErrorKind::NotFound => TransportErrorKind::Connect,
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => TransportErrorKind::Timeout,
            io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
            | io::ErrorKind::UnexpectedEof => TransportErrorKind::Reset,
            _ => TransportErrorKind::Other,
        },
        _ => TransportErrorKind::Other,
    }
}

/// Whether a read failed because ureq's per-read timer (the stream-idle window) expired.
pub(crate) fn is_read_timeout(error: &ureq::Error) -> bool {
    match error {
        ureq::Error::Timeout(_) => true,
        ureq::Error::Io(io) => matches!(
            io.kind(),
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
        ),
        _ => false,
    }
}
