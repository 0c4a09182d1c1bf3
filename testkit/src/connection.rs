//! One connection: read a request, record it, answer it from the script, repeat while the
//! connection stays open (HTTP/1.1 keep-alive).

use std::net::TcpStream;
use std::sync::Arc;

use crate::request::{ReadError, RecordedRequest, RequestReader};
use crate::response_writer::{Outcome, WriteMarks, write_response};
use crate::script::ScriptedResponse;
use crate::server::Shared;
use crate::websocket::{self, Upgrade};
use crate::wire::Wire;

/// Serves one connection until it closes, the script closes it, or the server stops.
pub(crate) fn serve(stream: TcpStream, connection_id: u64, shared: Arc<Shared>) {
    let Ok(mut wire) = Wire::new(stream, shared.tls.as_ref(), Arc::clone(&shared.stop)) else {
        return;
    };
    let mut reader = RequestReader::default();
    loop {
        let head = match reader.read_head(&mut wire) {
            Ok(Some(head)) => head,
            Ok(None) | Err(ReadError::Ended) => break,
            Err(ReadError::Malformed { status, message }) => {
                refuse(&mut wire, status, &message);
                break;
            }
        };
        if head.expects_continue() && wire.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").is_err() {
            break;
        }
        let body = match reader.read_body(&mut wire, &head) {
            Ok(body) => body,
            Err(ReadError::Ended) => break,
            Err(ReadError::Malformed { status, message }) => {
                refuse(&mut wire, status, &message);
                break;
            }
        };
        let keep_alive = head.keep_alive();
        let head_only = head.method == "HEAD";
        let request = RecordedRequest {
            method: head.method,
            path: head.target,
            headers: head.headers,
            body,
            received_at: head.received_at,
            connection_id,
            script_exhausted: false,
        };
        // An upgrade's session needs the request after it is recorded; only GETs can be one.
        let upgrade = (request.method == "GET").then(|| request.clone());
        let (index, mut response) = shared.answer(request);
        if let Some(script) = response.websocket.take() {
            if let Some(request) = &upgrade {
                let upgrade = Upgrade {
                    request,
                    index,
                    buffered: reader.take_buffered(),
                };
                websocket::serve(&mut wire, upgrade, &response, *script, &shared);
            } else {
                refuse(&mut wire, 400, "a WebSocket upgrade must be a GET");
            }
            break;
        }
        let marks = Some(WriteMarks {
            shared: &shared,
            request: index,
        });
        match write_response(&mut wire, &response, keep_alive, head_only, marks) {
            Ok(Outcome::Finished) => {}
            Ok(Outcome::Closed) | Err(_) => break,
        }
    }
    wire.close();
}

/// Answers a request that broke HTTP/1.1, then the caller closes.
fn refuse(wire: &mut Wire, status: u16, message: &str) {
    let response = ScriptedResponse::text(status, &format!("codex-api-testkit: {message}\n"))
        .close_connection();
    let _ = write_response(wire, &response, false, false, None);
}
