//! The Codex-level view: folding raw [`StreamEvent`]s into [`ResponseEvent`]s.

use std::collections::HashMap;
use std::sync::Arc;

use super::item::ResponseEvent;
use crate::rate_limit::snapshot_from_event;
use crate::wire::{Response, ResponseItem, StreamEvent};

/// The in-stream rate-limit event Codex's backend sends (not part of the published union).
pub const CODEX_RATE_LIMITS_EVENT: &str = "codex.rate_limits";

/// Event types outside the published union that this crate still understands.
pub(crate) fn is_codex_extension(kind: &str) -> bool {
    kind == CODEX_RATE_LIMITS_EVENT
}

/// State of the Codex-level translation: the call id of every tool-call item seen so far
/// (shared, so that a delta costs a reference-count bump rather than an allocation).
#[derive(Debug, Default)]
pub(crate) struct CodexView {
    call_ids: HashMap<String, Arc<str>>,
    /// The `Response` of the terminal event (`completed`, `failed`, `incomplete`, `cancelled`),
    /// moved out of it.
    pub(crate) final_response: Option<Box<Response>>,
}

impl CodexView {
    /// Translates one raw event, consuming it; `None` for types Codex does not act on.
    /// `end_turn` is the `response.end_turn` of a `response.completed` event.
    pub(crate) fn translate(
        &mut self,
        event: StreamEvent,
        end_turn: Option<bool>,
    ) -> Option<ResponseEvent> {
        Some(match event {
            StreamEvent::Created(_) => ResponseEvent::Created,
            StreamEvent::OutputItemAdded(added) => {
                self.remember_call_id(&added.item);
                ResponseEvent::OutputItemAdded(added.item)
            }
            StreamEvent::OutputItemDone(done) => ResponseEvent::OutputItemDone(done.item),
            StreamEvent::OutputTextDelta(delta) => ResponseEvent::OutputTextDelta {
                delta: delta.delta,
                item_id: delta.item_id,
                output_index: delta.output_index,
                content_index: delta.content_index,
            },
            StreamEvent::ReasoningSummaryTextDelta(delta) => ResponseEvent::ReasoningSummaryDelta {
                delta: delta.delta,
                summary_index: delta.summary_index,
            },
            StreamEvent::ReasoningSummaryPartAdded(part) => {
                ResponseEvent::ReasoningSummaryPartAdded {
                    summary_index: part.summary_index,
                }
            }
            StreamEvent::ReasoningTextDelta(delta) => ResponseEvent::ReasoningContentDelta {
                delta: delta.delta,
                content_index: delta.content_index,
            },
            StreamEvent::FunctionCallArgumentsDelta(delta)
            | StreamEvent::CustomToolCallInputDelta(delta) => ResponseEvent::ToolCallInputDelta {
                call_id: self.call_ids.get(delta.item_id.as_str()).cloned(),
                item_id: delta.item_id,
                delta: delta.delta,
            },
            StreamEvent::Completed(completed) => {
                let response = completed.response;
                let event = ResponseEvent::Completed {
                    response_id: response.id.clone(),
                    token_usage: response.usage.clone(),
                    end_turn,
                };
                self.final_response = Some(response);
                event
            }
            StreamEvent::Failed(ended) | StreamEvent::Incomplete(ended) => {
                self.final_response = Some(ended.response);
                return None;
            }
            StreamEvent::Other { kind, raw } if is_codex_extension(&kind) => {
                // A malformed rate-limit event is informational: skip it.
                ResponseEvent::RateLimits(snapshot_from_event(raw.get()).ok()?)
            }
            _ => return None,
        })
    }

    fn remember_call_id(&mut self, item: &ResponseItem) {
        let (id, call_id) = match item {
            ResponseItem::FunctionCall(call) => (call.id.as_ref(), &call.call_id),
            ResponseItem::CustomToolCall(call) => (call.id.as_ref(), &call.call_id),
            _ => return,
        };
        if let Some(id) = id {
            self.call_ids
                .insert(id.clone(), Arc::from(call_id.as_str()));
        }
    }
}
