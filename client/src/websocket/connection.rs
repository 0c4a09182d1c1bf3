//! An open WebSocket connection: the core's codec over a byte stream, and the core's record
//! of its turns.

use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Instant;

use bytes::Bytes;
use codex_api_core::responses_websocket::Connection;
use codex_api_core::retry::{SplitMix64, TransportErrorKind};
use codex_api_core::websocket::{CodecConfig, DeflateParams, Incoming, Utf8Bytes, WebSocketCodec};
use codex_api_core::wire::Response;

use super::handshake::READ_SIZE;
use super::io::io_failure;
use crate::runtime::{ByteStream, TransportFailure};

/// What the connection gave the turn reading it.
pub(crate) enum Input {
    /// A text message (one event).
    Text(Utf8Bytes),
    /// The server closed the connection (a close frame or EOF).
    Closed,
    /// The connection failed.
    Failed(TransportFailure),
    /// The server broke the WebSocket protocol (a binary message, a bad frame).
    Protocol(String),
}

/// An open connection.
pub(crate) struct WsConnection {
    stream: Box<dyn ByteStream>,
    codec: WebSocketCodec,
    /// The `101` head: its facts open every turn's stream.
    pub(crate) head: http::response::Parts,
    /// The core's record of the connection's turns.
    pub(crate) turns: Connection,
    masks: SplitMix64,
    buf: Box<[u8]>,
    /// Bytes the codec produced that are not written yet.
    out: Bytes,
    /// The connection cannot serve another turn.
    pub(crate) broken: bool,
    /// When a read must give up (blocking streams; async callers race a timer).
    read_deadline: Option<Instant>,
    bounded: bool,
}

/// Where a session keeps its idle connection between turns.
pub(crate) type Slot = Arc<Mutex<Option<Box<WsConnection>>>>;

impl WsConnection {
    pub(crate) fn new(
        stream: Box<dyn ByteStream>,
        head: http::response::Parts,
        extension: Option<DeflateParams>,
        leftover: &[u8],
        config: CodecConfig,
        seed: u64,
        now: Instant,
    ) -> Self {
        let mut codec = WebSocketCodec::new(config, extension, seed);
        codec.handle_bytes(leftover);
        WsConnection {
            stream,
            codec,
            head,
            turns: Connection::new(now),
            masks: SplitMix64::new(seed ^ 0x5DEE_CE66_D1CE_4E5B),
            buf: vec![0u8; READ_SIZE].into_boxed_slice(),
            out: Bytes::new(),
            broken: false,
            read_deadline: None,
            // The handshake may have bounded reads: the first unbounded read clears it.
            bounded: true,
        }
    }

    /// Reads give up at `deadline` (the stream's idle deadline) on a blocking stream.
    pub(crate) fn set_read_deadline(&mut self, deadline: Option<Instant>) {
        self.read_deadline = deadline;
    }

    fn bound_read(&mut self) {
        match self.read_deadline {
            Some(deadline) => {
                let left = deadline.saturating_duration_since(Instant::now());
                self.stream.set_read_timeout(Some(left));
                self.bounded = true;
            }
            None if self.bounded => {
                self.stream.set_read_timeout(None);
                self.bounded = false;
            }
            None => {}
        }
    }

    /// The connection is about to sit idle: the read buffer and whatever a large message
    /// left in the codec are freed (they come back with the next read).
    pub(crate) fn idle(&mut self) {
        self.buf = Box::default();
        self.codec.release_buffers();
    }

    /// Whether deflate was negotiated.
    pub(crate) fn is_deflate(&self) -> bool {
        self.codec.is_deflate_enabled()
    }

    fn mask(&mut self) -> [u8; 4] {
        let bits = self.masks.next_u64().to_le_bytes();
        [bits[0], bits[1], bits[2], bits[3]]
    }

    /// Queues a text message.
    pub(crate) fn queue_text(&mut self, text: &str) -> Result<(), TransportFailure> {
        let mask = self.mask();
        self.codec
            .send_text(text, mask)
            .map_err(|error| TransportFailure::new(TransportErrorKind::Other, error))
    }

