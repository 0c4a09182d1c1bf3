//! The client's opening handshake (RFC 6455 §4.1, §4.2.2): building the `GET` request head
//! and reading the server's reply head.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::{Bytes, BytesMut};
use http::header::{self, HeaderName, HeaderValue};
use http::response::Parts;
use http::{Method, StatusCode, Version};
use sha1::{Digest as _, Sha1};

use super::error::HandshakeError;
use super::extension::{DeflateOffer, DeflateParams, negotiate};

/// The GUID RFC 6455 §1.3 appends to the key before hashing.
const ACCEPT_GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// The default limit on the reply head: 64 KiB.
pub const DEFAULT_MAX_HEAD_SIZE: usize = 64 * 1024;

/// The most header lines a reply head may have.
const MAX_HEADERS: usize = 128;

/// Header names the handshake writes itself; the caller's copies are dropped.
const HANDSHAKE_HEADERS: [&str; 7] = [
    "host",
    "upgrade",
    "connection",
    "sec-websocket-key",
    "sec-websocket-version",
    "sec-websocket-extensions",
    "sec-websocket-accept",
];

/// The `Sec-WebSocket-Accept` value for a `Sec-WebSocket-Key`:
/// base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")).
///
/// ```
/// use codex_api_core::websocket::accept_key;
///
/// // RFC 6455 §1.3.
/// assert_eq!(accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
/// ```
pub fn accept_key(key: &str) -> String {
    let mut hasher = Sha1::new();
    hasher.update(key.as_bytes());
    hasher.update(ACCEPT_GUID.as_bytes());
    STANDARD.encode(hasher.finalize())
}

/// How the server answered the handshake.
#[derive(Debug)]
pub enum HandshakeOutcome {
    /// `101 Switching Protocols`, validated: the connection now speaks WebSocket.
    Upgraded {
        /// The reply head (status and headers), for headers such as `x-codex-turn-state`.
        head: Parts,
        /// The `permessage-deflate` parameters, when the server accepted the offer.
        extension: Option<DeflateParams>,
        /// Bytes that arrived after the head: the start of the frame stream. Feed them to
        /// [`WebSocketCodec::handle_bytes`](super::WebSocketCodec::handle_bytes).
        leftover: Bytes,
    },
    /// Any status other than 101. Read the body as HTTP (per the head's `Content-Length` or
    /// `Transfer-Encoding`, starting with `leftover`) and map it like any HTTP error.
    Rejected {
        /// The reply head.
        head: Parts,
        /// Bytes that arrived after the head: the start of the body.
        leftover: Bytes,
    },
}

/// The client side of the opening handshake, as a state machine.
///
/// [`ClientHandshake::new`] builds the request head from the caller's request (URI and
/// headers) and 16 random bytes for `Sec-WebSocket-Key`; [`ClientHandshake::poll_transmit`]
/// hands it out once; [`ClientHandshake::handle_bytes`] reads the reply in any chunking and
/// returns the outcome once the head is complete.
///
/// The request head written is, in order: `GET <path?query> HTTP/1.1`, `Host` (with the port
/// only when it is not the scheme's default), `Upgrade: websocket`, `Connection: Upgrade`,
/// `Sec-WebSocket-Key`, `Sec-WebSocket-Version: 13`, `Sec-WebSocket-Extensions` when
/// deflate is offered, then the caller's headers in their order, less any the handshake
/// writes itself (`Host`, `Upgrade`, `Connection`, `Sec-WebSocket-Key`,
/// `Sec-WebSocket-Version`, `Sec-WebSocket-Extensions`, `Sec-WebSocket-Accept`).
///
/// `Debug` shows neither the request head nor the caller's headers, which carry credentials.
pub struct ClientHandshake {
    request_head: Option<Bytes>,
    host: String,
    key: String,
    expected_accept: String,
    offer: Option<DeflateOffer>,
    protocols: Vec<String>,
    buffer: BytesMut,
    scanned: usize,
    max_head_size: usize,
    complete: bool,
}

