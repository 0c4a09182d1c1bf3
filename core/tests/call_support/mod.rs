//! A `Scenario` helper for `Call` tests: builds a call in simulated time and fast-forwards it
//! through the actions a test does not care about, asserting every step on the way.
#![allow(dead_code)]

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use codex_api_core::call::{
    Action, AttemptRecord, Call, CallConfig, CallError, CallLimits, CallOutput, ResponseMode,
};
use codex_api_core::credentials::Credentials;
use codex_api_core::provider::Provider;
use codex_api_core::request::{Endpoint, ResponsesOptions};
use codex_api_core::retry::{FixedJitter, RetryPolicy, TransportErrorKind};
use codex_api_core::stream::ResponseStream;
use codex_api_core::unauthorized::{AuthRecovery, RecoveryMode, RecoveryStep, StepFailure};

/// The request body every scenario sends.
pub const BODY: &[u8] =
    br#"{"model":"gpt-test","input":[{"role":"user","content":"hi"}],"stream":true}"#;

/// Wall-clock time at the start of every scenario: 2026-01-01T00:00:00Z.
pub fn wall_start() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_767_225_600)
}

/// How a scenario's call is built.
pub struct Scenario {
    pub mode: ResponseMode,
    pub endpoint: Endpoint,
    pub policy: RetryPolicy,
    pub limits: CallLimits,
    pub credentials: Credentials,
    pub recovery: RecoveryMode,
    pub jitter: f64,
}

impl Scenario {
    /// A streaming `POST responses` call with an API key, the default policy and no recovery.
    pub fn stream() -> Self {
        Self {
            mode: ResponseMode::Stream,
            endpoint: Endpoint::responses(),
            policy: RetryPolicy::default(),
            limits: CallLimits::default(),
            credentials: Credentials::api_key("sk-initial-secret"),
            recovery: RecoveryMode::None,
            jitter: 0.0,
        }
    }

    /// A unary `POST responses/compact` call.
    pub fn unary() -> Self {
        Self {
            mode: ResponseMode::Unary,
            endpoint: Endpoint::responses_compact(),
            ..Self::stream()
        }
    }

    /// ChatGPT credentials with managed recovery (reload, then refresh_token).
    pub fn managed(mut self) -> Self {
        self.credentials = Credentials::chatgpt("access-token-1", "acct-1");
        self.recovery = RecoveryMode::Managed;
        self
    }

    /// Externally owned bearer credentials (one external_refresh step).
    pub fn external(mut self) -> Self {
        self.credentials = Credentials::api_key("external-token-1");
        self.recovery = RecoveryMode::External;
        self
    }

    pub fn policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    pub fn limits(mut self, limits: CallLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Builds the call at a fixed simulated instant.
    pub fn start(self) -> Driver {
        let now = Instant::now();
        let config = CallConfig::new(
            self.endpoint,
            self.mode,
            Provider::openai(),
            ResponsesOptions::new(),
            Some(Bytes::from_static(BODY)),
        )
        .with_policy(self.policy)
        .with_limits(self.limits);
        let auth_mode = match self.recovery {
            RecoveryMode::Managed => "chatgpt",
            _ => "api_key",
        };
        let call = Call::new(
            config,
            self.credentials,
            AuthRecovery::new(self.recovery, auth_mode),
            FixedJitter(self.jitter),
            now,
            wall_start(),
        );
        Driver {
            call,
            start: now,
            now,
            sent: Vec::new(),
        }
    }
}

/// A response head.
pub fn head(status: u16, headers: &[(&str, &str)]) -> http::response::Parts {
    let mut builder = http::Response::builder().status(status);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(()).unwrap().into_parts().0
}

/// A call under test plus the simulated clock and every request it sent.
pub struct Driver {
    pub call: Call,
    pub start: Instant,
    pub now: Instant,
    pub sent: Vec<http::Request<Bytes>>,
}

impl Driver {
    /// Advances the simulated clock.
    pub fn advance(&mut self, by: Duration) {
        self.now += by;
    }

    /// Polls once.
    pub fn poll(&mut self) -> Action {
        self.call.poll_action(self.now)
    }

    /// Expects `Action::Send` and keeps the request.
    pub fn expect_send(&mut self) -> &http::Request<Bytes> {
        match self.poll() {
            Action::Send(request) => {
                self.sent.push(request);
                self.sent.last().unwrap()
            }
            other => panic!("expected Send, got {other:?}"),
        }
    }

    /// Expects `Action::Wait`, returns its deadline and moves the clock to it.
    pub fn expect_wait(&mut self) -> Instant {
        match self.poll() {
            Action::Wait(deadline) => {
                assert!(deadline > self.now, "a wait must lie in the future");
                // Polling before the deadline keeps waiting.
                assert!(matches!(self.poll(), Action::Wait(d) if d == deadline));
                self.now = deadline;
                deadline
            }
            other => panic!("expected Wait, got {other:?}"),
        }
    }

    /// Expects `Action::RefreshAuth`.
    pub fn expect_refresh(&mut self) -> RecoveryStep {
        match self.poll() {
            Action::RefreshAuth(step) => step,
            other => panic!("expected RefreshAuth, got {other:?}"),
        }
    }

    /// Expects `Action::Done`; the call is finished afterwards.
    pub fn expect_done(&mut self) -> Result<CallOutput, CallError> {
        match self.poll() {
            Action::Done(result) => {
                assert!(matches!(self.poll(), Action::Finished));
                assert!(self.call.is_finished());
                result
            }
            other => panic!("expected Done, got {other:?}"),
        }
    }

    /// Expects `Action::Stream`; the call is finished afterwards.
    pub fn expect_stream(&mut self) -> Box<ResponseStream> {
        match self.poll() {
            Action::Stream(stream) => {
                assert!(matches!(self.poll(), Action::Finished));
                stream
            }
            other => panic!("expected Stream, got {other:?}"),
        }
    }

    /// Sends, then answers with `status`, `headers` and a whole `body`.
    pub fn respond(&mut self, status: u16, headers: &[(&str, &str)], body: &[u8]) {
        self.expect_send();
        self.feed_response(status, headers, body);
    }

    /// Feeds a response (head, then the body while the call asks for it) to the request in
    /// flight.
    pub fn feed_response(&mut self, status: u16, headers: &[(&str, &str)], body: &[u8]) {
        self.call.handle_head(self.now, &head(status, headers));
        if self.call.wants_body() {
            assert!(matches!(self.poll(), Action::ReadBody));
            if !body.is_empty() {
                self.call.handle_body(self.now, body);
            }
            if self.call.wants_body() {
                self.call.handle_body_end(self.now);
            }
        }
    }

    /// Sends, then fails the transport.
    pub fn fail_transport(&mut self, kind: TransportErrorKind) {
        self.expect_send();
        self.call.handle_transport_error(self.now, kind);
    }

    /// Expects `RefreshAuth(step)` and answers it.
    pub fn refresh(&mut self, step: RecoveryStep, result: Result<Credentials, StepFailure>) {
        assert_eq!(self.expect_refresh(), step);
        assert!(matches!(self.poll(), Action::AwaitCredentials));
        self.call.handle_credentials(result);
    }

    /// Every telemetry record so far.
    pub fn telemetry(&mut self) -> Vec<AttemptRecord> {
        std::iter::from_fn(|| self.call.poll_telemetry()).collect()
    }

    /// The `Authorization` header of the n-th sent request.
    pub fn authorization(&self, index: usize) -> String {
        self.sent[index]
            .headers()
            .get(http::header::AUTHORIZATION)
            .unwrap()
            .to_str()
            .unwrap()
            .to_string()
    }
}
