//! `ResponseItem`: the items of a request's `input` and a response's `output`.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde::Serialize;
use serde_json::value::RawValue;

use super::Extra;
use super::content::ContentPart;
use super::content::ReasoningContentPart;
use super::content::ReasoningSummaryPart;
use super::lossless::wire_struct;
use super::open_enum::open_enum;
use super::tagged::open_tagged_deserialize;
use super::tagged::raw_eq;

open_enum! {
    /// The author of a message item.
    Role {
        /// `user`.
        User => "user",
        /// `assistant`.
        Assistant => "assistant",
        /// `system`.
        System => "system",
        /// `developer`.
        Developer => "developer",
    }
}

open_enum! {
    /// The `phase` of an assistant message: Codex marks its preambles `commentary` and its
    /// answer `final_answer`, and the API asks clients to send the phase back unchanged.
    MessagePhase {
        /// `commentary`: a preamble or progress note before the answer.
        Commentary => "commentary",
        /// `final_answer`: the answer that ends the turn.
        FinalAnswer => "final_answer",
    }
}

open_enum! {
    /// The `status` of an output item.
    ItemStatus {
        /// `in_progress`.
        InProgress => "in_progress",
        /// `completed`.
        Completed => "completed",
        /// `incomplete`.
        Incomplete => "incomplete",
    }
}

/// One conversation item, used both for request `input` and response `output`.
///
/// Decoding reads the object once: on reaching its `type` member it deserialises the matching
/// struct from the members seen so far and the rest. An unknown type (or Codex-internal ones
/// such as `ghost_snapshot`) is kept as raw JSON in [`ResponseItem::Other`]: every member, in
/// order, with its value's text verbatim (compact JSON, as the API sends it, re-serialises byte
/// for byte; whitespace between top-level members is dropped). Decoding requires `serde_json`
/// (see the [`wire`](super) module docs). `compaction_summary` is accepted as an alias of
/// `compaction` and written back as `compaction`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ResponseItem {
    /// `message`.
    Message(MessageItem),
    /// `function_call`: the model calls a JSON-schema function tool.
    FunctionCall(FunctionCallItem),
    /// `function_call_output`: the result of a function call.
    FunctionCallOutput(FunctionCallOutputItem),
    /// `custom_tool_call`: the model calls a free-form custom tool.
    CustomToolCall(CustomToolCallItem),
    /// `custom_tool_call_output`: the result of a custom tool call.
    CustomToolCallOutput(FunctionCallOutputItem),
    /// `reasoning`: reasoning summary, content and encrypted state.
    Reasoning(ReasoningItem),
    /// `local_shell_call`: the model asks to run a command.
    LocalShellCall(LocalShellCallItem),
    /// `web_search_call`: a hosted web search the model ran.
    WebSearchCall(WebSearchCallItem),
    /// `compaction`: opaque compacted history from `responses/compact`.
    Compaction(CompactionItem),
    /// An item type this crate does not know, kept verbatim.
    Other(Box<RawValue>),
}

open_tagged_deserialize!(ResponseItem {
    "message" => Message(MessageItem),
    "function_call" => FunctionCall(FunctionCallItem),
    "function_call_output" => FunctionCallOutput(FunctionCallOutputItem),
    "custom_tool_call" => CustomToolCall(CustomToolCallItem),
    "custom_tool_call_output" => CustomToolCallOutput(FunctionCallOutputItem),
    "reasoning" => Reasoning(ReasoningItem),
    "local_shell_call" => LocalShellCall(LocalShellCallItem),
    "web_search_call" => WebSearchCall(WebSearchCallItem),
    "compaction" | "compaction_summary" => Compaction(CompactionItem),
});

raw_eq!(ResponseItem {
    Message,
    FunctionCall,
    FunctionCallOutput,
    CustomToolCall,
    CustomToolCallOutput,
    Reasoning,
    LocalShellCall,
    WebSearchCall,
    Compaction
});

impl ResponseItem {
    /// A `function_call_output` item answering the call `call_id`.
    pub fn function_call_output(call_id: impl Into<String>, output: ToolOutput) -> Self {
        Self::FunctionCallOutput(FunctionCallOutputItem::new(call_id, output))
    }

    /// A message with one text part: `input_text` for user/system/developer, `output_text` for
    /// the assistant.
    pub fn text_message(role: Role, text: impl Into<String>) -> Self {
        let part = if role == Role::Assistant {
            ContentPart::output_text(text)
        } else {
            ContentPart::input_text(text)
        };
        Self::Message(MessageItem::new(role, vec![part]))
    }

