//! Runs a scripted response on the wire: head, then the body's steps.

use std::time::Instant;

use crate::body::{Body, Cut, Framing, Piece, Stall, Step};
use crate::body_write::BodyWrite;
use crate::script::ScriptedResponse;
use crate::server::Shared;
use crate::wire::{Ended, Wire};

/// Size of the buffer used to generate filled payload, and the most bytes of a scripted piece
/// written per `write`: a large piece goes out in slices of its own bytes, never copied whole.
const WRITE_SLICE: usize = 64 * 1024;

/// The SSE comment line sent while a stall keeps the connection alive.
pub(crate) const KEEP_ALIVE_COMMENT: &[u8] = b": keep-alive\n";

/// At most this many following payload bytes go into a truncated chunk.
const TRUNCATED_CHUNK_DATA: usize = 512;

/// How a response ended on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Fully sent; the connection may be reused.
    Finished,
    /// The script ended the connection (close, cut, hang-up).
    Closed,
}

/// Where the marks of a response's body writes go: the server's record, under the index of the
/// request the response answers.
pub(crate) struct WriteMarks<'a> {
    pub(crate) shared: &'a Shared,
    pub(crate) request: usize,
}

/// Writes `response` to `wire`. `keep_alive` says whether the request allows reuse; `head_only`
/// is set for `HEAD` requests; `marks`, when given, records when each payload step began.
pub(crate) fn write_response(
    wire: &mut Wire,
    response: &ScriptedResponse,
    keep_alive: bool,
    head_only: bool,
    marks: Option<WriteMarks<'_>>,
) -> Result<Outcome, Ended> {
    if response.hang_up {
        return Ok(Outcome::Closed);
    }
    wire.sleep(response.head_delay)?;
    let body = &response.body;
    let bodiless = head_only || matches!(response.status, 100..=199 | 204 | 304);
    let close = response.close_connection || !keep_alive;
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status,
        response
            .reason
            .as_deref()
            .unwrap_or(reason_phrase(response.status))
    );
    let mut sets_framing = false;
    for (name, value) in &response.headers {
        if name.eq_ignore_ascii_case("content-length")
            || name.eq_ignore_ascii_case("transfer-encoding")
        {
            sets_framing = true;
        }
        head.push_str(name);
        head.push_str(": ");
        head.push_str(value);
        head.push_str("\r\n");
    }
    if !sets_framing && !matches!(response.status, 100..=199 | 204 | 304) {
        match body.framing {
            Framing::ContentLength => {
                head.push_str(&format!("content-length: {}\r\n", body.payload_len()));
            }
            Framing::Chunked => head.push_str("transfer-encoding: chunked\r\n"),
        }
    }
    if close {
        head.push_str("connection: close\r\n");
    }
    head.push_str("\r\n");
    wire.write_all(head.as_bytes())?;
    if bodiless {
        return Ok(if close {
            Outcome::Closed
        } else {
            Outcome::Finished
        });
    }
    let outcome = BodyRun::new(wire, body, marks).run()?;
    Ok(if close { Outcome::Closed } else { outcome })
}

/// The state of one body being written.
struct BodyRun<'a> {
    wire: &'a mut Wire,
    body: &'a Body,
    chunked: bool,
    chunks_sent: u64,
    marks: Option<WriteMarks<'a>>,
    /// Payload steps begun so far.
    payload_steps: usize,
    /// Payload bytes of the steps begun before the current one.
    payload_offset: u64,
    /// The mark of the current payload step, until its first write.
    pending_mark: Option<(usize, u64)>,
    /// An invalid chunk-size line already went out with the last write of the piece before
    /// it (see [`Body::gather_writes`]).
    cut_sent: bool,
}

