//! The generic `send` (a request prepared by hand): a streaming one yields exactly what
//! `stream` yields (events, head facts, failures), a unary one its 2xx body as bytes. What
//! kind of reply comes back follows the prepared request, not what the server sends.
//!
//! Every `send` call of the table also asks the reply for the wrong kind first (`into_body`
//! on events, `into_events` on a body) and carries on with the reply that comes back as the
//! error: the rows below hold only if that reply is handed back whole.

use codex_api_core::provider::Provider;
use codex_api_core::request::{Endpoint, PreparedRequest, ResponsesOptions};
use codex_api_core::stream::ResponseEvent;
use codex_api_core::wire::{CompactionInput, ResponseItem, Role};
use codex_api_testkit::{Body, RateLimitWindow, Script, ScriptedResponse, Transcript, Usage};
use serde_json::json;

use super::{assert_requests, request};
use crate::observation::{Observation, Outcome, Phase};
use crate::scenario::{CallSpec, Scenario, Step};

/// Why the blocking runtime dials again after a finished stream (as in the connection rows).
const BLOCKING_CLOSES_FINISHED_STREAMS: &str = "the core ends a stream at its terminal event, \
    before ureq has read the body's end, and ureq pools only a connection whose body it read to \
    the end: the stream's connection is closed and the next call dials";

/// A provider like the one every scenario's client has (a custom one): the encoded bodies do
/// not depend on its base URL.
fn provider() -> Provider {
    Provider::custom("send", "http://127.0.0.1:1/v1").expect("a valid base URL")
}

/// The bytes `stream` sends for [`request`], for a hand-prepared copy of the same request.
fn responses_body() -> Vec<u8> {
    let prepared = PreparedRequest::responses(&provider(), request()).expect("the request builds");
    prepared.body().expect("a body").to_vec()
}

/// A streamed reply with every kind of fact the stream reports: head facts (request id,
/// server model, models ETag, rate limits), an in-stream rate-limit snapshot, a function
/// call, text, usage.
///
/// Streamed replies here have Content-Length framing: the body is complete with its last
/// event, so the connection goes back to the pool with no race against a chunked body's
/// terminating chunk (see the connection rows).
fn rich_stream() -> ScriptedResponse {
    let transcript = Transcript::new()
        .created()
        .rate_limits(Some(RateLimitWindow::new(40.0, 300, 1_700_003_600)), None)
        .function_call("read", "call_1", &["{\"pa", "th\":\"a\"}"])
        .message(&["hand", " ", "made"])
        .completed_with_usage(Usage::new(12, 3));
    ScriptedResponse::sse(Body::fixed(transcript.to_bytes()))
        .request_id("req_send")
        .openai_model("gpt-test-2025")
        .models_etag("models-v7")
        .codex_rate_limit_headers(RateLimitWindow::new(12.5, 300, 1_700_000_300), None)
}

/// A stream that fails (`response.failed`) after some text.
fn failed_stream() -> ScriptedResponse {
    let transcript = Transcript::new()
        .created()
        .message(&["partial"])
        .failed("server_error", "it broke");
    ScriptedResponse::sse(Body::fixed(transcript.to_bytes()))
}

/// `stream`, then the same request prepared by hand through `send`, on one client.
fn stream_then_send() -> CallSpec {
    CallSpec::sequence([
        Step::call(CallSpec::stream(request())),
        Step::call(CallSpec::SendStream(
            Endpoint::responses(),
            ResponsesOptions::new(),
            Some(responses_body()),
        )),
    ])
}

/// The events of a two-step sequence, split in two equal halves (one per step).
fn halves(o: &Observation) -> (&[ResponseEvent], &[ResponseEvent]) {
    assert_eq!(o.events.len() % 2, 0, "two equal runs: {:#?}", o.events);
    o.events.split_at(o.events.len() / 2)
}

fn compaction_input() -> CompactionInput {
    CompactionInput::new(
        "gpt-test",
        vec![ResponseItem::text_message(Role::User, "summarise this")],
    )
}