    /// The wire `type` of this item (for `Other`, read from the raw JSON when possible).
    pub fn kind(&self) -> &str {
        match self {
            Self::Message(_) => "message",
            Self::FunctionCall(_) => "function_call",
            Self::FunctionCallOutput(_) => "function_call_output",
            Self::CustomToolCall(_) => "custom_tool_call",
            Self::CustomToolCallOutput(_) => "custom_tool_call_output",
            Self::Reasoning(_) => "reasoning",
            Self::LocalShellCall(_) => "local_shell_call",
            Self::WebSearchCall(_) => "web_search_call",
            Self::Compaction(_) => "compaction",
            Self::Other(raw) => other_kind(raw),
        }
    }

    /// The item's `id`, when it has one.
    pub fn id(&self) -> Option<&str> {
        match self {
            Self::Message(item) => item.id.as_deref(),
            Self::FunctionCall(item) => item.id.as_deref(),
            Self::FunctionCallOutput(item) | Self::CustomToolCallOutput(item) => item.id.as_deref(),
            Self::CustomToolCall(item) => item.id.as_deref(),
            Self::Reasoning(item) => item.id.as_deref(),
            Self::LocalShellCall(item) => item.id.as_deref(),
            Self::WebSearchCall(item) => item.id.as_deref(),
            Self::Compaction(item) => item.id.as_deref(),
            Self::Other(_) => None,
        }
    }

    /// Removes the item's `id` (non-Azure providers reject ids of unstored items).
    ///
    /// For [`ResponseItem::Other`], a top-level `id` member is removed by re-encoding the raw
    /// JSON; raw items without an `id` are left byte-identical.
    pub fn strip_id(&mut self) {
        match self {
            Self::Message(item) => item.id = None,
            Self::FunctionCall(item) => item.id = None,
            Self::FunctionCallOutput(item) | Self::CustomToolCallOutput(item) => item.id = None,
            Self::CustomToolCall(item) => item.id = None,
            Self::Reasoning(item) => item.id = None,
            Self::LocalShellCall(item) => item.id = None,
            Self::WebSearchCall(item) => item.id = None,
            Self::Compaction(item) => item.id = None,
            Self::Other(raw) => {
                if let Some(stripped) = strip_raw_id(raw) {
                    *raw = stripped;
                }
            }
        }
    }
}

fn other_kind(raw: &RawValue) -> &str {
    match super::tagged::peek_type(raw.get()) {
        Ok(Some(std::borrow::Cow::Borrowed(kind))) => kind,
        _ => "",
    }
}

/// `raw` without its top-level `id` member(s), every other member verbatim and in order
/// (`None` when it has none, or is not an object).
fn strip_raw_id(raw: &RawValue) -> Option<Box<RawValue>> {
    struct Members(Vec<(String, Box<RawValue>)>);
    impl<'de> Deserialize<'de> for Members {
        fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct Visit;
            impl<'de> serde::de::Visitor<'de> for Visit {
                type Value = Members;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("a JSON object")
                }
                fn visit_map<A: serde::de::MapAccess<'de>>(
                    self,
                    mut map: A,
                ) -> Result<Members, A::Error> {
                    let mut members = Vec::new();
                    while let Some(entry) = map.next_entry()? {
                        members.push(entry);
                    }
                    Ok(Members(members))
                }
            }
            deserializer.deserialize_map(Visit)
        }
    }
    let Members(members) = serde_json::from_str(raw.get()).ok()?;
    if !members.iter().any(|(key, _)| key == "id") {
        return None;
    }
    let mut text = String::with_capacity(raw.get().len());
    text.push('{');
    for (key, value) in members.iter().filter(|(key, _)| key != "id") {
        if text.len() > 1 {
            text.push(',');
        }
        text.push_str(&serde_json::to_string(key).ok()?);
        text.push(':');
        text.push_str(value.get());
    }
    text.push('}');
    RawValue::from_string(text).ok()
}

wire_struct! {
    /// A `message` item.
    #[derive(Debug, Clone, PartialEq)]
    pub struct MessageItem {
        /// Item id (output items; omitted when unset).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub id: Option<String>,
        /// Author role.
        pub role: Role,
        /// Content parts.
        #[serde(default)]
        pub content: Vec<ContentPart>,
        /// Item status (output items).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub status: Option<ItemStatus>,
        /// Assistant message phase (`commentary` or `final_answer`); send it back as received.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub phase: Option<MessagePhase>,
    }
}

