//! The members of `CreateResponse` beyond the conversation itself: sampling, truncation,
//! conversation and prompt-template references, streaming, moderation, prompt-cache and context
//! management options. Unset members are omitted on encode.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde::Serialize;
use serde_json::Value;

use super::Extra;
use super::lossless::wire_struct;
use super::open_enum::open_enum;

open_enum! {
    /// `truncation` (deprecated in the API description): what happens when the input exceeds the
    /// model's context window.
    Truncation {
        /// `auto`: drop items from the beginning of the conversation to fit.
        Auto => "auto",
        /// `disabled` (the API default): fail with a 400 error.
        Disabled => "disabled",
    }
}

open_enum! {
    /// `prompt_cache_retention` (OpenAPI `PromptCacheRetentionEnum`; deprecated in favour of
    /// `prompt_cache_options.ttl`): the maximum retention of prompt cache entries.
    PromptCacheRetention {
        /// `in_memory`.
        InMemory => "in_memory",
        /// `24h`: extended prompt caching, up to 24 hours.
        Hours24 => "24h",
    }
}

open_enum! {
    /// `prompt_cache_options.ttl` (OpenAPI `PromptCacheTTLEnum`): the minimum lifetime of cache
    /// breakpoints written by the request.
    PromptCacheTtl {
        /// `30m` (the API default and, currently, the only value).
        Minutes30 => "30m",
    }
}

open_enum! {
    /// `prompt_cache_options.mode` (OpenAPI `PromptCacheModeEnum`).
    PromptCacheMode {
        /// `implicit` (the API default): the server adds one implicit cache breakpoint.
        Implicit => "implicit",
        /// `explicit`: only the request's explicit breakpoints are written.
        Explicit => "explicit",
    }
}

open_enum! {
    /// `moderation.policy.input.mode` / `moderation.policy.output.mode` (OpenAPI
    /// `ModerationMode`).
    ModerationMode {
        /// `score`.
        Score => "score",
        /// `block`.
        Block => "block",
    }
}

open_enum! {
    /// `context_management[].type`. The API currently supports only `compaction`.
    ContextManagementType {
        /// `compaction`.
        Compaction => "compaction",
    }
}

wire_struct! {
    /// `stream_options` (OpenAPI `ResponseStreamOptions`): only meaningful with `stream: true`.
    /// Unset members are omitted.
    #[derive(Debug, Clone, PartialEq, Eq, Default)]
    pub struct StreamOptions {
        /// `include_obfuscation`: whether delta events carry an `obfuscation` member that pads
        /// their size (the API default is `true`; `false` saves bandwidth).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub include_obfuscation: Option<bool>,
    }
}

impl StreamOptions {
    /// Stream options with nothing set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `include_obfuscation`.
    #[must_use]
    pub fn include_obfuscation(mut self, include: bool) -> Self {
        self.include_obfuscation = Some(include);
        self
    }
}

/// `conversation` (OpenAPI `ConversationParam`): the conversation the response belongs to, as
/// a bare id or as an object `{"id": ...}`. Both forms are kept as they were on decode.
///
/// `From<&str>` and `From<String>` give the bare id form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum ConversationRef {
    /// The conversation id as a string, e.g. `"conv_123"`.
    Id(String),
    /// The object form (OpenAPI `ConversationParam-2`), e.g. `{"id": "conv_123"}`.
    Object {
        /// `id`: the conversation id.
        id: String,
    },
}

impl ConversationRef {
    /// The bare id form: `"conv_123"`.
    pub fn id(id: impl Into<String>) -> Self {
        ConversationRef::Id(id.into())
    }

    /// The object form: `{"id": "conv_123"}`.
    pub fn object(id: impl Into<String>) -> Self {
        ConversationRef::Object { id: id.into() }
    }

    /// The conversation id, whichever the form.
    pub fn conversation_id(&self) -> &str {
        match self {
            ConversationRef::Id(id) | ConversationRef::Object { id } => id,
        }
    }
}

impl From<&str> for ConversationRef {
    fn from(id: &str) -> Self {
        ConversationRef::id(id)
    }
}

impl From<String> for ConversationRef {
    fn from(id: String) -> Self {
        ConversationRef::Id(id)
    }
}

wire_struct! {
    /// `prompt` (OpenAPI `Prompt`): a reference to a stored prompt template and the values of its
    /// variables. Unset members are omitted.
    ///
    /// Each variable's value is a string or an input content object (`input_text`, `input_image`,
    /// `input_file`); values are kept as JSON so that every form the API accepts passes through.
    ///
    /// ```
    /// use codex_api_core::wire::PromptTemplate;
    /// use serde_json::json;
    ///
    /// let prompt = PromptTemplate::new("pmpt_123")
    ///     .version("2")
    ///     .variable("city", "Zürich")
    ///     .variable("photo", json!({"type": "input_image", "image_url": "https://example.com/a.png"}));
    /// assert_eq!(
    ///     serde_json::to_value(&prompt).unwrap(),
    ///     json!({"id": "pmpt_123", "version": "2", "variables": {
    ///         "city": "Zürich",
    ///         "photo": {"type": "input_image", "image_url": "https://example.com/a.png"}
    ///     }})
    /// );
    /// ```
    #[derive(Debug, Clone, PartialEq)]
    pub struct PromptTemplate {
        /// `id`: the prompt template's id.
        pub id: String,
        /// `version`: the template version (the latest when unset).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub version: Option<String>,
        /// `variables`: values substituted for the template's variables, by name (OpenAPI
        /// `ResponsePromptVariables`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub variables: Option<BTreeMap<String, Value>>,
    }
}

