//! `ResponsesApiRequest`: the body of `POST responses` (`CreateResponse`).

use std::collections::BTreeMap;

use serde_json::Value;
use serde_json::value::RawValue;

use super::Extra;
use super::item::ResponseItem;
use super::lossless::wire_struct;
use super::open_enum::open_enum;
use super::request_options::{
    ContextManagement, ConversationRef, Moderation, PromptCacheOptions, PromptCacheRetention,
    PromptTemplate, StreamOptions, Truncation,
};
use super::tagged::{open_tagged_deserialize, raw_eq};
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
    /// `reasoning.mode` (OpenAPI `ReasoningModeEnum`).
    ReasoningMode {
        /// `standard`.
        Standard => "standard",
        /// `pro`.
        Pro => "pro",
    }
}

open_enum! {
    /// `reasoning.context`: which reasoning items the model sees again on later turns.
    ReasoningContext {
        /// `auto`: the model decides.
        Auto => "auto",
        /// `current_turn`.
        CurrentTurn => "current_turn",
        /// `all_turns`.
        AllTurns => "all_turns",
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
        /// `fast` (requested; the response reports `priority`).
        Fast => "fast",
    }
}

wire_struct! {
    /// The `reasoning` object. Unset members are omitted.
    #[derive(Debug, Clone, PartialEq, Eq, Default)]
    pub struct Reasoning {
        /// How hard the model thinks.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub effort: Option<ReasoningEffort>,
        /// Whether and how reasoning is summarised.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub summary: Option<ReasoningSummary>,
        /// Execution mode (`standard`, `pro`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub mode: Option<ReasoningMode>,
        /// Which reasoning items are rendered back to the model on later turns.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub context: Option<ReasoningContext>,
    }
}

wire_struct! {
    /// The `text` object: verbosity and output format. Unset members are omitted.
    #[derive(Debug, Clone, PartialEq, Default)]
    pub struct TextControls {
        /// Output verbosity.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub verbosity: Option<Verbosity>,
        /// Output format.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub format: Option<TextFormat>,
    }
}

impl Reasoning {
    /// Sets `effort`.
    #[must_use]
    pub fn effort(mut self, effort: ReasoningEffort) -> Self {
        self.effort = Some(effort);
        self
    }

    /// Sets `summary`.
    #[must_use]
    pub fn summary(mut self, summary: ReasoningSummary) -> Self {
        self.summary = Some(summary);
        self
    }

    /// Sets `mode`.
    #[must_use]
    pub fn mode(mut self, mode: ReasoningMode) -> Self {
        self.mode = Some(mode);
        self
    }

    /// Sets `context`.
    #[must_use]
    pub fn context(mut self, context: ReasoningContext) -> Self {
        self.context = Some(context);
        self
    }
}

impl TextControls {
    /// Sets `verbosity`.
    #[must_use]
    pub fn verbosity(mut self, verbosity: Verbosity) -> Self {
        self.verbosity = Some(verbosity);
        self
    }

    /// Sets `format`.
    #[must_use]
    pub fn format(mut self, format: TextFormat) -> Self {
        self.format = Some(format);
        self
    }
}

/// `text.format`: the output format.
///
/// Unknown format types are kept as raw JSON in [`TextFormat::Other`] (see
/// [`ResponseItem`](super::ResponseItem)).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum TextFormat {
    /// `text`: plain text.
    Text(PlainTextFormat),
    /// `json_schema`: structured output following a schema.
    JsonSchema(JsonSchemaFormat),
    /// `json_object`: any JSON object (older models).
    JsonObject(JsonObjectFormat),
    /// A format type this crate does not know, kept verbatim.
    Other(Box<RawValue>),
}

open_tagged_deserialize!(TextFormat {
    "text" => Text(PlainTextFormat),
    "json_schema" => JsonSchema(JsonSchemaFormat),
    "json_object" => JsonObject(JsonObjectFormat),
});
raw_eq!(TextFormat {
    Text,
    JsonSchema,
    JsonObject
});

