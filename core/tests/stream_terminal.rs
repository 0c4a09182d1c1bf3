//! Scenario tests of how a `ResponseStream` ends: terminal events, `[DONE]`, EOF.

mod stream_support;

use std::time::Instant;

use codex_api_core::error::{ApiErrorKind, ErrorOrigin};
use codex_api_core::stream::{MetaEvent, ResponseEvent, ResponseStream, StreamConfig, StreamItem};
use codex_api_core::wire::StreamEvent;
use stream_support::*;

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

#[test]
fn in_stream_errors_carry_the_head_request_id_and_limit_family() {
    let now = Instant::now();
    let mut stream = ResponseStream::new(StreamConfig::default());
    stream.handle_head(
        now,
        &head_with(
            200,
            Some("text/event-stream"),
            &[
                ("x-request-id", "req_7"),
                ("cf-ray", "ray_7"),
                ("x-codex-active-limit", "codex_other"),
                ("set-cookie", "session=do-not-keep"),
            ],
        ),
    );
    stream.handle_body(
        now,
        data_frame(r#"{"type":"error","error":{"type":"usage_limit_reached","message":"limit","plan_type":"pro","resets_in_seconds":60}}"#)
            .as_bytes(),
    );
    assert!(!format!("{stream:?}").contains("do-not-keep"));
    let (_, error) = split(drain(&mut stream));
    let error = error.unwrap();
    assert_eq!(error.kind(), "usage_limit_reached");
    assert_eq!(error.request_id(), Some("req_7"));
    assert_eq!(error.cf_ray(), Some("ray_7"));
    let limit = error.usage_limit().unwrap();
    assert_eq!(limit.plan_type.as_deref(), Some("pro"));
    assert!(limit.limit_family.is_some());
    assert_eq!(limit.resets_in, Some(std::time::Duration::from_secs(60)));
}

#[test]
fn a_transport_error_mid_stream_is_a_truncation_after_the_events_before_it() {
    use codex_api_core::retry::TransportErrorKind;
    use codex_api_core::stream::{ResponseEvent, ResponseStream, StreamConfig};

    let now = std::time::Instant::now();
    let mut stream = ResponseStream::new(StreamConfig::default());
    let mut head = http::Response::new(()).into_parts().0;
    head.headers
        .insert("content-type", "text/event-stream".parse().unwrap());
    stream.handle_head(now, &head);
    stream.handle_body(
        now,
        br#"data: {"type":"response.output_text.delta","item_id":"m","output_index":0,"content_index":0,"delta":"hi","sequence_number":4}

"#,
    );
    stream.handle_transport_error(now, TransportErrorKind::Reset);
    let first = stream.poll_event().unwrap().unwrap();
    assert!(
        matches!(&first, ResponseEvent::OutputTextDelta { delta, .. } if delta.as_str() == "hi"),
        "{first:?}"
    );
    let error = stream.poll_event().unwrap().unwrap_err();
    assert_eq!(error.kind(), "stream_truncated");
    assert!(error.is_retryable());
    let message = error.message().unwrap();
    assert!(message.contains("reset"), "{message}");
    assert!(message.contains("last sequence number 4"), "{message}");
    assert!(stream.poll_event().is_none());
    assert!(stream.is_finished());
    // Further input after the end changes nothing.
    stream.handle_transport_error(now, TransportErrorKind::Reset);
    stream.handle_eof(now);
    assert!(stream.poll_event().is_none());
}
