//! The WebSocket mode: stock tungstenite as the client (no permessage-deflate), and a small
//! client of our own (`ws_client`) for deflate and frame-level checks.

mod ws_client;

use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use codex_api_testkit::tls::TestIdentity;
use codex_api_testkit::{
    RateLimitWindow, Script, ScriptedResponse, TestServer, Transcript, WrappedError, WsScript,
    WsTurn,
};
use serde_json::{Value, json};
use tungstenite::client::IntoClientRequest;
use tungstenite::http::HeaderValue;
use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::{Message, WebSocket};
use ws_client::{RawWs, create_json};

const WAIT: Duration = Duration::from_secs(5);

fn transcript(id: &str, text: &str) -> Transcript {
    Transcript::new()
        .response_id(id)
        .created()
        .message(&[text])
        .completed()
}

fn socket(server: &TestServer) -> TcpStream {
    let socket = TcpStream::connect(server.addr()).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    socket
}

/// Opens a session with the headers codex sends.
fn connect(
    server: &TestServer,
) -> (
    WebSocket<TcpStream>,
    tungstenite::handshake::client::Response,
) {
    let mut request = format!("ws://{}/v1/responses", server.addr())
        .into_client_request()
        .unwrap();
    let headers = request.headers_mut();
    headers.insert(
        "OpenAI-Beta",
        HeaderValue::from_static("responses_websockets=2026-02-06"),
    );
    headers.insert("Authorization", HeaderValue::from_static("Bearer sk-test"));
    tungstenite::client::client(request, socket(server)).unwrap()
}

fn create(previous: Option<&str>) -> Message {
    Message::text(create_json(previous))
}

/// How reading a turn ended.
#[derive(Debug, PartialEq)]
enum End {
    /// A terminal event.
    Terminal,
    /// A close frame with this code.
    Close(u16, String),
    /// The connection ended without a close frame.
    Reset,
}

/// Reads events until a terminal event, a close frame or the end of the connection.
fn read_turn(ws: &mut WebSocket<TcpStream>) -> (Vec<Value>, End) {
    let mut events = Vec::new();
    loop {
        match ws.read() {
            Ok(Message::Text(text)) => {
                let event: Value = serde_json::from_str(text.as_str()).unwrap();
                let kind = event["type"].as_str().unwrap_or_default().to_owned();
                events.push(event);
                if matches!(
                    kind.as_str(),
                    "response.completed" | "response.failed" | "response.incomplete" | "error"
                ) {
                    return (events, End::Terminal);
                }
            }
            Ok(Message::Close(frame)) => {
                let (code, reason) = frame
                    .map(|f| (u16::from(f.code), f.reason.as_str().to_owned()))
                    .unwrap_or((1005, String::new()));
                return (events, End::Close(code, reason));
            }
            Ok(other) => panic!("unexpected message {other:?}"),
            Err(tungstenite::Error::Protocol(
                tungstenite::error::ProtocolError::ResetWithoutClosingHandshake,
            )) => return (events, End::Reset),
            Err(error) => panic!("read failed: {error}"),
        }
    }
}

fn types(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["type"].as_str().unwrap()).collect()
}

#[test]
fn the_handshake_answers_101_with_the_accept_key_and_scripted_headers() {
    let server = TestServer::start(
        Script::new().on(
            "GET",
            "/v1/responses",
            ScriptedResponse::websocket(WsScript::new())
                .turn_state("ts_1")
                .openai_model("gpt-5")
                .models_etag("etag_1")
                .reasoning_included()
                .request_id("req_ws")
                .codex_rate_limit_headers(RateLimitWindow::new(12.5, 300, 1_700_000_000), None),
        ),
    )
    .unwrap();
    let (_ws, response) = connect(&server);
    assert_eq!(response.status(), 101);
    let headers = response.headers();
    // tungstenite checked Sec-WebSocket-Accept itself.
    assert!(headers.contains_key("sec-websocket-accept"));
    assert_eq!(headers["upgrade"], "websocket");
    assert_eq!(headers["x-codex-turn-state"], "ts_1");
    assert_eq!(headers["openai-model"], "gpt-5");
    assert_eq!(headers["x-models-etag"], "etag_1");
    assert_eq!(headers["x-reasoning-included"], "true");
    assert_eq!(headers["x-request-id"], "req_ws");
    assert_eq!(headers["x-codex-primary-used-percent"], "12.5");
    // Stock tungstenite offers no extension, so none is agreed.
    assert!(!headers.contains_key("sec-websocket-extensions"));

    let requests = server.wait_for_requests(1, WAIT);
    assert_eq!(requests[0].method, "GET");
    assert_eq!(requests[0].path, "/v1/responses");
    assert_eq!(requests[0].header("upgrade"), Some("websocket"));
    assert_eq!(
        requests[0].header("openai-beta"),
        Some("responses_websockets=2026-02-06")
    );
    assert_eq!(requests[0].header("authorization"), Some("Bearer sk-test"));
    let sessions = server.wait_for_websocket_sessions(1, WAIT);
    assert_eq!(sessions[0].request, 0);
    assert_eq!(sessions[0].path, "/v1/responses");
    assert!(!sessions[0].deflate());
}

