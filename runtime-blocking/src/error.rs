//! The adapter's error: the core's shared [`ClientError`] (the core's errors plus one transport
//! variant), and how this adapter's HTTP stack failures are classified for the core.

use std::io;

use codex_api_core::retry::TransportErrorKind;

pub use codex_api_core::call::{BoxError, ClientError as Error, TransportError};

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
        // `NotFound` here is ureq's "no address for the host".
        ureq::Error::Io(io) if io.kind() == io::ErrorKind::NotFound => TransportErrorKind::Connect,
        ureq::Error::Io(io) => {
            TransportErrorKind::from_io(io.kind()).unwrap_or(TransportErrorKind::Other)
        }
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
