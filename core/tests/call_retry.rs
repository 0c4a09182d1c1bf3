//! `Call`: retries, backoff, server delays and the final error of an exhausted call.

mod call_support;

use std::time::Duration;

use call_support::{BODY, Scenario, wall_start};
use codex_api_core::call::{AttemptDecision, AttemptOutcome, CallError, CallLimits};
use codex_api_core::retry::{GiveUpReason, RetryPolicy, TransportErrorKind};

const RATE_LIMITED: &[u8] =
    br#"{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}"#;
const SERVER_ERROR: &[u8] = br#"{"error":{"message":"boom","type":"server_error"}}"#;

#[test]
fn rate_limited_then_success_waits_exactly_the_retry_after() {
    let mut d = Scenario::stream().start();
    d.respond(
        429,
        &[("retry-after", "3"), ("x-request-id", "req_1")],
        RATE_LIMITED,
    );
    let before = d.now;
    assert_eq!(d.expect_wait(), before + Duration::from_secs(3));
    d.respond(200, &[("content-type", "text/event-stream")], b"");
    d.expect_stream();
    assert_eq!(d.call.attempts(), 2);
    assert_eq!(d.call.retries(), 1);

    let records = d.telemetry();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].attempt, 1);
    assert_eq!(records[0].status, Some(http::StatusCode::TOO_MANY_REQUESTS));
    assert_eq!(records[0].error_kind, Some("rate_limited"));
    assert_eq!(records[0].request_id.as_deref(), Some("req_1"));
    assert_eq!(records[0].retry_delay(), Some(Duration::from_secs(3)));
    assert_eq!(records[1].attempt, 2);
    assert_eq!(records[1].outcome, AttemptOutcome::Streamed);
    assert_eq!(records[1].decision, AttemptDecision::Finished);
    assert_eq!(records[1].error_kind, None);
}

#[test]
fn retry_after_ms_is_preferred_over_retry_after() {
    let mut d = Scenario::stream().start();
    d.respond(
        429,
        &[("retry-after-ms", "1500"), ("retry-after", "30")],
        RATE_LIMITED,
    );
    let before = d.now;
    assert_eq!(d.expect_wait(), before + Duration::from_millis(1500));
}

#[test]
fn retry_after_http_date_is_relative_to_the_wall_clock_at_the_head() {
    let mut d = Scenario::stream().start();
    d.expect_send();
    // Two seconds pass before the head arrives; the date is 7 s after the call started.
    d.advance(Duration::from_secs(2));
    let date = httpdate::fmt_http_date(wall_start() + Duration::from_secs(7));
    d.feed_response(503, &[("retry-after", &date)], SERVER_ERROR);
    let before = d.now;
    assert_eq!(d.expect_wait(), before + Duration::from_secs(5));
}

#[test]
fn should_retry_false_on_a_500_stops_at_once() {
    let mut d = Scenario::stream().start();
    d.respond(500, &[("x-should-retry", "false")], SERVER_ERROR);
    let error = d.expect_done().unwrap_err();
    assert_eq!(error.kind(), "server_error");
    assert_eq!(
        error.status(),
        Some(http::StatusCode::INTERNAL_SERVER_ERROR)
    );
    assert_eq!(d.call.attempts(), 1);
    let records = d.telemetry();
    assert_eq!(
        records[0].decision,
        AttemptDecision::GaveUp {
            reason: Some(GiveUpReason::NotRetryable)
        }
    );
}

