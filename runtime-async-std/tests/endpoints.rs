//! Every endpoint against the testkit, on async-std and on smol: what goes out, what comes
//! back, and which connection it travels on.

mod common;

use std::time::Duration;

use codex_api_core::request::{PreparedRequest, ResponsesOptions};
use codex_api_core::stream::{ResponseEvent, StreamItem};
use codex_api_core::wire::{CompactionInput, MemorySummarizeInput, ResponseItem, Role};
use codex_api_testkit::{Body, Script, ScriptedResponse, TestServer, Transcript};
use futures_lite::StreamExt;
use serde_json::json;

use common::{client, drain, on_both, request, text};

#[test]
fn stream_sends_the_request_and_delivers_text() {
    on_both(|| async {
        let transcript = Transcript::new()
            .created()
            .message(&["Hel", "lo"])
            .completed();
        let reply = ScriptedResponse::sse(transcript)
            .request_id("req_1")
            .openai_model("gpt-served");
        let server = TestServer::start(Script::new().on("POST", "/v1/responses", reply)).unwrap();
        let options = ResponsesOptions::new().with_session_id("sess-1");
        let stream = client(&server).stream(request(), options).await.unwrap();
        assert_eq!(stream.state().request_id(), Some("req_1"));
        let (events, error) = drain(stream).await;
        assert!(error.is_none(), "{error:?}");
        assert_eq!(events[0], ResponseEvent::ServerModel("gpt-served".into()));
        assert_eq!(events[1], ResponseEvent::Created);
        assert_eq!(text(&events), "Hello");
        assert!(matches!(
            events.last(),
            Some(ResponseEvent::Completed { response_id, .. }) if response_id.starts_with("resp")
        ));

        let sent = &server.requests()[0];
        assert_eq!(
            (sent.method.as_str(), sent.path.as_str()),
            ("POST", "/v1/responses")
        );
        assert_eq!(
            sent.header("host"),
            Some(server.addr().to_string().as_str())
        );
        assert_eq!(sent.header("authorization"), Some("Bearer sk-test"));
        assert_eq!(sent.header("accept"), Some("text/event-stream"));
        assert_eq!(sent.header("content-type"), Some("application/json"));
        assert_eq!(sent.header("session-id"), Some("sess-1"));
        let body = sent.body_json().unwrap();
        assert_eq!(body["model"], "gpt-test");
        assert_eq!(body["stream"], true);
        assert_eq!(body["input"][0]["content"][0]["text"], "hi");
    });
}

#[test]
fn raw_view_delivers_every_stream_event() {
    on_both(|| async {
        let transcript = Transcript::new()
            .created()
            .event("response.future_kind", json!({ "x": 1 }))
            .message(&["a"])
            .completed();
        let server =
            TestServer::start(Script::new().then(ScriptedResponse::sse(transcript))).unwrap();
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
        assert_eq!(raw.state().stats().unknown_events, 1);
    });
}

#[test]
fn compact_posts_the_history_and_decodes_the_output() {
    on_both(|| async {
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
        let body = sent.body_json().unwrap();
        assert_eq!(body["model"], "gpt-test");
        assert_eq!(body["input"][0]["content"][0]["text"], "old");
    });
}

#[test]
fn summarize_memories_posts_traces() {
    on_both(|| async {
        let reply = ScriptedResponse::memories(&[("trace one", "memory one")]);
        let server =
            TestServer::start(Script::new().on("POST", "/v1/memories/trace_summarize", reply))
                .unwrap();
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
        let body = server.requests()[0].body_json().unwrap();
        assert_eq!(body["traces"][0]["id"], "t1");
    });
}

#[test]
fn list_models_gets_with_client_version() {
    on_both(|| async {
        let reply = ScriptedResponse::models(
            vec![json!({ "slug": "gpt-a" }), json!({ "slug": "gpt-b" })],
            "\"v1\"",
        );
        let server = TestServer::start(Script::new().on("GET", "/v1/models", reply)).unwrap();
        let models = client(&server).list_models(Some("1.2.3")).await.unwrap();
        let slugs: Vec<_> = models.models.iter().map(|m| m.slug.as_str()).collect();
        assert_eq!(slugs, ["gpt-a", "gpt-b"]);
        let sent = &server.requests()[0];
        assert_eq!(sent.method, "GET");
        assert_eq!(sent.path, "/v1/models?client_version=1.2.3");
        assert!(sent.body.is_empty());
    });
}

