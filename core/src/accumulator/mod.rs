//! Folding a stream's events into the final state of the response.
//!
//! [`ResponseAccumulator`] takes the raw-level items of a
//! [`ResponseStream`](crate::stream::ResponseStream) (or bare [`StreamEvent`]s) and the error
//! that ended it, and builds the final picture: response id and status, output items, output and
//! refusal text, reasoning summaries, tool calls, usage, and how the stream ended
//! ([`Outcome`], serializable as the `replay --json` "outcome" object).
//!
//! Rules:
//!
//! - response id and status are the last seen (a response id may change between events);
//! - output text is the text deltas concatenated per (output index, content index), then joined
//!   in index order; an `output_text.done` or `output_item.done` replaces a part's text; refusal
//!   text likewise;
//! - reasoning summaries are kept per (output index, summary index), in order;
//! - tool calls take `call_id` and `name` from `output_item.added`, arguments / input from the
//!   deltas, replaced by the `.done` values;
//! - output items prefer the `output_item.done` item, falling back to the added item patched
//!   with what the deltas built;
//! - a response that streamed no item at all (only a `response.completed` carrying `output`)
//!   is read from that `output`.
//!
//! ```
//! use codex_api_core::accumulator::{OutcomeKind, replay};
//!
//! let body = b"data: {\"type\":\"response.created\",\"response\":{\"id\":\"resp_1\",\"status\":\"in_progress\"}}\n\n\
//! data: {\"type\":\"response.output_text.delta\",\"item_id\":\"m\",\"output_index\":0,\"content_index\":0,\"delta\":\"Hel\",\"sequence_number\":1}\n\n\
//! data: {\"type\":\"response.output_text.delta\",\"item_id\":\"m\",\"output_index\":0,\"content_index\":0,\"delta\":\"lo\",\"sequence_number\":2}\n\n\
//! data: {\"type\":\"response.completed\",\"response\":{\"id\":\"resp_1\",\"status\":\"completed\"},\"sequence_number\":3}\n\n";
//! let outcome = replay(body, Some(7));
//! assert_eq!(outcome.kind, OutcomeKind::Completed);
//! assert_eq!(outcome.output_text, "Hello");
//! assert_eq!(outcome.last_sequence_number, Some(3));
//! let json = serde_json::to_value(&outcome).unwrap();
//! assert_eq!(json["kind"], "completed");
//! ```

mod calls;
mod outcome;
mod replay;

use std::collections::BTreeMap;

pub use outcome::{
    CustomToolCallOutcome, ErrorClass, ErrorSource, FunctionCallOutcome, Outcome, OutcomeError,
    OutcomeKind, OutcomeUsage,
};
pub use replay::{Replay, replay, replay_with};

use calls::{CallKind, Calls};

use crate::error::{ApiError, ApiErrorKind};
use crate::stream::{StreamItem, is_terminal_type};
use crate::wire::{
    ContentPart, ReasoningSummaryPart, Refusal, Response, ResponseItem, StreamEvent, Usage,
};

/// Added and done versions of one output item.
#[derive(Debug, Clone, Default)]
struct ItemSlot {
    added: Option<ResponseItem>,
    done: Option<ResponseItem>,
}

/// Folds stream events into the final state of one response (see the [module docs](self)).
#[derive(Debug, Clone, Default)]
pub struct ResponseAccumulator {
    response_id: Option<String>,
    status: Option<String>,
    usage: Option<Usage>,
    items: BTreeMap<u32, ItemSlot>,
    texts: BTreeMap<(u32, u32), String>,
    refusals: BTreeMap<(u32, u32), String>,
    summaries: BTreeMap<(u32, u32), String>,
    calls: Calls,
    unknown_event_types: Vec<String>,
    terminal_event: Option<String>,
    kind: Option<OutcomeKind>,
    error: Option<OutcomeError>,
    incomplete_reason: Option<String>,
    done_sentinel_seen: bool,
    last_sequence_number: Option<u64>,
}

impl ResponseAccumulator {
    /// An empty accumulator.
    pub fn new() -> Self {
        Self::default()
    }

