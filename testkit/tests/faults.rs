//! Scripted faults on the wire: closes, cut chunked encodings, stalls and keep-alive comments.

mod common;

use std::sync::mpsc;
use std::time::{Duration, Instant};

use codex_api_testkit::{Body, Cut, Script, ScriptedResponse, Stall, TestServer, Transcript};
use common::{Chunk, Client};

fn serve_one(response: ScriptedResponse) -> (TestServer, Client) {
    let server = TestServer::start(Script::new().then(response)).unwrap();
    let mut client = Client::connect(&server);
    client.request("POST", "/v1/responses", &[], b"{}");
    (server, client)
}

#[test]
fn close_mid_body_after_exactly_n_payload_bytes_chunked() {
    let transcript = Transcript::new().created().message(&["Hello"]).completed();
    let bytes = transcript.to_bytes();
    let n = 100u64;
    let (_server, mut client) = serve_one(ScriptedResponse::sse(
        transcript.to_body().chunk_size(7).close_at(n),
    ));
    client.read_head();
    let (chunks, end) = client.chunks_until_end();
    assert_eq!(end, Chunk::EofInHeader(Vec::new()));
    let received = chunks.concat();
    assert_eq!(received.len() as u64, n);
    assert_eq!(received, bytes[..n as usize]);
}

#[test]
fn close_mid_body_after_exactly_n_bytes_under_content_length() {
    let body = Body::content_length()
        .bytes("0123456789")
        .fill(b'z', 1000)
        .close_at(25);
    let (_server, mut client) = serve_one(ScriptedResponse::new(200).body(body));
    let head = client.read_head();
    assert_eq!(head.header("content-length"), Some("1010"));
    let received = client.read_to_end();
    assert_eq!(received.len(), 25);
    assert_eq!(&received[..10], b"0123456789");
    assert!(received[10..].iter().all(|&b| b == b'z'));
}

#[test]
fn close_at_the_end_drops_only_the_terminating_chunk() {
    let (_server, mut client) = serve_one(ScriptedResponse::sse(
        Body::chunked().bytes("data: x\n\n").close(),
    ));
    client.read_head();
    let (chunks, end) = client.chunks_until_end();
    assert_eq!(chunks, [b"data: x\n\n".to_vec()]);
    assert_eq!(end, Chunk::EofInHeader(Vec::new()));
}

#[test]
fn truncated_chunk_announces_more_than_it_sends() {
    let body = Body::chunked()
        .bytes("data: one\n\n")
        .bytes("data: two\n\n")
        .cut_at(11, Cut::TruncatedChunk);
    let (_server, mut client) = serve_one(ScriptedResponse::sse(body));
    client.read_head();
    assert_eq!(client.chunk(), Chunk::Data(b"data: one\n\n".to_vec()));
    assert_eq!(
        client.chunk(),
        Chunk::EofInData {
            declared: 11 + 16,
            received: b"data: two\n\n".to_vec()
        }
    );
}

#[test]
fn invalid_chunk_header_then_close() {
    let body = Body::chunked()
        .bytes("data: one\n\n")
        .cut(Cut::InvalidChunkHeader);
    let (_server, mut client) = serve_one(ScriptedResponse::sse(body));
    client.read_head();
    assert_eq!(client.chunk(), Chunk::Data(b"data: one\n\n".to_vec()));
    assert_eq!(client.chunk(), Chunk::InvalidHeader(b"zz".to_vec()));
    assert!(client.at_eof());
}

#[test]
fn stall_until_shutdown_ends_when_the_server_drops() {
    let body = Body::chunked()
        .bytes("data: before\n\n")
        .stall(Stall::until_shutdown())
        .bytes("data: after\n\n");
    let (server, mut client) = serve_one(ScriptedResponse::sse(body));
    let (seen_tx, seen_rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        client.read_head();
        let first = client.chunk();
        seen_tx.send(()).unwrap();
        let rest = client.chunks_until_end();
        (first, rest)
    });
    seen_rx.recv_timeout(Duration::from_secs(10)).unwrap();
    drop(server); // Must return: the stalled response ends, its thread is joined.
    let (first, (more, end)) = reader.join().unwrap();
    assert_eq!(first, Chunk::Data(b"data: before\n\n".to_vec()));
    assert!(more.is_empty());
    assert_eq!(end, Chunk::EofInHeader(Vec::new()));
}

#[test]
fn stall_for_a_duration_then_the_body_goes_on() {
    let stall = Duration::from_millis(200);
    let body = Body::chunked()
        .bytes("data: a\n\n")
        .bytes("data: b\n\n")
        .stall_at(9, Stall::for_duration(stall));
    let sent = Instant::now();
    let (_server, mut client) = serve_one(ScriptedResponse::sse(body));
    client.read_head();
    assert_eq!(client.chunk(), Chunk::Data(b"data: a\n\n".to_vec()));
    assert_eq!(client.chunk(), Chunk::Data(b"data: b\n\n".to_vec()));
    // A lower bound only: the stall lies between the request and the second event.
    assert!(sent.elapsed() >= stall);
    assert_eq!(client.chunk(), Chunk::Last);
}

#[test]
fn stall_with_keep_alive_sends_comment_lines() {
    let body = Body::chunked()
        .bytes("data: a\n\n")
        .stall(
            Stall::for_duration(Duration::from_millis(250))
                .with_keep_alive(Duration::from_millis(50)),
        )
        .bytes("data: b\n\n");
    let (_server, mut client) = serve_one(ScriptedResponse::sse(body));
    client.read_head();
    let chunks = client.chunks_to_end();
    assert_eq!(chunks.first().unwrap(), b"data: a\n\n");
    assert_eq!(chunks.last().unwrap(), b"data: b\n\n");
    let comments = &chunks[1..chunks.len() - 1];
    assert!(!comments.is_empty(), "no keep-alive comment was sent");
    assert!(comments.iter().all(|c| c == b": keep-alive\n"));
}

#[test]
fn stall_with_keep_alive_until_shutdown() {
    let body = Body::chunked()
        .bytes("data: a\n\n")
        .stall(Stall::until_shutdown().with_keep_alive(Duration::from_millis(20)));
    let (server, mut client) = serve_one(ScriptedResponse::sse(body));
    client.read_head();
    assert_eq!(client.chunk(), Chunk::Data(b"data: a\n\n".to_vec()));
    for _ in 0..3 {
        assert_eq!(client.chunk(), Chunk::Data(b": keep-alive\n".to_vec()));
    }
    drop(server);
    loop {
        match client.chunk() {
            Chunk::Data(data) => assert_eq!(data, b": keep-alive\n"),
            end => {
                assert_eq!(end, Chunk::EofInHeader(Vec::new()));
                break;
            }
        }
    }
}

#[test]
fn drop_ends_a_response_to_a_client_that_never_reads() {
    // 256 MiB to a client that reads nothing: the server thread blocks on a full socket
    // buffer, and dropping the server must still return.
    let body = Body::chunked()
        .fill(b'x', 256 * 1024 * 1024)
        .chunk_size(1024 * 1024);
    let (server, client) = serve_one(ScriptedResponse::sse(body));
    server.wait_for_requests(1, Duration::from_secs(10));
    drop(server);
    drop(client);
}

#[test]
fn drop_with_an_idle_keep_alive_connection_returns() {
    let server = TestServer::start(Script::new().then(ScriptedResponse::new(200))).unwrap();
    let mut client = Client::connect(&server);
    client.request("GET", "/", &[], b"");
    client.read_head();
    drop(server);
    assert!(client.at_eof());
}
