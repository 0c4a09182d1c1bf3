//! The WebSocket client protocol (RFC 6455, with RFC 7692 `permessage-deflate`) as Sans-IO
//! state machines, for the Responses API's WebSocket transport.
//!
//! Two machines, one after the other, and no IO, clock or randomness of their own (the
//! `Sec-WebSocket-Key` entropy and the mask keys come from the caller):
//!
//! - [`ClientHandshake`] writes the upgrade request head and reads the server's reply head
//!   in any chunking: [`HandshakeOutcome::Upgraded`] (101, validated, with the negotiated
//!   [`DeflateParams`] and the bytes that followed the head) or
//!   [`HandshakeOutcome::Rejected`] (any other status: read its body as HTTP).
//! - [`WebSocketCodec`] then turns received bytes into [`Incoming`] messages (reassembled,
//!   inflated, UTF-8 checked, size-capped; pings answered, Close replied to) and the
//!   caller's messages into masked frames to write.
//!
//! ```
//! use codex_api_core::websocket::{
//!     ClientHandshake, CodecConfig, DeflateOffer, HandshakeOutcome, Incoming, WebSocketCodec,
//!     accept_key,
//! };
//!
//! let request = http::Request::get("wss://api.openai.com/v1/responses")
//!     .header("authorization", "Bearer sk-example")
//!     .body(())?;
//! let key_entropy = [7u8; 16]; // from a real random source in production
//! let mut handshake = ClientHandshake::new(request, key_entropy, Some(DeflateOffer::new()))?;
//! let head = handshake.poll_transmit().expect("the request head");
//! assert!(head.starts_with(b"GET /v1/responses HTTP/1.1\r\nHost: api.openai.com\r\n"));
//!
//! // The server's reply: the 101 head, then (in the same read) an unmasked text frame.
//! let reply = format!(
//!     "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
//!      Sec-WebSocket-Accept: {}\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n",
//!     accept_key(handshake.key()),
//! );
//! let mut bytes = reply.into_bytes();
//! bytes.extend_from_slice(b"\x81\x05Hello");
//! let mut chunks = bytes.chunks(10); // as reads from the connection deliver them
//! let outcome = loop {
//!     let chunk = chunks.next().expect("the server sent a whole head");
//!     if let Some(outcome) = handshake.handle_bytes(chunk)? {
//!         break outcome;
//!     }
//! };
//! let HandshakeOutcome::Upgraded { head, extension, leftover } = outcome else {
//!     panic!("not upgraded");
//! };
//! assert_eq!(head.status, 101);
//!
//! // From here on every byte belongs to the codec: first the leftover, then later reads.
//! let mut codec = WebSocketCodec::new(CodecConfig::default(), extension, 42);
//! codec.handle_bytes(&leftover);
//! for chunk in chunks {
//!     codec.handle_bytes(chunk);
//! }
//! match codec.poll_message() {
//!     Some(Ok(Incoming::Text(text))) => assert_eq!(text, "Hello"),
//!     other => panic!("unexpected: {other:?}"),
//! }
//! codec.send_text(r#"{"type":"response.create"}"#, [1, 2, 3, 4])?;
//! let frame = codec.poll_transmit().expect("a masked, compressed frame");
//! assert_eq!(frame[0], 0xC1); // FIN + RSV1 (compressed) + text
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Received data is copied once, into the codec's input buffer; an uncompressed message that
//! arrives in one frame is handed out as a slice of it (`Bytes`, no further copy). Messages
//! are limited to [`CodecConfig::max_message_size`] on the wire and after inflating, and
//! inflating stops at the limit.
//!
//! Not covered: sending fragmented messages (every message goes out as one frame), and
//! compressing outgoing messages with a window smaller than 15 bits (when the server asks for
//! one, outgoing messages go uncompressed, which RFC 7692 allows).

mod close;
mod codec;
mod deflate;
mod error;
mod extension;
mod frame;
mod handshake;
mod message;
mod rejection;

pub use close::{CloseCode, CloseFrame, MAX_CLOSE_REASON_LEN};
pub use codec::{CodecConfig, DEFAULT_MAX_MESSAGE_SIZE, WebSocketCodec};
pub use error::{HandshakeError, SendError, WebSocketError};
pub use extension::{DeflateOffer, DeflateParams};
pub use handshake::{ClientHandshake, DEFAULT_MAX_HEAD_SIZE, HandshakeOutcome, accept_key};
pub use message::{Incoming, Utf8Bytes};
pub use rejection::{FramingError, RejectionBody};
