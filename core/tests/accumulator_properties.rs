//! Property: an accumulator fed a response's events reproduces the final `response.completed`
//! output text and tool calls, however the deltas are cut and interleaved.

use codex_api_core::accumulator::{OutcomeKind, replay};
use proptest::prelude::*;
use serde_json::{Value, json};

#[derive(Debug, Clone)]
enum Spec {
    Message(String),
    Function { name: String, arguments: String },
    Custom { name: String, input: String },
}

fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 {}\":,✓é\\\\\n]{0,24}"
}

fn spec() -> impl Strategy<Value = Spec> {
    prop_oneof![
        text().prop_map(Spec::Message),
        ("[a-z_]{1,8}", text()).prop_map(|(name, arguments)| Spec::Function { name, arguments }),
        ("[a-z_]{1,8}", text()).prop_map(|(name, input)| Spec::Custom { name, input }),
    ]
}

/// Cuts `text` into pieces at the given fractions (on char boundaries).
fn pieces(text: &str, cuts: &[u8]) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut points: Vec<usize> = cuts
        .iter()
        .map(|&cut| usize::from(cut) * chars.len() / 256)
        .collect();
    points.push(chars.len());
    points.sort_unstable();
    let mut out = Vec::new();
    let mut start = 0;
    for point in points {
        out.push(chars[start..point].iter().collect());
        start = point;
    }
    out
}

fn final_item(index: usize, spec: &Spec) -> Value {
    match spec {
        Spec::Message(text) => json!({
            "type": "message", "id": format!("msg_{index}"), "role": "assistant", "status": "completed",
            "content": [{"type": "output_text", "text": text, "annotations": []}]
        }),
        Spec::Function { name, arguments } => json!({
            "type": "function_call", "id": format!("fc_{index}"), "call_id": format!("call_{index}"),
            "name": name, "arguments": arguments, "status": "completed"
        }),
        Spec::Custom { name, input } => json!({
            "type": "custom_tool_call", "id": format!("ct_{index}"), "call_id": format!("call_{index}"),
            "name": name, "input": input, "status": "completed"
        }),
    }
}

fn added_item(index: usize, spec: &Spec) -> Value {
    let mut item = final_item(index, spec);
    match spec {
        Spec::Message(_) => item["content"] = json!([]),
        Spec::Function { .. } => item["arguments"] = json!(""),
        Spec::Custom { .. } => item["input"] = json!(""),
    }
    item["status"] = json!("in_progress");
    item
}

fn deltas(index: usize, spec: &Spec, cuts: &[u8]) -> Vec<Value> {
    match spec {
        Spec::Message(text) => pieces(text, cuts)
            .into_iter()
            .map(|delta| {
                json!({"type": "response.output_text.delta", "item_id": format!("msg_{index}"),
                "output_index": index, "content_index": 0, "delta": delta, "obfuscation": "xyz"})
            })
            .collect(),
        Spec::Function { arguments, .. } => pieces(arguments, cuts)
            .into_iter()
            .map(|delta| {
                json!({"type": "response.function_call_arguments.delta",
                "item_id": format!("fc_{index}"), "output_index": index, "delta": delta})
            })
            .collect(),
        Spec::Custom { input, .. } => pieces(input, cuts)
            .into_iter()
            .map(|delta| {
                json!({"type": "response.custom_tool_call_input.delta",
                "item_id": format!("ct_{index}"), "output_index": index, "delta": delta})
            })
            .collect(),
    }
}

/// Builds the body: every item's `added`, its deltas interleaved with the other items' deltas
/// by `order`, then (when `send_done`) each item's `output_item.done`, then
/// `response.completed` carrying the whole output.
fn body(specs: &[Spec], cuts: &[Vec<u8>], order: &[u8], send_done: bool) -> Vec<u8> {
    let mut events: Vec<Value> = Vec::new();
    for (index, spec) in specs.iter().enumerate() {
        events.push(
            json!({"type": "response.output_item.added", "output_index": index,
            "item": added_item(index, spec)}),
        );
    }
    let mut queues: Vec<std::collections::VecDeque<Value>> = specs
        .iter()
        .enumerate()
        .map(|(index, spec)| {
            deltas(index, spec, cuts.get(index).map_or(&[][..], Vec::as_slice)).into()
        })
        .collect();
    let mut choices = order.iter().cycle();
    while queues.iter().any(|queue| !queue.is_empty()) {
        let pick = usize::from(*choices.next().unwrap_or(&0));
        let live: Vec<usize> = (0..queues.len())
            .filter(|&i| !queues[i].is_empty())
            .collect();
        let chosen = live[pick % live.len()];
        events.push(queues[chosen].pop_front().unwrap());
    }
    if send_done {
        for (index, spec) in specs.iter().enumerate() {
            events.push(
                json!({"type": "response.output_item.done", "output_index": index,
                "item": final_item(index, spec)}),
            );
        }
    }
    let output: Vec<Value> = specs
        .iter()
        .enumerate()
        .map(|(i, s)| final_item(i, s))
        .collect();
    events.push(json!({"type": "response.completed",
        "response": {"id": "resp_p", "status": "completed", "output": output}}));
    let mut body = String::new();
    for (sequence_number, mut event) in events.into_iter().enumerate() {
        event["sequence_number"] = json!(sequence_number);
        body.push_str(&format!("data: {event}\n\n"));
    }
    body.into_bytes()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn the_accumulator_reproduces_the_completed_output(
        specs in prop::collection::vec(spec(), 0..6),
        cuts in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..5), 6),
        order in prop::collection::vec(any::<u8>(), 1..16),
        send_done in any::<bool>(),
        chunk in 1usize..200,
    ) {
        let body = body(&specs, &cuts, &order, send_done);
        let outcome = replay(&body, Some(chunk));
        prop_assert_eq!(outcome.kind, OutcomeKind::Completed);
        prop_assert_eq!(outcome.response_id.as_deref(), Some("resp_p"));

        let expected_text: String = specs
            .iter()
            .filter_map(|spec| match spec { Spec::Message(text) => Some(text.as_str()), _ => None })
            .collect();
        prop_assert_eq!(&outcome.output_text, &expected_text);

        let expected_functions: Vec<(String, String, String, u64)> = specs
            .iter()
            .enumerate()
            .filter_map(|(i, spec)| match spec {
                Spec::Function { name, arguments } => {
                    Some((format!("call_{i}"), name.clone(), arguments.clone(), i as u64))
                }
                _ => None,
            })
            .collect();
        let functions: Vec<(String, String, String, u64)> = outcome
            .function_calls
            .iter()
            .map(|c| (c.call_id.clone(), c.name.clone(), c.arguments.clone(), c.output_index))
            .collect();
        prop_assert_eq!(functions, expected_functions);

        let expected_custom: Vec<(String, String, String, u64)> = specs
            .iter()
            .enumerate()
            .filter_map(|(i, spec)| match spec {
                Spec::Custom { name, input } => {
                    Some((format!("call_{i}"), name.clone(), input.clone(), i as u64))
                }
                _ => None,
            })
            .collect();
        let custom: Vec<(String, String, String, u64)> = outcome
            .custom_tool_calls
            .iter()
            .map(|c| (c.call_id.clone(), c.name.clone(), c.input.clone(), c.output_index))
            .collect();
        prop_assert_eq!(custom, expected_custom);
        prop_assert!(outcome.error.is_none());
    }
}
