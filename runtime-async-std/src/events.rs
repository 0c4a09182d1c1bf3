//! The response stream: the core's [`ResponseStream`] fed from the open body, read only when
//! the consumer polls (backpressure reaches the socket), its idle deadline on an async-io
//! [`Timer`].

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use async_io::Timer;
use codex_api_core::error::ApiError;
use codex_api_core::stream::{ResponseEvent, ResponseStream, StreamItem};
use futures_core::Stream;

use crate::connection::OpenBody;
use crate::error::Error;

/// The Codex-level events of one response ([`ResponseEvent`]); ends after the terminal event
/// or error. Dropping it before the terminal event closes its connection; once the stream has
/// finished (read to its end or dropped after its terminal event), the connection goes back
/// to the pool, unless the stream ended by idle timeout.
#[derive(Debug)]
pub struct EventStream {
    pump: Pump,
}

/// Every decoded event of one response ([`StreamItem`]: header facts, published and unknown
/// events, `[DONE]`); from [`EventStream::into_raw`].
#[derive(Debug)]
pub struct RawEventStream {
    pump: Pump,
}

#[derive(Debug)]
struct Pump {
    core: Box<ResponseStream>,
    body: Option<OpenBody>,
    timer: Option<(Timer, Instant)>,
}

impl EventStream {
    pub(crate) fn new(core: Box<ResponseStream>, body: Option<OpenBody>) -> Self {
        let pump = Pump {
            core,
            body,
            timer: None,
        };
        EventStream { pump }
    }

    /// The raw view of the same stream (use one view for the whole stream).
    pub fn into_raw(self) -> RawEventStream {
        RawEventStream { pump: self.pump }
    }

    /// The core's stream state: request id, turn state, server model, counters.
    pub fn state(&self) -> &ResponseStream {
        &self.pump.core
    }
}

impl RawEventStream {
    /// The core's stream state: request id, turn state, server model, counters.
    pub fn state(&self) -> &ResponseStream {
        &self.pump.core
    }
}

impl Stream for EventStream {
    type Item = Result<ResponseEvent, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.pump.poll(cx, ResponseStream::poll_event)
    }
}

impl Stream for RawEventStream {
    type Item = Result<StreamItem, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.pump.poll(cx, ResponseStream::poll_stream_event)
    }
}

type Pop<T> = fn(&mut ResponseStream) -> Option<Result<T, ApiError>>;

impl Pump {
    fn poll<T>(&mut self, cx: &mut Context<'_>, pop: Pop<T>) -> Poll<Option<Result<T, Error>>> {
        loop {
            if let Some(item) = pop(&mut self.core) {
                return Poll::Ready(Some(item.map_err(Error::from)));
            }
            if self.core.is_finished() {
                self.body.take().into_iter().for_each(OpenBody::release);
                self.timer = None;
                return Poll::Ready(None);
            }
            let Some(body) = self.body.as_mut() else {
                self.core.handle_eof(Instant::now());
                continue;
            };
            match body.poll_chunk(cx) {
                Poll::Ready(Some(Ok(data))) => self.core.handle_body(Instant::now(), &data),
                Poll::Ready(Some(Err(failure))) => {
                    self.body = None;
                    self.core
                        .handle_transport_error(Instant::now(), failure.kind);
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
        let (timer, armed) = self
            .timer
            .get_or_insert_with(|| (Timer::at(deadline), deadline));
        if *armed != deadline {
            timer.set_at(deadline);
            *armed = deadline;
        }
        if Pin::new(timer).poll(cx).is_pending() {
            return false;
        }
        self.core.handle_timeout(Instant::now().max(deadline));
        if self.core.is_finished() {
            self.body = None; // the connection stalled: close it rather than pool it
        }
        true
    }
}

impl Drop for Pump {
    fn drop(&mut self) {
        // A consumer that stops at the terminal event still gives a finished stream's
        // connection back; an unfinished one is closed with the body.
        if self.core.is_finished() {
            self.body.take().into_iter().for_each(OpenBody::release);
        }
    }
}