wire_struct! {
    /// A `function_call` item.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct FunctionCallItem {
        /// Item id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub id: Option<String>,
        /// Function name.
        pub name: String,
        /// Namespace of the function (for example the MCP server of a namespaced tool).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub namespace: Option<String>,
        /// Arguments: a string holding JSON, exactly as the model produced it.
        pub arguments: String,
        /// Call id that the output item refers to.
        pub call_id: String,
        /// Item status.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub status: Option<ItemStatus>,
    }
}

wire_struct! {
    /// A `function_call_output` or `custom_tool_call_output` item.
    #[derive(Debug, Clone, PartialEq)]
    pub struct FunctionCallOutputItem {
        /// Item id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub id: Option<String>,
        /// Call id of the call this answers.
        pub call_id: String,
        /// The output: a string or a list of content parts.
        pub output: ToolOutput,
    }
}

/// The `output` of a tool call output item: a plain string or content parts.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ToolOutput {
    /// A plain string.
    Text(String),
    /// A list of content parts (`input_text`, `input_image`, ...).
    Content(Vec<ContentPart>),
}

impl Serialize for ToolOutput {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Text(text) => serializer.serialize_str(text),
            Self::Content(parts) => parts.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for ToolOutput {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = ToolOutput;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string or an array of content parts")
            }
            fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<ToolOutput, E> {
                Ok(ToolOutput::Text(value.to_owned()))
            }
            fn visit_string<E: serde::de::Error>(self, value: String) -> Result<ToolOutput, E> {
                Ok(ToolOutput::Text(value))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<ToolOutput, A::Error> {
                let mut parts = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
                while let Some(part) = seq.next_element::<ContentPart>()? {
                    parts.push(part);
                }
                Ok(ToolOutput::Content(parts))
            }
        }
        deserializer.deserialize_any(Visit)
    }
}

wire_struct! {
    /// A `custom_tool_call` item.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct CustomToolCallItem {
        /// Item id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub id: Option<String>,
        /// Item status.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub status: Option<ItemStatus>,
        /// Call id that the output item refers to.
        pub call_id: String,
        /// Tool name.
        pub name: String,
        /// Free-form input produced by the model.
        pub input: String,
    }
}

wire_struct! {
    /// A `reasoning` item.
    #[derive(Debug, Clone, PartialEq)]
    pub struct ReasoningItem {
        /// Item id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub id: Option<String>,
        /// Summary parts (always sent, possibly empty: the API requires the field).
        #[serde(default)]
        pub summary: Vec<ReasoningSummaryPart>,
        /// Reasoning content parts (omitted when absent).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub content: Option<Vec<ReasoningContentPart>>,
        /// Encrypted reasoning state for stateless multi-turn use (omitted when absent).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub encrypted_content: Option<String>,
        /// Item status.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub status: Option<ItemStatus>,
    }
}

wire_struct! {
    /// A `local_shell_call` item.
    #[derive(Debug, Clone, PartialEq)]
    pub struct LocalShellCallItem {
        /// Item id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub id: Option<String>,
        /// Call id (Responses API).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub call_id: Option<String>,
        /// Item status.
        pub status: ItemStatus,
        /// What to run.
        pub action: LocalShellAction,
    }
}

/// The `action` of a `local_shell_call`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum LocalShellAction {
    /// `exec`: run a command.
    Exec(LocalShellExec),
    /// An action type this crate does not know, kept verbatim.
    Other(Box<RawValue>),
}

open_tagged_deserialize!(LocalShellAction {
    "exec" => Exec(LocalShellExec),
});
raw_eq!(LocalShellAction { Exec });

wire_struct! {
    /// An `exec` action.
    #[derive(Debug, Clone, PartialEq, Eq, Default)]
    pub struct LocalShellExec {
        /// Program and arguments.
        pub command: Vec<String>,
        /// Timeout in milliseconds.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub timeout_ms: Option<u64>,
        /// Working directory.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub working_directory: Option<String>,
        /// Environment variables.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub env: Option<BTreeMap<String, String>>,
        /// User to run as.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub user: Option<String>,
    }
}

wire_struct! {
    /// A `web_search_call` item.
    #[derive(Debug, Clone, PartialEq)]
    pub struct WebSearchCallItem {
        /// Item id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub id: Option<String>,
        /// Item status (`in_progress`, `searching`, `completed`, `failed`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub status: Option<String>,
        /// What the search did.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub action: Option<WebSearchAction>,
    }
}

