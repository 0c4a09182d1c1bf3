//! More statuses and server hints: the client-error statuses of a unary call, a retried 409,
//! `x-should-retry`, a too-long `retry-after`, quota and usage limits on 429, 404, a slow head
//! or a stalled unary body against the response timeout, a huge or cut error body, a wrong
//! content type, a stream that stays open after its terminal event, `[DONE]`.

use std::time::Duration;

use codex_api_core::retry::RetryPolicy;
use codex_api_testkit::{Body, Cut, Script, ScriptedResponse, Stall, Transcript};
use serde_json::json;

use super::{assert_failed, assert_requests, request};
use crate::observation::{Observation, Outcome, Phase};
use crate::scenario::{CallSpec, Scenario};

fn hello() -> ScriptedResponse {
    ScriptedResponse::sse(Transcript::new().created().message(&["Hello"]).completed())
}

fn stream(name: &'static str, script: Script, expect: fn(&Observation)) -> Scenario {
    Scenario::new(name, script, CallSpec::stream(request()), expect)
}

/// Rows of `list_models` answered by one error status, classified as `kind` and not retried.
macro_rules! unary_statuses {
    ($($name:ident: $status:literal $error_type:literal $code:expr => $kind:literal,)*) => {
        vec![$(
            Scenario::new(
                stringify!($name),
                Script::new().then(
                    ScriptedResponse::api_error($status, "refused", $error_type, None, $code)
                        .request_id("req_status"),
                ),
                CallSpec::Models(None),
                |o| {
                    assert_failed(o, $kind, Some($status));
                    let error = o.expect_error();
                    assert_eq!(error.phase, Phase::Call);
                    assert_eq!(error.request_id.as_deref(), Some("req_status"));
                    assert_requests(o, 1);
                },
            ),
        )*]
    };
}

/// The status scenarios.
pub fn scenarios() -> Vec<Scenario> {
    let mut table = unary_statuses! {
        forbidden_403: 403 "permission_error" None => "forbidden",
        unprocessable_422: 422 "invalid_request_error" None => "unprocessable",
        teapot_418_unexpected_status: 418 "invalid_request_error" None => "unexpected_status",
        usage_not_included_403: 403 "usage_not_included" Some("usage_not_included")
            => "usage_not_included",
        cyber_policy_400: 400 "invalid_request_error" Some("cyber_policy") => "cyber_policy",
    };
    table.extend(more());
    table
}

