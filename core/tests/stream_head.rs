//! Scenario tests of `ResponseStream` heads: header events, content type, non-2xx.

mod stream_support;

use std::time::Instant;

use codex_api_core::stream::{ResponseEvent, ResponseStream, StreamConfig};
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

#[test]
fn streams_and_accumulators_can_move_between_threads() {
    fn send_and_sync<T: Send + Sync>() {}
    send_and_sync::<ResponseStream>();
    send_and_sync::<ResponseEvent>();
    send_and_sync::<codex_api_core::stream::StreamItem>();
    send_and_sync::<codex_api_core::accumulator::ResponseAccumulator>();
    send_and_sync::<codex_api_core::accumulator::Outcome>();
}
