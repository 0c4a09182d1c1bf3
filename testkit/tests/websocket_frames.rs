//! The WebSocket mode at the frame level, with a small client of our own (`ws_client`):
//! permessage-deflate (which stock tungstenite lacks), frames sent right behind the handshake,
//! client pings and protocol errors, and shutdown with a session open.

mod ws_client;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use codex_api_testkit::{Script, TestServer, Transcript, WsScript, WsTurn};
use serde_json::Value;
use ws_client::{RawWs, create_json, handshake, masked_frame};

const WAIT: Duration = Duration::from_secs(5);

fn transcript(id: &str, text: &str) -> Transcript {
    Transcript::new()
        .response_id(id)
        .created()
        .message(&[text])
        .completed()
}

#[test]
fn frames_sent_right_behind_the_handshake_and_client_pings() {
    let server = TestServer::start(
        Script::new().on_websocket("/v1/responses", WsScript::new().turn(transcript("r", "x"))),
    )
    .unwrap();
    let mut request = handshake("/v1/responses", None).into_bytes();
    request.extend(masked_frame(true, false, 0x9, b"are you there"));
    // A text message in two fragments.
    let create = create_json(None);
    let (a, b) = create.as_bytes().split_at(10);
    request.extend(masked_frame(false, false, 0x1, a));
    request.extend(masked_frame(true, false, 0x0, b));
    let mut raw = RawWs::connect_with(&server, &request);
    assert_eq!(raw.status(), 101);
    let pong = raw.read_frame().unwrap();
    assert_eq!(
        (pong.opcode, &pong.payload[..]),
        (0xA, &b"are you there"[..])
    );
    let (_, first, _) = raw.read_message().unwrap();
    assert!(
        String::from_utf8(first)
            .unwrap()
            .contains("response.created")
    );
    let messages = server.wait_for_websocket_messages(1, WAIT);
    assert_eq!(messages[0].text, create.as_str());
}

#[test]
fn a_protocol_error_closes_with_1002_and_is_recorded() {
    let server =
        TestServer::start(Script::new().on_websocket("/v1/responses", WsScript::new())).unwrap();
    let mut raw = RawWs::connect(&server, "/v1/responses", None);
    // Unmasked, and RSV1 without deflate agreed.
    raw.stream.write_all(&[0xC1, 0x01, b'x']).unwrap();
    let close = raw.read_frame().unwrap();
    assert_eq!(close.opcode, 0x8);
    assert_eq!(close.payload[..2], 1002u16.to_be_bytes());
    let session = server.wait_for_websocket_end(0, WAIT).unwrap();
    assert!(session.protocol_error.is_some());
}

