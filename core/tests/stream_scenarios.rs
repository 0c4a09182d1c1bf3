//! Scenario tests of `ResponseStream` with simulated time: heads, terminal events, EOF.

mod stream_support;

use std::time::Instant;

use codex_api_core::error::{ApiErrorKind, ErrorOrigin};
use codex_api_core::stream::{MetaEvent, ResponseEvent, ResponseStream, StreamConfig, StreamItem};
use codex_api_core::wire::StreamEvent;
use stream_support::*;

#[test]
fn header_events_come_first_in_order_and_facts_are_captured() {
    let now = Instant::now();
    let head = head_with(
        200,
        Some("text/event-stream"),
        &[
            ("x-reasoning-included", "true"),
            ("x-models-etag", "\"etag-7\""),
            ("x-codex-primary-used-percent", "12.5"),
            ("x-codex-primary-window-minutes", "300"),
            ("openai-model", "gpt-5-codex"),
            ("x-request-id", "req_abc"),
            ("x-codex-turn-state", "ts-1"),
        ],
    );
    let mut stream = ResponseStream::new(StreamConfig::default());
    stream.handle_head(now, &head);
    stream.handle_body(now, created("resp_1", 0).as_bytes());

    let (events, error) = split(drain(&mut stream));
    assert!(error.is_none());
    assert_eq!(events.len(), 5, "{events:?}");
    assert_eq!(events[0], ResponseEvent::ServerModel("gpt-5-codex".into()));
    let ResponseEvent::RateLimits(snapshot) = &events[1] else {
        panic!("expected rate limits, got {:?}", events[1]);
    };
    assert_eq!(snapshot.limit_id, "codex");
    assert_eq!(snapshot.primary.as_ref().unwrap().used_percent, 12.5);
    assert_eq!(events[2], ResponseEvent::ModelsEtag("\"etag-7\"".into()));
    assert_eq!(events[3], ResponseEvent::ServerReasoningIncluded(true));
    assert_eq!(events[4], ResponseEvent::Created);

    assert_eq!(stream.request_id(), Some("req_abc"));
    assert_eq!(stream.turn_state(), Some("ts-1"));
    assert_eq!(stream.server_model(), Some("gpt-5-codex"));
    assert!(!stream.is_finished());
}

#[test]
fn a_bare_head_yields_no_header_events_and_falls_back_to_the_oai_request_id() {
    let now = Instant::now();
    let mut stream = ResponseStream::new(StreamConfig::default());
    stream.handle_head(
        now,
        &head_with(
            200,
            Some("text/event-stream"),
            &[("x-oai-request-id", "oai_1")],
        ),
    );
    assert!(drain(&mut stream).is_empty());
    assert_eq!(stream.request_id(), Some("oai_1"));
    assert_eq!(stream.turn_state(), None);
}

#[test]
fn content_type_parameters_and_case_are_accepted() {
    let now = Instant::now();
    for content_type in [
        "text/event-stream; charset=utf-8",
        "TEXT/Event-Stream;charset=UTF-8",
    ] {
        let mut stream = ResponseStream::new(StreamConfig::default());
        stream.handle_head(now, &head_with(200, Some(content_type), &[]));
        assert!(!stream.is_finished(), "{content_type}");
        assert!(drain(&mut stream).is_empty());
    }
}

#[test]
fn a_2xx_with_another_content_type_is_a_protocol_error_naming_it() {
    let now = Instant::now();
    let mut stream = ResponseStream::new(StreamConfig::default());
    stream.handle_head(
        now,
        &head_with(
            200,
            Some("application/json"),
            &[("openai-model", "gpt-5"), ("x-request-id", "req_1")],
        ),
    );
    assert!(stream.is_finished());
    assert_eq!(stream.poll_timeout(), None);
    // Body bytes after the failure are ignored.
    stream.handle_body(now, completed("resp_1", 1).as_bytes());
    let (events, error) = split(drain(&mut stream));
    assert_eq!(events, [ResponseEvent::ServerModel("gpt-5".into())]);
    let error = error.expect("protocol error");
    assert_eq!(error.kind(), "protocol");
    assert!(!error.is_retryable());
    assert!(
        error.message().unwrap().contains("application/json"),
        "{error}"
    );
    assert_eq!(error.request_id(), Some("req_1"));
    assert!(stream.poll_event().is_none());
}

