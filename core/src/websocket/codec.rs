//! [`WebSocketCodec`]: the client side of an open WebSocket connection (RFC 6455 §5–§7 with
//! RFC 7692 `permessage-deflate`), as a state machine over bytes.

use std::collections::VecDeque;

use bytes::{Buf as _, Bytes, BytesMut};

use super::close::{CloseCode, ClosePayloadError, MAX_CLOSE_REASON_LEN, parse_close_payload};
use super::deflate::{Deflater, InflateError, Inflater};
use super::error::{SendError, WebSocketError};
use super::extension::DeflateParams;
use super::frame::{FrameHeader, MAX_CONTROL_PAYLOAD, Opcode, write_frame};
use super::message::{Incoming, Utf8Bytes};
use crate::retry::SplitMix64;

/// The default limit on one message, on the wire and after inflating: 128 MiB, the SSE
/// decoder's event limit (the same Responses events travel over both transports, and
/// legitimate ones exceed 28 MiB).
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 128 * 1024 * 1024;

/// Settings of a [`WebSocketCodec`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CodecConfig {
    /// The largest message accepted, in bytes: the sum of its frames' payloads on the wire,
    /// and its size after inflating. Past it the codec fails with
    /// [`WebSocketError::MessageTooLarge`] (close code 1009), never holding more than about
    /// this much for one message.
    pub max_message_size: usize,
    /// With `permessage-deflate`, messages shorter than this many bytes are sent
    /// uncompressed (0, the default, compresses every message).
    pub min_compress_size: usize,
}

impl Default for CodecConfig {
    fn default() -> Self {
        Self {
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            min_compress_size: 0,
        }
    }
}

impl CodecConfig {
    /// Sets [`CodecConfig::max_message_size`].
    pub fn with_max_message_size(mut self, limit: usize) -> Self {
        self.max_message_size = limit;
        self
    }

    /// Sets [`CodecConfig::min_compress_size`].
    pub fn with_min_compress_size(mut self, size: usize) -> Self {
        self.min_compress_size = size;
        self
    }
}

/// The negotiated compression state.
struct Deflate {
    deflater: Deflater,
    inflater: Inflater,
    /// `false` when the server limited the client's window below 15 bits, which the
    /// pure-Rust backend cannot honour: outgoing messages then go uncompressed.
    compress_outgoing: bool,
}

/// A fragmented message being reassembled.
#[derive(Clone, Copy, Debug)]
struct Partial {
    text: bool,
    compressed: bool,
    /// Payload bytes received so far (wire size).
    wire_len: usize,
    /// For uncompressed text: the prefix already validated as UTF-8.
    utf8_checked: usize,
}

/// Where the receiving side stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ReadState {
    Open,
    /// A Close frame was received and reported; nothing more is read.
    CloseReceived,
    /// The server broke the protocol; the error was reported and nothing more is read.
    Failed,
}

/// The client side of an open WebSocket connection, with no IO, clock or randomness of its
/// own.
///
/// - **Input**: [`handle_bytes`](Self::handle_bytes) with whatever the connection delivered,
///   in any chunking (one byte at a time yields exactly what the whole does).
/// - **Output**: [`poll_message`](Self::poll_message) for received messages (or the one
///   protocol error), [`poll_transmit`](Self::poll_transmit) for bytes to write (masked
///   frames the caller sent, plus the automatic pongs and Close reply).
/// - **Sending**: `send_*` with the mask key for the frame. Frames the codec writes on its
///   own (pongs, the Close reply) take their mask keys from a SplitMix64 seeded by the caller
///   at construction. Masks only defeat cache poisoning by intermediaries; the caller should
///   seed from real entropy in production, and from a constant in tests.
///
/// Received pings are answered at once with a pong carrying the same payload; a received
/// Close is answered with a Close echoing its code (or an empty one), unless a Close was
/// already sent. After a protocol error the codec reports it once, reads nothing more and
/// sends nothing on its own: the caller may [`send_close`](Self::send_close) with
/// [`WebSocketError::close_code`] or simply drop the connection.
pub struct WebSocketCodec {
    config: CodecConfig,
    deflate: Option<Deflate>,
    masks: SplitMix64,
    input: BytesMut,
    /// A parsed header whose payload has not fully arrived.
    header: Option<FrameHeader>,
    partial: Option<Partial>,
    fragments: BytesMut,
    /// Reused buffer for compressing outgoing messages.
    compressed: Vec<u8>,
    incoming: VecDeque<Result<Incoming, WebSocketError>>,
    output: BytesMut,
    read_state: ReadState,
    close_sent: bool,
}

