//! Error statuses and the core's retry decisions: `retry-after`, `retry-after-ms`, 503,
//! 5xx retried to success or exhausted, a non-retryable 400.

use std::time::Duration;

use codex_api_core::call::{AttemptDecision, AttemptOutcome};
use codex_api_testkit::{Script, ScriptedResponse, Transcript};

use super::{assert_failed, assert_requests, request};
use crate::observation::{Observation, Phase};
use crate::scenario::{CallSpec, Scenario};

fn hello() -> ScriptedResponse {
    ScriptedResponse::sse(Transcript::new().created().message(&["Hello"]).completed())
        .request_id("req_ok")
}

fn rate_limited() -> ScriptedResponse {
    ScriptedResponse::api_error(
        429,
        "Rate limit reached",
        "requests",
        None,
        Some("rate_limit_exceeded"),
    )
}

fn stream(name: &'static str, script: Script, expect: fn(&Observation)) -> Scenario {
    Scenario::new(name, script, CallSpec::stream(request()), expect)
}

fn assert_retried_to_success(o: &Observation, requests: usize) {
    assert!(o.completed(), "{:#?}", o.outcome);
    assert_eq!(o.text(), "Hello");
    assert_requests(o, requests);
    for retry in &o.requests[1..] {
        assert_eq!(retry, &o.requests[0], "a retry repeats the request exactly");
    }
}