impl fmt::Debug for ClientHandshake {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientHandshake")
            .field("host", &self.host)
            .field("offer", &self.offer)
            .field("request_sent", &self.request_head.is_none())
            .field("buffered", &self.buffer.len())
            .field("complete", &self.complete)
            .finish_non_exhaustive()
    }
}

impl ClientHandshake {
    /// Builds the handshake for `request` (method `GET`, URI `ws://`, `wss://`, `http://` or
    /// `https://`, the caller's headers), with `key_entropy` as the raw `Sec-WebSocket-Key`
    /// and `offer` as the `permessage-deflate` offer (`None`: no extension offered).
    pub fn new(
        request: http::Request<()>,
        key_entropy: [u8; 16],
        offer: Option<DeflateOffer>,
    ) -> Result<Self, HandshakeError> {
        let (parts, ()) = request.into_parts();
        if parts.method != Method::GET {
            return Err(HandshakeError::MethodNotGet);
        }
        let uri = &parts.uri;
        let default_port = match uri.scheme_str() {
            Some(scheme)
                if scheme.eq_ignore_ascii_case("ws") || scheme.eq_ignore_ascii_case("http") =>
            {
                80
            }
            Some(scheme)
                if scheme.eq_ignore_ascii_case("wss") || scheme.eq_ignore_ascii_case("https") =>
            {
                443
            }
            _ => return Err(HandshakeError::UnsupportedScheme),
        };
        let host = match uri.host() {
            Some(host) if !host.is_empty() => host,
            _ => return Err(HandshakeError::MissingHost),
        };
        let host = match uri.port_u16() {
            Some(port) if port != default_port => format!("{host}:{port}"),
            _ => host.to_owned(),
        };
        let path = match uri.path_and_query().map(|path| path.as_str()) {
            Some(path) if !path.is_empty() => path,
            _ => "/",
        };
        let key = STANDARD.encode(key_entropy);

        let mut head = BytesMut::with_capacity(256);
        for piece in [
            "GET ",
            path,
            " HTTP/1.1\r\nHost: ",
            &host,
            "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ",
            &key,
            "\r\nSec-WebSocket-Version: 13\r\n",
        ] {
            head.extend_from_slice(piece.as_bytes());
        }
        if let Some(offer) = &offer {
            head.extend_from_slice(b"Sec-WebSocket-Extensions: ");
            head.extend_from_slice(offer.header_value().as_bytes());
            head.extend_from_slice(b"\r\n");
        }
        let mut protocols = Vec::new();
        for (name, value) in &parts.headers {
            if HANDSHAKE_HEADERS.contains(&name.as_str()) {
                continue;
            }
            if name == header::SEC_WEBSOCKET_PROTOCOL {
                protocols.extend(tokens(value).map(str::to_owned));
            }
            head.extend_from_slice(name.as_str().as_bytes());
            head.extend_from_slice(b": ");
            head.extend_from_slice(value.as_bytes());
            head.extend_from_slice(b"\r\n");
        }
        head.extend_from_slice(b"\r\n");

        Ok(Self {
            request_head: Some(head.freeze()),
            host,
            expected_accept: accept_key(&key),
            key,
            offer,
            protocols,
            buffer: BytesMut::new(),
            scanned: 0,
            max_head_size: DEFAULT_MAX_HEAD_SIZE,
            complete: false,
        })
    }

    /// Sets the limit on the reply head (default [`DEFAULT_MAX_HEAD_SIZE`]).
    pub fn with_max_head_size(mut self, limit: usize) -> Self {
        self.max_head_size = limit;
        self
    }

    /// The request head to write, once; `None` afterwards. It carries the caller's headers
    /// (credentials included): write it to the connection, never to a log.
    pub fn poll_transmit(&mut self) -> Option<Bytes> {
        self.request_head.take()
    }