#[test]
fn should_retry_true_on_a_400_retries() {
    let mut d = Scenario::unary().start();
    d.respond(
        400,
        &[("x-should-retry", "true")],
        br#"{"error":{"message":"bad","type":"invalid_request_error"}}"#,
    );
    d.expect_wait();
    d.respond(200, &[], br#"{"ok":true}"#);
    let output = d.expect_done().unwrap();
    assert_eq!(&output.body[..], br#"{"ok":true}"#);
    assert_eq!(d.call.attempts(), 2);
}

#[test]
fn a_400_without_a_verdict_is_not_retried() {
    let mut d = Scenario::unary().start();
    d.respond(
        400,
        &[],
        br#"{"error":{"message":"bad","type":"invalid_request_error"}}"#,
    );
    let error = d.expect_done().unwrap_err();
    assert_eq!(error.kind(), "invalid_request");
    assert_eq!(d.call.attempts(), 1);
}

#[test]
fn server_errors_exhaust_after_max_retries_and_report_the_last_error() {
    let mut d = Scenario::stream().start();
    d.respond(500, &[("x-request-id", "req_a")], SERVER_ERROR);
    let t0 = d.now;
    // Jitter 0 → factor 0.75 of 0.5 s, then of 1 s.
    assert_eq!(d.expect_wait(), t0 + Duration::from_millis(375));
    d.respond(502, &[("x-request-id", "req_b")], SERVER_ERROR);
    let t1 = d.now;
    assert_eq!(d.expect_wait(), t1 + Duration::from_millis(750));
    d.respond(
        503,
        &[("x-request-id", "req_c")],
        br#"{"error":{"message":"overloaded"}}"#,
    );
    let error = d.expect_done().unwrap_err();
    assert_eq!(d.call.attempts(), 3, "1 + max_retries attempts");
    assert_eq!(error.status(), Some(http::StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(error.kind(), "server_overloaded");
    assert_eq!(error.api_error().unwrap().request_id(), Some("req_c"));
    let records = d.telemetry();
    assert_eq!(records.len(), 3);
    assert_eq!(
        records[2].decision,
        AttemptDecision::GaveUp {
            reason: Some(GiveUpReason::Exhausted)
        }
    );
}

#[test]
fn max_retries_is_honoured_for_larger_policies() {
    let mut policy = RetryPolicy::default();
    policy.max_retries = 5;
    let mut d = Scenario::stream().policy(policy).start();
    for _ in 0..5 {
        d.respond(500, &[], SERVER_ERROR);
        d.expect_wait();
    }
    d.respond(500, &[], SERVER_ERROR);
    assert_eq!(d.expect_done().unwrap_err().kind(), "server_error");
    assert_eq!(d.call.attempts(), 6);
}

#[test]
fn transport_errors_are_retried_then_exhausted() {
    let mut d = Scenario::stream().start();
    d.fail_transport(TransportErrorKind::Connect);
    d.expect_wait();
    d.fail_transport(TransportErrorKind::Reset);
    d.expect_wait();
    d.fail_transport(TransportErrorKind::Timeout);
    let error = d.expect_done().unwrap_err();
    assert_eq!(
        error,
        CallError::Transport {
            kind: TransportErrorKind::Timeout,
            attempts: 3
        }
    );
    assert_eq!(error.kind(), "transport");
    let records = d.telemetry();
    assert_eq!(
        records[0].outcome,
        AttemptOutcome::Transport(TransportErrorKind::Connect)
    );
    assert_eq!(records[0].status, None);
    assert_eq!(records[2].error_kind, Some("transport"));
}

#[test]
fn a_transport_failure_then_success() {
    let mut d = Scenario::unary().start();
    d.fail_transport(TransportErrorKind::Reset);
    d.expect_wait();
    d.respond(200, &[], b"{}");
    assert!(d.expect_done().is_ok());
}

#[test]
fn tls_failures_are_not_retried() {
    let mut d = Scenario::stream().start();
    d.fail_transport(TransportErrorKind::Tls);
    assert_eq!(
        d.expect_done().unwrap_err(),
        CallError::Transport {
            kind: TransportErrorKind::Tls,
            attempts: 1
        }
    );
}

#[test]
fn insufficient_quota_is_never_retried_even_when_the_server_says_so() {
    let mut d = Scenario::stream().start();
    d.respond(
        429,
        &[("retry-after", "1"), ("x-should-retry", "true")],
        br#"{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}}"#,
    );
    let error = d.expect_done().unwrap_err();
    assert_eq!(error.kind(), "quota_exceeded");
    assert_eq!(d.call.attempts(), 1);
}

#[test]
fn a_server_delay_above_the_cap_ends_the_call_with_its_retry_after() {
    let mut d = Scenario::stream().start();
    d.respond(429, &[("retry-after", "120")], RATE_LIMITED);
    let error = d.expect_done().unwrap_err();
    assert_eq!(error.kind(), "rate_limited");
    assert_eq!(error.retry_after(), Some(Duration::from_secs(120)));
    assert_eq!(d.call.attempts(), 1);
    let records = d.telemetry();
    assert_eq!(
        records[0].decision,
        AttemptDecision::GaveUp {
            reason: Some(GiveUpReason::ServerDelayTooLong(Duration::from_secs(120)))
        }
    );
}

#[test]
fn an_exhausted_rate_limit_is_reported_as_rate_limited_not_as_a_retry_limit() {
    let mut d = Scenario::stream().start();
    for _ in 0..2 {
        d.respond(429, &[("retry-after", "1")], RATE_LIMITED);
        d.expect_wait();
    }
    d.respond(429, &[("retry-after", "2")], RATE_LIMITED);
    let error = d.expect_done().unwrap_err();
    assert_eq!(error.kind(), "rate_limited");
    assert_eq!(error.retry_after(), Some(Duration::from_secs(2)));
    assert_eq!(error.status(), Some(http::StatusCode::TOO_MANY_REQUESTS));
}

#[test]
fn the_codex_policy_does_not_retry_429_but_keeps_its_retry_after() {
    let mut d = Scenario::stream().policy(RetryPolicy::codex()).start();
    d.respond(429, &[("retry-after", "4")], RATE_LIMITED);
    let error = d.expect_done().unwrap_err();
    assert_eq!(error.kind(), "rate_limited");
    assert_eq!(error.retry_after(), Some(Duration::from_secs(4)));
}

#[test]
fn the_request_body_is_identical_on_every_attempt() {
    let mut d = Scenario::stream().start();
    d.respond(500, &[], SERVER_ERROR);
    d.expect_wait();
    d.fail_transport(TransportErrorKind::Reset);
    d.expect_wait();
    d.respond(200, &[], b"");
    d.expect_stream();
    assert_eq!(d.sent.len(), 3);
    for request in &d.sent {
        assert_eq!(request.body().as_ref(), BODY);
        assert_eq!(request.method(), http::Method::POST);
        assert_eq!(request.uri(), "https://api.openai.com/v1/responses");
        assert_eq!(d.sent[0].headers(), request.headers());
    }
}

#[test]
fn the_response_timeout_fails_the_attempt_and_is_retried() {
    let limits = CallLimits::default().with_response_timeout(Some(Duration::from_secs(10)));
    let mut d = Scenario::stream().limits(limits).start();
    d.expect_send();
    let deadline = d.now + Duration::from_secs(10);
    assert_eq!(d.call.poll_timeout(), Some(deadline));
    // Before the deadline the call waits for the head.
    d.advance(Duration::from_secs(9));
    d.call.handle_timeout(d.now);
    assert!(matches!(
        d.poll(),
        codex_api_core::call::Action::AwaitResponse { deadline: Some(at) } if at == deadline
    ));
    d.advance(Duration::from_secs(1));
    d.call.handle_timeout(d.now);
    d.expect_wait();
    d.expect_send();
    // A poll past the deadline is as good as handle_timeout.
    d.advance(Duration::from_secs(10));
    d.expect_wait();
    d.expect_send();
    d.advance(Duration::from_secs(11));
    let error = d.expect_done().unwrap_err();
    assert_eq!(
        error,
        CallError::Timeout {
            after: Duration::from_secs(10),
            attempts: 3
        }
    );
    let records = d.telemetry();
    assert_eq!(records.len(), 3);
    assert!(
        records
            .iter()
            .all(|r| r.outcome == AttemptOutcome::TimedOut)
    );
    assert_eq!(records[0].elapsed, Duration::from_secs(10));
    assert_eq!(records[2].elapsed, Duration::from_secs(11));
}

#[test]
fn telemetry_has_one_record_per_attempt_with_elapsed_time() {
    let mut d = Scenario::unary().start();
    d.expect_send();
    d.advance(Duration::from_millis(120));
    d.feed_response(500, &[], SERVER_ERROR);
    d.expect_wait();
    d.expect_send();
    d.advance(Duration::from_millis(80));
    d.feed_response(200, &[("x-request-id", "req_ok")], b"{}");
    d.expect_done().unwrap();
    let records = d.telemetry();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].elapsed, Duration::from_millis(120));
    assert_eq!(records[0].retry_delay(), Some(Duration::from_millis(375)));
    assert_eq!(records[1].elapsed, Duration::from_millis(80));
    assert_eq!(records[1].outcome, AttemptOutcome::Succeeded);
    assert_eq!(records[1].request_id.as_deref(), Some("req_ok"));
    assert!(
        records
            .iter()
            .all(|r| r.auth_recovery.is_none() && !r.after_unauthorized)
    );
    assert!(d.call.poll_telemetry().is_none());
}

#[test]
fn the_provider_settings_shape_the_default_policy() {
    use codex_api_core::call::{CallConfig, ResponseMode};
    use codex_api_core::provider::Provider;
    use codex_api_core::request::{Endpoint, ResponsesOptions};

    let config = |provider: Provider| {
        CallConfig::new(
            Endpoint::responses(),
            ResponseMode::Stream,
            provider,
            ResponsesOptions::new(),
            None,
        )
    };
    assert_eq!(config(Provider::openai()).policy, RetryPolicy::default());
    assert_eq!(
        config(Provider::openai().with_max_retries(7))
            .policy
            .max_retries,
        7
    );
    assert_eq!(
        config(
            Provider::openai()
                .with_max_retries(7)
                .with_retries_disabled(true)
        )
        .policy,
        RetryPolicy::never()
    );
    assert_eq!(
        config(Provider::openai().with_stream_idle_timeout(Duration::from_secs(9)))
            .stream
            .idle_timeout,
        Some(Duration::from_secs(9))
    );
}

#[test]
fn deterministic_failures_ignore_a_should_retry_verdict() {
    let bodies: [&[u8]; 3] = [
        br#"{"error":{"message":"too long","type":"invalid_request_error","code":"context_length_exceeded"}}"#,
        br#"{"error":{"type":"usage_limit_reached","message":"limit","resets_in_seconds":60}}"#,
        br#"{"error":{"type":"usage_not_included","message":"upgrade"}}"#,
    ];
    let kinds = [
        "context_window_exceeded",
        "usage_limit_reached",
        "usage_not_included",
    ];
    for (body, kind) in bodies.into_iter().zip(kinds) {
        let status = if kind == "context_window_exceeded" {
            400
        } else {
            429
        };
        let mut d = Scenario::stream().start();
        d.respond(status, &[("x-should-retry", "true")], body);
        let error = d.expect_done().unwrap_err();
        assert_eq!(error.kind(), kind);
        assert_eq!(d.call.attempts(), 1, "{kind} must not be retried");
    }
}

#[test]
fn a_rate_limit_message_delay_is_used_when_no_header_gives_one() {
    let mut d = Scenario::stream().start();
    d.respond(
        429,
        &[],
        br#"{"error":{"message":"Rate limit reached for gpt-test. Please try again in 1.5s.","type":"requests","code":"rate_limit_exceeded"}}"#,
    );
    let before = d.now;
    assert_eq!(d.expect_wait(), before + Duration::from_millis(1500));
}

#[test]
fn an_unbuildable_request_ends_the_call_without_sending() {
    use codex_api_core::call::{Action, Call, CallConfig, ResponseMode};
    use codex_api_core::credentials::Credentials;
    use codex_api_core::provider::Provider;
    use codex_api_core::request::{BuildError, Endpoint, ResponsesOptions};
    use codex_api_core::retry::FixedJitter;
    use codex_api_core::unauthorized::{AuthRecovery, RecoveryMode};

    let config = CallConfig::new(
        Endpoint::responses(),
        ResponseMode::Stream,
        Provider::openai(),
        ResponsesOptions::new().with_header("x-bad", "line\r\nbreak"),
        Some(bytes::Bytes::from_static(BODY)),
    );
    let now = std::time::Instant::now();
    let mut call = Call::new(
        config,
        Credentials::api_key("sk-secret-value"),
        AuthRecovery::new(RecoveryMode::None, "api_key"),
        FixedJitter(0.5),
        now,
        wall_start(),
    );
    match call.poll_action(now) {
        Action::Done(Err(error)) => {
            assert_eq!(error.kind(), "request_build");
            assert!(matches!(
                error,
                CallError::Build(BuildError::InvalidHeader { .. })
            ));
            assert!(!format!("{error} {error:?}").contains("line"));
        }
        other => panic!("expected Done(Err), got {other:?}"),
    }
    assert!(matches!(call.poll_action(now), Action::Finished));
    assert_eq!(call.attempts(), 0);
}
