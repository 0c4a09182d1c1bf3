//! The folded result of one streamed response, in the JSON shape `replay --json` prints.

use serde::Serialize;

use crate::error::{ApiError, ErrorOrigin};

/// How the stream ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeKind {
    /// `response.completed` arrived.
    Completed,
    /// `response.incomplete` arrived.
    Incomplete,
    /// `response.failed` arrived.
    Failed,
    /// An `error` event arrived, or the stream failed locally (idle timeout, protocol error).
    StreamError,
    /// The stream ended without a terminal event (EOF, or a bare `[DONE]`).
    UnexpectedEof,
}

impl OutcomeKind {
    /// The stable snake_case name (`completed`, `incomplete`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            OutcomeKind::Completed => "completed",
            OutcomeKind::Incomplete => "incomplete",
            OutcomeKind::Failed => "failed",
            OutcomeKind::StreamError => "stream_error",
            OutcomeKind::UnexpectedEof => "unexpected_eof",
        }
    }
}

/// Token usage as reported by the final response; missing details count as 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct OutcomeUsage {
    /// Input (prompt) tokens.
    pub input_tokens: u64,
    /// Input tokens served from the prompt cache.
    pub cached_tokens: u64,
    /// Output tokens.
    pub output_tokens: u64,
    /// Output tokens spent on reasoning.
    pub reasoning_tokens: u64,
    /// Total tokens.
    pub total_tokens: u64,
}

/// A function call as streamed: `call_id` and `name` from `output_item.added`, arguments from
/// the deltas, replaced by the `.done` values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FunctionCallOutcome {
    /// The output item's id.
    pub item_id: String,
    /// The call id the tool output must echo.
    pub call_id: String,
    /// The function name.
    pub name: String,
    /// The JSON arguments text.
    pub arguments: String,
    /// The item's position in the response output.
    pub output_index: u64,
}

/// A custom (free-form) tool call: like a function call, with raw `input` text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CustomToolCallOutcome {
    /// The output item's id.
    pub item_id: String,
    /// The call id the tool output must echo.
    pub call_id: String,
    /// The tool name.
    pub name: String,
    /// The raw input text.
    pub input: String,
    /// The item's position in the response output.
    pub output_index: u64,
}

/// Where a failure came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorSource {
    /// A `response.failed` event (or `response.incomplete`, which fails the turn too).
    #[serde(rename = "response.failed")]
    ResponseFailed,
    /// An `error` event.
    ErrorEvent,
    /// The transport or the stream itself (EOF, idle timeout, protocol violation).
    Transport,
}

/// A coarse classification of failures, for reports and dashboards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorClass {
    /// The input exceeded the model's context window.
    ContextWindowExceeded,
    /// The account's quota or plan limit is exhausted.
    QuotaExceeded,
    /// Rate limited; retrying later may succeed.
    RateLimited,
    /// The server failed (5xx-like, overloaded).
    ServerError,
    /// The request was rejected as invalid.
    InvalidRequest,
    /// The stream ended early (EOF or idle timeout).
    StreamTruncated,
    /// Anything else.
    Other,
}

/// The failure that ended the stream, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutcomeError {
    /// Where it came from.
    pub source: ErrorSource,
    /// The machine-readable code (server code, or the error's `kind()`).
    pub code: Option<String>,
    /// The human-readable message (bounded, scrubbed).
    pub message: String,
    /// A coarse classification.
    pub class: ErrorClass,
    /// Whether retrying the request may succeed.
    pub retryable: bool,
    /// The server-suggested delay before a retry, in milliseconds.
    pub retry_after_ms: Option<u64>,
}

/// Everything one streamed response amounted to. Serializes to the `replay --json` "outcome"
/// object (field names and order are part of the contract).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    /// How the stream ended.
    pub kind: OutcomeKind,
    /// The type of the terminal event (`response.completed`, `response.failed`,
    /// `response.incomplete`, `error`), if one arrived.
    pub terminal_event: Option<String>,
    /// The response id (last seen).
    pub response_id: Option<String>,
    /// The response status (last seen).
    pub status: Option<String>,
    /// Token usage from the final response.
    pub usage: Option<OutcomeUsage>,
    /// Output text: text deltas per (output index, content index), joined in index order.
    pub output_text: String,
    /// Refusal text, built like the output text.
    pub refusal_text: String,
    /// Reasoning summaries, one per summary part, in order.
    pub reasoning_summaries: Vec<String>,
    /// Function calls in output order.
    pub function_calls: Vec<FunctionCallOutcome>,
    /// Custom tool calls in output order.
    pub custom_tool_calls: Vec<CustomToolCallOutcome>,
    /// The failure that ended the stream, if any.
    pub error: Option<OutcomeError>,
    /// `incomplete_details.reason` of an incomplete response.
    pub incomplete_reason: Option<String>,
    /// Distinct unknown event types, in order of first appearance.
    pub unknown_event_types: Vec<String>,
    /// Whether a `data: [DONE]` sentinel ended the stream.
    pub done_sentinel_seen: bool,
    /// The last `sequence_number` seen.
    pub last_sequence_number: Option<u64>,
}

impl ErrorClass {
    /// The coarse class of an [`ApiError`] kind.
    pub fn of(error: &ApiError) -> ErrorClass {
        match error.kind() {
            "context_window_exceeded" => ErrorClass::ContextWindowExceeded,
            "quota_exceeded" | "usage_limit_reached" | "usage_not_included" => {
                ErrorClass::QuotaExceeded
            }
            "rate_limited" => ErrorClass::RateLimited,
            "server_error" | "server_overloaded" => ErrorClass::ServerError,
            "invalid_request" | "not_found" | "unprocessable" => ErrorClass::InvalidRequest,
            "stream_truncated" | "idle_timeout" => ErrorClass::StreamTruncated,
            _ => ErrorClass::Other,
        }
    }
}

impl OutcomeError {
    /// Summarises an [`ApiError`]: `code` is the server's code when it gave one, else the
    /// error's kind (`stream_truncated`, `idle_timeout`, `protocol`, ...).
    pub fn from_api_error(error: &ApiError) -> OutcomeError {
        let source = match error.origin() {
            ErrorOrigin::ResponseFailed => ErrorSource::ResponseFailed,
            ErrorOrigin::ErrorEvent => ErrorSource::ErrorEvent,
            _ => ErrorSource::Transport,
        };
        let code = error.code().unwrap_or(error.kind()).to_owned();
        let message = match error.message() {
            Some(message) => message.to_owned(),
            None => error.to_string(),
        };
        OutcomeError {
            source,
            code: Some(code),
            message,
            class: ErrorClass::of(error),
            retryable: error.is_retryable(),
            retry_after_ms: error
                .retry_after()
                .map(|delay| u64::try_from(delay.as_millis()).unwrap_or(u64::MAX)),
        }
    }
}
