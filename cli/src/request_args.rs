//! Flags shared by the subcommands that build a request (`stream`, `compact`, `request`), and
//! their translation into the core's typed request, provider and credentials.

use std::io::Read;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use codex_api_core::credentials::Credentials;
use codex_api_core::provider::Provider;
use codex_api_core::request::PreparedRequest;
use codex_api_core::wire::{
    CompactionInput, JsonSchemaFormat, MemorySummarizeInput, RawMemory, Reasoning, ReasoningEffort,
    ResponseItem, ResponsesApiRequest, Role, TextControls, TextFormat, Tool, Verbosity,
};
use serde_json::Value;

/// Which endpoint a request goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EndpointName {
    /// `POST responses` (streamed).
    Responses,
    /// `POST responses/compact`.
    Compact,
    /// `POST memories/trace_summarize`.
    Memories,
    /// `GET models`.
    Models,
}

/// Which server a command talks to, and with which key.
#[derive(Debug, Args)]
pub struct ServerArgs {
    /// The API base URL (default: `OPENAI_BASE_URL`, else the OpenAI API).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Call the server without credentials (a local server that needs no key); without it a
    /// missing `OPENAI_API_KEY` is an error before anything is sent.
    #[arg(long)]
    pub no_auth: bool,
}

/// Flags of every command that sends a conversation (`stream`, `compact`, `request`): the
/// server, the model, the instructions and the input (items and prompt).
#[derive(Debug, Args)]
pub struct InputArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// The prompt; `-` reads it from standard input.
    #[arg(value_name = "PROMPT|-")]
    pub prompt: Option<String>,
    /// The model.
    #[arg(long, default_value = "gpt-5")]
    pub model: String,
    /// System instructions.
    #[arg(long)]
    pub instructions: Option<String>,
    /// Ask the server to store the response (`store: true`; item ids stay in `input`).
    #[arg(long, conflicts_with = "no_store")]
    pub store: bool,
    /// Ask the server not to store the response (`store: false`; item ids are removed from
    /// `input`, since the server would not find them).
    #[arg(long)]
    pub no_store: bool,
    /// A JSON array of input items used as `input`, from FILE or `-` (standard input); a
    /// PROMPT, if given, is appended as a user message.
    #[arg(long, value_name = "FILE|-")]
    pub input_file: Option<PathBuf>,
    /// Continue from (or compact) a stored response.
    #[arg(long, value_name = "ID")]
    pub previous_response_id: Option<String>,
}

/// Flags only `POST responses` uses (`stream`, `request`).
#[derive(Debug, Args)]
pub struct ResponsesArgs {
    /// Reasoning effort (`minimal`, `low`, `medium`, `high`, ...).
    #[arg(long, value_name = "EFFORT")]
    pub reasoning_effort: Option<String>,
    /// A function tool, as `NAME:JSON_SCHEMA` (repeatable).
    #[arg(long, value_name = "NAME:JSON_SCHEMA")]
    pub tool_function: Vec<String>,
    /// Upper bound on generated tokens.
    #[arg(long, value_name = "N")]
    pub max_output_tokens: Option<u64>,
    /// Text verbosity (`low`, `medium`, `high`).
    #[arg(long, value_name = "LEVEL")]
    pub text_verbosity: Option<String>,
    /// Structured output: a file holding a JSON schema (a JSON object; named after the file
    /// stem).
    #[arg(long, value_name = "FILE")]
    pub json_schema: Option<PathBuf>,
    /// Run the response in the background (`background: true`): the server keeps it running
    /// when the connection drops. A cut stream resumes by itself after the last event seen.
    #[arg(long)]
    pub background: bool,
}

/// Flags that describe a `POST responses` request (`stream`; `request`, whose endpoint is
/// chosen with `--endpoint`).
#[derive(Debug, Args)]
pub struct RequestArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub responses: ResponsesArgs,
}

impl ServerArgs {
    /// The provider: `--base-url`, else `OPENAI_BASE_URL`, else the OpenAI API; organization
    /// and project from `OPENAI_ORG_ID` / `OPENAI_PROJECT_ID`.
    pub fn provider(&self) -> Result<Provider, String> {
        let base_url = self.base_url.clone().or_else(|| {
            std::env::var("OPENAI_BASE_URL")
                .ok()
                .filter(|v| !v.is_empty())
        });
        let mut provider = match base_url {
            None => Provider::openai(),
            Some(url) => Provider::custom("openai", url.as_str())
                .map_err(|err| format!("invalid base URL: {err}"))?,
        };
        if let Some(org) = env_var("OPENAI_ORG_ID") {
            provider = provider.with_organization(org);
        }
        if let Some(project) = env_var("OPENAI_PROJECT_ID") {
            provider = provider.with_project(project);
        }
        Ok(provider)
    }

