//! The reliability issue's fault-injection list, one scenario per fault: a refused connection
//! under a larger retry budget, resets at body offset 0 and inside the terminal event, broken
//! chunked encodings, a stall inside an event, a slow drip, a 200 MB event and a 100 MB error
//! body against their caps, an absurd `retry-after`, endless 500s and 401s, invalid UTF-8 and
//! NUL bytes in every field of an event.
//!
//! Beside them, a 50 MB stream that must go through in flat memory. The drip, the two huge
//! bodies and the 50 MB stream are also measured by their tests (CPU time, peak memory): see
//! `tests/scenarios.rs`.

use std::time::Duration;

use codex_api_core::error::ApiErrorKind;
use codex_api_core::provider::Provider;
use codex_api_core::retry::RetryPolicy;
use codex_api_core::stream::ResponseEvent;
use codex_api_core::unauthorized::{RecoveryMode, RecoveryStep};
use codex_api_testkit::{Body, Cut, Script, ScriptedResponse, Stall, Transcript};
use serde_json::json;

use super::{assert_failed, assert_requests, has_created, request};
use crate::observation::{Observation, Phase};
use crate::scenario::{AuthSpec, CallSpec, Scenario, fast_policy};

/// Bytes the slow drip sends one at a time (the rest of the transcript is sent at once).
pub const DRIP_BYTES: usize = 150;
/// The pause before each dripped byte.
pub const DRIP_DELAY: Duration = Duration::from_millis(10);
/// The size of the huge single event.
pub const HUGE_EVENT: u64 = 200_000_000;
/// The event-size cap the huge event runs into.
pub const HUGE_EVENT_CAP: usize = 64 << 20;
/// The size of the huge error body's message.
pub const HUGE_ERROR: u64 = 100_000_000;
/// The text deltas of the 50 MB stream read in flat memory.
pub const FLAT_EVENTS: u64 = 5_000;
/// The bytes of each of its deltas.
pub const FLAT_DELTA: u64 = 10_000;

fn hello() -> Transcript {
    Transcript::new()
        .created()
        .message(&["Hello", ", ", "world"])
        .completed()
}

fn stream(name: &'static str, script: Script, expect: fn(&Observation)) -> Scenario {
    Scenario::new(name, script, CallSpec::stream(request()), expect)
}

fn sse(body: Body) -> ScriptedResponse {
    ScriptedResponse::sse(body).request_id("req_fault")
}

/// The frames of `hello()` up to and including the first delta, and the frames after it.
fn split_after_first_delta() -> (Vec<u8>, Vec<u8>) {
    let frames = hello().frames();
    (frames[..4].concat(), frames[4..].concat())
}

/// A policy with `retries` retries and backoffs of about a millisecond.
fn tiny_backoff(retries: u32) -> RetryPolicy {
    let mut policy = fast_policy();
    policy.max_retries = retries;
    policy.initial_backoff = Duration::from_millis(1);
    policy.max_backoff = Duration::from_millis(2);
    policy
}

/// The stream broke (`stream_truncated`) after the event with sequence number `last`, on one
/// request, with the head's request id.
fn assert_truncated_after(o: &Observation, last: Option<u64>) {
    let error = o.expect_error();
    assert_eq!(error.phase, Phase::Stream, "{error:#?}");
    assert_eq!(error.kind, "stream_truncated", "{error:#?}");
    assert_eq!(error.request_id.as_deref(), Some("req_fault"));
    assert_eq!(
        error.api.as_ref().unwrap().error_kind(),
        &ApiErrorKind::StreamTruncated {
            last_sequence_number: last
        }
    );
    assert_requests(o, 1);
}

/// Every event before the first delta's successor arrived: `Created`, the message's item and
/// the first delta, nothing after it.
fn assert_first_delta_only(o: &Observation) {
    assert!(has_created(o), "{:#?}", o.events);
    assert_eq!(o.text(), "Hello");
    assert!(
        !o.events
            .iter()
            .any(|event| matches!(event, ResponseEvent::OutputItemDone(_))),
        "{:#?}",
        o.events
    );
}

/// Replaces every occurrence of `from` in `bytes` by `to`.
fn replace(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index..].starts_with(from) {
            out.extend_from_slice(to);
            index += from.len();
        } else {
            out.push(bytes[index]);
            index += 1;
        }
    }
    out
}