impl std::fmt::Debug for WebSocketCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSocketCodec")
            .field("config", &self.config)
            .field("deflate", &self.deflate.is_some())
            .field("read_state", &self.read_state)
            .field("close_sent", &self.close_sent)
            .field("buffered_input", &self.input.len())
            .field("queued_messages", &self.incoming.len())
            .field("queued_output", &self.output.len())
            .finish_non_exhaustive()
    }
}

impl WebSocketCodec {
    /// A codec for a connection whose handshake settled `extension`, drawing the mask keys of
    /// automatic frames from a SplitMix64 seeded with `mask_seed`.
    pub fn new(config: CodecConfig, extension: Option<DeflateParams>, mask_seed: u64) -> Self {
        let deflate = extension.map(|params| Deflate {
            deflater: Deflater::new(params.client_no_context_takeover),
            inflater: Inflater::new(params.server_no_context_takeover),
            compress_outgoing: params.client_max_window_bits >= 15,
        });
        Self {
            config,
            deflate,
            masks: SplitMix64::new(mask_seed),
            input: BytesMut::new(),
            header: None,
            partial: None,
            fragments: BytesMut::new(),
            compressed: Vec::new(),
            incoming: VecDeque::new(),
            output: BytesMut::new(),
            read_state: ReadState::Open,
            close_sent: false,
        }
    }

    /// Frees the buffers a large message left behind (input, reassembly, compression,
    /// output), keeping whatever is not consumed yet: for a connection about to sit idle.
    pub fn release_buffers(&mut self) {
        if self.input.is_empty() {
            self.input = BytesMut::new();
        }
        if self.fragments.is_empty() {
            self.fragments = BytesMut::new();
        }
        if self.output.is_empty() {
            self.output = BytesMut::new();
        }
        self.compressed = Vec::new();
    }

    /// Whether `permessage-deflate` is in force.
    pub fn is_deflate_enabled(&self) -> bool {
        self.deflate.is_some()
    }

    /// Whether a Close frame was sent (by the caller or as the automatic reply).
    pub fn is_close_sent(&self) -> bool {
        self.close_sent
    }

    /// Whether a Close frame was received.
    pub fn is_close_received(&self) -> bool {
        self.read_state == ReadState::CloseReceived
    }

    /// Whether the closing handshake is complete (a Close was both sent and received): the
    /// caller may close the connection once [`poll_transmit`](Self::poll_transmit) is drained.
    pub fn is_closed(&self) -> bool {
        self.close_sent && self.is_close_received()
    }

    /// Whether the server broke the protocol (the error was or will be reported by
    /// [`poll_message`](Self::poll_message)).
    pub fn has_failed(&self) -> bool {
        self.read_state == ReadState::Failed
    }

    /// Feeds bytes received from the connection, in any chunking. Complete frames are
    /// processed at once (pongs and the Close reply are queued for
    /// [`poll_transmit`](Self::poll_transmit)). Bytes after a received Close or a protocol
    /// error are ignored.
    pub fn handle_bytes(&mut self, bytes: &[u8]) {
        if self.read_state != ReadState::Open {
            return;
        }
        self.input.extend_from_slice(bytes);
        self.process();
    }

    /// The next received message, or the protocol error that ended reading; `None` when
    /// nothing is pending.
    pub fn poll_message(&mut self) -> Option<Result<Incoming, WebSocketError>> {
        self.incoming.pop_front()
    }

    /// Bytes to write to the connection, if any: everything queued so far, in order.
    pub fn poll_transmit(&mut self) -> Option<Bytes> {
        if self.output.is_empty() {
            None
        } else {
            Some(self.output.split().freeze())
        }
    }

    /// Queues a text message, masked with `mask` (and compressed when `permessage-deflate`
    /// is in force and the message is at least [`CodecConfig::min_compress_size`] bytes).
    pub fn send_text(&mut self, text: &str, mask: [u8; 4]) -> Result<(), SendError> {
        self.send_data(Opcode::Text, text.as_bytes(), mask)
    }

    /// Queues a binary message, masked with `mask` (compressed as [`send_text`](Self::send_text)).
    pub fn send_binary(&mut self, data: &[u8], mask: [u8; 4]) -> Result<(), SendError> {
        self.send_data(Opcode::Binary, data, mask)
    }

    /// Queues a ping with `payload` (at most 125 bytes), masked with `mask`.
    pub fn send_ping(&mut self, payload: &[u8], mask: [u8; 4]) -> Result<(), SendError> {
        self.send_control(Opcode::Ping, payload, mask)
    }

    /// Queues an unsolicited pong with `payload` (at most 125 bytes), masked with `mask`.
    pub fn send_pong(&mut self, payload: &[u8], mask: [u8; 4]) -> Result<(), SendError> {
        self.send_control(Opcode::Pong, payload, mask)
    }

