//! Fuzz target: the `Call` state machine under arbitrary input sequences.
//!
//! A scripted run feeds heads (random statuses and headers), body chunks, body ends,
//! transport errors, timeouts, credential results and clock advances in any order — also at
//! moments no well-behaved adapter would, which the call must ignore — polling an action
//! after each. Then a closing driver answers whatever the call asks (transport errors, a
//! permanent credential failure, waiting out backoffs) until it ends. Streaming and unary mode,
//! every recovery mode, small retry budgets, small body caps and response timeouts. Checked:
//! - no panic;
//! - attempts never exceed `1 + max_retries + recovery steps` (retries and auth follow-ups
//!   each within their own bound), and equal the number of `Send`s;
//! - exactly one `Done` or `Stream` (the closing driver reaches one within a bounded number of
//!   polls), then only `Finished`; never a `Send` (retry) after it;
//! - `Stream` only in streaming mode after a 2xx head, `Done(Ok)` only in unary mode with a 2xx
//!   body within the cap; a handed-out stream accepts the rest of the script's bytes;
//! - errors carry a documented kind and never show the credentials.
#![no_main]

use std::time::{Duration, Instant, UNIX_EPOCH};

use codex_api_core::call::{
    Action, AttemptDecision, AttemptOutcome, AttemptRecord, Call, CallConfig, CallError,
    CallLimits, ResponseMode,
};
use codex_api_core::credentials::Credentials;
use codex_api_core::provider::Provider;
use codex_api_core::request::{Endpoint, ResponsesOptions};
use codex_api_core::retry::{RetryPolicy, SplitMix64, TransportErrorKind};
use codex_api_core::stream::ResponseStream;
use codex_api_core::unauthorized::{AuthRecovery, RecoveryMode, StepFailure};
use http::{HeaderName, HeaderValue};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;

const SECRET: &str = "sk-fuzz-initial-credential-0123456789";

const HEADER_NAMES: &[&str] = &[
    "content-type",
    "retry-after",
    "retry-after-ms",
    "x-should-retry",
    "x-request-id",
    "x-error-json",
    "www-authenticate",
    "x-openai-authorization-error",
    "x-codex-primary-used-percent",
    "openai-model",
];

const HEADER_VALUES: &[&str] = &[
    "text/event-stream",
    "application/json",
    "0",
    "1",
    "2.5",
    "120",
    "true",
    "false",
    "Wed, 21 Oct 2015 07:28:00 GMT",
    "eyJlcnJvciI6eyJjb2RlIjoidG9rZW5fZXhwaXJlZCJ9fQ",
    "Bearer error=\"invalid_token\"",
];

const STATUSES: &[u16] = &[
    200, 201, 204, 400, 401, 403, 404, 408, 409, 422, 429, 500, 502, 503, 504,
];

#[derive(Debug, Arbitrary)]
struct Header {
    name: u8,
    value: u8,
    custom_value: Option<String>,
}

#[derive(Debug, Arbitrary)]
enum Op {
    Head {
        status: u8,
        raw_status: Option<u16>,
        headers: Vec<Header>,
    },
    Body(Vec<u8>),
    BodyEnd,
    TransportError(u8),
    Timeout,
    Credentials(u8),
    Advance(u16),
    Poll,
}

#[derive(Debug, Arbitrary)]
struct Input {
    streaming: bool,
    recovery: u8,
    max_retries: u8,
    codex_policy: bool,
    honor_server_delay: bool,
    response_timeout_ms: Option<u16>,
    error_body_cap: Option<u16>,
    success_body_cap: Option<u16>,
    jitter_seed: u64,
    wall_clock_secs: u32,
    ops: Vec<Op>,
}

fn transport_kind(byte: u8) -> TransportErrorKind {
    match byte % 5 {
        0 => TransportErrorKind::Connect,
        1 => TransportErrorKind::Reset,
        2 => TransportErrorKind::Timeout,
        3 => TransportErrorKind::Tls,
        _ => TransportErrorKind::Other,
    }
}

fn head(status: u8, raw_status: Option<u16>, headers: &[Header]) -> http::response::Parts {
    let status = raw_status
        .and_then(|raw| http::StatusCode::from_u16(100 + raw % 500).ok())
        .unwrap_or_else(|| {
            http::StatusCode::from_u16(STATUSES[usize::from(status) % STATUSES.len()]).unwrap()
        });
    let mut parts = http::Response::new(()).into_parts().0;
    parts.status = status;
    for header in headers.iter().take(8) {
        let name =
            HeaderName::from_static(HEADER_NAMES[usize::from(header.name) % HEADER_NAMES.len()]);
        let value = match &header.custom_value {
            Some(custom) => match HeaderValue::from_str(custom) {
                Ok(value) => value,
                Err(_) => continue,
            },
            None => HeaderValue::from_static(
                HEADER_VALUES[usize::from(header.value) % HEADER_VALUES.len()],
            ),
        };
        parts.headers.append(name, value);
    }
    parts
}

