//! Scenario tests of `ResponseStream` event handling: unknown, malformed, oversized, mapped.

mod stream_support;

use std::sync::Arc;

use std::time::Instant;

use codex_api_core::stream::{ResponseEvent, StreamConfig, StreamItem};
use codex_api_core::wire::StreamEvent;
use stream_support::*;

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
            call_id: Some(Arc::from("call_A")),
            delta: "{\"cmd\"".into()
        }
    );
    assert_eq!(
        events[3],
        ResponseEvent::ToolCallInputDelta {
            item_id: "ct_1".into(),
            call_id: Some(Arc::from("call_B")),
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
fn a_new_sequenced_event_type_is_not_a_sequence_gap() {
    use codex_api_core::stream::{ResponseStream, StreamConfig};
    let now = std::time::Instant::now();
    let mut stream = ResponseStream::new(StreamConfig::default());
    let mut head = http::Response::new(()).into_parts().0;
    head.headers
        .insert("content-type", "text/event-stream".parse().unwrap());
    stream.handle_head(now, &head);
    stream.handle_body(
        now,
        concat!(
            "data: {\"type\":\"response.output_text.delta\",\"item_id\":\"m\",\"output_index\":0,\"content_index\":0,\"delta\":\"a\",\"sequence_number\":1}\n\n",
            "data: {\"type\":\"response.brand_new.thing\",\"sequence_number\":2}\n\n",
            "data: {\"type\":\"response.output_text.delta\",\"item_id\":\"m\",\"output_index\":0,\"content_index\":0,\"delta\":\"b\",\"sequence_number\":3}\n\n",
        )
        .as_bytes(),
    );
    while stream.poll_event().is_some() {}
    assert_eq!(stream.sequence_gaps(), 0);
    assert_eq!(stream.last_sequence_number(), Some(3));
}