#[test]
fn a_missing_content_type_is_a_protocol_error() {
    let mut stream = ResponseStream::new(StreamConfig::default());
    stream.handle_head(Instant::now(), &head_with(200, None, &[]));
    let (_, error) = split(drain(&mut stream));
    assert_eq!(error.unwrap().kind(), "protocol");
}

#[test]
fn a_non_2xx_head_is_mapped_like_an_http_error() {
    let mut stream = ResponseStream::new(StreamConfig::default());
    stream.handle_head(
        Instant::now(),
        &head_with(429, Some("application/json"), &[("x-request-id", "req_9")]),
    );
    let (events, error) = split(drain(&mut stream));
    assert!(events.is_empty());
    let error = error.unwrap();
    assert_eq!(error.kind(), "rate_limited");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(429));
    assert_eq!(error.request_id(), Some("req_9"));
    assert!(stream.is_finished());
}

#[test]
fn body_before_head_is_a_protocol_error() {
    let mut stream = ResponseStream::new(StreamConfig::default());
    stream.handle_body(Instant::now(), text_delta("x", 0).as_bytes());
    let (_, error) = split(drain(&mut stream));
    assert_eq!(error.unwrap().kind(), "protocol");
}

/// Each terminal event, and what it must become.
fn terminal_cases() -> Vec<(&'static str, String, Option<&'static str>)> {
    vec![
        ("completed", completed("resp_1", 2), None),
        (
            "failed",
            failed("server_error", "boom", 2),
            Some("server_error"),
        ),
        (
            "incomplete",
            incomplete("max_output_tokens", 2),
            Some("response_incomplete"),
        ),
        (
            "error flat",
            frame(
                "error",
                r#"{"type":"error","code":"context_length_exceeded","message":"too long","param":null,"sequence_number":2}"#,
            ),
            Some("context_window_exceeded"),
        ),
        (
            "error nested",
            frame(
                "error",
                r#"{"type":"error","error":{"type":"invalid_request_error","code":"context_length_exceeded","message":"too long"},"sequence_number":2}"#,
            ),
            Some("context_window_exceeded"),
        ),
    ]
}

#[test]
fn every_terminal_event_ends_the_stream_at_once_and_later_bytes_are_ignored() {
    for (name, terminal, expected_error) in terminal_cases() {
        let now = Instant::now();
        let mut stream = started(StreamConfig::default(), now);
        // The terminal event shares its chunk with a later event, and more arrives afterwards.
        let chunk = format!(
            "{}{}{}{}",
            created("resp_1", 0),
            text_delta("a", 1),
            terminal,
            text_delta("after", 3)
        );
        stream.handle_body(now, chunk.as_bytes());
        assert!(stream.is_finished(), "{name}");
        assert_eq!(stream.poll_timeout(), None, "{name}");
        stream.handle_body(now, text_delta("later", 4).as_bytes());
        stream.handle_body(now, completed("resp_2", 5).as_bytes());
        stream.handle_eof(now);
        stream.handle_timeout(t(now, 100_000));

        let (events, error) = split(drain(&mut stream));
        assert_eq!(events[0], ResponseEvent::Created, "{name}");
        assert!(
            matches!(&events[1], ResponseEvent::OutputTextDelta { delta, .. } if delta == "a"),
            "{name}: {events:?}"
        );
        match expected_error {
            None => {
                assert_eq!(events.len(), 3, "{name}: {events:?}");
                assert!(
                    matches!(&events[2], ResponseEvent::Completed { response_id, .. } if response_id == "resp_1"),
                    "{name}"
                );
                assert!(error.is_none(), "{name}");
            }
            Some(kind) => {
                assert_eq!(events.len(), 2, "{name}: {events:?}");
                assert_eq!(error.expect(name).kind(), kind, "{name}");
            }
        }
        assert!(stream.poll_event().is_none(), "{name}");
        assert_eq!(stream.last_sequence_number(), Some(2), "{name}");
        assert_eq!(
            stream.stats().events,
            3,
            "{name}: later events are not interpreted"
        );
    }
}

