//! The WebSocket errors: [`HandshakeError`] (the upgrade failed), [`WebSocketError`] (the
//! server broke the frame protocol) and [`SendError`] (the caller asked for something the
//! protocol does not allow).
//!
//! None of them carries a header value the caller sent, so no credential can leak through
//! `Debug` or `Display`.

use super::close::CloseCode;

/// The opening handshake failed: the request could not be built, or the server's reply is
/// not a valid upgrade. A reply with a status other than 101 is not an error but
/// [`HandshakeOutcome::Rejected`](super::HandshakeOutcome::Rejected).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HandshakeError {
    /// The request's URI scheme is not `ws`, `wss`, `http` or `https`.
    #[error("unsupported URI scheme for a WebSocket handshake (expected ws, wss, http or https)")]
    UnsupportedScheme,
    /// The request's URI has no host.
    #[error("the WebSocket request URI has no host")]
    MissingHost,
    /// The request's method is not `GET`.
    #[error("a WebSocket handshake request must be a GET")]
    MethodNotGet,
    /// The reply head grew past the limit without ending.
    #[error("the handshake reply head exceeds {limit} bytes")]
    HeadTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The reply head is not valid HTTP/1.1 (what `httparse` said).
    #[error("malformed handshake reply head: {reason}")]
    MalformedHead {
        /// A short description.
        reason: &'static str,
    },
    /// The 101 reply lacks `Upgrade: websocket`.
    #[error("the 101 reply lacks `Upgrade: websocket`")]
    MissingUpgrade,
    /// The 101 reply's `Connection` header lacks the `upgrade` token.
    #[error("the 101 reply's `Connection` header lacks the `upgrade` token")]
    MissingConnectionUpgrade,
    /// The 101 reply has no `Sec-WebSocket-Accept`.
    #[error("the 101 reply has no `Sec-WebSocket-Accept`")]
    MissingAccept,
    /// The 101 reply's `Sec-WebSocket-Accept` does not match our key.
    #[error("the 101 reply's `Sec-WebSocket-Accept` does not match the key sent")]
    WrongAccept,
    /// The server chose an extension the client did not offer.
    #[error("the server chose an extension that was not offered: {name}")]
    UnofferedExtension {
        /// The extension's name as the server sent it (at most 64 characters).
        name: String,
    },
    /// The server's `permessage-deflate` response is not valid (RFC 7692 §7.1).
    #[error("invalid permessage-deflate response: {reason}")]
    InvalidDeflateResponse {
        /// What was wrong.
        reason: &'static str,
    },
    /// The server chose a subprotocol the client did not offer.
    #[error("the server chose a subprotocol that was not offered")]
    UnofferedProtocol,
    /// [`ClientHandshake::handle_bytes`](super::ClientHandshake::handle_bytes) was called
    /// after the outcome had been returned.
    #[error("the handshake is already complete")]
    AlreadyComplete,
}

impl HandshakeError {
    /// A stable machine-readable name, e.g. `wrong_accept`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::UnsupportedScheme => "unsupported_scheme",
            Self::MissingHost => "missing_host",
            Self::MethodNotGet => "method_not_get",
            Self::HeadTooLarge { .. } => "head_too_large",
            Self::MalformedHead { .. } => "malformed_head",
            Self::MissingUpgrade => "missing_upgrade",
            Self::MissingConnectionUpgrade => "missing_connection_upgrade",
            Self::MissingAccept => "missing_accept",
            Self::WrongAccept => "wrong_accept",
            Self::UnofferedExtension { .. } => "unoffered_extension",
            Self::InvalidDeflateResponse { .. } => "invalid_deflate_response",
            Self::UnofferedProtocol => "unoffered_protocol",
            Self::AlreadyComplete => "already_complete",
        }
    }
}

