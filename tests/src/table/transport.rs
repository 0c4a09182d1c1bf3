//! The connection misbehaves: closes mid-stream, breaks the chunked encoding, stalls (with and
//! without keep-alive comments), hangs up before answering.

use std::time::Duration;

use codex_api_core::error::ApiErrorKind;
use codex_api_testkit::{Body, Cut, Script, ScriptedResponse, Stall, Transcript};

use super::{assert_requests, request};
use crate::observation::{Observation, Phase};
use crate::scenario::{CallSpec, Scenario};

fn hello() -> Transcript {
    Transcript::new()
        .created()
        .message(&["Hello", ", ", "world"])
        .completed()
}

/// The frames of `hello()` up to and including the first delta (`Hello`, sequence 3), and the
/// frames after it.
fn split_after_first_delta() -> (Vec<u8>, Vec<u8>) {
    let frames = hello().frames();
    (frames[..4].concat(), frames[4..].concat())
}

fn stream(name: &'static str, script: Script, expect: fn(&Observation)) -> Scenario {
    Scenario::new(name, script, CallSpec::stream(request()), expect)
}

fn sse(body: Body) -> ScriptedResponse {
    ScriptedResponse::sse(body).request_id("req_cut")
}

fn assert_truncated(o: &Observation) {
    assert_eq!(o.text(), "Hello");
    let error = o.expect_error();
    assert_eq!(error.phase, Phase::Stream, "{error:#?}");
    assert_eq!(error.kind, "stream_truncated", "{error:#?}");
    assert_eq!(error.request_id.as_deref(), Some("req_cut"));
    let api = error.api.as_ref().unwrap();
    assert_eq!(
        api.error_kind(),
        &ApiErrorKind::StreamTruncated {
            last_sequence_number: Some(3)
        }
    );
    assert!(api.is_retryable(), "a truncated stream may be retried");
    // Every stack reports the early end as a failed read: the core names it the same way.
    let message = api.message().unwrap_or_default();
    assert!(message.contains("mid-stream (reset)"), "{message}");
    assert_requests(o, 1);
}

/// The transport scenarios.
pub fn scenarios() -> Vec<Scenario> {
    let (head, rest) = split_after_first_delta();
    // Half of the next frame (the `, ` delta): the stream breaks inside an event.
    let half = hello().frames()[4].len() / 2;
    vec![
        stream(
            "close_mid_stream",
            Script::new().then(sse(Body::chunked()
                .bytes(head.clone())
                .bytes(rest[..half].to_vec())
                .close())),
            assert_truncated,
        ),
        stream(
            "close_mid_content_length_body",
            Script::new().then(sse(Body::content_length()
                .bytes(head.clone())
                .bytes(rest.clone())
                .close_at((head.len() + half) as u64))),
            assert_truncated,
        ),
        stream(
            "truncated_chunk_encoding",
            Script::new().then(sse(Body::chunked()
                .bytes(head.clone())
                .bytes(rest[..half].to_vec())
                .cut(Cut::TruncatedChunk))),
            assert_truncated,
        ),
        stream(
            "stall_hits_idle_timeout",
            Script::new().then(sse(Body::chunked()
                .bytes(head.clone())
                .stall(Stall::until_shutdown()))),
            |o| {
                assert_eq!(o.text(), "Hello");
                let error = o.expect_error();
                assert_eq!(error.phase, Phase::Stream);
                assert_eq!(error.kind, "idle_timeout", "{error:#?}");
                assert_eq!(
                    error.api.as_ref().unwrap().error_kind(),
                    &ApiErrorKind::IdleTimeout {
                        after: Duration::from_millis(300)
                    }
                );
                assert_requests(o, 1);
            },
        )
        .idle_timeout(Duration::from_millis(300)),
        stream(
            "stall_hits_provider_idle_timeout",
            Script::new().then(sse(Body::chunked()
                .bytes(head.clone())
                .stall(Stall::until_shutdown()))),
            |o| {
                assert_eq!(o.text(), "Hello");
                assert_eq!(
                    o.expect_error().api.as_ref().unwrap().error_kind(),
                    &ApiErrorKind::IdleTimeout {
                        after: Duration::from_millis(250)
                    }
                );
            },
        )
        .provider(|provider| provider.with_stream_idle_timeout(Duration::from_millis(250)))
        // No builder override: the provider's setting must reach the stream.
        .provider_idle_timeout(),
        stream(
            "keep_alive_comments_outlast_idle_timeout",
            Script::new().then(sse(Body::chunked()
                .bytes(head.clone())
                .stall(
                    Stall::for_duration(Duration::from_millis(900))
                        .with_keep_alive(Duration::from_millis(100)),
                )
                .bytes(rest.clone()))),
            |o| {
                assert!(o.completed(), "{:#?}", o.outcome);
                assert_eq!(o.text(), "Hello, world");
                assert_requests(o, 1);
            },
        )
        .idle_timeout(Duration::from_millis(800)),
        stream(
            "hang_up_then_success",
            Script::new()
                .then(ScriptedResponse::hang_up())
                .then(ScriptedResponse::sse(hello())),
            |o| {
                assert!(o.completed(), "{:#?}", o.outcome);
                assert_eq!(o.text(), "Hello, world");
                assert_requests(o, 2);
                assert_eq!(
                    o.requests[0], o.requests[1],
                    "the retry is the same request"
                );
            },
        )
        .connections(&[0, 1]),
        stream(
            "hang_up_every_time",
            Script::new()
                .then(ScriptedResponse::hang_up())
                .then(ScriptedResponse::hang_up())
                .then(ScriptedResponse::hang_up()),
            |o| {
                let error = o.expect_error();
                assert_eq!(error.phase, Phase::Call);
                assert_eq!(error.kind, "transport", "{error:#?}");
                assert_requests(o, 3);
            },
        ),
    ]
}
