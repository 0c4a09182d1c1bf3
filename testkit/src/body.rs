//! Scripted response bodies: what bytes go out, in which chunks, with which pauses and faults.
//!
//! A [`Body`] is a list of steps run in order on the wire. Offsets used by the `*_at` methods
//! count body payload bytes only: never chunk framing, never keep-alive comments.

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
    /// `len` copies of `byte`, never held in memory as a whole.
    Fill { byte: u8, len: u64 },
}

impl Piece {
    pub(crate) fn len(&self) -> u64 {
        match self {
            Piece::Bytes { start, end, .. } => (end - start) as u64,
            Piece::Fill { len, .. } => *len,
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
}

impl Body {
    fn with_framing(framing: Framing) -> Body {
        Body {
            framing,
            steps: Vec::new(),
            chunk_size: None,
            chunk_delay: Duration::ZERO,
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
}
