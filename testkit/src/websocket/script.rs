//! Scripted WebSocket sessions: what the server answers to each `response.create`, and how.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value, json};

use super::deflate::DeflatePolicy;
use super::record::WsMessage;
use crate::transcript::Transcript;

/// The message of the connection-limit error frame, as the Responses API words it.
pub(crate) const CONNECTION_LIMIT_MESSAGE: &str = "Responses websocket connection limit reached (60 minutes). Create a new websocket connection to continue.";

/// Computes a turn from a received `response.create` message.
pub(crate) type TurnResponder = Arc<dyn Fn(&WsMessage) -> WsTurn + Send + Sync>;

/// One WebSocket session: the turns answering each `response.create` the client sends on the
/// connection, in order, and the session's settings (permessage-deflate).
///
/// Serve it with [`Script::on_websocket`](crate::Script::on_websocket) or
/// [`ScriptedResponse::websocket`](crate::ScriptedResponse::websocket); the upgrade request is
/// recorded like any request, and the `101` carries the scripted response's headers.
///
/// Every client message is recorded ([`TestServer::websocket_messages`](crate::TestServer::websocket_messages)).
/// Only `response.create` messages take a turn; other messages (`response.processed`,
/// anything unparseable, binary messages) are recorded and get no answer. Once the turns are
/// used up, a `response.create` is answered by the [`respond_with`](Self::respond_with)
/// responder if there is one, else by an `error` frame (code `script_exhausted`, status `500`)
/// and a close frame `1011`. A client's close frame is echoed, pings are answered with pongs.
///
/// permessage-deflate is on by default: agreed when the client offers it (see
/// [`deflate`](Self::deflate)); server messages are then all compressed.
///
/// ```
/// use std::net::TcpStream;
/// use codex_api_testkit::{Script, ScriptedResponse, TestServer, Transcript, WsScript, WsTurn};
/// use tungstenite::client::IntoClientRequest;
/// use tungstenite::Message;
///
/// let first = Transcript::new().response_id("resp_1").created().message(&["Hi"]).completed();
/// let second = Transcript::new().response_id("resp_2").created().message(&["Again"]).completed();
/// let server = TestServer::start(Script::new().on(
///     "GET",
///     "/v1/responses",
///     ScriptedResponse::websocket(WsScript::new().turn(&first).turn(&second))
///         .header("x-codex-turn-state", "ts_1"),
/// ))?;
///
/// let request = format!("ws://{}/v1/responses", server.addr()).into_client_request()?;
/// let socket = TcpStream::connect(server.addr())?;
/// let (mut ws, response) = tungstenite::client::client(request, socket)?;
/// assert_eq!(response.status(), 101);
/// assert_eq!(response.headers()["x-codex-turn-state"], "ts_1");
///
/// let mut events = Vec::new();
/// for previous in [None, Some("resp_1")] {
///     let create = serde_json::json!({
///         "type": "response.create", "model": "gpt-test", "input": [],
///         "previous_response_id": previous,
///     });
///     ws.send(Message::text(create.to_string()))?;
///     loop {
///         let Message::Text(text) = ws.read()? else { continue };
///         let event: serde_json::Value = serde_json::from_str(text.as_str())?;
///         events.push(event["type"].as_str().unwrap_or_default().to_owned());
///         if event["type"] == "response.completed" {
///             break;
///         }
///     }
/// }
/// assert_eq!(events.iter().filter(|t| *t == "response.completed").count(), 2);
///
/// let messages = server.websocket_messages();
/// assert_eq!(messages.len(), 2);
/// assert_eq!(messages[1].json()?["previous_response_id"], "resp_1");
/// assert_eq!(messages[0].connection_id, messages[1].connection_id);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct WsScript {
    pub(crate) turns: Vec<WsTurn>,
    pub(crate) deflate: Option<DeflatePolicy>,
    pub(crate) close_on_open: Option<(u16, String)>,
    pub(crate) responder: Option<TurnResponder>,
}

impl fmt::Debug for WsScript {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WsScript")
            .field("turns", &self.turns)
            .field("deflate", &self.deflate)
            .field("close_on_open", &self.close_on_open)
            .field("responder", &self.responder.is_some())
            .finish()
    }
}

impl Default for WsScript {
    fn default() -> WsScript {
        WsScript::new()
    }
}

impl WsScript {
    /// A session without turns, with permessage-deflate allowed.
    pub fn new() -> WsScript {
        WsScript {
            turns: Vec::new(),
            deflate: Some(DeflatePolicy::default()),
            close_on_open: None,
            responder: None,
        }
    }

    /// Appends the answer to the next `response.create`: a [`WsTurn`], or a [`Transcript`]
    /// (each event's JSON as one text message).
    pub fn turn(mut self, turn: impl Into<WsTurn>) -> WsScript {
        self.turns.push(turn.into());
        self
    }