#[test]
fn two_turns_on_one_connection_are_recorded() {
    let server = TestServer::start(
        Script::new().on_websocket(
            "/v1/responses",
            WsScript::new()
                .turn(transcript("resp_1", "one"))
                .turn(transcript("resp_2", "two")),
        ),
    )
    .unwrap();
    let (mut ws, _) = connect(&server);
    ws.send(create(None)).unwrap();
    let (first, end) = read_turn(&mut ws);
    assert_eq!(end, End::Terminal);
    assert_eq!(first.first().unwrap()["type"], "response.created");
    assert_eq!(first.last().unwrap()["response"]["id"], "resp_1");
    // Each message is exactly an SSE data line.
    let data: Vec<Value> = transcript("resp_1", "one")
        .to_text()
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .map(|d| serde_json::from_str(d).unwrap())
        .collect();
    assert_eq!(first, data);

    ws.send(Message::text(
        r#"{"type":"response.processed","response_id":"resp_1"}"#,
    ))
    .unwrap();
    ws.send(create(Some("resp_1"))).unwrap();
    let (second, end) = read_turn(&mut ws);
    assert_eq!(end, End::Terminal);
    assert_eq!(second.last().unwrap()["response"]["id"], "resp_2");

    let messages = server.wait_for_websocket_messages(3, WAIT);
    assert_eq!(messages.len(), 3);
    assert!(
        messages
            .iter()
            .all(|m| m.connection_id == messages[0].connection_id)
    );
    assert!(
        messages
            .iter()
            .all(|m| m.session == 0 && !m.binary && !m.compressed)
    );
    assert_eq!(
        messages.iter().map(|m| m.turn).collect::<Vec<_>>(),
        [Some(0), None, Some(1)]
    );
    assert_eq!(
        messages[1].message_type().as_deref(),
        Some("response.processed")
    );
    let body = messages[2].json().unwrap();
    assert_eq!(body["previous_response_id"], "resp_1");
    assert!(body.get("stream").is_none() && body.get("background").is_none());
    assert_eq!(server.requests().len(), 1, "one connection, one handshake");

    ws.close(None).unwrap();
    loop {
        match ws.read() {
            Ok(_) => {}
            Err(tungstenite::Error::ConnectionClosed) => break,
            Err(error) => panic!("{error}"),
        }
    }
    let session = server.wait_for_websocket_end(0, WAIT).unwrap();
    assert!(session.ended);
    assert_eq!(session.client_close, Some((1005, String::new())));
    assert_eq!(session.protocol_error, None);
}

#[test]
fn a_second_connection_gets_the_next_session() {
    let server = TestServer::start(
        Script::new()
            .on_websocket(
                "/v1/responses",
                WsScript::new().turn(WsTurn::connection_limit()),
            )
            .on_websocket("/v1/responses", WsScript::new().turn(transcript("r", "x"))),
    )
    .unwrap();
    let (mut ws, _) = connect(&server);
    ws.send(create(None)).unwrap();
    let (events, end) = read_turn(&mut ws);
    assert_eq!(end, End::Terminal);
    assert_eq!(types(&events), ["error"]);
    assert_eq!(
        events[0]["error"]["code"],
        "websocket_connection_limit_reached"
    );
    assert_eq!(events[0]["status"], 400);
    assert_eq!(
        read_turn(&mut ws),
        (
            Vec::new(),
            End::Close(1000, "websocket connection limit reached".into())
        )
    );

    let (mut ws, _) = connect(&server);
    ws.send(create(None)).unwrap();
    assert_eq!(read_turn(&mut ws).1, End::Terminal);
    let messages = server.wait_for_websocket_messages(2, WAIT);
    assert_ne!(messages[0].connection_id, messages[1].connection_id);
    assert_eq!((messages[0].session, messages[1].session), (0, 1));
    assert_eq!(server.websocket_sessions().len(), 2);
}

