//! A scripted body as hyper sends it: the body's steps run in a task of their own, which hands
//! hyper one data frame at a time through a channel of one, so the script never runs more than
//! a frame ahead of what hyper (and, over HTTP/2, flow control) takes.
//!
//! The task keeps each frame until it has the next one (or is about to wait), so that it knows
//! the last frame as such: the body then says it has ended, and hyper sets `END_STREAM` on that
//! `DATA` frame (over HTTP/1.1, writes the last chunk and the terminating one together) rather
//! than in an empty frame of its own.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body::{Frame, SizeHint};
use tokio::sync::mpsc;

use super::{Hold, OpenResponse};
use crate::body::{Body, Framing, Piece, Stall, Step};
use crate::body_write::BodyWrite;
use crate::response_writer::KEEP_ALIVE_COMMENT;
use crate::server::Shared;

/// The most payload bytes handed to hyper in one frame: a larger piece goes in slices of its
/// own bytes (as the HTTP/1.1 writer writes it).
const FRAME_SLICE: usize = 64 * 1024;

/// How long a scripted close waits after the last frame, so that hyper writes it before the
/// reset (or the close) that would drop it.
const ABORT_GRACE: Duration = Duration::from_millis(50);

/// A scripted close (or cut): the response ends abruptly (a reset HTTP/2 stream, a closed
/// HTTP/1.1 connection).
#[derive(Debug)]
pub(crate) struct Aborted;

impl std::fmt::Display for Aborted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("codex-api-testkit: the script ends this response abruptly")
    }
}

impl std::error::Error for Aborted {}

/// A data frame, and whether it is the body's last.
type Item = Result<(Bytes, bool), Aborted>;

/// The response body hyper polls: frames from the body's task.
pub(crate) struct ScriptBody {
    frames: mpsc::Receiver<Item>,
    /// The `Content-Length`, when the body declares one.
    len: Option<u64>,
    /// Whether the last frame was handed over.
    ended: bool,
    _open: OpenResponse,
}

impl http_body::Body for ScriptBody {
    type Data = Bytes;
    type Error = Aborted;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Aborted>>> {
        let polled = self.frames.poll_recv(cx);
        polled.map(|item| {
            item.map(|item| {
                item.map(|(bytes, last)| {
                    self.ended = last;
                    Frame::data(bytes)
                })
            })
        })
    }

    fn is_end_stream(&self) -> bool {
        self.ended
    }

    fn size_hint(&self) -> SizeHint {
        self.len.map(SizeHint::with_exact).unwrap_or_default()
    }
}

/// Where the marks of a response's payload steps go.
pub(crate) struct Marks {
    pub(crate) shared: Arc<Shared>,
    pub(crate) request: usize,
}

/// Starts the task that runs `body` and returns what hyper polls. `declare_len` says whether
/// to declare the body's `Content-Length` (a `Content-Length` body whose script sets no
/// framing header of its own); `end_apart`, whether to end the stream in a frame of its own.
pub(crate) fn start(
    body: &Body,
    declare_len: bool,
    end_apart: bool,
    hold: Option<Hold>,
    marks: Marks,
    open: OpenResponse,
) -> ScriptBody {
    let (sender, frames) = mpsc::channel(1);
    let len = (declare_len && body.framing == Framing::ContentLength).then(|| body.payload_len());
    let run = Run {
        sender,
        body: body.clone(),
        hold,
        marks,
        chunks_sent: 0,
        payload_steps: 0,
        payload_offset: 0,
        pending_mark: None,
        held: None,
        end_apart,
    };
    tokio::spawn(run.run());
    ScriptBody {
        frames,
        len,
        ended: false,
        _open: open,
    }
}

/// hyper dropped the body (the client reset the stream, the connection closed, a `HEAD`).
struct Gone;

