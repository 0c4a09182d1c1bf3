//! # codex-api-core
//!
//! The Sans-IO protocol core of codex-api: pure state machines for the OpenAI Responses API
//! family as Codex uses it. No IO, no async, no clock and no randomness of its own: bytes,
//! `Instant`s and random numbers go in; `http::Request<Bytes>`, typed events, deadlines and
//! actions come out.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod accumulator;
pub mod agent_identity;
pub mod auth_scheme;
pub mod call;
pub mod credentials;
pub mod error;
pub mod provider;
pub mod rate_limit;
pub mod request;
pub mod retry;
pub mod secret;
pub mod sse;
pub mod stream;
pub mod unauthorized;
pub mod wire;
