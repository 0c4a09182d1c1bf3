//! This adapter's own pool and futures, on async-std and on smol: concurrent calls, each body
//! pumped by its own consumer, get a connection each; clients, call futures and streams are
//! `Send`. (Connection reuse between calls, and everything else every adapter does alike, is
//! in the cross-runtime table, `tests/src/table/`.)

mod common;

use codex_api_core::request::ResponsesOptions;
use codex_api_core::wire::CompactionInput;
use codex_api_testkit::{Script, ScriptedResponse, TestServer, Transcript};

use common::{client, drain, on_both, request, text};

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