    /// Input: one raw-level item of a stream (header facts are ignored).
    pub fn handle_item(&mut self, item: &StreamItem) {
        match item {
            StreamItem::Meta(_) => {}
            StreamItem::Event(event) => self.handle_event(event),
            StreamItem::Done => self.handle_done_sentinel(),
        }
    }

    /// Input: the `[DONE]` sentinel ended the stream.
    pub fn handle_done_sentinel(&mut self) {
        self.done_sentinel_seen = true;
    }

    /// Input: the error that ended the stream. A `response_incomplete` error is recorded as
    /// the `incomplete` outcome and its reason, not as an error.
    pub fn handle_error(&mut self, error: &ApiError) {
        if let ApiErrorKind::ResponseIncomplete { reason } = error.error_kind() {
            // Normally the `response.incomplete` event came first and said all this already.
            self.kind.get_or_insert(OutcomeKind::Incomplete);
            if self.incomplete_reason.is_none() {
                self.incomplete_reason.clone_from(reason);
            }
            return;
        }
        let outcome_error = OutcomeError::from_api_error(error);
        let truncated = matches!(error.error_kind(), ApiErrorKind::StreamTruncated { .. });
        self.kind.get_or_insert(match outcome_error.source {
            ErrorSource::ResponseFailed => OutcomeKind::Failed,
            ErrorSource::Transport if truncated => OutcomeKind::UnexpectedEof,
            ErrorSource::ErrorEvent | ErrorSource::Transport => OutcomeKind::StreamError,
        });
        self.error = Some(outcome_error);
    }

    /// Input: one decoded stream event.
    pub fn handle_event(&mut self, event: &StreamEvent) {
        if let Some(sequence_number) = event.sequence_number() {
            self.last_sequence_number = Some(sequence_number);
        }
        if is_terminal_type(event.kind()) && self.terminal_event.is_none() {
            self.terminal_event = Some(event.kind().to_owned());
        }
        match event {
            StreamEvent::Created(e) | StreamEvent::InProgress(e) | StreamEvent::Queued(e) => {
                self.handle_response(&e.response);
            }
            StreamEvent::Completed(e) => {
                self.handle_response(&e.response);
                self.adopt_final_output(&e.response);
                self.kind.get_or_insert(OutcomeKind::Completed);
            }
            StreamEvent::Failed(e) => {
                self.handle_response(&e.response);
                self.kind.get_or_insert(OutcomeKind::Failed);
            }
            StreamEvent::Incomplete(e) => {
                self.handle_response(&e.response);
                self.incomplete_reason = e
                    .response
                    .incomplete_details
                    .as_ref()
                    .and_then(|details| details.reason.clone());
                self.kind.get_or_insert(OutcomeKind::Incomplete);
            }
            StreamEvent::Error(_) => {
                self.kind.get_or_insert(OutcomeKind::StreamError);
            }
            StreamEvent::OutputItemAdded(e) => {
                self.calls.handle_item(&e.item, e.output_index, false);
                self.items.entry(e.output_index).or_default().added = Some(e.item.clone());
            }
            StreamEvent::OutputItemDone(e) => {
                self.calls.handle_item(&e.item, e.output_index, true);
                self.adopt_item_texts(&e.item, e.output_index);
                self.items.entry(e.output_index).or_default().done = Some(e.item.clone());
            }
            StreamEvent::OutputTextDelta(e) => {
                append(&mut self.texts, (e.output_index, e.content_index), &e.delta);
            }
            StreamEvent::OutputTextDone(e) => {
                replace(&mut self.texts, (e.output_index, e.content_index), &e.text);
            }
            StreamEvent::RefusalDelta(e) => {
                append(
                    &mut self.refusals,
                    (e.output_index, e.content_index),
                    &e.delta,
                );
            }
            StreamEvent::RefusalDone(e) => {
                replace(
                    &mut self.refusals,
                    (e.output_index, e.content_index),
                    &e.refusal,
                );
            }
            StreamEvent::ReasoningSummaryPartAdded(e) => {
                let key = (e.output_index, e.summary_index);
                self.summaries.entry(key).or_default();
                if let Some(ReasoningSummaryPart::SummaryText(part)) = &e.part
                    && !part.text.is_empty()
                {
                    replace(&mut self.summaries, key, &part.text);
                }
            }
            StreamEvent::ReasoningSummaryPartDone(e) => {
                if let Some(ReasoningSummaryPart::SummaryText(part)) = &e.part {
                    replace(
                        &mut self.summaries,
                        (e.output_index, e.summary_index),
                        &part.text,
                    );
                }
            }
            StreamEvent::ReasoningSummaryTextDelta(e) => {
                append(
                    &mut self.summaries,
                    (e.output_index, e.summary_index),
                    &e.delta,
                );
            }
            StreamEvent::ReasoningSummaryTextDone(e) => {
                replace(
                    &mut self.summaries,
                    (e.output_index, e.summary_index),
                    &e.text,
                );
            }
            StreamEvent::FunctionCallArgumentsDelta(e) => {
                self.calls
                    .handle_delta(CallKind::Function, &e.item_id, e.output_index, &e.delta);
            }
            StreamEvent::FunctionCallArgumentsDone(e) => self.calls.handle_text_done(
                CallKind::Function,
                &e.item_id,
                e.output_index,
                e.name.as_deref(),
                &e.arguments,
            ),
            StreamEvent::CustomToolCallInputDelta(e) => {
                self.calls
                    .handle_delta(CallKind::Custom, &e.item_id, e.output_index, &e.delta);
            }
            StreamEvent::CustomToolCallInputDone(e) => self.calls.handle_text_done(
                CallKind::Custom,
                &e.item_id,
                e.output_index,
                None,
                &e.input,
            ),
            StreamEvent::Other { kind, .. }
                if kind != crate::stream::CODEX_RATE_LIMITS_EVENT
                    && !self.unknown_event_types.iter().any(|seen| seen == kind) =>
            {
                self.unknown_event_types.push(kind.clone());
            }
            _ => {}
        }
    }

