//! One streaming response, Sans-IO: response head and body bytes in, typed events out.
//!
//! [`ResponseStream`] turns the head and body of a `text/event-stream` Responses call into
//! events, at two levels over one queue:
//!
//! - [`ResponseStream::poll_event`]: Codex-level [`ResponseEvent`]s (what an agent acts on);
//! - [`ResponseStream::poll_stream_event`]: every decoded [`StreamEvent`] plus the
//!   header-derived [`MetaEvent`]s and the `[DONE]` sentinel, as [`StreamItem`]s.
//!
//! A caller uses one view for the whole stream.
//!
//! # Rules
//!
//! - Header-derived events come first: server model, rate-limit snapshots, models ETag,
//!   reasoning-included. The request id and `x-codex-turn-state` are captured (accessors).
//! - A 2xx head whose content type is not `text/event-stream` fails with a `protocol` error
//!   naming it (after the header events). A non-2xx head becomes
//!   [`ApiError::from_http`] with an empty body (the `Call` machine normally maps those first).
//! - Terminal events end the stream at once, without waiting for EOF: `response.completed`
//!   (a [`ResponseEvent::Completed`]), `response.failed`, `response.incomplete` and `error`
//!   (one [`ApiError`]). A `data: [DONE]` frame (data exactly `[DONE]`) ends it cleanly. Bytes
//!   and EOF after the end are ignored.
//! - EOF before a terminal event is a retryable `stream_truncated` error carrying the last
//!   sequence number seen.
//! - Every event decoded before a failure is delivered before the error; there is exactly one
//!   terminal outcome, after which the poll methods return `None`.
//! - Unknown event types are kept as [`StreamEvent::Other`] (skipped at the Codex level) and
//!   counted; a non-terminal event that fails to parse is skipped and counted, a terminal one
//!   is a `protocol` error. Sequence-number gaps are counted, never fatal.
//! - An SSE event larger than [`StreamConfig::max_event_size`] is a fatal `protocol` error: it
//!   may have been the terminal event, and a lost event is lost output either way.
//! - Idle timeout: by default any received bytes (SSE comments included) push the deadline
//!   back; [`IdleReset::EventsOnly`] restricts that to decoded events. At or after the
//!   deadline, [`ResponseStream::handle_timeout`] fails the stream with `idle_timeout`.
//!
//! # Driving it
//!
//! ```
//! use std::time::{Duration, Instant};
//! use codex_api_core::stream::{ResponseEvent, ResponseStream, StreamConfig};
//!
//! let head = http::Response::builder()
//!     .status(200)
//!     .header("content-type", "text/event-stream")
//!     .header("openai-model", "gpt-5")
//!     .body(())
//!     .unwrap()
//!     .into_parts()
//!     .0;
//! let now = Instant::now();
//! let mut stream = ResponseStream::new(StreamConfig::default());
//! stream.handle_head(now, &head);
//! stream.handle_body(now, b"event: response.output_text.delta\n\
//!     data: {\"type\":\"response.output_text.delta\",\"item_id\":\"m1\",\"output_index\":0,\"content_index\":0,\"delta\":\"Hi\"}\n\n");
//! stream.handle_body(now, b"data: {\"type\":\"response.completed\",\"response\":{\"id\":\"resp_1\"}}\n\n");
//! assert!(stream.is_finished()); // no EOF needed
//!
//! let mut events = Vec::new();
//! while let Some(event) = stream.poll_event() {
//!     events.push(event.unwrap());
//! }
//! assert_eq!(events[0], ResponseEvent::ServerModel("gpt-5".into()));
//! assert!(matches!(&events[1], ResponseEvent::OutputTextDelta { delta, .. } if delta == "Hi"));
//! assert!(matches!(&events[2], ResponseEvent::Completed { response_id, .. } if response_id == "resp_1"));
//! assert_eq!(stream.poll_timeout(), None);
//! ```
//!
//! An adapter's loop: feed an input (`handle_head`, `handle_body`, `handle_eof`, or
//! `handle_timeout` when [`ResponseStream::poll_timeout`] has passed), drain `poll_event` until
//! `None`, stop reading once [`ResponseStream::is_finished`].