/// The state of one body being sent.
struct Run {
    sender: mpsc::Sender<Item>,
    body: Body,
    hold: Option<Hold>,
    marks: Marks,
    chunks_sent: u64,
    payload_steps: usize,
    payload_offset: u64,
    /// The mark of the current payload step, until its first frame.
    pending_mark: Option<(usize, u64)>,
    /// The frame kept until the next one (or a wait), with its step's mark.
    held: Option<(Bytes, Option<(usize, u64)>)>,
    /// Whether the stream ends in an empty frame of its own rather than with the last frame.
    end_apart: bool,
}

impl Run {
    async fn run(mut self) {
        let steps = std::mem::take(&mut self.body.steps);
        for step in &steps {
            if let Step::Send(piece) | Step::Drip(piece, _) = step {
                self.pending_mark = Some((self.payload_steps, self.payload_offset));
                self.payload_steps += 1;
                self.payload_offset += piece.len();
            }
            let done = match step {
                Step::Send(piece) => self.send(piece).await,
                Step::Drip(piece, delay) => self.drip(piece, *delay).await,
                Step::Pause(duration) => self.sleep(*duration).await,
                Step::Stall(stall) => self.stall(*stall).await,
                Step::Close | Step::Cut(_) => {
                    if self.flush(false).await.is_err() {
                        return;
                    }
                    // hyper resets the stream (or closes the connection) as soon as it sees the
                    // error, dropping what it has not written yet: let the bytes before the
                    // fault go out first.
                    if self.payload_offset > 0 {
                        tokio::time::sleep(ABORT_GRACE).await;
                    }
                    let _ = self.sender.send(Err(Aborted)).await;
                    return;
                }
            };
            if done.is_err() {
                return;
            }
        }
        let _ = self.flush(!self.end_apart).await;
    }

    /// Sends a piece in chunks of the body's chunk size (one per event for an events piece),
    /// one frame per chunk, or gathered into frames of at most `gather_writes` bytes.
    async fn send(&mut self, piece: &Piece) -> Result<(), Gone> {
        let size = self.body.chunk_size.map_or(piece.len(), |size| size as u64);
        let gather = self
            .body
            .gather_writes
            .filter(|_| self.body.chunk_delay.is_zero())
            .map(|max| max as u64);
        let bytes = match piece {
            Piece::Bytes {
                data, start, end, ..
            }
            | Piece::Events {
                data, start, end, ..
            } => Bytes::from_owner(Arc::clone(data)).slice(*start..*end),
            Piece::Fill { byte, len } => {
                let len = *len;
                let buffer = Bytes::from(vec![*byte; (FRAME_SLICE as u64).min(len) as usize]);
                let mut offset = 0;
                while offset < len {
                    let chunk = size.min(len - offset);
                    self.delay_chunk().await?;
                    self.chunks_sent += 1;
                    let mut left = chunk;
                    while left > 0 {
                        let n = left.min(buffer.len() as u64) as usize;
                        self.frame(buffer.slice(..n)).await?;
                        left -= n as u64;
                    }
                    offset += chunk;
                }
                return Ok(());
            }
        };
        // The gathered chunks not sent yet: `from..offset`.
        let mut from = 0u64;
        let mut offset = 0u64;
        while offset < piece.len() {
            let len = size.min(piece.chunk_end(offset) - offset);
            match gather {
                Some(max) => {
                    if offset > from && offset - from + len > max {
                        self.frame(slice(&bytes, from, offset)).await?;
                        from = offset;
                    }
                    if len > max {
                        self.chunk(slice(&bytes, offset, offset + len)).await?;
                        from = offset + len;
                    } else {
                        self.chunks_sent += 1;
                    }
                }
                None => {
                    self.delay_chunk().await?;
                    self.chunk(slice(&bytes, offset, offset + len)).await?;
                }
            }
            offset += len;
        }
        if gather.is_some() && offset > from {
            self.frame(slice(&bytes, from, offset)).await?;
        }
        Ok(())
    }