    /// Credentials from `OPENAI_API_KEY`; none with `--no-auth`; an error when it is unset
    /// and `--no-auth` was not given.
    pub fn credentials(&self) -> Result<Credentials, String> {
        if self.no_auth {
            return Ok(Credentials::None);
        }
        env_var("OPENAI_API_KEY")
            .map(Credentials::api_key)
            .ok_or_else(|| {
                "OPENAI_API_KEY is not set; pass --no-auth to call a server that needs no key"
                    .to_owned()
            })
    }

    /// Credentials for a dry run: the key when set (its value is redacted in the output).
    pub fn dry_run_credentials(&self) -> Credentials {
        env_var("OPENAI_API_KEY")
            .filter(|_| !self.no_auth)
            .map_or(Credentials::None, Credentials::api_key)
    }
}

impl InputArgs {
    /// The prompt text: the argument, or standard input for `-`; empty when absent.
    pub fn prompt_text(&self) -> Result<String, String> {
        match self.prompt.as_deref() {
            Some("-") => {
                let mut text = String::new();
                std::io::stdin()
                    .read_to_string(&mut text)
                    .map_err(|err| format!("cannot read the prompt from stdin: {err}"))?;
                Ok(text)
            }
            Some(text) => Ok(text.to_owned()),
            None => Ok(String::new()),
        }
    }

    fn user_input(&self) -> Result<Vec<ResponseItem>, String> {
        let items_from_stdin = self
            .input_file
            .as_ref()
            .is_some_and(|path| path.as_os_str() == "-");
        if items_from_stdin && self.prompt.as_deref() == Some("-") {
            return Err(
                "--input-file - and the prompt - cannot both read standard input; give the \
                 prompt as text or the items in a file"
                    .to_owned(),
            );
        }
        let mut input = match &self.input_file {
            Some(path) => read_input_items(path)?,
            None => Vec::new(),
        };
        let prompt = self.prompt_text()?;
        if !prompt.is_empty() {
            input.push(ResponseItem::text_message(Role::User, prompt));
        }
        Ok(input)
    }

    /// The typed `POST responses/compact` body these flags describe (`--input-file` items, then
    /// the prompt). The body has no `store`; `--no-store` removes the items' ids, as
    /// `POST responses` does for `store: false` (the server did not keep those items).
    pub fn compaction_input(&self) -> Result<CompactionInput, String> {
        let mut input = CompactionInput::new(self.model.as_str(), self.user_input()?);
        input.instructions.clone_from(&self.instructions);
        input
            .previous_response_id
            .clone_from(&self.previous_response_id);
        if self.no_store {
            input.strip_item_ids();
        }
        Ok(input)
    }
}

impl InputArgs {
    /// The typed `POST responses` body of these flags alone: model, input (items, then the
    /// prompt), instructions, `store` and `previous_response_id`.
    pub fn base_request(&self) -> Result<ResponsesApiRequest, String> {
        let mut request = ResponsesApiRequest::new(self.model.as_str()).input(self.user_input()?);
        request.instructions.clone_from(&self.instructions);
        if self.store {
            request.store = Some(true);
        }
        if self.no_store {
            request.store = Some(false);
        }
        request
            .previous_response_id
            .clone_from(&self.previous_response_id);
        Ok(request)
    }
}

impl RequestArgs {
    /// The typed `POST responses` body these flags describe.
    pub fn responses_request(&self) -> Result<ResponsesApiRequest, String> {
        let flags = &self.responses;
        let mut request = self.input.base_request()?;
        if let Some(effort) = &flags.reasoning_effort {
            request.reasoning =
                Some(Reasoning::default().effort(ReasoningEffort::from(effort.as_str())));
        }
        for spec in &flags.tool_function {
            request.tools.push(parse_tool_function(spec)?);
        }
        if flags.background {
            request.background = Some(true);
        }
        request.max_output_tokens = flags.max_output_tokens;
        let format = flags
            .json_schema
            .as_ref()
            .map(read_json_schema)
            .transpose()?;
        if flags.text_verbosity.is_some() || format.is_some() {
            let mut text = TextControls::default();
            text.verbosity = flags.text_verbosity.as_deref().map(Verbosity::from);
            text.format = format;
            request.text = Some(text);
        }
        Ok(request)
    }

    /// The prepared request (endpoint + encoded body) for `endpoint`.
    pub fn prepare(
        &self,
        endpoint: EndpointName,
        provider: &Provider,
    ) -> Result<PreparedRequest, String> {
        let prepared = match endpoint {
            EndpointName::Responses => {
                PreparedRequest::responses(provider, self.responses_request()?)
            }
            EndpointName::Compact => {
                PreparedRequest::compact(provider, self.input.compaction_input()?)
            }
            EndpointName::Memories => {
                let memory = RawMemory::new("cli-1", "-", self.input.user_input()?);
                PreparedRequest::summarize_memories(&MemorySummarizeInput::new(
                    self.input.model.as_str(),
                    vec![memory],
                ))
            }
            EndpointName::Models => Ok(PreparedRequest::list_models(Some(env!(
                "CARGO_PKG_VERSION"
            )))),
        };
        prepared.map_err(|err| format!("cannot build the request: {err}"))
    }
}

fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.is_empty())
}

fn parse_tool_function(spec: &str) -> Result<Tool, String> {
    let (name, schema) = spec
        .split_once(':')
        .ok_or_else(|| format!("--tool-function wants NAME:JSON_SCHEMA, got {spec:?}"))?;
    if name.is_empty() {
        return Err("--tool-function: the function name is empty".to_owned());
    }
    let parameters: Value = serde_json::from_str(schema)
        .map_err(|err| format!("--tool-function {name}: the schema is not JSON: {err}"))?;
    let mut tool = Tool::function(name, "", parameters);
    if let Tool::Function(function) = &mut tool {
        function.description = None;
    }
    Ok(tool)
}

fn read_json_schema(path: &PathBuf) -> Result<TextFormat, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|err| format!("cannot read {}: {err}", path.display()))?;
    let schema: Value = serde_json::from_str(&text)
        .map_err(|err| format!("{} is not JSON: {err}", path.display()))?;
    if !schema.is_object() {
        return Err(format!(
            "{} must hold a JSON schema (a JSON object), not {}",
            path.display(),
            json_kind(text.trim())
        ));
    }
    let name = path
        .file_stem()
        .and_then(|stem| stem.to_str())
        .map(|stem| {
            stem.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect::<String>()
        })
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "schema".to_owned());
    let mut format = JsonSchemaFormat::new(name, schema);
    format.strict = Some(true);
    Ok(TextFormat::JsonSchema(format))
}

/// The input items of `--input-file`: a JSON array of items, read from `path` (`-`: standard
/// input). Every member of every item is kept as written. Errors name the file (`stdin`) and,
/// for JSON that does not parse or an item that does not decode, the line and column in it.
pub fn read_input_items(path: &std::path::Path) -> Result<Vec<ResponseItem>, String> {
    let from_stdin = path.as_os_str() == "-";
    let text = if from_stdin {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|err| format!("cannot read input items from stdin: {err}"))?;
        text
    } else {
        std::fs::read_to_string(path)
            .map_err(|err| format!("cannot read {}: {err}", path.display()))?
    };
    let name = if from_stdin {
        "stdin".to_owned()
    } else {
        path.display().to_string()
    };
    // Parsed as written (surrounding whitespace included), so that serde's line and column
    // are the file's.
    let value: &serde_json::value::RawValue =
        serde_json::from_str(&text).map_err(|err| format!("{name} is not valid JSON: {err}"))?;
    if !value.get().starts_with('[') {
        return Err(format!(
            "{name} must hold a JSON array of input items, not {}",
            json_kind(value.get())
        ));
    }
    let items: Vec<&serde_json::value::RawValue> =
        serde_json::from_str(&text).map_err(|err| format!("{name} is not valid JSON: {err}"))?;
    items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            serde_json::from_str(item.get()).map_err(|err| {
                format!(
                    "{name}: input item {index} is invalid: {}",
                    error_in(&text, item.get(), &err)
                )
            })
        })
        .collect()
}

/// `err`, an error decoding `item` (a slice of `text`), with its line and column counted in
/// `text` instead of in `item`.
fn error_in(text: &str, item: &str, err: &serde_json::Error) -> String {
    let message = err.to_string();
    let suffix = format!(" at line {} column {}", err.line(), err.column());
    let Some(message) = message.strip_suffix(&suffix) else {
        return message;
    };
    // Where `item` starts in `text` (it borrows from it), and where the error is in `item`:
    // serde's column is the byte offset from the start of its line.
    let start = (item.as_ptr() as usize).wrapping_sub(text.as_ptr() as usize);
    if start > text.len() {
        return format!("{message}{suffix}");
    }
    let line_start = match err.line() {
        0 | 1 => 0,
        line => item
            .match_indices('\n')
            .nth(line - 2)
            .map_or(item.len(), |(newline, _)| newline + 1),
    };
    let at = (start + line_start + err.column()).min(text.len());
    let before = &text.as_bytes()[..at];
    let line = 1 + before.iter().filter(|&&byte| byte == b'\n').count();
    let column = at
        - before
            .iter()
            .rposition(|&byte| byte == b'\n')
            .map_or(0, |i| i + 1);
    format!("{message} at line {line} column {column}")
}

/// What kind of JSON value `text` (valid JSON) is, for messages.
fn json_kind(text: &str) -> &'static str {
    match text.as_bytes().first() {
        Some(b'{') => "an object",
        Some(b'"') => "a string",
        Some(b'[') => "an array",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        _ => "a number",
    }
}
