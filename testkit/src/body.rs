//! Scripted response bodies: what bytes go out, in which chunks, with which pauses and faults.
//!
//! A [`Body`] is a list of steps run in order on the wire. Offsets used by the `*_at` methods
//! count body payload bytes only: never chunk framing, never keep-alive comments.
//!
//! Event streams are chunked by default, as a streaming server sends them: a
//! [`Transcript`](crate::Transcript) becomes a `Transfer-Encoding: chunked` body with one chunk
//! per event (and so does every [`ScriptedResponse::sse`](crate::ScriptedResponse::sse) built
//! from one, [`BackgroundResponse`](crate::BackgroundResponse) streams included), and
//! [`Body::events`] cuts any bytes into one chunk per event. A `Content-Length` body is there on
//! request: [`Body::content_length`] (or [`Body::fixed`]) with the same bytes, e.g.
//! `Body::fixed(transcript.to_bytes())`.

use std::sync::Arc;
use std::time::Duration;

/// How the body is framed on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// `Content-Length: N`, where N is the total of every piece of payload in the body (including
    /// pieces after a scripted close, so a close mid-body leaves the declared length unmet).
    ContentLength,
    /// `Transfer-Encoding: chunked`.
    Chunked,
}

/// How a stall ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stall {
    pub(crate) duration: Option<Duration>,
    pub(crate) keep_alive: Option<Duration>,
}

impl Stall {
    /// Stall for `duration`, then go on with the body (or earlier, abruptly, if the server drops).
    pub fn for_duration(duration: Duration) -> Stall {
        Stall {
            duration: Some(duration),
            keep_alive: None,
        }
    }

    /// Stall until the [`TestServer`](crate::TestServer) is dropped; the connection then closes
    /// without finishing the body.
    pub fn until_shutdown() -> Stall {
        Stall {
            duration: None,
            keep_alive: None,
        }
    }

    /// While stalling, send the SSE comment line `: keep-alive\n` every `interval` (chunked
    /// bodies only; ignored under `Content-Length`, where extra bytes would break the framing).
    /// Put such a stall on an event boundary, or the comment lands inside an event.
    pub fn with_keep_alive(mut self, interval: Duration) -> Stall {
        self.keep_alive = Some(interval);
        self
    }
}

/// How a chunked encoding is cut (the connection closes right after).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// A chunk header announces `n + 16` bytes, where `n` is how many body bytes remain (at most
    /// 512); those `n` bytes follow, then the connection closes: the chunk is never completed.
    TruncatedChunk,
    /// A chunk-size line that is not hexadecimal (`zz\r\n`), then the connection closes.
    InvalidChunkHeader,
}

/// One piece of payload: borrowed from shared bytes or generated on the fly.
#[derive(Debug, Clone)]
pub(crate) enum Piece {
    /// A range of shared bytes.
    Bytes {
        data: Arc<[u8]>,
        start: usize,
        end: usize,
    },
    /// A range of shared bytes holding SSE events, sent one chunk per event: `ends` holds,
    /// ascending, every offset in `data` right after a blank line (see [`event_ends`]).
    Events {
        data: Arc<[u8]>,
        ends: Arc<[usize]>,
        start: usize,
        end: usize,
    },
    /// `len` copies of `byte`, never held in memory as a whole.
    Fill { byte: u8, len: u64 },
}

impl Piece {
    pub(crate) fn len(&self) -> u64 {
        match self {
            Piece::Bytes { start, end, .. } | Piece::Events { start, end, .. } => {
                (end - start) as u64
            }
            Piece::Fill { len, .. } => *len,
        }
    }