#[test]
fn send_returns_the_unary_head_and_body() {
    on_both(|| async {
        let reply = ScriptedResponse::models(vec![], "\"etag-1\"");
        let server = TestServer::start(Script::new().then(reply)).unwrap();
        let output = client(&server)
            .send(PreparedRequest::list_models(None), ResponsesOptions::new())
            .await
            .unwrap();
        assert_eq!(output.status, 200);
        assert_eq!(output.headers["etag"], "\"etag-1\"");
        assert_eq!(&output.body[..], br#"{"models":[]}"#);
    });
}

#[test]
fn two_sequential_calls_reuse_one_connection() {
    on_both(|| async {
        let server = TestServer::start(
            Script::new()
                .then(ScriptedResponse::models(vec![], "a"))
                .then(ScriptedResponse::models(vec![], "b"))
                .then(ScriptedResponse::models(vec![], "c")),
        )
        .unwrap();
        let client = client(&server);
        client.list_models(None).await.unwrap();
        client.list_models(None).await.unwrap();
        client.clone().list_models(None).await.unwrap();
        let requests = server.wait_for_requests(3, Duration::from_secs(5));
        assert_eq!(requests[0].connection_id, requests[1].connection_id);
        assert_eq!(requests[1].connection_id, requests[2].connection_id);
    });
}

#[test]
fn finished_streams_give_their_connection_back() {
    on_both(|| async {
        let transcript = || Transcript::new().created().message(&["a"]).completed();
        // Content-Length framing ends with the last event; chunked framing has its
        // terminating chunk drained when the connection is next taken.
        let fixed = || ScriptedResponse::sse(Body::fixed(transcript().to_bytes()));
        let server = TestServer::start(
            Script::new()
                .then(fixed())
                .then(fixed())
                .then(ScriptedResponse::sse(transcript()))
                .then(ScriptedResponse::models(vec![], "e")),
        )
        .unwrap();
        let client = client(&server);
        let stream = client.stream(request(), ResponsesOptions::new()).await;
        let (events, error) = drain(stream.unwrap()).await;
        assert!(error.is_none(), "{error:?}");
        assert_eq!(text(&events), "a");

        // A consumer that stops at `Completed` and drops the stream gives it back too.
        let mut stream = client
            .stream(request(), ResponsesOptions::new())
            .await
            .unwrap();
        while let Some(event) = stream.next().await {
            if let ResponseEvent::Completed { .. } = event.unwrap() {
                break;
            }
        }
        drop(stream);

        let stream = client.stream(request(), ResponsesOptions::new()).await;
        let (events, error) = drain(stream.unwrap()).await;
        assert!(error.is_none(), "{error:?}");
        assert_eq!(text(&events), "a");
        // The chunked stream ended at its last event; give the server thread a moment to
        // write the terminating chunk, which the pool drains when it takes the connection.
        async_io::Timer::after(Duration::from_millis(50)).await;
        client.list_models(None).await.unwrap();

        let requests = server.wait_for_requests(4, Duration::from_secs(5));
        assert_eq!(requests.len(), 4);
        assert!(
            requests
                .iter()
                .all(|r| r.connection_id == requests[0].connection_id)
        );
    });
}

#[test]
fn a_connection_the_server_closed_is_not_reused() {
    on_both(|| async {
        let server = TestServer::start(
            Script::new()
                .then(ScriptedResponse::models(vec![], "a").close_connection())
                .then(ScriptedResponse::models(vec![], "b")),
        )
        .unwrap();
        let client = client(&server);
        client.list_models(None).await.unwrap();
        client.list_models(None).await.unwrap();
        let requests = server.wait_for_requests(2, Duration::from_secs(5));
        assert_eq!(requests.len(), 2, "no failed attempt, no retry");
        assert_ne!(requests[0].connection_id, requests[1].connection_id);
    });
}

#[test]
fn clients_streams_and_call_futures_are_send() {
    fn send<T: Send>(_: &T) {}
    fn send_sync<T: Send + Sync>(_: &T) {}
    let server = TestServer::start(Script::new()).unwrap();
    let client = client(&server);
    send_sync(&client);
    send(&client.stream(request(), ResponsesOptions::new()));
    send(&client.list_models(None));
    let input = CompactionInput::new("gpt-test", vec![]);
    send(&client.compact(input, ResponsesOptions::new()));
    fn stream_is_send<S: futures_core::Stream + Send>() {}
    stream_is_send::<codex_api_async_std::EventStream>();
    stream_is_send::<codex_api_async_std::RawEventStream>();
}

#[test]
fn concurrent_calls_use_separate_connections() {
    on_both(|| async {
        let transcript = |word: &str| Transcript::new().created().message(&[word]).completed();
        let server = TestServer::start(
            Script::new()
                .then(ScriptedResponse::sse(transcript("one")))
                .then(ScriptedResponse::sse(transcript("two"))),
        )
        .unwrap();
        let client = client(&server);
        let first = client
            .stream(request(), ResponsesOptions::new())
            .await
            .unwrap();
        let second = client
            .stream(request(), ResponsesOptions::new())
            .await
            .unwrap();
        // Both bodies are open at once; each is pumped by its own consumer.
        let ((a, a_error), (b, b_error)) =
            futures_lite::future::zip(drain(first), drain(second)).await;
        assert!(a_error.is_none() && b_error.is_none());
        let mut words = [text(&a), text(&b)];
        words.sort();
        assert_eq!(words, ["one", "two"]);
        let requests = server.requests();
        assert_ne!(requests[0].connection_id, requests[1].connection_id);
    });
}
