//! The response stream: the core's [`ResponseStream`] fed from the ureq body, read only when
//! the consumer asks for the next item, its idle deadline enforced by ureq's per-read timer.

use std::fmt;
use std::io::{ErrorKind, Read};
use std::time::Instant;

use codex_api_core::error::ApiError;
use codex_api_core::stream::{ResponseEvent, ResponseStream, StreamItem};
use ureq::BodyReader;

use crate::client::READ_BUFFER;
use crate::error::{Error, classify, is_read_timeout};

/// The Codex-level events of one response ([`ResponseEvent`]); ends after the terminal
/// event or error. Dropping it closes its connection.
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

struct Pump {
    core: Box<ResponseStream>,
    body: Option<BodyReader<'static>>,
    /// One fixed buffer, reused for every read.
    buffer: Box<[u8]>,
}

impl fmt::Debug for Pump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pump")
            .field("core", &self.core)
            .field("open", &self.body.is_some())
            .finish_non_exhaustive()
    }
}

impl EventStream {
    pub(crate) fn new(core: Box<ResponseStream>, body: Option<BodyReader<'static>>) -> Self {
        EventStream {
            pump: Pump {
                core,
                body,
                buffer: vec![0_u8; READ_BUFFER].into_boxed_slice(),
            },
        }
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

impl Iterator for EventStream {
    type Item = Result<ResponseEvent, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        self.pump.next(ResponseStream::poll_event)
    }
}

impl Iterator for RawEventStream {
    type Item = Result<StreamItem, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        self.pump.next(ResponseStream::poll_stream_event)
    }
}

type Pop<T> = fn(&mut ResponseStream) -> Option<Result<T, ApiError>>;

impl Pump {
    /// Drains the core; when it has nothing, reads once into the buffer and feeds the result.
    fn next<T>(&mut self, pop: Pop<T>) -> Option<Result<T, Error>> {
        loop {
            if let Some(item) = pop(&mut self.core) {
                return Some(item.map_err(Error::from));
            }
            if self.core.is_finished() {
                self.body = None;
                return None;
            }
            let Some(body) = self.body.as_mut() else {
                self.core.handle_eof(Instant::now());
                continue;
            };
            match body.read(&mut self.buffer) {
                Ok(0) => {
                    self.body = None;
                    self.core.handle_eof(Instant::now());
                }
                Ok(read) => {
                    let now = Instant::now();
                    self.core
                        .handle_body(now, self.buffer.get(..read).unwrap_or_default());
                    // Bytes that do not count as progress (`IdleReset::EventsOnly`) leave the
                    // deadline where it was: it may have passed while they arrived.
                    self.feed_deadline(now);
                }
                Err(error) if error.kind() == ErrorKind::Interrupted => {}
                Err(error) => {
                    self.body = None;
                    let now = Instant::now();
                    let error = ureq::Error::from(error);
                    match self.core.poll_timeout() {
                        // ureq's per-read window (the idle timeout) began after the last bytes
                        // the core saw, so its deadline has passed; `max` only guards against
                        // clock granularity.
                        Some(deadline) if is_read_timeout(&error) => {
                            self.core.handle_timeout(now.max(deadline));
                        }
                        _ => self.core.handle_transport_error(now, classify(&error)),
                    }
                }
            }
        }
    }

    fn feed_deadline(&mut self, now: Instant) {
        if self
            .core
            .poll_timeout()
            .is_some_and(|deadline| now >= deadline)
        {
            self.core.handle_timeout(now);
        }
    }
}