    /// The `Sec-WebSocket-Key` sent (base64 of the key entropy; not a secret).
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Feeds bytes of the server's reply, in any chunking. Returns `Ok(None)` until the head
    /// is complete, then the outcome once; an invalid reply is an error. Calls after the
    /// outcome or an error return [`HandshakeError::AlreadyComplete`].
    pub fn handle_bytes(
        &mut self,
        bytes: &[u8],
    ) -> Result<Option<HandshakeOutcome>, HandshakeError> {
        if self.complete {
            return Err(HandshakeError::AlreadyComplete);
        }
        self.buffer.extend_from_slice(bytes);
        let result = self.try_parse();
        if !matches!(result, Ok(None)) {
            self.complete = true;
            self.buffer = BytesMut::new();
        }
        result
    }

    /// Looks for the blank line ending the head in the bytes not yet scanned, and parses the
    /// head when it is there. Every byte is scanned once.
    fn try_parse(&mut self) -> Result<Option<HandshakeOutcome>, HandshakeError> {
        while let Some(offset) = memchr::memchr(b'\n', &self.buffer[self.scanned..]) {
            let newline = self.scanned + offset;
            self.scanned = newline + 1;
            let before = &self.buffer[..newline];
            let blank_line = before.ends_with(b"\n") || before.ends_with(b"\n\r");
            if !blank_line {
                continue;
            }
            let end = newline + 1;
            if end > self.max_head_size {
                break;
            }
            if let Some(outcome) = self.parse_head(end)? {
                return Ok(Some(outcome));
            }
        }
        if self.scanned > self.max_head_size || self.buffer.len() > self.max_head_size {
            return Err(HandshakeError::HeadTooLarge {
                limit: self.max_head_size,
            });
        }
        Ok(None)
    }

    /// Parses the head ending at `end`; `Ok(None)` if httparse still wants more.
    fn parse_head(&mut self, end: usize) -> Result<Option<HandshakeOutcome>, HandshakeError> {
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut response = httparse::Response::new(&mut headers);
        let status =
            response
                .parse(&self.buffer[..end])
                .map_err(|error| HandshakeError::MalformedHead {
                    reason: parse_error_reason(error),
                })?;
        if status.is_partial() {
            return Ok(None);
        }
        let (mut head, ()) = http::Response::new(()).into_parts();
        head.version = match response.version {
            Some(0) => Version::HTTP_10,
            _ => Version::HTTP_11,
        };
        head.status = response
            .code
            .and_then(|code| StatusCode::from_u16(code).ok())
            .ok_or(HandshakeError::MalformedHead {
                reason: "invalid status code",
            })?;
        for header in response.headers.iter() {
            let name = HeaderName::from_bytes(header.name.as_bytes()).map_err(|_| {
                HandshakeError::MalformedHead {
                    reason: "invalid header name",
                }
            })?;
            let value = HeaderValue::from_bytes(header.value).map_err(|_| {
                HandshakeError::MalformedHead {
                    reason: "invalid header value",
                }
            })?;
            head.headers.append(name, value);
        }
        let leftover = self.buffer.split_off(end).freeze();
        if head.status != StatusCode::SWITCHING_PROTOCOLS {
            return Ok(Some(HandshakeOutcome::Rejected { head, leftover }));
        }
        let extension = self.validate_upgrade(&head)?;
        Ok(Some(HandshakeOutcome::Upgraded {
            head,
            extension,
            leftover,
        }))
    }

