//! Response bodies on the wire: framing, chunk sizes, delays, drips and generated payload.

mod common;

use std::time::{Duration, Instant};

use codex_api_testkit::{Body, Script, ScriptedResponse, TestServer, Transcript};
use common::{Chunk, Client};

#[test]
fn fixed_json_body_has_content_length_and_content_type() {
    let value = serde_json::json!({"ok": true, "n": 3});
    let server =
        TestServer::start(Script::new().then(ScriptedResponse::json(200, &value))).unwrap();
    let mut client = Client::connect(&server);
    client.request("GET", "/", &[], b"");
    let head = client.read_head();
    assert_eq!(head.header("content-type"), Some("application/json"));
    let len: usize = head.header("content-length").unwrap().parse().unwrap();
    let body = client.read_up_to(len);
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&body).unwrap(),
        value
    );
    assert_eq!(head.header("transfer-encoding"), None);
}

#[test]
fn sse_transcript_goes_out_chunked_one_chunk_per_frame() {
    let transcript = Transcript::new().created().message(&["a", "b"]).completed();
    let server =
        TestServer::start(Script::new().then(ScriptedResponse::sse(transcript.clone()))).unwrap();
    let mut client = Client::connect(&server);
    client.request("POST", "/v1/responses", &[], b"{}");
    let head = client.read_head();
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-type"), Some("text/event-stream"));
    assert_eq!(head.header("transfer-encoding"), Some("chunked"));
    assert_eq!(head.header("content-length"), None);
    let chunks = client.chunks_to_end();
    assert_eq!(chunks, transcript.frames());
    assert_eq!(chunks.concat(), transcript.to_bytes());
}

#[test]
fn chunk_size_splits_the_payload() {
    let body = Body::chunked()
        .bytes("abcdefghij")
        .bytes("kl")
        .chunk_size(4);
    let server =
        TestServer::start(Script::new().then(ScriptedResponse::new(200).body(body))).unwrap();
    let mut client = Client::connect(&server);
    client.request("GET", "/", &[], b"");
    client.read_head();
    let chunks = client.chunks_to_end();
    let chunks: Vec<&[u8]> = chunks.iter().map(Vec::as_slice).collect();
    assert_eq!(chunks, [&b"abcd"[..], b"efgh", b"ij", b"kl"]);
}

#[test]
fn chunk_delay_spaces_chunks_out() {
    let delay = Duration::from_millis(100);
    let body = Body::chunked()
        .bytes("abc")
        .chunk_size(1)
        .chunk_delay(delay);
    let server =
        TestServer::start(Script::new().then(ScriptedResponse::new(200).body(body))).unwrap();
    let mut client = Client::connect(&server);
    let start = Instant::now();
    client.request("GET", "/", &[], b"");
    client.read_head();
    assert_eq!(client.chunks_to_end().concat(), b"abc");
    // Two delays separate three chunks: a lower bound only.
    assert!(start.elapsed() >= delay * 2);
}

#[test]
fn pause_at_an_offset_holds_the_rest_back() {
    let pause = Duration::from_millis(200);
    let body = Body::chunked().bytes("first|second").pause_at(6, pause);
    let server =
        TestServer::start(Script::new().then(ScriptedResponse::new(200).body(body))).unwrap();
    let mut client = Client::connect(&server);
    let sent = Instant::now();
    client.request("GET", "/", &[], b"");
    client.read_head();
    assert_eq!(client.chunk(), Chunk::Data(b"first|".to_vec()));
    assert_eq!(client.chunk(), Chunk::Data(b"second".to_vec()));
    // A lower bound only: the pause lies between the request and the second chunk.
    assert!(sent.elapsed() >= pause);
    assert_eq!(client.chunk(), Chunk::Last);
}

#[test]
fn delayed_head_and_ordering_of_requests() {
    let delay = Duration::from_millis(200);
    let server = TestServer::start(
        Script::new()
            .then(ScriptedResponse::new(200).delay_head(delay))
            .then(ScriptedResponse::new(200)),
    )
    .unwrap();
    let mut client = Client::connect(&server);
    client.request("GET", "/1", &[], b"");
    client.read_head();
    client.request("GET", "/2", &[], b"");
    client.read_head();
    let requests = server.requests();
    // The second request could only be sent after the delayed first response.
    assert!(
        requests[1]
            .received_at
            .duration_since(requests[0].received_at)
            >= delay
    );
}

