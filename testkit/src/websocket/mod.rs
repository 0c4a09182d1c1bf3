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
    Session {
        wire,
        reader: FrameReader::new(upgrade.buffered, MAX_MESSAGE as u64),
        deflate: accepted.deflate.map(Deflate::new),
        shared,
        index,
        connection_id: request.connection_id,
        script,
        received: 0,
        creates: 0,
    }
    .run();
}
