//! The response stream: the core's [`ResponseStream`] fed from any runtime's body, read only
//! when the consumer polls (backpressure reaches the socket), its idle deadline on the
//! runtime's timer. One implementation for every runtime; the blocking client iterates it.

use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Instant;

use codex_api_core::call::ClientError;
use codex_api_core::error::ApiError;
use codex_api_core::request::ResponsesOptions;
use codex_api_core::stream::{ResponseEvent, ResponseStream, StreamItem};
use codex_api_core::wire::Response;
use futures_core::Stream;

use crate::driver::{Inner, Resumed};
use crate::runtime::{ResponseBody, Runtime, Timer};
use crate::telemetry::CallTrace;
use crate::websocket::{Input, TurnSource};

/// The Codex-level events of one response ([`ResponseEvent`]); ends after the terminal event
/// or error.
///
/// Dropping it before the terminal event closes its connection (or resets its HTTP/2 stream);
/// once it has finished, the runtime may keep the connection for reuse.
///
/// For the whole final [`Response`](codex_api_core::wire::Response) object (its
/// `output_text()`, its function calls), call [`EventStream::final_response`]; to fold every
/// raw event yourself, feed the raw view ([`EventStream::into_raw`]) to a
/// [`ResponseAccumulator`](codex_api_core::accumulator::ResponseAccumulator).
///
/// The stream of a background response (`background: true`, or
/// [`Responses::stream`](crate::Responses::stream)) that is cut before its terminal event
/// (EOF, a transport error, the idle timeout) resumes by itself with
/// `GET responses/{id}?stream=true&starting_after=N`: every event is delivered exactly once
/// (duplicates are dropped and counted in
/// [`StreamStats::resume_duplicates`](codex_api_core::stream::StreamStats::resume_duplicates),
/// a gap is a `sequence_gap` error), under the retry policy's budget and backoff.
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
    /// How a cut stream of a background response resumes (`None`: it cannot).
    resumer: Option<Resumer<R>>,
    /// The WebSocket connection this response runs on, instead of an HTTP body.
    ws: Option<TurnSource>,
}

/// The result of a resume call, with the stream's trace it borrowed.
type ResumeOutcome<B> = (Result<Resumed<B>, ClientError>, CallTrace);

/// A resume call in flight.
type ResumeFuture<B> = Pin<Box<dyn Future<Output = ResumeOutcome<B>> + Send>>;