mod codex;
mod config;
mod head;
mod interpreter;
mod item;
pub mod resume;
mod stats;
mod terminal;
mod websocket;

use std::time::Instant;

use http::response::Parts;

pub use codex::CODEX_RATE_LIMITS_EVENT;
pub use config::{DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_EVENT_SIZE, IdleReset, StreamConfig};
pub use head::{
    EVENT_STREAM_MEDIA_TYPE, MODELS_ETAG_HEADER, OAI_REQUEST_ID_HEADER, OPENAI_MODEL_HEADER,
    REASONING_INCLUDED_HEADER, REQUEST_ID_HEADER, TURN_STATE_HEADER,
};
pub use interpreter::DONE_SENTINEL;
pub use item::{MetaEvent, ResponseEvent, StreamItem};
pub use resume::{ResumeRequest, ResumeSettings};
pub use stats::StreamStats;
pub use terminal::is_terminal_type;
pub use websocket::{CONNECTION_LIMIT_CODE, PREVIOUS_RESPONSE_NOT_FOUND_CODE};

use codex::CodexView;
use interpreter::{Interpreter, Phase, Queued};
use resume::ResumeState;

use crate::error::ApiError;
use crate::rate_limit::snapshots_from_headers;
use crate::retry::TransportErrorKind;
use crate::sse::{SseDecoder, SseError};
use crate::wire::Response;
#[cfg(doc)]
use crate::wire::StreamEvent;

/// One streaming response as a Sans-IO state machine (see the [module docs](self)).
#[derive(Debug)]
pub struct ResponseStream {
    decoder: SseDecoder,
    inner: Interpreter,
    codex: CodexView,
    request_id: Option<String>,
    turn_state: Option<String>,
    server_model: Option<String>,
}

impl ResponseStream {
    /// A stream awaiting its response head.
    pub fn new(config: StreamConfig) -> Self {
        ResponseStream {
            decoder: SseDecoder::with_max_event_size(config.max_event_size),
            inner: Interpreter::new(config),
            codex: CodexView::default(),
            request_id: None,
            turn_state: None,
            server_model: None,
        }
    }

    /// The configuration the stream was built with.
    pub fn config(&self) -> &StreamConfig {
        &self.inner.config
    }

    /// Input: the response head. Starts the idle timer. A second head is ignored.
    pub fn handle_head(&mut self, now: Instant, head: &Parts) {
        self.receive_head(Some(now), head);
    }

    /// [`handle_head`](Self::handle_head) with an optional time (`None`: no timer starts).
    pub(crate) fn receive_head(&mut self, now: Option<Instant>, head: &Parts) {
        match self.inner.phase {
            Phase::AwaitingHead => {}
            Phase::Interrupted => return self.receive_resumed_head(now, head),
            Phase::Streaming | Phase::Finished => return,
        }
        self.accept_head(now, head, false);
    }

    /// The head's facts become events; an HTTP head (not `websocket`) must be a 2xx
    /// `text/event-stream` one.
    fn accept_head(&mut self, now: Option<Instant>, head: &Parts, websocket: bool) {
        let headers = &head.headers;
        self.request_id = head::request_id(headers).map(str::to_owned);
        self.turn_state = head::header_text(headers, TURN_STATE_HEADER).map(str::to_owned);
        self.server_model = head::header_text(headers, OPENAI_MODEL_HEADER).map(str::to_owned);
        self.inner.headers = head::error_context(headers);
        if !websocket && !head.status.is_success() {
            self.inner
                .fail(ApiError::from_http(head.status, headers, b"", None));
            return;
        }

        let queue = &mut self.inner.queue;
        let mut push = |meta: MetaEvent| queue.push_back(Queued::Item(StreamItem::Meta(meta)));
        if let Some(model) = &self.server_model {
            push(MetaEvent::ServerModel(model.clone()));
        }
        for snapshot in snapshots_from_headers(headers) {
            push(MetaEvent::RateLimits(snapshot));
        }
        if let Some(etag) = head::header_text(headers, MODELS_ETAG_HEADER) {
            push(MetaEvent::ModelsEtag(etag.to_owned()));
        }
        if headers.contains_key(REASONING_INCLUDED_HEADER) {
            push(MetaEvent::ServerReasoningIncluded(true));
        }

        if !websocket && let Err(wrong) = head::check_content_type(headers) {
            let message = format!(
                "expected content type {EVENT_STREAM_MEDIA_TYPE}, got {}",
                wrong.0
            );
            let error = ApiError::protocol(&message).with_response_head(headers);
            self.inner.fail(error);
            return;
        }
        self.inner.phase = Phase::Streaming;
        self.inner.touch(now);
    }

