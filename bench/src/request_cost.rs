//! The cost of a request: building and encoding a Codex-like `POST /responses` body with a
//! long conversation, ours (`wire::ResponsesApiRequest` + `PreparedRequest::responses`) against
//! a `serde_json::Value` built with `json!` and encoded with `serde_json::to_vec`.
//!
//! Both start from the same source data (a [`Conversation`]: owned strings, as an agent keeps
//! its history) and produce the same JSON (checked by [`bodies_agree`]): instructions, 200
//! input items cycling through user message → reasoning (summary + encrypted content) →
//! function call → function call output → assistant message, 8 function tools with JSON
//! schemas, reasoning and include options.

use bytes::Bytes;
use codex_api_core::provider::Provider;
use codex_api_core::request::PreparedRequest;
use codex_api_core::wire::{
    ContentPart, FunctionCallItem, ItemStatus, MessageItem, Reasoning, ReasoningEffort,
    ReasoningItem, ReasoningSummary, ReasoningSummaryPart, ReasoningText, ResponseItem,
    ResponsesApiRequest, Role, Tool, ToolChoice, ToolChoiceMode, ToolOutput,
};
use serde_json::{Value, json};

use crate::corpus::XorShift;

/// One history item, as the agent holds it.
pub enum SourceItem {
    User(String),
    Assistant {
        id: String,
        text: String,
    },
    Reasoning {
        id: String,
        summary: String,
        encrypted: String,
    },
    Call {
        id: String,
        call_id: String,
        name: String,
        arguments: String,
    },
    Output {
        call_id: String,
        output: String,
    },
}

/// Everything a request is built from.
pub struct Conversation {
    pub model: String,
    pub instructions: String,
    pub items: Vec<SourceItem>,
    pub tool_names: Vec<String>,
    pub prompt_cache_key: String,
}

const WORDS: &[&str] = &[
    "the",
    "function",
    "returns",
    "a",
    "value",
    "of",
    "type",
    "Result",
    "and",
    "error",
    "src/lib.rs",
    "cargo",
    "test",
    "--release",
    "\"quoted\"",
    "path\\to",
    "\n",
    "\t",
    "é",
    "日本語",
    "🙂",
];

fn text(rng: &mut XorShift, min: usize, spread: usize) -> String {
    let words = min + rng.below(spread);
    let mut out = String::new();
    for index in 0..words {
        if index > 0 {
            out.push(' ');
        }
        out.push_str(WORDS[rng.below(WORDS.len())]);
    }
    out
}

/// A deterministic conversation of `items` history items.
pub fn conversation(seed: u64, items: usize) -> Conversation {
    let mut rng = XorShift::new(seed);
    let mut history = Vec::with_capacity(items);
    let mut call = 0u64;
    while history.len() < items {
        let step = history.len() % 5;
        let id = format!("item_{:016x}", rng.next_u64());
        history.push(match step {
            0 => SourceItem::User(text(&mut rng, 20, 60)),
            1 => SourceItem::Reasoning {
                id,
                summary: text(&mut rng, 30, 30),
                encrypted: (0..1200 + (rng.next_u64() % 800) as usize)
                    .map(|_| {
                        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
                            [rng.below(64)] as char
                    })
                    .collect(),
            },
            2 => {
                call += 1;
                SourceItem::Call {
                    id,
                    call_id: format!("call_{call:08}"),
                    name: "shell".to_owned(),
                    arguments: serde_json::to_string(&json!({
                        "command": ["bash", "-lc", text(&mut rng, 6, 1)],
                        "workdir": "/work/repo",
                        "timeout_ms": 120000,
                    }))
                    .unwrap_or_default(),
                }
            }
            3 => SourceItem::Output {
                call_id: format!("call_{call:08}"),
                output: text(&mut rng, 100, 400),
            },
            _ => SourceItem::Assistant {
                id,
                text: text(&mut rng, 40, 80),
            },
        });
    }
    Conversation {
        model: "gpt-5-codex".to_owned(),
        instructions: text(&mut rng, 1500, 1),
        items: history,
        tool_names: [
            "shell",
            "apply_patch",
            "update_plan",
            "view_image",
            "read_file",
            "list_dir",
            "grep_files",
            "web_search",
        ]
        .iter()
        .map(|name| (*name).to_owned())
        .collect(),
        prompt_cache_key: "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b".to_owned(),
    }
}

/// The JSON schema of a tool's parameters (the same for both contenders; both build it per
/// request, as Codex does).
fn parameters(name: &str) -> Value {
    json!({
        "type": "object",
        "properties": {
            "command": {"type": "array", "items": {"type": "string"}, "description": format!("The command {name} runs")},
            "workdir": {"type": "string", "description": "The working directory"},
            "timeout_ms": {"type": "number", "description": "The timeout in milliseconds"},
        },
        "required": ["command"],
        "additionalProperties": false,
    })
}

