//! The adapter's error: the core's shared [`ClientError`] (the core's errors plus one transport
//! variant), and how this adapter's HTTP stack failures are classified for the core.

use std::error::Error as StdError;
use std::io;

use codex_api_core::retry::TransportErrorKind;

pub use codex_api_core::call::{BoxError, ClientError as Error, TransportError};

/// Classifies a failure of the HTTP stack for the core (which decides what to do about it).
pub(crate) fn classify(error: &(dyn StdError + 'static)) -> TransportErrorKind {
    let mut next = Some(error);
    let mut kind = None;
    while let Some(error) = next {
        if error.is::<rustls::Error>() {
            return TransportErrorKind::Tls;
        }
        if let Some(io) = error.downcast_ref::<io::Error>() {
            kind = kind.or(TransportErrorKind::from_io(io.kind()));
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

/// Why an HTTP proxy did not open a `CONNECT` tunnel: the source of a
/// [`TransportErrorKind::Connect`] [`TransportError`] (reach it with
/// `std::error::Error::source` and `downcast_ref`). Retryable like any connect failure; the
/// core decides. Names the proxy by host and port only, never its credentials.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProxyError {
    /// The proxy answered with a non-2xx status (407: it wants other credentials).
    #[error("the proxy {proxy} refused the tunnel with status {status}")]
    Refused {
        /// The proxy, `host:port`.
        proxy: String,
        /// The proxy's status code.
        status: u16,
    },
    /// The proxy's answer is not an HTTP/1.x response head (or bytes followed a 2xx head).
    #[error("the proxy {proxy} sent a malformed answer to CONNECT")]
    Malformed {
        /// The proxy, `host:port`.
        proxy: String,
    },
    /// The proxy's response head did not end within `limit` bytes.
    #[error("the proxy {proxy} sent a response head over {limit} bytes")]
    HeadTooLarge {
        /// The proxy, `host:port`.
        proxy: String,
        /// The largest head read.
        limit: usize,
    },
    /// The proxy closed the connection before its response head ended.
    #[error("the proxy {proxy} closed the connection before answering CONNECT")]
    Closed {
        /// The proxy, `host:port`.
        proxy: String,
    },
}

impl ProxyError {
    /// The proxy's status code, for [`ProxyError::Refused`].
    pub fn status(&self) -> Option<u16> {
        match self {
            ProxyError::Refused { status, .. } => Some(*status),
            _ => None,
        }
    }
}