#[test]
fn handshake_401_then_success_and_426() {
    let server = TestServer::start(
        Script::new()
            .on(
                "GET",
                "/v1/responses",
                ScriptedResponse::api_error(
                    401,
                    "Missing bearer",
                    "invalid_request_error",
                    None,
                    None,
                ),
            )
            .on(
                "GET",
                "/v1/responses",
                ScriptedResponse::text(426, "Upgrade Required"),
            )
            .on_websocket("/v1/responses", WsScript::new().turn(transcript("r", "ok"))),
    )
    .unwrap();
    for expected in [401u16, 426] {
        let request = format!("ws://{}/v1/responses", server.addr());
        match tungstenite::client::client(request, socket(&server)) {
            Err(tungstenite::HandshakeError::Failure(tungstenite::Error::Http(response))) => {
                assert_eq!(response.status(), expected);
            }
            other => panic!("expected a failed handshake, got {:?}", other.map(|r| r.1)),
        }
    }
    let (mut ws, _) = connect(&server);
    ws.send(create(None)).unwrap();
    assert_eq!(read_turn(&mut ws).1, End::Terminal);
    assert_eq!(server.requests().len(), 3);
    assert_eq!(server.websocket_sessions()[0].request, 2);
}

#[test]
fn a_wrapped_error_keeps_the_connection_open() {
    let error = WrappedError::new(
        429,
        "usage_limit_reached",
        "The usage limit has been reached",
    )
    .error_type("usage_limit_reached")
    .error_field("plan_type", "plus")
    .header("retry-after", "1")
    .header("x-codex-primary-used-percent", 100);
    let server = TestServer::start(
        Script::new().on_websocket(
            "/v1/responses",
            WsScript::new()
                .turn(WsTurn::error(error))
                .turn(WsTurn::previous_response_not_found())
                .turn(transcript("resp_3", "fine")),
        ),
    )
    .unwrap();
    let (mut ws, _) = connect(&server);
    ws.send(create(None)).unwrap();
    let (events, end) = read_turn(&mut ws);
    assert_eq!(end, End::Terminal);
    assert_eq!(
        events[0],
        json!({
            "type": "error",
            "status": 429,
            "error": {
                "type": "usage_limit_reached",
                "code": "usage_limit_reached",
                "message": "The usage limit has been reached",
                "plan_type": "plus",
            },
            "headers": {"retry-after": "1", "x-codex-primary-used-percent": 100},
        })
    );
    ws.send(create(Some("resp_gone"))).unwrap();
    let (events, _) = read_turn(&mut ws);
    assert_eq!(events[0]["status"], 400);
    assert_eq!(events[0]["error"]["code"], "previous_response_not_found");
    assert_eq!(events[0]["error"]["param"], "previous_response_id");
    assert!(
        events[0]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("resp_gone")
    );
    ws.send(create(None)).unwrap();
    assert_eq!(read_turn(&mut ws).1, End::Terminal);
}

#[test]
fn close_mid_response_and_drop_without_close() {
    let events = transcript("r", "partial");
    let server = TestServer::start(
        Script::new()
            .on_websocket(
                "/v1/responses",
                WsScript::new().turn(WsTurn::from(&events).close_after(2)),
            )
            .on_websocket(
                "/v1/responses",
                WsScript::new().turn(WsTurn::from(&events).close_after_with(1, 1011, "overloaded")),
            )
            .on_websocket(
                "/v1/responses",
                WsScript::new().turn(WsTurn::from(&events).drop_after(2)),
            ),
    )
    .unwrap();
    let (mut ws, _) = connect(&server);
    ws.send(create(None)).unwrap();
    let (got, end) = read_turn(&mut ws);
    assert_eq!(
        types(&got),
        ["response.created", "response.output_item.added"]
    );
    assert_eq!(end, End::Close(1000, "codex-api-testkit".into()));

    let (mut ws, _) = connect(&server);
    ws.send(create(None)).unwrap();
    let (got, end) = read_turn(&mut ws);
    assert_eq!(got.len(), 1);
    assert_eq!(end, End::Close(1011, "overloaded".into()));

    let (mut ws, _) = connect(&server);
    ws.send(create(None)).unwrap();
    let (got, end) = read_turn(&mut ws);
    assert_eq!(got.len(), 2);
    assert_eq!(end, End::Reset);
}

