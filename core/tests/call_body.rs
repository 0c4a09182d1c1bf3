//! `Call`: error bodies read up to a cap, unary success bodies, body-phase failures.

mod call_support;

use std::time::Duration;

use call_support::{Scenario, head};
use codex_api_core::call::{Action, AttemptOutcome, CallError, CallLimits};
use codex_api_core::retry::TransportErrorKind;

#[test]
fn a_huge_error_body_is_read_only_up_to_the_cap() {
    let limits = CallLimits::default().with_error_body_cap(1024);
    let mut d = Scenario::stream().limits(limits).start();
    d.expect_send();
    d.call
        .handle_head(d.now, &head(500, &[("x-should-retry", "false")]));
    // The JSON error comes first; then 1 MiB of padding arrives in 100-byte pieces.
    let mut body = br#"{"error":{"message":"boom","type":"server_error"}}"#.to_vec();
    body.resize(1024 * 1024, b' ');
    let mut fed = 0;
    for piece in body.chunks(100) {
        if !d.call.wants_body() {
            break;
        }
        assert!(matches!(d.poll(), Action::ReadBody));
        d.call.handle_body(d.now, piece);
        fed += piece.len();
    }
    assert!(!d.call.wants_body(), "the call stops asking after the cap");
    assert!(fed <= 1024 + 100, "read {fed} bytes for a 1024-byte cap");
    let error = d.expect_done().unwrap_err();
    assert_eq!(error.kind(), "server_error");
    assert_eq!(error.api_error().unwrap().message(), Some("boom"));
    // Late input is ignored.
    d.call.handle_body(d.now, b"more");
    d.call.handle_body_end(d.now);
    assert!(matches!(d.poll(), Action::Finished));
}

#[test]
fn the_cap_applies_when_a_single_chunk_crosses_it() {
    let limits = CallLimits::default().with_error_body_cap(16);
    let mut d = Scenario::stream().limits(limits).start();
    d.expect_send();
    d.call.handle_head(d.now, &head(400, &[]));
    d.call.handle_body(d.now, &[b'x'; 17]);
    assert!(!d.call.wants_body());
    assert_eq!(d.expect_done().unwrap_err().kind(), "invalid_request");
}

#[test]
fn an_error_body_of_exactly_the_cap_is_read_to_its_end() {
    let body = br#"{"error":{"message":"nope","type":"invalid_request_error"}}"#;
    let limits = CallLimits::default().with_error_body_cap(body.len());
    let mut d = Scenario::stream().limits(limits).start();
    d.expect_send();
    d.call.handle_head(d.now, &head(400, &[]));
    d.call.handle_body(d.now, body);
    assert!(d.call.wants_body());
    d.call.handle_body_end(d.now);
    let error = d.expect_done().unwrap_err();
    assert_eq!(error.api_error().unwrap().message(), Some("nope"));
}

#[test]
fn a_unary_success_body_is_returned_with_its_head() {
    let mut d = Scenario::unary().start();
    d.expect_send();
    d.call
        .handle_head(d.now, &head(200, &[("x-request-id", "req_c")]));
    for piece in [&b"{\"output\":"[..], b"[1,2", b",3]}"] {
        assert!(matches!(d.poll(), Action::ReadBody));
        d.call.handle_body(d.now, piece);
    }
    d.call.handle_body_end(d.now);
    let output = d.expect_done().unwrap();
    assert_eq!(output.status, http::StatusCode::OK);
    assert_eq!(&output.body[..], b"{\"output\":[1,2,3]}");
    assert_eq!(output.headers["x-request-id"], "req_c");

    #[derive(serde::Deserialize)]
    struct Compacted {
        output: Vec<u32>,
    }
    assert_eq!(output.json::<Compacted>().unwrap().output, vec![1, 2, 3]);
}

#[test]
fn an_unparsable_success_body_decodes_to_a_protocol_error() {
    let mut d = Scenario::unary().start();
    d.respond(200, &[("x-request-id", "req_bad")], b"<html>");
    let output = d.expect_done().unwrap();
    let error = output.json::<serde_json::Value>().unwrap_err();
    assert_eq!(error.kind(), "protocol");
    assert_eq!(error.request_id(), Some("req_bad"));
}

#[test]
fn a_unary_success_body_over_its_cap_fails_without_retry() {
    let limits = CallLimits::default().with_success_body_cap(8);
    let mut d = Scenario::unary().limits(limits).start();
    d.expect_send();
    d.call.handle_head(d.now, &head(200, &[]));
    d.call.handle_body(d.now, b"12345678");
    assert!(d.call.wants_body(), "exactly the cap is still fine");
    d.call.handle_body(d.now, b"9");
    assert!(!d.call.wants_body());
    assert_eq!(
        d.expect_done().unwrap_err(),
        CallError::BodyTooLarge { limit: 8 }
    );
    assert_eq!(d.telemetry()[0].outcome, AttemptOutcome::BodyTooLarge);
}

