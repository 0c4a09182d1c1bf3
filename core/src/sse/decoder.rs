//! [`SseDecoder`]: the line scanner, the BOM, chunk boundaries, end of stream and counters.

use std::fmt;

use memchr::memchr2;

use super::budget::{Buffers, OverBudget};
use super::lend::{Lent, Whole};
use super::line::{LineOutcome, LineState, ValueState};
use super::{Finish, Frame, SseError, SseStats};

/// Default limit on the bytes held for one event: 128 MiB (legitimate Responses events exceed
/// 28 MiB).
pub const DEFAULT_MAX_EVENT_SIZE: usize = 128 * 1024 * 1024;

/// The UTF-8 byte order mark, stripped once at the start of a stream.
const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

/// Progress through a possible leading BOM.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Bom {
    /// At the start of a stream: this many bytes of the BOM matched so far (0..=2).
    Pending(u8),
    /// Stripped, or the stream did not start with one.
    Done,
}

/// Below this many bytes, a line end is searched for with a plain loop rather than `memchr2`
/// (whose setup costs more than it saves on a few bytes, e.g. with 1-byte chunks).
const SHORT_SCAN: usize = 16;

/// What one step of scanning produced.
enum Step<'i> {
    /// A frame is ready: in the buffers, except the values lent from the input.
    Frame(Lent<'i>),
    /// An event crossed the size limit.
    TooLarge,
}

/// Incremental decoder for a `text/event-stream` body, exact to the HTML standard's
/// "interpreting an event stream".
///
/// Feed it the body in chunks of any size with [`feed`](Self::feed) and drain each [`Feed`]
/// with [`Feed::next_frame`]; call [`finish`](Self::finish) at end of stream. Frames borrow
/// the chunk or the decoder's reused buffers, so a warmed-up decoder allocates nothing per
/// frame.
///
/// ```
/// use codex_api_core::sse::SseDecoder;
///
/// let mut decoder = SseDecoder::new();
/// let mut seen = Vec::new();
/// for chunk in [&b"event: ping\nda"[..], b"ta: {}\r", b"\nid: 7\ndata: a\n\n"] {
///     let mut feed = decoder.feed(chunk);
///     while let Some(frame) = feed.next_frame() {
///         let frame = frame.expect("small events");
///         // Frames borrow the decoder: copy out what outlives the loop.
///         seen.push(format!("{:?} {:?} {:?}", frame.event(), frame.data(), frame.id()));
///     }
/// }
/// assert_eq!(seen, [r#"Some("ping") "{}\na" Some("7")"#]);
/// assert_eq!(decoder.last_event_id(), "7");
/// assert!(!decoder.finish().discarded_incomplete_event);
/// ```
///
/// # Size limit and memory
///
/// The limit ([`with_max_event_size`](Self::with_max_event_size), default
/// [`DEFAULT_MAX_EVENT_SIZE`]) bounds the bytes the decoder holds for the stream: the pending
/// block's data buffer (decoded text, LFs included) and event-type buffer, the value of an `id`
/// line being received, and the last event id (both the one set by the pending block and the
/// committed one). For ordinary short ids, that is the size of the event's data plus its type.
/// Field names, comments, unknown fields and line terminators cost nothing and are not counted.
/// When a push would cross the limit, [`Feed::next_frame`] yields
/// [`SseError::EventTooLarge`] once, the block is dropped, and lines are skipped up to the next
/// blank line, after which decoding continues normally. Lines of that block before the crossing
/// were applied as usual (a `retry` there took effect), but the block's `id` is not committed.
///
/// The buffers' combined *capacity* also stays within the limit (see
/// [`SseStats::memory_held`]); the only other memory is a few hundred bytes of fixed state and,
/// if a [`Feed`] is dropped undrained, the copy of its unread bytes (at most one chunk, unless
/// feeds are dropped again before the kept bytes were drained; its capacity is kept for reuse).
///
/// # Reuse across connections
///
/// [`finish`](Self::finish) resets the per-stream state (a new stream may start with a BOM) but
/// keeps [`last_event_id`](Self::last_event_id) and
/// [`reconnection_time_ms`](Self::reconnection_time_ms), as an `EventSource` keeps them across
/// reconnections; [`reset`](Self::reset) forgets them too.
pub struct SseDecoder {
    pub(super) buffers: Buffers,
    pub(super) line: LineState,
    pub(super) value: ValueState,
    pub(super) discarding: bool,
    pub(super) block_has_field: bool,
    pub(super) id_pending_set: bool,
    pub(super) frame_out: bool,
    pub(super) reconnection_time_ms: Option<u64>,
    pub(super) stats: SseStats,
    bom: Bom,
    after_cr: bool,
    backlog: Vec<u8>,
    backlog_read: usize,
}