impl TextFormat {
    /// `{"type":"text"}`.
    pub fn text() -> TextFormat {
        TextFormat::Text(PlainTextFormat::default())
    }

    /// `{"type":"json_schema","name":..,"schema":..}` (set `strict` and `description` on the
    /// [`JsonSchemaFormat`]).
    pub fn json_schema(name: impl Into<String>, schema: Value) -> TextFormat {
        TextFormat::JsonSchema(JsonSchemaFormat::new(name, schema))
    }

    /// `{"type":"json_object"}`.
    pub fn json_object() -> TextFormat {
        TextFormat::JsonObject(JsonObjectFormat::default())
    }
}

wire_struct! {
    /// The `text` format's members (none besides `type`).
    #[derive(Debug, Clone, PartialEq, Default)]
    pub struct PlainTextFormat {}
}

wire_struct! {
    /// The `json_object` format's members (none besides `type`).
    #[derive(Debug, Clone, PartialEq, Default)]
    pub struct JsonObjectFormat {}
}

wire_struct! {
    /// The `json_schema` format.
    #[derive(Debug, Clone, PartialEq)]
    pub struct JsonSchemaFormat {
        /// Schema name.
        pub name: String,
        /// The JSON schema.
        pub schema: Value,
        /// Strict schema adherence.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub strict: Option<bool>,
        /// What the format is for.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub description: Option<String>,
    }
}

impl JsonSchemaFormat {
    /// A format named `name` following `schema`.
    pub fn new(name: impl Into<String>, schema: Value) -> JsonSchemaFormat {
        JsonSchemaFormat {
            name: name.into(),
            schema,
            strict: None,
            description: None,
            extra: Extra::new(),
        }
    }
}

