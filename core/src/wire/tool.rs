//! `Tool` definitions and `tool_choice`.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde::Serialize;
use serde_json::Value;
use serde_json::value::RawValue;

use super::Extra;
use super::lossless::wire_struct;
use super::open_enum::open_enum;
use super::tagged::open_tagged_deserialize;
use super::tagged::raw_eq;

/// A tool the model may call (one entry of the request's `tools`).
///
/// Unknown tool types are kept as raw JSON in [`Tool::Other`], member by member (see
/// [`ResponseItem`](super::ResponseItem)): compact JSON re-serialises byte for byte, so callers
/// can also pass tool JSON this crate has no type for.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Tool {
    /// `function`: a JSON-schema function.
    Function(FunctionTool),
    /// `custom`: a free-form tool, optionally constrained by a grammar.
    Custom(CustomTool),
    /// `web_search`: hosted web search.
    WebSearch(WebSearchTool),
    /// `local_shell`: the model emits `local_shell_call` items.
    LocalShell(LocalShellTool),
    /// `file_search`: hosted search over vector stores.
    FileSearch(FileSearchTool),
    /// `mcp`: a remote MCP server.
    Mcp(McpTool),
    /// A tool type this crate does not know, kept verbatim.
    Other(Box<RawValue>),
}

open_tagged_deserialize!(Tool {
    "function" => Function(FunctionTool),
    "custom" => Custom(CustomTool),
    "web_search" => WebSearch(WebSearchTool),
    "local_shell" => LocalShell(LocalShellTool),
    "file_search" => FileSearch(FileSearchTool),
    "mcp" => Mcp(McpTool),
});
raw_eq!(Tool {
    Function,
    Custom,
    WebSearch,
    LocalShell,
    FileSearch,
    Mcp
});

impl Tool {
    /// A `function` tool with `strict: false` (as Codex sends: a loose schema is accepted as
    /// given; set [`FunctionTool::strict`] for strict validation).
    pub fn function(
        name: impl Into<String>,
        description: impl Into<String>,
        parameters: Value,
    ) -> Self {
        Self::Function(FunctionTool {
            name: name.into(),
            description: Some(description.into()),
            parameters: Some(parameters),
            strict: Some(false),
            extra: Extra::new(),
        })
    }

    /// Wraps tool JSON this crate has no type for (for example a new hosted tool).
    pub fn raw(json: Box<RawValue>) -> Self {
        Self::Other(json)
    }
}

wire_struct! {
    /// A `function` tool.
    ///
    /// Omission rule exception: the `FunctionTool` schema requires `parameters` and `strict` (both
    /// nullable), so they are always sent, as `null` when unset.
    #[derive(Debug, Clone, PartialEq)]
    pub struct FunctionTool {
        /// Function name.
        pub name: String,
        /// What the function does.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub description: Option<String>,
        /// JSON schema of the arguments (always sent; `null` when unset).
        #[serde(default)]
        pub parameters: Option<Value>,
        /// Whether strict schema adherence is enforced (always sent; `null` when unset).
        #[serde(default)]
        pub strict: Option<bool>,
    }
}

wire_struct! {
    /// A `custom` tool.
    #[derive(Debug, Clone, PartialEq)]
    pub struct CustomTool {
        /// Tool name.
        pub name: String,
        /// What the tool does.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub description: Option<String>,
        /// Input format: `{type:"text"}` or `{type:"grammar", syntax, definition}`, kept as JSON.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub format: Option<Value>,
    }
}

wire_struct! {
    /// A `web_search` tool.
    #[derive(Debug, Clone, PartialEq, Default)]
    pub struct WebSearchTool {
        /// Whether live internet access is allowed (`false` = cached results only).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub external_web_access: Option<bool>,
        /// Domain filters, kept as JSON.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub filters: Option<Value>,
        /// Approximate user location, kept as JSON.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub user_location: Option<Value>,
        /// `low`, `medium` or `high`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub search_context_size: Option<String>,
    }
}

wire_struct! {
    /// A `local_shell` tool (no parameters).
    #[derive(Debug, Clone, PartialEq, Eq, Default)]
    pub struct LocalShellTool {}
}

wire_struct! {
    /// A `file_search` tool.
    #[derive(Debug, Clone, PartialEq, Default)]
    pub struct FileSearchTool {
        /// Vector stores to search.
        pub vector_store_ids: Vec<String>,
        /// Maximum number of results.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub max_num_results: Option<u32>,
        /// Ranking options, kept as JSON.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub ranking_options: Option<Value>,
        /// Attribute filters, kept as JSON.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub filters: Option<Value>,
    }
}

wire_struct! {
    /// An `mcp` tool. `Debug` redacts `authorization` and header values.
    #[derive(Clone, PartialEq, Default)]
    pub struct McpTool {
        /// Label of the server in tool calls.
        pub server_label: String,
        /// Server URL.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub server_url: Option<String>,
        /// Service connector id (instead of `server_url`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub connector_id: Option<String>,
        /// OAuth access token for the server (secret).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub authorization: Option<String>,
        /// Description of the server.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub server_description: Option<String>,
        /// Extra HTTP headers for the server (values may be secrets).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub headers: Option<BTreeMap<String, String>>,
        /// Allowed tools filter, kept as JSON.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub allowed_tools: Option<Value>,
        /// Approval policy, kept as JSON.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub require_approval: Option<Value>,
    }
}

impl std::fmt::Debug for McpTool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: Option<Vec<&str>> = self
            .headers
            .as_ref()
            .map(|headers| headers.keys().map(String::as_str).collect());
        f.debug_struct("McpTool")
            .field("server_label", &self.server_label)
            .field("server_url", &self.server_url)
            .field("connector_id", &self.connector_id)
            .field(
                "authorization",
                &self.authorization.as_ref().map(|_| "<redacted>"),
            )
            .field("server_description", &self.server_description)
            .field("header_names", &headers)
            .field("allowed_tools", &self.allowed_tools)
            .field("require_approval", &self.require_approval)
            .field(
                "extra_names",
                &self.extra.iter().map(|(key, _)| key).collect::<Vec<_>>(),
            )
            .finish()
    }
}

open_enum! {
    /// The string form of `tool_choice`.
    ToolChoiceMode {
        /// `none`: never call tools.
        None => "none",
        /// `auto`: the model decides.
        Auto => "auto",
        /// `required`: call at least one tool.
        Required => "required",
    }
}

/// The request's `tool_choice`: a mode string or a specific-tool object.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ToolChoice {
    /// `"none"`, `"auto"`, `"required"` (or a newer string).
    Mode(ToolChoiceMode),
    /// An object such as `{"type":"function","name":"shell"}`, kept as JSON.
    Specific(Value),
}

impl Serialize for ToolChoice {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Mode(mode) => mode.serialize(serializer),
            Self::Specific(value) => value.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for ToolChoice {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match Value::deserialize(deserializer)? {
            Value::String(mode) => Self::Mode(ToolChoiceMode::from(mode.as_str())),
            other => Self::Specific(other),
        })
    }
}

impl From<ToolChoiceMode> for ToolChoice {
    fn from(mode: ToolChoiceMode) -> Self {
        Self::Mode(mode)
    }
}
