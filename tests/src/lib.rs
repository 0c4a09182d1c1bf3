//! The cross-runtime scenario suite: one table of scenarios, run through every adapter and
//! executor, demanding identical results.
//!
//! Each [`Scenario`] is a testkit [`Script`](codex_api_testkit::Script), a call, a client
//! configuration and credentials. [`runtime::run_everywhere`] runs it on every [`Runtime`]
//! (each against a fresh loopback server), normalises what happened into an [`Observation`]
//! (events, the final outcome or error, the requests the server received) and asserts that
//! every runtime's observation is equal, then checks the scenario's own expectations.
//!
//! ```
//! use codex_api_tests::{run_everywhere, table};
//!
//! let scenario = table::by_name("plain_text").expect("a row of the table");
//! let runs = run_everywhere(&scenario); // panics if any runtime differs
//! let names: Vec<_> = runs.iter().map(|run| run.runtime).collect();
//! assert_eq!(names, ["tokio", "async-std", "smol", "blocking"]);
//! assert_eq!(runs[3].observation.text(), "Hello, world");
//! ```
//!
//! # Runtimes
//!
//! - `tokio`: `codex-api-tokio` on a current-thread tokio runtime (the reference: the
//!   scenario's own expectations run on its observation).
//! - `async-std`: `codex-api-async-std` under `async_std::task::block_on`.
//! - `smol`: the same adapter under `smol::block_on`.
//! - `blocking`: `codex-api-blocking` (ureq 3) on the calling thread.
//!
//! Every runtime gets a fresh client, a fresh server (over TLS, or playing a proxy, when the row
//! says so), the same retry policy and jitter seed. A row makes one call, or a
//! [sequence](CallSpec::Sequence) of calls and dropped streams on one client (what a pool
//! keeps, reuses and closes). Besides the table, `Client::from_env` is run on every runtime in
//! a child process with the variables set (`tests/scenarios.rs`).
//!
//! # What is compared
//!
//! The Codex-level events (`ResponseEvent` is `PartialEq`) or, for raw-view calls, the raw
//! `StreamItem`s (or a [tally](observation::Tally) of a stream too big to keep); the drained
//! stream's own state (counters except `bytes_received`, request id, turn state, server model,
//! `[DONE]`, last sequence number, `end_turn`); the outcome (success value, or the error's
//! phase — build, call or stream —, kind, status, retry delay, request id and the whole
//! `ApiError`; a `ConfigError` whole); the core's attempt records (status, outcome incl.
//! transport classification, error kind, request id, decision incl. the exact seeded retry
//! delay, auth tags; `elapsed` zeroed); the auth recovery steps run; the connection each
//! request came on (numbered by first use); and every request the server received: method,
//! target, body bytes and headers — all of them except the transport's own, listed in
//! [`observation::TRANSPORT_HEADERS`] and [`observation::ACCEPT_ENCODING`] (of a `CONNECT`,
//! only the credentials). `user-agent` is the core's, so it is compared; `host` too, the run's
//! own server shown as [`observation::SERVER_HOST`]. Timing is never compared; retry scenarios
//! only check generous lower bounds on the gaps between requests.
//!
//! Every run must also keep every secret of the row (the credentials, a proxy password) out
//! of what it shows: the `Display` and `Debug` of each error, the client's `Debug` and the
//! attempt records.
//!
//! # Differences
//!
//! A scenario may [exclude](Scenario::exclude) a runtime because of a named bug: the runtime
//! still runs, the parts of its observation the bug does not affect are still compared, and the
//! test fails if it now agrees (the exclusion is stale). The reference runtime (whose
//! observation the others are compared with, and the expectations check) is the first one
//! neither excluded nor different. Open ones: the blocking adapter (ureq 3) loses the events of
//! good chunks that precede an invalid chunk-size line (`invalid_chunk_header_mid_event`) and
//! ignores CIDR entries of `NO_PROXY` (`no_proxy_cidr_is_reached_directly`); the tokio adapter
//! ignores `NO_PROXY=*` (`no_proxy_wildcard_reaches_every_host_directly`); both accept a proxy
//! URL with an out-of-range port (`proxy_url_port_out_of_range`) and, from the environment, a
//! `socks5://` proxy (`tests/scenarios.rs`). The two the suite found in the futures-io adapter
//! are fixed. Setting `SUITE_NO_EXCLUDE=1` compares excluded runtimes like the others, to see
//! the difference. A [known difference](Scenario::known_difference) replaces the comparison by
//! an assertion of the runtime's current, legitimate behaviour; a
//! [connection difference](Scenario::connections_on) does so for the connections alone.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod auth;
pub mod observation;
pub mod runtime;
pub mod scenario;
pub mod table;

pub use observation::{ErrorFacts, Observation, Outcome, Phase, SeenRequest};
pub use runtime::{Runtime, block_on_tokio, run_everywhere};
pub use scenario::{AuthSpec, CallSpec, ClientConfig, ProxySpec, Scenario, Step, Until};

/// The README's code examples, compiled as doc tests so they cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeExamples;