/// `hello`-like transcript whose event names, `id` fields and JSON string values carry invalid
/// UTF-8 (a lone `0xFF`), escaped NULs (`\u0000`) and raw NUL bytes.
fn dirty_transcript() -> Vec<u8> {
    let clean = Transcript::new()
        .created()
        .message(&["caf<FF>", " <ESCNUL>", " end"])
        // A raw NUL is invalid inside a JSON string: on its own delta, after the message
        // (the terminal event's text must stay parsable).
        .event(
            "response.output_text.delta",
            json!({"item_id": "msg_0", "output_index": 0, "content_index": 0, "delta": " <RAWNUL>"}),
        )
        .completed()
        .to_bytes();
    let mut bytes = replace(&clean, b"<FF>", b"\xFF");
    bytes = replace(&bytes, b"<ESCNUL>", br"\u0000");
    bytes = replace(&bytes, b"<RAWNUL>", b"\x00");
    // An `id` field with both, after every event name.
    bytes = replace(&bytes, b"\ndata: ", b"\nid: \xFFid\x00\ndata: ");
    // The content part's event name itself gets an invalid byte and a NUL.
    replace(
        &bytes,
        b"event: response.content_part.added\n",
        b"event: response.content_part.added\xFF\x00\n",
    )
}

/// `Created`, [`FLAT_EVENTS`] text deltas of [`FLAT_DELTA`] bytes (generated as the server
/// sends them), `Completed`: 50 MB in 16 KiB chunks.
fn fifty_megabytes() -> Body {
    let frames = Transcript::new().created().completed().frames();
    let mut body = Body::chunked()
        .chunk_size(16 * 1024)
        .bytes(frames[0].clone());
    for _ in 0..FLAT_EVENTS {
        body = body
            .bytes(
                "data: {\"type\":\"response.output_text.delta\",\"item_id\":\"m\",\
                 \"output_index\":0,\"content_index\":0,\"delta\":\"",
            )
            .fill(b'a', FLAT_DELTA)
            .bytes("\"}\n\n");
    }
    body.bytes(frames[1].clone())
}