/// What resumes a stream: the client and the options of the call that opened it, and the
/// resume call in flight.
struct Resumer<R: Runtime> {
    inner: Arc<Inner<R>>,
    options: ResponsesOptions,
    pending: Option<ResumeFuture<R::Body>>,
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
            resumer: None,
            ws: None,
        };
        EventStream { pump }
    }

    /// A stream whose events arrive over a WebSocket connection.
    pub(crate) fn websocket(
        core: Box<ResponseStream>,
        source: TurnSource,
        trace: CallTrace,
    ) -> Self {
        let mut events = EventStream::new(core, None, trace);
        events.pump.ws = Some(source);
        events
    }

    /// Lets a cut stream resume (background responses) through `inner` with `options`.
    pub(crate) fn resumable(mut self, inner: Arc<Inner<R>>, options: ResponsesOptions) -> Self {
        self.pump.resumer = Some(Resumer {
            inner,
            options,
            pending: None,
        });
        self
    }

    /// Reads the stream to its end and hands over the final
    /// [`Response`](codex_api_core::wire::Response): the whole object of `response.completed`
    /// (with [`output_text`](codex_api_core::wire::Response::output_text) and
    /// [`function_calls`](codex_api_core::wire::Response::function_calls)). A stream that
    /// ends otherwise gives its error (`response.failed`, `response.incomplete`, a
    /// cancellation, a cut...); the response of a failed or incomplete terminal event is still
    /// [`state().response()`](ResponseStream::response).
    pub async fn final_response(&mut self) -> Result<Response, ClientError> {
        let mut error = None;
        while let Some(event) = poll_fn(|cx| self.poll_event(cx)).await {
            if let Err(failure) = event {
                error = Some(failure);
            }
        }
        finish_response(&mut self.pump.core, error)
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
                self.finish();
                return Poll::Ready(None);
            }
            if self.poll_input(cx).is_pending() {
                return Poll::Pending;
            }
        }
    }

    /// The stream finished: its connection is given back.
    #[cold]
    fn finish(&mut self) {
        self.body.take().into_iter().for_each(ResponseBody::release);
        self.timer = None;
        if let Some(ws) = self.ws.as_mut() {
            ws.finish(true, self.core.response());
        }
    }

    /// Feeds the core what arrived (a body chunk, its end or failure, the idle deadline
    /// passing, a resumed head); `Pending` once nothing more can arrive without waiting.
    fn poll_input(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if self.ws.is_some() {
            return self.poll_websocket(cx);
        }
        if self.core.is_interrupted() {
            return self.poll_resume(cx);
        }
        let Some(body) = self.body.as_mut() else {
            self.core.handle_eof(Instant::now());
            return Poll::Ready(());
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
                // The body ended as its framing says: the connection may serve another
                // request (a resume, or the next call).
                self.body.take().into_iter().for_each(ResponseBody::release);
                self.core.handle_eof(Instant::now());
            }
            Poll::Pending => {
                if !self.poll_idle(cx) {
                    return Poll::Pending;
                }
            }
        }
        Poll::Ready(())
    }

    /// [`poll_input`](Self::poll_input) for a response over a WebSocket connection.
    #[cold]
    fn poll_websocket(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let Some(connection) = self.ws.as_mut().and_then(|ws| ws.connection.as_mut()) else {
            self.core.handle_eof(Instant::now());
            return Poll::Ready(());
        };
        connection.set_read_deadline(self.core.poll_timeout());
        match connection.poll_input(cx) {
            Poll::Ready(Input::Text(text)) => {
                self.core.handle_message(Instant::now(), &text);
            }
            Poll::Ready(Input::Closed) => self.core.handle_eof(Instant::now()),
            Poll::Ready(Input::Failed(failure)) => {
                self.core
                    .handle_transport_error(Instant::now(), failure.kind());
            }
            Poll::Ready(Input::Protocol(description)) => {
                self.core.handle_protocol_error(&description);
            }
            Poll::Pending => {
                if !self.poll_idle(cx) {
                    return Poll::Pending;
                }
            }
        }
        Poll::Ready(())
    }

    /// Drives the resume of an interrupted stream: starts the resume call the core asks for,
    /// and feeds its head (or its failure) back to the stream.
    fn poll_resume(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        self.body = None;
        self.timer = None;
        let Some(resumer) = self.resumer.as_mut() else {
            self.core.handle_resume_failed(None);
            return Poll::Ready(());
        };
        if resumer.pending.is_none() {
            let Some(request) = self.core.poll_resume() else {
                self.core.handle_resume_failed(None);
                return Poll::Ready(());
            };
            let inner = Arc::clone(&resumer.inner);
            let options = resumer.options.clone();
            let mut trace = std::mem::replace(&mut self.trace, CallTrace::detached());
            resumer.pending = Some(Box::pin(async move {
                let result = inner.resume(request, options, &mut trace).await;
                (result, trace)
            }));
        }
        let Some(pending) = resumer.pending.as_mut() else {
            return Poll::Ready(());
        };
        let (result, trace) = ready!(pending.as_mut().poll(cx));
        resumer.pending = None;
        self.trace = trace;
        match result {
            Ok((head, body)) => {
                self.core.handle_head(Instant::now(), &head);
                self.body = body;
            }
            Err(error) => {
                self.trace.failed(error.kind());
                self.core.handle_resume_failed(error.api_error().cloned());
            }
        }
        Poll::Ready(())
    }

    /// Arms the timer at the core's deadline; `true` once the deadline passed and was fed.
    ///
    /// The timer is not moved when progress pushes the deadline back: it fires at the instant
    /// it was armed for, and is re-armed at the deadline of then, if that is later (one timer
    /// registration per idle window, not one per chunk).
    fn poll_idle(&mut self, cx: &mut Context<'_>) -> bool {
        let Some(deadline) = self.core.poll_timeout() else {
            return false;
        };
        let (timer, armed) = self
            .timer
            .get_or_insert_with(|| (R::timer(deadline), deadline));
        if *armed > deadline {
            timer.reset(deadline);
            *armed = deadline;
        }
        while Pin::new(&mut *timer).poll(cx).is_ready() {
            if *armed >= deadline {
                self.expire(Instant::now().max(deadline));
                return true;
            }
            // Armed for an instant the deadline has moved on from.
            timer.reset(deadline);
            *armed = deadline;
        }
        false
    }

    /// The idle deadline passed: the stream ends, and its stalled connection is closed.
    fn expire(&mut self, now: Instant) {
        self.core.handle_timeout(now);
        if self.core.is_finished() {
            self.body = None;
            // The silent response may still arrive on the connection: it cannot be reused.
            let connection = self.ws.as_mut().and_then(|ws| ws.connection.as_mut());
            if let Some(connection) = connection {
                connection.broken = true;
            }
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
        if let Some(ws) = self.ws.as_mut() {
            ws.finish(self.core.is_finished(), self.core.response());
        }
    }
}

/// The final response of a drained stream, or why there is none: the stream's last error, or
/// a `protocol` error when it ended without one (a `[DONE]` alone).
pub(crate) fn finish_response(
    core: &mut ResponseStream,
    error: Option<ClientError>,
) -> Result<Response, ClientError> {
    if let Some(error) = error {
        return Err(error);
    }
    match core.take_response() {
        Some(response) => Ok(*response),
        None => Err(ClientError::from(ApiError::protocol(
            "the stream ended without a terminal response",
        ))),
    }
}