    /// The bytes of this piece, unless it is generated on the fly.
    pub(crate) fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Piece::Bytes {
                data, start, end, ..
            }
            | Piece::Events {
                data, start, end, ..
            } => data.get(*start..*end),
            Piece::Fill { .. } => None,
        }
    }

    /// Where the chunk that starts at `offset` (`< len`) must end at the latest: after the
    /// event that holds `offset`, for an [`Events`](Piece::Events) piece; the end of the piece
    /// otherwise. Both offsets count from the start of the piece.
    pub(crate) fn chunk_end(&self, offset: u64) -> u64 {
        match self {
            Piece::Events {
                ends, start, end, ..
            } => {
                let at = start + offset as usize;
                let index = ends.partition_point(|&e| e <= at);
                ends.get(index)
                    .filter(|&&e| e < *end)
                    .map_or(self.len(), |&e| (e - start) as u64)
            }
            Piece::Bytes { .. } | Piece::Fill { .. } => self.len(),
        }
    }

    /// Splits at `at` (0 < at < len) into two pieces.
    fn split(&self, at: u64) -> (Piece, Piece) {
        match self {
            Piece::Bytes { data, start, end } => {
                let mid = start + at as usize;
                (
                    Piece::Bytes {
                        data: Arc::clone(data),
                        start: *start,
                        end: mid,
                    },
                    Piece::Bytes {
                        data: Arc::clone(data),
                        start: mid,
                        end: *end,
                    },
                )
            }
            Piece::Events {
                data,
                ends,
                start,
                end,
            } => {
                let mid = start + at as usize;
                (
                    Piece::Events {
                        data: Arc::clone(data),
                        ends: Arc::clone(ends),
                        start: *start,
                        end: mid,
                    },
                    Piece::Events {
                        data: Arc::clone(data),
                        ends: Arc::clone(ends),
                        start: mid,
                        end: *end,
                    },
                )
            }
            Piece::Fill { byte, len } => (
                Piece::Fill {
                    byte: *byte,
                    len: at,
                },
                Piece::Fill {
                    byte: *byte,
                    len: len - at,
                },
            ),
        }
    }
}

/// One step of a body, run in order.
#[derive(Debug, Clone)]
pub(crate) enum Step {
    /// Send a piece, in chunks of the body's chunk size.
    Send(Piece),
    /// Send a piece one byte per chunk (one write per byte), pausing `delay` before each byte.
    Drip(Piece, Duration),
    /// Wait, then go on.
    Pause(Duration),
    /// Stall (possibly with keep-alive comments).
    Stall(Stall),
    /// Close the connection here, abruptly.
    Close,
    /// Cut the chunked encoding here, then close.
    Cut(Cut),
}

impl Step {
    fn payload(&self) -> Option<&Piece> {
        match self {
            Step::Send(piece) | Step::Drip(piece, _) => Some(piece),
            _ => None,
        }
    }

    fn with_payload(&self, piece: Piece) -> Step {
        match self {
            Step::Drip(_, delay) => Step::Drip(piece, *delay),
            _ => Step::Send(piece),
        }
    }
}

/// A scripted response body.
///
/// ```
/// use codex_api_testkit::{Body, Cut, Stall};
/// use std::time::Duration;
///
/// // 6 payload bytes in chunks of 2, a pause in the middle, then the encoding breaks.
/// let body = Body::chunked()
///     .bytes("abcdef")
///     .chunk_size(2)
///     .pause_at(4, Duration::from_millis(10))
///     .cut_at(5, Cut::InvalidChunkHeader);
/// assert_eq!(body.payload_len(), 6);
///
/// // A 100 MB error body generated on the fly.
/// let huge = Body::content_length().bytes("{\"error\":\"").fill(b'x', 100_000_000).bytes("\"}");
/// assert_eq!(huge.payload_len(), 100_000_012);
/// # let _ = Stall::until_shutdown();
/// ```
#[derive(Debug, Clone)]
pub struct Body {
    pub(crate) framing: Framing,
    pub(crate) steps: Vec<Step>,
    pub(crate) chunk_size: Option<usize>,
    pub(crate) chunk_delay: Duration,
    pub(crate) gather_writes: Option<usize>,
}

impl Body {
    fn with_framing(framing: Framing) -> Body {
        Body {
            framing,
            steps: Vec::new(),
            chunk_size: None,
            chunk_delay: Duration::ZERO,
            gather_writes: None,
        }
    }

    /// An empty body framed with `Content-Length`.
    pub fn content_length() -> Body {
        Body::with_framing(Framing::ContentLength)
    }

    /// An empty body framed with `Transfer-Encoding: chunked`.
    pub fn chunked() -> Body {
        Body::with_framing(Framing::Chunked)
    }

    /// A fixed body framed with `Content-Length`.
    pub fn fixed(bytes: impl Into<Vec<u8>>) -> Body {
        Body::content_length().bytes(bytes)
    }

    /// A JSON body framed with `Content-Length`.
    pub fn json(value: &serde_json::Value) -> Body {
        Body::fixed(value.to_string())
    }

    /// The framing of this body.
    pub fn framing(&self) -> Framing {
        self.framing
    }

