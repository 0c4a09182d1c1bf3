//! Streams: tool calls, reasoning, in-stream errors, truncation, idle timeout, cancellation.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::Duration;

use codex_api_core::request::ResponsesOptions;
use codex_api_core::stream::ResponseEvent;
use codex_api_core::wire::ResponseItem;
use codex_api_testkit::{Body, Cut, Script, ScriptedResponse, Stall, TestServer, Transcript};
use codex_api_tokio::Error;
use futures_util::StreamExt;

use common::{builder, client, drain, request, text};

fn error_kind(error: Option<Error>) -> &'static str {
    error.expect("the stream should fail").kind()
}

#[tokio::test]
async fn tool_calls_arrive_as_deltas_and_items() {
    let transcript = Transcript::new()
        .created()
        .function_call("shell", "call_1", &["{\"cmd\":", "\"ls\"}"])
        .completed();
    let server = TestServer::start(Script::new().then(ScriptedResponse::sse(transcript))).unwrap();
    let stream = client(&server)
        .stream(request(), ResponsesOptions::new())
        .await
        .unwrap();
    let (events, error) = drain(stream).await;
    assert!(error.is_none(), "{error:?}");
    let arguments: String = events
        .iter()
        .filter_map(|event| match event {
            ResponseEvent::ToolCallInputDelta { delta, call_id, .. } => {
                assert_eq!(call_id.as_deref(), Some("call_1"));
                Some(delta.as_str())
            }
            _ => None,
        })
        .collect();
    assert_eq!(arguments, "{\"cmd\":\"ls\"}");
    let done = events.iter().find_map(|event| match event {
        ResponseEvent::OutputItemDone(ResponseItem::FunctionCall(call)) => Some(call),
        _ => None,
    });
    let done = done.expect("a finished function call");
    assert_eq!(
        (done.name.as_str(), done.arguments.as_str()),
        ("shell", "{\"cmd\":\"ls\"}")
    );
}