impl Default for SseDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for SseDecoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SseDecoder")
            .field("max_event_size", &self.buffers.limit)
            .field("last_event_id", &self.last_event_id())
            .field("reconnection_time_ms", &self.reconnection_time_ms)
            .field("held_bytes", &self.buffers.held())
            .field("discarding", &self.discarding)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl SseDecoder {
    /// A decoder with the default limit of 128 MiB per event.
    pub fn new() -> Self {
        Self::with_max_event_size(DEFAULT_MAX_EVENT_SIZE)
    }

    /// A decoder that holds at most `max_event_size` bytes per event (see the type's docs for
    /// what is counted).
    pub fn with_max_event_size(max_event_size: usize) -> Self {
        Self {
            buffers: Buffers::new(max_event_size),
            line: LineState::Start,
            value: ValueState::default(),
            discarding: false,
            block_has_field: false,
            id_pending_set: false,
            frame_out: false,
            reconnection_time_ms: None,
            stats: SseStats::default(),
            bom: Bom::Pending(0),
            after_cr: false,
            backlog: Vec::new(),
            backlog_read: 0,
        }
    }

    /// The configured limit, in bytes.
    pub fn max_event_size(&self) -> usize {
        self.buffers.limit
    }

    /// Hands the decoder the next chunk of the body; drain the result with
    /// [`Feed::next_frame`].
    ///
    /// If the [`Feed`] is dropped before `next_frame` returned `None`, its unread bytes are
    /// copied and decoded first by the next `feed` (use `feed(&[])` to drain them without new
    /// input); nothing is lost.
    pub fn feed<'a>(&'a mut self, chunk: &'a [u8]) -> Feed<'a> {
        Feed {
            decoder: self,
            chunk,
            text: valid_prefix(chunk),
            read: 0,
        }
    }

    /// End of stream: discards an unterminated block and reports whether there was one.
    ///
    /// `discarded_incomplete_event` is true exactly when the stream ended inside a block: a
    /// `data`, `event` or `id` line was processed since the last blank line (lines of
    /// unknown fields and `retry` build no event, so they leave nothing to discard), or a line
    /// was left unterminated (even a comment, or a lone part of a BOM),
    /// or an oversize block was being skipped, or bytes of an undrained [`Feed`] were never
    /// decoded. A stream ending after a blank line or after complete comment lines reports
    /// false; a CR as the very last byte completes its line (no LF is awaited), so
    /// `"data: x\n\r"` reports false and `"data: x\r"` true (its field line was processed).
    ///
    /// Afterwards the decoder is ready for a new stream (see the type's docs on reuse).
    pub fn finish(&mut self) -> Finish {
        self.settle();
        let partial_line = self.line != LineState::Start || matches!(self.bom, Bom::Pending(1..));
        let unread = self.backlog_read < self.backlog.len();
        let discarded = self.block_has_field || partial_line || self.discarding || unread;
        self.drop_block();
        self.line = LineState::Start;
        self.discarding = false;
        self.bom = Bom::Pending(0);
        self.after_cr = false;
        self.backlog.clear();
        self.backlog_read = 0;
        Finish {
            discarded_incomplete_event: discarded,
        }
    }

    /// Forgets everything but the limit, the counters and the buffers' capacity: as
    /// [`finish`](Self::finish), and also clears the last event id and reconnection time.
    pub fn reset(&mut self) {
        self.finish();
        self.buffers.id_committed.clear();
        self.reconnection_time_ms = None;
    }

    /// The last event id as of the last blank line (what a reconnection sends as
    /// `Last-Event-ID`); empty when none was set or an empty `id` reset it.
    pub fn last_event_id(&self) -> &str {
        &self.buffers.id_committed
    }

    /// The reconnection time in milliseconds set by the last valid `retry` field, if any.
    pub fn reconnection_time_ms(&self) -> Option<u64> {
        self.reconnection_time_ms
    }

    /// Counters and current memory use.
    pub fn stats(&self) -> SseStats {
        SseStats {
            memory_held: self.buffers.capacity() + self.backlog.capacity(),
            ..self.stats
        }
    }

    /// Clears the buffers of the frame handed out last (its borrow has ended).
    fn settle(&mut self) {
        if self.frame_out {
            self.frame_out = false;
            self.buffers.data.clear();
            self.buffers.event.clear();
        }
    }

    /// The frame now in the buffers and `lent`.
    fn frame<'f>(&'f self, lent: Lent<'f>) -> Frame<'f> {
        let buffers = &self.buffers;
        Frame {
            event: lent
                .event
                .or_else(|| (!buffers.event.is_empty()).then_some(buffers.event.as_str())),
            data: lent.data.unwrap_or(&buffers.data),
            id: (!buffers.id_committed.is_empty()).then_some(buffers.id_committed.as_str()),
        }
    }

    /// Next outcome from the kept bytes of an undrained feed, then from `chunk`.
    fn step<'i>(&mut self, chunk: &'i [u8], text: &'i str, read: &mut usize) -> Option<Step<'i>> {
        // The last byte of a chunk inside a `data` or `event` value (values arriving byte by
        // byte): staged at once, as `append_value` would stage it.
        if let LineState::Value {
            field,
            at_value_start: false,
        } = self.line
            && let Some(&[byte]) = chunk.get(*read..)
            && byte != b'\r'
            && byte != b'\n'
            && !self.frame_out
            && self.backlog_read >= self.backlog.len()
            && self.stage_value(field, &[byte])
        {
            *read += 1;
            self.stats.bytes_scanned += 1;
            return None;
        }
        self.settle();
        if self.backlog_read < self.backlog.len() {
            let backlog = std::mem::take(&mut self.backlog);
            let mut backlog_read = self.backlog_read;
            // Nothing is lent from the backlog (it is moved out while scanned).
            let step = self
                .scan(&backlog, "", &mut backlog_read, false)
                .map(|step| match step {
                    Step::Frame(_) => Step::Frame(Lent::default()),
                    Step::TooLarge => Step::TooLarge,
                });
            self.backlog = backlog;
            self.backlog_read = backlog_read;
            if backlog_read >= self.backlog.len() {
                self.backlog.clear();
                self.backlog_read = 0;
            }
            if step.is_some() {
                return step;
            }
        }
        if !matches!(self.line, LineState::Start)
            && !self.after_cr
            && let Some(rest) = chunk.get(*read..)
            && rest.len() < SHORT_SCAN
            && !rest.iter().any(|&byte| byte == b'\r' || byte == b'\n')
        {
            // A short piece inside a line (e.g. 1-byte chunks): straight to the line's state,
            // without the scanner (nothing to find, nothing to lend, no BOM before a line).
            *read = chunk.len();
            self.stats.bytes_scanned += rest.len() as u64;
            if let LineState::Value {
                field,
                at_value_start: false,
            } = self.line
            {
                return match self.append_value(field, rest) {
                    Ok(()) => None,
                    Err(OverBudget) => Some(self.over_budget(false)),
                };
            }
            return self.handle_segment(rest, false);
        }
        self.scan(chunk, text, read, true)
    }

    /// Keeps the unread rest of a dropped feed for the next one.
    fn keep_unread(&mut self, rest: &[u8]) {
        if self.backlog_read > 0 {
            self.backlog.drain(..self.backlog_read);
            self.backlog_read = 0;
        }
        // Exact: the copy never holds more than the unread bytes (no doubling slack).
        self.backlog.reserve_exact(rest.len());
        self.backlog.extend_from_slice(rest);
    }

    /// Scans `input` from `*read` up to the next frame or error (or its end). With `lend`,
    /// values of whole lines are lent from `input` rather than copied, until the frame is
    /// handed out or the input runs out. `text` is a prefix of `input` known to be valid UTF-8.
    fn scan<'i>(
        &mut self,
        input: &'i [u8],
        text: &'i str,
        read: &mut usize,
        lend: bool,
    ) -> Option<Step<'i>> {
        let mut lent = Lent::default();
        loop {
            let rest = input.get(*read..).unwrap_or_default();
            let Some(&first) = rest.first() else {
                self.keep_lent(&mut lent);
                return None;
            };
            if self.after_cr {
                // A CR ended the previous chunk's last line; an LF right after it belongs to it.
                self.after_cr = false;
                if first == b'\n' {
                    *read += 1;
                    self.stats.bytes_scanned += 1;
                    continue;
                }
            }
            if let Bom::Pending(matched) = self.bom {
                if let Some(step) = self.match_bom(matched, first, read) {
                    return Some(step);
                }
                continue;
            }
            let line_end = if first == b'\n' || first == b'\r' {
                // A blank line (or the end of a split one).
                Some(0)
            } else if rest.len() < SHORT_SCAN {
                rest.iter().position(|&byte| byte == b'\r' || byte == b'\n')
            } else {
                memchr2(b'\r', b'\n', rest)
            };
            let (segment, eol, consumed) = match line_end {
                Some(at) => {
                    let mut consumed = at + 1;
                    if rest[at] == b'\r' {
                        match rest.get(at + 1) {
                            Some(b'\n') => consumed += 1,
                            Some(_) => {}
                            None => self.after_cr = true,
                        }
                    }
                    (&rest[..at], true, consumed)
                }
                None => (rest, false, rest.len()),
            };
            let line_start = *read;
            *read += consumed;
            self.stats.bytes_scanned += consumed as u64;
            if lend && eol && matches!(self.line, LineState::Start) && !self.discarding {
                match self.whole_line(segment, line_start, text, &mut lent) {
                    Ok(Whole::Applied) => continue,
                    Ok(Whole::Dispatched) => return Some(Step::Frame(lent)),
                    Ok(Whole::General) => {}
                    Err(OverBudget) => return Some(self.over_budget(true)),
                }
            }
            if !eol
                && let LineState::Value {
                    field,
                    at_value_start: false,
                } = self.line
            {
                // The middle of a value split across chunks (e.g. 1-byte chunks): append it.
                // (Only a scan's first segment can be inside a line, so nothing is lent yet.)
                debug_assert!(lent.data.is_none() && lent.event.is_none());
                match self.append_value(field, segment) {
                    Ok(()) => continue,
                    Err(OverBudget) => return Some(self.over_budget(false)),
                }
            }
            self.keep_lent(&mut lent);
            if let Some(step) = self.handle_segment(segment, eol) {
                return Some(step);
            }
        }
    }

    /// One byte at the start of a stream, while a BOM may still be arriving.
    fn match_bom(&mut self, matched: u8, byte: u8, read: &mut usize) -> Option<Step<'static>> {
        let matched = usize::from(matched);
        if BOM.get(matched) == Some(&byte) {
            *read += 1;
            self.stats.bytes_scanned += 1;
            self.bom = if matched + 1 == BOM.len() {
                Bom::Done
            } else {
                Bom::Pending((matched + 1) as u8)
            };
            return None;
        }
        // Not a BOM: the bytes matched so far are the start of the first line (they hold no
        // line terminator). `byte` is scanned normally next.
        self.bom = Bom::Done;
        let prefix = BOM;
        self.handle_segment(prefix.get(..matched).unwrap_or_default(), false)
    }

    /// Applies a line segment, turning a budget overrun into the start of a resync.
    fn handle_segment(&mut self, segment: &[u8], eol: bool) -> Option<Step<'static>> {
        match self.process_segment(segment, eol) {
            Ok(LineOutcome::Nothing) => None,
            Ok(LineOutcome::Dispatched) => Some(Step::Frame(Lent::default())),
            Err(OverBudget) => Some(self.over_budget(eol)),
        }
    }

    /// A push crossed the limit: drop the block and skip to the next blank line.
    #[cold]
    fn over_budget(&mut self, eol: bool) -> Step<'static> {
        self.drop_block();
        self.discarding = true;
        self.line = if eol {
            LineState::Start
        } else {
            LineState::Ignore
        };
        self.stats.events_too_large += 1;
        Step::TooLarge
    }
}