    /// Appends bytes (sent as one chunk unless [`chunk_size`](Self::chunk_size) is set).
    pub fn bytes(mut self, bytes: impl Into<Vec<u8>>) -> Body {
        let data: Arc<[u8]> = Arc::from(bytes.into());
        let end = data.len();
        if end > 0 {
            self.steps.push(Step::Send(Piece::Bytes {
                data,
                start: 0,
                end,
            }));
        }
        self
    }

    /// Appends SSE events, sent one chunk per event, as a streaming server that flushes each
    /// event sends them: `bytes` is cut after every blank line (an empty line ended by `\n`,
    /// `\r\n` or `\r`, which is what ends an event); bytes after the last blank line make the
    /// last chunk. Under `Content-Length`, the same cuts set the writes.
    ///
    /// The cuts are found once, here, and shared by every clone of the body, so a transcript of
    /// hundreds of megabytes and events costs one pass, and a script can repeat it cheaply. A
    /// [`chunk_size`](Self::chunk_size) still caps each chunk (an event longer than it takes
    /// several), and [`gather_writes`](Self::gather_writes) sends the chunks in fewer writes.
    ///
    /// ```
    /// use codex_api_testkit::Body;
    ///
    /// let body = Body::chunked().events("data: 1\n\ndata: 2\r\n\r\n: tail");
    /// assert_eq!(body.payload_len(), 26);
    /// // On the wire: `9\r\ndata: 1\n\n\r\n`, `B\r\ndata: 2\r\n\r\n\r\n`, `6\r\n: tail\r\n`.
    /// ```
    pub fn events(mut self, bytes: impl Into<Vec<u8>>) -> Body {
        let data: Arc<[u8]> = Arc::from(bytes.into());
        let end = data.len();
        if end > 0 {
            let ends = Arc::from(event_ends(&data));
            self.steps.push(Step::Send(Piece::Events {
                data,
                ends,
                start: 0,
                end,
            }));
        }
        self
    }

    /// Appends `len` copies of `byte`, generated on the fly (never held in memory as a whole).
    pub fn fill(mut self, byte: u8, len: u64) -> Body {
        if len > 0 {
            self.steps.push(Step::Send(Piece::Fill { byte, len }));
        }
        self
    }

    /// Appends one SSE event of `data_len` bytes, generated on the fly:
    /// `data: ` followed by `data_len` times `x`, then a blank line.
    pub fn huge_event(self, data_len: u64) -> Body {
        self.bytes("data: ").fill(b'x', data_len).bytes("\n\n")
    }

    /// Appends bytes sent one byte per chunk (one write each), pausing `delay` before each byte.
    pub fn drip(mut self, bytes: impl Into<Vec<u8>>, delay: Duration) -> Body {
        let data: Arc<[u8]> = Arc::from(bytes.into());
        let end = data.len();
        if end > 0 {
            self.steps.push(Step::Drip(
                Piece::Bytes {
                    data,
                    start: 0,
                    end,
                },
                delay,
            ));
        }
        self
    }

    /// Appends a pause.
    pub fn pause(mut self, duration: Duration) -> Body {
        self.steps.push(Step::Pause(duration));
        self
    }

    /// Appends a stall.
    pub fn stall(mut self, stall: Stall) -> Body {
        self.steps.push(Step::Stall(stall));
        self
    }

    /// Appends an abrupt close: the body stops here, without the terminating chunk.
    pub fn close(mut self) -> Body {
        self.steps.push(Step::Close);
        self
    }

    /// Appends a cut of the chunked encoding (a plain close under `Content-Length`).
    pub fn cut(mut self, cut: Cut) -> Body {
        self.steps.push(Step::Cut(cut));
        self
    }

    /// Splits every piece of payload into chunks of at most `size` bytes (at least 1).
    /// Under `Content-Length` this sets the size of each write.
    pub fn chunk_size(mut self, size: usize) -> Body {
        self.chunk_size = Some(size.max(1));
        self
    }

    /// Sends the consecutive chunks of each piece of payload gathered into writes of at most
    /// `max` bytes (framing included; at least 1) instead of one write per chunk, as a server
    /// writes events that are ready (hyper, for one, gathers queued chunks into one write). The
    /// bytes on the wire are the same; only the `write` calls differ, so a large body of small
    /// chunks goes out fast enough to measure the client, not the server. A chunk larger than
    /// `max`, and generated payload ([`fill`](Self::fill)), still go out on their own. No
    /// effect while a [`chunk_delay`](Self::chunk_delay) is set (each chunk then waits on its
    /// own). A [`Cut::InvalidChunkHeader`] right after a piece goes out in that piece's last
    /// write, so a client reads the chunks before it and the bad line together.
    pub fn gather_writes(mut self, max: usize) -> Body {
        self.gather_writes = Some(max.max(1));
        self
    }