    /// The head of a resume request's reply: the stream goes on from a fresh SSE decoder.
    /// Only its rate-limit snapshots become events (the other header facts were delivered
    /// with the first head).
    fn receive_resumed_head(&mut self, now: Option<Instant>, head: &Parts) {
        let headers = &head.headers;
        if !head.status.is_success() {
            self.inner
                .fail(ApiError::from_http(head.status, headers, b"", None));
            return;
        }
        if let Err(wrong) = head::check_content_type(headers) {
            let message = format!(
                "expected content type {EVENT_STREAM_MEDIA_TYPE} when resuming, got {}",
                wrong.0
            );
            self.inner
                .fail(ApiError::protocol(&message).with_response_head(headers));
            return;
        }
        if let Some(request_id) = head::request_id(headers) {
            self.request_id = Some(request_id.to_owned());
        }
        self.inner.headers = head::error_context(headers);
        for snapshot in snapshots_from_headers(headers) {
            let meta = StreamItem::Meta(MetaEvent::RateLimits(snapshot));
            self.inner.queue.push_back(Queued::Item(meta));
        }
        self.decoder = SseDecoder::with_max_event_size(self.inner.config.max_event_size);
        if let Some(resume) = self.inner.resume.as_mut() {
            resume.interrupted = None;
            resume.requested = false;
        }
        self.inner.stats.resumes += 1;
        self.inner.phase = Phase::Streaming;
        self.inner.touch(now);
    }

    /// Makes the stream resumable (the stream of a background response; see [`resume`]): a
    /// cut after the response id is known interrupts it instead of ending it, and
    /// [`poll_resume`](Self::poll_resume) says how to continue. Call before any input.
    pub fn enable_resume(&mut self, settings: ResumeSettings) {
        self.inner.resume = Some(ResumeState::new(settings));
    }

    /// Output: the request that continues an interrupted stream, once per interruption;
    /// `None` when the stream is not interrupted (or the request was already handed out).
    /// Send it as a call ([`Call::resuming`](crate::call::Call::resuming)) whose 2xx head
    /// comes back to this stream ([`handle_head`](Self::handle_head)); if that call fails,
    /// feed [`handle_resume_failed`](Self::handle_resume_failed).
    pub fn poll_resume(&mut self) -> Option<ResumeRequest> {
        if self.inner.phase != Phase::Interrupted {
            return None;
        }
        let last = self.inner.sequence.last();
        self.inner.resume.as_mut()?.request(last)
    }

    /// Input: the resume request failed for good. The stream ends with `error` (e.g. a
    /// `not_found` for a response that is gone), or with the cut that interrupted it when
    /// `None` (a transport failure or timeout of the resume).
    pub fn handle_resume_failed(&mut self, error: Option<ApiError>) {
        if self.inner.phase != Phase::Interrupted {
            return;
        }
        let cut = self
            .inner
            .resume
            .as_mut()
            .and_then(|resume| resume.interrupted.take());
        match error.or(cut) {
            Some(error) => self.inner.fail(error),
            None => self
                .inner
                .fail(ApiError::stream_truncated(self.inner.sequence.last())),
        }
    }

