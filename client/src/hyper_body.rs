//! Reading a hyper 1 response body as data chunks (feature `hyper`).

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::Body as _;
use hyper::body::Incoming;

use crate::runtime::TransportFailure;

/// The next data chunk of a hyper body (trailers skipped), `None` at its end; an error is
/// classified like every other transport failure.
pub fn poll_hyper_chunk(
    body: &mut Incoming,
    cx: &mut Context<'_>,
) -> Poll<Option<Result<Bytes, TransportFailure>>> {
    loop {
        return match Pin::new(&mut *body).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                Ok(data) => Poll::Ready(Some(Ok(data))),
                Err(_trailers) => continue,
            },
            Poll::Ready(Some(Err(error))) => {
                Poll::Ready(Some(Err(TransportFailure::classify(error, false))))
            }
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        };
    }
}