#[test]
fn drip_sends_one_byte_per_chunk() {
    let body = Body::chunked()
        .bytes("data: {")
        .drip("\"a\":1}", Duration::from_millis(2))
        .bytes("\n\n");
    let server = TestServer::start(Script::new().then(ScriptedResponse::sse(body))).unwrap();
    let mut client = Client::connect(&server);
    client.request("POST", "/", &[], b"");
    client.read_head();
    let chunks = client.chunks_to_end();
    assert_eq!(chunks.len(), 1 + 6 + 1);
    assert!(chunks[1..7].iter().all(|c| c.len() == 1));
    assert_eq!(chunks.concat(), b"data: {\"a\":1}\n\n");
}

#[test]
fn huge_event_streams_every_byte() {
    const N: u64 = 64 * 1024 * 1024;
    let body = Body::chunked().bytes("event: big\n").huge_event(N);
    let server = TestServer::start(Script::new().then(ScriptedResponse::sse(body))).unwrap();
    let mut client = Client::connect(&server);
    client.request("POST", "/", &[], b"");
    client.read_head();
    let mut total = 0u64;
    let mut all_x = true;
    let mut pieces = Vec::new();
    loop {
        let mut count = 0u64;
        let mut xs = true;
        match client.chunk_with(
            |data| {
                count += data.len() as u64;
                xs &= data.iter().all(|&b| b == b'x');
            },
            false,
        ) {
            Chunk::Data(_) => {}
            Chunk::Last => break,
            other => panic!("broken stream: {other:?}"),
        }
        pieces.push(count);
        total += count;
        if count == N {
            all_x &= xs;
        }
    }
    // "event: big\n", "data: ", N bytes of x, "\n\n".
    assert_eq!(pieces, [11, 6, N, 2]);
    assert_eq!(total, 11 + 6 + N + 2);
    assert!(all_x);
}

#[test]
fn huge_content_length_body_is_generated_on_the_fly() {
    const N: u64 = 32 * 1024 * 1024;
    let server =
        TestServer::start(Script::new().then(ScriptedResponse::huge_api_error(500, N))).unwrap();
    let mut client = Client::connect(&server);
    client.request("POST", "/", &[("Connection", "close")], b"");
    let head = client.read_head();
    assert_eq!(head.status, 500);
    let declared: u64 = head.header("content-length").unwrap().parse().unwrap();
    let body = client.read_to_end();
    assert_eq!(body.len() as u64, declared);
    assert!(declared > N);
    assert!(body.starts_with(br#"{"error":{"message":"xxx"#));
    assert!(body.ends_with(br#"","type":"server_error","param":null,"code":null}}"#));
}

#[test]
fn concurrent_connections_are_served_independently() {
    // The first response pauses; the second, on another connection, completes meanwhile.
    let server = TestServer::start(
        Script::new()
            .then(
                ScriptedResponse::new(200).body(
                    Body::chunked()
                        .bytes("slow-start")
                        .pause(Duration::from_secs(30))
                        .bytes("slow-end"),
                ),
            )
            .then(ScriptedResponse::text(200, "fast")),
    )
    .unwrap();
    let mut slow = Client::connect(&server);
    slow.request("GET", "/slow", &[], b"");
    slow.read_head();
    assert_eq!(slow.chunk(), Chunk::Data(b"slow-start".to_vec()));

    let mut fast = Client::connect(&server);
    fast.request("GET", "/fast", &[], b"");
    assert_eq!(fast.read_head().status, 200);
    assert_eq!(fast.read_up_to(4), b"fast");

    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_ne!(requests[0].connection_id, requests[1].connection_id);
    // Dropping the server ends the paused response at once.
    drop(server);
    assert!(matches!(slow.chunk(), Chunk::EofInHeader(_)));
}

#[test]
fn many_parallel_clients() {
    let mut script = Script::new();
    for i in 0..8 {
        script = script.then(ScriptedResponse::text(200, &format!("r{i}")));
    }
    let server = TestServer::start(script).unwrap();
    let clients: Vec<_> = (0..8)
        .map(|_| {
            let mut client = Client::connect(&server);
            client.request("GET", "/", &[("Connection", "close")], b"");
            client
        })
        .collect();
    let mut bodies: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = clients
            .into_iter()
            .map(|mut client| {
                scope.spawn(move || {
                    client.read_head();
                    String::from_utf8(client.read_to_end()).unwrap()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    bodies.sort();
    assert_eq!(bodies, ["r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7"]);
    assert_eq!(server.requests().len(), 8);
}