    /// Whether permessage-deflate is agreed when the client offers it (default `true`). Off,
    /// the `101` has no `Sec-WebSocket-Extensions` and nothing is compressed.
    pub fn deflate(mut self, enabled: bool) -> WsScript {
        self.deflate = enabled.then(|| self.deflate.unwrap_or_default());
        self
    }

    /// Agrees `server_no_context_takeover`: the server compresses each message on its own
    /// (implies [`deflate(true)`](Self::deflate)).
    pub fn server_no_context_takeover(mut self) -> WsScript {
        let mut policy = self.deflate.unwrap_or_default();
        policy.server_no_context_takeover = true;
        self.deflate = Some(policy);
        self
    }

    /// Agrees `client_no_context_takeover`: the client must compress each message on its own
    /// (implies [`deflate(true)`](Self::deflate)).
    pub fn client_no_context_takeover(mut self) -> WsScript {
        let mut policy = self.deflate.unwrap_or_default();
        policy.client_no_context_takeover = true;
        self.deflate = Some(policy);
        self
    }

    /// The level (0 to 9) the server compresses its messages at once permessage-deflate is
    /// agreed (implies [`deflate(true)`](Self::deflate)); default 6, zlib's default. A
    /// streaming server often picks speed: Go's gorilla/websocket compresses at level 1
    /// (`BestSpeed`) unless told otherwise. Levels above 9 count as 9.
    pub fn deflate_level(mut self, level: u32) -> WsScript {
        let mut policy = self.deflate.unwrap_or_default();
        policy.level = level.min(9);
        self.deflate = Some(policy);
        self
    }

    /// Sends a close frame with `code` and `reason` right after the `101`, before any message
    /// (what a diagnostics probe sees from a server that refuses the session).
    pub fn close_on_open(mut self, code: u16, reason: impl Into<String>) -> WsScript {
        self.close_on_open = Some((code, reason.into()));
        self
    }

    /// Answers every `response.create` that comes after the turns are used up with the turn
    /// `responder` computes from the message (instead of the exhaustion error). A panic in it
    /// ends the session with a close frame `1011` naming the panic.
    pub fn respond_with(
        mut self,
        responder: impl Fn(&WsMessage) -> WsTurn + Send + Sync + 'static,
    ) -> WsScript {
        self.responder = Some(Arc::new(responder));
        self
    }

    /// How many turns the script has.
    pub fn len(&self) -> usize {
        self.turns.len()
    }

    /// Whether the script has no turns.
    pub fn is_empty(&self) -> bool {
        self.turns.is_empty()
    }
}

/// What a turn sends, before faults.
#[derive(Debug, Clone)]
pub(crate) enum Content {
    /// These text messages (shared by every clone of the turn: a responder that hands out a
    /// clone per `response.create` copies no message).
    Messages(Arc<[String]>),
    /// The `previous_response_not_found` error frame naming the request's
    /// `previous_response_id`.
    PreviousResponseNotFound,
}

/// Something sent (or not) between two messages of a turn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Insert {
    /// Bytes written verbatim.
    Raw(Vec<u8>),
    /// Nothing for this long.
    Stall(Duration),
}

/// How a turn ends the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Ending {
    /// A close frame with this code and reason.
    Close(u16, String),
    /// The TCP connection ends (FIN, after a TLS `close_notify`) without a close frame.
    Drop,
}

/// The answer to one `response.create`: messages (usually a [`Transcript`]'s events) and the
/// faults that go with them.
///
/// Positions count messages: "after `n`" is after the `n`-th message of the turn (`0`: before
/// the first), clamped to the number of messages. At one position, inserts
/// ([`raw_after`](Self::raw_after), [`stall_after`](Self::stall_after)) go out in the order
/// added, then the ending ([`close_after`](Self::close_after), [`drop_after`](Self::drop_after)).
#[derive(Debug, Clone)]
pub struct WsTurn {
    pub(crate) content: Content,
    pub(crate) ping_first: bool,
    pub(crate) fragments: usize,
    pub(crate) binary_first: bool,
    pub(crate) delay: Duration,
    pub(crate) gather_writes: Option<usize>,
    pub(crate) inserts: Vec<(usize, Insert)>,
    pub(crate) ending: Option<(usize, Ending)>,
}

impl From<Transcript> for WsTurn {
    fn from(transcript: Transcript) -> WsTurn {
        WsTurn::transcript(&transcript)
    }
}

impl From<&Transcript> for WsTurn {
    fn from(transcript: &Transcript) -> WsTurn {
        WsTurn::transcript(transcript)
    }
}

