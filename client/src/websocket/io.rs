//! Reading and writing a type-erased byte stream from async code.

use std::future::poll_fn;
use std::io;

use codex_api_core::retry::TransportErrorKind;

use crate::runtime::{ByteStream, TransportFailure};

/// Writes all of `bytes` and flushes.
pub(crate) async fn write_all(
    stream: &mut Box<dyn ByteStream>,
    mut bytes: &[u8],
) -> Result<(), TransportFailure> {
    while !bytes.is_empty() {
        let written = poll_fn(|cx| stream.poll_write(cx, bytes))
            .await
            .map_err(io_failure)?;
        if written == 0 {
            return Err(TransportFailure::new(
                TransportErrorKind::Reset,
                "the connection accepted no more bytes",
            ));
        }
        bytes = &bytes[written..];
    }
    poll_fn(|cx| stream.poll_flush(cx))
        .await
        .map_err(io_failure)
}

/// Reads once into `buf`; `0` at the end of the stream.
pub(crate) async fn read(
    stream: &mut Box<dyn ByteStream>,
    buf: &mut [u8],
) -> Result<usize, TransportFailure> {
    poll_fn(|cx| stream.poll_read(cx, buf))
        .await
        .map_err(io_failure)
}

/// An I/O error as a transport failure of its kind.
pub(crate) fn io_failure(error: io::Error) -> TransportFailure {
    TransportFailure::classify(error, false)
}
