//! What the CLI needs from a runtime adapter, so that `stream`, `compact`, `models` and `demo`
//! run unchanged on every runtime: one [`Session`] trait, one implementation per adapter.

use std::sync::{Arc, Mutex};

use codex_api_client::blocking::AuthProvider;
use codex_api_core::call::AttemptRecord;
use codex_api_core::client_config::Transport;
use codex_api_core::credentials::Credentials;
use codex_api_core::error::ApiError;
use codex_api_core::provider::Provider;
use codex_api_core::request::ResponsesOptions;
use codex_api_core::retry::RetryPolicy;
use codex_api_core::stream::{ResponseEvent, StreamItem};
use codex_api_core::unauthorized::{RecoveryMode, RecoveryStep, StepFailure};
use codex_api_core::wire::{
    CompactionInput, CompactionOutput, ModelsResponse, ResponseItem, ResponsesApiRequest,
};

use crate::resource_session::Resources;

/// Which level of events a stream delivers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// Codex-level [`ResponseEvent`]s.
    Codex,
    /// Every decoded [`StreamItem`].
    Raw,
}

/// One event of a stream, at the level asked for.
#[derive(Debug)]
pub enum Output {
    /// A Codex-level event.
    Event(ResponseEvent),
    /// A raw item.
    Raw(StreamItem),
}

/// A failed call or stream, reduced to what the CLI prints and its exit code.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// The stable error kind (`rate_limited`, `unauthorized`, `transport`, ...).
    pub kind: String,
    /// The error's message (never a secret: the adapters' errors redact).
    pub message: String,
    /// The server's error (an error response or an in-stream failure), whose facts (status,
    /// code, request id, `retry-after`, the server's message) are printed one by one.
    pub server: Option<Box<ApiError>>,
}

impl Failure {
    /// A failure from an adapter error's kind, message and server error (if it was one).
    pub fn new(kind: &str, message: String, api: Option<&ApiError>) -> Failure {
        Failure {
            kind: kind.to_owned(),
            message,
            server: api.map(|api| Box::new(api.clone())),
        }
    }

    /// The HTTP status, when there was one.
    pub fn status(&self) -> Option<u16> {
        self.server
            .as_ref()
            .and_then(|api| api.status())
            .map(|status| status.as_u16())
    }

    /// The request id, when the server gave one.
    pub fn request_id(&self) -> Option<&str> {
        self.server.as_ref().and_then(|api| api.request_id())
    }

    /// How long the server asked to wait, in milliseconds, when it said.
    pub fn retry_after_ms(&self) -> Option<u64> {
        self.server
            .as_ref()
            .and_then(|api| api.retry_after())
            .map(|delay| u64::try_from(delay.as_millis()).unwrap_or(u64::MAX))
    }

    /// The server's own message (or the stream machinery's description of what it detected),
    /// when there is one.
    pub fn server_message(&self) -> Option<&str> {
        self.server.as_ref().and_then(|api| api.message())
    }
}

/// What a finished stream reports besides its events.
#[derive(Debug, Clone, Default)]
pub struct StreamEnd {
    /// The request id of the response that streamed.
    pub request_id: Option<String>,
    /// The output of the terminal event's response (Codex-level view only; empty otherwise):
    /// what the next request of a conversation appends to its input, so that a WebSocket
    /// turn can continue this one.
    pub output: Vec<ResponseItem>,
}

/// The state of a session's own WebSocket connection ([`Session::websocket_turn`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WebSocketState {
    /// An idle connection is open.
    pub connected: bool,
    /// The open connection negotiated `permessage-deflate`.
    pub deflate: bool,
}

/// Every attempt's telemetry record, collected for the demo's summary.
#[derive(Debug, Clone, Default)]
pub struct AttemptLog(Arc<Mutex<Vec<AttemptRecord>>>);

impl AttemptLog {
    /// Records one attempt.
    pub fn push(&self, record: &AttemptRecord) {
        if let Ok(mut records) = self.0.lock() {
            records.push(record.clone());
        }
    }

    /// Takes the records collected so far.
    pub fn take(&self) -> Vec<AttemptRecord> {
        self.0
            .lock()
            .map(|mut records| std::mem::take(&mut *records))
            .unwrap_or_default()
    }
}

/// Announces, on stderr, each resume of a cut background stream: one line per resume, when
/// the first attempt of the resume call ends (an attempt record with `resume: Some(n)`). The
/// stream loop tells it the last sequence number the stream had seen
/// ([`delivered`](Self::delivered)), which is where the resume starts.
#[derive(Debug, Clone, Default)]
pub struct ResumeNotice(Arc<Mutex<NoticeState>>);

#[derive(Debug, Default)]
struct NoticeState {
    last_sequence: Option<u64>,
    announced: u32,
}

impl ResumeNotice {
    /// The stream has seen events up to sequence number `last` (as its state says).
    pub fn delivered(&self, last: Option<u64>) {
        if let Ok(mut state) = self.0.lock() {
            state.last_sequence = last;
        }
    }

    /// An attempt ended: the first one of each resume prints its line.
    pub fn attempt(&self, record: &AttemptRecord) {
        let Some(resume) = record.resume else {
            return;
        };
        let Ok(mut state) = self.0.lock() else {
            return;
        };
        if resume > state.announced {
            state.announced = resume;
            eprintln!("{}", resume_line(resume, state.last_sequence));
        }
    }
}

/// `codex-api: stream cut; resuming after event 3 (resume 1)`.
pub fn resume_line(resume: u32, last_sequence: Option<u64>) -> String {
    let from = match last_sequence {
        Some(last) => format!("after event {last}"),
        None => "from the start".to_owned(),
    };
    format!("codex-api: stream cut; resuming {from} (resume {resume})")
}