impl WsTurn {
    fn with(content: Content) -> WsTurn {
        WsTurn {
            content,
            ping_first: false,
            fragments: 1,
            binary_first: false,
            delay: Duration::ZERO,
            gather_writes: None,
            inserts: Vec::new(),
            ending: None,
        }
    }

    /// A transcript's events, each event's JSON (what its SSE `data:` line carries) as one
    /// text message; frames without data (comments, raw bytes) are skipped.
    pub fn transcript(transcript: &Transcript) -> WsTurn {
        WsTurn::texts(transcript.data_payloads())
    }

    /// These JSON values, one text message each.
    pub fn messages(messages: impl IntoIterator<Item = Value>) -> WsTurn {
        WsTurn::texts(messages.into_iter().map(|value| value.to_string()))
    }

    /// These texts verbatim, one text message each (anything, e.g. JSON the client cannot
    /// parse).
    pub fn texts<T: Into<String>>(texts: impl IntoIterator<Item = T>) -> WsTurn {
        WsTurn::with(Content::Messages(
            texts
                .into_iter()
                .map(Into::into)
                .collect::<Vec<String>>()
                .into(),
        ))
    }

    /// A wrapped error frame (see [`WrappedError`]); the connection stays open.
    pub fn error(error: WrappedError) -> WsTurn {
        WsTurn::messages([error.to_json()])
    }

    /// The 60-minute limit: an error frame with `error.code = "websocket_connection_limit_reached"`
    /// (status `400`), then a close frame `1000`.
    pub fn connection_limit() -> WsTurn {
        WsTurn::error(WrappedError::new(
            400,
            "websocket_connection_limit_reached",
            CONNECTION_LIMIT_MESSAGE,
        ))
        .close_after_with(1, 1000, "websocket connection limit reached")
    }

    /// An error frame with code `previous_response_not_found` (status `400`, `param`
    /// `previous_response_id`) naming the request's `previous_response_id`; the connection stays
    /// open, as the server's would.
    pub fn previous_response_not_found() -> WsTurn {
        WsTurn::with(Content::PreviousResponseNotFound)
    }

    /// No message at all (combine with [`close_after`](Self::close_after),
    /// [`drop_after`](Self::drop_after) or [`stall_after`](Self::stall_after)).
    pub fn silent() -> WsTurn {
        WsTurn::texts(Vec::<String>::new())
    }

    /// A ping (payload `codex-api-testkit`) before the first message; the client's pong is
    /// recorded in [`WsSession::pongs`](crate::WsSession::pongs) when the server next reads.
    pub fn ping_first(mut self) -> WsTurn {
        self.ping_first = true;
        self
    }

    /// Splits every message into `frames` frames (a first frame and continuation frames of
    /// nearly equal size; fewer when the payload is shorter). With permessage-deflate the
    /// compressed payload is split, RSV1 on the first frame only.
    pub fn fragmented(mut self, frames: usize) -> WsTurn {
        self.fragments = frames.max(1);
        self
    }

    /// Sends the first message as a binary frame (same bytes) instead of a text frame.
    pub fn binary_first(mut self) -> WsTurn {
        self.binary_first = true;
        self
    }

    /// Waits this long before each message but the first.
    pub fn delay(mut self, between_messages: Duration) -> WsTurn {
        self.delay = between_messages;
        self
    }

    /// Sends the turn's consecutive frames gathered into writes of at most `max` bytes (framing
    /// included; at least 1) instead of one write per frame, as a server writes the events that
    /// are ready (the same as [`Body::gather_writes`](crate::Body::gather_writes) for an SSE
    /// body). The bytes on the wire are the same; only the `write` calls (and, over TLS, the
    /// records) differ. A frame larger than `max` still goes out on its own, and a
    /// [`delay`](Self::delay), a [`stall_after`](Self::stall_after), a
    /// [`raw_after`](Self::raw_after) or an ending first writes out what was gathered.
    pub fn gather_writes(mut self, max: usize) -> WsTurn {
        self.gather_writes = Some(max.max(1));
        self
    }

    /// After `messages` messages, sends nothing for `duration` (to trip a client's idle
    /// timeout), then goes on. Dropping the server ends the stall.
    pub fn stall_after(mut self, messages: usize, duration: Duration) -> WsTurn {
        self.inserts.push((messages, Insert::Stall(duration)));
        self
    }

    /// After `messages` messages, writes `bytes` verbatim (e.g. a frame with a reserved
    /// opcode, or half a frame followed by [`drop_after`](Self::drop_after)).
    pub fn raw_after(mut self, messages: usize, bytes: impl Into<Vec<u8>>) -> WsTurn {
        self.inserts.push((messages, Insert::Raw(bytes.into())));
        self
    }