/// Ours: the typed request, encoded by `PreparedRequest::responses` (item ids stripped: the
/// request sets `store: false`).
pub fn ours(provider: &Provider, conversation: &Conversation) -> Bytes {
    let mut request = ResponsesApiRequest::new(conversation.model.clone());
    request.instructions = Some(conversation.instructions.clone());
    request.input = conversation
        .items
        .iter()
        .map(|item| match item {
            SourceItem::User(text) => ResponseItem::text_message(Role::User, text.clone()),
            SourceItem::Assistant { id, text } => {
                let mut message = MessageItem::new(
                    Role::Assistant,
                    vec![ContentPart::output_text(text.clone())],
                );
                message.id = Some(id.clone());
                ResponseItem::Message(message)
            }
            SourceItem::Reasoning {
                id,
                summary,
                encrypted,
            } => {
                let mut reasoning = ReasoningItem::new(vec![ReasoningSummaryPart::SummaryText(
                    ReasoningText::new(summary.clone()),
                )]);
                reasoning.id = Some(id.clone());
                reasoning.encrypted_content = Some(encrypted.clone());
                ResponseItem::Reasoning(reasoning)
            }
            SourceItem::Call {
                id,
                call_id,
                name,
                arguments,
            } => {
                let mut call =
                    FunctionCallItem::new(name.clone(), arguments.clone(), call_id.clone());
                call.id = Some(id.clone());
                call.status = Some(ItemStatus::Completed);
                ResponseItem::FunctionCall(call)
            }
            SourceItem::Output { call_id, output } => ResponseItem::function_call_output(
                call_id.clone(),
                ToolOutput::Text(output.clone()),
            ),
        })
        .collect();
    request.tools = conversation
        .tool_names
        .iter()
        .map(|name| Tool::function(name.clone(), format!("Runs {name}."), parameters(name)))
        .collect();
    request.tool_choice = Some(ToolChoice::Mode(ToolChoiceMode::Auto));
    request.parallel_tool_calls = Some(false);
    request.reasoning = Some(
        Reasoning::default()
            .effort(ReasoningEffort::Medium)
            .summary(ReasoningSummary::Auto),
    );
    request.store = Some(false);
    request.include = vec!["reasoning.encrypted_content".to_owned()];
    request.prompt_cache_key = Some(conversation.prompt_cache_key.clone());
    match PreparedRequest::responses(provider, request) {
        Ok(prepared) => prepared.body().cloned().unwrap_or_default(),
        Err(_) => Bytes::new(),
    }
}

/// The untyped way: one `serde_json::Value` tree built with `json!`, then `to_vec`.
pub fn json_value(conversation: &Conversation) -> Bytes {
    let input: Vec<Value> = conversation
        .items
        .iter()
        .map(|item| match item {
            SourceItem::User(text) => json!({
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": text}],
            }),
            SourceItem::Assistant { text, .. } => json!({
                "type": "message",
                "role": "assistant",
                "content": [{"type": "output_text", "text": text}],
            }),
            SourceItem::Reasoning {
                summary, encrypted, ..
            } => json!({
                "type": "reasoning",
                "summary": [{"type": "summary_text", "text": summary}],
                "encrypted_content": encrypted,
            }),
            SourceItem::Call {
                call_id,
                name,
                arguments,
                ..
            } => json!({
                "type": "function_call",
                "name": name,
                "arguments": arguments,
                "call_id": call_id,
                "status": "completed",
            }),
            SourceItem::Output { call_id, output } => json!({
                "type": "function_call_output",
                "call_id": call_id,
                "output": output,
            }),
        })
        .collect();
    let tools: Vec<Value> = conversation
        .tool_names
        .iter()
        .map(|name| {
            json!({
                "type": "function",
                "name": name,
                "description": format!("Runs {name}."),
                "parameters": parameters(name),
                "strict": false,
            })
        })
        .collect();
    let body = json!({
        "model": conversation.model,
        "instructions": conversation.instructions,
        "input": input,
        "tools": tools,
        "tool_choice": "auto",
        "parallel_tool_calls": false,
        "reasoning": {"effort": "medium", "summary": "auto"},
        "store": false,
        "stream": true,
        "include": ["reasoning.encrypted_content"],
        "prompt_cache_key": conversation.prompt_cache_key,
    });
    serde_json::to_vec(&body)
        .map(Bytes::from)
        .unwrap_or_default()
}

