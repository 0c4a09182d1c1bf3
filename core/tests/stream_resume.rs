//! Resuming a cut stream of a background response: the stream decides, a second `Call`
//! carries the resume, events continue with no duplicate and no gap.

mod stream_support;

use std::time::{Duration, Instant, SystemTime};

use codex_api_core::call::{Action, Call, CallConfig};
use codex_api_core::credentials::Credentials;
use codex_api_core::error::ApiErrorKind;
use codex_api_core::provider::Provider;
use codex_api_core::request::{PreparedRequest, ResponsesOptions};
use codex_api_core::retry::{RetryPolicy, SplitMix64};
use codex_api_core::stream::{ResponseEvent, ResponseStream, ResumeSettings, StreamConfig};
use codex_api_core::unauthorized::{AuthRecovery, RecoveryMode};
use codex_api_core::wire::ResponsesApiRequest;
use stream_support::{completed, created, frame, head_with, ok_head, text_delta};

fn resumable(max: u32) -> ResponseStream {
    let mut stream = ResponseStream::new(StreamConfig::default());
    stream.enable_resume(ResumeSettings::new(RetryPolicy::default(), 7).max_resumes(max));
    stream
}

fn drain(stream: &mut ResponseStream) -> Vec<Result<ResponseEvent, ApiErrorKind>> {
    let mut out = Vec::new();
    while let Some(event) = stream.poll_event() {
        out.push(event.map_err(|error| error.error_kind().clone()));
    }
    out
}