/// The cross-runtime rows of `send`.
pub fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario::new(
            "send_streaming_yields_what_stream_yields",
            Script::new().then(rich_stream()).then(rich_stream()),
            stream_then_send(),
            |o| {
                assert_eq!(o.steps(), [Outcome::StreamEnded, Outcome::StreamEnded]);
                assert_requests(o, 2);
                // The same request on the wire: headers (`accept: text/event-stream`
                // included) and body.
                assert_eq!(o.requests[0], o.requests[1]);
                assert_eq!(o.requests[1].header("accept"), Some("text/event-stream"));
                let (by_stream, by_send) = halves(o);
                assert_eq!(by_stream, by_send);
                assert_eq!(
                    by_send.first(),
                    Some(&ResponseEvent::ServerModel("gpt-test-2025".into()))
                );
                assert!(by_send.contains(&ResponseEvent::ModelsEtag("models-v7".into())));
                assert!(matches!(
                    by_send.last(),
                    Some(ResponseEvent::Completed {
                        token_usage: Some(_),
                        ..
                    })
                ));
                assert_eq!(o.text(), "hand madehand made");
                // The stream's own facts (of the last step, `send`'s).
                let facts = o.stream.as_ref().expect("stream facts");
                assert_eq!(facts.request_id.as_deref(), Some("req_send"));
            },
        )
        .connections(&[0, 0])
        .connections_on("blocking", &[0, 1], BLOCKING_CLOSES_FINISHED_STREAMS),
        Scenario::new(
            "send_streaming_fails_as_stream_fails",
            Script::new()
                .then(
                    ScriptedResponse::api_error(
                        400,
                        "Unsupported parameter",
                        "invalid_request_error",
                        Some("x"),
                        None,
                    )
                    .request_id("req_400"),
                )
                .then(
                    ScriptedResponse::api_error(
                        400,
                        "Unsupported parameter",
                        "invalid_request_error",
                        Some("x"),
                        None,
                    )
                    .request_id("req_400"),
                )
                .then(failed_stream())
                .then(failed_stream()),
            CallSpec::sequence([
                Step::call(CallSpec::stream(request())),
                Step::call(CallSpec::SendStream(
                    Endpoint::responses(),
                    ResponsesOptions::new(),
                    Some(responses_body()),
                )),
                Step::call(CallSpec::stream(request())),
                Step::call(CallSpec::SendStream(
                    Endpoint::responses(),
                    ResponsesOptions::new(),
                    Some(responses_body()),
                )),
            ]),
            |o| {
                // An error response fails the call itself; a failed response fails the stream
                // after its events: the same for `stream` and `send`.
                let steps = o.steps();
                assert_eq!(steps.len(), 4, "{steps:#?}");
                assert_eq!(steps[0], steps[1]);
                assert_eq!(steps[2], steps[3]);
                let Outcome::Failed(before) = &steps[1] else {
                    panic!("{steps:#?}")
                };
                assert_eq!(before.phase, Phase::Call);
                assert_eq!(before.status, Some(400));
                assert_eq!(before.request_id.as_deref(), Some("req_400"));
                let Outcome::Failed(within) = &steps[3] else {
                    panic!("{steps:#?}")
                };
                assert_eq!(within.phase, Phase::Stream);
                assert_requests(o, 4);
                let (by_stream, by_send) = halves(o);
                assert_eq!(by_stream, by_send);
                assert_eq!(o.text(), "partialpartial");
            },
        )
        .connections(&[0, 0, 0, 0])
        .connections_on("blocking", &[0, 0, 0, 1], BLOCKING_CLOSES_FINISHED_STREAMS),
        Scenario::new(
            "send_unary_yields_the_body",
            Script::new().on(
                "POST",
                "/v1/responses/compact",
                ScriptedResponse::compaction(vec![
                    json!({"type": "compaction", "encrypted_content": "opaque-blob"}),
                ])
                .request_id("req_compact"),
            ),
            CallSpec::Unary(
                Endpoint::responses_compact(),
                ResponsesOptions::new(),
                Some(
                    PreparedRequest::compact(&provider(), compaction_input())
                        .expect("the input encodes")
                        .body()
                        .expect("a body")
                        .to_vec(),
                ),
            ),
            |o| {
                assert_requests(o, 1);
                assert_eq!(o.requests[0].path, "/v1/responses/compact");
                assert_eq!(o.requests[0].header("accept"), Some("application/json"));
                assert_eq!(
                    o.requests[0].json()["input"][0]["content"][0]["text"],
                    "summarise this"
                );
                assert!(o.events.is_empty(), "{:#?}", o.events);
                let Outcome::Unary {
                    status,
                    headers,
                    body,
                } = &o.outcome
                else {
                    panic!("{:#?}", o.outcome)
                };
                assert_eq!(*status, 200);
                assert!(
                    headers.contains(&("x-request-id".into(), "req_compact".into())),
                    "{headers:#?}"
                );
                let body: serde_json::Value = serde_json::from_slice(body).expect("a JSON body");
                assert_eq!(
                    body["output"],
                    json!([{"type": "compaction", "encrypted_content": "opaque-blob"}])
                );
            },
        ),
        Scenario::new(
            "send_unary_keeps_a_streamed_reply_as_bytes",
            Script::new().then(ScriptedResponse::sse(
                Transcript::new().created().message(&["raw"]).completed(),
            )),
            CallSpec::Unary(
                Endpoint::responses(),
                ResponsesOptions::new(),
                Some(responses_body()),
            ),
            |o| {
                // A request prepared unary gets the body, whatever it holds: the kind of reply
                // is the prepared request's, not the server's (the `accept` header is the
                // endpoint's).
                assert_requests(o, 1);
                assert_eq!(o.requests[0].header("accept"), Some("text/event-stream"));
                assert!(o.events.is_empty(), "{:#?}", o.events);
                assert!(o.stream.is_none());
                let Outcome::Unary { status, body, .. } = &o.outcome else {
                    panic!("{:#?}", o.outcome)
                };
                assert_eq!(*status, 200);
                let expected = Transcript::new()
                    .created()
                    .message(&["raw"])
                    .completed()
                    .to_bytes();
                assert_eq!(
                    String::from_utf8_lossy(body),
                    String::from_utf8_lossy(&expected)
                );
            },
        ),
    ]
}
