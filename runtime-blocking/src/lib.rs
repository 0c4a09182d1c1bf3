//! # codex-api-blocking
//!
//! The blocking runtime adapter of codex-api: ureq 3 (HTTP/1.1, pooled connections), rustls
//! with the Mozilla roots, a proxy from the environment. It moves bytes, sleeps and reads the
//! clock; every decision (retries, backoff, `Retry-After`, 401 recovery, stream parsing, idle
//! timeout) is the core's.
//!
//! ```
//! use codex_api_blocking::{Client, StaticAuth};
//! use codex_api_core::credentials::Credentials;
//! use codex_api_core::provider::Provider;
//! use codex_api_core::request::ResponsesOptions;
//! use codex_api_core::stream::ResponseEvent;
//! use codex_api_core::wire::{ResponseItem, ResponsesApiRequest, Role};
//! use codex_api_testkit::{Script, ScriptedResponse, TestServer, Transcript};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let transcript = Transcript::new().created().message(&["Hello", ", world"]).completed();
//! let server = TestServer::start(Script::new().then(ScriptedResponse::sse(transcript)))?;
//!
//! let provider = Provider::custom("test", format!("{}/v1", server.url()))?;
//! let client = Client::builder(provider, StaticAuth::new(Credentials::api_key("sk-test")))
//!     .without_proxy()
//!     .build()?;
//! let request = ResponsesApiRequest::new("gpt-test")
//!     .input(vec![ResponseItem::text_message(Role::User, "hi")]);
//!
//! let mut text = String::new();
//! for event in client.stream(request, ResponsesOptions::new())? {
//!     match event? {
//!         ResponseEvent::OutputTextDelta { delta, .. } => text.push_str(&delta),
//!         ResponseEvent::Completed { .. } => break,
//!         _ => {}
//!     }
//! }
//! assert_eq!(text, "Hello, world");
//! assert_eq!(server.requests()[0].header("authorization"), Some("Bearer sk-test"));
//! # Ok(())
//! # }
//! ```
//!
//! # The run loop
//!
//! The client, its call loop, the [`AuthProvider`] and the [`EventStream`] are
//! [`codex_api_client`]'s (its [`blocking`](codex_api_client::blocking) mirror), written once
//! for every runtime; this crate is only the [`UreqRuntime`]: ureq sends each request and reads
//! the body (one read into a 16 KiB buffer whose allocation is reclaimed) on the calling
//! thread, so every future of the shared loop finishes on its first poll; `Wait` is
//! `std::thread::sleep` until the core's deadline. The stream reads the body only when
//! `next()` is called; dropping it closes the connection.
//!
//! # Timeouts
//!
//! ureq's timers are fixed when a request is sent, so each one carries a core deadline:
//!
//! - connect: [`ClientBuilder::connect_timeout`] (ureq's connect timer; expiry is a
//!   `connect` transport failure for the core to judge);
//! - response: the core's deadline ([`ClientBuilder::response_timeout`]); at each `Send` the
//!   time left until [`Call::poll_timeout`](codex_api_core::call::Call::poll_timeout) becomes
//!   ureq's head timer (streaming) or whole-exchange timer (unary calls, whose deadline
//!   covers the body). Its expiry is fed to the core as `handle_timeout` at the deadline;
//! - stream idle: ureq's per-read timer is set to the stream's idle timeout
//!   ([`ClientBuilder::stream_idle_timeout`], else the provider's). Every read starts after
//!   the bytes the core last saw, so when a read times out, the core's deadline
//!   ([`ResponseStream::poll_timeout`](codex_api_core::stream::ResponseStream::poll_timeout))
//!   has passed: the stream feeds `handle_timeout` and the core ends it with `idle_timeout`.
//!   (ureq cannot re-arm the timer to the exact time left before each read, so the error comes
//!   at most as late as the time the consumer spent between the last bytes and the next
//!   `next()` call; a read that returns bytes always wins over the deadline.)
//!   After every read that brought bytes the deadline is checked too, since bytes that do not
//!   count as progress (`IdleReset::EventsOnly`) leave it in place. The same per-read timer
//!   also bounds each read of a streaming call's response head and error body: a silence that
//!   long there is a `timeout` transport failure, which the core judges like any other.
//!
//! # Connections
//!
//! Unary calls read their body to the end, so their connection goes back to ureq's pool. A
//! stream ends at its terminal event, usually before ureq has seen the end of the body, so its
//! connection is closed rather than reused (as when the [`EventStream`] is dropped early);
//! the next call opens a new one.
//!
//! # Transport
//!
//! - Statuses are never ureq errors and redirects are never followed: every response,
//!   a 3xx included, reaches the core (which reports a 3xx as `unexpected_status`), so
//!   credentials never go to another origin.
//! - Proxies: chosen per request by the core's
//!   [`ProxyRules`](codex_api_core::client_config::ProxyRules), as on every runtime: from
//!   `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` (also lowercase; curl's rules,
//!   CIDR blocks and `*` included) by default, or [`ClientBuilder::proxy`] /
//!   [`ClientBuilder::without_proxy`]. Only `http://` proxies: anything else fails `build()`
//!   with [`ConfigError::Proxy`]. ureq sends every proxied request, `http` targets too,
//!   through a `CONNECT` tunnel, with `Proxy-Authorization` from the proxy URL's user info.
//! - Raw byte streams ([`Client::connect`](codex_api_client::blocking::Client::connect), what
//!   the WebSocket transport runs over): std's `TcpStream` (connect timeout also bounding the
//!   tunnel and the handshake), a `CONNECT` tunnel for every proxied target, rustls with ALPN
//!   `http/1.1`; `SyncStream` gives `Read`/`Write` access to it.
//! - TLS: rustls (`ring`) with the Mozilla roots, plus the certificates of a PEM file
//!   ([`ClientBuilder::ca_bundle`]; a missing, empty or unusable file fails `build()`).
//!
//! # Known limitation
//!
//! When a chunked body has good chunks followed by an invalid chunk-size line that arrive
//! together, the events in those good chunks are lost: the stream fails `stream_truncated`
//! without them. ureq-proto 0.7.1 decodes every chunk its input buffer holds in one read and
//! returns the error of a later size line alone, dropping the count of bytes it already wrote
//! into the caller's buffer (`BodyReader::read_chunked` in `src/body.rs`; ureq 3.5.1
//! propagates it in `BodyHandler::do_read`, `src/run.rs`). Its `stop_on_chunk_boundary`
//! would avoid this, but ureq never sets it nor exposes it, and only one-byte reads would keep
//! every read from running past the end of a chunk.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod dial;
mod runtime;
mod tls_connector;

