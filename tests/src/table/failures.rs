//! In-stream failures: `response.failed` per mapped code (and a retry delay named in its
//! message), the `error` event (flat and nested, with and without a code),
//! `response.incomplete`.

use std::time::Duration;

use codex_api_core::error::ErrorOrigin;
use codex_api_testkit::{Script, ScriptedResponse, Transcript};

use super::request;
use crate::observation::{Observation, Phase};
use crate::scenario::{CallSpec, Scenario};

fn failing(name: &'static str, transcript: Transcript, expect: fn(&Observation)) -> Scenario {
    let script = Script::new().then(ScriptedResponse::sse(transcript).request_id("req_fail"));
    Scenario::new(name, script, CallSpec::stream(request()), expect)
}

/// Partial text, then `response.failed` with `code`.
fn failed(code: &str) -> Transcript {
    Transcript::new()
        .created()
        .message(&["partial"])
        .failed(code, &format!("the server says {code}"))
}

/// Asserts the common shape: the partial text arrived, then one in-stream error of `kind`
/// with the code and the head's request id, on a single request.
fn assert_stream_failure(o: &Observation, kind: &str, code: Option<&str>, origin: ErrorOrigin) {
    assert_eq!(o.text(), "partial", "events before the failure are kept");
    let error = o.expect_error();
    assert_eq!(error.phase, Phase::Stream, "{error:#?}");
    assert_eq!(error.kind, kind, "{error:#?}");
    assert_eq!(error.request_id.as_deref(), Some("req_fail"));
    let api = error.api.as_ref().expect("a server error");
    assert_eq!(api.code(), code);
    assert_eq!(api.origin(), origin);
    assert_eq!(
        o.requests.len(),
        1,
        "an in-stream failure is not retried by the call"
    );
}

macro_rules! response_failed {
    ($($name:ident: $code:literal => $kind:literal,)*) => {
        vec![$(
            failing(stringify!($name), failed($code), |o| {
                assert_stream_failure(o, $kind, Some($code), ErrorOrigin::ResponseFailed);
                let api = o.expect_error().api.as_ref().unwrap();
                assert_eq!(api.message(), Some(concat!("the server says ", $code)));
            }),
        )*]
    };
}

/// The in-stream failure scenarios.
pub fn scenarios() -> Vec<Scenario> {
    let mut table = response_failed! {
        failed_context_length_exceeded: "context_length_exceeded" => "context_window_exceeded",
        failed_insufficient_quota: "insufficient_quota" => "quota_exceeded",
        failed_usage_not_included: "usage_not_included" => "usage_not_included",
        failed_rate_limit_exceeded: "rate_limit_exceeded" => "rate_limited",
        failed_server_is_overloaded: "server_is_overloaded" => "server_overloaded",
        failed_server_error: "server_error" => "server_error",
        failed_unknown_code: "some_new_code" => "other",
    };
    table.extend([
        failing(
            "error_event_flat",
            Transcript::new().created().message(&["partial"]).error(
                Some("server_error"),
                "flat failure",
                None,
            ),
            |o| {
                assert_stream_failure(
                    o,
                    "server_error",
                    Some("server_error"),
                    ErrorOrigin::ErrorEvent,
                );
                let api = o.expect_error().api.as_ref().unwrap();
                assert_eq!(api.message(), Some("flat failure"));
            },
        ),
        failing(
            "error_event_nested",
            Transcript::new()
                .created()
                .message(&["partial"])
                .error_nested(
                    "invalid_request_error",
                    Some("context_length_exceeded"),
                    "nested failure",
                ),
            |o| {
                assert_stream_failure(
                    o,
                    "context_window_exceeded",
                    Some("context_length_exceeded"),
                    ErrorOrigin::ErrorEvent,
                );
                let api = o.expect_error().api.as_ref().unwrap();
                assert_eq!(api.message(), Some("nested failure"));
            },
        ),
        failing(
            "failed_rate_limit_with_retry_delay",
            Transcript::new().created().message(&["partial"]).failed(
                "rate_limit_exceeded",
                "Rate limit reached. Please try again in 1.5s.",
            ),
            |o| {
                assert_stream_failure(
                    o,
                    "rate_limited",
                    Some("rate_limit_exceeded"),
                    ErrorOrigin::ResponseFailed,
                );
                // The delay named in the message is the server's retry delay.
                let error = o.expect_error();
                assert_eq!(error.retry_after, Some(Duration::from_millis(1500)));
            },
        ),
        failing(
            "error_event_overloaded",
            Transcript::new().created().message(&["partial"]).error(
                Some("server_is_overloaded"),
                "busy",
                None,
            ),
            |o| {
                assert_stream_failure(
                    o,
                    "server_overloaded",
                    Some("server_is_overloaded"),
                    ErrorOrigin::ErrorEvent,
                );
                assert!(o.expect_error().api.as_ref().unwrap().is_retryable());
            },
        ),
        failing(
            "error_event_nested_without_code",
            Transcript::new()
                .created()
                .message(&["partial"])
                .error_nested("invalid_request_error", None, "bad"),
            |o| {
                // No code: the error's type classifies it (and stands in for the code).
                assert_stream_failure(
                    o,
                    "invalid_request",
                    Some("invalid_request_error"),
                    ErrorOrigin::ErrorEvent,
                );
            },
        ),
        failing(
            "response_incomplete",
            Transcript::new()
                .created()
                .message(&["partial"])
                .incomplete("max_output_tokens"),
            |o| {
                assert_eq!(o.text(), "partial");
                let error = o.expect_error();
                assert_eq!(error.kind, "response_incomplete", "{error:#?}");
                assert_eq!(error.phase, Phase::Stream);
                assert_eq!(error.request_id.as_deref(), Some("req_fail"));
                let api = error.api.as_ref().unwrap();
                assert_eq!(
                    api.error_kind(),
                    &codex_api_core::error::ApiErrorKind::ResponseIncomplete {
                        reason: Some("max_output_tokens".into())
                    }
                );
            },
        ),
    ]);
    table
}
