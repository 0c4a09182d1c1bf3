//! Accumulator scenarios: calls, texts, summaries, ids, usage, outcomes and the JSON shape.

mod stream_support;

use codex_api_core::accumulator::{
    CustomToolCallOutcome, ErrorClass, ErrorSource, FunctionCallOutcome, OutcomeKind, OutcomeUsage,
    ResponseAccumulator, replay, replay_with,
};
use codex_api_core::error::ApiError;
use codex_api_core::stream::StreamConfig;
use codex_api_core::wire::{ResponseItem, StreamEvent};
use stream_support::*;

fn body(frames: &[&str]) -> Vec<u8> {
    frames
        .iter()
        .map(|data| data_frame(data))
        .collect::<String>()
        .into_bytes()
}

const COMPLETED: &str =
    r#"{"type":"response.completed","response":{"id":"resp_1","status":"completed"}}"#;

#[test]
fn parallel_function_calls_are_kept_apart_and_in_output_order() {
    let body = body(&[
        r#"{"type":"response.output_item.added","output_index":2,"item":{"type":"function_call","id":"fc_2","call_id":"call_2","name":"read","arguments":""}}"#,
        r#"{"type":"response.output_item.added","output_index":1,"item":{"type":"function_call","id":"fc_1","call_id":"call_1","name":"shell","arguments":""}}"#,
        r#"{"type":"response.function_call_arguments.delta","item_id":"fc_1","output_index":1,"delta":"{\"cmd\":"}"#,
        r#"{"type":"response.function_call_arguments.delta","item_id":"fc_2","output_index":2,"delta":"{\"path\":"}"#,
        r#"{"type":"response.function_call_arguments.delta","item_id":"fc_1","output_index":1,"delta":"\"ls\"}"}"#,
        r#"{"type":"response.function_call_arguments.delta","item_id":"fc_2","output_index":2,"delta":"\"a\"}"}"#,
        // The `.done` value replaces what the deltas built.
        r#"{"type":"response.function_call_arguments.done","item_id":"fc_2","output_index":2,"arguments":"{\"path\":\"b\"}"}"#,
        COMPLETED,
    ]);
    let outcome = replay(&body, Some(5));
    assert_eq!(outcome.kind, OutcomeKind::Completed);
    assert_eq!(
        outcome.function_calls,
        [
            FunctionCallOutcome {
                item_id: "fc_1".into(),
                call_id: "call_1".into(),
                name: "shell".into(),
                arguments: r#"{"cmd":"ls"}"#.into(),
                output_index: 1,
            },
            FunctionCallOutcome {
                item_id: "fc_2".into(),
                call_id: "call_2".into(),
                name: "read".into(),
                arguments: r#"{"path":"b"}"#.into(),
                output_index: 2,
            },
        ]
    );
    assert!(outcome.custom_tool_calls.is_empty());
}

#[test]
fn custom_tool_input_is_built_from_deltas_and_replaced_by_done() {
    let frames = [
        r#"{"type":"response.output_item.added","output_index":0,"item":{"type":"custom_tool_call","id":"ct_1","call_id":"call_P","name":"apply_patch","input":""}}"#,
        r#"{"type":"response.custom_tool_call_input.delta","item_id":"ct_1","output_index":0,"delta":"*** Begin Patch\n"}"#,
        r#"{"type":"response.custom_tool_call_input.delta","item_id":"ct_1","output_index":0,"delta":"*** End Patch"}"#,
    ];
    let mut accumulator = ResponseAccumulator::new();
    for data in frames {
        accumulator.handle_event(&StreamEvent::parse(None, data).unwrap());
    }
    let expected = CustomToolCallOutcome {
        item_id: "ct_1".into(),
        call_id: "call_P".into(),
        name: "apply_patch".into(),
        input: "*** Begin Patch\n*** End Patch".into(),
        output_index: 0,
    };
    assert_eq!(
        accumulator.custom_tool_calls(),
        std::slice::from_ref(&expected)
    );
    // The built-up item stands in for the missing `output_item.done`.
    let items = accumulator.output_items();
    let [ResponseItem::CustomToolCall(call)] = items.as_slice() else {
        panic!("{items:?}");
    };
    assert_eq!(call.input, expected.input);

    accumulator.handle_event(
        &StreamEvent::parse(
            None,
            r#"{"type":"response.custom_tool_call_input.done","item_id":"ct_1","output_index":0,"input":"final"}"#,
        )
        .unwrap(),
    );
    assert_eq!(accumulator.custom_tool_calls()[0].input, "final");
}

