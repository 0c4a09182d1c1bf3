//! Every endpoint against the testkit: what goes out, what comes back.

mod common;

use std::time::Duration;

use codex_api_core::request::{PreparedRequest, ResponsesOptions};
use codex_api_core::stream::{ResponseEvent, StreamItem};
use codex_api_core::wire::{CompactionInput, MemorySummarizeInput, ResponseItem, Role};
use codex_api_testkit::{Body, Script, ScriptedResponse, TestServer, Transcript};
use serde_json::json;

use common::{client, drain, request, text};

#[test]
fn stream_sends_the_request_and_delivers_text() {
    let transcript = Transcript::new()
        .created()
        .message(&["Hel", "lo"])
        .completed();
    let server = TestServer::start(
        Script::new().on(
            "POST",
            "/v1/responses",
            ScriptedResponse::sse(transcript)
                .request_id("req_1")
                .openai_model("gpt-served"),
        ),
    )
    .unwrap();
    let options = ResponsesOptions::new().with_session_id("sess-1");
    let stream = client(&server).stream(request(), options).unwrap();
    assert_eq!(stream.state().request_id(), Some("req_1"));
    let (events, error) = drain(stream);
    assert!(error.is_none(), "{error:?}");
    assert_eq!(events[0], ResponseEvent::ServerModel("gpt-served".into()));
    assert_eq!(text(&events), "Hello");
    assert!(matches!(
        events.last(),
        Some(ResponseEvent::Completed { .. })
    ));

    let sent = &server.requests()[0];
    assert_eq!(sent.method, "POST");
    assert_eq!(sent.path, "/v1/responses");
    assert_eq!(sent.header("authorization"), Some("Bearer sk-test"));
    assert_eq!(sent.header("accept"), Some("text/event-stream"));
    assert_eq!(sent.header("content-type"), Some("application/json"));
    assert_eq!(sent.header("session-id"), Some("sess-1"));
    let body = sent.body_json().unwrap();
    assert_eq!(body["model"], "gpt-test");
    assert_eq!(body["stream"], true);
    assert_eq!(body["input"][0]["content"][0]["text"], "hi");
}