#[test]
fn ping_first_is_answered_by_the_client() {
    let server = TestServer::start(
        Script::new().on_websocket(
            "/v1/responses",
            WsScript::new()
                .turn(WsTurn::from(transcript("r1", "a")).ping_first())
                .turn(transcript("r2", "b")),
        ),
    )
    .unwrap();
    let (mut ws, _) = connect(&server);
    ws.send(create(None)).unwrap();
    match ws.read().unwrap() {
        Message::Ping(payload) => assert_eq!(&payload[..], b"codex-api-testkit"),
        other => panic!("expected a ping, got {other:?}"),
    }
    assert_eq!(read_turn(&mut ws).1, End::Terminal);
    // The pong goes out with the next write; the server reads it before the next message.
    ws.send(create(Some("r1"))).unwrap();
    assert_eq!(read_turn(&mut ws).1, End::Terminal);
    assert_eq!(
        server.websocket_sessions()[0].pongs,
        [b"codex-api-testkit".to_vec()]
    );
}

#[test]
fn fragmented_messages_reassemble_and_arrive_as_fragments() {
    let events = transcript("r", "fragmented text");
    let server = TestServer::start(
        Script::new()
            .on_websocket(
                "/v1/responses",
                WsScript::new().turn(WsTurn::from(&events).fragmented(3)),
            )
            .on_websocket(
                "/v1/responses",
                WsScript::new().turn(WsTurn::from(&events).fragmented(4)),
            ),
    )
    .unwrap();
    let (mut ws, _) = connect(&server);
    ws.send(create(None)).unwrap();
    let (got, end) = read_turn(&mut ws);
    assert_eq!(end, End::Terminal);
    assert_eq!(got.len(), event_count(&events));

    let mut raw = RawWs::connect(&server, "/v1/responses", None);
    raw.send_text(&create_json(None));
    let (opcode, payload, frames) = raw.read_message().unwrap();
    assert_eq!(opcode, 0x1);
    assert_eq!(frames.len(), 4);
    assert_eq!(
        frames.iter().map(|f| (f.fin, f.opcode)).collect::<Vec<_>>(),
        [(false, 1), (false, 0), (false, 0), (true, 0)]
    );
    let event: Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(event["type"], "response.created");
}

/// How many events (SSE `data:` lines) a transcript has: one WebSocket message each.
fn event_count(transcript: &Transcript) -> usize {
    transcript
        .to_text()
        .lines()
        .filter(|l| l.starts_with("data: "))
        .count()
}

#[test]
fn binary_first_stall_and_raw_bytes() {
    let events = transcript("r", "x");
    let server = TestServer::start(
        Script::new()
            .on_websocket(
                "/v1/responses",
                WsScript::new().turn(WsTurn::from(&events).binary_first()),
            )
            .on_websocket(
                "/v1/responses",
                WsScript::new()
                    .turn(WsTurn::from(&events).stall_after(1, Duration::from_millis(400))),
            )
            .on_websocket(
                "/v1/responses",
                WsScript::new().turn(
                    WsTurn::from(&events)
                        .raw_after(1, vec![0x83, 0x00])
                        .drop_after(1),
                ),
            ),
    )
    .unwrap();
    let (mut ws, _) = connect(&server);
    ws.send(create(None)).unwrap();
    match ws.read().unwrap() {
        Message::Binary(bytes) => {
            let event: Value = serde_json::from_slice(&bytes).unwrap();
            assert_eq!(event["type"], "response.created");
        }
        other => panic!("expected a binary message, got {other:?}"),
    }
    assert_eq!(read_turn(&mut ws).1, End::Terminal);

    let (mut ws, _) = connect(&server);
    ws.send(create(None)).unwrap();
    ws.read().unwrap();
    let started = Instant::now();
    ws.read().unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(350),
        "{:?}",
        started.elapsed()
    );

    let mut raw = RawWs::connect(&server, "/v1/responses", None);
    raw.send_text(&create_json(None));
    let (opcode, _, _) = raw.read_message().unwrap();
    assert_eq!(opcode, 0x1);
    assert_eq!(raw.read_to_end(), [0x83, 0x00]);
}

