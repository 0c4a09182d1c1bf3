//! `POST memories/trace_summarize` (Codex): request body and reply.

use serde::Deserialize;
use serde::Serialize;

use super::item::ResponseItem;
use super::request::Reasoning;

/// The body of `POST memories/trace_summarize`.
///
/// `raw_memories` is written as `traces` on the wire; `reasoning` is omitted when unset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
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

impl MemorySummarizeInput {
    /// A request for `model` over `raw_memories`.
    pub fn new(model: impl Into<String>, raw_memories: Vec<RawMemory>) -> Self {
        Self {
            model: model.into(),
            raw_memories,
            reasoning: None,
        }
    }
}

/// One trace to summarise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RawMemory {
    /// Trace id.
    pub id: String,
    /// Where the trace came from.
    pub metadata: RawMemoryMetadata,
    /// The trace's items (unknown item types pass through verbatim).
    pub items: Vec<ResponseItem>,
}

/// `RawMemory.metadata`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawMemoryMetadata {
    /// Path of the rollout file the trace was read from.
    pub source_path: String,
}

/// The reply of `memories/trace_summarize`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MemorySummarizeOutput {
    /// One summary per input trace.
    pub output: Vec<MemorySummary>,
}

/// One entry of [`MemorySummarizeOutput::output`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MemorySummary {
    /// Summary of the trace (wire name `trace_summary`; `raw_memory` also accepted).
    #[serde(alias = "raw_memory")]
    pub trace_summary: String,
    /// Condensed memory.
    pub memory_summary: String,
}
