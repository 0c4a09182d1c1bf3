//! Successful streams: content kinds, line endings, BOM, invalid UTF-8, 1-byte drip, head facts.

use std::time::Duration;

use codex_api_core::request::ResponsesOptions;
use codex_api_core::stream::ResponseEvent;
use codex_api_core::wire::ResponseItem;
use codex_api_testkit::{
    Body, FunctionCall, LineEnding, RateLimitWindow, Script, ScriptedResponse, Transcript, Usage,
};

use super::{assert_requests, request};
use crate::observation::{Observation, SERVER_HOST};
use crate::scenario::{CallSpec, Scenario};

fn hello() -> Transcript {
    Transcript::new()
        .created()
        .message(&["Hello", ", ", "world"])
        .completed_with_usage(Usage::new(12, 3))
}

fn sse(body: impl Into<Body>) -> Script {
    Script::new().on(
        "POST",
        "/v1/responses",
        ScriptedResponse::sse(body).request_id("req_stream"),
    )
}

fn stream(name: &'static str, script: Script, expect: fn(&Observation)) -> Scenario {
    Scenario::new(name, script, CallSpec::stream(request()), expect)
}

fn expect_hello(observation: &Observation) {
    assert!(observation.completed(), "{:#?}", observation.outcome);
    assert_eq!(observation.text(), "Hello, world");
    assert_requests(observation, 1);
    let sent = &observation.requests[0];
    assert_eq!(sent.method, "POST");
    assert_eq!(sent.path, "/v1/responses");
    assert_eq!(sent.header("authorization"), Some("Bearer sk-test"));
    assert_eq!(sent.header("host"), Some(SERVER_HOST));
    assert_eq!(sent.header("accept"), Some("text/event-stream"));
    assert_eq!(sent.header("content-type"), Some("application/json"));
    assert_eq!(sent.json()["stream"], true);
    assert_eq!(sent.json()["model"], "gpt-test");
    assert_eq!(sent.json()["input"][0]["content"][0]["text"], "hi");
    let facts = observation.stream.as_ref().expect("stream facts");
    assert_eq!(facts.request_id.as_deref(), Some("req_stream"));
}

