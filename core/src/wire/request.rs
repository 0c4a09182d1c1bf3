//! `ResponsesApiRequest`: the body of `POST responses` (`CreateResponse`).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde::Serialize;
use serde_json::Value;

use super::item::ResponseItem;
use super::open_enum::open_enum;
use super::tool::Tool;
use super::tool::ToolChoice;

open_enum! {
    /// `reasoning.effort`.
    ReasoningEffort {
        /// `none`.
        None => "none",
        /// `minimal`.
        Minimal => "minimal",
        /// `low`.
        Low => "low",
        /// `medium`.
        Medium => "medium",
        /// `high`.
        High => "high",
        /// `xhigh`.
        XHigh => "xhigh",
    }
}

open_enum! {
    /// `reasoning.summary`.
    ReasoningSummary {
        /// `auto`.
        Auto => "auto",
        /// `concise`.
        Concise => "concise",
        /// `detailed`.
        Detailed => "detailed",
        /// `none`.
        None => "none",
    }
}

open_enum! {
    /// `text.verbosity`.
    Verbosity {
        /// `low`.
        Low => "low",
        /// `medium`.
        Medium => "medium",
        /// `high`.
        High => "high",
    }
}

open_enum! {
    /// `service_tier`.
    ServiceTier {
        /// `auto`.
        Auto => "auto",
        /// `default`.
        Default => "default",
        /// `flex`.
        Flex => "flex",
        /// `scale`.
        Scale => "scale",
        /// `priority`.
        Priority => "priority",
    }
}

/// The `reasoning` object. Unset members are omitted.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Reasoning {
    /// How hard the model thinks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effort: Option<ReasoningEffort>,
    /// Whether and how reasoning is summarised.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<ReasoningSummary>,
}

/// The `text` object: verbosity and output format. Unset members are omitted.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TextControls {
    /// Output verbosity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verbosity: Option<Verbosity>,
    /// Output format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<TextFormat>,
}

/// `text.format`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum TextFormat {
    /// `text`: plain text.
    Text,
    /// `json_schema`: structured output following a schema.
    JsonSchema {
        /// Schema name.
        name: String,
        /// The JSON schema.
        schema: Value,
        /// Strict schema adherence.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        strict: Option<bool>,
        /// What the format is for.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<String>,
    },
    /// `json_object`: any JSON object (older models).
    JsonObject,
}

/// The body of `POST responses` (OpenAPI `CreateResponse`).
///
/// Omission rule: every optional field is omitted when unset (`None`). Exceptions:
/// - `model` and `input` are always sent (`input` as an array, possibly empty);
/// - `tools` and `include` are omitted when empty rather than sent as `[]`.
///
/// Build with [`ResponsesApiRequest::new`] and the chainable setters, or set the public fields.
/// `input` items decode via `serde_json` only (see the [`wire`](super) module docs).
///
/// ```
/// use codex_api_core::wire::{ResponsesApiRequest, ResponseItem, Role};
///
/// let request = ResponsesApiRequest::new("gpt-5")
///     .instructions("Be brief.")
///     .input(vec![ResponseItem::text_message(Role::User, "hi")])
///     .stream(true);
/// let json = serde_json::to_string(&request).unwrap();
/// assert_eq!(
///     json,
///     r#"{"model":"gpt-5","instructions":"Be brief.","input":[{"type":"message","role":"user","content":[{"type":"input_text","text":"hi"}]}],"stream":true}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ResponsesApiRequest {
    /// Model id.
    pub model: String,
    /// System/developer instructions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
    /// Conversation items (always sent).
    #[serde(default)]
    pub input: Vec<ResponseItem>,
    /// Tools the model may call (omitted when empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<Tool>,
    /// How the model picks tools.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<ToolChoice>,
    /// Whether several tool calls may be emitted in one turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallel_tool_calls: Option<bool>,
    /// Reasoning options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<Reasoning>,
    /// Whether the server stores the response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store: Option<bool>,
    /// Whether the response is streamed as server-sent events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<bool>,
    /// Extra output to include, e.g. `reasoning.encrypted_content` (omitted when empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<String>,
    /// Processing tier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_tier: Option<ServiceTier>,
    /// Prompt cache key (Codex uses the conversation id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_cache_key: Option<String>,
    /// Text verbosity and output format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<TextControls>,
    /// Continue from a stored response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_response_id: Option<String>,
    /// Upper bound on generated tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_output_tokens: Option<u64>,
    /// Up to 16 key/value pairs stored with the response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BTreeMap<String, String>>,
    /// Client metadata (Codex: installation/session identifiers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_metadata: Option<BTreeMap<String, String>>,
    /// Run the response in the background.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background: Option<bool>,
}

macro_rules! setters {
    ($( $(#[$doc:meta])* $field:ident: $ty:ty => $wrap:expr; )*) => {
        $(
            $(#[$doc])*
            #[must_use]
            pub fn $field(mut self, value: impl Into<$ty>) -> Self {
                let value: $ty = value.into();
                self.$field = $wrap(value);
                self
            }
        )*
    };
}

impl ResponsesApiRequest {
    /// A request for `model` with empty input and nothing else set.
    pub fn new(model: impl Into<String>) -> Self {
        Self {
            model: model.into(),
            instructions: None,
            input: Vec::new(),
            tools: Vec::new(),
            tool_choice: None,
            parallel_tool_calls: None,
            reasoning: None,
            store: None,
            stream: None,
            include: Vec::new(),
            service_tier: None,
            prompt_cache_key: None,
            text: None,
            previous_response_id: None,
            max_output_tokens: None,
            metadata: None,
            client_metadata: None,
            background: None,
        }
    }

    setters! {
        /// Sets `instructions`.
        instructions: String => Some;
        /// Sets `input`.
        input: Vec<ResponseItem> => std::convert::identity;
        /// Sets `tools`.
        tools: Vec<Tool> => std::convert::identity;
        /// Sets `tool_choice`.
        tool_choice: ToolChoice => Some;
        /// Sets `parallel_tool_calls`.
        parallel_tool_calls: bool => Some;
        /// Sets `reasoning`.
        reasoning: Reasoning => Some;
        /// Sets `store`.
        store: bool => Some;
        /// Sets `stream`.
        stream: bool => Some;
        /// Sets `include`.
        include: Vec<String> => std::convert::identity;
        /// Sets `service_tier`.
        service_tier: ServiceTier => Some;
        /// Sets `prompt_cache_key`.
        prompt_cache_key: String => Some;
        /// Sets `text`.
        text: TextControls => Some;
        /// Sets `previous_response_id`.
        previous_response_id: String => Some;
        /// Sets `max_output_tokens`.
        max_output_tokens: u64 => Some;
        /// Sets `metadata`.
        metadata: BTreeMap<String, String> => Some;
        /// Sets `client_metadata`.
        client_metadata: BTreeMap<String, String> => Some;
        /// Sets `background`.
        background: bool => Some;
    }

    /// Removes `id` from every input item (used for non-Azure providers, which reject ids of
    /// items that were not stored).
    pub fn strip_item_ids(&mut self) {
        for item in &mut self.input {
            item.strip_id();
        }
    }
}