#[test]
fn an_exhausted_script_answers_an_error_and_closes() {
    let server =
        TestServer::start(Script::new().on_websocket("/v1/responses", WsScript::new())).unwrap();
    let (mut ws, _) = connect(&server);
    ws.send(create(None)).unwrap();
    let (events, end) = read_turn(&mut ws);
    assert_eq!(events[0]["error"]["code"], "script_exhausted");
    assert_eq!(end, End::Terminal);
    let (_, end) = read_turn(&mut ws);
    assert!(matches!(end, End::Close(1011, _)), "{end:?}");
    let messages = server.wait_for_websocket_messages(1, WAIT);
    assert!(messages[0].script_exhausted);
}

#[test]
fn a_responder_answers_after_the_turns() {
    let server = TestServer::start(Script::new().on_websocket(
        "/v1/responses",
        WsScript::new().respond_with(|message| {
            let body = message.json().unwrap();
            let id = format!(
                "resp_after_{}",
                body["previous_response_id"].as_str().unwrap_or("none")
            );
            WsTurn::from(transcript(&id, "dynamic"))
        }),
    ))
    .unwrap();
    let (mut ws, _) = connect(&server);
    for (previous, expected) in [(None, "resp_after_none"), (Some("a"), "resp_after_a")] {
        ws.send(create(previous)).unwrap();
        let (events, _) = read_turn(&mut ws);
        assert_eq!(events.last().unwrap()["response"]["id"], expected);
    }
}

#[test]
fn close_on_open_and_the_client_close_is_echoed() {
    let server = TestServer::start(
        Script::new()
            .on_websocket(
                "/v1/responses",
                WsScript::new().close_on_open(1008, "policy"),
            )
            .on_websocket("/v1/responses", WsScript::new()),
    )
    .unwrap();
    let (mut ws, _) = connect(&server);
    assert_eq!(read_turn(&mut ws).1, End::Close(1008, "policy".into()));

    let mut raw = RawWs::connect(&server, "/v1/responses", None);
    let mut payload = 4000u16.to_be_bytes().to_vec();
    payload.extend_from_slice(b"bye");
    raw.send_frame(true, false, 0x8, &payload);
    let echo = raw.read_frame().unwrap();
    assert_eq!(
        (echo.opcode, &echo.payload[..]),
        (0x8, &4000u16.to_be_bytes()[..])
    );
    assert!(raw.read_frame().is_none());
    let session = server.wait_for_websocket_end(1, WAIT).unwrap();
    assert_eq!(session.client_close, Some((4000, "bye".into())));
}

#[test]
fn websocket_over_tls() {
    let identity = TestIdentity::localhost();
    let server = TestServer::start_tls(
        Script::new().on_websocket(
            "/v1/responses",
            WsScript::new()
                .turn(transcript("resp_1", "secure"))
                .turn(WsTurn::from(transcript("resp_2", "cut")).close_after(1)),
        ),
        &identity,
    )
    .unwrap();
    let config: Arc<rustls::ClientConfig> = identity.client_config().unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let tls = rustls::StreamOwned::new(
        rustls::ClientConnection::new(config, name).unwrap(),
        socket(&server),
    );
    let request = format!("wss://localhost:{}/v1/responses", server.addr().port());
    let (mut ws, response) = tungstenite::client::client(request, tls).unwrap();
    assert_eq!(response.status(), 101);
    ws.send(create(None)).unwrap();
    let mut events = Vec::new();
    loop {
        match ws.read().unwrap() {
            Message::Text(text) => {
                let event: Value = serde_json::from_str(text.as_str()).unwrap();
                let done = event["type"] == "response.completed";
                events.push(event);
                if done {
                    break;
                }
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(events.last().unwrap()["response"]["id"], "resp_1");
    ws.send(create(Some("resp_1"))).unwrap();
    assert!(matches!(ws.read().unwrap(), Message::Text(_)));
    match ws.read().unwrap() {
        Message::Close(Some(frame)) => assert_eq!(frame.code, CloseCode::Normal),
        other => panic!("expected a close, got {other:?}"),
    }
    assert_eq!(server.wait_for_websocket_messages(2, WAIT).len(), 2);
}
