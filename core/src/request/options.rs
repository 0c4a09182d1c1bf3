//! Per-request transport options of the Responses family: session and thread ids, sub-agent
//! label, extra headers, turn state and body compression.

/// Header carrying the session id.
pub const SESSION_ID_HEADER: &str = "session-id";
/// Header carrying the thread (conversation) id.
pub const THREAD_ID_HEADER: &str = "thread-id";
/// Header carrying the client request id (Codex sends the thread id here).
pub const CLIENT_REQUEST_ID_HEADER: &str = "x-client-request-id";
/// Header naming the sub-agent that issued the request.
pub const SUBAGENT_HEADER: &str = "x-openai-subagent";
/// Header echoing the turn state captured from an earlier response of the same turn.
pub const TURN_STATE_HEADER: &str = "x-codex-turn-state";

/// Request-body compression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Compression {
    /// Send the body as is.
    #[default]
    None,
    /// zstd (level 3) with `Content-Encoding: zstd`. Needs the `zstd` cargo feature.
    Zstd,
}

/// Transport options of one request. Header-valued fields are validated when the request is
/// built; an invalid value is a [`super::BuildError::InvalidHeader`] naming its header.
///
/// Precedence (later wins for the same header name): provider defaults < `extra_headers` <
/// the named options below < endpoint headers < auth headers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResponsesOptions {
    /// Sent as `session-id`.
    pub session_id: Option<String>,
    /// Sent as `thread-id` and `x-client-request-id`.
    pub thread_id: Option<String>,
    /// Sent as `x-openai-subagent`.
    pub subagent: Option<String>,
    /// Extra headers, applied in order.
    pub extra_headers: Vec<(String, String)>,
    /// Sent as `x-codex-turn-state` (see [`super::TurnState`]).
    pub turn_state: Option<String>,
    /// Body compression.
    pub compression: Compression,
}

impl ResponsesOptions {
    /// No options.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the session id.
    pub fn with_session_id(mut self, session_id: impl Into<String>) -> Self {
        self.session_id = Some(session_id.into());
        self
    }

    /// Sets the thread id.
    pub fn with_thread_id(mut self, thread_id: impl Into<String>) -> Self {
        self.thread_id = Some(thread_id.into());
        self
    }

    /// Sets the sub-agent label.
    pub fn with_subagent(mut self, label: impl Into<String>) -> Self {
        self.subagent = Some(label.into());
        self
    }

    /// Adds an extra header.
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra_headers.push((name.into(), value.into()));
        self
    }

    /// Sets the turn state to echo.
    pub fn with_turn_state(mut self, turn_state: impl Into<String>) -> Self {
        self.turn_state = Some(turn_state.into());
        self
    }

    /// Sets body compression.
    pub fn with_compression(mut self, compression: Compression) -> Self {
        self.compression = compression;
        self
    }

    /// The named option headers in application order.
    pub(crate) fn named_headers(&self) -> impl Iterator<Item = (&str, &str)> {
        let thread = self.thread_id.as_deref();
        let names: [&str; 5] = [
            SESSION_ID_HEADER,
            THREAD_ID_HEADER,
            CLIENT_REQUEST_ID_HEADER,
            SUBAGENT_HEADER,
            TURN_STATE_HEADER,
        ];
        let values = [
            self.session_id.as_deref(),
            thread,
            thread,
            self.subagent.as_deref(),
            self.turn_state.as_deref(),
        ];
        names
            .into_iter()
            .zip(values)
            .filter_map(|(name, value)| value.map(|value| (name, value)))
    }
}