/// The retry scenarios.
pub fn scenarios() -> Vec<Scenario> {
    vec![
        stream(
            "rate_limited_retry_after_seconds",
            Script::new()
                .then(rate_limited().retry_after("1").request_id("req_429"))
                .then(hello()),
            |o| {
                assert_retried_to_success(o, 2);
                assert_eq!(o.attempts.len(), 2);
                assert_eq!(o.attempts[0].status.map(|s| s.as_u16()), Some(429));
                assert_eq!(o.attempts[0].error_kind, Some("rate_limited"));
                assert_eq!(o.attempts[0].request_id.as_deref(), Some("req_429"));
                assert_eq!(
                    o.attempts[0].decision,
                    AttemptDecision::Retry {
                        delay: Duration::from_secs(1)
                    }
                );
                assert_eq!(o.attempts[1].outcome, AttemptOutcome::Streamed);
                assert_eq!(o.attempts[1].decision, AttemptDecision::Finished);
            },
        )
        .min_request_gaps(&[Duration::from_secs(1)]),
        stream(
            "rate_limited_retry_after_ms_exhausted",
            Script::new()
                .then(rate_limited().retry_after_ms(120).request_id("req_a"))
                .then(rate_limited().retry_after_ms(120).request_id("req_b"))
                .then(rate_limited().retry_after_ms(150).request_id("req_c")),
            |o| {
                assert_failed(o, "rate_limited", Some(429));
                let error = o.expect_error();
                assert_eq!(error.phase, Phase::Call);
                assert_eq!(error.retry_after, Some(Duration::from_millis(150)));
                assert_eq!(error.request_id.as_deref(), Some("req_c"));
                assert_eq!(
                    error.api.as_ref().unwrap().message(),
                    Some("Rate limit reached")
                );
                assert_requests(o, 3);
                let delays: Vec<_> = o.attempts.iter().map(|a| a.retry_delay()).collect();
                let ms = |n| Some(Duration::from_millis(n));
                assert_eq!(delays, [ms(120), ms(120), None]);
                assert!(matches!(
                    o.attempts[2].decision,
                    AttemptDecision::GaveUp { reason: Some(_) }
                ));
            },
        )
        .min_request_gaps(&[Duration::from_millis(100), Duration::from_millis(100)]),
        stream(
            "overloaded_503_then_success",
            Script::new()
                .then(
                    ScriptedResponse::api_error(
                        503,
                        "The server is overloaded",
                        "server_error",
                        None,
                        Some("server_is_overloaded"),
                    )
                    .request_id("req_503"),
                )
                .then(hello()),
            |o| assert_retried_to_success(o, 2),
        ),
        stream(
            "overloaded_503_exhausted",
            Script::new()
                .then(ScriptedResponse::text(503, "busy").request_id("req_1"))
                .then(ScriptedResponse::text(503, "busy").request_id("req_2"))
                .then(
                    ScriptedResponse::api_error(
                        503,
                        "The server is overloaded",
                        "server_error",
                        None,
                        Some("server_is_overloaded"),
                    )
                    .request_id("req_3"),
                ),
            |o| {
                assert_failed(o, "server_overloaded", Some(503));
                let error = o.expect_error();
                assert_eq!(error.request_id.as_deref(), Some("req_3"));
                assert!(error.api.as_ref().unwrap().is_retryable());
                assert_requests(o, 3);
            },
        ),
        stream(
            "server_errors_exhausted",
            Script::new()
                .then(ScriptedResponse::text(500, "oops").request_id("req_500"))
                .then(ScriptedResponse::text(502, "bad gateway").request_id("req_502"))
                .then(
                    ScriptedResponse::api_error(504, "timeout", "server_error", None, None)
                        .request_id("req_504"),
                ),
            |o| {
                assert_failed(o, "server_error", Some(504));
                // Seeded jitter: the backoffs are within the policy's bounds (5 ms, 10 ms
                // before a factor in [0.75, 1]) and identical on every runtime.
                let delays: Vec<_> = o.attempts.iter().filter_map(|a| a.retry_delay()).collect();
                assert_eq!(delays.len(), 2);
                assert!(
                    delays[0] >= Duration::from_micros(3750)
                        && delays[0] <= Duration::from_millis(5)
                );
                assert!(
                    delays[1] >= Duration::from_micros(7500)
                        && delays[1] <= Duration::from_millis(10)
                );
                let error = o.expect_error();
                assert_eq!(error.phase, Phase::Call);
                assert_eq!(error.request_id.as_deref(), Some("req_504"));
                assert_eq!(error.api.as_ref().unwrap().message(), Some("timeout"));
                assert_requests(o, 3);
            },
        )
        // Error bodies are read to their end, so the retries reuse the connection.
        .connections(&[0, 0, 0]),
        stream(
            "server_errors_then_success",
            Script::new()
                .then(ScriptedResponse::api_error(
                    500,
                    "oops",
                    "server_error",
                    None,
                    None,
                ))
                .then(ScriptedResponse::api_error(
                    503,
                    "busy",
                    "server_error",
                    None,
                    None,
                ))
                .then(hello()),
            |o| {
                assert_retried_to_success(o, 3);
                let attempts: Vec<_> = o
                    .attempts
                    .iter()
                    .map(|a| (a.attempt, a.status.map(|s| s.as_u16())))
                    .collect();
                assert_eq!(attempts, [(1, Some(500)), (2, Some(503)), (3, Some(200))]);
            },
        )
        .connections(&[0, 0, 0]),
        stream(
            "provider_disables_retries",
            Script::new()
                .then(ScriptedResponse::text(500, "oops").request_id("req_500"))
                .then(hello()),
            |o| {
                assert_failed(o, "server_error", Some(500));
                assert_requests(o, 1);
            },
        )
        .provider(|provider| provider.with_retries_disabled(true))
        .provider_policy(),
        stream(
            "provider_max_retries",
            Script::new()
                .then(ScriptedResponse::text(502, "bad gateway").request_id("req_1"))
                .then(ScriptedResponse::text(502, "bad gateway").request_id("req_2"))
                .then(hello()),
            |o| {
                // One retry allowed: the second 502 is final.
                assert_failed(o, "server_error", Some(502));
                assert_eq!(o.expect_error().request_id.as_deref(), Some("req_2"));
                assert_requests(o, 2);
            },
        )
        .provider(|provider| provider.with_max_retries(1))
        .provider_policy(),
        stream(
            "invalid_request_not_retried",
            Script::new().then(
                ScriptedResponse::api_error(
                    400,
                    "Unsupported parameter: 'foo'",
                    "invalid_request_error",
                    Some("foo"),
                    Some("unsupported_parameter"),
                )
                .request_id("req_400"),
            ),
            |o| {
                assert_failed(o, "invalid_request", Some(400));
                assert_eq!(o.expect_error().phase, Phase::Call, "before any stream");
                let api = o.expect_error().api.as_ref().unwrap();
                assert_eq!(api.param(), Some("foo"));
                assert_eq!(api.code(), Some("unsupported_parameter"));
                assert_requests(o, 1);
            },
        ),
    ]
}