impl<'a> BodyRun<'a> {
    fn new(wire: &'a mut Wire, body: &'a Body, marks: Option<WriteMarks<'a>>) -> BodyRun<'a> {
        BodyRun {
            wire,
            body,
            chunked: body.framing == Framing::Chunked,
            chunks_sent: 0,
            marks,
            payload_steps: 0,
            payload_offset: 0,
            pending_mark: None,
            cut_sent: false,
        }
    }

    fn run(mut self) -> Result<Outcome, Ended> {
        let body = self.body;
        for (index, step) in body.steps.iter().enumerate() {
            if let Step::Send(piece) | Step::Drip(piece, _) = step {
                self.pending_mark = Some((self.payload_steps, self.payload_offset));
                self.payload_steps += 1;
                self.payload_offset += piece.len();
            }
            match step {
                Step::Send(piece) => self.send(piece, body.steps.get(index + 1))?,
                Step::Drip(piece, delay) => self.drip(piece, *delay)?,
                Step::Pause(duration) => self.wire.sleep(*duration)?,
                Step::Stall(stall) => self.stall(*stall)?,
                Step::Close => return Ok(Outcome::Closed),
                Step::Cut(cut) => {
                    self.cut(*cut, body.steps.get(index + 1..).unwrap_or_default())?;
                    return Ok(Outcome::Closed);
                }
            }
        }
        if self.chunked {
            self.wire.write_all(b"0\r\n\r\n")?;
        }
        Ok(Outcome::Finished)
    }

    /// Sends a piece in chunks of the body's chunk size (and one per event for an events
    /// piece), gathered into fewer writes when the body asks for it; then an invalid chunk-size
    /// line that comes `next` goes out in the same last write.
    fn send(&mut self, piece: &Piece, next: Option<&Step>) -> Result<(), Ended> {
        let size = self.body.chunk_size.map_or(piece.len(), |size| size as u64);
        let gather = self
            .body
            .gather_writes
            .filter(|_| self.body.chunk_delay.is_zero())
            .zip(piece.as_bytes());
        let mut gathered = Vec::new();
        let mut offset = 0u64;
        while offset < piece.len() {
            let len = size.min(piece.chunk_end(offset) - offset);
            if let Some((max, bytes)) = gather {
                let bytes = bytes
                    .get(offset as usize..(offset + len) as usize)
                    .unwrap_or_default();
                let header = if self.chunked {
                    format!("{len:X}\r\n")
                } else {
                    String::new()
                };
                let trailer: &[u8] = if self.chunked { b"\r\n" } else { b"" };
                let framed = header.len() + bytes.len() + trailer.len();
                if !gathered.is_empty() && gathered.len() + framed > max {
                    self.write(&gathered)?;
                    gathered.clear();
                }
                if framed <= max {
                    self.chunks_sent += 1;
                    gathered.extend_from_slice(header.as_bytes());
                    gathered.extend_from_slice(bytes);
                    gathered.extend_from_slice(trailer);
                } else {
                    self.chunk(piece, offset, len)?;
                }
            } else {
                if self.chunks_sent > 0 {
                    self.wire.sleep(self.body.chunk_delay)?;
                }
                self.chunk(piece, offset, len)?;
            }
            offset += len;
        }
        if gather.is_some()
            && self.chunked
            && matches!(next, Some(Step::Cut(Cut::InvalidChunkHeader)))
        {
            gathered.extend_from_slice(INVALID_CHUNK_HEADER);
            self.cut_sent = true;
        }
        self.write(&gathered)
    }

    /// Sends a piece one byte per chunk, pausing before each.
    fn drip(&mut self, piece: &Piece, delay: std::time::Duration) -> Result<(), Ended> {
        for offset in 0..piece.len() {
            self.wire.sleep(delay)?;
            self.chunk(piece, offset, 1)?;
        }
        Ok(())
    }

    /// Writes `len` bytes of `piece` from `offset` as one chunk: one write when it fits in a
    /// slice, else the chunk-size line, the bytes in slices of at most [`WRITE_SLICE`], and the
    /// chunk's closing CRLF (the same bytes on the wire either way).
    fn chunk(&mut self, piece: &Piece, offset: u64, len: u64) -> Result<(), Ended> {
        self.chunks_sent += 1;
        let header = if self.chunked {
            format!("{len:X}\r\n")
        } else {
            String::new()
        };
        let trailer: &[u8] = if self.chunked { b"\r\n" } else { b"" };
        match piece {
            Piece::Bytes { data, start, .. } | Piece::Events { data, start, .. } => {
                let from = start + offset as usize;
                let bytes = data.get(from..from + len as usize).unwrap_or_default();
                if bytes.len() <= WRITE_SLICE {
                    let mut frame = Vec::with_capacity(header.len() + bytes.len() + trailer.len());
                    frame.extend_from_slice(header.as_bytes());
                    frame.extend_from_slice(bytes);
                    frame.extend_from_slice(trailer);
                    return self.write(&frame);
                }
                self.write(header.as_bytes())?;
                for slice in bytes.chunks(WRITE_SLICE) {
                    self.write(slice)?;
                }
                self.write(trailer)
            }
            Piece::Fill { byte, .. } => {
                self.write(header.as_bytes())?;
                let buffer = vec![*byte; WRITE_SLICE.min(len as usize)];
                let mut left = len;
                while left > 0 {
                    let n = left.min(buffer.len() as u64) as usize;
                    self.write(buffer.get(..n).unwrap_or_default())?;
                    left -= n as u64;
                }
                self.write(trailer)
            }
        }
    }

    /// Writes body bytes; the first write of a payload step is marked (see [`BodyWrite`]).
    fn write(&mut self, bytes: &[u8]) -> Result<(), Ended> {
        if bytes.is_empty() {
            return Ok(());
        }
        let Some((step, offset)) = self.pending_mark.take() else {
            return self.wire.write_all(bytes);
        };
        let at = Instant::now();
        self.wire.write_all(bytes)?;
        if let Some(marks) = &self.marks {
            marks.shared.record_body_write(BodyWrite {
                request: marks.request,
                step,
                offset,
                at,
            });
        }
        Ok(())
    }

    /// Stalls, sending keep-alive comments if asked; ends early (with an error) on server stop.
    fn stall(&mut self, stall: Stall) -> Result<(), Ended> {
        let start = Instant::now();
        let deadline = stall.duration.and_then(|d| start.checked_add(d));
        let interval = stall.keep_alive.filter(|_| self.chunked);
        let mut next_keep_alive = interval.and_then(|i| start.checked_add(i));
        loop {
            let wake = match (deadline, next_keep_alive) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            if self.wire.stop().wait_until(wake) {
                return Err(Ended::Stopped);
            }
            // A keep-alive that fell due goes out even when the stall is also over, so a late
            // wake-up never swallows it.
            let now = Instant::now();
            if let (Some(due), Some(interval)) = (next_keep_alive, interval)
                && now >= due
            {
                let mut frame = format!("{:X}\r\n", KEEP_ALIVE_COMMENT.len()).into_bytes();
                frame.extend_from_slice(KEEP_ALIVE_COMMENT);
                frame.extend_from_slice(b"\r\n");
                self.wire.write_all(&frame)?;
                next_keep_alive = due.checked_add(interval);
            }
            if deadline.is_some_and(|deadline| now >= deadline) {
                return Ok(());
            }
        }
    }

    /// Breaks the chunked framing; `rest` is what the script would have sent next.
    fn cut(&mut self, cut: Cut, rest: &[Step]) -> Result<(), Ended> {
        if !self.chunked {
            return Ok(());
        }
        match cut {
            Cut::TruncatedChunk => {
                let following = following_bytes(rest, TRUNCATED_CHUNK_DATA);
                let mut frame = format!("{:X}\r\n", following.len() + 16).into_bytes();
                frame.extend_from_slice(&following);
                self.wire.write_all(&frame)
            }
            Cut::InvalidChunkHeader if self.cut_sent => Ok(()),
            Cut::InvalidChunkHeader => self.wire.write_all(INVALID_CHUNK_HEADER),
        }
    }
}

/// The chunk-size line of [`Cut::InvalidChunkHeader`].
const INVALID_CHUNK_HEADER: &[u8] = b"zz\r\n";

/// Up to `limit` payload bytes from `steps`.
fn following_bytes(steps: &[Step], limit: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for step in steps {
        let piece = match step {
            Step::Send(piece) | Step::Drip(piece, _) => piece,
            _ => continue,
        };
        let room = limit - out.len();
        match piece {
            Piece::Bytes {
                data, start, end, ..
            }
            | Piece::Events {
                data, start, end, ..
            } => {
                let take = room.min(end - start);
                out.extend_from_slice(data.get(*start..start + take).unwrap_or_default());
            }
            Piece::Fill { byte, len } => {
                let take = (room as u64).min(*len) as usize;
                out.resize(out.len() + take, *byte);
            }
        }
        if out.len() >= limit {
            break;
        }
    }
    out
}

/// The standard reason phrase of common statuses.
pub(crate) fn reason_phrase(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        101 => "Switching Protocols",
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        409 => "Conflict",
        413 => "Content Too Large",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}
