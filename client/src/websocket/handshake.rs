//! The upgrade request as the action loop's [`Sender`]: a byte stream to the server, the
//! handshake head written, the reply head read; a refusal's body read as HTTP/1.1.

use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use codex_api_core::retry::{SplitMix64, TransportErrorKind};
use codex_api_core::websocket::{
    ClientHandshake, DeflateOffer, DeflateParams, HandshakeOutcome, RejectionBody,
};

use super::io::{io_failure, read, write_all};
use crate::driver::{Sender, within_any};
use crate::runtime::{
    ByteStream, ConnectTarget, Dialer, ResponseBody, SendLimits, TransportFailure,
};

/// The size of each read from the connection.
pub(crate) const READ_SIZE: usize = 16 * 1024;

/// Sends upgrade requests over the runtime's byte streams.
pub(crate) struct Upgrade<'a, T> {
    pub(crate) dialer: &'a dyn Dialer,
    pub(crate) connect_timeout: Option<Duration>,
    pub(crate) deflate: bool,
    pub(crate) entropy: u64,
    pub(crate) timer: fn(Instant) -> T,
}

/// The reply to an upgrade: the connection itself (`101`), or a refusal's body.
pub(crate) enum HandshakeBody {
    Upgraded {
        stream: Box<dyn ByteStream>,
        extension: Option<DeflateParams>,
        leftover: Bytes,
    },
    Rejected {
        stream: Box<dyn ByteStream>,
        body: RejectionBody,
        pending: Bytes,
        buf: Box<[u8]>,
    },
}

impl<T: crate::runtime::Timer + 'static> Sender for Upgrade<'_, T> {
    type Body = HandshakeBody;

    async fn send(
        &self,
        request: http::Request<Bytes>,
        limits: SendLimits,
    ) -> Result<(http::response::Parts, HandshakeBody), TransportFailure> {
        let target = ConnectTarget::from_uri(request.uri())?;
        let deadline = self.connect_timeout.map(|timeout| Instant::now() + timeout);
        let mut stream = match within_any(deadline, self.timer, self.dialer.dial(target)).await {
            Ok(stream) => stream?,
            Err(_) => {
                return Err(TransportFailure::new(
                    TransportErrorKind::Timeout,
                    "connect timed out",
                ));
            }
        };
        let (parts, _) = request.into_parts();
        let mut entropy = SplitMix64::new(self.entropy);
        let mut key = [0u8; 16];
        key[..8].copy_from_slice(&entropy.next_u64().to_le_bytes());
        key[8..].copy_from_slice(&entropy.next_u64().to_le_bytes());
        let offer = self.deflate.then(DeflateOffer::new);
        let mut handshake = ClientHandshake::new(http::Request::from_parts(parts, ()), key, offer)
            .map_err(|error| TransportFailure::new(TransportErrorKind::Other, error))?;
        if let Some(head) = handshake.poll_transmit() {
            write_all(&mut stream, &head).await?;
        }
        if let Some(deadline) = limits.deadline {
            stream.set_read_timeout(Some(deadline.saturating_duration_since(Instant::now())));
        }
        let mut buf = vec![0u8; READ_SIZE].into_boxed_slice();
        loop {
            let read = read(&mut stream, &mut buf).await?;
            if read == 0 {
                return Err(TransportFailure::new(
                    TransportErrorKind::Reset,
                    "the connection closed during the WebSocket handshake",
                ));
            }
            let outcome = handshake
                .handle_bytes(&buf[..read])
                .map_err(|error| TransportFailure::new(TransportErrorKind::Other, error))?;
            match outcome {
                None => continue,
                Some(HandshakeOutcome::Upgraded {
                    head,
                    extension,
                    leftover,
                }) => {
                    let body = HandshakeBody::Upgraded {
                        stream,
                        extension,
                        leftover,
                    };
                    return Ok((head, body));
                }
                Some(HandshakeOutcome::Rejected { head, leftover }) => {
                    let body = RejectionBody::for_head(&head)
                        .map_err(|error| TransportFailure::new(TransportErrorKind::Other, error))?;
                    let body = HandshakeBody::Rejected {
                        stream,
                        body,
                        pending: leftover,
                        buf,
                    };
                    return Ok((head, body));
                }
            }
        }
    }
}

impl ResponseBody for HandshakeBody {
    fn poll_chunk(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, TransportFailure>>> {
        let HandshakeBody::Rejected {
            stream,
            body,
            pending,
            buf,
        } = self
        else {
            return Poll::Ready(None);
        };
        loop {
            if !pending.is_empty() {
                let mut out = Vec::new();
                let input = std::mem::take(pending);
                if let Err(error) = body.decode(&input, &mut out) {
                    let failure = TransportFailure::new(TransportErrorKind::Other, error);
                    return Poll::Ready(Some(Err(failure)));
                }
                if !out.is_empty() {
                    return Poll::Ready(Some(Ok(Bytes::from(out))));
                }
            }
            if body.is_done() {
                return Poll::Ready(None);
            }
            match stream.poll_read(cx, buf) {
                Poll::Ready(Ok(0)) => {
                    return Poll::Ready(if body.ends_at_close() {
                        None
                    } else {
                        Some(Err(TransportFailure::new(
                            TransportErrorKind::Reset,
                            "the connection closed inside a refused upgrade's body",
                        )))
                    });
                }
                Poll::Ready(Ok(read)) => *pending = Bytes::copy_from_slice(&buf[..read]),
                Poll::Ready(Err(error)) => return Poll::Ready(Some(Err(io_failure(error)))),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}
