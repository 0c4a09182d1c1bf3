//! `POST memories/trace_summarize` (Codex): request body and reply.

use super::Extra;
use super::item::ResponseItem;
use super::lossless::wire_struct;
use super::request::Reasoning;

wire_struct! {
    /// The body of `POST memories/trace_summarize`.
    ///
    /// `raw_memories` is written as `traces` on the wire; `reasoning` is omitted when unset.
    #[derive(Debug, Clone, PartialEq)]
    pub struct MemorySummarizeInput {
        /// Model id.
        pub model: String,
        /// The traces to summarise (wire name `traces`).
        #[serde(rename = "traces")]
        pub raw_memories: Vec<RawMemory>,
        /// Reasoning options.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub reasoning: Option<Reasoning>,
    }
}

impl MemorySummarizeInput {
    /// A request for `model` over `raw_memories`.
    pub fn new(model: impl Into<String>, raw_memories: Vec<RawMemory>) -> Self {
        Self {
            model: model.into(),
            raw_memories,
            reasoning: None,
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
}

wire_struct! {
    /// One trace to summarise.
    #[derive(Debug, Clone, PartialEq)]
    pub struct RawMemory {
        /// Trace id.
        pub id: String,
        /// Where the trace came from.
        pub metadata: RawMemoryMetadata,
        /// The trace's items (unknown item types pass through verbatim).
        pub items: Vec<ResponseItem>,
    }
}

wire_struct! {
    /// `RawMemory.metadata`.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct RawMemoryMetadata {
        /// Path of the rollout file the trace was read from.
        pub source_path: String,
    }
}

wire_struct! {
    /// The reply of `memories/trace_summarize`.
    #[derive(Debug, Clone, PartialEq, Eq, Default)]
    pub struct MemorySummarizeOutput {
        /// One summary per input trace.
        pub output: Vec<MemorySummary>,
    }
}

wire_struct! {
    /// One entry of [`MemorySummarizeOutput::output`].
    #[derive(Debug, Clone, PartialEq, Eq, Default)]
    pub struct MemorySummary {
        /// Summary of the trace (wire name `trace_summary`; `raw_memory` also accepted).
        #[serde(alias = "raw_memory")]
        pub trace_summary: String,
        /// Condensed memory.
        pub memory_summary: String,
    }
}

impl RawMemory {
    /// The trace `id`, read from `source_path`, holding `items`.
    pub fn new(
        id: impl Into<String>,
        source_path: impl Into<String>,
        items: Vec<ResponseItem>,
    ) -> RawMemory {
        RawMemory {
            id: id.into(),
            metadata: RawMemoryMetadata {
                source_path: source_path.into(),
                extra: Extra::new(),
            },
            items,
            extra: Extra::new(),
        }
    }
}
