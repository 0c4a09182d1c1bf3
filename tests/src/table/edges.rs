//! Edges where HTTP stacks tend to differ: redirects, empty and head-only bodies, slow but
//! steady streams, a connection closed by the server between retries, unknown events, a
//! unary body that is not JSON.

use std::time::Duration;

use codex_api_core::request::ResponsesOptions;
use codex_api_core::stream::DEFAULT_MAX_EVENT_SIZE;
use codex_api_core::wire::{CompactionInput, ResponseItem, Role};
use codex_api_testkit::{Body, Script, ScriptedResponse, Transcript};
use serde_json::json;

use super::{assert_failed, assert_requests, request};
use crate::observation::{Observation, Phase};
use crate::scenario::{CallSpec, Scenario};

fn hello() -> Transcript {
    Transcript::new().created().message(&["Hello"]).completed()
}

fn stream(name: &'static str, script: Script, expect: fn(&Observation)) -> Scenario {
    Scenario::new(name, script, CallSpec::stream(request()), expect)
}

/// The edge scenarios.
pub fn scenarios() -> Vec<Scenario> {
    vec![
        stream(
            "redirect_is_not_followed",
            Script::new()
                .then(
                    ScriptedResponse::text(307, "moved")
                        .header("location", "/v1/elsewhere")
                        .request_id("req_307"),
                )
                .then(ScriptedResponse::sse(hello())),
            |o| {
                // The core decides what a status means; nothing is followed behind its back.
                assert_failed(o, "unexpected_status", Some(307));
                assert_requests(o, 1);
            },
        ),
        stream(
            "empty_event_stream",
            Script::new().then(ScriptedResponse::sse(Body::content_length()).request_id("req_e")),
            |o| {
                assert!(o.events.is_empty(), "{:#?}", o.events);
                let error = o.expect_error();
                assert_eq!(error.kind, "stream_truncated", "{error:#?}");
                assert_eq!(error.phase, Phase::Stream);
                assert_eq!(error.request_id.as_deref(), Some("req_e"));
            },
        ),
        stream(
            "close_right_after_the_head",
            Script::new().then(
                ScriptedResponse::sse(Body::chunked().close()).request_id("req_h"),
            ),
            |o| {
                assert!(o.events.is_empty(), "{:#?}", o.events);
                let error = o.expect_error();
                assert_eq!(error.kind, "stream_truncated", "{error:#?}");
                assert_eq!(error.request_id.as_deref(), Some("req_h"));
            },
        ),
        stream(
            "slow_steady_stream_outlasts_idle_timeout",
            Script::new().then(ScriptedResponse::sse(
                hello()
                    .to_body()
                    .chunk_size(600)
                    .chunk_delay(Duration::from_millis(120)),
            )),
            |o| {
                assert!(o.completed(), "{:#?}", o.outcome);
                assert_eq!(o.text(), "Hello");
            },
        )
        .idle_timeout(Duration::from_millis(800)),
        stream(
            "server_closes_connection_before_retry",
            Script::new()
                .then(
                    ScriptedResponse::text(502, "bad gateway")
                        .close_connection()
                        .request_id("req_502"),
                )
                .then(ScriptedResponse::text(500, "oops").request_id("req_500"))
                .then(ScriptedResponse::sse(hello())),
            |o| {
                assert!(o.completed(), "{:#?}", o.outcome);
                assert_requests(o, 3);
                let attempts: Vec<_> = o
                    .attempts
                    .iter()
                    .map(|a| (a.attempt, a.status.map(|s| s.as_u16())))
                    .collect();
                assert_eq!(attempts, [(1, Some(502)), (2, Some(500)), (3, Some(200))]);
            },
        )
        // The closed connection is not reused; the next one is, after the 500.
        .connections(&[0, 1, 1]),
        Scenario::new(
            "redirect_on_models_is_not_followed",
            Script::new()
                .then(
                    // Elsewhere: nothing listens there, so following it would be a transport
                    // error (and the credentials would have left home).
                    ScriptedResponse::new(307)
                        .header("location", "http://127.0.0.1:9/v1/models")
                        .request_id("req_307"),
                )
                .then(ScriptedResponse::models(vec![], "\"e\"")),
            CallSpec::Models(None),
            |o| {
                assert_failed(o, "unexpected_status", Some(307));
                assert_requests(o, 1);
            },
        ),
        stream(
            "unknown_events_are_skipped",
            Script::new().then(ScriptedResponse::sse(
                Transcript::new()
                    .created()
                    .event("response.some_future_event", json!({"payload": [1, 2, 3]}))
                    .comment("a comment between events")
                    .raw("event: response.output_text.delta\nid: 42\nretry: 100\n")
                    .raw("data: {\"type\":\"response.output_text.delta\",\"item_id\":\"msg_0\",")
                    .raw("\"output_index\":0,\"content_index\":0,\"delta\":\"Hi\",\"sequence_number\":2}\n\n")
                    .unsequenced_event("codex.something_else", json!({"x": 1}))
                    .completed(),
            )),
            |o| {
                assert!(o.completed(), "{:#?}", o.outcome);
                assert_eq!(o.text(), "Hi");
            },
        ),
        stream(
            "oversize_event_past_provider_cap",
            Script::new().then(
                ScriptedResponse::sse(
                    Body::chunked()
                        .bytes(Transcript::new().created().to_bytes())
                        .huge_event(8 * 1024)
                        .bytes(Transcript::new().created().completed().frames()[1].clone()),
                )
                .request_id("req_big"),
            ),
            |o| {
                let error = o.expect_error();
                assert_eq!(error.kind, "protocol", "{error:#?}");
                assert_eq!(error.phase, Phase::Stream);
                assert_eq!(error.request_id.as_deref(), Some("req_big"));
                assert_eq!(o.events.len(), 1, "Created only: {:#?}", o.events);
            },
        )
        .provider(|provider| provider.with_max_event_size(4 * 1024)),
        // The same at the default 128 MiB cap (generated on the fly): slow in a debug build, so
        // its test is `#[ignore]`d (run it with `cargo test -p codex-api-tests -- --ignored`).
        stream(
            "oversize_event_at_default_cap",
            Script::new().then(
                ScriptedResponse::sse(
                    Body::chunked()
                        .bytes(Transcript::new().created().to_bytes())
                        .huge_event(DEFAULT_MAX_EVENT_SIZE as u64 + 1)
                        .bytes(Transcript::new().created().completed().frames()[1].clone()),
                )
                .request_id("req_big"),
            ),
            |o| {
                let error = o.expect_error();
                assert_eq!(error.kind, "protocol", "{error:#?}");
                assert_eq!(error.phase, Phase::Stream);
                assert_eq!(o.events.len(), 1, "Created only: {:#?}", o.events);
            },
        ),
        stream(
            "request_id_falls_back_to_oai_header",
            Script::new().then(
                ScriptedResponse::api_error(400, "bad", "invalid_request_error", None, None)
                    .header("x-oai-request-id", "oai_req_1"),
            ),
            |o| {
                assert_failed(o, "invalid_request", Some(400));
                assert_eq!(o.expect_error().request_id.as_deref(), Some("oai_req_1"));
            },
        ),
        stream(
            "many_small_events",
            Script::new().then(ScriptedResponse::sse(
                Transcript::new()
                    .created()
                    .message(&["ab"; 3000])
                    .completed()
                    .to_body()
                    .chunk_size(1000),
            )),
            |o| {
                assert!(o.completed(), "{:#?}", o.outcome);
                assert_eq!(o.text(), "ab".repeat(3000));
            },
        ),
        stream(
            "one_byte_drip_bom_crlf",
            Script::new().then(ScriptedResponse::sse(Body::chunked().drip(
                hello()
                    .with_bom()
                    .line_ending(codex_api_testkit::LineEnding::CrLf)
                    .to_bytes(),
                Duration::ZERO,
            ))),
            |o| {
                assert!(o.completed(), "{:#?}", o.outcome);
                assert_eq!(o.text(), "Hello");
            },
        ),
        stream(
            "stall_before_first_event",
            Script::new().then(
                ScriptedResponse::sse(Body::chunked().stall(codex_api_testkit::Stall::until_shutdown()))
                    .request_id("req_quiet"),
            ),
            |o| {
                assert!(o.events.is_empty(), "{:#?}", o.events);
                let error = o.expect_error();
                assert_eq!(error.kind, "idle_timeout", "{error:#?}");
                assert_eq!(error.request_id.as_deref(), Some("req_quiet"));
            },
        )
        .idle_timeout(Duration::from_millis(300)),
        stream(
            "malformed_event_json",
            Script::new().then(ScriptedResponse::sse(
                Transcript::new()
                    .created()
                    .raw("event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\n\n")
                    .message(&["after"])
                    .completed(),
            )),
            |o| {
                // The core skips an event whose JSON does not parse and goes on.
                assert!(o.completed(), "{:#?}", o.outcome);
                assert_eq!(o.text(), "after");
            },
        ),
        stream(
            "response_failed_without_error_object",
            Script::new().then(ScriptedResponse::sse(
                Transcript::new()
                    .created()
                    .event(
                        "response.failed",
                        json!({"response": {"id": "resp_test", "object": "response", "status": "failed", "error": null, "output": []}}),
                    ),
            )),
            |o| {
                let error = o.expect_error();
                assert_eq!(error.phase, Phase::Stream, "{error:#?}");
                assert_eq!(error.kind, "other", "{error:#?}");
                let api = error.api.as_ref().unwrap();
                assert_eq!(api.origin(), codex_api_core::error::ErrorOrigin::ResponseFailed);
                assert!(api.is_retryable());
            },
        ),
        stream(
            "events_after_the_terminal_event_are_ignored",
            Script::new().then(ScriptedResponse::sse(
                Body::chunked().bytes(
                    [
                        hello().to_bytes(),
                        Transcript::new().message(&["late"]).to_bytes(),
                    ]
                    .concat(),
                ),
            )),
            |o| {
                assert!(o.completed(), "{:#?}", o.outcome);
                assert_eq!(o.text(), "Hello");
            },
        ),
        Scenario::new(
            "no_content_on_models",
            Script::new().then(ScriptedResponse::new(204).request_id("req_204")),
            CallSpec::Models(None),
            |o| {
                let error = o.expect_error();
                assert_eq!(error.kind, "protocol", "{error:#?}");
                assert_eq!(error.request_id.as_deref(), Some("req_204"));
            },
        ),
        Scenario::new(
            "not_modified_on_models",
            Script::new().then(
                ScriptedResponse::new(304)
                    .etag("\"e1\"")
                    .request_id("req_304"),
            ),
            CallSpec::Models(None),
            |o| {
                assert_failed(o, "unexpected_status", Some(304));
                assert_requests(o, 1);
            },
        ),
        Scenario::new(
            "unary_body_is_not_json",
            Script::new().then(ScriptedResponse::text(200, "<html>oops</html>").request_id("req_html")),
            CallSpec::Compact(
                Box::new(CompactionInput::new(
                    "gpt-test",
                    vec![ResponseItem::text_message(Role::User, "hi")],
                )),
                ResponsesOptions::new(),
            ),
            |o| {
                let error = o.expect_error();
                assert_eq!(error.kind, "protocol", "{error:#?}");
                assert_eq!(error.request_id.as_deref(), Some("req_html"));
                assert_requests(o, 1);
            },
        ),
    ]
}
