//! # codex-api-client
//!
//! The runtime-neutral client of codex-api: every endpoint method, the loop that executes a
//! core [`Call`](codex_api_core::call::Call), the [`AuthProvider`], the [`EventStream`],
//! Agent Identity and the tracing spans, written once over a small [`Runtime`] trait, the
//! way quinn keeps its runtimes behind `quinn::Runtime`. A runtime supplies only "send this
//! request, give me its head and body chunks" and timers, and ([`Connect`]) a raw byte
//! stream (TCP, proxy tunnel, TLS) for the WebSocket transport; `codex-api-tokio`,
//! `codex-api-async-std` and `codex-api-blocking` are such runtimes, and
//! [`blocking::Client`] mirrors [`Client`] synchronously over the same loop.
//!
//! A runtime in a dozen lines (here one that answers from memory, with the blocking timer),
//! and the client over it:
//!
//! ```
//! use std::task::{Context, Poll};
//! use std::time::Instant;
//!
//! use bytes::Bytes;
//! use codex_api_client::{blocking, Runtime, ResponseBody, SendLimits, StaticAuth, TransportFailure};
//! use codex_api_client::blocking::ThreadSleep;
//! use codex_api_core::client_config::{ClientConfig, ConfigError};
//! use codex_api_core::credentials::Credentials;
//! use codex_api_core::provider::Provider;
//! use codex_api_core::request::ResponsesOptions;
//! use codex_api_core::stream::ResponseEvent;
//! use codex_api_core::wire::ResponsesApiRequest;
//!
//! /// Answers every request with one recorded event stream.
//! struct Canned;
//! struct Body(Option<Bytes>);
//!
//! impl Runtime for Canned {
//!     const NAME: &'static str = "canned";
//!     type Body = Body;
//!     type Timer = ThreadSleep;
//!     fn from_config(_: &ClientConfig) -> Result<Self, ConfigError> { Ok(Canned) }
//!     async fn send(&self, _: http::Request<Bytes>, _: SendLimits)
//!         -> Result<(http::response::Parts, Body), TransportFailure> {
//!         let head = http::Response::builder().header("content-type", "text/event-stream");
//!         let sse = "data: {\"type\":\"response.output_text.delta\",\"item_id\":\"m\",\"output_index\":0,\"content_index\":0,\"delta\":\"Hi\"}\n\n\
//!                    data: {\"type\":\"response.completed\",\"response\":{\"id\":\"resp_1\"}}\n\n";
//!         Ok((head.body(()).unwrap().into_parts().0, Body(Some(Bytes::from(sse)))))
//!     }
//!     fn timer(deadline: Instant) -> ThreadSleep { ThreadSleep::new(deadline) }
//! }
//! impl ResponseBody for Body {
//!     fn poll_chunk(&mut self, _: &mut Context<'_>) -> Poll<Option<Result<Bytes, TransportFailure>>> {
//!         Poll::Ready(self.0.take().map(Ok))
//!     }
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let provider = Provider::custom("memory", "http://127.0.0.1:1/v1")?;
//! let client = blocking::Client::<Canned>::builder(provider, StaticAuth::new(Credentials::api_key("sk-x")))
//!     .build()?;
//! let mut text = String::new();
//! for event in client.stream(ResponsesApiRequest::new("gpt-test"), ResponsesOptions::new())? {
//!     if let ResponseEvent::OutputTextDelta { delta, .. } = event? {
//!         text.push_str(&delta);
//!     }
//! }
//! assert_eq!(text, "Hi");
//! # Ok(())
//! # }
//! ```
//!
//! # The run loop
//!
//! One call is one core [`Call`](codex_api_core::call::Call); the client executes its actions:
//! `Send` ([`Runtime::send`], raced with the runtime's [`Timer`] at the core's response
//! deadline), `ReadBody` ([`ResponseBody::poll_chunk`]), `Wait` (the runtime's timer),
//! `RefreshAuth` (the [`AuthProvider`]), then `Stream` (an [`EventStream`]) or `Done`. The
//! stream reads the body only when it is polled, and arms a timer at the core's idle deadline.
//!
//! # Errors
//!
//! Every method returns the core's [`ClientError`](codex_api_core::call::ClientError). A
//! transport failure names what failed, where, and its root cause in words
//! (`connect to 127.0.0.1:9 failed after 3 attempts: Connection refused (os error 111)`), the
//! same kind on every runtime ([`classify`]).
//!
//! # Features
//!
//! - `tracing`: a `codex_api.call` span per call and a `codex_api.attempt` span per attempt,
//!   with OpenTelemetry GenAI names (see the [`telemetry`] module docs). Never a credential.
//! - `hyper`: classification of hyper 1's errors (for the runtimes built on hyper).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod auth;
pub mod blocking;
mod byte_io;
mod classify;
mod client;
mod connect;
mod conversations;
mod driver;
mod events;
#[cfg(feature = "hyper")]
pub mod http1;
#[cfg(feature = "hyper")]
mod hyper_body;
#[cfg(feature = "agent-identity")]
mod identity;
mod pager;
pub mod prelude;
#[cfg(feature = "agent-identity")]
mod registration;
mod responses;
mod runtime;
pub mod telemetry;
pub mod tls;
mod websocket;

pub use auth::{AuthFuture, AuthProvider, StaticAuth};
#[cfg(feature = "futures-io")]
pub use byte_io::FuturesStream;
#[cfg(feature = "tokio-io")]
pub use byte_io::TokioStream;
pub use byte_io::{ReadTimeout, SyncStream};
pub use classify::{DnsError, classify};
pub use client::{Adapter, Client, ClientBuilder, Reply};
pub use codex_api_core;
pub use codex_api_core::call::{BoxError, ClientError as Error, TransportError};
pub use codex_api_core::client_config::ProxyError;
pub use codex_api_core::client_config::{AttemptObserver, ConfigError};
pub use connect::{Dial, Opened, open, tunnel};
pub use conversations::Conversations;
pub use driver::within;
pub use events::{EventStream, RawEventStream};
#[cfg(feature = "hyper")]
pub use hyper_body::poll_hyper_chunk;
pub use pager::ItemPager;
pub use responses::Responses;
pub use runtime::{
    ByteStream, Connect, ConnectTarget, DialFuture, Dialer, ResponseBody, Runtime, SendLimits,
    Timer, TransportFailure,
};
pub use websocket::WebSocketSession;