/// Where credentials come from.
#[derive(Debug, Clone)]
pub enum Auth {
    /// Fixed credentials; a 401 is final.
    Static(Credentials),
    /// A scripted token source for the demo: `reload` finds nothing new, `refresh_token`
    /// yields the next token.
    Rotating(RotatingTokens),
}

/// Tokens handed out in order by `refresh_token` (managed recovery).
#[derive(Debug, Clone)]
pub struct RotatingTokens {
    tokens: Arc<Vec<String>>,
    current: Arc<Mutex<usize>>,
}

impl RotatingTokens {
    /// Starts with `tokens[0]`; each `refresh_token` step moves to the next.
    pub fn new(tokens: Vec<String>) -> Self {
        RotatingTokens {
            tokens: Arc::new(tokens),
            current: Arc::new(Mutex::new(0)),
        }
    }

    fn at(&self, index: usize) -> Credentials {
        self.tokens.get(index).map_or(Credentials::None, |token| {
            Credentials::api_key(token.as_str())
        })
    }
}

impl AuthProvider for Auth {
    /// The credentials to send now.
    fn credentials(&self) -> Credentials {
        match self {
            Auth::Static(credentials) => credentials.clone(),
            Auth::Rotating(tokens) => {
                let index = tokens.current.lock().map_or(0, |index| *index);
                tokens.at(index)
            }
        }
    }

    /// Runs one recovery step.
    fn refresh(&self, step: RecoveryStep) -> Result<Credentials, StepFailure> {
        match self {
            Auth::Static(_) => Err(StepFailure::Permanent),
            Auth::Rotating(tokens) => {
                let mut index = tokens.current.lock().map_err(|_| StepFailure::Transient)?;
                if step == RecoveryStep::RefreshToken {
                    if *index + 1 >= tokens.tokens.len() {
                        return Err(StepFailure::Permanent);
                    }
                    *index += 1;
                }
                Ok(tokens.at(*index))
            }
        }
    }

    /// Which recovery steps exist.
    fn recovery_mode(&self) -> RecoveryMode {
        match self {
            Auth::Static(_) => RecoveryMode::None,
            Auth::Rotating(_) => RecoveryMode::Managed,
        }
    }

    /// The `auth_mode` tag.
    fn auth_mode(&self) -> &str {
        match self {
            Auth::Static(Credentials::None) => "none",
            Auth::Static(_) | Auth::Rotating(_) => "api_key",
        }
    }
}

/// How to build a session's client.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// Where requests go.
    pub provider: Provider,
    /// Credentials and their recovery.
    pub auth: Auth,
    /// Retry policy (the provider's default when `None`).
    pub policy: Option<RetryPolicy>,
    /// Collects every attempt's record, when set.
    pub attempts: Option<AttemptLog>,
    /// Announces the resumes of background streams on stderr, when set.
    pub resumes: Option<ResumeNotice>,
    /// Connect directly, ignoring the proxy variables (the demo's embedded loopback server).
    pub direct: bool,
    /// How [`Session::stream`] reaches `responses`: HTTP, or the client's kept WebSocket
    /// connection with fallback to HTTP.
    pub transport: Transport,
}

/// A client of one runtime adapter, driven synchronously by the CLI (the Responses resource
/// and Conversations are in [`Resources`]).
pub trait Session: Resources {
    /// `POST responses`: hands every event to `sink` as it arrives.
    fn stream(
        &mut self,
        request: ResponsesApiRequest,
        options: ResponsesOptions,
        view: View,
        sink: &mut dyn FnMut(Output),
    ) -> Result<StreamEnd, Failure>;

    /// One turn over the session's own WebSocket connection (`client.websocket()`, opened by
    /// the first turn, kept for the next): hands every event to `sink`. A turn whose input
    /// extends the previous turn's input and output is sent chained (`previous_response_id`
    /// and only the new items).
    fn websocket_turn(
        &mut self,
        request: ResponsesApiRequest,
        view: View,
        sink: &mut dyn FnMut(Output),
    ) -> Result<StreamEnd, Failure>;

    /// The state of the connection [`websocket_turn`](Self::websocket_turn) uses.
    fn websocket_state(&self) -> WebSocketState;

    /// Whether [`stream`](Self::stream) fell back from the WebSocket transport to HTTP for
    /// good (a `426`, or a connection-level failure after the retries).
    fn fell_back_to_http(&self) -> bool;

    /// `POST responses/compact`.
    fn compact(
        &mut self,
        input: CompactionInput,
        options: ResponsesOptions,
    ) -> Result<CompactionOutput, Failure>;

    /// `GET models`.
    fn list_models(&mut self) -> Result<ModelsResponse, Failure>;
}

/// The exit code for a failure of this kind: 3 auth, 4 rate limit or quota, 5 invalid request,
/// 6 server or transport, 1 anything else (2 is usage errors, from argument parsing).
pub fn exit_code(kind: &str) -> u8 {
    match kind {
        "unauthorized" | "forbidden" => 3,
        "rate_limited" | "quota_exceeded" | "usage_limit_reached" | "usage_not_included" => 4,
        "invalid_request"
        | "not_found"
        | "unprocessable"
        | "context_window_exceeded"
        | "cyber_policy"
        | "conflict"
        | "request_build" => 5,
        "server_error" | "server_overloaded" | "unexpected_status" | "stream_truncated"
        | "idle_timeout" | "protocol" | "transport" | "timeout" | "body_too_large" | "other" => 6,
        _ => 1,
    }
}