/// The `action` of a `web_search_call`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum WebSearchAction {
    /// `search`.
    Search(WebSearchQuery),
    /// `open_page`.
    OpenPage(WebSearchPage),
    /// `find_in_page` (wire name `find_in_page`; `find` also accepted).
    FindInPage(WebSearchPage),
    /// An action type this crate does not know, kept verbatim.
    Other(Box<RawValue>),
}

open_tagged_deserialize!(WebSearchAction {
    "search" => Search(WebSearchQuery),
    "open_page" => OpenPage(WebSearchPage),
    "find_in_page" | "find" => FindInPage(WebSearchPage),
});
raw_eq!(WebSearchAction {
    Search,
    OpenPage,
    FindInPage
});

wire_struct! {
    /// A `search` action.
    #[derive(Debug, Clone, PartialEq, Eq, Default)]
    pub struct WebSearchQuery {
        /// The query.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub query: Option<String>,
        /// Several queries, when the model issued more than one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub queries: Option<Vec<String>>,
    }
}

wire_struct! {
    /// An `open_page` or `find_in_page` action.
    #[derive(Debug, Clone, PartialEq, Eq, Default)]
    pub struct WebSearchPage {
        /// Page URL.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub url: Option<String>,
        /// Pattern searched for (`find_in_page`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub pattern: Option<String>,
    }
}

wire_struct! {
    /// A `compaction` item: history compacted by `responses/compact`, opaque to the client.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct CompactionItem {
        /// Item id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub id: Option<String>,
        /// The encrypted compacted history; send it back unchanged.
        pub encrypted_content: String,
        /// Who created the item.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub created_by: Option<String>,
    }
}

impl MessageItem {
    /// A message from `role` with `content`; no id, status or phase.
    pub fn new(role: Role, content: Vec<ContentPart>) -> MessageItem {
        MessageItem {
            id: None,
            role,
            content,
            status: None,
            phase: None,
            extra: Extra::new(),
        }
    }
}

impl FunctionCallItem {
    /// A call of the function `name` with `arguments` (JSON text), answered under `call_id`.
    pub fn new(
        name: impl Into<String>,
        arguments: impl Into<String>,
        call_id: impl Into<String>,
    ) -> FunctionCallItem {
        FunctionCallItem {
            id: None,
            name: name.into(),
            namespace: None,
            arguments: arguments.into(),
            call_id: call_id.into(),
            status: None,
            extra: Extra::new(),
        }
    }
}

impl FunctionCallOutputItem {
    /// The `output` of the call `call_id`.
    pub fn new(call_id: impl Into<String>, output: ToolOutput) -> FunctionCallOutputItem {
        FunctionCallOutputItem {
            id: None,
            call_id: call_id.into(),
            output,
            extra: Extra::new(),
        }
    }
}

impl CustomToolCallItem {
    /// A call of the custom tool `name` with free-form `input`, answered under `call_id`.
    pub fn new(
        call_id: impl Into<String>,
        name: impl Into<String>,
        input: impl Into<String>,
    ) -> CustomToolCallItem {
        CustomToolCallItem {
            id: None,
            status: None,
            call_id: call_id.into(),
            name: name.into(),
            input: input.into(),
            extra: Extra::new(),
        }
    }
}

impl ReasoningItem {
    /// A reasoning item with `summary` parts and nothing else.
    pub fn new(summary: Vec<ReasoningSummaryPart>) -> ReasoningItem {
        ReasoningItem {
            id: None,
            summary,
            content: None,
            encrypted_content: None,
            status: None,
            extra: Extra::new(),
        }
    }
}

impl LocalShellCallItem {
    /// A `local_shell_call` with `status` and `action`.
    pub fn new(status: ItemStatus, action: LocalShellAction) -> LocalShellCallItem {
        LocalShellCallItem {
            id: None,
            call_id: None,
            status,
            action,
            extra: Extra::new(),
        }
    }
}

impl LocalShellExec {
    /// An `exec` of `command` (program and arguments).
    pub fn new(command: Vec<String>) -> LocalShellExec {
        LocalShellExec {
            command,
            ..LocalShellExec::default()
        }
    }
}

impl CompactionItem {
    /// A `compaction` item holding `encrypted_content`.
    pub fn new(encrypted_content: impl Into<String>) -> CompactionItem {
        CompactionItem {
            id: None,
            encrypted_content: encrypted_content.into(),
            created_by: None,
            extra: Extra::new(),
        }
    }
}