impl PromptTemplate {
    /// A reference to the template `id`, with no version or variables.
    pub fn new(id: impl Into<String>) -> Self {
        PromptTemplate {
            id: id.into(),
            version: None,
            variables: None,
            extra: Extra::new(),
        }
    }

    /// Sets `version`.
    #[must_use]
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = Some(version.into());
        self
    }

    /// Adds (or replaces) the variable `name`: a string, or an input content object as JSON.
    #[must_use]
    pub fn variable(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.variables
            .get_or_insert_with(BTreeMap::new)
            .insert(name.into(), value.into());
        self
    }
}

wire_struct! {
    /// One entry of `context_management` (OpenAPI `ContextManagementParam`). Unset members are
    /// omitted.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct ContextManagement {
        /// `type`: the kind of context management (`compaction`).
        #[serde(rename = "type")]
        pub kind: ContextManagementType,
        /// `compact_threshold`: the token count (at least 1000) at which compaction is triggered.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub compact_threshold: Option<u64>,
    }
}

impl ContextManagement {
    /// An entry of type `kind` with no threshold.
    pub fn new(kind: impl Into<ContextManagementType>) -> Self {
        ContextManagement {
            kind: kind.into(),
            compact_threshold: None,
            extra: Extra::new(),
        }
    }

    /// A `compaction` entry with no threshold.
    pub fn compaction() -> Self {
        ContextManagement::new(ContextManagementType::Compaction)
    }

    /// Sets `compact_threshold`.
    #[must_use]
    pub fn compact_threshold(mut self, tokens: u64) -> Self {
        self.compact_threshold = Some(tokens);
        self
    }
}

wire_struct! {
    /// `moderation` (OpenAPI `ModerationParam`): moderation of the response's input and output.
    /// Unset members are omitted.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Moderation {
        /// `model`: the moderation model, e.g. `omni-moderation-latest`.
        pub model: String,
        /// `policy`: what to do with the input and the output.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub policy: Option<ModerationPolicy>,
    }
}

impl Moderation {
    /// Moderation with `model` and no policy.
    pub fn new(model: impl Into<String>) -> Self {
        Moderation {
            model: model.into(),
            policy: None,
            extra: Extra::new(),
        }
    }

    /// Sets `policy`.
    #[must_use]
    pub fn policy(mut self, policy: ModerationPolicy) -> Self {
        self.policy = Some(policy);
        self
    }
}

wire_struct! {
    /// `moderation.policy` (OpenAPI `ModerationPolicyParam`). Unset members are omitted.
    #[derive(Debug, Clone, PartialEq, Eq, Default)]
    pub struct ModerationPolicy {
        /// `input`: the policy for the response input.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub input: Option<ModerationConfig>,
        /// `output`: the policy for the response output.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub output: Option<ModerationConfig>,
    }
}

impl ModerationPolicy {
    /// A policy with nothing set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `input`.
    #[must_use]
    pub fn input(mut self, config: ModerationConfig) -> Self {
        self.input = Some(config);
        self
    }

    /// Sets `output`.
    #[must_use]
    pub fn output(mut self, config: ModerationConfig) -> Self {
        self.output = Some(config);
        self
    }
}

wire_struct! {
    /// `moderation.policy.input` / `moderation.policy.output` (OpenAPI `ModerationConfigParam`).
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct ModerationConfig {
        /// `mode`: score only, or block.
        pub mode: ModerationMode,
    }
}

impl ModerationConfig {
    /// A policy with `mode`.
    pub fn new(mode: impl Into<ModerationMode>) -> Self {
        ModerationConfig {
            mode: mode.into(),
            extra: Extra::new(),
        }
    }
}

wire_struct! {
    /// `prompt_cache_options` (OpenAPI `PromptCacheOptionsParam`). Unset members are omitted.
    #[derive(Debug, Clone, PartialEq, Eq, Default)]
    pub struct PromptCacheOptions {
        /// `ttl`: the minimum lifetime of the cache breakpoints the request writes.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub ttl: Option<PromptCacheTtl>,
        /// `mode`: whether the server adds an implicit cache breakpoint.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub mode: Option<PromptCacheMode>,
    }
}

impl PromptCacheOptions {
    /// Options with nothing set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `ttl`.
    #[must_use]
    pub fn ttl(mut self, ttl: impl Into<PromptCacheTtl>) -> Self {
        self.ttl = Some(ttl.into());
        self
    }

    /// Sets `mode`.
    #[must_use]
    pub fn mode(mut self, mode: impl Into<PromptCacheMode>) -> Self {
        self.mode = Some(mode.into());
        self
    }
}
