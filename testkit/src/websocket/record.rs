//! What the server records of WebSocket sessions: the sessions and every client message.

use std::time::Instant;

use serde_json::Value;

/// A message a client sent on a WebSocket session, as the server received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WsMessage {
    /// Which connection it came on (as [`RecordedRequest::connection_id`](crate::RecordedRequest::connection_id)).
    pub connection_id: u64,
    /// Which session it came on: the index in [`TestServer::websocket_sessions`](crate::TestServer::websocket_sessions).
    pub session: usize,
    /// Its place among the session's messages; the first is 0.
    pub index: usize,
    /// The payload as text (a binary payload decoded lossily as UTF-8).
    pub text: String,
    /// Whether it came as a binary message.
    pub binary: bool,
    /// Whether it came compressed (permessage-deflate, RSV1 set).
    pub compressed: bool,
    /// For a `response.create`, its place among the session's `response.create` messages (the
    /// turn that answered it); `None` for other messages.
    pub turn: Option<usize>,
    /// Whether it was a `response.create` that found no turn left (answered with the exhaustion
    /// error).
    pub script_exhausted: bool,
    /// When it had fully arrived.
    pub received_at: Instant,
}

impl WsMessage {
    /// The payload parsed as JSON.
    pub fn json(&self) -> Result<Value, serde_json::Error> {
        serde_json::from_str(&self.text)
    }

    /// The `type` member of the JSON payload (e.g. `response.create`), if any.
    pub fn message_type(&self) -> Option<String> {
        self.json().ok()?.get("type")?.as_str().map(str::to_owned)
    }

    /// Whether it is a text message whose JSON `type` is `response.create`.
    pub fn is_response_create(&self) -> bool {
        !self.binary && self.message_type().as_deref() == Some("response.create")
    }
}

/// A WebSocket session the server accepted (answered `101`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WsSession {
    /// Its place among the server's sessions; the first is 0.
    pub index: usize,
    /// Which connection it runs on.
    pub connection_id: u64,
    /// The index of its upgrade request in [`TestServer::requests`](crate::TestServer::requests).
    pub request: usize,
    /// The request target of the upgrade, e.g. `/v1/responses`.
    pub path: String,
    /// The `Sec-WebSocket-Extensions` value of the `101` (`Some` when permessage-deflate was
    /// agreed).
    pub extensions: Option<String>,
    /// When the `101` went out.
    pub opened_at: Instant,
    /// The payloads of the pongs the client sent, in order.
    pub pongs: Vec<Vec<u8>>,
    /// The client's close frame: its code (`1005` when it had none) and reason.
    pub client_close: Option<(u16, String)>,
    /// How the client broke the protocol, if it did (the server then closed with `1002`,
    /// `1007` or `1009`).
    pub protocol_error: Option<String>,
    /// Whether the session is over (the connection is closed or closing).
    pub ended: bool,
}

impl WsSession {
    /// Whether permessage-deflate was agreed.
    pub fn deflate(&self) -> bool {
        self.extensions.is_some()
    }
}
