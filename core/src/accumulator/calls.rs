//! Tool calls under construction: function calls and custom tool calls, keyed by item.

use std::collections::HashMap;

use super::outcome::{CustomToolCallOutcome, FunctionCallOutcome};
use crate::wire::ResponseItem;

/// Which kind of tool call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CallKind {
    Function,
    Custom,
}

/// One call: ids and name from `output_item.added`, text from deltas, replaced by `.done`.
#[derive(Debug, Clone)]
struct Call {
    kind: CallKind,
    item_id: String,
    call_id: String,
    name: String,
    text: String,
    output_index: u32,
}

/// The calls of one response, in order of appearance; looked up by item id, else by output
/// index (for servers that omit item ids).
#[derive(Debug, Default, Clone)]
pub(crate) struct Calls {
    calls: Vec<Call>,
    by_item_id: HashMap<String, usize>,
}

impl Calls {
    fn position(&self, item_id: &str, output_index: u32, kind: CallKind) -> Option<usize> {
        if !item_id.is_empty()
            && let Some(&position) = self.by_item_id.get(item_id)
        {
            return Some(position);
        }
        self.calls
            .iter()
            .position(|call| call.kind == kind && call.output_index == output_index)
    }

    fn slot(&mut self, item_id: &str, output_index: u32, kind: CallKind) -> &mut Call {
        let position = match self.position(item_id, output_index, kind) {
            Some(position) => position,
            None => {
                self.calls.push(Call {
                    kind,
                    item_id: item_id.to_owned(),
                    call_id: String::new(),
                    name: String::new(),
                    text: String::new(),
                    output_index,
                });
                let position = self.calls.len() - 1;
                if !item_id.is_empty() {
                    self.by_item_id.insert(item_id.to_owned(), position);
                }
                position
            }
        };
        // The position came from the vector itself, so it is in range; fall back to the
        // last call rather than panic if that ever stopped being true.
        let last = self.calls.len().saturating_sub(1);
        let index = position.min(last);
        &mut self.calls[index]
    }

    /// `output_item.added` / `.done` of a call item: ids, name and (for `.done`, or when the
    /// item already carries it) the full text.
    pub(crate) fn handle_item(&mut self, item: &ResponseItem, output_index: u32, done: bool) {
        let (kind, id, call_id, name, text) = match item {
            ResponseItem::FunctionCall(call) => (
                CallKind::Function,
                call.id.as_deref(),
                &call.call_id,
                &call.name,
                &call.arguments,
            ),
            ResponseItem::CustomToolCall(call) => (
                CallKind::Custom,
                call.id.as_deref(),
                &call.call_id,
                &call.name,
                &call.input,
            ),
            _ => return,
        };
        let slot = self.slot(id.unwrap_or(""), output_index, kind);
        if slot.item_id.is_empty()
            && let Some(id) = id
        {
            slot.item_id = id.to_owned();
        }
        if !call_id.is_empty() || done {
            slot.call_id.clone_from(call_id);
        }
        if !name.is_empty() || done {
            slot.name.clone_from(name);
        }
        if done || !text.is_empty() {
            slot.text.clone_from(text);
        }
        slot.output_index = output_index;
        if let Some(id) = id {
            let position = self.position(id, output_index, kind);
            if let Some(position) = position {
                self.by_item_id.insert(id.to_owned(), position);
            }
        }
    }

    /// An arguments / input delta.
    pub(crate) fn handle_delta(
        &mut self,
        kind: CallKind,
        item_id: &str,
        output_index: u32,
        delta: &str,
    ) {
        self.slot(item_id, output_index, kind).text.push_str(delta);
    }

    /// `function_call_arguments.done` / `custom_tool_call_input.done`: the whole text.
    pub(crate) fn handle_text_done(
        &mut self,
        kind: CallKind,
        item_id: &str,
        output_index: u32,
        name: Option<&str>,
        text: &str,
    ) {
        let slot = self.slot(item_id, output_index, kind);
        slot.text = text.to_owned();
        if let Some(name) = name.filter(|name| !name.is_empty()) {
            name.clone_into(&mut slot.name);
        }
    }

    /// The full text of the call for `item_id` (to patch items that never got a `.done`).
    pub(crate) fn text_of(&self, item_id: &str) -> Option<&str> {
        let position = *self.by_item_id.get(item_id)?;
        self.calls.get(position).map(|call| call.text.as_str())
    }

    fn ordered(&self, kind: CallKind) -> impl Iterator<Item = &Call> {
        let mut calls: Vec<&Call> = self.calls.iter().filter(|c| c.kind == kind).collect();
        calls.sort_by_key(|call| call.output_index);
        calls.into_iter()
    }

    /// Function calls in output order.
    pub(crate) fn function_calls(&self) -> Vec<FunctionCallOutcome> {
        self.ordered(CallKind::Function)
            .map(|call| FunctionCallOutcome {
                item_id: call.item_id.clone(),
                call_id: call.call_id.clone(),
                name: call.name.clone(),
                arguments: call.text.clone(),
                output_index: u64::from(call.output_index),
            })
            .collect()
    }

    /// Custom tool calls in output order.
    pub(crate) fn custom_tool_calls(&self) -> Vec<CustomToolCallOutcome> {
        self.ordered(CallKind::Custom)
            .map(|call| CustomToolCallOutcome {
                item_id: call.item_id.clone(),
                call_id: call.call_id.clone(),
                name: call.name.clone(),
                input: call.text.clone(),
                output_index: u64::from(call.output_index),
            })
            .collect()
    }
}