    /// How many resumes the stream asked for ([`poll_resume`](Self::poll_resume)) so far.
    pub fn resumes_requested(&self) -> u32 {
        self.inner
            .resume
            .as_ref()
            .map_or(0, |resume| resume.resumes)
    }

    /// Whether the stream was cut and waits for a resume ([`poll_resume`](Self::poll_resume)).
    pub fn is_interrupted(&self) -> bool {
        self.inner.phase == Phase::Interrupted
    }

    /// The response id, once a `response.created` / `queued` / `in_progress` event gave it
    /// (tracked only for resumable streams), else from the final response.
    pub fn response_id(&self) -> Option<&str> {
        self.inner
            .resume
            .as_ref()
            .and_then(|resume| resume.response_id.as_deref())
            .or_else(|| self.codex.final_response.as_ref().map(|r| r.id.as_str()))
    }

    /// The whole `Response` of the terminal event (`response.completed`, `.failed`,
    /// `.incomplete`, or a cancellation), once the Codex-level view
    /// ([`poll_event`](Self::poll_event)) has delivered it. (The raw view hands the event, with
    /// its response, to the caller.)
    pub fn response(&self) -> Option<&Response> {
        self.codex.final_response.as_deref()
    }

    /// Takes the terminal event's `Response` (see [`response`](Self::response)).
    pub fn take_response(&mut self) -> Option<Box<Response>> {
        self.codex.final_response.take()
    }

    /// Input: a chunk of the response body (any size, split anywhere).
    pub fn handle_body(&mut self, now: Instant, chunk: &[u8]) {
        self.receive_body(Some(now), chunk);
    }

    /// [`handle_body`](Self::handle_body) with an optional time (`None`: the timer is not
    /// touched).
    pub(crate) fn receive_body(&mut self, now: Option<Instant>, chunk: &[u8]) {
        let len = u64::try_from(chunk.len()).unwrap_or(u64::MAX);
        self.inner.stats.bytes_received = self.inner.stats.bytes_received.saturating_add(len);
        match self.inner.phase {
            Phase::Finished | Phase::Interrupted => return,
            Phase::AwaitingHead => {
                self.inner
                    .fail(ApiError::protocol("response body received before its head"));
                return;
            }
            Phase::Streaming => {}
        }
        if chunk.is_empty() {
            return;
        }
        if self.inner.config.idle_reset == IdleReset::AnyBytes {
            self.inner.touch(now);
        }
        let inner = &mut self.inner;
        let mut feed = self.decoder.feed(chunk);
        while let Some(next) = feed.next_frame() {
            match next {
                Ok(frame) => inner.handle_frame(now, frame.event(), frame.data()),
                Err(SseError::EventTooLarge { limit }) => {
                    inner.stats.oversized_events += 1;
                    let error = ApiError::protocol(&format!("event exceeded {limit} bytes"))
                        .with_response_head(&inner.headers);
                    inner.fail(error);
                }
            }
            if inner.phase == Phase::Finished {
                break;
            }
        }
    }

    /// Input: the body ended. Before a terminal event this is a retryable `stream_truncated`
    /// error carrying the last sequence number seen.
    pub fn handle_eof(&mut self, _now: Instant) {
        self.receive_eof();
    }

    /// [`handle_eof`](Self::handle_eof) without a time (EOF needs none).
    pub(crate) fn receive_eof(&mut self) {
        self.end_body(None);
    }

    /// Input: reading the body failed in the transport (`kind`). Like an early EOF, this is a
    /// retryable `stream_truncated` error (its message names the failure) unless the stream
    /// already ended; everything decoded before it has been queued first.
    pub fn handle_transport_error(&mut self, _now: Instant, kind: TransportErrorKind) {
        self.end_body(Some(kind));
    }

