//! Output items streamed inside a transcript: messages, reasoning, function and custom tool
//! calls, each from `response.output_item.added` to `response.output_item.done`.

use serde_json::{Value, json};

use super::Transcript;

/// A function call for [`Transcript::parallel_function_calls`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionCall {
    /// The function name.
    pub name: String,
    /// The call id the model generated.
    pub call_id: String,
    /// The arguments, as the deltas that stream them.
    pub argument_deltas: Vec<String>,
}

impl FunctionCall {
    /// A call of `name` with id `call_id` whose arguments stream as `argument_deltas`.
    pub fn new(name: &str, call_id: &str, argument_deltas: &[&str]) -> FunctionCall {
        FunctionCall {
            name: name.into(),
            call_id: call_id.into(),
            argument_deltas: argument_deltas.iter().map(|d| d.to_string()).collect(),
        }
    }
}

impl Transcript {
    fn added(self, output_index: usize, item: Value) -> Transcript {
        self.event(
            "response.output_item.added",
            json!({ "output_index": output_index, "item": item }),
        )
    }

    fn done(mut self, output_index: usize, item: Value) -> Transcript {
        self.output.push(item.clone());
        self.event(
            "response.output_item.done",
            json!({ "output_index": output_index, "item": item }),
        )
    }

    /// An assistant message whose text streams as `deltas`: item added, content part added,
    /// `response.output_text.delta` per delta, text done, content part done, item done.
    pub fn message(self, deltas: &[&str]) -> Transcript {
        let index = self.output.len();
        let id = format!("msg_{index}");
        let text: String = deltas.concat();
        let part = |text: &str| json!({ "type": "output_text", "text": text, "annotations": [] });
        let location = json!({ "item_id": id, "output_index": index, "content_index": 0 });
        let with = |extra: Value| {
            let mut object = location.clone();
            if let (Some(target), Value::Object(extra)) = (object.as_object_mut(), extra) {
                target.extend(extra);
            }
            object
        };
        let mut transcript = self
            .added(
                index,
                json!({ "id": id, "type": "message", "status": "in_progress",
                        "role": "assistant", "content": [] }),
            )
            .event(
                "response.content_part.added",
                with(json!({ "part": part("") })),
            );
        for delta in deltas {
            transcript = transcript.event(
                "response.output_text.delta",
                with(json!({ "delta": delta, "logprobs": [] })),
            );
        }
        transcript
            .event(
                "response.output_text.done",
                with(json!({ "text": text, "logprobs": [] })),
            )
            .event(
                "response.content_part.done",
                with(json!({ "part": part(&text) })),
            )
            .done(
                index,
                json!({ "id": id, "type": "message", "status": "completed",
                        "role": "assistant", "content": [part(&text)] }),
            )
    }

    /// A reasoning item whose summary has one part per entry of `summary_parts`, each streamed
    /// as `response.reasoning_summary_text.delta` events.
    pub fn reasoning(self, summary_parts: &[&[&str]]) -> Transcript {
        let index = self.output.len();
        let id = format!("rs_{index}");
        let mut transcript = self.added(
            index,
            json!({ "id": id, "type": "reasoning", "summary": [] }),
        );
        let mut summary = Vec::new();
        for (summary_index, deltas) in summary_parts.iter().enumerate() {
            let text: String = deltas.concat();
            let location = |extra: Value| {
                let mut object = json!({ "item_id": id, "output_index": index,
                                         "summary_index": summary_index });
                if let (Some(target), Value::Object(extra)) = (object.as_object_mut(), extra) {
                    target.extend(extra);
                }
                object
            };
            transcript = transcript.event(
                "response.reasoning_summary_part.added",
                location(json!({ "part": { "type": "summary_text", "text": "" } })),
            );
            for delta in deltas.iter() {
                transcript = transcript.event(
                    "response.reasoning_summary_text.delta",
                    location(json!({ "delta": delta })),
                );
            }
            transcript = transcript
                .event(
                    "response.reasoning_summary_text.done",
                    location(json!({ "text": text })),
                )
                .event(
                    "response.reasoning_summary_part.done",
                    location(json!({ "part": { "type": "summary_text", "text": text } })),
                );
            summary.push(json!({ "type": "summary_text", "text": text }));
        }
        transcript.done(
            index,
            json!({ "id": id, "type": "reasoning", "summary": summary }),
        )
    }

    /// One function call whose arguments stream as `argument_deltas`.
    pub fn function_call(self, name: &str, call_id: &str, argument_deltas: &[&str]) -> Transcript {
        self.parallel_function_calls(&[FunctionCall::new(name, call_id, argument_deltas)])
    }

    /// Several function calls in parallel: every item added, then their
    /// `response.function_call_arguments.delta` events interleaved round-robin, then each
    /// call's arguments done and item done, in order.
    pub fn parallel_function_calls(self, calls: &[FunctionCall]) -> Transcript {
        let first = self.output.len();
        let item = |offset: usize, call: &FunctionCall, status: &str, arguments: &str| {
            json!({ "id": format!("fc_{}", first + offset), "type": "function_call",
                    "status": status, "call_id": call.call_id, "name": call.name,
                    "arguments": arguments })
        };
        let mut transcript = self;
        for (offset, call) in calls.iter().enumerate() {
            transcript = transcript.added(first + offset, item(offset, call, "in_progress", ""));
        }
        let rounds = calls
            .iter()
            .map(|c| c.argument_deltas.len())
            .max()
            .unwrap_or(0);
        for round in 0..rounds {
            for (offset, call) in calls.iter().enumerate() {
                if let Some(delta) = call.argument_deltas.get(round) {
                    transcript = transcript.event(
                        "response.function_call_arguments.delta",
                        json!({ "item_id": format!("fc_{}", first + offset),
                                "output_index": first + offset, "delta": delta }),
                    );
                }
            }
        }
        for (offset, call) in calls.iter().enumerate() {
            let arguments = call.argument_deltas.concat();
            transcript = transcript
                .event(
                    "response.function_call_arguments.done",
                    json!({ "item_id": format!("fc_{}", first + offset),
                            "output_index": first + offset, "name": call.name,
                            "arguments": arguments }),
                )
                .done(first + offset, item(offset, call, "completed", &arguments));
        }
        transcript
    }

    /// A custom tool call whose free-form input streams as
    /// `response.custom_tool_call_input.delta` events.
    pub fn custom_tool_call(self, name: &str, call_id: &str, input_deltas: &[&str]) -> Transcript {
        let index = self.output.len();
        let id = format!("ctc_{index}");
        let input: String = input_deltas.concat();
        let item = |status: &str, input: &str| {
            json!({ "id": id, "type": "custom_tool_call", "status": status,
                    "call_id": call_id, "name": name, "input": input })
        };
        let mut transcript = self.added(index, item("in_progress", ""));
        for delta in input_deltas {
            transcript = transcript.event(
                "response.custom_tool_call_input.delta",
                json!({ "item_id": id, "output_index": index, "delta": delta }),
            );
        }
        transcript
            .event(
                "response.custom_tool_call_input.done",
                json!({ "item_id": id, "output_index": index, "input": input }),
            )
            .done(index, item("completed", &input))
    }
}
