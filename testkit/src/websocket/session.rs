//! One WebSocket session on a connection: read client messages, answer each `response.create`
//! with the next turn, record everything.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::deflate::{Deflate, InflateError};
use super::frames::{
    BINARY, CLOSE, CONTINUATION, FrameReader, INVALID_PAYLOAD, PING, PONG, ReadFailure, TEXT,
    TOO_BIG, close_payload, encode, encode_into, protocol,
};
use super::record::{WsMessage, WsSession, json_type};
use super::script::{Ending, Insert, WsScript, WsTurn};
use crate::server::Shared;
use crate::wire::{Ended, Wire};

/// Largest client message accepted (after inflating); larger ones close the session with 1009.
pub(crate) const MAX_MESSAGE: usize = 64 * 1024 * 1024;

/// The payload of the pings the server sends.
const PING_PAYLOAD: &[u8] = b"codex-api-testkit";

/// How long a closing session waits for the client to close its side.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// What came in: a whole message, or the client's close frame.
enum Incoming {
    Message {
        /// The payload as text (a binary payload decoded lossily as UTF-8).
        text: String,
        binary: bool,
        compressed: bool,
    },
    Close(u16, String),
}

/// How a session goes on after a turn.
enum Flow {
    /// Wait for the next message.
    Continue,
    /// The server sent a close frame.
    Closed,
    /// The server drops the connection without a close frame.
    Dropped,
}

/// A running session.
pub(crate) struct Session<'a> {
    pub(crate) wire: &'a mut Wire,
    pub(crate) reader: FrameReader,
    pub(crate) deflate: Option<Deflate>,
    pub(crate) shared: &'a Shared,
    pub(crate) index: usize,
    pub(crate) connection_id: u64,
    pub(crate) script: WsScript,
    pub(crate) received: usize,
    pub(crate) creates: usize,
    /// Frames encoded but not written yet (kept between turns for its capacity).
    pub(crate) out: Vec<u8>,
    /// The current turn's [`WsTurn::gather_writes`]: `None` writes every frame on its own.
    pub(crate) gather: Option<usize>,
}