/// The fault-injection scenarios.
pub fn scenarios() -> Vec<Scenario> {
    let (head, rest) = split_after_first_delta();
    let half = hello().frames()[4].len() / 2;
    let full = hello().to_bytes();
    let last_frame = hello().frames().last().unwrap().len();
    let drip_start = head.len();
    let drip_end = drip_start + DRIP_BYTES;
    vec![
        // 1. Nothing listens: one attempt plus every retry of the policy, no request arrives.
        stream("connection_refused_five_retries", Script::new(), |o| {
            let error = o.expect_error();
            assert_eq!(error.kind, "transport", "{error:#?}");
            assert_eq!(error.phase, Phase::Call);
            assert_eq!(error.detail, "Connect after 6, cause kept");
            assert_eq!(o.attempts.len(), 6, "1 + max_retries attempts");
            assert!(o.events.is_empty());
            assert_requests(o, 0);
        })
        .policy(tiny_backoff(5))
        .provider(|provider| {
            Provider::custom(provider.name(), "http://127.0.0.1:1/v1").expect("provider")
        }),
        // 2. Reset right after the head, under `Content-Length` (the announced body never comes).
        stream(
            "close_at_body_offset_zero",
            Script::new().then(sse(Body::content_length().bytes(full.clone()).close_at(0))),
            |o| {
                assert!(o.events.is_empty(), "{:#?}", o.events);
                assert_truncated_after(o, None);
            },
        ),
        // 3. Close inside the last (terminal) event: every event before it is delivered.
        stream(
            "close_inside_the_terminal_event",
            Script::new().then(sse(Body::content_length()
                .bytes(full.clone())
                .close_at((full.len() - last_frame / 2) as u64))),
            |o| {
                let frames = hello().frames().len() as u64;
                assert!(has_created(o));
                assert_eq!(o.text(), "Hello, world");
                assert!(
                    o.events
                        .iter()
                        .any(|event| matches!(event, ResponseEvent::OutputItemDone(_))),
                    "the item finished before the cut: {:#?}",
                    o.events
                );
                assert!(!o.completed());
                assert_truncated_after(o, Some(frames - 2));
            },
        ),
        // 4a. A chunk-size line that is not hexadecimal, inside the second delta.
        stream(
            "invalid_chunk_header_mid_event",
            // The whole body, bad line included, goes out in one write, so every runtime reads
            // it at once (read apart, the blocking adapter's loss below may not happen).
            Script::new().then(sse(Body::chunked()
                .gather_writes(64 * 1024)
                .bytes([head.as_slice(), &rest[..half]].concat())
                .cut(Cut::InvalidChunkHeader))),
            |o| {
                assert_first_delta_only(o);
                assert_truncated_after(o, Some(3));
            },
        )
        .exclude(
            "blocking",
            "codex-api-blocking (ureq 3) drops the data before an invalid chunk-size line: the \
             stream fails with `stream_truncated` (last sequence number none) without delivering \
             the three events (Created, the message item, the first delta) received in the \
             chunks before it; it should deliver them and fail with last sequence number 3 as \
             the other runtimes do (ureq-proto 0.7.1 `BodyReader::read_chunked` decodes every \
             buffered chunk in one read and drops that read's output when a later size line is \
             invalid)",
            &["event", "stream facts", "outcome"],
        ),
        // 4b. A chunk that never completes, starting exactly at an event boundary.
        stream(
            "truncated_chunk_at_event_boundary",
            Script::new().then(sse(Body::chunked()
                .bytes(head.clone())
                .cut(Cut::TruncatedChunk))),
            |o| {
                assert_first_delta_only(o);
                assert_truncated_after(o, Some(3));
            },
        ),
        // 5. The server stalls forever inside an event (half of it sent): a short idle timeout
        // ends the stream, no hang.
        stream(
            "stall_forever_inside_an_event",
            Script::new().then(sse(Body::chunked()
                .bytes(head.clone())
                .bytes(rest[..half].to_vec())
                .stall(Stall::until_shutdown()))),
            |o| {
                assert_first_delta_only(o);
                let error = o.expect_error();
                assert_eq!(error.phase, Phase::Stream);
                assert_eq!(error.kind, "idle_timeout", "{error:#?}");
                assert_eq!(
                    error.api.as_ref().unwrap().error_kind(),
                    &ApiErrorKind::IdleTimeout {
                        after: Duration::from_millis(200)
                    }
                );
                assert_requests(o, 1);
            },
        )
        .idle_timeout(Duration::from_millis(200)),
        // 6. 150 bytes at one byte per 10 ms (1.5 s), idle timeout 500 ms: completes normally.
        // Its test also bounds the CPU time the runtimes spend waiting.
        stream(
            "slow_drip_ten_ms_per_byte",
            Script::new().then(sse(Body::chunked()
                .bytes(full[..drip_start].to_vec())
                .drip(full[drip_start..drip_end].to_vec(), DRIP_DELAY)
                .bytes(full[drip_end..].to_vec()))),
            |o| {
                assert!(o.completed(), "{:#?}", o.outcome);
                assert_eq!(o.text(), "Hello, world");
                assert_requests(o, 1);
            },
        )
        .idle_timeout(Duration::from_millis(500)),
        // 7. One 200 MB event against a 64 MiB cap: a typed `protocol` error after `Created`.
        // Its test also bounds the peak memory.
        stream(
            "huge_event_200mb_past_64mib_cap",
            Script::new().then(sse(Body::chunked()
                .bytes(Transcript::new().created().to_bytes())
                .huge_event(HUGE_EVENT)
                .bytes(Transcript::new().created().completed().frames()[1].clone()))),
            |o| {
                let error = o.expect_error();
                assert_eq!(error.kind, "protocol", "{error:#?}");
                assert_eq!(error.phase, Phase::Stream);
                assert_eq!(error.request_id.as_deref(), Some("req_fault"));
                assert_eq!(o.events, [ResponseEvent::Created]);
                assert_requests(o, 1);
            },
        )
        .provider(|provider| provider.with_max_event_size(HUGE_EVENT_CAP)),
        // 8. A 100 MB error body: read up to the cap only, the 500 classified.
        // Its test also bounds the peak memory.
        stream(
            "huge_error_body_100mb",
            Script::new()
                .then(ScriptedResponse::huge_api_error(500, HUGE_ERROR).request_id("req_fault")),
            |o| {
                assert_failed(o, "server_error", Some(500));
                let error = o.expect_error();
                assert_eq!(error.phase, Phase::Call);
                assert_eq!(error.request_id.as_deref(), Some("req_fault"));
                let message = error.api.as_ref().unwrap().message().unwrap_or_default();
                assert!(
                    message.len() < 1 << 20,
                    "message of {} bytes",
                    message.len()
                );
                assert!(o.events.is_empty());
                assert_requests(o, 1);
            },
        )
        .policy(RetryPolicy::never()),
        // 9. `retry-after: 999999` (11.5 days): given up at once, the delay reported.
        stream(
            "retry_after_999999_returned_at_once",
            Script::new()
                .then(
                    ScriptedResponse::api_error(429, "later", "requests", None, None)
                        .retry_after("999999")
                        .request_id("req_fault"),
                )
                .then(ScriptedResponse::sse(hello())),
            |o| {
                assert_failed(o, "rate_limited", Some(429));
                let error = o.expect_error();
                assert_eq!(error.phase, Phase::Call);
                assert_eq!(error.retry_after, Some(Duration::from_secs(999_999)));
                assert_eq!(error.request_id.as_deref(), Some("req_fault"));
                assert_eq!(o.attempts.len(), 1);
                assert!(o.events.is_empty());
                assert_requests(o, 1);
            },
        ),
        // 10. 50 consecutive 500s: the call stops after 1 + max_retries attempts.
        stream(
            "fifty_consecutive_500s",
            (0..50).fold(Script::new(), |script, n| {
                script.then(ScriptedResponse::text(500, "oops").request_id(format!("req_{n}")))
            }),
            |o| {
                assert_failed(o, "server_error", Some(500));
                assert_eq!(o.expect_error().request_id.as_deref(), Some("req_3"));
                assert_eq!(o.attempts.len(), 4);
                assert!(o.events.is_empty());
                assert_requests(o, 4);
            },
        )
        .policy(tiny_backoff(3)),
        // 11. 401 forever under managed recovery: one pass (reload, refresh), then final.
        stream(
            "unauthorized_forever_managed",
            (0..20).fold(Script::new(), |script, n| {
                script.then(
                    ScriptedResponse::api_error(
                        401,
                        "Your token has expired",
                        "invalid_request_error",
                        None,
                        Some("token_expired"),
                    )
                    .request_id(format!("req_401_{n}")),
                )
            }),
            |o| {
                assert_failed(o, "unauthorized", Some(401));
                assert_eq!(o.expect_error().phase, Phase::Call);
                assert_eq!(
                    o.auth_steps,
                    [RecoveryStep::Reload, RecoveryStep::RefreshToken]
                );
                assert!(o.events.is_empty());
                // The first request, then one with the refreshed token (the reload found the
                // same token, so nothing was resent after it); no loop.
                assert_requests(o, 2);
            },
        )
        .auth(AuthSpec::Rotating {
            mode: RecoveryMode::Managed,
            fail: None,
        }),
        // Beside the faults: 50 MB through the client in flat memory (the body is read only as
        // fast as the consumer takes events). Its test bounds the peak memory.
        Scenario::new(
            "fifty_megabytes_in_flat_memory",
            Script::new().then(sse(fifty_megabytes())),
            CallSpec::Tally(Box::new(request())),
            |o| {
                assert_eq!(o.outcome, crate::observation::Outcome::StreamEnded);
                let tally = o.tally.expect("a tally");
                assert!(tally.completed, "{tally:?}");
                assert_eq!(
                    (tally.text_deltas, tally.text_bytes),
                    (FLAT_EVENTS, FLAT_EVENTS * FLAT_DELTA)
                );
            },
        ),
        // 12. Invalid UTF-8 and NUL bytes in event names, ids and JSON string values.
        stream(
            "invalid_utf8_and_nul_in_every_field",
            Script::new().then(sse(Body::chunked().bytes(dirty_transcript()))),
            |o| {
                assert!(o.completed(), "{:#?}", o.outcome);
                assert_requests(o, 1);
                // Invalid bytes decode to U+FFFD; the escaped NUL is a NUL character; the delta
                // with a raw NUL is not JSON, so the core skips it as malformed.
                assert_eq!(o.text(), "caf\u{FFFD} \u{0} end");
                let stats = &o.stream.as_ref().expect("stream facts").stats;
                assert_eq!(stats.malformed_events, 1, "{stats:#?}");
            },
        ),
    ]
}
