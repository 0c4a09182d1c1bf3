//! # codex-api-async-std
//!
//! The futures-io/async-io runtime adapter of codex-api: the same code runs on async-std and
//! on smol (and on any executor, since it spawns nothing). hyper 1's HTTP/1.1 connection API
//! over a futures-io bridge, rustls (Mozilla roots plus an optional PEM bundle) through
//! futures-rustls, sockets and timers from async-io. It moves bytes, sleeps and reads the
//! clock; every decision (retries, backoff, `Retry-After`, 401 recovery, stream parsing, idle
//! timeout) is the core's.
//!
//! ```
//! use codex_api_async_std::{Client, StaticAuth};
//! use codex_api_core::credentials::Credentials;
//! use codex_api_core::provider::Provider;
//! use codex_api_core::request::ResponsesOptions;
//! use codex_api_core::stream::ResponseEvent;
//! use codex_api_core::wire::{ResponseItem, ResponsesApiRequest, Role};
//! use codex_api_testkit::{Script, ScriptedResponse, TestServer, Transcript};
//! use futures_lite::StreamExt;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let transcript = Transcript::new().created().message(&["Hello", ", world"]).completed();
//! let server = TestServer::start(Script::new().then(ScriptedResponse::sse(transcript)))?;
//!
//! let provider = Provider::custom("test", format!("{}/v1", server.url()))?;
//! let client = Client::builder(provider, StaticAuth::new(Credentials::api_key("sk-test")))
//!     .build()?;
//! let request = ResponsesApiRequest::new("gpt-test")
//!     .input(vec![ResponseItem::text_message(Role::User, "hi")]);
//!
//! // `async_io::block_on` here; `smol::block_on` or `async_std::task::block_on` work alike.
//! let text = async_io::block_on(async {
//!     let mut events = client.stream(request, ResponsesOptions::new()).await?;
//!     let mut text = String::new();
//!     while let Some(event) = events.next().await {
//!         if let ResponseEvent::OutputTextDelta { delta, .. } = event? {
//!             text.push_str(&delta);
//!         }
//!     }
//!     Ok::<_, codex_api_async_std::Error>(text)
//! })?;
//! assert_eq!(text, "Hello, world");
//! assert_eq!(server.requests()[0].header("authorization"), Some("Bearer sk-test"));
//! # Ok(())
//! # }
//! ```
//!
//! # The run loop
//!
//! The client, its call loop, the [`AuthProvider`] and the [`EventStream`] are
//! [`codex_api_client`]'s, written once for every runtime; this crate is only the
//! [`AsyncStdRuntime`]: a pool of hyper HTTP/1.1 connections over futures-io sends requests
//! and yields body chunks, async-io timers keep the core's deadlines.
//!
//! # Transport
//!
//! - No task is spawned. hyper's connection future is polled together with the request or
//!   body that uses it, by whoever polls the call or the stream; dropping an [`EventStream`]
//!   closes its socket at once. A small pool keeps up to 8 idle connections per scheme, host,
//!   port and proxy for 90 s; an idle connection is checked (polled once) when taken, so one the
//!   server closed meanwhile is never used. A request hyper hands back unsent from a reused
//!   connection goes to a new connection (the server never saw it: not a retry).
//! - Sockets and timers are async-io's: its reactor is driven by `async_io::block_on`
//!   (`smol::block_on`), by async-std, or else by async-io's own thread, so any executor works.
//!   (hyper itself uses tokio's runtime-free `sync` channels, never a tokio runtime.)
//! - HTTP/1.1 only; `https://` through rustls (`ring`), ALPN `http/1.1`. DNS resolution runs
//!   on async-net's blocking pool.
//! - `http://` proxies, chosen per request by the core's
//!   [`ProxyRules`](codex_api_core::client_config::ProxyRules): from `HTTPS_PROXY`,
//!   `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` (also lowercase, read when the client is built)
//!   by default, or [`ClientBuilder::proxy`], or none ([`ClientBuilder::without_proxy`]). An
//!   `https` target goes through a `CONNECT host:port` tunnel (TLS with the origin inside it,
//!   the proxy sees only host and port); an `http` target's request goes to the proxy in
//!   absolute form. Both carry `Proxy-Authorization: Basic` when the proxy URL has
//!   credentials. A proxy refusing the tunnel is a `connect` transport failure whose
//!   [`cause`](TransportError::cause) is a [`ProxyError`] with its status.
//!   A proxy URL other than `http://` fails `build()` with [`ConfigError::Proxy`].
//! - Raw byte streams ([`Client::connect`](codex_api_client::Client::connect), what the
//!   WebSocket transport runs over): the same TCP, tunnel and TLS steps as the HTTP
//!   connections (ALPN `http/1.1`), without the HTTP handshake.
//! - Timeouts: connect (TCP, proxy tunnel and TLS, [`ClientBuilder::connect_timeout`]), response head
//!   ([`ClientBuilder::response_timeout`], the core's deadline), stream idle (the core's
//!   deadline, [`ClientBuilder::stream_idle_timeout`]).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod connection;
mod pool;
mod runtime;