/// The streamed scenarios.
pub fn scenarios() -> Vec<Scenario> {
    vec![
        stream("plain_text", sse(hello()), |o| {
            expect_hello(o);
            let Some(ResponseEvent::Completed {
                response_id,
                token_usage,
                ..
            }) = o.events.last()
            else {
                panic!("no completion: {:#?}", o.events)
            };
            assert_eq!(response_id, "resp_test");
            let usage = token_usage.as_ref().expect("usage");
            assert_eq!(usage.input_tokens, 12);
            assert_eq!(usage.output_tokens, 3);
        }),
        stream(
            "reasoning_summaries",
            sse(Transcript::new()
                .created()
                .reasoning(&[&["Thinking", " hard"], &["Then", " answering"]])
                .message(&["42"])
                .completed()),
            |o| {
                assert!(o.completed());
                let summary: Vec<(u32, &str)> = o
                    .events
                    .iter()
                    .filter_map(|event| match event {
                        ResponseEvent::ReasoningSummaryDelta {
                            delta,
                            summary_index,
                        } => Some((*summary_index, delta.as_str())),
                        _ => None,
                    })
                    .collect();
                assert_eq!(
                    summary,
                    [
                        (0, "Thinking"),
                        (0, " hard"),
                        (1, "Then"),
                        (1, " answering")
                    ]
                );
                let parts = o
                    .events
                    .iter()
                    .filter(|e| matches!(e, ResponseEvent::ReasoningSummaryPartAdded { .. }))
                    .count();
                assert_eq!(parts, 2);
                assert_eq!(o.text(), "42");
            },
        ),
        stream(
            "parallel_function_calls",
            sse(Transcript::new()
                .created()
                .parallel_function_calls(&[
                    FunctionCall::new("get_weather", "call_a", &["{\"city\":", "\"Paris\"}"]),
                    FunctionCall::new("get_time", "call_b", &["{\"tz\":", "\"UTC\"}"]),
                ])
                .completed()),
            |o| {
                assert!(o.completed());
                let mut by_call: Vec<(String, String)> = Vec::new();
                for event in &o.events {
                    if let ResponseEvent::ToolCallInputDelta { call_id, delta, .. } = event {
                        let call = call_id.as_deref().expect("call id known").to_owned();
                        match by_call.iter_mut().find(|(c, _)| *c == call) {
                            Some((_, args)) => args.push_str(delta),
                            None => by_call.push((call, delta.clone())),
                        }
                    }
                }
                by_call.sort();
                let expected = [
                    ("call_a".to_owned(), "{\"city\":\"Paris\"}".to_owned()),
                    ("call_b".to_owned(), "{\"tz\":\"UTC\"}".to_owned()),
                ];
                assert_eq!(by_call, expected);
                let mut done: Vec<(String, String, String)> = o
                    .events
                    .iter()
                    .filter_map(|event| match event {
                        ResponseEvent::OutputItemDone(ResponseItem::FunctionCall(call)) => Some((
                            call.call_id.clone(),
                            call.arguments.clone(),
                            call.name.clone(),
                        )),
                        _ => None,
                    })
                    .collect();
                done.sort();
                assert_eq!(
                    done,
                    [
                        (
                            expected[0].0.clone(),
                            expected[0].1.clone(),
                            "get_weather".into()
                        ),
                        (
                            expected[1].0.clone(),
                            expected[1].1.clone(),
                            "get_time".into()
                        ),
                    ]
                );
            },
        ),
        stream(
            "custom_tool_input",
            sse(Transcript::new()
                .created()
                .custom_tool_call(
                    "apply_patch",
                    "call_p",
                    &["*** Begin Patch\n", "*** End Patch"],
                )
                .completed()),
            |o| {
                assert!(o.completed());
                let input: String = o
                    .events
                    .iter()
                    .filter_map(|event| match event {
                        ResponseEvent::ToolCallInputDelta { call_id, delta, .. } => {
                            assert_eq!(call_id.as_deref(), Some("call_p"));
                            Some(delta.as_str())
                        }
                        _ => None,
                    })
                    .collect();
                assert_eq!(input, "*** Begin Patch\n*** End Patch");
            },
        ),
        stream(
            "crlf_line_endings",
            sse(hello().line_ending(LineEnding::CrLf)),
            expect_hello,
        ),
        stream(
            "cr_only_line_endings",
            sse(hello().line_ending(LineEnding::Cr)),
            expect_hello,
        ),
        stream("leading_bom", sse(hello().with_bom()), expect_hello),
        stream("invalid_utf8", sse(invalid_utf8()), |o| {
            assert!(o.completed(), "{:#?}", o.outcome);
            assert_eq!(o.text(), "caf\u{FFFD} au lait");
        }),
        stream(
            "one_byte_drip",
            sse(Body::chunked().drip(hello().to_bytes(), Duration::ZERO)),
            expect_hello,
        ),
        stream(
            "split_everywhere_odd_chunks",
            sse(Body::chunked()
                .bytes(hello().with_bom().line_ending(LineEnding::CrLf).to_bytes())
                .chunk_size(7)),
            expect_hello,
        ),
        stream("head_facts_and_rate_limits", head_facts(), |o| {
            assert!(o.completed());
            assert_eq!(
                o.events.first(),
                Some(&ResponseEvent::ServerModel("gpt-test-2025".into())),
                "the head's model comes first: {:#?}",
                o.events
            );
            assert!(
                o.events
                    .contains(&ResponseEvent::ModelsEtag("models-v7".into()))
            );
            let snapshots = o
                .events
                .iter()
                .filter(|e| matches!(e, ResponseEvent::RateLimits(_)))
                .count();
            assert_eq!(
                snapshots, 2,
                "one from the head, one in-stream: {:#?}",
                o.events
            );
        }),
        Scenario::new(
            "request_options_headers",
            sse(hello()),
            CallSpec::Stream(
                Box::new(request()),
                ResponsesOptions::new()
                    .with_session_id("session-1")
                    .with_thread_id("thread-1")
                    .with_subagent("review")
                    .with_turn_state("turn-state-1")
                    .with_header("x-extra", "extra-value"),
            ),
            |o| {
                expect_hello(o);
                let sent = &o.requests[0];
                assert_eq!(sent.header("session-id"), Some("session-1"));
                assert_eq!(sent.header("thread-id"), Some("thread-1"));
                assert_eq!(sent.header("x-openai-subagent"), Some("review"));
                assert_eq!(sent.header("x-codex-turn-state"), Some("turn-state-1"));
                assert_eq!(sent.header("x-extra"), Some("extra-value"));
            },
        ),
    ]
}

/// A message whose `é` bytes are replaced by an invalid byte, in the deltas and the done item.
fn invalid_utf8() -> Body {
    let bytes = Transcript::new()
        .created()
        .message(&["café", " au lait"])
        .completed()
        .to_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index..].starts_with("é".as_bytes()) {
            out.push(0xFF);
            index += 2;
        } else {
            out.push(bytes[index]);
            index += 1;
        }
    }
    Body::chunked().bytes(out)
}

fn head_facts() -> Script {
    let transcript = Transcript::new()
        .created()
        .rate_limits(Some(RateLimitWindow::new(40.0, 300, 1_700_003_600)), None)
        .message(&["ok"])
        .completed();
    Script::new().then(
        ScriptedResponse::sse(transcript)
            .request_id("req_head")
            .openai_model("gpt-test-2025")
            .models_etag("models-v7")
            .header("x-reasoning-included", "true")
            .codex_rate_limit_headers(
                RateLimitWindow::new(12.5, 300, 1_700_000_300),
                Some(RateLimitWindow::new(3.0, 10080, 1_700_600_000)),
            ),
    )
}
