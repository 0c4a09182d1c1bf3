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
pub use builder::{AttemptObserver, ClientBuilder};
pub use client::Client;
pub use connector::ConfigError;
pub use error::{BoxError, Error, TransportError};
pub use events::{EventStream, RawEventStream};
