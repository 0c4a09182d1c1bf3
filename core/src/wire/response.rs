//! The `Response` object and its token `Usage`.

use serde::Deserialize;
use serde::Serialize;

use super::item::ResponseItem;
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

/// The `Response` object (as carried by `response.created`, `response.completed`, ... and
/// returned by non-streaming calls).
///
/// Only the members a client acts on are typed; every other member is ignored on decode.
/// Unset members are omitted on encode.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Response {
    /// Response id (`resp_...`).
    #[serde(default)]
    pub id: String,
    /// Always `response`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    /// Creation time, Unix seconds (a non-numeric value reads as `None`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_timestamp"
    )]
    pub created_at: Option<u64>,
    /// Completion time, Unix seconds (a non-numeric value reads as `None`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_timestamp"
    )]
    pub completed_at: Option<u64>,
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

/// `Response.error` (as carried by `response.failed`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
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

/// `Response.incomplete_details`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct IncompleteDetails {
    /// `max_output_tokens` or `content_filter`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Token usage (`ResponseUsage`). Missing counts and detail objects read as 0; both detail
/// objects are always written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Usage {
    /// Input tokens.
    #[serde(default)]
    pub input_tokens: u64,
    /// Input token breakdown.
    #[serde(default, deserialize_with = "null_as_default")]
    pub input_tokens_details: InputTokensDetails,
    /// Output tokens.
    #[serde(default)]
    pub output_tokens: u64,
    /// Output token breakdown.
    #[serde(default, deserialize_with = "null_as_default")]
    pub output_tokens_details: OutputTokensDetails,
    /// Total tokens.
    #[serde(default)]
    pub total_tokens: u64,
}

impl Usage {
    /// Tokens served from the prompt cache.
    pub fn cached_tokens(&self) -> u64 {
        self.input_tokens_details.cached_tokens
    }

    /// Tokens spent on reasoning.
    pub fn reasoning_tokens(&self) -> u64 {
        self.output_tokens_details.reasoning_tokens
    }
}

/// `input_tokens_details`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct InputTokensDetails {
    /// Tokens read from the prompt cache.
    #[serde(default)]
    pub cached_tokens: u64,
}

/// `output_tokens_details`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OutputTokensDetails {
    /// Reasoning tokens.
    #[serde(default)]
    pub reasoning_tokens: u64,
}

fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// Reads a Unix timestamp; any non-numeric value (`null`, a date string) reads as `None` so that
/// a cosmetic field never fails a whole event.
fn lenient_timestamp<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<u64>, D::Error> {
    struct Visit;
    impl<'de> serde::de::Visitor<'de> for Visit {
        type Value = Option<u64>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a Unix timestamp")
        }
        fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<Self::Value, E> {
            Ok(Some(value))
        }
        fn visit_i64<E: serde::de::Error>(self, value: i64) -> Result<Self::Value, E> {
            Ok(u64::try_from(value).ok())
        }
        fn visit_f64<E: serde::de::Error>(self, value: f64) -> Result<Self::Value, E> {
            // Saturating float-to-int conversion; NaN and negatives read as `None`.
            Ok((value.is_finite() && value >= 0.0).then_some(value as u64))
        }
        fn visit_str<E: serde::de::Error>(self, _value: &str) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: serde::Deserializer<'de>>(
            self,
            deserializer: D,
        ) -> Result<Self::Value, D::Error> {
            deserializer.deserialize_any(Visit)
        }
    }
    deserializer.deserialize_option(Visit)
}