pub use codex_api_client::{
    AttemptObserver, AuthFuture, AuthProvider, BoxError, ConfigError, Error, ProxyError,
    StaticAuth, TransportError,
};
pub use connection::OpenBody;
pub use runtime::{AsyncIoTimer, AsyncStdRuntime};

/// A Responses API client over hyper (HTTP/1.1), rustls and async-io: runs on async-std, smol,
/// or any executor. Cheap to clone; clones share the connection pool. Every method is
/// [`codex_api_client::Client`]'s.
pub type Client = codex_api_client::Client<AsyncStdRuntime>;

/// Builds a [`Client`]: provider and credentials, timeouts, retry policy, TLS roots, proxies.
/// Every setting is honoured by this adapter. Defaults: 30 s connect timeout, no response
/// timeout, the provider's retry and idle-timeout settings, the Mozilla roots, proxies from
/// the environment (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`, also lowercase; the
/// rules of [`ProxyRules::resolve`](codex_api_core::client_config::ProxyRules::resolve)).
///
/// Only `http://` proxies: a proxy URL with another scheme (or one that does not parse), set
/// explicitly or in a variable, makes `build()` fail with [`ConfigError::Proxy`].
pub type ClientBuilder = codex_api_client::ClientBuilder<AsyncStdRuntime>;

/// The async-io adapter as a [`ClientAdapter`](codex_api_core::client_config::ClientAdapter).
pub type AsyncStdAdapter = codex_api_client::Adapter<AsyncStdRuntime>;

/// The Codex-level events of one response; see [`codex_api_client::EventStream`].
pub type EventStream = codex_api_client::EventStream<AsyncStdRuntime>;

/// Every decoded event of one response; see [`codex_api_client::RawEventStream`].
pub type RawEventStream = codex_api_client::RawEventStream<AsyncStdRuntime>;

/// What `Client::send` hands back: a body or events; see [`codex_api_client::Reply`].
pub type Reply = codex_api_client::Reply<EventStream>;

/// Every item of a listing, pages fetched lazily (from `client.responses().input_items(..)`
/// or `client.conversations().items(..)`).
pub type ItemPager = codex_api_client::ItemPager<AsyncStdRuntime>;

/// The Responses resource of a [`Client`] (`client.responses()`).
pub type Responses<'a> = codex_api_client::Responses<'a, AsyncStdRuntime>;

/// Responses over one WebSocket connection (`client.websocket()`).
pub type WebSocketSession = codex_api_client::WebSocketSession<AsyncStdRuntime>;

/// The Conversations API of a [`Client`] (`client.conversations()`).
pub type Conversations<'a> = codex_api_client::Conversations<'a, AsyncStdRuntime>;

/// Everything a program using this adapter needs, in one import: the [`Client`], its streams,
/// and the request, item, event and error types (see [`codex_api_client::prelude`]).
pub mod prelude {
    pub use codex_api_client::prelude::*;

    pub use crate::{Client, ClientBuilder, EventStream, ItemPager, RawEventStream, Reply};
}

pub use codex_api_client::codex_api_core;