    fn handle_response(&mut self, response: &Response) {
        if !response.id.is_empty() {
            self.response_id = Some(response.id.clone());
        }
        if let Some(status) = &response.status {
            self.status = Some(status.as_str().to_owned());
        }
        if let Some(usage) = &response.usage {
            self.usage = Some(usage.clone());
        }
    }

    /// A `response.completed` whose stream carried no item: read the final output instead.
    fn adopt_final_output(&mut self, response: &Response) {
        if !self.items.is_empty() || !self.texts.is_empty() || !self.refusals.is_empty() {
            return;
        }
        for (index, item) in response.output.iter().enumerate() {
            let Ok(output_index) = u32::try_from(index) else {
                break;
            };
            self.calls.handle_item(item, output_index, true);
            self.adopt_item_texts(item, output_index);
            self.items.entry(output_index).or_default().done = Some(item.clone());
        }
    }

    /// A finished item is authoritative for its texts and summaries.
    fn adopt_item_texts(&mut self, item: &ResponseItem, output_index: u32) {
        match item {
            ResponseItem::Message(message) => {
                for (index, part) in message.content.iter().enumerate() {
                    let Ok(content_index) = u32::try_from(index) else {
                        break;
                    };
                    let key = (output_index, content_index);
                    match part {
                        ContentPart::OutputText(text) => replace(&mut self.texts, key, &text.text),
                        ContentPart::Refusal(refusal) => {
                            replace(&mut self.refusals, key, &refusal.refusal);
                        }
                        _ => {}
                    }
                }
            }
            ResponseItem::Reasoning(reasoning) => {
                for (index, part) in reasoning.summary.iter().enumerate() {
                    let Ok(summary_index) = u32::try_from(index) else {
                        break;
                    };
                    if let ReasoningSummaryPart::SummaryText(text) = part {
                        replace(
                            &mut self.summaries,
                            (output_index, summary_index),
                            &text.text,
                        );
                    }
                }
            }
            _ => {}
        }
    }

    /// The response id (last seen).
    pub fn response_id(&self) -> Option<&str> {
        self.response_id.as_deref()
    }

    /// The response status (last seen).
    pub fn status(&self) -> Option<&str> {
        self.status.as_deref()
    }

    /// Token usage, when reported.
    pub fn usage(&self) -> Option<&Usage> {
        self.usage.as_ref()
    }

    /// The output text so far.
    pub fn output_text(&self) -> String {
        self.texts.values().map(String::as_str).collect()
    }

    /// The refusal text so far.
    pub fn refusal_text(&self) -> String {
        self.refusals.values().map(String::as_str).collect()
    }

