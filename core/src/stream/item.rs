//! What a [`ResponseStream`](super::ResponseStream) emits: raw-level [`StreamItem`]s and
//! Codex-level [`ResponseEvent`]s.

use std::sync::Arc;

use crate::rate_limit::RateLimitSnapshot;
use crate::wire::{ItemId, ResponseItem, StreamEvent, Usage};

/// A fact read from the response head, delivered before any body event.
///
/// Order: [`ServerModel`](MetaEvent::ServerModel), then every
/// [`RateLimits`](MetaEvent::RateLimits) snapshot, then [`ModelsEtag`](MetaEvent::ModelsEtag),
/// then [`ServerReasoningIncluded`](MetaEvent::ServerReasoningIncluded); each only when its
/// header is present.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum MetaEvent {
    /// `openai-model`: the model that actually served the request.
    ServerModel(String),
    /// A rate-limit snapshot from the `x-<family>-*` headers.
    RateLimits(RateLimitSnapshot),
    /// `x-models-etag`: the ETag of the server's model list.
    ModelsEtag(String),
    /// `x-reasoning-included` was present: past reasoning tokens are already accounted for.
    ServerReasoningIncluded(bool),
}

/// One item of the raw-level view ([`ResponseStream::poll_stream_event`](super::ResponseStream::poll_stream_event)).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum StreamItem {
    /// A header-derived fact.
    Meta(MetaEvent),
    /// A decoded stream event, of any published type or unknown ([`StreamEvent::Other`]).
    ///
    /// Terminal failure events (`response.failed`, `response.incomplete`, `error`) are delivered
    /// here too, right before the error they cause.
    Event(StreamEvent),
    /// The `data: [DONE]` sentinel: the stream ended cleanly without a terminal event.
    Done,
}

/// One event of the Codex-level view ([`ResponseStream::poll_event`](super::ResponseStream::poll_event)).
///
/// Event types Codex does not act on are skipped at this level.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ResponseEvent {
    /// `response.created`.
    Created,
    /// `response.output_item.added`: an output item started.
    OutputItemAdded(ResponseItem),
    /// `response.output_item.done`: an output item is complete.
    OutputItemDone(ResponseItem),
    /// `response.output_text.delta`.
    OutputTextDelta {
        /// The appended text.
        delta: String,
        /// The message item's id.
        item_id: ItemId,
        /// The item's position in the output.
        output_index: u32,
        /// The content part's position in the item.
        content_index: u32,
    },
    /// `response.reasoning_summary_text.delta`.
    ReasoningSummaryDelta {
        /// The appended text.
        delta: String,
        /// The summary part's position.
        summary_index: u32,
    },
    /// `response.reasoning_summary_part.added`: a new summary part started.
    ReasoningSummaryPartAdded {
        /// The summary part's position.
        summary_index: u32,
    },
    /// `response.reasoning_text.delta`.
    ReasoningContentDelta {
        /// The appended text.
        delta: String,
        /// The content part's position.
        content_index: u32,
    },
    /// `response.function_call_arguments.delta` or `response.custom_tool_call_input.delta`.
    ToolCallInputDelta {
        /// The call item's id.
        item_id: ItemId,
        /// The call id, from the item's `response.output_item.added` (`None` if that was not
        /// seen); shared between the deltas of one call.
        call_id: Option<Arc<str>>,
        /// The appended arguments / input text.
        delta: String,
    },
    /// `response.completed`: the terminal success event.
    Completed {
        /// The response id.
        response_id: String,
        /// Token usage, when the server reported it.
        token_usage: Option<Usage>,
        /// `response.end_turn`, when the server sent it.
        end_turn: Option<bool>,
    },
    /// A rate-limit snapshot (from the head, or an in-stream `codex.rate_limits` event).
    RateLimits(RateLimitSnapshot),
    /// `x-models-etag` from the head.
    ModelsEtag(String),
    /// `openai-model` from the head.
    ServerModel(String),
    /// `x-reasoning-included` from the head.
    ServerReasoningIncluded(bool),
}

impl From<MetaEvent> for ResponseEvent {
    fn from(meta: MetaEvent) -> Self {
        match meta {
            MetaEvent::ServerModel(model) => ResponseEvent::ServerModel(model),
            MetaEvent::RateLimits(snapshot) => ResponseEvent::RateLimits(snapshot),
            MetaEvent::ModelsEtag(etag) => ResponseEvent::ModelsEtag(etag),
            MetaEvent::ServerReasoningIncluded(included) => {
                ResponseEvent::ServerReasoningIncluded(included)
            }
        }
    }
}