fn deltas(events: &[Result<ResponseEvent, ApiErrorKind>]) -> String {
    events
        .iter()
        .filter_map(|event| match event {
            Ok(ResponseEvent::OutputTextDelta { delta, .. }) => Some(delta.as_str()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_cut_after_the_id_is_known_interrupts_and_the_resume_continues_without_duplicates() {
    let now = Instant::now();
    let mut stream = resumable(3);
    stream.handle_head(now, &ok_head());
    stream.handle_body(
        now,
        format!(
            "{}{}{}",
            created("resp_1", 0),
            text_delta("a", 1),
            text_delta("b", 2)
        )
        .as_bytes(),
    );
    stream.handle_eof(now);
    assert!(stream.is_interrupted());
    assert!(!stream.is_finished());
    let before = drain(&mut stream);
    assert_eq!(deltas(&before), "ab");
    assert!(
        before.iter().all(Result::is_ok),
        "no error while interrupted"
    );

    let resume = stream.poll_resume().expect("a resume");
    assert!(stream.poll_resume().is_none(), "handed out once");
    assert_eq!(resume.response_id, "resp_1");
    assert_eq!(resume.starting_after, Some(2));
    assert_eq!(resume.resume, 1);
    assert_eq!(resume.cause.kind(), "stream_truncated");
    let (low, high) = RetryPolicy::default().backoff_bounds(0);
    assert!(resume.delay >= low && resume.delay <= high);
    let prepared = resume.prepare().unwrap();
    assert!(prepared.is_streaming());
    assert_eq!(prepared.endpoint().path(), "responses/resp_1");
    assert_eq!(
        prepared.endpoint().query().encode(),
        "stream=true&starting_after=2"
    );

    // The server starts one below: event 2 is a duplicate and is dropped.
    stream.handle_head(now, &ok_head());
    stream.handle_body(
        now,
        format!(
            "{}{}{}",
            text_delta("b", 2),
            text_delta("c", 3),
            completed("resp_1", 4)
        )
        .as_bytes(),
    );
    let after = drain(&mut stream);
    assert_eq!(deltas(&after), "c");
    assert!(matches!(
        after.last(),
        Some(Ok(ResponseEvent::Completed { .. }))
    ));
    assert!(stream.is_finished());
    assert_eq!(stream.stats().resume_duplicates, 1);
    assert_eq!(stream.stats().resumes, 1);
    assert_eq!(stream.stats().sequence_gaps, 0);
    assert_eq!(stream.response().map(|r| r.id.as_str()), Some("resp_1"));
}

#[test]
fn a_resume_that_starts_above_the_next_number_is_a_sequence_gap() {
    let now = Instant::now();
    let mut stream = resumable(3);
    stream.handle_head(now, &ok_head());
    stream.handle_body(
        now,
        format!("{}{}", created("r", 0), text_delta("a", 1)).as_bytes(),
    );
    stream.handle_eof(now);
    let _ = drain(&mut stream);
    stream.poll_resume().unwrap();
    stream.handle_head(now, &ok_head());
    stream.handle_body(now, text_delta("d", 4).as_bytes());
    let events = drain(&mut stream);
    assert_eq!(
        events,
        vec![Err(ApiErrorKind::SequenceGap {
            expected: 2,
            received: 4
        })]
    );
    assert!(stream.is_finished());
}

#[test]
fn the_resume_budget_is_spent_then_the_cut_is_the_error() {
    let now = Instant::now();
    let mut stream = resumable(1);
    stream.handle_head(now, &ok_head());
    stream.handle_body(now, created("r", 0).as_bytes());
    stream.handle_eof(now);
    let _ = drain(&mut stream);
    assert_eq!(stream.poll_resume().unwrap().resume, 1);
    stream.handle_head(now, &ok_head());
    stream.handle_body(now, text_delta("x", 1).as_bytes());
    stream.handle_transport_error(now, codex_api_core::retry::TransportErrorKind::Reset);
    let events = drain(&mut stream);
    assert_eq!(deltas(&events), "x");
    assert_eq!(
        events.last(),
        Some(&Err(ApiErrorKind::StreamTruncated {
            last_sequence_number: Some(1)
        }))
    );
    assert!(stream.is_finished());
    assert!(stream.poll_resume().is_none());
}

#[test]
fn a_cut_before_the_id_is_known_is_not_resumable() {
    let now = Instant::now();
    let mut stream = resumable(3);
    stream.handle_head(now, &ok_head());
    stream.handle_body(now, text_delta("a", 0).as_bytes());
    stream.handle_eof(now);
    assert!(stream.is_finished());
    assert!(matches!(
        drain(&mut stream).last(),
        Some(Err(ApiErrorKind::StreamTruncated { .. }))
    ));
}

#[test]
fn an_idle_timeout_interrupts_too() {
    let now = Instant::now();
    let mut stream = resumable(3);
    stream.handle_head(now, &ok_head());
    stream.handle_body(now, created("r", 0).as_bytes());
    let deadline = stream.poll_timeout().unwrap();
    stream.handle_timeout(deadline + Duration::from_millis(1));
    assert!(stream.is_interrupted());
    assert_eq!(stream.poll_timeout(), None, "no timer while interrupted");
    let resume = stream.poll_resume().unwrap();
    assert_eq!(resume.cause.kind(), "idle_timeout");
}

#[test]
fn a_failed_resume_ends_the_stream_with_its_error_or_the_cut() {
    let now = Instant::now();
    for (given, expected) in [
        (
            Some(codex_api_core::error::ApiError::from_http(
                http::StatusCode::NOT_FOUND,
                &http::HeaderMap::new(),
                br#"{"error":{"message":"gone","type":"invalid_request_error"}}"#,
                None,
            )),
            "not_found",
        ),
        (None, "stream_truncated"),
    ] {
        let mut stream = resumable(3);
        stream.handle_head(now, &ok_head());
        stream.handle_body(now, created("r", 0).as_bytes());
        stream.handle_eof(now);
        stream.poll_resume().unwrap();
        stream.handle_resume_failed(given);
        let events = drain(&mut stream);
        assert_eq!(
            events.last().unwrap().as_ref().unwrap_err().as_str(),
            expected
        );
        assert!(stream.is_finished());
    }
}

#[test]
fn a_cancelled_response_ends_the_stream_as_cancelled() {
    let now = Instant::now();
    for terminal in [
        frame(
            "response.cancelled",
            r#"{"type":"response.cancelled","response":{"id":"r","status":"cancelled"},"sequence_number":2}"#,
        ),
        frame(
            "response.failed",
            r#"{"type":"response.failed","response":{"id":"r","status":"cancelled"},"sequence_number":2}"#,
        ),
    ] {
        let mut stream = resumable(3);
        stream.handle_head(now, &ok_head());
        stream.handle_body(
            now,
            format!("{}{}", created("r", 0), text_delta("a", 1)).as_bytes(),
        );
        stream.handle_eof(now);
        stream.poll_resume().unwrap();
        stream.handle_head(now, &ok_head());
        stream.handle_body(now, terminal.as_bytes());
        let events = drain(&mut stream);
        assert_eq!(events.last(), Some(&Err(ApiErrorKind::ResponseCancelled)));
        assert!(stream.is_finished());
    }
}

#[test]
fn a_resumed_head_of_the_wrong_type_is_a_protocol_error() {
    let now = Instant::now();
    let mut stream = resumable(3);
    stream.handle_head(now, &ok_head());
    stream.handle_body(now, created("r", 0).as_bytes());
    stream.handle_eof(now);
    stream.poll_resume().unwrap();
    stream.handle_head(now, &head_with(200, Some("application/json"), &[]));
    assert_eq!(
        drain(&mut stream).last(),
        Some(&Err(ApiErrorKind::Protocol))
    );
}

#[test]
fn a_background_call_hands_out_a_resumable_stream_and_a_resume_call_continues_it() {
    let provider = Provider::openai();
    let mut request = ResponsesApiRequest::new("gpt-test");
    request.background = Some(true);
    let prepared = PreparedRequest::responses(&provider, request).unwrap();
    assert!(prepared.is_background());
    let config = CallConfig::for_request(prepared, provider.clone(), ResponsesOptions::new());
    assert!(config.resume.is_some());
    let now = Instant::now();
    let call = |config: CallConfig| {
        Call::new(
            config,
            Credentials::api_key("sk-test"),
            AuthRecovery::new(RecoveryMode::None, "api_key"),
            SplitMix64::new(1),
            now,
            SystemTime::now(),
        )
    };
    let mut first = call(config);
    assert!(matches!(first.poll_action(now), Action::Send(_)));
    first.handle_head(now, &ok_head());
    let Action::Stream(mut stream) = first.poll_action(now) else {
        panic!("expected the stream");
    };
    stream.handle_body(
        now,
        format!("{}{}", created("resp_9", 0), text_delta("a", 1)).as_bytes(),
    );
    stream.handle_eof(now);
    let resume = stream.poll_resume().unwrap();

    // The resume is a call of its own: a 503 is retried, then the 2xx head joins the stream.
    let config =
        CallConfig::for_request(resume.prepare().unwrap(), provider, ResponsesOptions::new());
    // A retrieve stream is resumable too; as a resume call it hands out the head, not a stream.
    assert!(config.resume.is_some());
    let mut second = call(config).resuming(&resume);
    let Action::Send(sent) = second.poll_action(now) else {
        panic!("expected a send");
    };
    assert_eq!(sent.method(), http::Method::GET);
    assert_eq!(
        sent.uri(),
        "https://api.openai.com/v1/responses/resp_9?stream=true&starting_after=1"
    );
    assert_eq!(sent.headers()["accept"], "text/event-stream");
    second.handle_head(now, &head_with(503, None, &[]));
    second.handle_body_end(now);
    let mut clock = now;
    loop {
        match second.poll_action(clock) {
            Action::Wait(until) => clock = until,
            Action::Send(_) => break,
            other => panic!("unexpected {other:?}"),
        }
    }
    second.handle_head(clock, &ok_head());
    let Action::Resume(head) = second.poll_action(clock) else {
        panic!("expected the resumed head");
    };
    stream.handle_head(clock, &head);
    let records: Vec<_> = std::iter::from_fn(|| second.poll_telemetry()).collect();
    assert_eq!(records.len(), 2);
    assert!(records.iter().all(|record| record.resume == Some(1)));
    stream.handle_body(
        clock,
        format!("{}{}", text_delta("b", 2), completed("resp_9", 3)).as_bytes(),
    );
    let events = drain(&mut stream);
    assert_eq!(deltas(&events), "ab");
    assert!(matches!(
        events.last(),
        Some(Ok(ResponseEvent::Completed { .. }))
    ));
}

#[test]
fn a_non_background_stream_is_not_resumable() {
    let provider = Provider::openai();
    let prepared =
        PreparedRequest::responses(&provider, ResponsesApiRequest::new("gpt-test")).unwrap();
    assert!(!prepared.is_background());
    let config = CallConfig::for_request(prepared, provider, ResponsesOptions::new());
    assert!(config.resume.is_none());
}