fn more() -> Vec<Scenario> {
    vec![
        Scenario::new(
            "conflict_409_retried",
            Script::new()
                .then(ScriptedResponse::api_error(
                    409,
                    "locked",
                    "invalid_request_error",
                    None,
                    None,
                ))
                .then(ScriptedResponse::models(vec![], "\"e\"")),
            CallSpec::Models(None),
            |o| {
                // Retried like the SDKs do, without an `x-should-retry` hint.
                assert!(matches!(o.outcome, Outcome::Models(_)), "{:#?}", o.outcome);
                assert_requests(o, 2);
                assert!(o.attempts[0].retry_delay().is_some(), "{:#?}", o.attempts);
            },
        ),
        Scenario::new(
            "unary_chunked_body_stalls_past_response_timeout",
            Script::new().then(
                ScriptedResponse::new(200)
                    .header("content-type", "application/json")
                    .body(
                        Body::chunked()
                            .bytes("{\"mod")
                            .stall(Stall::until_shutdown()),
                    ),
            ),
            CallSpec::Models(None),
            |o| {
                // The response timeout covers a unary body too, not only the head.
                let error = o.expect_error();
                assert_eq!(error.kind, "timeout", "{error:#?}");
                assert_eq!(error.phase, Phase::Call);
                assert!(
                    error.detail.starts_with("Timeout") && error.detail.contains("attempts: 1"),
                    "{error:#?}"
                );
                assert_requests(o, 1);
            },
        )
        .response_timeout(Duration::from_millis(200))
        .policy(RetryPolicy::never()),
        Scenario::new(
            "error_body_cut_still_classified",
            Script::new().then(
                ScriptedResponse::new(400)
                    .header("content-type", "application/json")
                    .body(
                        Body::chunked()
                            .bytes("{\"error\":{\"message\":\"bad")
                            .cut(Cut::TruncatedChunk),
                    ),
            ),
            CallSpec::Models(None),
            |o| {
                // The error body breaks off: what arrived is classified (a 400 stays a 400).
                assert_failed(o, "invalid_request", Some(400));
                assert_requests(o, 1);
            },
        ),
        stream(
            "should_retry_false_stops_retries",
            Script::new().then(
                ScriptedResponse::text(500, "no point")
                    .header("x-should-retry", "false")
                    .request_id("req_500"),
            ),
            |o| {
                assert_failed(o, "server_error", Some(500));
                assert_requests(o, 1);
            },
        ),
        stream(
            "should_retry_true_retries_a_conflict",
            Script::new()
                .then(
                    ScriptedResponse::api_error(409, "busy", "conflict", None, None)
                        .header("x-should-retry", "true"),
                )
                .then(hello()),
            |o| {
                assert!(o.completed(), "{:#?}", o.outcome);
                assert_requests(o, 2);
            },
        ),
        stream(
            "retry_after_beyond_the_policy_gives_up",
            Script::new().then(
                ScriptedResponse::api_error(429, "later", "requests", None, None)
                    .retry_after("3600")
                    .request_id("req_long"),
            ),
            |o| {
                assert_failed(o, "rate_limited", Some(429));
                assert_eq!(
                    o.expect_error().retry_after,
                    Some(Duration::from_secs(3600))
                );
                assert_requests(o, 1);
            },
        ),
        stream(
            "insufficient_quota_429_not_retried",
            Script::new().then(
                ScriptedResponse::api_error(
                    429,
                    "You exceeded your current quota",
                    "insufficient_quota",
                    None,
                    Some("insufficient_quota"),
                )
                .request_id("req_quota"),
            ),
            |o| {
                assert_failed(o, "quota_exceeded", Some(429));
                assert_requests(o, 1);
            },
        ),
        stream(
            "usage_limit_reached_429",
            Script::new().then(
                ScriptedResponse::json(
                    429,
                    &json!({"error": {
                        "type": "usage_limit_reached",
                        "message": "You've hit your usage limit",
                        "plan_type": "plus",
                        "resets_at": 1_700_003_600u64,
                        "resets_in_seconds": 1800,
                    }}),
                )
                .header("x-codex-active-limit", "codex_other")
                .request_id("req_usage"),
            ),
            |o| {
                assert_failed(o, "usage_limit_reached", Some(429));
                let api = o.expect_error().api.as_ref().unwrap();
                let limit = api.usage_limit().expect("usage limit facts");
                assert_eq!(limit.plan_type.as_deref(), Some("plus"));
                assert_eq!(limit.resets_at, Some(1_700_003_600));
                assert_eq!(limit.resets_in, Some(Duration::from_secs(1800)));
                assert_requests(o, 1);
            },
        ),
        stream(
            "not_found_404",
            Script::new().then(
                ScriptedResponse::api_error(
                    404,
                    "The model `gpt-nope` does not exist",
                    "invalid_request_error",
                    Some("model"),
                    Some("model_not_found"),
                )
                .header("cf-ray", "8f00-DFW")
                .request_id("req_404"),
            ),
            |o| {
                assert_failed(o, "not_found", Some(404));
                let api = o.expect_error().api.as_ref().unwrap();
                assert_eq!(api.cf_ray(), Some("8f00-DFW"));
                assert_requests(o, 1);
            },
        ),
        stream(
            "slow_head_hits_response_timeout_then_success",
            Script::new()
                .then(hello().delay_head(Duration::from_secs(3)))
                .then(hello()),
            |o| {
                assert!(o.completed(), "{:#?}", o.outcome);
                assert_requests(o, 2);
            },
        )
        .response_timeout(Duration::from_millis(600))
        .min_request_gaps(&[Duration::from_millis(400)])
        // The timed-out connection is still busy: the retry opens another.
        .connections(&[0, 1]),
        stream(
            "slow_head_every_time",
            Script::new()
                .then(hello().delay_head(Duration::from_secs(3)))
                .then(hello().delay_head(Duration::from_secs(3))),
            |o| {
                let error = o.expect_error();
                assert_eq!(error.kind, "timeout", "{error:#?}");
                assert_eq!(error.phase, Phase::Call);
                assert!(
                    error.detail.starts_with("Timeout") && error.detail.contains("attempts: 2"),
                    "{error:#?}"
                );
                assert_requests(o, 2);
            },
        )
        .response_timeout(Duration::from_millis(400))
        .policy({
            let mut policy = crate::scenario::fast_policy();
            policy.max_retries = 1;
            policy
        }),
        Scenario::new(
            "unary_body_stalls_past_response_timeout",
            Script::new()
                .then(
                    ScriptedResponse::memories(&[("t", "m")]).body(
                        Body::content_length()
                            .bytes(r#"{"output":[{"trace_summary":"t","#)
                            .stall(Stall::until_shutdown())
                            .bytes(r#""memory_summary":"m"}]}"#),
                    ),
                )
                .then(ScriptedResponse::memories(&[("t", "m")])),
            CallSpec::Memories(
                Box::new(codex_api_core::wire::MemorySummarizeInput::new(
                    "gpt-test",
                    Vec::new(),
                )),
                codex_api_core::request::ResponsesOptions::new(),
            ),
            |o| {
                assert!(
                    matches!(o.outcome, Outcome::Memories(_)),
                    "{:#?}",
                    o.outcome
                );
                assert_requests(o, 2);
            },
        )
        .response_timeout(Duration::from_millis(600)),
        stream(
            "huge_error_body_is_bounded",
            Script::new()
                .then(ScriptedResponse::huge_api_error(500, 3_000_000).request_id("req_huge")),
            |o| {
                assert_failed(o, "server_error", Some(500));
                let error = o.expect_error();
                let message = error.api.as_ref().unwrap().message().unwrap_or_default();
                assert!(
                    message.len() < 64 * 1024,
                    "message of {} bytes",
                    message.len()
                );
                assert_eq!(error.request_id.as_deref(), Some("req_huge"));
                assert_requests(o, 1);
            },
        )
        .policy(RetryPolicy::never()),
        stream(
            "wrong_content_type",
            Script::new().then(
                ScriptedResponse::json(200, &json!({"not": "a stream"})).request_id("req_json"),
            ),
            |o| {
                let error = o.expect_error();
                assert_eq!(error.kind, "protocol", "{error:#?}");
                assert_eq!(error.request_id.as_deref(), Some("req_json"));
                assert!(o.events.is_empty());
            },
        ),
        stream(
            "connection_stays_open_after_completion",
            Script::new().then(ScriptedResponse::sse(
                Transcript::new()
                    .created()
                    .message(&["Hello"])
                    .completed()
                    .to_body()
                    .stall(Stall::until_shutdown()),
            )),
            |o| {
                assert!(o.completed(), "{:#?}", o.outcome);
                assert_eq!(o.text(), "Hello");
            },
        )
        .idle_timeout(Duration::from_secs(3)),
        stream(
            "done_sentinel_without_terminal_event",
            Script::new().then(ScriptedResponse::sse(
                Body::chunked()
                    .bytes(Transcript::new().created().message(&["Hello"]).to_bytes())
                    .bytes("data: [DONE]\n\n"),
            )),
            |o| {
                // The core treats `[DONE]` as a clean end, terminal event or not.
                assert_eq!(o.text(), "Hello");
                assert_eq!(o.outcome, Outcome::StreamEnded);
                assert!(!o.completed(), "no Completed event was sent");
            },
        ),
    ]
}