#[test]
fn raw_view_delivers_every_stream_event() {
    let transcript = Transcript::new()
        .created()
        .event("response.future_kind", json!({ "x": 1 }))
        .message(&["a"])
        .completed();
    let server = TestServer::start(Script::new().then(ScriptedResponse::sse(transcript))).unwrap();
    let raw = client(&server)
        .stream(request(), ResponsesOptions::new())
        .unwrap()
        .into_raw();
    let mut kinds = Vec::new();
    for item in raw {
        match item.unwrap() {
            StreamItem::Event(event) => kinds.push(event.kind().to_owned()),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(kinds.first().map(String::as_str), Some("response.created"));
    assert!(kinds.iter().any(|kind| kind == "response.future_kind"));
    assert!(
        kinds
            .iter()
            .any(|kind| kind == "response.output_text.delta")
    );
    assert_eq!(kinds.last().map(String::as_str), Some("response.completed"));
}

#[test]
fn compact_posts_the_history_and_decodes_the_output() {
    let reply = ScriptedResponse::compaction(vec![json!({
        "type": "message", "role": "assistant",
        "content": [{ "type": "output_text", "text": "summary" }]
    })]);
    let server =
        TestServer::start(Script::new().on("POST", "/v1/responses/compact", reply)).unwrap();
    let input = CompactionInput::new(
        "gpt-test",
        vec![ResponseItem::text_message(Role::User, "old")],
    );
    let output = client(&server)
        .compact(input, ResponsesOptions::new())
        .unwrap();
    assert_eq!(output.output.len(), 1);
    assert!(matches!(&output.output[0], ResponseItem::Message(_)));
    let sent = &server.requests()[0];
    assert_eq!(sent.header("accept"), Some("application/json"));
    assert_eq!(
        sent.body_json().unwrap()["input"][0]["content"][0]["text"],
        "old"
    );
}

#[test]
fn summarize_memories_posts_traces() {
    let reply = ScriptedResponse::memories(&[("trace one", "memory one")]);
    let server =
        TestServer::start(Script::new().on("POST", "/v1/memories/trace_summarize", reply)).unwrap();
    let memory = serde_json::from_value(json!({
        "id": "t1", "metadata": { "source_path": "a.jsonl" }, "items": []
    }))
    .unwrap();
    let input = MemorySummarizeInput::new("gpt-test", vec![memory]);
    let output = client(&server)
        .summarize_memories(input, ResponsesOptions::new())
        .unwrap();
    assert_eq!(output.output[0].trace_summary, "trace one");
    assert_eq!(output.output[0].memory_summary, "memory one");
    assert_eq!(
        server.requests()[0].body_json().unwrap()["traces"][0]["id"],
        "t1"
    );
}

#[test]
fn list_models_gets_with_client_version() {
    let reply = ScriptedResponse::models(
        vec![json!({ "slug": "gpt-a" }), json!({ "slug": "gpt-b" })],
        "\"v1\"",
    );
    let server = TestServer::start(Script::new().on("GET", "/v1/models", reply)).unwrap();
    let models = client(&server).list_models(Some("1.2.3")).unwrap();
    let slugs: Vec<_> = models
        .models
        .iter()
        .map(|model| model.slug.as_str())
        .collect();
    assert_eq!(slugs, ["gpt-a", "gpt-b"]);
    let sent = &server.requests()[0];
    assert_eq!(sent.method, "GET");
    assert_eq!(sent.path, "/v1/models?client_version=1.2.3");
    assert!(sent.body.is_empty());
}

#[test]
fn send_returns_the_unary_head_and_body() {
    let reply = ScriptedResponse::models(vec![], "\"etag-1\"");
    let server = TestServer::start(Script::new().then(reply)).unwrap();
    let output = client(&server)
        .send(PreparedRequest::list_models(None), ResponsesOptions::new())
        .unwrap();
    assert_eq!(output.status, 200);
    assert_eq!(output.headers["etag"], "\"etag-1\"");
    assert_eq!(&output.body[..], br#"{"models":[]}"#);
}

#[test]
fn the_models_etag_header_wins_over_the_body() {
    let reply = ScriptedResponse::json(200, &json!({"models": [], "etag": "body"}))
        .header("ETag", "\"header\"");
    let server = TestServer::start(Script::new().then(reply)).unwrap();
    let models = client(&server).list_models(None).unwrap();
    assert_eq!(models.etag.as_deref(), Some("\"header\""));
}

#[test]
fn connections_are_reused() {
    let server = TestServer::start(
        Script::new()
            .then(ScriptedResponse::models(vec![], "a"))
            .then(ScriptedResponse::models(vec![], "b")),
    )
    .unwrap();
    let client = client(&server);
    client.list_models(None).unwrap();
    client.list_models(None).unwrap();
    let requests = server.wait_for_requests(2, Duration::from_secs(5));
    assert_eq!(requests[0].connection_id, requests[1].connection_id);
}

#[test]
fn a_finished_stream_closes_its_connection_and_the_next_call_opens_one() {
    // The core ends the stream at its terminal event, before ureq has seen the body's end,
    // so the connection cannot go back to the pool: it is closed, and the next call dials.
    let transcript = Transcript::new().created().message(&["a"]).completed();
    let server = TestServer::start(
        Script::new()
            .then(ScriptedResponse::sse(Body::fixed(transcript.to_bytes())))
            .then(ScriptedResponse::models(vec![], "e")),
    )
    .unwrap();
    let client = client(&server);
    let (events, error) = drain(client.stream(request(), ResponsesOptions::new()).unwrap());
    assert!(error.is_none(), "{error:?}");
    assert_eq!(text(&events), "a");
    client.list_models(None).unwrap();
    let requests = server.wait_for_requests(2, Duration::from_secs(5));
    assert_ne!(requests[0].connection_id, requests[1].connection_id);
}

#[test]
fn a_redirect_is_not_followed() {
    let elsewhere =
        TestServer::start(Script::new().then(ScriptedResponse::models(vec![], "e"))).unwrap();
    let redirect =
        || ScriptedResponse::new(307).header("location", format!("{}/v1/models", elsewhere.url()));
    let server = TestServer::start(Script::new().then(redirect()).then(redirect())).unwrap();
    let error = client(&server).list_models(None).unwrap_err();
    assert_eq!(error.kind(), "unexpected_status");
    assert_eq!(
        error.api_error().unwrap().status().map(|s| s.as_u16()),
        Some(307)
    );
    assert_eq!(server.requests().len(), 1);
    assert!(elsewhere.requests().is_empty(), "credentials stayed home");

    let error = client(&server)
        .stream(request(), ResponsesOptions::new())
        .unwrap_err();
    assert_eq!(error.kind(), "unexpected_status");
    assert_eq!(server.requests().len(), 2);
    assert!(elsewhere.requests().is_empty());
}

#[test]
fn the_core_headers_go_out_unchanged() {
    let server =
        TestServer::start(Script::new().then(ScriptedResponse::models(vec![], "e"))).unwrap();
    client(&server).list_models(None).unwrap();
    let sent = &server.requests()[0];
    assert!(
        sent.header("user-agent")
            .is_some_and(|agent| !agent.starts_with("ureq")),
        "{:?}",
        sent.header("user-agent")
    );
    assert_eq!(sent.header("accept"), Some("application/json"));
    assert_eq!(sent.header("content-length"), None, "a GET has no body");
}

#[test]
fn clients_streams_and_errors_cross_threads() {
    fn send_and_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_and_sync::<codex_api_blocking::Client>();
    send::<codex_api_blocking::EventStream>();
    send::<codex_api_blocking::RawEventStream>();
    send_and_sync::<codex_api_blocking::Error>();
}