    /// Writes every queued frame and flushes.
    pub(crate) fn poll_flush(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), TransportFailure>> {
        loop {
            if self.out.is_empty() {
                match self.codec.poll_transmit() {
                    Some(bytes) => self.out = bytes,
                    None => break,
                }
            }
            match self.stream.poll_write(cx, &self.out) {
                Poll::Ready(Ok(0)) => {
                    self.broken = true;
                    return Poll::Ready(Err(TransportFailure::new(
                        TransportErrorKind::Reset,
                        "the connection accepted no more bytes",
                    )));
                }
                Poll::Ready(Ok(written)) => {
                    let _ = self.out.split_to(written);
                }
                Poll::Ready(Err(error)) => {
                    self.broken = true;
                    return Poll::Ready(Err(io_failure(error)));
                }
                Poll::Pending => return Poll::Pending,
            }
        }
        self.stream.poll_flush(cx).map_err(|error| {
            self.broken = true;
            io_failure(error)
        })
    }

    /// The next input for the turn: a text message, or how the connection ended. Pings are
    /// answered (the codec queues the pong; it is written here).
    pub(crate) fn poll_input(&mut self, cx: &mut Context<'_>) -> Poll<Input> {
        loop {
            if let Poll::Ready(Err(failure)) = self.poll_flush(cx) {
                return Poll::Ready(Input::Failed(failure));
            }
            if let Some(message) = self.codec.poll_message() {
                match message {
                    Ok(Incoming::Text(text)) => return Poll::Ready(Input::Text(text)),
                    Ok(Incoming::Ping(_) | Incoming::Pong(_)) => continue,
                    Ok(Incoming::Binary(_)) => {
                        self.broken = true;
                        return Poll::Ready(Input::Protocol(
                            "the server sent a binary WebSocket message".into(),
                        ));
                    }
                    Ok(Incoming::Close(_)) => {
                        self.broken = true;
                        return Poll::Ready(Input::Closed);
                    }
                    Err(error) => {
                        self.broken = true;
                        return Poll::Ready(Input::Protocol(format!("WebSocket: {error}")));
                    }
                }
            }
            self.bound_read();
            if self.buf.is_empty() {
                self.buf = vec![0u8; READ_SIZE].into_boxed_slice();
            }
            match self.stream.poll_read(cx, &mut self.buf) {
                Poll::Ready(Ok(0)) => {
                    self.broken = true;
                    return Poll::Ready(Input::Closed);
                }
                // A blocking read gave up at the deadline: the caller's timer decides.
                Poll::Ready(Err(error))
                    if matches!(
                        error.kind(),
                        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
                    ) =>
                {
                    return Poll::Pending;
                }
                Poll::Ready(Ok(read)) => {
                    let (codec, buf) = (&mut self.codec, &self.buf);
                    codec.handle_bytes(&buf[..read]);
                }
                Poll::Ready(Err(error)) => {
                    self.broken = true;
                    return Poll::Ready(Input::Failed(io_failure(error)));
                }
                Poll::Pending => return Poll::Pending,
            }
        }
    }

    /// The turn in flight ended: a completed response can be chained from; otherwise the
    /// next request goes in full.
    pub(crate) fn end_turn(&mut self, completed: Option<&Response>) {
        match completed {
            Some(response) => self.turns.handle_completed(response),
            None => self.turns.handle_failed(),
        }
    }
}

/// The messages of one turn, for the event stream: the connection, taken from its session's
/// slot for the turn and given back when the response ended well.
pub(crate) struct TurnSource {
    pub(crate) connection: Option<Box<WsConnection>>,
    pub(crate) slot: Slot,
}

impl TurnSource {
    /// The turn is over: a connection that can serve another turn goes back to the session
    /// (`finished`: the response reached its terminal outcome; `completed`: its response, when
    /// it completed). A connection still carrying an unfinished response is dropped.
    pub(crate) fn finish(&mut self, finished: bool, completed: Option<&Response>) {
        let Some(mut connection) = self.connection.take() else {
            return;
        };
        connection.end_turn(completed);
        if finished && !connection.broken {
            connection.idle();
            let mut slot = self
                .slot
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if slot.is_none() {
                *slot = Some(connection);
            }
        }
    }
}