#[test]
fn deflate_is_agreed_when_offered_and_compresses_both_ways() {
    let server = TestServer::start(
        Script::new().on_websocket(
            "/v1/responses",
            WsScript::new()
                .turn(transcript("resp_1", "compressed hello"))
                .turn(WsTurn::from(transcript("resp_2", "again")).fragmented(3)),
        ),
    )
    .unwrap();
    let mut raw = RawWs::connect(
        &server,
        "/v1/responses",
        Some("permessage-deflate; client_max_window_bits"),
    );
    assert_eq!(raw.status(), 101);
    assert_eq!(
        raw.header("sec-websocket-extensions"),
        Some("permessage-deflate")
    );
    assert_eq!(
        raw.header("sec-websocket-accept"),
        Some("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    );

    raw.send_compressed_text(&create_json(None));
    let mut seen = Vec::new();
    for turn in 0..2 {
        loop {
            let (opcode, payload, frames) = raw.read_message().unwrap();
            assert_eq!(opcode, 0x1);
            assert!(frames[0].rsv1, "every server message is compressed");
            assert!(frames[1..].iter().all(|f| !f.rsv1));
            let event: Value = serde_json::from_slice(&raw.inflate(&payload)).unwrap();
            let done = event["type"] == "response.completed";
            seen.push((event, frames.len()));
            if done {
                break;
            }
        }
        if turn == 0 {
            // The second request goes uncompressed: also allowed.
            raw.send_text(&create_json(Some("resp_1")));
        }
    }
    let completed: Vec<_> = seen
        .iter()
        .filter(|(e, _)| e["type"] == "response.completed")
        .collect();
    assert_eq!(completed[0].0["response"]["id"], "resp_1");
    assert_eq!(completed[1].0["response"]["id"], "resp_2");
    assert_eq!(completed[1].1, 3, "the second turn is fragmented");
    assert!(seen.iter().any(|(e, _)| e["delta"] == "compressed hello"));

    let messages = server.wait_for_websocket_messages(2, WAIT);
    assert!(messages[0].compressed && !messages[1].compressed);
    assert_eq!(messages[0].json().unwrap()["model"], "gpt-test");
    assert_eq!(
        messages[1].json().unwrap()["previous_response_id"],
        "resp_1"
    );
    let session = &server.websocket_sessions()[0];
    assert!(session.deflate());
    assert_eq!(session.extensions.as_deref(), Some("permessage-deflate"));
}

#[test]
fn deflate_settings_off_and_no_context_takeover() {
    let server = TestServer::start(
        Script::new()
            .on_websocket(
                "/v1/responses",
                WsScript::new().deflate(false).turn(transcript("r", "x")),
            )
            .on_websocket(
                "/v1/responses",
                WsScript::new()
                    .server_no_context_takeover()
                    .client_no_context_takeover()
                    .turn(transcript("r", "same same same")),
            ),
    )
    .unwrap();
    let mut raw = RawWs::connect(&server, "/v1/responses", Some("permessage-deflate"));
    assert_eq!(raw.header("sec-websocket-extensions"), None);
    raw.send_text(&create_json(None));
    let (_, _, frames) = raw.read_message().unwrap();
    assert!(!frames[0].rsv1);

    let mut raw = RawWs::connect(&server, "/v1/responses", Some("permessage-deflate"));
    assert_eq!(
        raw.header("sec-websocket-extensions"),
        Some("permessage-deflate; server_no_context_takeover; client_no_context_takeover")
    );
    raw.send_compressed_text(&create_json(None));
    loop {
        let (_, payload, _) = raw.read_message().unwrap();
        // Each message inflates on its own.
        raw.reset_inflater();
        let event: Value = serde_json::from_slice(&raw.inflate(&payload)).unwrap();
        if event["type"] == "response.completed" {
            break;
        }
    }
    let sessions = server.websocket_sessions();
    assert!(!sessions[0].deflate());
    assert!(sessions[1].deflate());
}

#[test]
fn dropping_the_server_ends_an_idle_session_promptly() {
    let server = TestServer::start(
        Script::new().on_websocket("/v1/responses", WsScript::new().turn(transcript("r", "x"))),
    )
    .unwrap();
    let mut raw = RawWs::connect(&server, "/v1/responses", None);
    assert_eq!(server.wait_for_websocket_sessions(1, WAIT).len(), 1);
    let started = Instant::now();
    drop(server);
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(raw.read_frame().is_none());
}

#[test]
fn a_plain_request_to_a_websocket_route_is_refused() {
    let server =
        TestServer::start(Script::new().on_websocket("/v1/responses", WsScript::new())).unwrap();
    let mut socket = TcpStream::connect(server.addr()).unwrap();
    socket
        .write_all(b"GET /v1/responses HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut reply = String::new();
    socket.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 426 "), "{reply}");
    assert!(reply.contains("upgrade: websocket\r\n"));

    let server =
        TestServer::start(Script::new().on_websocket("/v1/responses", WsScript::new())).unwrap();
    let request = handshake("/v1/responses", None).replace("Version: 13", "Version: 8");
    let raw = RawWs::connect_with(&server, request.as_bytes());
    assert_eq!(raw.status(), 426);
    assert_eq!(raw.header("sec-websocket-version"), Some("13"));
    assert!(server.websocket_sessions().is_empty());
}