    /// Queues a Close frame with `code` and `reason` (at most 123 bytes), masked with `mask`.
    /// [`CloseCode::NO_STATUS`] with an empty reason sends a Close without a status code.
    /// Nothing can be sent after it.
    pub fn send_close(
        &mut self,
        code: CloseCode,
        reason: &str,
        mask: [u8; 4],
    ) -> Result<(), SendError> {
        if self.close_sent {
            return Err(SendError::Closed);
        }
        if reason.len() > MAX_CLOSE_REASON_LEN {
            return Err(SendError::ControlPayloadTooLarge {
                len: reason.len() + 2,
            });
        }
        let mut payload = [0u8; MAX_CONTROL_PAYLOAD];
        let len = if code == CloseCode::NO_STATUS && reason.is_empty() {
            0
        } else if code.is_valid_on_wire() {
            payload[..2].copy_from_slice(&code.0.to_be_bytes());
            payload[2..2 + reason.len()].copy_from_slice(reason.as_bytes());
            2 + reason.len()
        } else {
            return Err(SendError::InvalidCloseCode { code: code.0 });
        };
        write_frame(
            &mut self.output,
            false,
            Opcode::Close,
            Some(mask),
            &payload[..len],
        );
        self.close_sent = true;
        Ok(())
    }

    fn send_data(&mut self, opcode: Opcode, data: &[u8], mask: [u8; 4]) -> Result<(), SendError> {
        if self.close_sent {
            return Err(SendError::Closed);
        }
        let min_size = self.config.min_compress_size;
        if let Some(deflate) = self.deflate.as_mut().filter(|d| d.compress_outgoing)
            && data.len() >= min_size
            && deflate
                .deflater
                .compress_message(data, &mut self.compressed)
        {
            write_frame(&mut self.output, true, opcode, Some(mask), &self.compressed);
            return Ok(());
        }
        write_frame(&mut self.output, false, opcode, Some(mask), data);
        Ok(())
    }

    fn send_control(
        &mut self,
        opcode: Opcode,
        payload: &[u8],
        mask: [u8; 4],
    ) -> Result<(), SendError> {
        if self.close_sent {
            return Err(SendError::Closed);
        }
        if payload.len() > MAX_CONTROL_PAYLOAD {
            return Err(SendError::ControlPayloadTooLarge { len: payload.len() });
        }
        write_frame(&mut self.output, false, opcode, Some(mask), payload);
        Ok(())
    }

    /// A mask key for a frame the codec writes on its own.
    fn next_mask(&mut self) -> [u8; 4] {
        let bits = self.masks.next_u64().to_le_bytes();
        [bits[0], bits[1], bits[2], bits[3]]
    }

    /// Processes every complete frame in the input buffer.
    fn process(&mut self) {
        while self.read_state == ReadState::Open {
            let header = match self.header.take() {
                Some(header) => header,
                None => match FrameHeader::parse(&self.input) {
                    Ok(None) => return,
                    Ok(Some((header, header_len))) => {
                        if let Err(error) = self.check_header(&header) {
                            self.fail(error);
                            return;
                        }
                        self.input.advance(header_len);
                        header
                    }
                    Err(error) => {
                        self.fail(error);
                        return;
                    }
                },
            };
            // `check_header` bounded the length by the message limit, so it fits a usize.
            let len = usize::try_from(header.payload_len).unwrap_or(usize::MAX);
            if self.input.len() < len {
                self.header = Some(header);
                return;
            }
            let payload = self.input.split_to(len).freeze();
            self.handle_frame(header, payload);
        }
        self.input = BytesMut::new();
    }

    /// The checks a header needs from the connection's state, before its payload is read.
    fn check_header(&self, header: &FrameHeader) -> Result<(), WebSocketError> {
        if header.mask.is_some() {
            return Err(WebSocketError::MaskedFrame);
        }
        let starts_message = matches!(header.opcode, Opcode::Text | Opcode::Binary);
        let rsv_allowed =
            header.rsv == 0 || (header.rsv == 0b100 && starts_message && self.deflate.is_some());
        if !rsv_allowed {
            return Err(WebSocketError::ReservedBits { bits: header.rsv });
        }
        if header.opcode.is_control() {
            return Ok(());
        }
        let so_far = match (&self.partial, starts_message) {
            (None, false) => return Err(WebSocketError::UnexpectedContinuation),
            (Some(_), true) => return Err(WebSocketError::ExpectedContinuation),
            (None, true) => 0,
            (Some(partial), false) => partial.wire_len,
        };
        let limit = self.config.max_message_size;
        let remaining = u64::try_from(limit - so_far.min(limit)).unwrap_or(u64::MAX);
        if header.payload_len > remaining {
            return Err(WebSocketError::MessageTooLarge { limit });
        }
        Ok(())
    }