pub use codex_api_client::blocking::AuthProvider;
pub use codex_api_client::blocking::ThreadSleep;
pub use codex_api_client::{
    AttemptObserver, BoxError, ConfigError, Error, StaticAuth, TransportError,
};
pub use dial::{Stream, TlsStream};
pub use runtime::{UreqBody, UreqError, UreqRuntime};

/// A Responses API client over ureq 3 (HTTP/1.1, rustls), blocking the calling thread. Cheap
/// to clone; clones share the connection pool. Every method is
/// [`codex_api_client::blocking::Client`]'s.
pub type Client = codex_api_client::blocking::Client<UreqRuntime>;

/// Builds a [`Client`]: provider and credentials, timeouts, retry policy, TLS roots, proxies.
/// Every setting is honoured by this adapter. Defaults: 30 s connect timeout, no response
/// timeout, the provider's retry and idle-timeout settings, the Mozilla roots, a proxy from
/// the environment (`ALL_PROXY`, `HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`, also lowercase).
pub type ClientBuilder = codex_api_client::blocking::ClientBuilder<UreqRuntime>;

/// The ureq adapter as a [`ClientAdapter`](codex_api_core::client_config::ClientAdapter).
pub type BlockingAdapter = codex_api_client::blocking::BlockingAdapter<UreqRuntime>;

/// The Codex-level events of one response, as an `Iterator`.
pub type EventStream = codex_api_client::blocking::EventStream<UreqRuntime>;

/// Every decoded event of one response, as an `Iterator`.
pub type RawEventStream = codex_api_client::blocking::RawEventStream<UreqRuntime>;

/// What `Client::send` hands back: a body or events; see [`codex_api_client::Reply`].
pub type Reply = codex_api_client::Reply<EventStream>;

/// Every item of a listing, pages fetched lazily (from `client.responses().input_items(..)`
/// or `client.conversations().items(..)`).
pub type ItemPager = codex_api_client::blocking::ItemPager<UreqRuntime>;

/// The Responses resource of a [`Client`] (`client.responses()`).
pub type Responses<'a> = codex_api_client::blocking::Responses<'a, UreqRuntime>;

/// Responses over one WebSocket connection (`client.websocket()`).
pub type WebSocketSession = codex_api_client::blocking::WebSocketSession<UreqRuntime>;

/// The Conversations API of a [`Client`] (`client.conversations()`).
pub type Conversations<'a> = codex_api_client::blocking::Conversations<'a, UreqRuntime>;

/// Everything a program using this adapter needs, in one import: the [`Client`], its streams,
/// and the request, item, event and error types (see [`codex_api_client::prelude`]).
pub mod prelude {
    pub use codex_api_client::prelude::*;

    pub use crate::AuthProvider;
    pub use crate::{Client, ClientBuilder, EventStream, ItemPager, RawEventStream, Reply};
}

pub use codex_api_client::codex_api_core;