#[test]
fn output_item_done_wins_over_deltas_for_items_and_calls() {
    let body = body(&[
        r#"{"type":"response.output_item.added","output_index":0,"item":{"type":"function_call","id":"fc_1","call_id":"call_1","name":"shell","arguments":""}}"#,
        r#"{"type":"response.function_call_arguments.delta","item_id":"fc_1","output_index":0,"delta":"{\"partial"}"#,
        r#"{"type":"response.output_item.done","output_index":0,"item":{"type":"function_call","id":"fc_1","call_id":"call_1","name":"shell","arguments":"{\"cmd\":\"pwd\"}","status":"completed"}}"#,
        COMPLETED,
    ]);
    let outcome = replay(&body, None);
    assert_eq!(outcome.function_calls[0].arguments, r#"{"cmd":"pwd"}"#);
}

#[test]
fn reasoning_summaries_are_kept_per_part_in_order() {
    let body = body(&[
        r#"{"type":"response.reasoning_summary_part.added","item_id":"rs","output_index":0,"summary_index":0,"part":{"type":"summary_text","text":""}}"#,
        r#"{"type":"response.reasoning_summary_text.delta","item_id":"rs","output_index":0,"summary_index":0,"delta":"First "}"#,
        r#"{"type":"response.reasoning_summary_part.added","item_id":"rs","output_index":0,"summary_index":1,"part":{"type":"summary_text","text":""}}"#,
        r#"{"type":"response.reasoning_summary_text.delta","item_id":"rs","output_index":0,"summary_index":1,"delta":"Second"}"#,
        r#"{"type":"response.reasoning_summary_text.delta","item_id":"rs","output_index":0,"summary_index":0,"delta":"part"}"#,
        r#"{"type":"response.reasoning_summary_text.done","item_id":"rs","output_index":0,"summary_index":1,"text":"Second part"}"#,
        COMPLETED,
    ]);
    let outcome = replay(&body, Some(3));
    assert_eq!(outcome.reasoning_summaries, ["First part", "Second part"]);
}

#[test]
fn output_and_refusal_text_are_joined_in_index_order() {
    let body = body(&[
        r#"{"type":"response.output_text.delta","item_id":"m2","output_index":1,"content_index":0,"delta":" world"}"#,
        r#"{"type":"response.output_text.delta","item_id":"m1","output_index":0,"content_index":1,"delta":"lo,"}"#,
        r#"{"type":"response.output_text.delta","item_id":"m1","output_index":0,"content_index":0,"delta":"Hel"}"#,
        r#"{"type":"response.refusal.delta","item_id":"m3","output_index":2,"content_index":0,"delta":"I can't"}"#,
        r#"{"type":"response.refusal.delta","item_id":"m3","output_index":2,"content_index":0,"delta":" help"}"#,
        COMPLETED,
    ]);
    let outcome = replay(&body, None);
    assert_eq!(outcome.output_text, "Hello, world");
    assert_eq!(outcome.refusal_text, "I can't help");

    let body_done = [body.clone(), body_done_refusal()].concat();
    // Bytes after response.completed are ignored: the refusal stays as the deltas built it.
    assert_eq!(replay(&body_done, None).refusal_text, "I can't help");
}

fn body_done_refusal() -> Vec<u8> {
    body(&[
        r#"{"type":"response.refusal.done","item_id":"m3","output_index":2,"content_index":0,"refusal":"No."}"#,
    ])
}

#[test]
fn refusal_done_replaces_the_deltas() {
    let body = body(&[
        r#"{"type":"response.refusal.delta","item_id":"m","output_index":0,"content_index":0,"delta":"I ca"}"#,
        r#"{"type":"response.refusal.done","item_id":"m","output_index":0,"content_index":0,"refusal":"I cannot."}"#,
        COMPLETED,
    ]);
    assert_eq!(replay(&body, None).refusal_text, "I cannot.");
}

#[test]
fn a_changed_response_id_and_status_are_the_last_seen() {
    let body = body(&[
        r#"{"type":"response.created","response":{"id":"resp_A","status":"queued"}}"#,
        r#"{"type":"response.in_progress","response":{"id":"resp_B","status":"in_progress"}}"#,
        r#"{"type":"response.completed","response":{"id":"resp_C","status":"completed"}}"#,
    ]);
    let outcome = replay(&body, None);
    assert_eq!(outcome.response_id.as_deref(), Some("resp_C"));
    assert_eq!(outcome.status.as_deref(), Some("completed"));
}

#[test]
fn usage_without_details_counts_them_as_zero() {
    let body = body(&[
        r#"{"type":"response.completed","response":{"id":"r","usage":{"input_tokens":11,"output_tokens":7,"total_tokens":18}}}"#,
    ]);
    assert_eq!(
        replay(&body, None).usage,
        Some(OutcomeUsage {
            input_tokens: 11,
            cached_tokens: 0,
            output_tokens: 7,
            reasoning_tokens: 0,
            total_tokens: 18,
        })
    );
    let with_details = replay(&completed("r", 1).into_bytes(), None).usage.unwrap();
    assert_eq!(
        (with_details.cached_tokens, with_details.reasoning_tokens),
        (4, 2)
    );
}

#[test]
fn a_completed_only_stream_is_read_from_the_final_output() {
    let body = body(&[
        r#"{"type":"response.completed","response":{"id":"r","status":"completed","output":[{"type":"message","id":"m","role":"assistant","content":[{"type":"output_text","text":"Done."}]},{"type":"function_call","id":"fc","call_id":"c","name":"f","arguments":"{}"}]}}"#,
    ]);
    let outcome = replay(&body, None);
    assert_eq!(outcome.output_text, "Done.");
    assert_eq!(outcome.function_calls.len(), 1);
    assert_eq!(outcome.function_calls[0].output_index, 1);
}

#[test]
fn failed_outcome_carries_the_classified_error() {
    let outcome = replay(
        failed(
            "context_length_exceeded",
            "Your input exceeds the context window",
            4,
        )
        .as_bytes(),
        None,
    );
    assert_eq!(outcome.kind, OutcomeKind::Failed);
    assert_eq!(outcome.terminal_event.as_deref(), Some("response.failed"));
    assert_eq!(outcome.status.as_deref(), Some("failed"));
    let error = outcome.error.unwrap();
    assert_eq!(error.source, ErrorSource::ResponseFailed);
    assert_eq!(error.code.as_deref(), Some("context_length_exceeded"));
    assert_eq!(error.class, ErrorClass::ContextWindowExceeded);
    assert!(!error.retryable);
    assert_eq!(error.retry_after_ms, None);
}

#[test]
fn error_event_outcome_is_a_stream_error() {
    let outcome = replay(
        frame(
            "error",
            r#"{"type":"error","code":"rate_limit_exceeded","message":"Please try again in 1.5s","param":null,"sequence_number":3}"#,
        )
        .as_bytes(),
        None,
    );
    assert_eq!(outcome.kind, OutcomeKind::StreamError);
    assert_eq!(outcome.terminal_event.as_deref(), Some("error"));
    assert_eq!(outcome.last_sequence_number, Some(3));
    let error = outcome.error.unwrap();
    assert_eq!(error.source, ErrorSource::ErrorEvent);
    assert_eq!(error.class, ErrorClass::RateLimited);
    assert!(error.retryable);
    assert_eq!(error.retry_after_ms, Some(1500));
}

#[test]
fn truncation_is_an_unexpected_eof() {
    let body = format!("{}{}", created("r", 0), text_delta("partial", 1));
    let outcome = replay(body.as_bytes(), Some(4));
    assert_eq!(outcome.kind, OutcomeKind::UnexpectedEof);
    assert_eq!(outcome.terminal_event, None);
    assert_eq!(outcome.output_text, "partial");
    let error = outcome.error.unwrap();
    assert_eq!(error.source, ErrorSource::Transport);
    assert_eq!(error.code.as_deref(), Some("stream_truncated"));
    assert_eq!(error.class, ErrorClass::StreamTruncated);
    assert!(error.retryable);
}

#[test]
fn incomplete_outcome_has_a_reason_and_no_error() {
    let outcome = replay(incomplete("max_output_tokens", 2).as_bytes(), None);
    assert_eq!(outcome.kind, OutcomeKind::Incomplete);
    assert_eq!(
        outcome.incomplete_reason.as_deref(),
        Some("max_output_tokens")
    );
    assert_eq!(outcome.status.as_deref(), Some("incomplete"));
    assert_eq!(outcome.error, None);
}

#[test]
fn done_sentinel_and_unknown_types_are_recorded() {
    let body = [
        frame("response.b", r#"{"type":"response.b"}"#),
        frame("response.a", r#"{"type":"response.a"}"#),
        frame("response.b", r#"{"type":"response.b"}"#),
        frame("codex.rate_limits", r#"{"type":"codex.rate_limits"}"#),
        "data: [DONE]\n\n".to_owned(),
    ]
    .concat();
    let outcome = replay(body.as_bytes(), None);
    assert_eq!(outcome.unknown_event_types, ["response.b", "response.a"]);
    assert!(outcome.done_sentinel_seen);
    assert_eq!(outcome.kind, OutcomeKind::UnexpectedEof);
    assert_eq!(outcome.error, None);
}

#[test]
fn protocol_failures_are_stream_errors_from_the_transport() {
    let (outcome, stream) = replay_with(
        format!(
            "{}{}",
            text_delta("a", 0),
            frame("response.completed", "{oops")
        )
        .as_bytes(),
        None,
        StreamConfig::default(),
    );
    assert_eq!(outcome.kind, OutcomeKind::StreamError);
    let error = outcome.error.unwrap();
    assert_eq!(error.source, ErrorSource::Transport);
    assert_eq!(error.code.as_deref(), Some("protocol"));
    assert_eq!(error.class, ErrorClass::Other);
    assert_eq!(stream.stats().events, 2);
}

#[test]
fn error_classes_cover_the_coarse_kinds() {
    assert_eq!(
        ErrorClass::of(&ApiError::idle_timeout(std::time::Duration::from_secs(1))),
        ErrorClass::StreamTruncated
    );
    let server = ApiError::from_http(
        http::StatusCode::BAD_GATEWAY,
        &http::HeaderMap::new(),
        b"",
        None,
    );
    assert_eq!(ErrorClass::of(&server), ErrorClass::ServerError);
    let invalid = ApiError::from_http(
        http::StatusCode::BAD_REQUEST,
        &http::HeaderMap::new(),
        br#"{"error":{"message":"bad","type":"invalid_request_error"}}"#,
        None,
    );
    assert_eq!(ErrorClass::of(&invalid), ErrorClass::InvalidRequest);
    let quota = ApiError::from_stream_failure(
        codex_api_core::error::StreamFailureSource::ResponseFailed,
        Some("insufficient_quota"),
        None,
        None,
        None,
    );
    assert_eq!(ErrorClass::of(&quota), ErrorClass::QuotaExceeded);
}

#[test]
fn the_outcome_serializes_to_the_replay_json_shape() {
    let body = [
        created("resp_1", 0),
        text_delta("Hi", 1),
        data_frame(r#"{"type":"response.output_item.added","output_index":1,"item":{"type":"function_call","id":"fc","call_id":"c1","name":"f","arguments":""}}"#),
        data_frame(r#"{"type":"response.function_call_arguments.delta","item_id":"fc","output_index":1,"delta":"{}","sequence_number":2}"#),
        completed("resp_1", 3),
    ]
    .concat();
    let outcome = replay(body.as_bytes(), None);
    let text = serde_json::to_string(&outcome).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    // Field order is part of the contract: find each top-level key in the text.
    let positions: Vec<usize> = [
        "kind",
        "terminal_event",
        "response_id",
        "status",
        "usage",
        "output_text",
        "refusal_text",
        "reasoning_summaries",
        "function_calls",
        "custom_tool_calls",
        "error",
        "incomplete_reason",
        "unknown_event_types",
        "done_sentinel_seen",
        "last_sequence_number",
    ]
    .iter()
    .map(|key| text.find(&format!("\"{key}\":")).expect(key))
    .collect();
    assert!(positions.windows(2).all(|pair| pair[0] < pair[1]), "{text}");
    assert_eq!(json.as_object().unwrap().len(), positions.len());
    assert_eq!(
        json,
        serde_json::json!({
            "kind": "completed",
            "terminal_event": "response.completed",
            "response_id": "resp_1",
            "status": "completed",
            "usage": {"input_tokens": 10, "cached_tokens": 4, "output_tokens": 5, "reasoning_tokens": 2, "total_tokens": 15},
            "output_text": "Hi",
            "refusal_text": "",
            "reasoning_summaries": [],
            "function_calls": [{"item_id": "fc", "call_id": "c1", "name": "f", "arguments": "{}", "output_index": 1}],
            "custom_tool_calls": [],
            "error": null,
            "incomplete_reason": null,
            "unknown_event_types": [],
            "done_sentinel_seen": false,
            "last_sequence_number": 3
        })
    );

    let failed =
        serde_json::to_value(replay(failed("server_error", "x", 0).as_bytes(), None)).unwrap();
    assert_eq!(
        failed["error"],
        serde_json::json!({
            "source": "response.failed",
            "code": "server_error",
            "message": "x",
            "class": "server_error",
            "retryable": true,
            "retry_after_ms": null
        })
    );
    assert_eq!(failed["kind"], "failed");
    let eof = serde_json::to_value(replay(b"", None)).unwrap();
    assert_eq!(eof["kind"], "unexpected_eof");
    assert_eq!(eof["error"]["source"], "transport");
    assert_eq!(eof["usage"], serde_json::Value::Null);
}

#[test]
fn an_incomplete_error_alone_still_gives_the_incomplete_outcome() {
    let mut accumulator = ResponseAccumulator::new();
    accumulator.handle_error(&ApiError::response_incomplete(Some("content_filter")));
    let outcome = accumulator.outcome();
    assert_eq!(outcome.kind, OutcomeKind::Incomplete);
    assert_eq!(outcome.incomplete_reason.as_deref(), Some("content_filter"));
    assert_eq!(outcome.error, None);
}
