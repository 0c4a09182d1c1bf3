//! One logical API call over all its attempts: retries, backoff, `Retry-After`, 401 recovery
//! and their observability, as a Sans-IO state machine.
//!
//! A [`Call`] decides; the adapter only executes its [`Action`]s and feeds the results back:
//!
//! ```text
//! loop {
//!     match call.poll_action(now) {
//!         Action::Send(request)       => send it; feed handle_head / handle_transport_error /
//!                                        handle_timeout (deadline: call.poll_timeout())
//!         Action::ReadBody            => read a chunk: handle_body / handle_body_end
//!         Action::Wait(deadline)      => sleep until deadline
//!         Action::RefreshAuth(step)   => ask the auth provider; call.handle_credentials(..)
//!         Action::Stream(stream)      => drive the ResponseStream with the open body
//!         Action::Resume(head)        => (a resume call) feed the head to the interrupted
//!                                        stream, then drive it with the open body
//!         Action::Done(result)        => return result
//!         Action::AwaitResponse { .. } | Action::AwaitCredentials | Action::Finished
//!                                     => adapter bug: an input is owed / the call is over
//!     }
//! }
//! ```
//!
//! Rules the call keeps:
//!
//! - the request body is encoded once (by the caller) and sent byte-for-byte on every attempt;
//!   only the credentials change, after a recovery step;
//! - an error response's body is read up to [`CallLimits::error_body_cap`] and classified with
//!   [`ApiError::from_http`]; a 401 goes through [`AuthRecovery`] (each step at most once, one
//!   follow-up request per step), anything else through [`RetryPolicy::decide`];
//! - the server's delay is `retry-after-ms`, else `retry-after` (seconds or an HTTP-date,
//!   read against the wall clock given at construction), else a rate-limit message's
//!   "try again in …"; above the policy's cap it ends the call with that `retry_after`;
//! - the error of an exhausted call is the last attempt's real error (a 429 stays
//!   `rate_limited` with its `retry_after`);
//! - once [`Action::Stream`] was handed out, the call is over: nothing is retried after an
//!   event may have been delivered.
//!
//! [`ApiError::from_http`]: crate::error::ApiError::from_http
//! [`RetryPolicy::decide`]: crate::retry::RetryPolicy::decide
//!
//! A whole call against a scripted server (a 503, then success), in simulated time:
//!
//! ```
//! use std::time::{Instant, SystemTime};
//!
//! use codex_api_core::call::{Action, Call, CallConfig, ResponseMode};
//! use codex_api_core::credentials::Credentials;
//! use codex_api_core::provider::Provider;
//! use codex_api_core::request::{Endpoint, ResponsesOptions};
//! use codex_api_core::retry::SplitMix64;
//! use codex_api_core::unauthorized::{AuthRecovery, RecoveryMode};
//!
//! let config = CallConfig::new(
//!     Endpoint::models(None),
//!     ResponseMode::Unary,
//!     Provider::openai(),
//!     ResponsesOptions::new(),
//!     None,
//! );
//! let mut now = Instant::now();
//! let mut call = Call::new(
//!     config,
//!     Credentials::api_key("sk-example"),
//!     AuthRecovery::new(RecoveryMode::None, "api_key"),
//!     SplitMix64::new(7),
//!     now,
//!     SystemTime::now(),
//! );
//! let mut server = vec![(503, &b"{}"[..]), (200, &br#"{"models":[]}"#[..])].into_iter();
//! let mut body: &[u8] = b"";
//! let output = loop {
//!     match call.poll_action(now) {
//!         Action::Send(request) => {
//!             assert_eq!(request.uri(), "https://api.openai.com/v1/models");
//!             let (status, reply) = server.next().unwrap();
//!             let head = http::Response::builder().status(status).body(()).unwrap();
//!             call.handle_head(now, &head.into_parts().0);
//!             body = reply;
//!         }
//!         Action::ReadBody => {
//!             call.handle_body(now, body);
//!             call.handle_body_end(now);
//!         }
//!         Action::Wait(deadline) => now = deadline, // a real adapter sleeps here
//!         Action::Done(result) => break result.unwrap(),
//!         other => unreachable!("{other:?}"),
//!     }
//! };
//! assert_eq!(&output.body[..], br#"{"models":[]}"#);
//! assert_eq!(call.attempts(), 2);
//! let first = call.poll_telemetry().unwrap();
//! assert_eq!(first.status.map(|s| s.as_u16()), Some(503));
//! assert!(first.retry_delay().is_some());
//! ```