/// One chunk being decoded: call [`next_frame`](Self::next_frame) until it returns `None`.
///
/// Dropping it earlier keeps the unread bytes in the decoder for the next
/// [`SseDecoder::feed`].
pub struct Feed<'a> {
    decoder: &'a mut SseDecoder,
    chunk: &'a [u8],
    /// The longest prefix of `chunk` that is valid UTF-8 (empty for short chunks): values
    /// lent from it need no validation of their own.
    text: &'a str,
    read: usize,
}

/// The longest prefix of `chunk` that is valid UTF-8, validated at SIMD speed once per chunk;
/// empty for a short chunk (validating its values one by one costs no more).
fn valid_prefix(chunk: &[u8]) -> &str {
    if chunk.len() < SHORT_SCAN {
        return "";
    }
    match simdutf8::compat::from_utf8(chunk) {
        Ok(text) => text,
        Err(error) => chunk
            .get(..error.valid_up_to())
            .and_then(|valid| simdutf8::basic::from_utf8(valid).ok())
            .unwrap_or_default(),
    }
}

impl fmt::Debug for Feed<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Feed")
            .field("chunk_len", &self.chunk.len())
            .field("read", &self.read)
            .finish_non_exhaustive()
    }
}

impl Feed<'_> {
    /// The next frame completed by this chunk, or an oversize-event error; `None` when the
    /// chunk is used up (its unterminated end is kept by the decoder).
    pub fn next_frame(&mut self) -> Option<Result<Frame<'_>, SseError>> {
        let decoder = &mut *self.decoder;
        match decoder.step(self.chunk, self.text, &mut self.read)? {
            Step::Frame(lent) => Some(Ok(decoder.frame(lent))),
            Step::TooLarge => Some(Err(SseError::EventTooLarge {
                limit: decoder.buffers.limit,
            })),
        }
    }
}

impl Drop for Feed<'_> {
    fn drop(&mut self) {
        let rest = self.chunk.get(self.read..).unwrap_or_default();
        if !rest.is_empty() {
            self.decoder.keep_unread(rest);
        }
    }
}