/// What the run has seen so far.
struct Watch {
    streaming: bool,
    max_attempts: u32,
    max_retries: u32,
    max_followups: u32,
    sends: u32,
    terminal: Option<&'static str>,
    /// The stream handed out, if any.
    stream: Option<Box<ResponseStream>>,
    success_cap: usize,
    /// The request body every attempt must carry byte for byte.
    body: bytes::Bytes,
    /// Telemetry drained so far.
    records: Vec<AttemptRecord>,
    /// The longest wait the policy allows: its largest backoff, or the server delay cap.
    max_wait: Duration,
}

impl Watch {
    fn observe(&mut self, call: &Call, now: Instant, action: Action) {
        assert!(
            call.attempts() <= self.max_attempts,
            "{} attempts",
            call.attempts()
        );
        assert!(
            call.retries() <= self.max_retries,
            "{} retries",
            call.retries()
        );
        assert!(call.auth_followups() <= self.max_followups);
        if self.terminal.is_some() {
            assert!(
                matches!(action, Action::Finished),
                "{action:?} after the end"
            );
            assert!(call.is_finished());
            return;
        }
        match action {
            Action::Send(request) => {
                self.sends += 1;
                let shown = format!("{request:?}");
                assert!(
                    !shown.contains(SECRET),
                    "request Debug shows the credential"
                );
                assert_eq!(
                    request.body(),
                    &self.body,
                    "the body changed between attempts"
                );
                let Credentials::ApiKey(key) = call.credentials() else {
                    panic!("credentials other than the ones given");
                };
                let expected = format!("Bearer {}", key.expose());
                assert_eq!(
                    request.headers().get("authorization").map(|v| v.as_bytes()),
                    Some(expected.as_bytes()),
                    "a request without the current credentials"
                );
            }
            Action::Stream(stream) => {
                assert!(self.streaming, "Stream in unary mode");
                self.terminal = Some("stream");
                self.stream = Some(stream);
            }
            Action::Done(result) => {
                self.terminal = Some("done");
                match result {
                    Ok(output) => {
                        assert!(!self.streaming, "Done(Ok) in streaming mode");
                        assert!(output.status.is_success());
                        assert!(output.body.len() <= self.success_cap);
                        let _ = output.models();
                    }
                    Err(error) => {
                        let shown = format!("{error} {error:?}");
                        assert!(
                            !shown.contains(SECRET),
                            "error shows the credential: {shown}"
                        );
                        if let CallError::Api(api) = &error {
                            assert!(!api.kind().is_empty());
                            if api.kind() == "unauthorized" {
                                assert_eq!(api.status(), Some(http::StatusCode::UNAUTHORIZED));
                            }
                        }
                    }
                }
            }
            Action::Finished => panic!("Finished before Done or Stream"),
            Action::AwaitResponse { deadline } => assert_eq!(deadline, call.poll_timeout()),
            Action::Wait(deadline) => {
                assert_eq!(Some(deadline), call.poll_timeout());
                assert!(deadline > now, "Wait for a past instant");
                assert!(
                    deadline - now <= self.max_wait,
                    "waits {:?}",
                    deadline - now
                );
            }
            Action::ReadBody | Action::RefreshAuth(_) | Action::AwaitCredentials => {}
            other => panic!("unknown action {other:?}"),
        }
        assert_eq!(self.sends, call.attempts(), "sends and attempts disagree");
    }

    fn drain_telemetry(&mut self, call: &mut Call) {
        while let Some(record) = call.poll_telemetry() {
            let shown = format!("{record:?}");
            assert!(!shown.contains(SECRET), "telemetry shows the credential");
            self.records.push(record);
        }
    }

    /// Once the call is over: one record per attempt, in order; every attempt but the last was
    /// followed by a retry or an auth follow-up; retries as counted.
    fn check_telemetry(&self, call: &Call) {
        let numbers: Vec<u32> = self.records.iter().map(|record| record.attempt).collect();
        let expected: Vec<u32> = (1..=call.attempts()).collect();
        assert_eq!(numbers, expected, "one telemetry record per attempt");
        let retries = self
            .records
            .iter()
            .filter(|record| matches!(record.decision, AttemptDecision::Retry { .. }))
            .count();
        assert_eq!(
            retries,
            call.retries() as usize,
            "retry decisions and retries disagree"
        );
        if let Some((_, earlier)) = self.records.split_last() {
            for record in earlier {
                assert!(
                    matches!(
                        record.decision,
                        AttemptDecision::Retry { .. } | AttemptDecision::RecoverAuth
                    ),
                    "the call went on after {:?}",
                    record.decision
                );
                assert_ne!(record.outcome, AttemptOutcome::Streamed);
            }
        }
        let streamed = self
            .records
            .last()
            .is_some_and(|record| record.outcome == AttemptOutcome::Streamed);
        assert_eq!(streamed, self.terminal == Some("stream"));
    }
}