    /// Checks a 101 head (RFC 6455 §4.2.2 step 5, as the client sees it).
    fn validate_upgrade(&self, head: &Parts) -> Result<Option<DeflateParams>, HandshakeError> {
        let headers = &head.headers;
        let upgrade = headers.get_all(header::UPGRADE).iter().any(|value| {
            value
                .as_bytes()
                .trim_ascii()
                .eq_ignore_ascii_case(b"websocket")
        });
        if !upgrade {
            return Err(HandshakeError::MissingUpgrade);
        }
        let connection = headers
            .get_all(header::CONNECTION)
            .iter()
            .flat_map(tokens)
            .any(|token| token.eq_ignore_ascii_case("upgrade"));
        if !connection {
            return Err(HandshakeError::MissingConnectionUpgrade);
        }
        let accept = headers
            .get(header::SEC_WEBSOCKET_ACCEPT)
            .ok_or(HandshakeError::MissingAccept)?;
        if accept.as_bytes().trim_ascii() != self.expected_accept.as_bytes() {
            return Err(HandshakeError::WrongAccept);
        }
        if let Some(chosen) = headers.get(header::SEC_WEBSOCKET_PROTOCOL) {
            let chosen = chosen.to_str().map(str::trim).unwrap_or_default();
            if !self.protocols.iter().any(|offered| offered == chosen) {
                return Err(HandshakeError::UnofferedProtocol);
            }
        }
        let values = headers
            .get_all(header::SEC_WEBSOCKET_EXTENSIONS)
            .iter()
            .map(|value| value.to_str().unwrap_or("\u{fffd}"));
        negotiate(values, self.offer.as_ref())
    }
}

/// The comma-separated tokens of a header value (non-UTF-8 values have none).
fn tokens(value: &HeaderValue) -> impl Iterator<Item = &str> {
    value
        .to_str()
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|token| !token.is_empty())
}

fn parse_error_reason(error: httparse::Error) -> &'static str {
    match error {
        httparse::Error::HeaderName => "invalid header name",
        httparse::Error::HeaderValue => "invalid header value",
        httparse::Error::NewLine => "invalid line ending",
        httparse::Error::Status => "invalid status",
        httparse::Error::Token => "invalid token",
        httparse::Error::TooManyHeaders => "too many headers",
        httparse::Error::Version => "invalid HTTP version",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(uri: &str) -> http::Request<()> {
        http::Request::get(uri).body(()).unwrap()
    }

    #[test]
    fn host_port_and_path() {
        let cases = [
            (
                "ws://example.com/chat",
                "GET /chat HTTP/1.1\r\nHost: example.com\r\n",
            ),
            (
                "ws://example.com:80",
                "GET / HTTP/1.1\r\nHost: example.com\r\n",
            ),
            (
                "wss://example.com:443/a?b=c",
                "GET /a?b=c HTTP/1.1\r\nHost: example.com\r\n",
            ),
            (
                "https://example.com:8443/",
                "GET / HTTP/1.1\r\nHost: example.com:8443\r\n",
            ),
            (
                "ws://[::1]:9000/x",
                "GET /x HTTP/1.1\r\nHost: [::1]:9000\r\n",
            ),
        ];
        for (uri, start) in cases {
            let mut handshake = ClientHandshake::new(request(uri), [0; 16], None).unwrap();
            let head = handshake.poll_transmit().unwrap();
            let head = std::str::from_utf8(&head).unwrap();
            assert!(head.starts_with(start), "{uri}: {head}");
            assert!(handshake.poll_transmit().is_none());
        }
    }

    #[test]
    fn bad_requests() {
        assert_eq!(
            ClientHandshake::new(request("ftp://example.com/"), [0; 16], None).unwrap_err(),
            HandshakeError::UnsupportedScheme
        );
        assert_eq!(
            ClientHandshake::new(request("/relative"), [0; 16], None).unwrap_err(),
            HandshakeError::UnsupportedScheme
        );
        let post = http::Request::post("wss://example.com/").body(()).unwrap();
        assert_eq!(
            ClientHandshake::new(post, [0; 16], None).unwrap_err(),
            HandshakeError::MethodNotGet
        );
    }

    #[test]
    fn debug_hides_headers() {
        let request = http::Request::get("wss://api.example.com/v1/responses?key=hidden")
            .header("authorization", "Bearer sk-secret")
            .body(())
            .unwrap();
        let handshake = ClientHandshake::new(request, [1; 16], Some(DeflateOffer::new())).unwrap();
        let debug = format!("{handshake:?}");
        assert!(
            !debug.contains("sk-secret") && !debug.contains("hidden"),
            "{debug}"
        );
    }
}
