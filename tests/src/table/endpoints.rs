//! The unary endpoints: compaction, memories, models (typed, and raw for the `ETag`; the
//! `ETag` header wins over the body's).

use std::time::Duration;

use codex_api_core::request::{Endpoint, ResponsesOptions};
use codex_api_core::wire::{CompactionInput, MemorySummarizeInput, RawMemory, ResponseItem, Role};
use codex_api_testkit::{Script, ScriptedResponse, Transcript};
use serde_json::json;

use super::{assert_failed, assert_requests};
use crate::observation::{Observation, Outcome};
use crate::scenario::{CallSpec, Scenario};

fn models() -> ScriptedResponse {
    ScriptedResponse::models(
        vec![
            json!({"slug": "gpt-test", "display_name": "GPT Test", "context_window": 272000}),
            json!({"slug": "gpt-mini", "visibility": "list", "shell_type": "local"}),
        ],
        "\"models-etag-1\"",
    )
    .models_etag("models-etag-1")
    .request_id("req_models")
}

fn compaction_input() -> CompactionInput {
    CompactionInput::new(
        "gpt-test",
        vec![
            ResponseItem::text_message(Role::User, "summarise this"),
            ResponseItem::text_message(Role::Assistant, "a long answer"),
        ],
    )
    .instructions("be brief")
}

fn memories_input() -> MemorySummarizeInput {
    MemorySummarizeInput::new(
        "gpt-test",
        vec![RawMemory::new(
            "trace-1",
            "/tmp/trace-1.jsonl",
            vec![ResponseItem::text_message(Role::User, "remember me")],
        )],
    )
}

fn assert_one_request(o: &Observation, method: &str, path: &str) {
    assert_requests(o, 1);
    assert_eq!(o.requests[0].method, method);
    assert_eq!(o.requests[0].path, path);
    assert_eq!(
        o.requests[0].header("authorization"),
        Some("Bearer sk-test")
    );
    assert_eq!(o.requests[0].header("accept"), Some("application/json"));
    assert_eq!(o.attempts.len(), 1, "{:#?}", o.attempts);
}