    /// After `messages` messages, a close frame `1000` (reason `codex-api-testkit`) ends the
    /// session, mid-response when `messages` is short of the terminal event.
    pub fn close_after(self, messages: usize) -> WsTurn {
        self.close_after_with(messages, 1000, "codex-api-testkit")
    }

    /// After `messages` messages, a close frame with `code` and `reason` ends the session.
    pub fn close_after_with(
        mut self,
        messages: usize,
        code: u16,
        reason: impl Into<String>,
    ) -> WsTurn {
        self.ending = Some((messages, Ending::Close(code, reason.into())));
        self
    }

    /// After every message, a close frame `1000` ends the session.
    pub fn then_close(self) -> WsTurn {
        self.close_after(usize::MAX)
    }

    /// After `messages` messages, the connection ends without a close frame (a FIN, after a
    /// TLS `close_notify` in TLS mode).
    pub fn drop_after(mut self, messages: usize) -> WsTurn {
        self.ending = Some((messages, Ending::Drop));
        self
    }

    /// Whether [`render`](Self::render) reads the request (only then does the session parse
    /// the `response.create` into a document).
    pub(crate) fn needs_request(&self) -> bool {
        matches!(self.content, Content::PreviousResponseNotFound)
    }

    /// The turn's messages for a request whose JSON is `request`.
    pub(crate) fn render(&self, request: Option<&Value>) -> Arc<[String]> {
        match &self.content {
            Content::Messages(messages) => Arc::clone(messages),
            Content::PreviousResponseNotFound => {
                let id = request
                    .and_then(|r| r.get("previous_response_id"))
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let error = WrappedError::new(
                    400,
                    "previous_response_not_found",
                    format!("Previous response with id '{id}' not found."),
                )
                .error_field("param", "previous_response_id");
                Arc::from([error.to_json().to_string()])
            }
        }
    }
}

/// A wrapped error frame, as the Responses WebSocket sends errors that HTTP would send as a
/// status: `{"type":"error","status":429,"error":{"type","code","message",...},"headers":{...}}`.
///
/// ```
/// use codex_api_testkit::WrappedError;
///
/// let frame = WrappedError::new(429, "usage_limit_reached", "The usage limit has been reached")
///     .error_type("usage_limit_reached")
///     .header("retry-after", "1")
///     .header("x-codex-primary-used-percent", 100)
///     .to_json();
/// assert_eq!(frame["type"], "error");
/// assert_eq!(frame["status"], 429);
/// assert_eq!(frame["error"]["code"], "usage_limit_reached");
/// assert_eq!(frame["headers"]["retry-after"], "1");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct WrappedError {
    status: Option<u16>,
    status_field: &'static str,
    error: Map<String, Value>,
    headers: Option<Map<String, Value>>,
}

impl WrappedError {
    /// An error with `status`, `error.code` and `error.message`; `error.type` is
    /// `server_error` for a 5xx status, else `invalid_request_error`.
    pub fn new(status: u16, code: impl Into<String>, message: impl Into<String>) -> WrappedError {
        let error_type = if status >= 500 {
            "server_error"
        } else {
            "invalid_request_error"
        };
        let mut error = Map::new();
        error.insert("type".into(), json!(error_type));
        error.insert("code".into(), json!(code.into()));
        error.insert("message".into(), json!(message.into()));
        WrappedError {
            status: Some(status),
            status_field: "status",
            error,
            headers: None,
        }
    }

    /// Sets `error.type`.
    pub fn error_type(self, error_type: impl Into<String>) -> WrappedError {
        self.error_field("type", error_type.into())
    }

    /// Sets another member of `error` (e.g. `param`, `plan_type`, `resets_at`).
    pub fn error_field(mut self, name: impl Into<String>, value: impl Into<Value>) -> WrappedError {
        self.error.insert(name.into(), value.into());
        self
    }

    /// Adds a member of `headers` (a string, number or boolean, as the server sends them).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<Value>) -> WrappedError {
        self.headers
            .get_or_insert_with(Map::new)
            .insert(name.into(), value.into());
        self
    }

    /// Names the status member `status_code`, as the first version of the transport did.
    pub fn status_code_field(mut self) -> WrappedError {
        self.status_field = "status_code";
        self
    }

    /// Leaves the status out (a plain `error` event, which clients do not map to a status).
    pub fn without_status(mut self) -> WrappedError {
        self.status = None;
        self
    }

    /// The frame's JSON.
    pub fn to_json(&self) -> Value {
        let mut frame = Map::new();
        frame.insert("type".into(), json!("error"));
        if let Some(status) = self.status {
            frame.insert(self.status_field.into(), json!(status));
        }
        frame.insert("error".into(), Value::Object(self.error.clone()));
        if let Some(headers) = &self.headers {
            frame.insert("headers".into(), Value::Object(headers.clone()));
        }
        Value::Object(frame)
    }
}
