//! `Call`: a 2xx on the streaming endpoint hands out the stream and ends the call.

mod call_support;

use call_support::{Scenario, head};
use codex_api_core::call::{Action, AttemptDecision, AttemptOutcome};
use codex_api_core::retry::TransportErrorKind;

#[test]
fn a_2xx_hands_out_the_stream_and_nothing_is_retried_afterwards() {
    let mut d = Scenario::stream().start();
    d.expect_send();
    d.call
        .handle_head(d.now, &head(200, &[("content-type", "text/event-stream")]));
    assert!(
        !d.call.wants_body(),
        "the body belongs to the stream, not the call"
    );
    let _stream = d.expect_stream();
    // Whatever happens to the connection now is the stream's business: the call is over.
    d.call
        .handle_transport_error(d.now, TransportErrorKind::Reset);
    d.call.handle_timeout(d.now);
    d.call.handle_body(d.now, b"data: x\n\n");
    assert!(matches!(d.poll(), Action::Finished));
    assert!(d.call.is_finished());
    assert_eq!(d.call.attempts(), 1);
    let records = d.telemetry();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].outcome, AttemptOutcome::Streamed);
    assert_eq!(records[0].decision, AttemptDecision::Finished);
    assert_eq!(records[0].status, Some(http::StatusCode::OK));
}

#[test]
fn a_stream_after_retries_is_handed_out_once() {
    let mut d = Scenario::stream().start();
    d.respond(502, &[], b"bad gateway");
    d.expect_wait();
    d.respond(200, &[], b"");
    d.expect_stream();
    for _ in 0..3 {
        assert!(matches!(d.poll(), Action::Finished));
    }
}

#[test]
fn the_streaming_request_asks_for_server_sent_events() {
    let mut d = Scenario::stream().start();
    let request = d.expect_send();
    assert_eq!(request.headers()["accept"], "text/event-stream");
    assert_eq!(request.headers()["content-type"], "application/json");
}

#[test]
fn the_handed_out_stream_has_its_head_and_decodes_the_body() {
    use codex_api_core::stream::ResponseEvent;

    let mut d = Scenario::stream().start();
    d.respond(503, &[], b"");
    d.expect_wait();
    d.expect_send();
    d.call.handle_head(
        d.now,
        &head(
            200,
            &[
                ("content-type", "text/event-stream"),
                ("x-request-id", "req_stream"),
                ("x-codex-turn-state", "ts-1"),
            ],
        ),
    );
    let mut stream = d.expect_stream();
    assert_eq!(stream.request_id(), Some("req_stream"));
    assert_eq!(stream.turn_state(), Some("ts-1"));
    stream.handle_body(
        d.now,
        b"data: {\"type\":\"response.completed\",\"response\":{\"id\":\"resp_1\"}}\n\n",
    );
    assert!(stream.is_finished());
    let events: Vec<_> = std::iter::from_fn(|| stream.poll_event()).collect();
    assert!(
        matches!(events.last(), Some(Ok(ResponseEvent::Completed { .. }))),
        "{events:?}"
    );
}

#[test]
fn the_stream_gets_the_provider_idle_timeout() {
    let mut d = Scenario::stream().start();
    d.respond(200, &[("content-type", "text/event-stream")], b"");
    let stream = d.expect_stream();
    assert_eq!(
        stream.config().idle_timeout,
        Some(codex_api_core::provider::DEFAULT_STREAM_IDLE_TIMEOUT)
    );
    // The idle deadline starts at the head.
    assert_eq!(
        stream.poll_timeout(),
        Some(d.now + codex_api_core::provider::DEFAULT_STREAM_IDLE_TIMEOUT)
    );
}

#[test]
fn calls_and_actions_can_cross_threads() {
    fn assert_send<T: Send>() {}
    assert_send::<codex_api_core::call::Call>();
    assert_send::<Action>();
    assert_send::<codex_api_core::call::CallError>();
}

#[test]
fn the_providers_max_event_size_reaches_the_stream() {
    use codex_api_core::call::{CallConfig, ResponseMode};
    use codex_api_core::provider::Provider;
    use codex_api_core::request::{Endpoint, ResponsesOptions};

    let provider = Provider::openai().with_max_event_size(4096);
    let config = CallConfig::new(
        Endpoint::responses(),
        ResponseMode::Stream,
        provider,
        ResponsesOptions::new(),
        None,
    );
    assert_eq!(config.stream.max_event_size, 4096);
    let default = CallConfig::new(
        Endpoint::responses(),
        ResponseMode::Stream,
        Provider::openai(),
        ResponsesOptions::new(),
        None,
    );
    assert_eq!(
        default.stream.max_event_size,
        codex_api_core::sse::DEFAULT_MAX_EVENT_SIZE
    );
}