    /// Sends a piece one byte per frame, pausing before each.
    async fn drip(&mut self, piece: &Piece, delay: Duration) -> Result<(), Gone> {
        let bytes = match piece {
            Piece::Bytes {
                data, start, end, ..
            }
            | Piece::Events {
                data, start, end, ..
            } => Bytes::from_owner(Arc::clone(data)).slice(*start..*end),
            Piece::Fill { byte, len } => Bytes::from(vec![*byte; *len as usize]),
        };
        for offset in 0..bytes.len() {
            self.sleep(delay).await?;
            self.chunk(bytes.slice(offset..offset + 1)).await?;
        }
        Ok(())
    }

    /// The body's chunk delay, before every chunk but the first.
    async fn delay_chunk(&mut self) -> Result<(), Gone> {
        if self.chunks_sent > 0 {
            self.sleep(self.body.chunk_delay).await?;
        }
        Ok(())
    }

    /// Sleeps (the held frame goes out first).
    async fn sleep(&mut self, duration: Duration) -> Result<(), Gone> {
        if !duration.is_zero() {
            self.flush(false).await?;
            tokio::time::sleep(duration).await;
        }
        Ok(())
    }

    /// One chunk: one frame, or 64 KiB frames for a larger one.
    async fn chunk(&mut self, bytes: Bytes) -> Result<(), Gone> {
        self.chunks_sent += 1;
        let mut offset = 0;
        while offset < bytes.len() {
            let end = bytes.len().min(offset + FRAME_SLICE);
            self.frame(bytes.slice(offset..end)).await?;
            offset = end;
        }
        Ok(())
    }

    /// Queues one frame for hyper: it goes out once the next one is ready, or before a wait.
    async fn frame(&mut self, bytes: Bytes) -> Result<(), Gone> {
        if bytes.is_empty() {
            return Ok(());
        }
        self.flush(false).await?;
        self.held = Some((bytes, self.pending_mark.take()));
        Ok(())
    }

    /// Hands hyper the held frame, if any, saying whether it is the last; the first frame of a
    /// payload step is marked (see [`BodyWrite`]).
    async fn flush(&mut self, last: bool) -> Result<(), Gone> {
        let Some((bytes, mark)) = self.held.take() else {
            return Ok(());
        };
        let at = Instant::now();
        self.sender
            .send(Ok((bytes, last)))
            .await
            .map_err(|_| Gone)?;
        if let Some((step, offset)) = mark {
            self.marks.shared.record_body_write(BodyWrite {
                request: self.marks.request,
                step,
                offset,
                at,
            });
        }
        Ok(())
    }

    /// Stalls: for its duration, or (`until_shutdown`) until the hold is released, or for
    /// good without a hold; sending keep-alive comments meanwhile if asked (chunked bodies).
    async fn stall(&mut self, stall: Stall) -> Result<(), Gone> {
        self.flush(false).await?;
        let hold = self.hold.clone();
        let end = async move {
            match (stall.duration, hold) {
                (Some(duration), _) => tokio::time::sleep(duration).await,
                (None, Some(hold)) => hold.wait().await,
                (None, None) => std::future::pending().await,
            }
        };
        let interval = stall
            .keep_alive
            .filter(|_| self.body.framing == Framing::Chunked);
        let Some(interval) = interval.filter(|interval| !interval.is_zero()) else {
            end.await;
            return Ok(());
        };
        tokio::pin!(end);
        let mut next = tokio::time::Instant::now() + interval;
        loop {
            tokio::select! {
                () = &mut end => return Ok(()),
                () = tokio::time::sleep_until(next) => {
                    let comment = Bytes::from_static(KEEP_ALIVE_COMMENT);
                    self.sender.send(Ok((comment, false))).await.map_err(|_| Gone)?;
                    next += interval;
                }
            }
        }
    }
}

fn slice(bytes: &Bytes, from: u64, to: u64) -> Bytes {
    bytes.slice(from as usize..to as usize)
}
