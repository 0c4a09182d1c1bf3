//! Retry policy: which failures are retried, backoff with caller-supplied jitter, server delays.
//!
//! Everything here is a pure decision. Nothing sleeps, reads the clock or draws random numbers:
//! the current time comes in as a [`SystemTime`](std::time::SystemTime) argument and jitter comes
//! from a caller-supplied [`JitterSource`] (for example the seeded [`SplitMix64`]).
//!
//! The decision is made by one function, [`RetryPolicy::decide`], fed a [`RetryInput`] that
//! describes the failure. The rules, in the order they are applied:
//!
//! 1. Once an event has been delivered to the caller, nothing is retried
//!    ([`GiveUpReason::EventsDelivered`]): a retry would replay output the caller already saw.
//! 2. A failure the error layer classified as never retryable (quota, `usage_limit_reached`,
//!    `usage_not_included`, ...) is not retried ([`GiveUpReason::NotRetryable`]); no header
//!    overrides this.
//! 3. Otherwise `x-should-retry: true|false` (if the policy honours it) decides; without it the
//!    policy's [`RetryOn`] rules decide (408, 409, 429, 5xx, transport failures and timeouts by
//!    default).
//! 4. When `max_retries` retries have already been made, the policy gives up
//!    ([`GiveUpReason::Exhausted`]).
//! 5. A server delay (`retry-after-ms`, `retry-after`) above [`RetryPolicy::max_server_delay`]
//!    ends retrying ([`GiveUpReason::ServerDelayTooLong`]); a positive one within the cap is the
//!    delay; otherwise the exponential backoff with jitter is the delay.
//!
//! ```
//! use codex_api_core::retry::{Failure, RetryDecision, RetryInput, RetryPolicy, SplitMix64};
//! use http::StatusCode;
//!
//! let policy = RetryPolicy::default();
//! let mut jitter = SplitMix64::new(42);
//! let input = RetryInput::new(0, Failure::Status(StatusCode::SERVICE_UNAVAILABLE));
//! match policy.decide(&input, &mut jitter) {
//!     RetryDecision::Retry { delay } => {
//!         // First retry: 0.5 s scaled by a jitter factor in [0.75, 1.0].
//!         assert!(delay.as_millis() >= 375 && delay.as_millis() <= 500);
//!     }
//!     RetryDecision::GiveUp(reason) => panic!("unexpected give-up: {reason:?}"),
//! }
//! ```

mod decision;
mod failure;
mod jitter;
mod policy;
mod server_delay;

pub use decision::{GiveUpReason, RetryDecision, RetryInput};
pub use failure::{Failure, TransportErrorKind};
pub use jitter::{FixedJitter, JitterSource, SplitMix64};
pub use policy::{RetryOn, RetryPolicy};
pub use server_delay::{server_delay, should_retry_header};
