//! # codex-api-tokio
//!
//! The tokio runtime adapter of codex-api: hyper 1 (HTTP/1.1 and HTTP/2 by ALPN, pooled
//! connections), rustls (Mozilla roots plus an optional PEM bundle), HTTP proxies from the
//! environment. It moves bytes, sleeps and reads the clock; every decision (retries, backoff,
//! `Retry-After`, 401 recovery, stream parsing, idle timeout) is the core's.
//!
//! ```
//! use codex_api_core::credentials::Credentials;
//! use codex_api_core::provider::Provider;
//! use codex_api_core::request::ResponsesOptions;
//! use codex_api_core::stream::ResponseEvent;
//! use codex_api_core::wire::{ResponseItem, ResponsesApiRequest, Role};
//! use codex_api_testkit::{Script, ScriptedResponse, TestServer, Transcript};
//! use codex_api_tokio::{Client, StaticAuth};
//! use futures_util::StreamExt;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let transcript = Transcript::new().created().message(&["Hello", ", world"]).completed();
//! let server = TestServer::start(Script::new().then(ScriptedResponse::sse(transcript)))?;
//!
//! let provider = Provider::custom("test", format!("{}/v1", server.url()))?;
//! let client = Client::builder(provider, StaticAuth::new(Credentials::api_key("sk-test")))
//!     .without_proxy()
//!     .build()?;
//! let request = ResponsesApiRequest::new("gpt-test")
//!     .input(vec![ResponseItem::text_message(Role::User, "hi")]);
//! let mut events = client.stream(request, ResponsesOptions::new()).await?;
//!
//! let mut text = String::new();
//! while let Some(event) = events.next().await {
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
//! [`codex_api_client`]'s, written once for every runtime; this crate is only the
//! [`TokioRuntime`]: hyper's connections, pooled, send requests and yield body chunks, tokio's
//! timers keep the core's deadlines.
//!
//! # Transport
//!
//! - HTTP/1.1 connections are driven by whoever polls the request or the body that uses them
//!   (the client crate's [`http1`](codex_api_client::http1) pool): no task per connection, so
//!   a body's chunks reach the stream without a task switch each, and dropping an
//!   [`EventStream`] closes its socket at once. Up to 8 idle connections are kept per scheme,
//!   host, port and proxy for 90 s, checked when taken. An HTTP/2 connection (chosen by ALPN)
//!   runs in a task of its own and carries every request to its origin; it is dropped after
//!   90 s unused.
//! - TLS: rustls with the `ring` provider; the Mozilla roots (webpki-roots) plus, optionally,
//!   the certificates of a PEM file ([`ClientBuilder::ca_bundle`]). ALPN offers `h2` and
//!   `http/1.1`; plain `http://` works too.
//! - Proxies: chosen per request by the core's
//!   [`ProxyRules`](codex_api_core::client_config::ProxyRules), as on every runtime: from
//!   `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` (curl's rules, also lowercase)
//!   by default, or [`ClientBuilder::proxy`](codex_api_core::client_config::ClientBuilder::proxy)
//!   / `without_proxy`. `https://` destinations go through a `CONNECT` tunnel,
//!   `http://` ones in absolute form, with `Proxy-Authorization` from the proxy URL's user
//!   info. Only `http://` proxies: anything else fails `build()` with
//!   [`ConfigError::Proxy`].
//! - Raw byte streams ([`Client::connect`](codex_api_client::Client::connect), what the
//!   WebSocket transport runs over): the same TCP connector and proxy rules, a `CONNECT`
//!   tunnel for every proxied target, tokio-rustls with ALPN `http/1.1`.
//! - Timeouts: connect (TCP, proxy tunnel, TLS and handshake,
//!   [`ClientBuilder::connect_timeout`]), response head ([`ClientBuilder::response_timeout`],
//!   the core's deadline), stream idle (the core's deadline,
//!   [`ClientBuilder::stream_idle_timeout`]).
//!
//! # Features
//!
//! - `tracing`: the spans of [`codex_api_client::telemetry`] (a `codex_api.call` span per call,
//!   a `codex_api.attempt` span per attempt, OpenTelemetry GenAI names), the same on every
//!   runtime. No credential, header value or body is ever recorded.
//!   [`ClientBuilder::on_attempt`](codex_api_core::client_config::ClientBuilder::on_attempt)
//!   gives the same records without the feature.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod connector;
mod runtime;

pub use codex_api_client::{
    AttemptObserver, AuthFuture, AuthProvider, BoxError, ConfigError, Error, StaticAuth,
    TransportError,
};
pub use runtime::{TokioBody, TokioRuntime, TokioSleep};

/// A Responses API client over hyper (HTTP/1.1 and HTTP/2), rustls and tokio. Cheap to clone;
/// clones share the connection pool. Every method is [`codex_api_client::Client`]'s.
pub type Client = codex_api_client::Client<TokioRuntime>;

/// Builds a [`Client`]: provider and credentials, timeouts, retry policy, TLS roots, proxies.
/// Every setting is honoured by this adapter. Defaults: 30 s connect timeout, no response
/// timeout, the provider's retry and idle-timeout settings, the Mozilla roots, proxies from
/// the environment (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`, also lowercase).
pub type ClientBuilder = codex_api_client::ClientBuilder<TokioRuntime>;

/// The tokio adapter as a [`ClientAdapter`](codex_api_core::client_config::ClientAdapter).
pub type TokioAdapter = codex_api_client::Adapter<TokioRuntime>;

/// The Codex-level events of one response; see [`codex_api_client::EventStream`].
pub type EventStream = codex_api_client::EventStream<TokioRuntime>;

/// Every decoded event of one response; see [`codex_api_client::RawEventStream`].
pub type RawEventStream = codex_api_client::RawEventStream<TokioRuntime>;

/// What `Client::send` hands back: a body or events; see [`codex_api_client::Reply`].
pub type Reply = codex_api_client::Reply<EventStream>;

/// Every item of a listing, pages fetched lazily (from `client.responses().input_items(..)`
/// or `client.conversations().items(..)`).
pub type ItemPager = codex_api_client::ItemPager<TokioRuntime>;

/// The Responses resource of a [`Client`] (`client.responses()`).
pub type Responses<'a> = codex_api_client::Responses<'a, TokioRuntime>;

/// Responses over one WebSocket connection (`client.websocket()`).
pub type WebSocketSession = codex_api_client::WebSocketSession<TokioRuntime>;

/// The Conversations API of a [`Client`] (`client.conversations()`).
pub type Conversations<'a> = codex_api_client::Conversations<'a, TokioRuntime>;

/// Everything a program using this adapter needs, in one import: the [`Client`], its streams,
/// and the request, item, event and error types (see [`codex_api_client::prelude`]).
pub mod prelude {
    pub use codex_api_client::prelude::*;

    pub use crate::{Client, ClientBuilder, EventStream, ItemPager, RawEventStream, Reply};
}

pub use codex_api_client::codex_api_core;
