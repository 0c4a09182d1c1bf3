//! The WebSocket mode: the server side of the Responses WebSocket transport.
//!
//! An upgrade request (`GET` with `Upgrade: websocket`) that takes a
//! [`ScriptedResponse::websocket`](crate::ScriptedResponse::websocket) response is checked
//! (RFC 6455 §4.2), answered `101 Switching Protocols` (with permessage-deflate, RFC 7692, when
//! offered and allowed), and the connection then runs its [`WsScript`]: each `response.create`
//! text message is answered by the next [`WsTurn`], one Responses event per text message.

mod deflate;
mod frames;
mod handshake;
mod record;
mod script;
mod session;

pub use record::{WsMessage, WsSession};
pub use script::{WrappedError, WsScript, WsTurn};

use std::time::Instant;

use crate::request::RecordedRequest;
use crate::response_writer::write_response;
use crate::script::ScriptedResponse;
use crate::server::Shared;
use crate::wire::Wire;
use deflate::Deflate;
use frames::FrameReader;
use session::{MAX_MESSAGE, Session};

/// Where an upgrade request came from: the request as recorded, and its index in the record.
pub(crate) struct Upgrade<'a> {
    pub(crate) request: &'a RecordedRequest,
    pub(crate) index: usize,
    /// Bytes the client sent behind the request head (early frames).
    pub(crate) buffered: Vec<u8>,
}

/// Answers an upgrade request with `response` (whose session is `script`) and runs the session
/// until it ends. A request that is no valid upgrade is refused (`400` or `426`). Either way
/// the connection is over afterwards.
pub(crate) fn serve(
    wire: &mut Wire,
    upgrade: Upgrade<'_>,
    response: &ScriptedResponse,
    script: WsScript,
    shared: &Shared,
) {
    let accepted = match handshake::check(upgrade.request, script.deflate) {
        Ok(accepted) => accepted,
        Err(refusal) => {
            let _ = write_response(wire, &refusal, false, false, None);
            return;
        }
    };
    if wire.sleep(response.head_delay).is_err() {
        return;
    }
    let head =
        handshake::switching_protocols(&accepted, response.reason.as_deref(), &response.headers);
    if wire.write_all(head.as_bytes()).is_err() {
        return;
    }
    let request = upgrade.request;
    let index = shared.open_ws_session(|index| WsSession {
        index,
        connection_id: request.connection_id,
        request: upgrade.index,
        path: request.path.clone(),
        extensions: accepted.deflate.map(|agreed| agreed.response_header()),
        opened_at: Instant::now(),
        pongs: Vec::new(),
        client_close: None,
        protocol_error: None,
        ended: false,
    });
    let level = script.deflate.unwrap_or_default().level;
    Session {
        wire,
        reader: FrameReader::new(upgrade.buffered, MAX_MESSAGE as u64),
        deflate: accepted.deflate.map(|agreed| Deflate::new(agreed, level)),
        shared,
        index,
        connection_id: request.connection_id,
        script,
        received: 0,
        creates: 0,
        out: Vec::new(),
        gather: None,
    }
    .run();
}

#[cfg(test)]
mod tests {
    use std::net::TcpStream;
    use std::time::Duration;

    use tungstenite::Message;
    use tungstenite::client::IntoClientRequest;

    use crate::{Script, ScriptedResponse, TestServer, WsScript, WsTurn};

    #[test]
    fn gathered_writes_carry_the_same_messages() {
        let texts: Vec<String> = (0..40)
            .map(|i| format!(r#"{{"type":"e","n":{i},"pad":"{}"}}"#, "x".repeat(i * 13)))
            .collect();
        let turn = || WsTurn::texts(texts.clone());
        let script = WsScript::new()
            .turn(turn())
            .turn(turn().gather_writes(1000))
            .turn(
                turn()
                    .gather_writes(64 * 1024)
                    .fragmented(3)
                    .ping_first()
                    .stall_after(5, Duration::from_millis(5)),
            )
            .turn(turn().gather_writes(1).delay(Duration::from_millis(1)))
            .turn(turn().gather_writes(4096).close_after(30));
        let server = TestServer::start(Script::new().on(
            "GET",
            "/v1/responses",
            ScriptedResponse::websocket(script),
        ))
        .unwrap();
        let request = format!("ws://{}/v1/responses", server.addr())
            .into_client_request()
            .unwrap();
        let socket = TcpStream::connect(server.addr()).unwrap();
        socket
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let (mut ws, _) = tungstenite::client::client(request, socket).unwrap();
        for turn in 0..5 {
            ws.send(Message::text(
                r#"{"type":"response.create","model":"m","input":[]}"#,
            ))
            .unwrap();
            let expected = if turn == 4 { 30 } else { texts.len() };
            let mut got = Vec::new();
            while got.len() < expected {
                match ws.read().unwrap() {
                    Message::Text(text) => got.push(text.as_str().to_owned()),
                    Message::Ping(_) | Message::Pong(_) => {}
                    other => panic!("turn {turn}: {other:?}"),
                }
            }
            assert_eq!(got, texts[..expected], "turn {turn}");
        }
        match ws.read() {
            Ok(Message::Close(Some(frame))) => assert_eq!(u16::from(frame.code), 1000),
            other => panic!("{other:?}"),
        }
        let creates = server
            .websocket_messages()
            .iter()
            .filter(|m| m.is_response_create())
            .count();
        assert_eq!(creates, 5);
    }
}