#[test]
fn completed_carries_usage_and_end_turn() {
    let now = Instant::now();
    let mut stream = started(StreamConfig::default(), now);
    stream.handle_body(
        now,
        data_frame(r#"{"type":"response.completed","response":{"id":"resp_1","end_turn":false,"usage":{"input_tokens":3,"output_tokens":4,"total_tokens":7}}}"#)
            .as_bytes(),
    );
    let (events, error) = split(drain(&mut stream));
    assert!(error.is_none());
    let [
        ResponseEvent::Completed {
            response_id,
            token_usage: Some(usage),
            end_turn,
        },
    ] = events.as_slice()
    else {
        panic!("{events:?}");
    };
    assert_eq!(response_id, "resp_1");
    assert_eq!((usage.input_tokens, usage.total_tokens), (3, 7));
    assert_eq!(usage.cached_tokens(), 0);
    assert_eq!(*end_turn, Some(false));
    assert_eq!(stream.end_turn(), Some(false));
}

#[test]
fn response_failed_is_delivered_while_the_connection_stays_open() {
    let now = Instant::now();
    let mut stream = started(StreamConfig::default(), now);
    stream.handle_body(
        now,
        failed(
            "rate_limit_exceeded",
            "Rate limit reached. Please try again in 1.5s.",
            0,
        )
        .as_bytes(),
    );
    // No EOF, no timeout: the failure is final already.
    assert!(stream.is_finished());
    let (events, error) = split(drain(&mut stream));
    assert!(events.is_empty());
    let error = error.unwrap();
    assert_eq!(error.kind(), "rate_limited");
    assert_eq!(error.origin(), ErrorOrigin::ResponseFailed);
    assert!(error.is_retryable());
    assert_eq!(
        error.retry_after(),
        Some(std::time::Duration::from_millis(1500))
    );
}

#[test]
fn response_failed_keeps_usage_limit_details() {
    let now = Instant::now();
    let mut stream = started(StreamConfig::default(), now);
    stream.handle_body(
        now,
        data_frame(r#"{"type":"response.failed","response":{"id":"r","status":"failed","error":{"code":"usage_limit_reached","message":"limit","plan_type":"plus","resets_at":1700000000}}}"#)
            .as_bytes(),
    );
    let (_, error) = split(drain(&mut stream));
    let error = error.unwrap();
    assert_eq!(error.kind(), "usage_limit_reached");
    let limit = error.usage_limit().unwrap();
    assert_eq!(limit.plan_type.as_deref(), Some("plus"));
    assert_eq!(limit.resets_at, Some(1_700_000_000));
}

#[test]
fn error_event_flat_and_nested_map_alike() {
    let flat = frame(
        "error",
        r#"{"type":"error","code":"rate_limit_exceeded","message":"Please try again in 20ms","param":null}"#,
    );
    let nested = frame(
        "error",
        r#"{"type":"error","error":{"type":"rate_limit_error","code":"rate_limit_exceeded","message":"Please try again in 20ms"}}"#,
    );
    for body in [flat, nested] {
        let now = Instant::now();
        let mut stream = started(StreamConfig::default(), now);
        stream.handle_body(now, body.as_bytes());
        let (_, error) = split(drain(&mut stream));
        let error = error.unwrap();
        assert_eq!(error.kind(), "rate_limited");
        assert_eq!(error.origin(), ErrorOrigin::ErrorEvent);
        assert_eq!(error.code(), Some("rate_limit_exceeded"));
        assert_eq!(error.message(), Some("Please try again in 20ms"));
        assert_eq!(
            error.retry_after(),
            Some(std::time::Duration::from_millis(20))
        );
    }
}

#[test]
fn exact_done_sentinel_ends_the_stream_cleanly() {
    let now = Instant::now();
    let mut stream = started(StreamConfig::default(), now);
    let body = format!(
        "{}data: [DONE]\n\n{}",
        text_delta("hi", 0),
        text_delta("x", 1)
    );
    stream.handle_body(now, body.as_bytes());
    assert!(stream.is_finished());
    assert!(stream.done_sentinel_seen());
    stream.handle_eof(now);
    let (events, error) = split(drain(&mut stream));
    assert_eq!(events.len(), 1);
    assert!(error.is_none(), "a clean end is not an error");

    // The raw view shows the sentinel.
    let mut stream = started(StreamConfig::default(), now);
    stream.handle_body(now, b"data: [DONE]\n\n");
    let items = drain_items(&mut stream);
    assert_eq!(items, [Ok(StreamItem::Done)]);
}

#[test]
fn data_merely_starting_with_done_is_not_a_sentinel() {
    for body in [
        "data: [DONE]x\n\n",
        "data: [DONE] \n\n",
        "data: [DONE]\ndata: [DONE]\n\n",
        "data:  [DONE]\n\n",
    ] {
        let data = body;
        let now = Instant::now();
        let mut stream = started(StreamConfig::default(), now);
        stream.handle_body(now, body.as_bytes());
        assert!(!stream.is_finished(), "{data:?}");
        assert!(!stream.done_sentinel_seen());
        assert_eq!(stream.stats().malformed_events, 1);
        stream.handle_eof(now);
        let (_, error) = split(drain(&mut stream));
        assert_eq!(error.unwrap().kind(), "stream_truncated", "{data:?}");
    }
}

#[test]
fn eof_before_a_terminal_event_is_a_retryable_truncation_with_the_last_sequence_number() {
    let now = Instant::now();
    let mut stream = started(StreamConfig::default(), now);
    let body = format!(
        "{}{}{}",
        created("resp_1", 1),
        text_delta("a", 2),
        text_delta("b", 3)
    );
    // The last event lacks its blank line: it is discarded at EOF.
    stream.handle_body(now, body.as_bytes());
    stream.handle_body(
        now,
        b"data: {\"type\":\"response.completed\",\"response\":{\"id\":\"r\"}}\n",
    );
    stream.handle_eof(now);
    assert!(stream.is_finished());
    let (events, error) = split(drain(&mut stream));
    assert_eq!(
        events.len(),
        3,
        "every event before the failure is delivered"
    );
    let error = error.unwrap();
    assert_eq!(error.kind(), "stream_truncated");
    assert!(error.is_retryable());
    assert_eq!(
        error.error_kind(),
        &ApiErrorKind::StreamTruncated {
            last_sequence_number: Some(3)
        }
    );
    // A second EOF changes nothing.
    stream.handle_eof(now);
    assert!(stream.poll_event().is_none());
}

#[test]
fn unknown_events_are_skipped_at_the_codex_level_kept_raw_and_counted() {
    let now = Instant::now();
    let body = format!(
        "{}{}{}{}",
        frame(
            "response.future_thing",
            r#"{"type":"response.future_thing","x":[1,2]}"#
        ),
        text_delta("a", 1),
        frame(
            "response.future_thing",
            r#"{"type":"response.future_thing","x":3}"#
        ),
        completed("r", 2)
    );
    let mut stream = started(StreamConfig::default(), now);
    stream.handle_body(now, body.as_bytes());
    let (events, error) = split(drain(&mut stream));
    assert!(error.is_none());
    assert_eq!(events.len(), 2);
    assert_eq!(stream.stats().unknown_events, 2);

    let mut stream = started(StreamConfig::default(), now);
    stream.handle_body(now, body.as_bytes());
    let items: Vec<StreamItem> = drain_items(&mut stream)
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(items.len(), 4);
    let StreamItem::Event(StreamEvent::Other { kind, raw }) = &items[0] else {
        panic!("{:?}", items[0]);
    };
    assert_eq!(kind, "response.future_thing");
    assert_eq!(raw.get(), r#"{"type":"response.future_thing","x":[1,2]}"#);
}

#[test]
fn unknown_fields_and_obfuscation_are_tolerated() {
    let now = Instant::now();
    let mut stream = started(StreamConfig::default(), now);
    stream.handle_body(
        now,
        data_frame(r#"{"type":"response.output_text.delta","item_id":"m","output_index":0,"content_index":0,"delta":"hi","obfuscation":"Zx9","logprobs":[],"brand_new":{"a":1},"sequence_number":7}"#)
            .as_bytes(),
    );
    let (events, _) = split(drain(&mut stream));
    assert_eq!(
        events,
        [ResponseEvent::OutputTextDelta {
            delta: "hi".into(),
            item_id: "m".into(),
            output_index: 0,
            content_index: 0
        }]
    );
    assert_eq!(stream.stats().malformed_events, 0);
}

#[test]
fn a_malformed_non_terminal_event_is_skipped_and_counted() {
    let now = Instant::now();
    let mut stream = started(StreamConfig::default(), now);
    let body = format!(
        "{}{}{}{}",
        frame("response.output_text.delta", "{not json"),
        data_frame(r#"{"type":"response.output_text.delta","delta":5}"#),
        text_delta("ok", 1),
        completed("r", 2)
    );
    stream.handle_body(now, body.as_bytes());
    let (events, error) = split(drain(&mut stream));
    assert!(error.is_none());
    assert_eq!(events.len(), 2);
    assert_eq!(stream.stats().malformed_events, 2);
}

#[test]
fn a_malformed_terminal_event_is_a_protocol_error() {
    let cases = [
        frame("response.completed", "{not json"),
        data_frame(r#"{"type":"response.completed","response":5}"#),
        data_frame(r#"{"type":"response.failed"}"#),
        frame("error", "[1,2]"),
    ];
    for case in cases {
        let now = Instant::now();
        let mut stream = started(StreamConfig::default(), now);
        stream.handle_body(now, format!("{}{case}", text_delta("a", 0)).as_bytes());
        assert!(stream.is_finished(), "{case}");
        let (events, error) = split(drain(&mut stream));
        assert_eq!(events.len(), 1, "{case}");
        let error = error.unwrap();
        assert_eq!(error.kind(), "protocol", "{case}");
        assert!(!error.is_retryable());
    }
}

#[test]
fn sequence_gaps_are_counted_not_fatal() {
    let now = Instant::now();
    let mut stream = started(StreamConfig::default(), now);
    let body = format!(
        "{}{}{}{}{}",
        created("r", 0),
        text_delta("a", 1),
        text_delta("b", 4),
        text_delta("c", 5),
        text_delta("d", 5)
    );
    stream.handle_body(now, body.as_bytes());
    assert_eq!(stream.sequence_gaps(), 2);
    assert_eq!(stream.last_sequence_number(), Some(5));
    assert!(!stream.is_finished());
    assert_eq!(split(drain(&mut stream)).0.len(), 5);
}

#[test]
fn an_oversized_event_is_fatal_after_the_events_before_it() {
    let now = Instant::now();
    let config = StreamConfig::default().with_max_event_size(256);
    let mut stream = started(config, now);
    let big = "x".repeat(1000);
    let body = format!(
        "{}{}{}",
        text_delta("a", 0),
        text_delta(&big, 1),
        completed("r", 2)
    );
    for chunk in body.as_bytes().chunks(64) {
        stream.handle_body(now, chunk);
    }
    let (events, error) = split(drain(&mut stream));
    assert_eq!(events.len(), 1);
    let error = error.unwrap();
    assert_eq!(error.kind(), "protocol");
    assert!(error.message().unwrap().contains("256"), "{error}");
    assert_eq!(stream.stats().oversized_events, 1);
}

#[test]
fn in_stream_rate_limits_become_a_rate_limits_event() {
    let now = Instant::now();
    let mut stream = started(StreamConfig::default(), now);
    stream.handle_body(
        now,
        frame(
            "codex.rate_limits",
            r#"{"type":"codex.rate_limits","plan_type":"pro","rate_limits":{"primary":{"used_percent":40.0,"window_minutes":300,"reset_at":1700000000}}}"#,
        )
        .as_bytes(),
    );
    let (events, _) = split(drain(&mut stream));
    let [ResponseEvent::RateLimits(snapshot)] = events.as_slice() else {
        panic!("{events:?}");
    };
    assert_eq!(snapshot.plan_type.as_deref(), Some("pro"));
    assert_eq!(snapshot.primary.as_ref().unwrap().used_percent, 40.0);
    assert_eq!(stream.stats().unknown_events, 0);
}

#[test]
fn tool_call_input_deltas_carry_the_call_id_from_the_added_item() {
    let now = Instant::now();
    let mut stream = started(StreamConfig::default(), now);
    let body = [
        data_frame(r#"{"type":"response.output_item.added","output_index":0,"item":{"type":"function_call","id":"fc_1","call_id":"call_A","name":"shell","arguments":""}}"#),
        data_frame(r#"{"type":"response.output_item.added","output_index":1,"item":{"type":"custom_tool_call","id":"ct_1","call_id":"call_B","name":"apply_patch","input":""}}"#),
        data_frame(r#"{"type":"response.function_call_arguments.delta","item_id":"fc_1","output_index":0,"delta":"{\"cmd\""}"#),
        data_frame(r#"{"type":"response.custom_tool_call_input.delta","item_id":"ct_1","output_index":1,"delta":"*** Begin"}"#),
        data_frame(r#"{"type":"response.function_call_arguments.delta","item_id":"fc_unknown","output_index":2,"delta":"{}"}"#),
    ]
    .concat();
    stream.handle_body(now, body.as_bytes());
    let (events, _) = split(drain(&mut stream));
    assert_eq!(events.len(), 5);
    assert!(
        matches!(&events[0], ResponseEvent::OutputItemAdded(item) if item.id() == Some("fc_1"))
    );
    assert_eq!(
        events[2],
        ResponseEvent::ToolCallInputDelta {
            item_id: "fc_1".into(),
            call_id: Some("call_A".into()),
            delta: "{\"cmd\"".into()
        }
    );
    assert_eq!(
        events[3],
        ResponseEvent::ToolCallInputDelta {
            item_id: "ct_1".into(),
            call_id: Some("call_B".into()),
            delta: "*** Begin".into()
        }
    );
    assert!(matches!(
        &events[4],
        ResponseEvent::ToolCallInputDelta { call_id: None, .. }
    ));
}

#[test]
fn reasoning_events_map_to_codex_events() {
    let now = Instant::now();
    let mut stream = started(StreamConfig::default(), now);
    let body = [
        data_frame(r#"{"type":"response.reasoning_summary_part.added","item_id":"rs","output_index":0,"summary_index":1,"part":{"type":"summary_text","text":""}}"#),
        data_frame(r#"{"type":"response.reasoning_summary_text.delta","item_id":"rs","output_index":0,"summary_index":1,"delta":"Think"}"#),
        data_frame(r#"{"type":"response.reasoning_text.delta","item_id":"rs","output_index":0,"content_index":2,"delta":"raw"}"#),
        data_frame(r#"{"type":"response.in_progress","response":{"id":"r"}}"#),
    ]
    .concat();
    stream.handle_body(now, body.as_bytes());
    let (events, _) = split(drain(&mut stream));
    assert_eq!(
        events,
        [
            ResponseEvent::ReasoningSummaryPartAdded { summary_index: 1 },
            ResponseEvent::ReasoningSummaryDelta {
                delta: "Think".into(),
                summary_index: 1
            },
            ResponseEvent::ReasoningContentDelta {
                delta: "raw".into(),
                content_index: 2
            },
        ]
    );
}

#[test]
fn the_raw_view_delivers_the_failed_event_before_its_error() {
    let now = Instant::now();
    let mut stream = ResponseStream::new(StreamConfig::default());
    stream.handle_head(
        now,
        &head_with(200, Some("text/event-stream"), &[("openai-model", "m")]),
    );
    stream.handle_body(
        now,
        format!("{}{}", created("r", 0), failed("server_error", "x", 1)).as_bytes(),
    );
    let items = drain_items(&mut stream);
    assert_eq!(items.len(), 4, "{items:?}");
    assert_eq!(
        items[0],
        Ok(StreamItem::Meta(MetaEvent::ServerModel("m".into())))
    );
    assert!(matches!(
        &items[1],
        Ok(StreamItem::Event(StreamEvent::Created(_)))
    ));
    assert!(matches!(
        &items[2],
        Ok(StreamItem::Event(StreamEvent::Failed(_)))
    ));
    assert_eq!(items[3].as_ref().unwrap_err().kind(), "server_error");
    assert!(stream.poll_stream_event().is_none());
}