impl Session<'_> {
    /// Runs the session to its end; the connection is then closed (the caller closes it again,
    /// which does nothing more).
    pub(crate) fn run(mut self) {
        let graceful = match self.run_turns() {
            Ok(Flow::Closed) => true,
            Ok(Flow::Dropped | Flow::Continue) | Err(Ended::Broken | Ended::Stopped) => false,
        };
        self.update(|session| session.ended = true);
        self.wire.close();
        if graceful {
            // Read what the client still sends (its close frame) until it closes, so the
            // socket does not reset under data the client has not read yet.
            self.wire.drain(CLOSE_GRACE);
        }
    }

    fn run_turns(&mut self) -> Result<Flow, Ended> {
        if let Some((code, reason)) = self.script.close_on_open.clone() {
            self.send_close(code, &reason)?;
            return Ok(Flow::Closed);
        }
        loop {
            let incoming = match self.next_message() {
                Ok(incoming) => incoming,
                Err(ReadFailure::Ended) => return Err(Ended::Broken),
                Err(ReadFailure::Protocol { code, reason }) => {
                    self.update(|session| session.protocol_error = Some(reason.clone()));
                    self.send_close(code, &reason)?;
                    return Ok(Flow::Closed);
                }
            };
            let (text, binary, compressed) = match incoming {
                Incoming::Message {
                    text,
                    binary,
                    compressed,
                } => (text, binary, compressed),
                Incoming::Close(code, reason) => {
                    self.update(|session| session.client_close = Some((code, reason.clone())));
                    let echo = if code == 1005 {
                        Vec::new()
                    } else {
                        close_payload(code, "")
                    };
                    self.wire.write_all(&encode(true, false, CLOSE, &echo))?;
                    return Ok(Flow::Closed);
                }
            };
            // What `message.is_response_create()` answers, from a scan of the text rather than
            // a whole parsed document.
            let create = !binary && json_type(&text).as_deref() == Some("response.create");
            let mut message = WsMessage {
                connection_id: self.connection_id,
                session: self.index,
                index: self.received,
                text,
                binary,
                compressed,
                turn: None,
                script_exhausted: false,
                received_at: Instant::now(),
            };
            self.received += 1;
            if !create {
                self.shared.record_ws_message(message);
                continue;
            }
            message.turn = Some(self.creates);
            let turn = self.take_turn(&message);
            self.creates += 1;
            message.script_exhausted = turn.is_none();
            let request = match &turn {
                Some(Ok(turn)) if turn.needs_request() => message.json().ok(),
                _ => None,
            };
            self.shared.record_ws_message(message);
            let flow = match turn {
                Some(Ok(turn)) => self.play(&turn, request.as_ref())?,
                Some(Err(panic)) => {
                    self.send_close(1011, &format!("the turn responder panicked: {panic}"))?;
                    Flow::Closed
                }
                None => self.exhausted()?,
            };
            if !matches!(flow, Flow::Continue) {
                return Ok(flow);
            }
        }
    }

    /// The next turn: scripted, or from the responder (`Err` holds its panic message); `None`
    /// when the script is exhausted.
    fn take_turn(&mut self, message: &WsMessage) -> Option<Result<WsTurn, String>> {
        if self.creates < self.script.turns.len() {
            return self.script.turns.get(self.creates).cloned().map(Ok);
        }
        let responder = self.script.responder.clone()?;
        let answer = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| responder(message)));
        Some(answer.map_err(|panic| {
            panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a non-string panic".into())
        }))
    }

    /// The answer once the turns are used up: an error frame, then a close frame.
    fn exhausted(&mut self) -> Result<Flow, Ended> {
        let error = json!({
            "type": "error",
            "status": 500,
            "error": {
                "type": "server_error",
                "code": "script_exhausted",
                "message": format!(
                    "codex-api-testkit: websocket script exhausted: no turn left for \
                     response.create #{} of session {}",
                    self.creates, self.index
                ),
            },
        });
        self.gather = None;
        self.send_message(TEXT, error.to_string().as_bytes(), 1)?;
        self.send_close(1011, "codex-api-testkit: websocket script exhausted")?;
        Ok(Flow::Closed)
    }

    /// Plays one turn.
    fn play(&mut self, turn: &WsTurn, request: Option<&Value>) -> Result<Flow, Ended> {
        let messages = turn.render(request);
        self.gather = turn.gather_writes;
        if turn.ping_first {
            self.queue_frame(true, false, PING, PING_PAYLOAD)?;
        }
        for position in 0..=messages.len() {
            for (_, insert) in turn
                .inserts
                .iter()
                .filter(|(at, _)| (*at).min(messages.len()) == position)
            {
                self.flush()?;
                match insert {
                    Insert::Raw(bytes) => self.wire.write_all(bytes)?,
                    Insert::Stall(duration) => self.wire.sleep(*duration)?,
                }
            }
            if let Some((at, ending)) = &turn.ending
                && (*at).min(messages.len()) == position
            {
                return match ending {
                    Ending::Close(code, reason) => {
                        self.send_close(*code, reason)?;
                        Ok(Flow::Closed)
                    }
                    Ending::Drop => {
                        self.flush()?;
                        Ok(Flow::Dropped)
                    }
                };
            }
            let Some(message) = messages.get(position) else {
                break;
            };
            if position > 0 && !turn.delay.is_zero() {
                self.flush()?;
                self.wire.sleep(turn.delay)?;
            }
            let opcode = if position == 0 && turn.binary_first {
                BINARY
            } else {
                TEXT
            };
            self.send_message(opcode, message.as_bytes(), turn.fragments)?;
        }
        self.flush()?;
        Ok(Flow::Continue)
    }

    /// Sends one data message in `fragments` frames, compressed when deflate was agreed.
    fn send_message(&mut self, opcode: u8, payload: &[u8], fragments: usize) -> Result<(), Ended> {
        let compressed;
        let (rsv1, data) = match &mut self.deflate {
            Some(deflate) => {
                compressed = deflate.compress(payload);
                (true, &compressed[..])
            }
            None => (false, payload),
        };
        let size = data.len().div_ceil(fragments.max(1)).max(1);
        let mut chunks = data.chunks(size).peekable();
        if chunks.peek().is_none() {
            return self.queue_frame(true, rsv1, opcode, &[]);
        }
        let mut first = true;
        while let Some(chunk) = chunks.next() {
            let code = if first { opcode } else { CONTINUATION };
            let last = chunks.peek().is_none();
            self.queue_frame(last, rsv1 && first, code, chunk)?;
            first = false;
        }
        Ok(())
    }

    /// Encodes one frame behind the frames not written yet; writes them out first when the
    /// frame would take the gathered bytes over the turn's limit, and writes the frame at once
    /// when the turn does not gather.
    fn queue_frame(
        &mut self,
        fin: bool,
        rsv1: bool,
        opcode: u8,
        payload: &[u8],
    ) -> Result<(), Ended> {
        let framed = payload.len() + 10;
        if let Some(max) = self.gather
            && !self.out.is_empty()
            && self.out.len() + framed > max
        {
            self.flush()?;
        }
        encode_into(&mut self.out, fin, rsv1, opcode, payload);
        if self.gather.is_none_or(|max| self.out.len() >= max) {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes out the frames not written yet, in one write.
    fn flush(&mut self) -> Result<(), Ended> {
        if self.out.is_empty() {
            return Ok(());
        }
        let written = self.wire.write_all(&self.out);
        self.out.clear();
        written
    }

    fn send_close(&mut self, code: u16, reason: &str) -> Result<(), Ended> {
        self.flush()?;
        self.wire
            .write_all(&encode(true, false, CLOSE, &close_payload(code, reason)))
    }

    /// Reads frames until a whole data message or a close frame; answers pings, records pongs.
    fn next_message(&mut self) -> Result<Incoming, ReadFailure> {
        let mut partial: Option<(bool, bool, Vec<u8>)> = None;
        loop {
            let frame = self.reader.read(self.wire)?;
            if frame.opcode >= CLOSE && frame.rsv1 {
                return Err(protocol("RSV1 set on a control frame"));
            }
            match frame.opcode {
                PING => {
                    self.wire
                        .write_all(&encode(true, false, PONG, &frame.payload))?;
                    continue;
                }
                PONG => {
                    self.update(|session| session.pongs.push(frame.payload.clone()));
                    continue;
                }
                CLOSE => return close_frame(&frame.payload),
                TEXT | BINARY => {
                    if partial.is_some() {
                        return Err(protocol("a new message inside a fragmented one"));
                    }
                    if frame.rsv1 && self.deflate.is_none() {
                        return Err(protocol("RSV1 set without permessage-deflate"));
                    }
                    partial = Some((frame.opcode == BINARY, frame.rsv1, frame.payload));
                }
                CONTINUATION => {
                    let Some((_, _, data)) = &mut partial else {
                        return Err(protocol("a continuation frame outside a message"));
                    };
                    if frame.rsv1 {
                        return Err(protocol("RSV1 set on a continuation frame"));
                    }
                    if data.len() + frame.payload.len() > MAX_MESSAGE {
                        return Err(too_big());
                    }
                    data.extend_from_slice(&frame.payload);
                }
                other => return Err(protocol(format!("reserved opcode {other:#x}"))),
            }
            if !frame.fin {
                continue;
            }
            let Some((binary, compressed, data)) = partial.take() else {
                continue;
            };
            let payload = match (&mut self.deflate, compressed) {
                (Some(deflate), true) => {
                    deflate
                        .decompress(&data, MAX_MESSAGE)
                        .map_err(|error| match error {
                            InflateError::TooLarge => too_big(),
                            InflateError::Corrupt(why) => {
                                protocol(format!("a message that does not inflate: {why}"))
                            }
                        })?
                }
                _ => data,
            };
            // Validated once, and the bytes become the recorded text without a copy.
            let text = match String::from_utf8(payload) {
                Ok(text) => text,
                Err(_) if !binary => {
                    return Err(ReadFailure::Protocol {
                        code: INVALID_PAYLOAD,
                        reason: "a text message that is not UTF-8".into(),
                    });
                }
                Err(error) => String::from_utf8_lossy(error.as_bytes()).into_owned(),
            };
            return Ok(Incoming::Message {
                text,
                binary,
                compressed,
            });
        }
    }

    fn update(&self, change: impl FnOnce(&mut WsSession)) {
        self.shared.update_ws_session(self.index, change);
    }
}

/// The client's close frame: code (1005 without one) and reason.
fn close_frame(payload: &[u8]) -> Result<Incoming, ReadFailure> {
    match payload {
        [] => Ok(Incoming::Close(1005, String::new())),
        [_] => Err(protocol("a close frame with a one-byte payload")),
        [high, low, reason @ ..] => {
            let reason = std::str::from_utf8(reason).map_err(|_| ReadFailure::Protocol {
                code: INVALID_PAYLOAD,
                reason: "a close reason that is not UTF-8".into(),
            })?;
            Ok(Incoming::Close(
                u16::from_be_bytes([*high, *low]),
                reason.to_owned(),
            ))
        }
    }
}

fn too_big() -> ReadFailure {
    ReadFailure::Protocol {
        code: TOO_BIG,
        reason: "message too large".into(),
    }
}