fuzz_target!(|input: Input| {
    let (endpoint, mode) = if input.streaming {
        (Endpoint::responses(), ResponseMode::Stream)
    } else {
        (Endpoint::models(None), ResponseMode::Unary)
    };
    let request_body = input
        .streaming
        .then(|| bytes::Bytes::from_static(b"{\"model\":\"m\",\"stream\":true}"));
    let mut config = CallConfig::new(
        endpoint,
        mode,
        Provider::openai(),
        ResponsesOptions::new(),
        request_body.clone(),
    );
    let mut policy = if input.codex_policy {
        RetryPolicy::codex()
    } else {
        RetryPolicy::default()
    };
    policy.max_retries = u32::from(input.max_retries % 6);
    policy.honor_server_delay = input.honor_server_delay;
    config.policy = policy;
    let mut limits = CallLimits::default().with_response_timeout(
        input
            .response_timeout_ms
            .map(|ms| Duration::from_millis(u64::from(ms))),
    );
    if let Some(cap) = input.error_body_cap {
        limits = limits.with_error_body_cap(usize::from(cap));
    }
    if let Some(cap) = input.success_body_cap {
        limits = limits.with_success_body_cap(usize::from(cap));
    }
    config.limits = limits;
    let (mode, steps) = match input.recovery % 3 {
        0 => (RecoveryMode::None, 0),
        1 => (RecoveryMode::Managed, 2),
        _ => (RecoveryMode::External, 1),
    };
    let max_retries = config.policy.max_retries;
    let largest_backoff = config.policy.backoff_bounds(max_retries).1;
    let max_wait = if config.policy.honor_server_delay {
        largest_backoff.max(config.policy.max_server_delay)
    } else {
        largest_backoff
    };
    let mut now = Instant::now();
    let wall = UNIX_EPOCH + Duration::from_secs(u64::from(input.wall_clock_secs));
    let mut call = Call::new(
        config,
        Credentials::api_key(SECRET),
        AuthRecovery::new(mode, "fuzz"),
        SplitMix64::new(input.jitter_seed),
        now,
        wall,
    );
    let mut watch = Watch {
        streaming: input.streaming,
        max_attempts: 1 + max_retries + steps,
        max_retries,
        max_followups: steps,
        sends: 0,
        terminal: None,
        stream: None,
        success_cap: limits.success_body_cap,
        body: request_body.clone().unwrap_or_default(),
        records: Vec::new(),
        max_wait,
    };

    let mut credential_counter = 0u32;
    let mut leftover_body: Vec<Vec<u8>> = Vec::new();
    for op in input.ops.iter().take(64) {
        match op {
            Op::Head {
                status,
                raw_status,
                headers,
            } => call.handle_head(now, &head(*status, *raw_status, headers)),
            Op::Body(chunk) => {
                call.handle_body(now, chunk);
                if watch.terminal == Some("stream") {
                    leftover_body.push(chunk.clone());
                }
            }
            Op::BodyEnd => call.handle_body_end(now),
            Op::TransportError(kind) => call.handle_transport_error(now, transport_kind(*kind)),
            Op::Timeout => call.handle_timeout(now),
            Op::Credentials(choice) => {
                let result = match choice % 4 {
                    0 => {
                        credential_counter += 1;
                        Ok(Credentials::api_key(format!(
                            "sk-fuzz-new-{credential_counter}"
                        )))
                    }
                    1 => Ok(call.credentials().clone()),
                    2 => Err(StepFailure::Transient),
                    _ => Err(StepFailure::Permanent),
                };
                call.handle_credentials(result);
            }
            Op::Advance(ms) => now += Duration::from_millis(u64::from(*ms)),
            Op::Poll => {}
        }
        let action = call.poll_action(now);
        watch.observe(&call, now, action);
        watch.drain_telemetry(&mut call);
    }

    // Closing driver: answer whatever is asked until the call ends.
    let limit = 8 * (watch.max_attempts + 2);
    let mut polls = 0;
    while watch.terminal.is_none() {
        polls += 1;
        assert!(polls <= limit, "the call did not end within {limit} polls");
        let action = call.poll_action(now);
        let answer = match &action {
            Action::Send(_) | Action::AwaitResponse { .. } => 1,
            Action::ReadBody => 2,
            Action::Wait(deadline) => {
                let deadline = *deadline;
                watch.observe(&call, now, action);
                now = deadline;
                continue;
            }
            Action::RefreshAuth(_) | Action::AwaitCredentials => 3,
            _ => 0,
        };
        watch.observe(&call, now, action);
        watch.drain_telemetry(&mut call);
        match answer {
            1 => call.handle_transport_error(now, TransportErrorKind::Reset),
            2 => call.handle_body_end(now),
            3 => call.handle_credentials(Err(StepFailure::Permanent)),
            _ => {}
        }
    }
    for _ in 0..3 {
        let action = call.poll_action(now);
        watch.observe(&call, now, action);
    }
    assert!(call.is_finished());
    assert_eq!(call.poll_timeout(), None);
    watch.drain_telemetry(&mut call);
    watch.check_telemetry(&call);

    // A handed-out stream takes the rest of the bytes and ends once.
    if let Some(mut stream) = watch.stream.take() {
        for chunk in &leftover_body {
            stream.handle_body(now, chunk);
        }
        stream.handle_eof(now);
        let mut errors = 0;
        while let Some(item) = stream.poll_stream_event() {
            if item.is_err() {
                errors += 1;
            }
        }
        assert!(errors <= 1);
        assert!(stream.is_finished());
    }
});
