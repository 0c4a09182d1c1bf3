//! The cross-runtime scenario suite: one table of scenarios, run through every adapter and
//! executor, demanding identical results.
//!
//! Each [`Scenario`] is a testkit [`Script`](codex_api_testkit::Script), a call, a client
//! configuration and credentials. [`runtime::run_everywhere`] runs it on every [`Runtime`]
//! (each against a fresh loopback server), normalises what happened into an [`Observation`]
//! (events, the final outcome or error, the requests the server received) and asserts that
//! every runtime's observation is equal, then checks the scenario's own expectations.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod auth;
pub mod observation;
pub mod runtime;
pub mod scenario;
pub mod table;

pub use observation::{ErrorFacts, Observation, Outcome, Phase, SeenRequest};
pub use runtime::{Runtime, run_everywhere};
pub use scenario::{AuthSpec, CallSpec, ClientConfig, Scenario};