mod action;
mod body;
mod client_error;
mod config;
mod decide;
mod input;
mod telemetry;

pub use action::{Action, CallError, CallOutput};
pub use client_error::{BoxError, ClientError, TransportCause, TransportError};
pub use config::{
    CallConfig, CallLimits, DEFAULT_ERROR_BODY_CAP, DEFAULT_SUCCESS_BODY_CAP, ResponseMode,
};
pub use telemetry::{AttemptDecision, AttemptOutcome, AttemptRecord};

use std::collections::VecDeque;
use std::fmt;
use std::time::{Instant, SystemTime};

use bytes::Bytes;
use http::{HeaderMap, StatusCode};

use crate::credentials::Credentials;
use crate::request::build_request;
use crate::retry::JitterSource;
use crate::stream::ResponseStream;
use crate::unauthorized::{AuthRecovery, RecoveryStep};

use body::CappedBody;

/// One logical API call (see the [module docs](self)).
pub struct Call {
    config: CallConfig,
    credentials: Credentials,
    recovery: AuthRecovery,
    jitter: Box<dyn JitterSource + Send>,
    /// A pairing of the caller's monotonic and wall clocks, to turn an `Instant` into the
    /// wall-clock time an HTTP-date `retry-after` is relative to.
    clock_anchor: (Instant, SystemTime),
    phase: Phase,
    /// Requests sent so far.
    attempts: u32,
    /// Retries made under the retry policy (auth follow-ups do not count).
    retries: u32,
    /// Follow-up requests sent after an auth-recovery step.
    auth_followups: u32,
    /// The attempt in flight.
    current: Option<Attempt>,
    /// The next request is an auth follow-up.
    next_is_followup: bool,
    /// The (capped) body of the most recent 401, for the final `unauthorized` error.
    last_unauthorized_body: Bytes,
    telemetry: VecDeque<AttemptRecord>,
    /// Which resume this call is (for its attempt records).
    resume_number: Option<u32>,
}

/// The attempt in flight.
#[derive(Debug, Clone, Copy)]
struct Attempt {
    number: u32,
    sent_at: Instant,
    deadline: Option<Instant>,
    after_unauthorized: bool,
}

/// Where the call is.
enum Phase {
    /// The next poll sends a request.
    Ready,
    /// A request was sent; its head is awaited.
    AwaitingHead,
    /// A response body is being read.
    ReadingBody(BodyRead),
    /// Backing off until the instant, then [`Phase::Ready`].
    Backoff(Instant),
    /// The next poll asks for this recovery step.
    Recover(RecoveryStep),
    /// Credentials for a recovery step are awaited.
    AwaitingCredentials,
    /// The next poll returns this terminal action.
    Terminal(Terminal),
    /// The terminal action was returned.
    Finished,
}

/// A response body being read, with the head it belongs to.
struct BodyRead {
    status: StatusCode,
    headers: HeaderMap,
    body: CappedBody,
    purpose: BodyPurpose,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyPurpose {
    /// An error body, read for classification.
    Error,
    /// A unary success body, the call's result.
    Success,
}

/// The call's final action, waiting to be polled.
enum Terminal {
    Done(Result<CallOutput, CallError>),
    Stream(Box<ResponseStream>),
    Resume(Box<http::response::Parts>),
    Upgraded(Box<http::response::Parts>),
}

impl fmt::Debug for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call")
            .field("endpoint", &self.config.endpoint)
            .field("mode", &self.config.mode)
            .field("phase", &self.phase_name())
            .field("attempts", &self.attempts)
            .field("retries", &self.retries)
            .field("auth_followups", &self.auth_followups)
            .finish_non_exhaustive()
    }
}

