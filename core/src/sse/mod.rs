//! Server-sent events: a WHATWG-exact, zero-allocation decoder.
//!
//! [`SseDecoder`] implements the HTML standard's "interpreting an event stream" for a body
//! that arrives in chunks of any size:
//!
//! - one leading BOM (`EF BB BF`) is stripped, even when split across chunks; a second is data;
//! - lines end at CRLF, LF or a lone CR; a CR ending a chunk ends the line at once, and an LF
//!   starting the next chunk is then swallowed;
//! - `:` starts a comment; otherwise the field name is the text before the first `:` and the
//!   value the text after it minus one leading space (a line without `:` is a field with an
//!   empty value);
//! - `data` appends the value and a LF, `event` sets the event type, `id` sets the last event
//!   id unless the value contains NUL, `retry` sets the reconnection time when the value is
//!   non-empty ASCII digits; other fields are ignored;
//! - a blank line dispatches a [`Frame`] when the data buffer is non-empty (its final LF
//!   removed), and in any case resets the data and event-type buffers;
//! - at end of stream ([`SseDecoder::finish`]) an unterminated block is discarded;
//! - invalid UTF-8 becomes U+FFFD (as `String::from_utf8_lossy`) and never stops decoding;
//! - an event past the size limit yields one [`SseError::EventTooLarge`], then the decoder
//!   skips to the next blank line and carries on.
//!
//! ```
//! use codex_api_core::sse::{SseDecoder, SseError};
//!
//! let mut decoder = SseDecoder::with_max_event_size(32);
//! let body: &[u8] = b"\xEF\xBB\xBF: keep-alive\r\n\
//!     event: response.created\ndata: {\"a\":1}\n\n\
//!     data: far more than the thirty-two bytes allowed\n\n\
//!     id: 42\ndata: ok\n\n";
//! let mut out = Vec::new();
//! for chunk in body.chunks(5) {
//!     let mut feed = decoder.feed(chunk);
//!     while let Some(item) = feed.next_frame() {
//!         // A frame borrows the decoder until the next call: copy out what you keep.
//!         out.push(item.map(|frame| (frame.event().map(str::to_owned), frame.data().to_owned())));
//!     }
//! }
//! assert_eq!(out, [
//!     Ok((Some("response.created".to_owned()), "{\"a\":1}".to_owned())),
//!     Err(SseError::EventTooLarge { limit: 32 }),
//!     Ok((None, "ok".to_owned())),
//! ]);
//! assert_eq!(decoder.last_event_id(), "42");
//! assert!(!decoder.finish().discarded_incomplete_event);
//! assert_eq!(decoder.stats().frames, 2);
//! ```
//!
//! The decoder scans each byte once (`memchr2` for CR/LF with a resume offset), parses lines
//! straight from the caller's chunk, and validates each chunk's UTF-8 once (simdutf8). A frame
//! whose `event` and single `data` line lie wholly inside the chunk borrows them from it (no
//! copy); otherwise values stream into the buffer they belong to (a value split across chunks
//! piece by piece: up to five bytes of a field name, three of a UTF-8 sequence, and up to 255
//! bytes of a value arriving in pieces shorter than 16 bytes, staged inline and validated
//! together, are carried between chunks; staging never delays a size-limit error). The
//! buffers are reused, so a warmed-up decoder allocates nothing per frame. [`SseStats`]
//! exposes the counters that prove it.

mod budget;
mod decoder;
mod lend;
mod line;
mod utf8;

pub use decoder::{DEFAULT_MAX_EVENT_SIZE, Feed, SseDecoder};

/// One dispatched event, borrowing the decoder's buffers (or the chunk) until the next call on
/// its [`Feed`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame<'a> {
    pub(crate) event: Option<&'a str>,
    pub(crate) data: &'a str,
    pub(crate) id: Option<&'a str>,
}

impl<'a> Frame<'a> {
    /// The event type; `None` when no `event` field (or an empty one) set it, which means
    /// `message`.
    pub fn event(&self) -> Option<&'a str> {
        self.event
    }

    /// The data: the `data` values of the block joined by LF.
    pub fn data(&self) -> &'a str {
        self.data
    }

    /// The last event id at dispatch (it persists across frames); `None` when empty.
    pub fn id(&self) -> Option<&'a str> {
        self.id
    }
}

/// What [`SseDecoder::finish`] found at end of stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Finish {
    /// The stream ended inside a block, which was discarded (see [`SseDecoder::finish`] for
    /// the exact definition).
    pub discarded_incomplete_event: bool,
}

/// Counters of an [`SseDecoder`]; deterministic, for proving linear work and bounded memory.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SseStats {
    /// Bytes examined by the line scanner. Every input byte is scanned exactly once, so after
    /// all feeds are drained this equals the number of bytes fed, whatever the chunking.
    pub bytes_scanned: u64,
    /// Frames dispatched.
    pub frames: u64,
    /// [`SseError::EventTooLarge`] errors reported.
    pub events_too_large: u64,
    /// Bytes allocated right now: the capacity of the text buffers (never above the limit)
    /// plus that of the copy of an undrained feed's bytes.
    pub memory_held: usize,
}

/// Errors of the SSE decoder. Decoding always continues after one.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SseError {
    /// An event needed more than `limit` bytes; it was dropped and the decoder skipped to the
    /// next blank line.
    #[error("server-sent event larger than the {limit}-byte limit was skipped")]
    EventTooLarge {
        /// The configured limit, in bytes.
        limit: usize,
    },
}
