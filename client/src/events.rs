//! The response stream: the core's [`ResponseStream`] fed from any runtime's body, read only
//! when the consumer polls (backpressure reaches the socket), its idle deadline on the
//! runtime's timer. One implementation for every runtime; the blocking client iterates it.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use codex_api_core::call::ClientError;
use codex_api_core::error::ApiError;
use codex_api_core::stream::{ResponseEvent, ResponseStream, StreamItem};
use futures_core::Stream;

use crate::driver::arm;
use crate::runtime::{ResponseBody, Runtime};
use crate::telemetry::CallTrace;

/// The Codex-level events of one response ([`ResponseEvent`]); ends after the terminal event
/// or error.
///
/// Dropping it before the terminal event closes its connection (or resets its HTTP/2 stream);
/// once it has finished, the runtime may keep the connection for reuse. For the whole final
/// [`Response`](codex_api_core::wire::Response) object, feed the raw view
/// ([`EventStream::into_raw`]) to an
/// [`ResponseAccumulator`](codex_api_core::accumulator::ResponseAccumulator).
pub struct EventStream<R: Runtime> {
    pump: Pump<R>,
}

/// Every decoded event of one response ([`StreamItem`]: header facts, published and unknown
/// events, `[DONE]`); from [`EventStream::into_raw`].
pub struct RawEventStream<R: Runtime> {
    pump: Pump<R>,
}

struct Pump<R: Runtime> {
    core: Box<ResponseStream>,
    body: Option<R::Body>,
    timer: Option<(R::Timer, Instant)>,
    trace: CallTrace,
}

impl<R: Runtime> fmt::Debug for EventStream<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.pump.fmt("EventStream", f)
    }
}

impl<R: Runtime> fmt::Debug for RawEventStream<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.pump.fmt("RawEventStream", f)
    }
}

impl<R: Runtime> EventStream<R> {
    pub(crate) fn new(core: Box<ResponseStream>, body: Option<R::Body>, trace: CallTrace) -> Self {
        let pump = Pump {
            core,
            body,
            timer: None,
            trace,
        };
        EventStream { pump }
    }

    /// The raw view of the same stream (use one view for the whole stream).
    pub fn into_raw(self) -> RawEventStream<R> {
        RawEventStream { pump: self.pump }
    }

    /// The core's stream state: request id, turn state, server model, counters.
    pub fn state(&self) -> &ResponseStream {
        &self.pump.core
    }

    /// [`Stream::poll_next`] without pinning (the stream is `Unpin`).
    pub fn poll_event(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<ResponseEvent, ClientError>>> {
        let polled = self.pump.poll(cx, ResponseStream::poll_event);
        if let Poll::Ready(Some(Ok(ResponseEvent::Completed {
            response_id,
            token_usage,
            ..
        }))) = &polled
        {
            self.pump.trace.completed(response_id, token_usage.as_ref());
        }
        polled
    }
}

impl<R: Runtime> RawEventStream<R> {
    /// The core's stream state: request id, turn state, server model, counters.
    pub fn state(&self) -> &ResponseStream {
        &self.pump.core
    }

    /// [`Stream::poll_next`] without pinning (the stream is `Unpin`).
    pub fn poll_item(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<StreamItem, ClientError>>> {
        self.pump.poll(cx, ResponseStream::poll_stream_event)
    }
}

impl<R: Runtime> Stream for EventStream<R> {
    type Item = Result<ResponseEvent, ClientError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_event(cx)
    }
}

impl<R: Runtime> Stream for RawEventStream<R> {
    type Item = Result<StreamItem, ClientError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_item(cx)
    }
}

type Pop<T> = fn(&mut ResponseStream) -> Option<Result<T, ApiError>>;

impl<R: Runtime> Pump<R> {
    fn poll<T>(
        &mut self,
        cx: &mut Context<'_>,
        pop: Pop<T>,
    ) -> Poll<Option<Result<T, ClientError>>> {
        loop {
            if let Some(item) = pop(&mut self.core) {
                self.trace.event();
                if let Err(error) = &item {
                    self.trace.failed(error.kind());
                }
                return Poll::Ready(Some(item.map_err(ClientError::from)));
            }
            if self.core.is_finished() {
                self.body.take().into_iter().for_each(ResponseBody::release);
                self.timer = None;
                return Poll::Ready(None);
            }
            let Some(body) = self.body.as_mut() else {
                self.core.handle_eof(Instant::now());
                continue;
            };
            match body.poll_chunk(cx) {
                Poll::Ready(Some(Ok(data))) => {
                    let now = Instant::now();
                    self.core.handle_body(now, &data);
                    // Bytes that do not count as progress (`IdleReset::EventsOnly`) leave the
                    // deadline where it was: it may have passed while they arrived.
                    if self
                        .core
                        .poll_timeout()
                        .is_some_and(|deadline| now >= deadline)
                    {
                        self.expire(now);
                    }
                }
                Poll::Ready(Some(Err(failure))) => {
                    self.body = None;
                    let now = Instant::now();
                    match self.core.poll_timeout() {
                        // A runtime timer carrying the idle window expired: the deadline passed
                        // (`max` guards only against clock granularity).
                        Some(deadline) if failure.is_expired() => {
                            self.core.handle_timeout(now.max(deadline));
                        }
                        _ => self.core.handle_transport_error(now, failure.kind()),
                    }
                }
                Poll::Ready(None) => {
                    self.body = None;
                    self.core.handle_eof(Instant::now());
                }
                Poll::Pending => {
                    if !self.poll_idle(cx) {
                        return Poll::Pending;
                    }
                }
            }
        }
    }

    /// Arms the timer at the core's deadline; `true` once the deadline passed and was fed.
    fn poll_idle(&mut self, cx: &mut Context<'_>) -> bool {
        let Some(deadline) = self.core.poll_timeout() else {
            return false;
        };
        let timer = arm(&mut self.timer, deadline, R::timer);
        if Pin::new(timer).poll(cx).is_pending() {
            return false;
        }
        self.expire(Instant::now().max(deadline));
        true
    }

    /// The idle deadline passed: the stream ends, and its stalled connection is closed.
    fn expire(&mut self, now: Instant) {
        self.core.handle_timeout(now);
        if self.core.is_finished() {
            self.body = None;
        }
    }

    fn fmt(&self, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(name)
            .field("core", &self.core)
            .field("open", &self.body.is_some())
            .finish_non_exhaustive()
    }
}

impl<R: Runtime> Drop for Pump<R> {
    fn drop(&mut self) {
        // A consumer that stops at the terminal event still gives a finished stream's
        // connection back; an unfinished one is closed with the body.
        if self.core.is_finished() {
            self.body.take().into_iter().for_each(ResponseBody::release);
        }
    }
}