    fn end_body(&mut self, transport: Option<TransportErrorKind>) {
        match self.inner.phase {
            Phase::Finished | Phase::Interrupted => {}
            phase @ (Phase::AwaitingHead | Phase::Streaming) => {
                // An unterminated block at EOF is discarded (WHATWG); it cannot end the stream.
                let _ = self.decoder.finish();
                let last = self.inner.sequence.last();
                let error = match transport {
                    None => ApiError::stream_truncated(last),
                    Some(kind) => ApiError::stream_interrupted(last, kind),
                }
                .with_response_head(&self.inner.headers);
                if phase == Phase::Streaming {
                    self.inner.cut(error);
                } else {
                    self.inner.fail(error);
                }
            }
        }
    }

    /// Input: the time is now `now`; fails the stream with `idle_timeout` if the deadline from
    /// [`poll_timeout`](Self::poll_timeout) has passed. Earlier calls do nothing.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.inner.phase != Phase::Streaming {
            return;
        }
        let (Some(deadline), Some(idle)) = (self.inner.deadline, self.inner.config.idle_timeout)
        else {
            return;
        };
        if now >= deadline {
            let error = ApiError::idle_timeout(idle).with_response_head(&self.inner.headers);
            self.inner.cut(error);
        }
    }

    /// Output, Codex level: the next event, or the error that ended the stream; `None` when
    /// nothing is queued (for now, or for good once [`is_finished`](Self::is_finished)).
    pub fn poll_event(&mut self) -> Option<Result<ResponseEvent, ApiError>> {
        loop {
            let item = match self.inner.queue.pop_front()? {
                Queued::Error(error) => return Some(Err(error)),
                Queued::Item(item) => item,
            };
            let event = match item {
                StreamItem::Meta(meta) => Some(ResponseEvent::from(meta)),
                StreamItem::Event(event) => self.codex.translate(event, self.inner.end_turn),
                StreamItem::Done => None,
            };
            if let Some(event) = event {
                return Some(Ok(event));
            }
        }
    }

    /// Output, raw level: the next header fact, decoded event or `[DONE]` marker, or the error
    /// that ended the stream; `None` when nothing is queued.
    pub fn poll_stream_event(&mut self) -> Option<Result<StreamItem, ApiError>> {
        Some(match self.inner.queue.pop_front()? {
            Queued::Item(item) => Ok(item),
            Queued::Error(error) => Err(error),
        })
    }

    /// Output: when [`handle_timeout`](Self::handle_timeout) must be called; `None` before
    /// the head, once finished, or with the idle timeout disabled.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.inner.phase {
            Phase::Streaming => self.inner.deadline,
            Phase::AwaitingHead | Phase::Interrupted | Phase::Finished => None,
        }
    }

    /// Whether the terminal outcome is decided: further input is ignored. Queued events may
    /// remain; drain them with the poll methods.
    pub fn is_finished(&self) -> bool {
        self.inner.phase == Phase::Finished
    }

    /// The request id (`x-request-id`, else `x-oai-request-id`) from the head.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The `x-codex-turn-state` value from the head, to echo on later requests of the turn.
    pub fn turn_state(&self) -> Option<&str> {
        self.turn_state.as_deref()
    }

    /// The `openai-model` value from the head.
    pub fn server_model(&self) -> Option<&str> {
        self.server_model.as_deref()
    }

    /// Whether a `data: [DONE]` sentinel ended the stream.
    pub fn done_sentinel_seen(&self) -> bool {
        self.inner.done_sentinel_seen
    }

    /// The last `sequence_number` seen.
    pub fn last_sequence_number(&self) -> Option<u64> {
        self.inner.sequence.last()
    }

    /// How many times the sequence number did not follow the previous one.
    pub fn sequence_gaps(&self) -> u64 {
        self.inner.stats.sequence_gaps
    }

    /// `response.end_turn` of the `response.completed` event, when the server sent it.
    pub fn end_turn(&self) -> Option<bool> {
        self.inner.end_turn
    }

    /// The stream's counters.
    pub fn stats(&self) -> StreamStats {
        self.inner.stats
    }
}