/// async-openai 0.43's typed request (`CreateResponse`), encoded with `serde_json::to_vec`.
/// Its types require `id` and `status` on assistant messages, so this body keeps those ids,
/// and the reasoning items' ids too (0.31 required them; 0.43 makes them optional, and they
/// are kept so the body stays the one measured before), where Codex and ours strip them with
/// `store: false`: the same request, a slightly longer body.
pub fn async_openai(conversation: &Conversation) -> Bytes {
    use async_openai::types::responses as openai;
    let items: Vec<openai::InputItem> = conversation
        .items
        .iter()
        .map(|item| {
            openai::InputItem::Item(match item {
                SourceItem::User(text) => {
                    openai::Item::Message(openai::MessageItem::Input(openai::InputMessage {
                        content: vec![openai::InputContent::InputText(openai::InputTextContent {
                            text: text.clone(),
                            prompt_cache_breakpoint: None,
                        })],
                        role: openai::InputRole::User,
                        status: None,
                    }))
                }
                SourceItem::Assistant { id, text } => {
                    openai::Item::Message(openai::MessageItem::Output(openai::OutputMessage {
                        content: vec![openai::OutputMessageContent::OutputText(
                            openai::OutputTextContent {
                                annotations: Vec::new(),
                                logprobs: None,
                                text: text.clone(),
                            },
                        )],
                        id: id.clone(),
                        role: openai::AssistantRole::Assistant,
                        phase: None,
                        status: openai::OutputStatus::Completed,
                    }))
                }
                SourceItem::Reasoning {
                    id,
                    summary,
                    encrypted,
                } => openai::Item::Reasoning(openai::ReasoningItem {
                    id: Some(id.clone()),
                    summary: vec![openai::SummaryPart::SummaryText(
                        openai::SummaryTextContent {
                            text: summary.clone(),
                        },
                    )],
                    content: None,
                    encrypted_content: Some(encrypted.clone()),
                    status: None,
                }),
                SourceItem::Call {
                    call_id,
                    name,
                    arguments,
                    ..
                } => openai::Item::FunctionCall(openai::FunctionToolCall {
                    arguments: arguments.clone(),
                    call_id: call_id.clone(),
                    namespace: None,
                    name: name.clone(),
                    id: None,
                    status: Some(openai::OutputStatus::Completed),
                    caller: None,
                    r#async: None,
                }),
                SourceItem::Output { call_id, output } => {
                    openai::Item::FunctionCallOutput(openai::FunctionCallOutputItemParam {
                        call_id: Some(call_id.clone()),
                        output: openai::FunctionCallOutput::Text(output.clone()),
                        id: None,
                        status: None,
                        name: None,
                        namespace: None,
                        caller: None,
                    })
                }
            })
        })
        .collect();
    let tools = conversation
        .tool_names
        .iter()
        .map(|name| {
            openai::Tool::Function(openai::FunctionTool {
                name: name.clone(),
                parameters: Some(parameters(name)),
                strict: Some(false),
                description: Some(format!("Runs {name}.")),
                ..Default::default()
            })
        })
        .collect();
    let request = openai::CreateResponse {
        model: Some(conversation.model.clone()),
        instructions: Some(conversation.instructions.clone()),
        input: openai::InputParam::Items(items),
        tools: Some(tools),
        tool_choice: Some(openai::ToolChoiceParam::Option(
            openai::ToolChoiceOptions::Auto,
        )),
        parallel_tool_calls: Some(false),
        reasoning: Some(openai::Reasoning {
            effort: Some(openai::ReasoningEffort::Medium),
            summary: Some(openai::ReasoningSummary::Auto),
            ..Default::default()
        }),
        store: Some(false),
        stream: Some(true),
        include: Some(vec![openai::IncludeEnum::ReasoningEncryptedContent]),
        prompt_cache_key: Some(conversation.prompt_cache_key.clone()),
        ..Default::default()
    };
    serde_json::to_vec(&request)
        .map(Bytes::from)
        .unwrap_or_default()
}

/// Whether the two bodies hold the same JSON (member order aside); on a difference, the first
/// differing path.
pub fn bodies_agree(ours: &[u8], theirs: &[u8]) -> Result<(), String> {
    let ours: Value = serde_json::from_slice(ours).map_err(|error| format!("ours: {error}"))?;
    let theirs: Value =
        serde_json::from_slice(theirs).map_err(|error| format!("json!: {error}"))?;
    first_difference(&ours, &theirs, "$").map_or(Ok(()), Err)
}

fn first_difference(a: &Value, b: &Value, path: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in a {
                match b.get(key) {
                    Some(other) => {
                        if let Some(found) =
                            first_difference(value, other, &format!("{path}.{key}"))
                        {
                            return Some(found);
                        }
                    }
                    None => return Some(format!("{path}.{key} only in ours")),
                }
            }
            b.keys()
                .find(|key| !a.contains_key(*key))
                .map(|key| format!("{path}.{key} only in json!"))
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => a
            .iter()
            .zip(b)
            .enumerate()
            .find_map(|(index, (a, b))| first_difference(a, b, &format!("{path}[{index}]"))),
        _ if a == b => None,
        _ => Some(format!("{path}: {a} vs {b}")),
    }
}

#[cfg(test)]
mod tests {
    use super::{bodies_agree, conversation, json_value, ours};
    use codex_api_core::provider::Provider;

    #[test]
    fn both_ways_encode_the_same_request() {
        let conversation = conversation(7, 200);
        let provider = Provider::openai();
        let ours = ours(&provider, &conversation);
        assert!(ours.len() > 100_000, "{}", ours.len());
        assert_eq!(bodies_agree(&ours, &json_value(&conversation)), Ok(()));
        let theirs: serde_json::Value =
            serde_json::from_slice(&super::async_openai(&conversation)).unwrap();
        assert_eq!(theirs["input"].as_array().unwrap().len(), 200);
        assert_eq!(theirs["tools"].as_array().unwrap().len(), 8);
    }
}
