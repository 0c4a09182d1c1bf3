//! # codex-api-core
//!
//! The Sans-IO protocol core of codex-api: pure state machines for the OpenAI Responses API
//! family as Codex uses it. No IO, no async, no clock and no randomness of its own: bytes,
//! `Instant`s and random numbers go in; `http::Request<Bytes>`, typed events, deadlines and
//! actions come out. The runtime adapters (`codex-api-tokio`, `codex-api-async-std`,
//! `codex-api-blocking`) only move bytes, sleep and read the clock.
//!
//! # The run loop
//!
//! One logical call is one [`call::Call`]. An adapter drains its actions and feeds back what
//! happened; a 2xx on the streaming endpoint hands over a [`stream::ResponseStream`], driven
//! the same way. The whole driver, with a scripted server reply standing in for the network:
//!
//! ```
//! use std::time::{Instant, SystemTime};
//!
//! use codex_api_core::call::{Action, Call, CallConfig};
//! use codex_api_core::credentials::Credentials;
//! use codex_api_core::provider::Provider;
//! use codex_api_core::request::{PreparedRequest, ResponsesOptions};
//! use codex_api_core::retry::SplitMix64;
//! use codex_api_core::stream::ResponseEvent;
//! use codex_api_core::unauthorized::{AuthRecovery, RecoveryMode};
//! use codex_api_core::wire::{ResponseItem, ResponsesApiRequest, Role};
//!
//! let provider = Provider::openai();
//! let request = ResponsesApiRequest::new("gpt-5")
//!     .input(vec![ResponseItem::text_message(Role::User, "Say hi")]);
//! let prepared = PreparedRequest::responses(&provider, request)?;
//! let config = CallConfig::for_request(prepared, provider, ResponsesOptions::new());
//! let now = Instant::now();
//! let mut call = Call::new(
//!     config,
//!     Credentials::api_key("sk-example"),
//!     AuthRecovery::new(RecoveryMode::None, "api_key"),
//!     SplitMix64::new(1), // jitter for backoff: a seeded source, so runs are reproducible
//!     now,
//!     SystemTime::UNIX_EPOCH,
//! );
//!
//! let body = concat!(
//!     "event: response.output_text.delta\n",
//!     r#"data: {"type":"response.output_text.delta","item_id":"m","output_index":0,"content_index":0,"delta":"hi","sequence_number":1}"#,
//!     "\n\n",
//!     "event: response.completed\n",
//!     r#"data: {"type":"response.completed","sequence_number":2,"response":{"id":"resp_1","status":"completed","output":[]}}"#,
//!     "\n\n",
//! );
//! let mut text = String::new();
//! loop {
//!     match call.poll_action(now) {
//!         Action::Send(request) => {
//!             assert_eq!(request.uri(), "https://api.openai.com/v1/responses");
//!             // ... send it; here the server answers 200 with an event stream:
//!             let head = http::Response::builder()
//!                 .status(200)
//!                 .header("content-type", "text/event-stream")
//!                 .body(())?;
//!             call.handle_head(now, &head.into_parts().0);
//!         }
//!         Action::Stream(mut stream) => {
//!             stream.handle_body(now, body.as_bytes()); // as the bytes arrive, in any chunks
//!             stream.handle_eof(now);
//!             while let Some(event) = stream.poll_event() {
//!                 match event? {
//!                     ResponseEvent::OutputTextDelta { delta, .. } => text.push_str(&delta),
//!                     ResponseEvent::Completed { response_id, .. } => assert_eq!(response_id, "resp_1"),
//!                     _ => {}
//!                 }
//!             }
//!             break;
//!         }
//!         Action::Wait(_deadline) => { /* sleep until the deadline, then poll again */ }
//!         other => panic!("not in this script: {other:?}"),
//!     }
//! }
//! assert_eq!(text, "hi");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Modules
//!
//! - [`wire`]: typed request, response and stream-event models (exact OpenAPI names).
//! - [`provider`], [`credentials`], [`request`], [`agent_identity`]: turning a typed body into
//!   the exact `http::Request<Bytes>` for each endpoint, with auth headers.
//! - [`sse`]: the WHATWG server-sent-events decoder; [`stream`]: one streaming response;
//!   [`accumulator`]: folding events into the final response.
//! - [`error`], [`unauthorized`], [`retry`], [`rate_limit`]: errors, 401 recovery, retry
//!   decisions, rate-limit snapshots; [`call`]: one logical call over its attempts.
//! - [`client_config`]: the client settings and the one builder every runtime adapter shares.
//! - [`pager`]: cursor pagination of the listing endpoints; background streams resume through
//!   [`stream::resume`].
//! - [`websocket`]: the WebSocket client protocol (handshake, RFC 6455 frames, RFC 7692
//!   deflate); [`responses_websocket`]: Responses over it (messages, chaining, turn
//!   failures).
//!
//! # Stability and losslessness
//!
//! Every public struct and enum that mirrors the API is `#[non_exhaustive]`, so that a new API
//! member is a minor release: build values with constructors and setters, read and set their
//! public fields, and match enums with a wildcard arm. Every wire struct keeps the members it
//! does not model in its `extra` field ([`wire::Extra`]) and writes them back where they were,
//! so decoding and re-sending loses nothing (see [`wire`]).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod accumulator;
#[cfg(feature = "agent-identity")]
pub mod agent_identity;
pub mod auth_scheme;
pub mod call;
pub mod client_config;
pub mod credentials;
pub mod error;
pub mod pager;
pub mod provider;
pub mod rate_limit;
pub mod request;
pub mod responses_websocket;
pub mod retry;
pub mod secret;
pub mod sse;
pub mod stream;
pub mod unauthorized;
pub mod websocket;
pub mod wire;
