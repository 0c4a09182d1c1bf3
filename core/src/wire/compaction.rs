//! `POST responses/compact`: request body and reply.

use super::Extra;
use super::item::ResponseItem;
use super::lossless::wire_struct;
use super::request::ServiceTier;
use super::response::Usage;

wire_struct! {
    /// The body of `POST responses/compact` (OpenAPI `CompactResponseMethodPublicBody`).
    ///
    /// Omission rule: `model` and `input` are always sent; every optional field is omitted when
    /// unset.
    #[derive(Debug, Clone, PartialEq)]
    pub struct CompactionInput {
        /// Model id.
        pub model: String,
        /// The history to compact (always sent).
        #[serde(default)]
        pub input: Vec<ResponseItem>,
        /// Instructions (Codex sends the turn's base instructions).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub instructions: Option<String>,
        /// Compact a stored response instead of (or before) `input`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub previous_response_id: Option<String>,
        /// Prompt cache key.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub prompt_cache_key: Option<String>,
        /// Processing tier.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub service_tier: Option<ServiceTier>,
    }
}

impl CompactionInput {
    /// A compaction request for `model` over `input`.
    pub fn new(model: impl Into<String>, input: Vec<ResponseItem>) -> Self {
        Self {
            model: model.into(),
            input,
            instructions: None,
            previous_response_id: None,
            prompt_cache_key: None,
            service_tier: None,
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

    /// Sets `instructions`.
    #[must_use]
    pub fn instructions(mut self, instructions: impl Into<String>) -> Self {
        self.instructions = Some(instructions.into());
        self
    }

    /// Removes `id` from every input item (see [`ResponseItem::strip_id`]).
    pub fn strip_item_ids(&mut self) {
        for item in &mut self.input {
            item.strip_id();
        }
    }
}

wire_struct! {
    /// The reply of `responses/compact` (OpenAPI `CompactResource`): the replacement history.
    ///
    /// Only `output` is required; the other `CompactResource` members are read when present and
    /// omitted on encode when absent.
    #[derive(Debug, Clone, PartialEq, Default)]
    pub struct CompactionOutput {
        /// The compacted history (typically kept user messages plus one `compaction` item).
        pub output: Vec<ResponseItem>,
        /// Id of the compaction.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub id: Option<String>,
        /// Always `response.compaction`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub object: Option<String>,
        /// Creation time, Unix seconds.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub created_at: Option<u64>,
        /// Tokens spent by the compaction pass.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub usage: Option<Usage>,
    }
}
