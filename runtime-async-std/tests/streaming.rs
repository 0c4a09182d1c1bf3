//! Streams on async-std and on smol: tool calls, reasoning, in-stream errors, truncation,
//! idle timeout, cancellation.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::Duration;

use codex_api_async_std::Error;
use codex_api_core::request::ResponsesOptions;
use codex_api_core::stream::ResponseEvent;
use codex_api_core::wire::ResponseItem;
use codex_api_testkit::{Body, Cut, Script, ScriptedResponse, Stall, TestServer, Transcript};
use futures_lite::StreamExt;

use common::{builder, client, drain, on_both, request, text};

fn error_kind(error: Option<Error>) -> &'static str {
    error.expect("the stream should fail").kind()
}

/// Every event of the stream answered with `body`, and the error that ended it.
async fn run(body: impl Into<Body>, idle: Option<Duration>) -> (Vec<ResponseEvent>, Option<Error>) {
    let server = TestServer::start(Script::new().then(ScriptedResponse::sse(body))).unwrap();
    let mut client = builder(&server);
    if idle.is_some() {
        client = client.stream_idle_timeout(idle);
    }
    let client = client.build().unwrap();
    let stream = client.stream(request(), ResponsesOptions::new());
    drain(stream.await.unwrap()).await
}

#[test]
fn tool_calls_arrive_as_deltas_and_items() {
    on_both(|| async {
        let transcript = Transcript::new()
            .created()
            .function_call("shell", "call_1", &["{\"cmd\":", "\"ls\"}"])
            .custom_tool_call("apply_patch", "call_2", &["*** Begin", " Patch"])
            .completed();
        let (events, error) = run(transcript, None).await;
        assert!(error.is_none(), "{error:?}");
        let deltas: Vec<(Option<&str>, &str)> = events
            .iter()
            .filter_map(|event| match event {
                ResponseEvent::ToolCallInputDelta { delta, call_id, .. } => {
                    Some((call_id.as_deref(), delta.as_str()))
                }
                _ => None,
            })
            .collect();
        assert_eq!(
            deltas,
            [
                (Some("call_1"), "{\"cmd\":"),
                (Some("call_1"), "\"ls\"}"),
                (Some("call_2"), "*** Begin"),
                (Some("call_2"), " Patch"),
            ]
        );
        let done = events.iter().find_map(|event| match event {
            ResponseEvent::OutputItemDone(ResponseItem::FunctionCall(call)) => Some(call),
            _ => None,
        });
        let done = done.expect("a finished function call");
        assert_eq!(
            (
                done.name.as_str(),
                done.arguments.as_str(),
                done.call_id.as_str()
            ),
            ("shell", "{\"cmd\":\"ls\"}", "call_1")
        );
    });
}

#[test]
fn reasoning_summaries_stream() {
    on_both(|| async {
        let transcript = Transcript::new()
            .created()
            .reasoning(&[&["Think", "ing"], &["More"]])
            .message(&["answer"])
            .completed();
        let (events, error) = run(transcript, None).await;
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
        assert!(events.contains(&ResponseEvent::ReasoningSummaryPartAdded { summary_index: 1 }));
        assert_eq!(text(&events), "answer");
    });
}

#[test]
fn in_stream_failures_end_the_stream_after_their_events() {
    on_both(|| async {
        let transcript = Transcript::new().created().message(&["partial"]).failed(
            "context_length_exceeded",
            "Your input exceeds the context window",
        );
        let (events, error) = run(transcript, None).await;
        assert_eq!(text(&events), "partial");
        assert_eq!(error_kind(error), "context_window_exceeded");

        let transcript =
            Transcript::new()
                .created()
                .error(Some("server_is_overloaded"), "busy", None);
        let (events, error) = run(transcript, None).await;
        assert_eq!(events, [ResponseEvent::Created]);
        assert_eq!(error_kind(error), "server_overloaded");

        let transcript = Transcript::new()
            .created()
            .message(&["so far"])
            .incomplete("max_output_tokens");
        let (events, error) = run(transcript, None).await;
        assert_eq!(text(&events), "so far");
        assert_eq!(error_kind(error), "response_incomplete");
    });
}

#[test]
fn a_body_closed_mid_stream_is_truncated_after_its_events() {
    on_both(|| async {
        let body = Transcript::new()
            .created()
            .message(&["one", "two"])
            .to_body()
            .close();
        let (events, error) = run(body, None).await;
        assert_eq!(events[0], ResponseEvent::Created);
        assert_eq!(text(&events), "onetwo");
        let error = error.unwrap();
        assert_eq!(error.kind(), "stream_truncated");
        assert!(error.api_error().unwrap().is_retryable());
    });
}

#[test]
fn a_cut_chunk_is_truncated_too() {
    on_both(|| async {
        let body = Transcript::new()
            .created()
            .message(&["one"])
            .to_body()
            .cut(Cut::TruncatedChunk);
        let (events, error) = run(body, None).await;
        assert_eq!(text(&events), "one");
        assert_eq!(error_kind(error), "stream_truncated");
    });
}