/// The unary endpoint scenarios.
pub fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario::new(
            "compaction",
            Script::new().on(
                "POST",
                "/v1/responses/compact",
                ScriptedResponse::compaction(vec![
                    json!({"type": "message", "role": "user",
                           "content": [{"type": "input_text", "text": "summarise this"}]}),
                    json!({"type": "compaction", "encrypted_content": "opaque-blob"}),
                ]),
            ),
            CallSpec::Compact(Box::new(compaction_input()), ResponsesOptions::new()),
            |o| {
                assert_one_request(o, "POST", "/v1/responses/compact");
                let body = o.requests[0].json();
                assert_eq!(body["model"], "gpt-test");
                assert_eq!(body["instructions"], "be brief");
                assert_eq!(body["input"][0]["content"][0]["text"], "summarise this");
                let Outcome::Compacted(output) = &o.outcome else {
                    panic!("{:#?}", o.outcome)
                };
                assert_eq!(output.output.len(), 2);
                assert!(matches!(output.output[1], ResponseItem::Compaction(_)));
            },
        ),
        Scenario::new(
            "compaction_rejected",
            Script::new().then(
                ScriptedResponse::api_error(
                    400,
                    "Input is too long to compact",
                    "invalid_request_error",
                    Some("input"),
                    Some("context_length_exceeded"),
                )
                .request_id("req_compact"),
            ),
            CallSpec::Compact(Box::new(compaction_input()), ResponsesOptions::new()),
            |o| {
                assert_failed(o, "context_window_exceeded", Some(400));
                assert_requests(o, 1);
            },
        ),
        Scenario::new(
            "memories",
            Script::new().on(
                "POST",
                "/v1/memories/trace_summarize",
                ScriptedResponse::memories(&[("the trace", "the memory")]),
            ),
            CallSpec::Memories(Box::new(memories_input()), ResponsesOptions::new()),
            |o| {
                assert_one_request(o, "POST", "/v1/memories/trace_summarize");
                assert_eq!(o.requests[0].json()["traces"][0]["id"], "trace-1");
                let Outcome::Memories(output) = &o.outcome else {
                    panic!("{:#?}", o.outcome)
                };
                assert_eq!(output.output.len(), 1);
                assert_eq!(output.output[0].trace_summary, "the trace");
                assert_eq!(output.output[0].memory_summary, "the memory");
            },
        ),
        Scenario::new(
            "models_typed",
            Script::new().then(models()),
            CallSpec::Models(Some("0.99.0".into())),
            |o| {
                assert_one_request(o, "GET", "/v1/models?client_version=0.99.0");
                assert!(o.requests[0].body.is_empty());
                let Outcome::Models(response) = &o.outcome else {
                    panic!("{:#?}", o.outcome)
                };
                let slugs: Vec<_> = response.models.iter().map(|m| m.slug.as_str()).collect();
                assert_eq!(slugs, ["gpt-test", "gpt-mini"]);
                assert_eq!(response.models[0].context_window, Some(272000));
                assert!(response.models[1].extra.contains_key("shell_type"));
                assert_eq!(response.etag.as_deref(), Some("\"models-etag-1\""));
            },
        )
        // Every other builder setting too (connect and response timeouts, no idle timeout).
        .response_timeout(Duration::from_secs(10))
        .no_idle_timeout(),
        Scenario::new(
            "models_etag_header_wins_over_body",
            Script::new().then(
                ScriptedResponse::json(200, &json!({"models": [], "etag": "\"body\""}))
                    .header("ETag", "\"header\""),
            ),
            CallSpec::Models(None),
            |o| {
                let Outcome::Models(response) = &o.outcome else {
                    panic!("{:#?}", o.outcome)
                };
                assert_eq!(response.etag.as_deref(), Some("\"header\""));
            },
        ),
        Scenario::new(
            "models_etag",
            Script::new().then(models()),
            CallSpec::Unary(
                Endpoint::models(Some("0.99.0")),
                ResponsesOptions::new(),
                None,
            ),
            |o| {
                assert_one_request(o, "GET", "/v1/models?client_version=0.99.0");
                let Outcome::Unary {
                    status, headers, ..
                } = &o.outcome
                else {
                    panic!("{:#?}", o.outcome)
                };
                assert_eq!(*status, 200);
                let header = |name: &str| {
                    headers
                        .iter()
                        .find(|(n, _)| n == name)
                        .map(|(_, v)| v.as_str())
                };
                assert_eq!(header("etag"), Some("\"models-etag-1\""));
                assert_eq!(header("x-models-etag"), Some("models-etag-1"));
                assert_eq!(header("x-request-id"), Some("req_models"));
                let Outcome::Unary { body, .. } = &o.outcome else {
                    unreachable!()
                };
                let body: serde_json::Value = serde_json::from_slice(body).expect("JSON body");
                assert_eq!(body["models"][1]["slug"], "gpt-mini");
            },
        ),
        Scenario::new(
            "send_streaming_prepared_request",
            Script::new().then(ScriptedResponse::sse(
                Transcript::new()
                    .created()
                    .message(&["hand", "made"])
                    .completed(),
            )),
            CallSpec::SendStream(
                Endpoint::responses(),
                ResponsesOptions::new(),
                Some(br#"{"model":"gpt-test","input":[],"stream":true,"x_new":1}"#.to_vec()),
            ),
            |o| {
                // A streaming request prepared by hand yields the same events as `stream`, and
                // asks for them.
                assert_requests(o, 1);
                assert_eq!(o.requests[0].path, "/v1/responses");
                assert_eq!(o.requests[0].header("accept"), Some("text/event-stream"));
                assert!(o.completed(), "{:#?}", o.outcome);
                assert_eq!(o.text(), "handmade");
                assert_eq!(o.requests[0].json()["x_new"], 1);
            },
        ),
    ]
}
