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