#[test]
fn a_transport_failure_inside_an_error_body_classifies_what_arrived() {
    let mut d = Scenario::stream().start();
    d.expect_send();
    d.call
        .handle_head(d.now, &head(429, &[("retry-after", "2")]));
    d.call.handle_body(d.now, br#"{"error":{"message":"slow"#);
    d.call
        .handle_transport_error(d.now, TransportErrorKind::Reset);
    let before = d.now;
    assert_eq!(d.expect_wait(), before + Duration::from_secs(2));
}

#[test]
fn a_transport_failure_inside_a_unary_success_body_is_retried() {
    let mut d = Scenario::unary().start();
    d.expect_send();
    d.call.handle_head(d.now, &head(200, &[]));
    d.call.handle_body(d.now, b"{\"par");
    d.call
        .handle_transport_error(d.now, TransportErrorKind::Reset);
    d.expect_wait();
    d.respond(200, &[], b"{}");
    assert_eq!(&d.expect_done().unwrap().body[..], b"{}");
}

#[test]
fn the_response_timeout_covers_a_stalled_unary_body() {
    let limits = CallLimits::default().with_response_timeout(Some(Duration::from_secs(5)));
    let mut d = Scenario::unary().limits(limits).start();
    d.expect_send();
    d.call.handle_head(d.now, &head(200, &[]));
    d.call.handle_body(d.now, b"{");
    d.advance(Duration::from_secs(5));
    assert_eq!(d.call.poll_timeout(), Some(d.now));
    d.call.handle_timeout(d.now);
    assert!(!d.call.wants_body());
    d.expect_wait();
    d.expect_send();
}

#[test]
fn inputs_out_of_turn_are_ignored() {
    let mut d = Scenario::unary().start();
    // Nothing was sent yet: a head, body or failure means nothing.
    d.call.handle_head(d.now, &head(500, &[]));
    d.call.handle_body(d.now, b"x");
    d.call.handle_body_end(d.now);
    d.call
        .handle_transport_error(d.now, TransportErrorKind::Reset);
    d.call.handle_timeout(d.now);
    assert_eq!(d.call.attempts(), 0);
    d.respond(200, &[], b"{}");
    assert!(d.expect_done().is_ok());
    assert_eq!(d.telemetry().len(), 1);
}

#[test]
fn polling_while_a_head_is_owed_asks_for_it() {
    let mut d = Scenario::unary().start();
    d.expect_send();
    assert!(matches!(d.poll(), Action::AwaitResponse { deadline: None }));
    assert!(matches!(d.poll(), Action::AwaitResponse { deadline: None }));
    assert_eq!(d.call.attempts(), 1);
}

#[test]
fn an_error_body_fed_whole_or_byte_by_byte_gives_the_same_result() {
    let body = br#"{"error":{"message":"Rate limit reached for gpt-test. Please try again in 1.5s.","type":"requests","code":"rate_limit_exceeded"}}"#;
    let run = |piece: usize| {
        let limits = CallLimits::default().with_error_body_cap(64);
        let mut d = Scenario::stream().limits(limits).start();
        d.expect_send();
        d.call
            .handle_head(d.now, &head(429, &[("x-request-id", "req_9")]));
        for chunk in body.chunks(piece) {
            if !d.call.wants_body() {
                break;
            }
            d.call.handle_body(d.now, chunk);
        }
        if d.call.wants_body() {
            d.call.handle_body_end(d.now);
        }
        let wait = match d.poll() {
            Action::Wait(at) => at - d.now,
            other => panic!("expected Wait, got {other:?}"),
        };
        (wait, d.telemetry())
    };
    let whole = run(body.len());
    for piece in [1, 2, 7, 63, 64, 65] {
        assert_eq!(run(piece), whole, "piece size {piece}");
    }
}

#[test]
fn models_prefer_the_etag_header_over_the_body() {
    use codex_api_core::call::CallOutput;
    let body = bytes::Bytes::from_static(br#"{"models":[{"slug":"gpt-5"}],"etag":"body-tag"}"#);
    let mut output = CallOutput {
        status: http::StatusCode::OK,
        headers: http::HeaderMap::new(),
        body,
    };
    assert_eq!(output.models().unwrap().etag.as_deref(), Some("body-tag"));
    output
        .headers
        .insert(http::header::ETAG, "\"header-tag\"".parse().unwrap());
    let models = output.models().unwrap();
    assert_eq!(models.etag.as_deref(), Some("\"header-tag\""));
    assert_eq!(models.models[0].slug, "gpt-5");
    output.body = bytes::Bytes::from_static(b"not json");
    assert_eq!(output.models().unwrap_err().kind(), "protocol");
}