    /// Pauses `delay` before every chunk but the first (keep-alive comments excepted).
    pub fn chunk_delay(mut self, delay: Duration) -> Body {
        self.chunk_delay = delay;
        self
    }

    /// Pauses at a payload byte offset.
    pub fn pause_at(self, offset: u64, duration: Duration) -> Body {
        self.insert_at(offset, Step::Pause(duration))
    }

    /// Stalls at a payload byte offset.
    pub fn stall_at(self, offset: u64, stall: Stall) -> Body {
        self.insert_at(offset, Step::Stall(stall))
    }

    /// Closes the connection after exactly `offset` payload bytes.
    pub fn close_at(self, offset: u64) -> Body {
        self.insert_at(offset, Step::Close)
    }

    /// Cuts the chunked encoding after `offset` payload bytes, then closes.
    pub fn cut_at(self, offset: u64, cut: Cut) -> Body {
        self.insert_at(offset, Step::Cut(cut))
    }

    /// Total payload bytes scripted (the `Content-Length` under that framing).
    pub fn payload_len(&self) -> u64 {
        self.steps
            .iter()
            .filter_map(Step::payload)
            .map(Piece::len)
            .sum()
    }

    /// Inserts `step` so that exactly `offset` payload bytes precede it, splitting a piece if
    /// needed. An offset past the end appends the step.
    fn insert_at(mut self, offset: u64, step: Step) -> Body {
        let mut position = 0u64;
        let mut index = 0usize;
        while index < self.steps.len() {
            if position >= offset {
                break;
            }
            if let Some(piece) = self.steps[index].payload() {
                let len = piece.len();
                if position + len > offset {
                    let (head, tail) = piece.split(offset - position);
                    let head_step = self.steps[index].with_payload(head);
                    let tail_step = self.steps[index].with_payload(tail);
                    self.steps[index] = head_step;
                    self.steps.insert(index + 1, tail_step);
                    index += 1;
                    break;
                }
                position += len;
            }
            index += 1;
        }
        self.steps.insert(index, step);
        self
    }
}