/// The server broke the WebSocket protocol (RFC 6455, RFC 7692). Each error names the close
/// code ([`WebSocketError::close_code`]) to send when failing the connection; after one, the
/// codec delivers nothing more.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebSocketError {
    /// A server frame had the MASK bit set (servers must not mask).
    #[error("the server sent a masked frame")]
    MaskedFrame,
    /// RSV bits set that no negotiated extension defines (RSV1 is allowed only on the first
    /// frame of a data message with permessage-deflate).
    #[error("frame with reserved bits {bits:#05b} set")]
    ReservedBits {
        /// RSV1..RSV3 as the three low bits (RSV1 = 0b100).
        bits: u8,
    },
    /// A reserved opcode (3–7, 0xB–0xF).
    #[error("frame with reserved opcode {opcode:#x}")]
    ReservedOpcode {
        /// The opcode.
        opcode: u8,
    },
    /// A control frame (close, ping, pong) without FIN.
    #[error("fragmented control frame")]
    FragmentedControlFrame,
    /// A control frame with more than 125 payload bytes.
    #[error("control frame with {len} payload bytes (at most 125)")]
    ControlFrameTooLarge {
        /// The payload length.
        len: u64,
    },
    /// A 64-bit payload length with its most significant bit set.
    #[error("frame payload length has its most significant bit set")]
    InvalidPayloadLength,
    /// A continuation frame with no fragmented message in progress.
    #[error("continuation frame without a message in progress")]
    UnexpectedContinuation,
    /// A new text or binary frame while a fragmented message was still in progress.
    #[error("new data frame while a fragmented message is in progress")]
    ExpectedContinuation,
    /// A message (on the wire or after inflating) larger than the limit.
    #[error("message larger than {limit} bytes")]
    MessageTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// A text message that is not UTF-8.
    #[error("text message is not valid UTF-8")]
    InvalidUtf8,
    /// A Close frame with a one-byte payload.
    #[error("close frame with a one-byte payload")]
    TruncatedClosePayload,
    /// A Close frame with a code that may not appear on the wire.
    #[error("close frame with invalid code {code}")]
    InvalidCloseCode {
        /// The code received.
        code: u16,
    },
    /// A Close frame whose reason is not UTF-8.
    #[error("close frame reason is not valid UTF-8")]
    InvalidCloseReason,
    /// A compressed message that does not inflate.
    #[error("compressed message does not inflate")]
    InvalidCompressedData,
}

impl WebSocketError {
    /// The close code to send when failing the connection for this error: 1009 for sizes,
    /// 1007 for invalid UTF-8 or compressed data, 1002 for everything else.
    pub fn close_code(&self) -> CloseCode {
        match self {
            Self::MessageTooLarge { .. } => CloseCode::MESSAGE_TOO_BIG,
            Self::InvalidUtf8 | Self::InvalidCloseReason | Self::InvalidCompressedData => {
                CloseCode::INVALID_PAYLOAD
            }
            _ => CloseCode::PROTOCOL_ERROR,
        }
    }

    /// A stable machine-readable name, e.g. `masked_frame`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::MaskedFrame => "masked_frame",
            Self::ReservedBits { .. } => "reserved_bits",
            Self::ReservedOpcode { .. } => "reserved_opcode",
            Self::FragmentedControlFrame => "fragmented_control_frame",
            Self::ControlFrameTooLarge { .. } => "control_frame_too_large",
            Self::InvalidPayloadLength => "invalid_payload_length",
            Self::UnexpectedContinuation => "unexpected_continuation",
            Self::ExpectedContinuation => "expected_continuation",
            Self::MessageTooLarge { .. } => "message_too_large",
            Self::InvalidUtf8 => "invalid_utf8",
            Self::TruncatedClosePayload => "truncated_close_payload",
            Self::InvalidCloseCode { .. } => "invalid_close_code",
            Self::InvalidCloseReason => "invalid_close_reason",
            Self::InvalidCompressedData => "invalid_compressed_data",
        }
    }
}

/// The caller asked the codec to send something the protocol does not allow. Nothing was
/// written.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// A Close frame was already sent (or the connection failed), so nothing more may be sent.
    #[error("the WebSocket is closing: nothing more may be sent")]
    Closed,
    /// A ping, pong or close payload longer than 125 bytes (123 for a close reason).
    #[error("control frame payload of {len} bytes is too long")]
    ControlPayloadTooLarge {
        /// The payload length asked for.
        len: usize,
    },
    /// A close code that may not be sent (see [`CloseCode::is_valid_on_wire`]).
    #[error("close code {code} may not be sent")]
    InvalidCloseCode {
        /// The code asked for.
        code: u16,
    },
}