    fn handle_frame(&mut self, header: FrameHeader, payload: Bytes) {
        match header.opcode {
            Opcode::Ping => {
                if !self.close_sent {
                    let mask = self.next_mask();
                    write_frame(&mut self.output, false, Opcode::Pong, Some(mask), &payload);
                }
                self.incoming.push_back(Ok(Incoming::Ping(payload)));
            }
            Opcode::Pong => self.incoming.push_back(Ok(Incoming::Pong(payload))),
            Opcode::Close => self.handle_close(&payload),
            Opcode::Text | Opcode::Binary => {
                let text = header.opcode == Opcode::Text;
                let compressed = header.rsv & 0b100 != 0;
                if header.fin {
                    self.finish_message(text, compressed, payload, 0);
                } else {
                    self.fragments.clear();
                    let partial = Partial {
                        text,
                        compressed,
                        wire_len: 0,
                        utf8_checked: 0,
                    };
                    self.append_fragment(partial, &payload, false);
                }
            }
            Opcode::Continuation => {
                if let Some(partial) = self.partial.take() {
                    self.append_fragment(partial, &payload, header.fin);
                }
            }
        }
    }

    /// Adds a fragment to the message being reassembled; finishes it on the final one.
    fn append_fragment(&mut self, mut partial: Partial, payload: &[u8], fin: bool) {
        self.fragments.extend_from_slice(payload);
        partial.wire_len += payload.len();
        if partial.text && !partial.compressed {
            // Fail fast on invalid UTF-8; a sequence split across fragments waits for the rest.
            let unchecked = self
                .fragments
                .get(partial.utf8_checked..)
                .unwrap_or_default();
            match simdutf8::compat::from_utf8(unchecked) {
                Ok(_) => partial.utf8_checked = self.fragments.len(),
                Err(error) if error.error_len().is_some() => {
                    self.fail(WebSocketError::InvalidUtf8);
                    return;
                }
                Err(error) => partial.utf8_checked += error.valid_up_to(),
            }
        }
        if fin {
            let message = self.fragments.split().freeze();
            self.finish_message(
                partial.text,
                partial.compressed,
                message,
                partial.utf8_checked,
            );
        } else {
            self.partial = Some(partial);
        }
    }

    /// Delivers a whole message: inflates it if compressed, validates text past the
    /// `utf8_checked` prefix.
    fn finish_message(
        &mut self,
        text: bool,
        compressed: bool,
        payload: Bytes,
        utf8_checked: usize,
    ) {
        let limit = self.config.max_message_size;
        let (data, utf8_checked) = match self.deflate.as_mut().filter(|_| compressed) {
            Some(deflate) => {
                let mut inflated = Vec::new();
                match deflate
                    .inflater
                    .inflate_message(&[&payload], limit, &mut inflated)
                {
                    Ok(()) => (Bytes::from(inflated), 0),
                    Err(InflateError::TooLarge) => {
                        return self.fail(WebSocketError::MessageTooLarge { limit });
                    }
                    Err(InflateError::Corrupt) => {
                        return self.fail(WebSocketError::InvalidCompressedData);
                    }
                }
            }
            None => (payload, utf8_checked),
        };
        let message = if text {
            let unchecked = data.get(utf8_checked.min(data.len())..).unwrap_or_default();
            if simdutf8::basic::from_utf8(unchecked).is_err() {
                return self.fail(WebSocketError::InvalidUtf8);
            }
            Incoming::Text(Utf8Bytes::from_validated(data))
        } else {
            Incoming::Binary(data)
        };
        self.incoming.push_back(Ok(message));
    }

    fn handle_close(&mut self, payload: &[u8]) {
        let frame = match parse_close_payload(payload) {
            Ok(frame) => frame,
            Err(ClosePayloadError::Truncated) => {
                return self.fail(WebSocketError::TruncatedClosePayload);
            }
            Err(ClosePayloadError::InvalidCode(code)) => {
                return self.fail(WebSocketError::InvalidCloseCode { code });
            }
            Err(ClosePayloadError::InvalidReason) => {
                return self.fail(WebSocketError::InvalidCloseReason);
            }
        };
        if !self.close_sent {
            let mask = self.next_mask();
            // Echo the status code (RFC 6455 §5.5.1); an empty Close gets an empty reply.
            let code = frame.as_ref().map(|frame| frame.code.0.to_be_bytes());
            let payload: &[u8] = code.as_ref().map_or(&[], |code| code);
            write_frame(&mut self.output, false, Opcode::Close, Some(mask), payload);
            self.close_sent = true;
        }
        self.read_state = ReadState::CloseReceived;
        self.partial = None;
        self.incoming.push_back(Ok(Incoming::Close(frame)));
    }

    fn fail(&mut self, error: WebSocketError) {
        self.read_state = ReadState::Failed;
        self.partial = None;
        self.header = None;
        self.fragments = BytesMut::new();
        self.incoming.push_back(Err(error));
    }
}
