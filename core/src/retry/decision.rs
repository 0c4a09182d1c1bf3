//! The one retry decision: [`RetryPolicy::decide`].

use std::time::{Duration, SystemTime};

use http::{HeaderMap, StatusCode};

use super::failure::Failure;
use super::jitter::JitterSource;
use super::policy::RetryPolicy;
use super::server_delay::{server_delay, should_retry_header};

/// Everything [`RetryPolicy::decide`] needs to know about a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryInput {
    /// Retries already made for this logical call (0 after the first attempt failed).
    pub retries_done: u32,
    /// What went wrong.
    pub failure: Failure,
    /// `false` when the error layer classified the failure as never retryable (quota exhausted,
    /// `usage_limit_reached`, `usage_not_included`, ...): such a failure is never retried,
    /// whatever the status or `x-should-retry` say. Pass `true` for everything else and let the
    /// policy decide.
    pub classified_retryable: bool,
    /// The server's requested delay, from [`server_delay`].
    pub server_delay: Option<Duration>,
    /// The server's verdict, from [`should_retry_header`].
    pub should_retry: Option<bool>,
    /// Whether any event of this call has already been delivered to the caller; if so nothing is
    /// retried.
    pub events_delivered: bool,
}

impl RetryInput {
    /// An input for `failure` after `retries_done` retries: classified retryable, no server
    /// hints, no events delivered.
    pub fn new(retries_done: u32, failure: Failure) -> Self {
        Self {
            retries_done,
            failure,
            classified_retryable: true,
            server_delay: None,
            should_retry: None,
            events_delivered: false,
        }
    }

    /// An input for an error response: its status, plus the server delay and `x-should-retry`
    /// verdict read from its headers (HTTP-dates in `retry-after` are taken relative to `now`).
    pub fn from_response(
        retries_done: u32,
        status: StatusCode,
        headers: &HeaderMap,
        now: SystemTime,
    ) -> Self {
        Self {
            server_delay: server_delay(headers, now),
            should_retry: should_retry_header(headers),
            ..Self::new(retries_done, Failure::Status(status))
        }
    }

    /// Sets [`RetryInput::classified_retryable`].
    pub fn with_classified_retryable(mut self, retryable: bool) -> Self {
        self.classified_retryable = retryable;
        self
    }

    /// Sets [`RetryInput::events_delivered`].
    pub fn with_events_delivered(mut self, delivered: bool) -> Self {
        self.events_delivered = delivered;
        self
    }

    /// Sets [`RetryInput::server_delay`].
    pub fn with_server_delay(mut self, delay: Option<Duration>) -> Self {
        self.server_delay = delay;
        self
    }

    /// Sets [`RetryInput::should_retry`].
    pub fn with_should_retry(mut self, should_retry: Option<bool>) -> Self {
        self.should_retry = should_retry;
        self
    }
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Wait `delay`, then send the request again.
    Retry {
        /// How long to wait before the next attempt.
        delay: Duration,
    },
    /// Stop and report the failure to the caller.
    GiveUp(GiveUpReason),
}

impl RetryDecision {
    /// The delay if this is [`RetryDecision::Retry`].
    pub fn delay(&self) -> Option<Duration> {
        match self {
            Self::Retry { delay } => Some(*delay),
            Self::GiveUp(_) => None,
        }
    }
}

/// Why [`RetryPolicy::decide`] gave up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum GiveUpReason {
    /// The failure is not transient: classified never retryable, `x-should-retry: false`, or a
    /// status/transport kind the policy does not retry.
    NotRetryable,
    /// The policy's `max_retries` retries have all been made.
    Exhausted,
    /// An event was already delivered to the caller, so a retry would replay output.
    EventsDelivered,
    /// The server asked to wait this long, which exceeds the policy's `max_server_delay`.
    /// Callers should surface it as the error's `retry_after`.
    ServerDelayTooLong(Duration),
}

impl GiveUpReason {
    /// A stable machine-readable name: `not_retryable`, `exhausted`, `events_delivered` or
    /// `server_delay_too_long`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::NotRetryable => "not_retryable",
            Self::Exhausted => "exhausted",
            Self::EventsDelivered => "events_delivered",
            Self::ServerDelayTooLong(_) => "server_delay_too_long",
        }
    }
}

impl RetryPolicy {
    /// Decides whether and when to retry a failed attempt. Rules, in order:
    ///
    /// 1. `events_delivered` → [`GiveUpReason::EventsDelivered`] (nothing overrides this).
    /// 2. `!classified_retryable` → [`GiveUpReason::NotRetryable`] (no header overrides this).
    /// 3. If the policy honours `x-should-retry` and the server sent it, its verdict decides;
    ///    otherwise [`RetryPolicy::retry_on`] decides. Not retryable →
    ///    [`GiveUpReason::NotRetryable`].
    /// 4. `retries_done >= max_retries` → [`GiveUpReason::Exhausted`].
    /// 5. If the policy honours server delays and one was given: above `max_server_delay` →
    ///    [`GiveUpReason::ServerDelayTooLong`]; positive → retry after exactly that delay; zero
    ///    (e.g. a `retry-after` date in the past) falls through to the backoff, as in the SDKs.
    /// 6. Retry after [`RetryPolicy::backoff`]`(retries_done, jitter.next_unit())`.
    ///
    /// `jitter` is drawn from only in step 6, so a schedule is reproducible from its seed.
    pub fn decide(&self, input: &RetryInput, jitter: &mut dyn JitterSource) -> RetryDecision {
        if input.events_delivered {
            return RetryDecision::GiveUp(GiveUpReason::EventsDelivered);
        }
        if !input.classified_retryable {
            return RetryDecision::GiveUp(GiveUpReason::NotRetryable);
        }
        let retryable = match input.should_retry {
            Some(verdict) if self.honor_should_retry_header => verdict,
            _ => self.retry_on.allows(input.failure),
        };
        if !retryable {
            return RetryDecision::GiveUp(GiveUpReason::NotRetryable);
        }
        if input.retries_done >= self.max_retries {
            return RetryDecision::GiveUp(GiveUpReason::Exhausted);
        }
        if self.honor_server_delay
            && let Some(delay) = input.server_delay
        {
            if delay > self.max_server_delay {
                return RetryDecision::GiveUp(GiveUpReason::ServerDelayTooLong(delay));
            }
            if !delay.is_zero() {
                return RetryDecision::Retry { delay };
            }
        }
        RetryDecision::Retry {
            delay: self.backoff(input.retries_done, jitter.next_unit()),
        }
    }
}