    /// The reasoning summaries so far, in order.
    pub fn reasoning_summaries(&self) -> Vec<String> {
        self.summaries.values().cloned().collect()
    }

    /// The function calls so far, in output order.
    pub fn function_calls(&self) -> Vec<FunctionCallOutcome> {
        self.calls.function_calls()
    }

    /// The custom tool calls so far, in output order.
    pub fn custom_tool_calls(&self) -> Vec<CustomToolCallOutcome> {
        self.calls.custom_tool_calls()
    }

    /// The output items in output order: the `output_item.done` version when it arrived, else
    /// the added item patched with what its deltas built (call arguments / input, message text).
    pub fn output_items(&self) -> Vec<ResponseItem> {
        self.items
            .iter()
            .filter_map(|(&output_index, slot)| match (&slot.done, &slot.added) {
                (Some(done), _) => Some(done.clone()),
                (None, Some(added)) => Some(self.built_up(added, output_index)),
                (None, None) => None,
            })
            .collect()
    }

    fn built_up(&self, added: &ResponseItem, output_index: u32) -> ResponseItem {
        let mut item = added.clone();
        match &mut item {
            ResponseItem::FunctionCall(call) => {
                if let Some(text) = call.id.as_deref().and_then(|id| self.calls.text_of(id)) {
                    text.clone_into(&mut call.arguments);
                }
            }
            ResponseItem::CustomToolCall(call) => {
                if let Some(text) = call.id.as_deref().and_then(|id| self.calls.text_of(id)) {
                    text.clone_into(&mut call.input);
                }
            }
            ResponseItem::Message(message) if message.content.is_empty() => {
                let range = (output_index, 0)..=(output_index, u32::MAX);
                let mut parts: BTreeMap<u32, ContentPart> = BTreeMap::new();
                for (&(_, content_index), text) in self.texts.range(range.clone()) {
                    parts.insert(content_index, ContentPart::output_text(text.clone()));
                }
                for (&(_, content_index), refusal) in self.refusals.range(range) {
                    parts
                        .entry(content_index)
                        .or_insert_with(|| ContentPart::Refusal(Refusal::new(refusal.clone())));
                }
                message.content = parts.into_values().collect();
            }
            _ => {}
        }
        item
    }

    /// Distinct unknown event types seen, in order of first appearance.
    pub fn unknown_event_types(&self) -> &[String] {
        &self.unknown_event_types
    }

    /// The last `sequence_number` seen.
    pub fn last_sequence_number(&self) -> Option<u64> {
        self.last_sequence_number
    }

    /// Everything so far, as an [`Outcome`]. Before any terminal outcome the kind is
    /// `unexpected_eof` (as it would be if the stream ended now).
    pub fn outcome(&self) -> Outcome {
        Outcome {
            kind: self.kind.unwrap_or(OutcomeKind::UnexpectedEof),
            terminal_event: self.terminal_event.clone(),
            response_id: self.response_id.clone(),
            status: self.status.clone(),
            usage: self.usage.as_ref().map(|usage| OutcomeUsage {
                input_tokens: usage.input_tokens,
                cached_tokens: usage.cached_tokens(),
                output_tokens: usage.output_tokens,
                reasoning_tokens: usage.reasoning_tokens(),
                total_tokens: usage.total_tokens,
            }),
            output_text: self.output_text(),
            refusal_text: self.refusal_text(),
            reasoning_summaries: self.reasoning_summaries(),
            function_calls: self.function_calls(),
            custom_tool_calls: self.custom_tool_calls(),
            error: self.error.clone(),
            incomplete_reason: self.incomplete_reason.clone(),
            unknown_event_types: self.unknown_event_types.clone(),
            done_sentinel_seen: self.done_sentinel_seen,
            last_sequence_number: self.last_sequence_number,
        }
    }
}

fn append(texts: &mut BTreeMap<(u32, u32), String>, key: (u32, u32), delta: &str) {
    texts.entry(key).or_default().push_str(delta);
}

fn replace(texts: &mut BTreeMap<(u32, u32), String>, key: (u32, u32), text: &str) {
    let slot = texts.entry(key).or_default();
    slot.clear();
    slot.push_str(text);
}
