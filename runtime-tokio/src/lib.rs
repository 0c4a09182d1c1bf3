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
//! One call is one core [`Call`](codex_api_core::call::Call); the client executes its actions:
//! `Send` (hyper, bounded by the core's response deadline), `ReadBody`, `Wait`
//! (`tokio::time::sleep_until`), `RefreshAuth` (the [`AuthProvider`]), then `Stream` (an
//! [`EventStream`]) or `Done`. The stream reads the body only when it is polled, and arms a
//! tokio timer at the core's idle deadline.
//!
//! # Transport
//!
//! - TLS: rustls with the `ring` provider; the Mozilla roots (webpki-roots) plus, optionally,
//!   the certificates of a PEM file ([`ClientBuilder::ca_bundle`]). ALPN offers `h2` and
//!   `http/1.1`; plain `http://` works too.
//! - Proxies: `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` (curl's rules, also
//!   lowercase) by default, or [`ClientBuilder::proxy`] / [`ClientBuilder::without_proxy`].
//!   `https://` destinations go through a `CONNECT` tunnel, `http://` ones in absolute form,
//!   with `Proxy-Authorization` from the proxy URL's user info. The proxy itself must be
//!   reached over plain `http://` (TLS to the proxy and SOCKS are not supported).
//! - Timeouts: connect ([`ClientBuilder::connect_timeout`]), response head
//!   ([`ClientBuilder::response_timeout`], the core's deadline), stream idle (the core's
//!   deadline, [`ClientBuilder::stream_idle_timeout`]).
//!
//! # Features
//!
//! - `tracing`: a `codex_api.call` span per call and a `codex_api.attempt` span per attempt
//!   (attempt number, status, request id, outcome, error kind, elapsed time). No credential,
//!   header value or body is ever recorded. [`ClientBuilder::on_attempt`] gives the same
//!   records (and the auth-recovery tags) without the feature.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod auth;
mod builder;
mod client;
mod connector;
mod error;
mod events;
mod telemetry;

pub use auth::{AuthFuture, AuthProvider, StaticAuth};
pub use builder::{AttemptObserver, ClientBuilder, ConfigError, TokioAdapter};
pub use client::Client;
pub use error::{BoxError, Error, TransportError};
pub use events::{EventStream, RawEventStream};