impl Call {
    /// A call that has sent nothing yet.
    ///
    /// `now` and `wall_now` must be read at the same moment: they anchor the conversion of
    /// later `Instant`s into the wall-clock time an HTTP-date `retry-after` is relative to
    /// (see [`Call::handle_wall_clock`] to re-anchor). `jitter` supplies the random numbers
    /// that spread backoffs; seed it as you like (a constant in tests).
    pub fn new(
        config: CallConfig,
        credentials: Credentials,
        recovery: AuthRecovery,
        jitter: impl JitterSource + Send + 'static,
        now: Instant,
        wall_now: SystemTime,
    ) -> Self {
        Self {
            config,
            credentials,
            recovery,
            jitter: Box::new(jitter),
            clock_anchor: (now, wall_now),
            phase: Phase::Ready,
            attempts: 0,
            retries: 0,
            auth_followups: 0,
            current: None,
            next_is_followup: false,
            last_unauthorized_body: Bytes::new(),
            telemetry: VecDeque::new(),
            resume_number: None,
        }
    }

    /// Makes this call the resume `request` of an interrupted stream
    /// ([`ResponseStream::poll_resume`]): its 2xx head is handed out as [`Action::Resume`],
    /// to be fed to that stream ([`ResponseStream::handle_head`]), whose body it then reads;
    /// its attempt records carry the resume's number. If the call fails instead, feed
    /// [`ResponseStream::handle_resume_failed`].
    pub fn resuming(mut self, request: &crate::stream::ResumeRequest) -> Self {
        self.resume_number = Some(request.resume);
        self
    }

    /// Re-anchors the wall clock: `now` and `wall_now` read at the same moment. Useful when
    /// the system clock was adjusted during a long call.
    pub fn handle_wall_clock(&mut self, now: Instant, wall_now: SystemTime) {
        self.clock_anchor = (now, wall_now);
    }

    /// Requests sent so far.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Retries made under the retry policy so far (auth follow-ups not included).
    pub fn retries(&self) -> u32 {
        self.retries
    }

    /// Follow-up requests sent after auth-recovery steps so far.
    pub fn auth_followups(&self) -> u32 {
        self.auth_followups
    }

    /// The credentials the next request will carry.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// The auth-recovery state machine of this call (for its tags).
    pub fn auth_recovery(&self) -> &AuthRecovery {
        &self.recovery
    }

    /// Whether the call wants the current response body (it returned, or will return,
    /// [`Action::ReadBody`]). When `false`, drop any open body.
    pub fn wants_body(&self) -> bool {
        matches!(self.phase, Phase::ReadingBody(_))
    }

    /// Whether the call has returned its terminal action.
    pub fn is_finished(&self) -> bool {
        matches!(self.phase, Phase::Finished)
    }

