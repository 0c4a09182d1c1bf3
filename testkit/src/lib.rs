//! A scripted loopback Responses server for tests, demos and users' own tests.
//!
//! [`TestServer`] listens on `127.0.0.1` on an ephemeral port, answers each request with the
//! next response of its [`Script`], and records every request. It runs on std threads and
//! `std::net` only, so any client works against it: tokio, async-std, smol or blocking.
//!
//! ```
//! use std::io::{Read, Write};
//! use std::net::TcpStream;
//! use std::time::Duration;
//! use codex_api_testkit::{Script, ScriptedResponse, TestServer, Transcript};
//!
//! let stream = Transcript::new().created().message(&["Hello", ", world"]).completed();
//! let server = TestServer::start(
//!     Script::new().on("POST", "/v1/responses", ScriptedResponse::sse(stream).request_id("req_1")),
//! )?;
//!
//! // Any HTTP/1.1 client will do; here, a raw socket.
//! let mut socket = TcpStream::connect(server.addr())?;
//! let body = r#"{"model":"gpt-test","stream":true}"#;
//! write!(
//!     socket,
//!     "POST /v1/responses HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n\
//!      Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
//!     body.len()
//! )?;
//! let mut reply = String::new();
//! socket.read_to_string(&mut reply)?;
//! assert!(reply.starts_with("HTTP/1.1 200 OK\r\n"));
//! assert!(reply.contains("x-request-id: req_1\r\n"));
//! assert!(reply.contains("transfer-encoding: chunked\r\n"));
//! assert!(reply.contains(r#""delta":", world""#));
//!
//! let requests = server.wait_for_requests(1, Duration::from_secs(5));
//! assert_eq!(requests[0].method, "POST");
//! assert_eq!(requests[0].path, "/v1/responses");
//! assert_eq!(requests[0].header("content-type"), Some("application/json"));
//! assert_eq!(requests[0].body_json()?["model"], "gpt-test");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Pieces
//!
//! - [`Script`]: an ordered list of [`ScriptedResponse`]s, optionally routed by method and path,
//!   plus dynamic routes ([`Script::on_fn`]) that compute a response from each request (see
//!   [`RecordedRequest::query_param`]). An exhausted script answers `500` with a plain-text
//!   explanation.
//! - [`ScriptedResponse`]: status, headers (with presets such as
//!   [`request_id`](ScriptedResponse::request_id) and
//!   [`retry_after`](ScriptedResponse::retry_after)), a [`Body`], `Connection: close`, a slow
//!   head; ready-made JSON bodies for compaction, memories, models, API errors, the Responses
//!   resource (response objects, deletions, item lists, input tokens) and conversations.
//! - [`ItemPages`]: item lists served page by page (`after`, `limit`, `order`).
//! - [`BackgroundResponse`]: a background response whose stream is cut and resumed with
//!   `starting_after`, with scripted [`ResumeFault`]s.
//! - [`Body`]: `Content-Length` or chunked; chunk sizes and delays; faults at byte offsets
//!   (pause, [`Stall`] with optional keep-alive comments, close, [`Cut`] of the chunked
//!   encoding), drip-feeding, and payload generated on the fly (hundreds of megabytes without
//!   holding them in memory).
//! - [`BodyWrite`]: when each payload step of a body began to go out
//!   ([`TestServer::body_writes`]), to measure delivery latency from a client in the same process.
//! - [`Transcript`]: Responses event streams (text, reasoning summaries, parallel function
//!   calls, custom tool calls, `response.failed`, `error`, `response.incomplete`,
//!   `codex.rate_limits`), plus raw bytes, other line endings and a BOM.
//! - [`WsScript`]: the WebSocket mode ([`Script::on_websocket`],
//!   [`ScriptedResponse::websocket`]): the server side of the Responses WebSocket transport,
//!   with permessage-deflate, scripted turns ([`WsTurn`]: transcripts, [`WrappedError`] frames,
//!   the connection limit, `previous_response_not_found`, pings, fragments, binary frames,
//!   stalls, close frames, dropped connections), and every client message recorded
//!   ([`TestServer::websocket_messages`], [`TestServer::websocket_sessions`]).
//! - [`tls::TestIdentity`]: the TLS mode ([`TestServer::start_tls`]): a bundled test CA and a
//!   `localhost` / `127.0.0.1` certificate, or an identity of your own.
//! - The HTTP/2 mode (cargo feature `http2`, off by default): `TestServer::start_h2` (TLS, ALPN
//!   `h2`), `start_h2c` (prior knowledge) and `start_http2` with `Http2Options` serve the same
//!   script by hyper on a tokio runtime of the server's own, with thousands of concurrent streams
//!   on one connection; `Hold` keeps stalled streams open until released.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod background;
mod body;
mod body_write;
mod canned;
mod connection;
mod dynamic_route;
#[cfg(feature = "http2")]
mod http2;
mod item_pages;
mod query;
mod rate_limit;
mod request;
mod resources;
mod response_writer;
mod script;
mod server;
mod stop;
pub mod tls;
pub mod tool_loop;
mod transcript;
mod websocket;
mod wire;

pub use background::{BackgroundResponse, CutKind, ResumeFault};
pub use body::{Body, Cut, Framing, Stall};
pub use body_write::BodyWrite;
#[cfg(feature = "http2")]
pub use http2::{DEFAULT_MAX_CONCURRENT_STREAMS, Hold, Http2Options, Http2Stats};
pub use item_pages::ItemPages;
pub use rate_limit::{RateLimitHeaders, RateLimitWindow};
pub use request::RecordedRequest;
pub use script::{Script, ScriptedResponse};
pub use server::TestServer;
pub use transcript::{FunctionCall, LineEnding, Transcript, Usage};
pub use websocket::{WrappedError, WsMessage, WsScript, WsSession, WsTurn};