wire_struct! {
    /// The body of `POST responses` (OpenAPI `CreateResponse`).
    ///
    /// Every member of the API's `CreateResponse` is a typed field (checked against the official
    /// description by `core/tests/create_response_spec.rs`); `client_metadata` is a Codex extension.
    ///
    /// Omission rule: every optional field is omitted when unset (`None`). Exceptions:
    /// - `model` and `input` are always sent (`input` as an array, possibly empty);
    /// - `tools`, `include` and `context_management` are omitted when empty rather than sent as
    ///   `[]`.
    ///
    /// Members the API adds later go in `extra` ([`ResponsesApiRequest::extra_member`]): they are
    /// written after the typed members, and one named like a typed member is rejected when the
    /// request is prepared
    /// ([`BuildError::ExtraCollision`](crate::request::BuildError::ExtraCollision)).
    ///
    /// [`PreparedRequest::responses`](crate::request::PreparedRequest::responses) also reads
    /// `store` to decide whether item ids stay in `input` (see [`ResponsesApiRequest::store`]).
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
    #[derive(Debug, Clone, PartialEq)]
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
        /// `store`: whether the server stores the response (the API default, when unset, is `true`).
        ///
        /// It also decides the item ids in `input` when sent through
        /// [`PreparedRequest::responses`](crate::request::PreparedRequest::responses): with
        /// `Some(false)` the ids are removed (the server rejects ids of items it did not store);
        /// with `Some(true)` or unset they are kept, so stored items can be referred to. Azure
        /// Responses endpoints always keep ids, and get `store: true` when unset.
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
        /// `conversation`: the conversation the response belongs to (its items are prepended to
        /// `input`, and this response's items are added to it). Not together with
        /// `previous_response_id`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub conversation: Option<ConversationRef>,
        /// `prompt`: a stored prompt template and its variables.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub prompt: Option<PromptTemplate>,
        /// `temperature`: sampling temperature, 0 to 2 (API default 1).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub temperature: Option<f64>,
        /// `top_p`: nucleus sampling probability mass, 0 to 1 (API default 1).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub top_p: Option<f64>,
        /// `top_logprobs`: how many most likely tokens (0 to 20) to return, with their log
        /// probabilities, at each position.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub top_logprobs: Option<u32>,
        /// `max_tool_calls`: the maximum number of built-in tool calls in the response, over all
        /// built-in tools.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub max_tool_calls: Option<u64>,
        /// `truncation` (deprecated in the API description): what happens when the input exceeds
        /// the context window (API default `disabled`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub truncation: Option<Truncation>,
        /// `stream_options`: options of the event stream (with `stream: true` only).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub stream_options: Option<StreamOptions>,
        /// `safety_identifier`: a stable identifier (at most 64 characters, ideally a hash) of the
        /// end user, for abuse detection.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub safety_identifier: Option<String>,
        /// `user` (deprecated in the API description in favour of `safety_identifier` and
        /// `prompt_cache_key`): a stable identifier of the end user.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub user: Option<String>,
        /// `prompt_cache_retention` (deprecated in the API description in favour of
        /// `prompt_cache_options.ttl`): the maximum retention of prompt cache entries.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub prompt_cache_retention: Option<PromptCacheRetention>,
        /// `prompt_cache_options`: prompt caching options (breakpoint mode, minimum lifetime).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub prompt_cache_options: Option<PromptCacheOptions>,
        /// `moderation`: moderation of the input and output of this response.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub moderation: Option<Moderation>,
        /// `context_management`: context management entries, e.g. server-side compaction
        /// (omitted when empty; the API requires at least one entry when present).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pub context_management: Vec<ContextManagement>,
    }
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
            conversation: None,
            prompt: None,
            temperature: None,
            top_p: None,
            top_logprobs: None,
            max_tool_calls: None,
            truncation: None,
            stream_options: None,
            safety_identifier: None,
            user: None,
            prompt_cache_retention: None,
            prompt_cache_options: None,
            moderation: None,
            context_management: Vec::new(),
            extra: Extra::new(),
        }
    }

    /// Adds the top-level member `key` with `value`, written after the typed members (for API
    /// members this crate does not type yet). A name that is also a typed member is rejected
    /// when the request is prepared ([`BuildError::ExtraCollision`](crate::request::BuildError::ExtraCollision)).
    #[must_use]
    pub fn extra_member(mut self, key: impl Into<String>, value: serde_json::Value) -> Self {
        self.extra.insert_value(key, value);
        self
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
        /// Sets `conversation` (a `&str` or `String` gives the bare id form).
        conversation: ConversationRef => Some;
        /// Sets `prompt`.
        prompt: PromptTemplate => Some;
        /// Sets `temperature`.
        temperature: f64 => Some;
        /// Sets `top_p`.
        top_p: f64 => Some;
        /// Sets `top_logprobs`.
        top_logprobs: u32 => Some;
        /// Sets `max_tool_calls`.
        max_tool_calls: u64 => Some;
        /// Sets `truncation`.
        truncation: Truncation => Some;
        /// Sets `stream_options`.
        stream_options: StreamOptions => Some;
        /// Sets `safety_identifier`.
        safety_identifier: String => Some;
        /// Sets `user`.
        user: String => Some;
        /// Sets `prompt_cache_retention`.
        prompt_cache_retention: PromptCacheRetention => Some;
        /// Sets `prompt_cache_options`.
        prompt_cache_options: PromptCacheOptions => Some;
        /// Sets `moderation`.
        moderation: Moderation => Some;
        /// Sets `context_management`.
        context_management: Vec<ContextManagement> => std::convert::identity;
    }

    /// Removes `id` from every input item. [`PreparedRequest::responses`] does this for
    /// non-Azure providers when `store` is `Some(false)`: the server rejects ids of items it did
    /// not store.
    ///
    /// [`PreparedRequest::responses`]: crate::request::PreparedRequest::responses
    pub fn strip_item_ids(&mut self) {
        for item in &mut self.input {
            item.strip_id();
        }
    }
}