    /// The next instant at which time alone changes something: the response deadline of the
    /// attempt in flight (then call [`Call::handle_timeout`]) or the end of a backoff (then
    /// poll again). `None` when only an input can move the call on.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match &self.phase {
            Phase::AwaitingHead | Phase::ReadingBody(_) => {
                self.current.and_then(|attempt| attempt.deadline)
            }
            Phase::Backoff(until) => Some(*until),
            _ => None,
        }
    }

    /// The next per-attempt record, oldest first.
    pub fn poll_telemetry(&mut self) -> Option<AttemptRecord> {
        self.telemetry.pop_front()
    }

    /// The next action for the adapter (see [`Action`]).
    pub fn poll_action(&mut self, now: Instant) -> Action {
        // Each pass either returns or moves the phase strictly forward (Backoff → Ready,
        // AwaitingHead → a decision); three passes are always enough.
        for _ in 0..4 {
            match &self.phase {
                Phase::Ready => return self.send(now),
                Phase::AwaitingHead => {
                    let deadline = self.current.and_then(|attempt| attempt.deadline);
                    if deadline.is_some_and(|deadline| now >= deadline) {
                        self.handle_timeout(now);
                        continue;
                    }
                    return Action::AwaitResponse { deadline };
                }
                Phase::ReadingBody(_) => {
                    let overdue = self
                        .current
                        .and_then(|attempt| attempt.deadline)
                        .is_some_and(|deadline| now >= deadline);
                    if overdue {
                        self.handle_timeout(now);
                        continue;
                    }
                    return Action::ReadBody;
                }
                Phase::Backoff(until) => {
                    if now < *until {
                        return Action::Wait(*until);
                    }
                    self.phase = Phase::Ready;
                }
                Phase::Recover(step) => {
                    let step = *step;
                    self.phase = Phase::AwaitingCredentials;
                    return Action::RefreshAuth(step);
                }
                Phase::AwaitingCredentials => return Action::AwaitCredentials,
                Phase::Terminal(_) => {
                    return match std::mem::replace(&mut self.phase, Phase::Finished) {
                        Phase::Terminal(Terminal::Done(result)) => Action::Done(result),
                        Phase::Terminal(Terminal::Stream(stream)) => Action::Stream(stream),
                        Phase::Terminal(Terminal::Resume(head)) => Action::Resume(head),
                        Phase::Terminal(Terminal::Upgraded(head)) => Action::Upgraded(head),
                        _ => Action::Finished,
                    };
                }
                Phase::Finished => return Action::Finished,
            }
        }
        // Unreachable in practice (see above); a harmless answer if it ever were.
        Action::AwaitResponse {
            deadline: self.current.and_then(|attempt| attempt.deadline),
        }
    }

    /// Builds and "sends" the next request.
    fn send(&mut self, now: Instant) -> Action {
        #[cfg(feature = "agent-identity")]
        let scoped = match self.attempt_credentials(now) {
            Ok(scoped) => scoped,
            Err(error) => {
                self.phase = Phase::Finished;
                return Action::Done(Err(CallError::AgentIdentity(error)));
            }
        };
        #[cfg(not(feature = "agent-identity"))]
        let scoped: Option<Credentials> = None;
        let request = match build_request(
            &self.config.provider,
            &self.config.endpoint,
            self.config.body.clone(),
            &self.config.options,
            scoped.as_ref().unwrap_or(&self.credentials),
        ) {
            Ok(request) => request,
            Err(error) => {
                self.phase = Phase::Finished;
                return Action::Done(Err(CallError::Build(error)));
            }
        };
        self.attempts = self.attempts.saturating_add(1);
        let after_unauthorized = std::mem::take(&mut self.next_is_followup);
        if after_unauthorized {
            self.auth_followups = self.auth_followups.saturating_add(1);
        }
        self.current = Some(Attempt {
            number: self.attempts,
            sent_at: now,
            deadline: self
                .config
                .limits
                .response_timeout
                .and_then(|timeout| now.checked_add(timeout)),
            after_unauthorized,
        });
        self.phase = Phase::AwaitingHead;
        Action::Send(request)
    }
}

impl Call {
    #[cfg(feature = "agent-identity")]
    /// The credentials of the next attempt when an Agent Identity scope replaces the call's
    /// own (`None`: send the call's credentials): only for `responses` and
    /// `responses/compact`, and only where [`ProviderAuthScope::credentials_for`] says so.
    ///
    /// [`ProviderAuthScope::credentials_for`]: crate::agent_identity::ProviderAuthScope::credentials_for
    fn attempt_credentials(
        &self,
        now: Instant,
    ) -> Result<Option<Credentials>, crate::agent_identity::AgentIdentityError> {
        let Some(scope) = &self.config.auth_scope else {
            return Ok(None);
        };
        let path = self.config.endpoint.path();
        if path != "responses" && path != "responses/compact" {
            return Ok(None);
        }
        let provider = &self.config.provider;
        if !scope.applies_to(provider, &self.credentials) {
            return Ok(None);
        }
        scope
            .credentials_for(provider, &self.credentials, self.wall_time(now))
            .map(Some)
    }
}

/// The request id of a response (`x-request-id`, else `x-oai-request-id`).
fn request_id(headers: &HeaderMap) -> Option<String> {
    ["x-request-id", "x-oai-request-id"]
        .iter()
        .find_map(|name| {
            headers
                .get(*name)
                .and_then(|value| value.to_str().ok())
                .map(|value| value.chars().take(128).collect())
        })
}
