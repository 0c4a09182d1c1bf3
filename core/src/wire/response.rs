//! The `Response` object and its token `Usage`.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::item::ResponseItem;
use super::lossless::wire_struct;
use super::open_enum::open_enum;
use super::request::ServiceTier;

open_enum! {
    /// `Response.status`.
    ResponseStatus {
        /// `completed`.
        Completed => "completed",
        /// `failed`.
        Failed => "failed",
        /// `in_progress`.
        InProgress => "in_progress",
        /// `cancelled`.
        Cancelled => "cancelled",
        /// `queued`.
        Queued => "queued",
        /// `incomplete`.
        Incomplete => "incomplete",
    }
}

wire_struct! {
    /// The `Response` object (as carried by `response.created`, `response.completed`, ... and
    /// returned by non-streaming calls).
    ///
    /// Only the members a client acts on are typed; every other member is ignored on decode.
    /// Unset members are omitted on encode.
    #[derive(Debug, Clone, PartialEq, Default)]
    pub struct Response {
        /// Response id (`resp_...`).
        #[serde(default)]
        pub id: String,
        /// Always `response`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub object: Option<String>,
        /// Creation time (Unix seconds; any other JSON is kept as sent).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub created_at: Option<Timestamp>,
        /// Completion time (Unix seconds; any other JSON is kept as sent).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub completed_at: Option<Timestamp>,
        /// Status.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub status: Option<ResponseStatus>,
        /// Model that produced the response.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub model: Option<String>,
        /// Output items.
        #[serde(default)]
        pub output: Vec<ResponseItem>,
        /// Token usage (absent until the response finishes).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub usage: Option<Usage>,
        /// Why the response failed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub error: Option<ResponseError>,
        /// Why the response is incomplete.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub incomplete_details: Option<IncompleteDetails>,
        /// The response this one continues.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub previous_response_id: Option<String>,
        /// Tier that served the request.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub service_tier: Option<ServiceTier>,
    }
}

wire_struct! {
    /// `Response.error` (as carried by `response.failed`).
    #[derive(Debug, Clone, PartialEq, Eq, Default)]
    pub struct ResponseError {
        /// Machine-readable code, e.g. `server_error`, `rate_limit_exceeded`,
        /// `context_length_exceeded`, `insufficient_quota`, `usage_not_included`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub code: Option<String>,
        /// Human-readable message (may contain "try again in 1.5s").
        #[serde(default)]
        pub message: String,
        /// Error class (`type`), e.g. `usage_limit_reached` on the ChatGPT backend.
        #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
        pub kind: Option<String>,
        /// ChatGPT plan of the account (usage-limit errors).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub plan_type: Option<String>,
        /// When the usage limit resets, Unix seconds (usage-limit errors).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub resets_at: Option<i64>,
    }
}

wire_struct! {
    /// `Response.incomplete_details`.
    #[derive(Debug, Clone, PartialEq, Eq, Default)]
    pub struct IncompleteDetails {
        /// `max_output_tokens` or `content_filter`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub reason: Option<String>,
    }
}

wire_struct! {
    /// Token usage (`ResponseUsage`). Missing counts read as 0; the detail objects are written
    /// back as they came (absent, `null` or present). [`Usage::cached_tokens`] and
    /// [`Usage::reasoning_tokens`] read 0 when a detail object is missing.
    #[derive(Debug, Clone, PartialEq, Eq, Default)]
    pub struct Usage {
        /// Input tokens.
        #[serde(default)]
        pub input_tokens: u64,
        /// Input token breakdown.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub input_tokens_details: Option<InputTokensDetails>,
        /// Output tokens.
        #[serde(default)]
        pub output_tokens: u64,
        /// Output token breakdown.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub output_tokens_details: Option<OutputTokensDetails>,
        /// Total tokens.
        #[serde(default)]
        pub total_tokens: u64,
    }
}

