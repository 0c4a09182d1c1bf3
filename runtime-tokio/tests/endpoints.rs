//! Every endpoint against the testkit: what goes out, what comes back.

mod common;

use std::time::Duration;

use codex_api_core::request::{PreparedRequest, ResponsesOptions};
use codex_api_core::stream::{ResponseEvent, StreamItem};
use codex_api_core::wire::{CompactionInput, MemorySummarizeInput, ResponseItem, Role};
use codex_api_testkit::{Body, Script, ScriptedResponse, TestServer, Transcript};
use futures_util::StreamExt;
use serde_json::json;

use common::{client, drain, request, text};

#[tokio::test]
async fn stream_sends_the_request_and_delivers_text() {
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
    let stream = client(&server).stream(request(), options).await.unwrap();
    assert_eq!(stream.state().request_id(), Some("req_1"));
    let (events, error) = drain(stream).await;
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

#[tokio::test]
async fn raw_view_delivers_every_stream_event() {
    let transcript = Transcript::new()
        .created()
        .event("response.future_kind", json!({ "x": 1 }))
        .message(&["a"])
        .completed();
    let server = TestServer::start(Script::new().then(ScriptedResponse::sse(transcript))).unwrap();
    let mut raw = client(&server)
        .stream(request(), ResponsesOptions::new())
        .await
        .unwrap()
        .into_raw();
    let mut kinds = Vec::new();
    while let Some(item) = raw.next().await {
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

#[tokio::test]
async fn compact_posts_the_history_and_decodes_the_output() {
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
        .await
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

#[tokio::test]
async fn summarize_memories_posts_traces() {
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
        .await
        .unwrap();
    assert_eq!(output.output[0].trace_summary, "trace one");
    assert_eq!(output.output[0].memory_summary, "memory one");
    assert_eq!(
        server.requests()[0].body_json().unwrap()["traces"][0]["id"],
        "t1"
    );
}

#[tokio::test]
async fn list_models_gets_with_client_version() {
    let reply = ScriptedResponse::models(
        vec![json!({ "slug": "gpt-a" }), json!({ "slug": "gpt-b" })],
        "\"v1\"",
    );
    let server = TestServer::start(Script::new().on("GET", "/v1/models", reply)).unwrap();
    let models = client(&server).list_models(Some("1.2.3")).await.unwrap();
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

#[tokio::test]
async fn send_returns_the_unary_head_and_body() {
    let reply = ScriptedResponse::models(vec![], "\"etag-1\"");
    let server = TestServer::start(Script::new().then(reply)).unwrap();
    let output = client(&server)
        .send(PreparedRequest::list_models(None), ResponsesOptions::new())
        .await
        .unwrap();
    assert_eq!(output.status, 200);
    assert_eq!(output.headers["etag"], "\"etag-1\"");
    assert_eq!(&output.body[..], br#"{"models":[]}"#);
}

#[tokio::test]
async fn the_models_etag_header_wins_over_the_body() {
    let reply = ScriptedResponse::json(200, &serde_json::json!({"models": [], "etag": "body"}))
        .header("ETag", "\"header\"");
    let server = TestServer::start(Script::new().then(reply)).unwrap();
    let models = client(&server).list_models(None).await.unwrap();
    assert_eq!(models.etag.as_deref(), Some("\"header\""));
}

#[tokio::test]
async fn connections_are_reused() {
    let server = TestServer::start(
        Script::new()
            .then(ScriptedResponse::models(vec![], "a"))
            .then(ScriptedResponse::models(vec![], "b")),
    )
    .unwrap();
    let client = client(&server);
    client.list_models(None).await.unwrap();
    client.list_models(None).await.unwrap();
    let requests = server.wait_for_requests(2, Duration::from_secs(5));
    assert_eq!(requests[0].connection_id, requests[1].connection_id);
}

#[tokio::test]
async fn a_finished_stream_gives_its_connection_back() {
    // Content-Length framing: the body is complete with its last event (a chunked body's
    // terminating chunk may arrive after the stream has already ended and let go of it).
    let transcript = Transcript::new().created().message(&["a"]).completed();
    let server = TestServer::start(
        Script::new()
            .then(ScriptedResponse::sse(Body::fixed(transcript.to_bytes())))
            .then(ScriptedResponse::models(vec![], "e")),
    )
    .unwrap();
    let client = client(&server);
    let (_, error) = drain(
        client
            .stream(request(), ResponsesOptions::new())
            .await
            .unwrap(),
    )
    .await;
    assert!(error.is_none());
    client.list_models(None).await.unwrap();
    let requests = server.wait_for_requests(2, Duration::from_secs(5));
    assert_eq!(requests[0].connection_id, requests[1].connection_id);
}