#[tokio::test]
async fn reasoning_summaries_stream() {
    let transcript = Transcript::new()
        .created()
        .reasoning(&[&["Think", "ing"], &["More"]])
        .message(&["answer"])
        .completed();
    let server = TestServer::start(Script::new().then(ScriptedResponse::sse(transcript))).unwrap();
    let stream = client(&server)
        .stream(request(), ResponsesOptions::new())
        .await
        .unwrap();
    let (events, error) = drain(stream).await;
    assert!(error.is_none(), "{error:?}");
    let summary: Vec<(u32, &str)> = events
        .iter()
        .filter_map(|event| match event {
            ResponseEvent::ReasoningSummaryDelta {
                delta,
                summary_index,
            } => Some((*summary_index, delta.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(summary, [(0, "Think"), (0, "ing"), (1, "More")]);
    assert_eq!(text(&events), "answer");
}

/// A stream that fails in-stream: the events before the failure, then its error kind.
async fn in_stream_failure(transcript: Transcript) -> (Vec<ResponseEvent>, &'static str) {
    let server = TestServer::start(Script::new().then(ScriptedResponse::sse(transcript))).unwrap();
    let stream = client(&server)
        .stream(request(), ResponsesOptions::new())
        .await
        .unwrap();
    let (events, error) = drain(stream).await;
    (events, error_kind(error))
}

#[tokio::test]
async fn response_failed_ends_the_stream_after_its_events() {
    let transcript = Transcript::new().created().message(&["partial"]).failed(
        "context_length_exceeded",
        "Your input exceeds the context window",
    );
    let (events, kind) = in_stream_failure(transcript).await;
    assert_eq!(text(&events), "partial");
    assert_eq!(kind, "context_window_exceeded");
}

#[tokio::test]
async fn error_event_and_incomplete_response_fail_the_stream() {
    let transcript = Transcript::new()
        .created()
        .error(Some("server_is_overloaded"), "busy", None);
    assert_eq!(in_stream_failure(transcript).await.1, "server_overloaded");
    let transcript = Transcript::new()
        .created()
        .error_nested("invalid_request_error", None, "bad");
    assert_eq!(in_stream_failure(transcript).await.1, "invalid_request");
    let transcript = Transcript::new()
        .created()
        .message(&["so far"])
        .incomplete("max_output_tokens");
    let (events, kind) = in_stream_failure(transcript).await;
    assert_eq!(text(&events), "so far");
    assert_eq!(kind, "response_incomplete");
}

#[tokio::test]
async fn a_body_closed_mid_stream_is_truncated_after_its_events() {
    let transcript = Transcript::new().created().message(&["one", "two"]);
    let body = transcript.to_body().close();
    let server = TestServer::start(Script::new().then(ScriptedResponse::sse(body))).unwrap();
    let stream = client(&server)
        .stream(request(), ResponsesOptions::new())
        .await
        .unwrap();
    let (events, error) = drain(stream).await;
    assert_eq!(text(&events), "onetwo");
    let error = error.unwrap();
    assert_eq!(error.kind(), "stream_truncated");
    assert!(error.api_error().unwrap().is_retryable());
}

#[tokio::test]
async fn a_cut_chunk_is_truncated_too() {
    let transcript = Transcript::new().created().message(&["one"]);
    let body = transcript.to_body().cut(Cut::TruncatedChunk);
    let server = TestServer::start(Script::new().then(ScriptedResponse::sse(body))).unwrap();
    let stream = client(&server)
        .stream(request(), ResponsesOptions::new())
        .await
        .unwrap();
    let (events, error) = drain(stream).await;
    assert_eq!(text(&events), "one");
    assert_eq!(error_kind(error), "stream_truncated");
}

#[tokio::test]
async fn a_stalled_stream_hits_the_idle_timeout() {
    let body = Transcript::new()
        .created()
        .message(&["before"])
        .to_body()
        .stall(Stall::until_shutdown());
    let server = TestServer::start(Script::new().then(ScriptedResponse::sse(body))).unwrap();
    let client = builder(&server)
        .stream_idle_timeout(Some(Duration::from_millis(200)))
        .build()
        .unwrap();
    let stream = client
        .stream(request(), ResponsesOptions::new())
        .await
        .unwrap();
    let (events, error) = drain(stream).await;
    assert_eq!(text(&events), "before");
    assert_eq!(error_kind(error), "idle_timeout");
}

#[tokio::test]
async fn keep_alive_comments_hold_off_the_idle_timeout() {
    let frames = Transcript::new()
        .created()
        .message(&["x"])
        .completed()
        .frames();
    let (last, rest) = frames.split_last().unwrap();
    let stall =
        Stall::for_duration(Duration::from_millis(600)).with_keep_alive(Duration::from_millis(50));
    let body = Body::chunked()
        .bytes(rest.concat())
        .stall(stall)
        .bytes(last.clone());
    let server = TestServer::start(Script::new().then(ScriptedResponse::sse(body))).unwrap();
    let client = builder(&server)
        .stream_idle_timeout(Some(Duration::from_millis(300)))
        .build()
        .unwrap();
    let stream = client
        .stream(request(), ResponsesOptions::new())
        .await
        .unwrap();
    let (events, error) = drain(stream).await;
    assert!(error.is_none(), "{error:?}");
    assert!(matches!(
        events.last(),
        Some(ResponseEvent::Completed { .. })
    ));
}

#[tokio::test]
async fn dropping_the_stream_closes_its_connection() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    let (closed_tx, closed_rx) = mpsc::channel();
    let server = std::thread::spawn(move || {
        let (mut socket, _) = listener.accept().unwrap();
        let mut head = Vec::new();
        let mut byte = [0_u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            socket.read_exact(&mut byte).unwrap();
            head.push(byte[0]);
        }
        let length: usize = String::from_utf8_lossy(&head)
            .lines()
            .find_map(|line| {
                line.to_ascii_lowercase()
                    .strip_prefix("content-length: ")
                    .map(str::to_owned)
            })
            .and_then(|value| value.trim().parse().ok())
            .unwrap();
        let mut body = vec![0_u8; length];
        socket.read_exact(&mut body).unwrap();
        let event = Transcript::new().created().to_bytes();
        write!(
            socket,
            "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n{:x}\r\n",
            event.len()
        )
        .unwrap();
        socket.write_all(&event).unwrap();
        socket.write_all(b"\r\n").unwrap();
        // The response never ends; only the client can end the connection.
        socket
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut rest = Vec::new();
        // A close is a FIN (end of stream) or, when the client closed with bytes of ours still
        // unread in its socket (a timing matter), a reset; a read timeout is not a close.
        let ended = match socket.read_to_end(&mut rest) {
            Ok(_) => true,
            Err(error) => error.kind() == std::io::ErrorKind::ConnectionReset,
        };
        closed_tx.send(ended).unwrap();
    });
    let provider = codex_api_core::provider::Provider::custom("raw", url).unwrap();
    let auth =
        codex_api_tokio::StaticAuth::new(codex_api_core::credentials::Credentials::api_key("k"));
    let client = codex_api_tokio::Client::builder(provider, auth)
        .without_proxy()
        .build()
        .unwrap();
    let mut stream = client
        .stream(request(), ResponsesOptions::new())
        .await
        .unwrap();
    assert_eq!(
        stream.next().await.unwrap().unwrap(),
        ResponseEvent::Created
    );
    drop(stream);
    // Wait without blocking the runtime: the connection task must run to close the socket.
    let mut waited = Duration::ZERO;
    let ended = loop {
        match closed_rx.try_recv() {
            Ok(ended) => break ended,
            Err(_) if waited < Duration::from_secs(15) => {
                tokio::time::sleep(Duration::from_millis(20)).await;
                waited += Duration::from_millis(20);
            }
            Err(error) => panic!("the server thread never reported: {error}"),
        }
    };
    assert!(
        ended,
        "the server saw the connection close (EOF), not a read timeout"
    );
    server.join().unwrap();
}

#[tokio::test]
async fn after_a_dropped_stream_the_next_call_uses_a_new_connection() {
    let body = Transcript::new()
        .created()
        .message(&["a"])
        .to_body()
        .stall(Stall::until_shutdown());
    let server = TestServer::start(
        Script::new()
            .then(ScriptedResponse::sse(body))
            .then(ScriptedResponse::models(vec![], "e")),
    )
    .unwrap();
    let client = client(&server);
    let mut stream = client
        .stream(request(), ResponsesOptions::new())
        .await
        .unwrap();
    assert_eq!(
        stream.next().await.unwrap().unwrap(),
        ResponseEvent::Created
    );
    drop(stream);
    client.list_models(None).await.unwrap();
    let requests = server.wait_for_requests(2, Duration::from_secs(5));
    assert_ne!(requests[0].connection_id, requests[1].connection_id);
}

#[tokio::test]
async fn in_stream_rate_limits_and_usage_limits_keep_their_kinds() {
    let transcript = Transcript::new().created().failed(
        "rate_limit_exceeded",
        "Rate limit reached. Please try again in 1.5s.",
    );
    let server = TestServer::start(Script::new().then(ScriptedResponse::sse(transcript))).unwrap();
    let stream = client(&server)
        .stream(request(), ResponsesOptions::new())
        .await
        .unwrap();
    let error = drain(stream).await.1.unwrap();
    assert_eq!(error.kind(), "rate_limited");
    assert_eq!(
        error.api_error().unwrap().retry_after(),
        Some(Duration::from_millis(1500))
    );

    let transcript = Transcript::new()
        .created()
        .failed("insufficient_quota", "pay up");
    assert_eq!(in_stream_failure(transcript).await.1, "quota_exceeded");
}