/// The offsets in `bytes` right after every blank line (an empty line, ended by `\n`, `\r\n`
/// or `\r`), ascending: where the events of an SSE stream end.
pub(crate) fn event_ends(bytes: &[u8]) -> Vec<usize> {
    let mut ends = Vec::new();
    // Whether the current line has no bytes yet.
    let mut line_empty = true;
    let mut index = 0;
    while let Some(&byte) = bytes.get(index) {
        if byte == b'\n' || byte == b'\r' {
            let mut next = index + 1;
            if byte == b'\r' && bytes.get(next) == Some(&b'\n') {
                next += 1;
            }
            if line_empty {
                ends.push(next);
            }
            line_empty = true;
            index = next;
        } else {
            line_empty = false;
            index += 1;
        }
    }
    ends
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(body: &Body) -> Vec<String> {
        body.steps
            .iter()
            .map(|step| match step {
                Step::Send(piece) => format!("send {}", piece.len()),
                Step::Drip(piece, _) => format!("drip {}", piece.len()),
                Step::Pause(_) => "pause".into(),
                Step::Stall(_) => "stall".into(),
                Step::Close => "close".into(),
                Step::Cut(_) => "cut".into(),
            })
            .collect()
    }

    #[test]
    fn insert_splits_pieces_at_the_offset() {
        let body = Body::chunked().bytes("abc").fill(b'x', 10).close_at(5);
        assert_eq!(shape(&body), ["send 3", "send 2", "close", "send 8"]);
        assert_eq!(body.payload_len(), 13);
    }

    #[test]
    fn insert_on_a_boundary_and_past_the_end() {
        let body = Body::chunked()
            .bytes("abc")
            .bytes("de")
            .close_at(3)
            .pause_at(99, Duration::ZERO);
        assert_eq!(shape(&body), ["send 3", "close", "send 2", "pause"]);
        let body = Body::chunked().bytes("abc").close_at(0);
        assert_eq!(shape(&body), ["close", "send 3"]);
    }

    #[test]
    fn insert_keeps_drips_dripping() {
        let body = Body::chunked().drip("abcd", Duration::ZERO).close_at(2);
        assert_eq!(shape(&body), ["drip 2", "close", "drip 2"]);
    }

    #[test]
    fn events_end_after_every_blank_line() {
        assert_eq!(event_ends(b"data: 1\n\ndata: 2\n\n"), [9, 18]);
        assert_eq!(
            event_ends(b"data: 1\r\n\r\nid: 2\r\rdata: 3\n\r\n"),
            [11, 18, 28]
        );
        // A blank line after a blank line ends an (empty) event too; a partial tail does not.
        assert_eq!(event_ends(b"\ndata: 1\n\n\ndata: 2\n"), [1, 10, 11]);
        assert_eq!(event_ends(b"data: 1"), [] as [usize; 0]);
        assert_eq!(event_ends(b""), [] as [usize; 0]);
    }

    #[test]
    fn an_events_piece_cuts_chunks_at_event_ends_even_once_split() {
        let body = Body::chunked()
            .events("e: 1\n\ne: 22\n\ntail")
            .pause_at(9, Duration::ZERO);
        assert_eq!(shape(&body), ["send 9", "pause", "send 8"]);
        let ends: Vec<Vec<u64>> = body
            .steps
            .iter()
            .filter_map(Step::payload)
            .map(|piece| {
                let mut cuts = Vec::new();
                let mut offset = 0;
                while offset < piece.len() {
                    offset = piece.chunk_end(offset);
                    cuts.push(offset);
                }
                cuts
            })
            .collect();
        // `e: 1\n\n` (6), then `e: ` (3) up to the pause; `22\n\n` then `tail`.
        assert_eq!(ends, [vec![6, 9], vec![4, 8]]);
        assert_eq!(Body::chunked().events("").payload_len(), 0);
    }

    /// The body of a response to `GET /` with `Connection: close` (everything after the head).
    fn served(body: Body) -> Vec<u8> {
        use std::io::{Read, Write};
        let server =
            crate::TestServer::start(crate::Script::new().then(crate::ScriptedResponse::sse(body)))
                .unwrap();
        let mut socket = std::net::TcpStream::connect(server.addr()).unwrap();
        socket
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        socket
            .write_all(b"GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut reply = Vec::new();
        socket.read_to_end(&mut reply).unwrap();
        let head_end = reply.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        reply.split_off(head_end)
    }

    #[test]
    fn events_go_out_one_chunk_per_event_gathered_or_not() {
        let events = "data: 1\n\ndata: 22\r\n\r\n: tail";
        let expected = "9\r\ndata: 1\n\n\r\nC\r\ndata: 22\r\n\r\n\r\n6\r\n: tail\r\n0\r\n\r\n";
        for body in [
            Body::chunked().events(events),
            Body::chunked().events(events).gather_writes(64 * 1024),
            // Room for one framed event per write; the middle one goes out alone.
            Body::chunked().events(events).gather_writes(15),
            Body::chunked().events(events).gather_writes(1),
        ] {
            assert_eq!(String::from_utf8(served(body)).unwrap(), expected);
        }
        // A chunk size still caps each chunk.
        assert_eq!(
            served(
                Body::chunked()
                    .events("data: 1\n\nab")
                    .chunk_size(5)
                    .gather_writes(99)
            ),
            b"5\r\ndata:\r\n4\r\n 1\n\n\r\n2\r\nab\r\n0\r\n\r\n"
        );
        // Under `Content-Length`, the bytes as they are.
        let fixed = Body::content_length()
            .events(events)
            .gather_writes(64 * 1024);
        assert_eq!(served(fixed), events.as_bytes());
    }

    #[test]
    fn a_large_transcript_of_events_round_trips() {
        let event = "event: response.output_text.delta\ndata: {\"delta\":\"abc\"}\n\n";
        let events = event.repeat(20_000);
        let served = served(
            Body::chunked()
                .events(events.clone())
                .gather_writes(64 * 1024),
        );
        let header = format!("{:X}\r\n", event.len());
        let mut expected = Vec::new();
        for _ in 0..20_000 {
            expected.extend_from_slice(header.as_bytes());
            expected.extend_from_slice(event.as_bytes());
            expected.extend_from_slice(b"\r\n");
        }
        expected.extend_from_slice(b"0\r\n\r\n");
        assert!(
            served == expected,
            "{} vs {} bytes",
            served.len(),
            expected.len()
        );
    }
}