#[test]
fn a_stalled_stream_hits_the_idle_timeout() {
    on_both(|| async {
        let body = Transcript::new()
            .created()
            .message(&["before"])
            .to_body()
            .stall(Stall::until_shutdown());
        let (events, error) = run(body, Some(Duration::from_millis(200))).await;
        assert_eq!(text(&events), "before");
        assert_eq!(error_kind(error), "idle_timeout");
    });
}

#[test]
fn keep_alive_comments_hold_off_the_idle_timeout() {
    on_both(|| async {
        let frames = Transcript::new()
            .created()
            .message(&["x"])
            .completed()
            .frames();
        let (last, rest) = frames.split_last().unwrap();
        let stall = Stall::for_duration(Duration::from_millis(600))
            .with_keep_alive(Duration::from_millis(50));
        let body = Body::chunked()
            .bytes(rest.concat())
            .stall(stall)
            .bytes(last.clone());
        let (events, error) = run(body, Some(Duration::from_millis(300))).await;
        assert!(error.is_none(), "{error:?}");
        assert!(matches!(
            events.last(),
            Some(ResponseEvent::Completed { .. })
        ));
    });
}

/// A one-shot raw server: answers one request with an endless event stream and reports
/// whether the client closed the connection (EOF) before a 10 s read timeout.
fn endless_server() -> (String, mpsc::Receiver<bool>, std::thread::JoinHandle<()>) {
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
                let line = line.to_ascii_lowercase();
                line.strip_prefix("content-length: ").map(str::to_owned)
            })
            .and_then(|value| value.trim().parse().ok())
            .unwrap();
        let mut body = vec![0_u8; length];
        socket.read_exact(&mut body).unwrap();
        let event = Transcript::new().created().to_bytes();
        write!(
            socket,
            "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\
             transfer-encoding: chunked\r\n\r\n{:x}\r\n",
            event.len()
        )
        .unwrap();
        socket.write_all(&event).unwrap();
        socket.write_all(b"\r\n").unwrap();
        // The response never ends; only the client can end the connection.
        let timeout = Some(Duration::from_secs(10));
        socket.set_read_timeout(timeout).unwrap();
        let mut rest = Vec::new();
        // A close is a FIN (end of stream) or, when the client closed with bytes of ours still
        // unread in its socket (a timing matter), a reset; a read timeout is not a close.
        let ended = match socket.read_to_end(&mut rest) {
            Ok(_) => true,
            Err(error) => error.kind() == std::io::ErrorKind::ConnectionReset,
        };
        closed_tx.send(ended).unwrap();
    });
    (url, closed_rx, server)
}

#[test]
fn dropping_the_stream_closes_its_connection() {
    on_both(|| async {
        let (url, closed, server) = endless_server();
        let provider = codex_api_core::provider::Provider::custom("raw", url).unwrap();
        let credentials = codex_api_core::credentials::Credentials::api_key("k");
        let auth = codex_api_async_std::StaticAuth::new(credentials);
        let client = codex_api_async_std::Client::builder(provider, auth)
            .build()
            .unwrap();
        let mut stream = client
            .stream(request(), ResponsesOptions::new())
            .await
            .unwrap();
        let first = stream.next().await.unwrap().unwrap();
        assert_eq!(first, ResponseEvent::Created);
        drop(stream);
        // Nothing runs in the background: the drop itself closed the socket.
        let ended = closed.recv_timeout(Duration::from_secs(15)).unwrap();
        assert!(
            ended,
            "the server saw the connection close (EOF), not a read timeout"
        );
        server.join().unwrap();
    });
}

#[test]
fn after_a_dropped_stream_the_next_call_uses_a_new_connection() {
    on_both(|| async {
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
    });
}

#[test]
fn in_stream_rate_limits_keep_their_kind_and_delay() {
    on_both(|| async {
        let transcript = Transcript::new().created().failed(
            "rate_limit_exceeded",
            "Rate limit reached. Please try again in 1.5s.",
        );
        let (_, error) = run(transcript, None).await;
        let error = error.unwrap();
        assert_eq!(error.kind(), "rate_limited");
        let delay = error.api_error().unwrap().retry_after();
        assert_eq!(delay, Some(Duration::from_millis(1500)));
    });
}

#[test]
fn a_stream_that_timed_out_does_not_pool_its_stalled_connection() {
    on_both(|| async {
        let body = Transcript::new()
            .created()
            .to_body()
            .stall(Stall::until_shutdown());
        let server = TestServer::start(
            Script::new()
                .then(ScriptedResponse::sse(body))
                .then(ScriptedResponse::models(vec![], "e")),
        )
        .unwrap();
        let client = builder(&server)
            .stream_idle_timeout(Some(Duration::from_millis(100)))
            .build()
            .unwrap();
        let stream = client.stream(request(), ResponsesOptions::new()).await;
        let (events, error) = drain(stream.unwrap()).await;
        assert_eq!(events, [ResponseEvent::Created]);
        assert_eq!(error_kind(error), "idle_timeout");
        client.list_models(None).await.unwrap();
        let requests = server.wait_for_requests(2, Duration::from_secs(5));
        assert_eq!(requests.len(), 2);
        assert_ne!(requests[0].connection_id, requests[1].connection_id);
    });
}