impl Usage {
    /// Tokens served from the prompt cache.
    pub fn cached_tokens(&self) -> u64 {
        self.input_tokens_details
            .as_ref()
            .map_or(0, |details| details.cached_tokens)
    }

    /// Tokens spent on reasoning.
    pub fn reasoning_tokens(&self) -> u64 {
        self.output_tokens_details
            .as_ref()
            .map_or(0, |details| details.reasoning_tokens)
    }
}

wire_struct! {
    /// `input_tokens_details`.
    #[derive(Debug, Clone, PartialEq, Eq, Default)]
    pub struct InputTokensDetails {
        /// Tokens read from the prompt cache.
        #[serde(default)]
        pub cached_tokens: u64,
    }
}

wire_struct! {
    /// `output_tokens_details`.
    #[derive(Debug, Clone, PartialEq, Eq, Default)]
    pub struct OutputTokensDetails {
        /// Reasoning tokens.
        #[serde(default)]
        pub reasoning_tokens: u64,
    }
}

/// A Unix timestamp as the server sent it: whole seconds, or any other JSON (a date string, a
/// fraction, a negative number) kept verbatim, so that a cosmetic member never fails a whole
/// event and is still written back unchanged.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Timestamp {
    /// Whole seconds since the Unix epoch.
    Seconds(u64),
    /// Any other value, verbatim.
    Other(Box<RawValue>),
}

impl Timestamp {
    /// Whole seconds since the Unix epoch, when the value is a non-negative number (a fraction
    /// is truncated).
    pub fn seconds(&self) -> Option<u64> {
        match self {
            Timestamp::Seconds(seconds) => Some(*seconds),
            Timestamp::Other(raw) => match serde_json::from_str::<f64>(raw.get()) {
                // Saturating float-to-int conversion; NaN and negatives read as `None`.
                Ok(value) if value.is_finite() && value >= 0.0 => Some(value as u64),
                _ => None,
            },
        }
    }
}

impl PartialEq for Timestamp {
    fn eq(&self, other: &Timestamp) -> bool {
        match (self, other) {
            (Timestamp::Seconds(a), Timestamp::Seconds(b)) => a == b,
            (Timestamp::Other(a), Timestamp::Other(b)) => a.get() == b.get(),
            _ => false,
        }
    }
}

impl From<u64> for Timestamp {
    fn from(seconds: u64) -> Timestamp {
        Timestamp::Seconds(seconds)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Timestamp::Seconds(seconds) => serializer.serialize_u64(*seconds),
            Timestamp::Other(raw) => raw.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        let text = raw.get();
        let digits =
            !text.is_empty() && text.len() <= 19 && text.bytes().all(|b| b.is_ascii_digit());
        Ok(match text.parse::<u64>() {
            Ok(seconds) if digits && (text == "0" || !text.starts_with('0')) => {
                Timestamp::Seconds(seconds)
            }
            _ => Timestamp::Other(raw),
        })
    }
}

impl Response {
    /// The text of every `output_text` part of every assistant message of `output`, in order,
    /// concatenated (as openai-python's `Response.output_text`).
    pub fn output_text(&self) -> String {
        let mut text = String::new();
        for item in &self.output {
            if let ResponseItem::Message(message) = item {
                for part in &message.content {
                    if let super::content::ContentPart::OutputText(part) = part {
                        text.push_str(&part.text);
                    }
                }
            }
        }
        text
    }

    /// The function calls of `output`, in order: what a tool loop runs next.
    pub fn function_calls(&self) -> impl Iterator<Item = &super::item::FunctionCallItem> {
        self.output.iter().filter_map(|item| match item {
            ResponseItem::FunctionCall(call) => Some(call),
            _ => None,
        })
    }

    /// Whether the response reached a final status (`completed`, `failed`, `cancelled` or
    /// `incomplete`): polling it again will not change it.
    pub fn is_final(&self) -> bool {
        matches!(
            self.status,
            Some(
                ResponseStatus::Completed
                    | ResponseStatus::Failed
                    | ResponseStatus::Cancelled
                    | ResponseStatus::Incomplete
            )
        )
    }
}
