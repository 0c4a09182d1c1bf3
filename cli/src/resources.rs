//! `codex-api create`, `get`, `cancel`, `delete`, `input-items`, `count-tokens` and
//! `conversation create|get|delete|items`: the Responses resource and Conversations on a real
//! server.
//!
//! Human output is short lines on stdout; `--json` prints the server's object exactly as the
//! typed value re-encodes it (the wire types are lossless), and a listing as JSON Lines (one
//! item per line, printed as its page arrives). Failures are reported as `stream` reports
//! them: one `codex-api: ` line on stderr (one `{"error":{...}}` object with `--json`), the exit
//! code from the error's kind.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};
use codex_api_core::request::{ListParams, RetrieveOptions};
use codex_api_core::wire::{
    ContentPart, ConversationCreate, Deletion, ListOrder, Response, ResponseItem, ResponseStatus,
};
use serde::Serialize;
use serde_json::Value;

use crate::remote::{fail, print_stream, session_config};
use crate::request_args::{InputArgs, RequestArgs, ServerArgs, read_input_items};
use crate::resource_session::Listing;
use crate::runtime::{RuntimeName, open_session};
use crate::session::{Failure, Session};

/// Flags of every resource command: the output, the runtime and the server.
#[derive(Debug, Args)]
pub struct CallArgs {
    /// Print machine-readable JSON: the server's object as it sent it (a listing: one item per
    /// line); a failure as one `{"error":{...}}` object.
    #[arg(long)]
    pub json: bool,
    /// The runtime adapter that makes the call.
    #[arg(long, value_enum, default_value = "tokio")]
    runtime: RuntimeName,
    #[command(flatten)]
    server: ServerArgs,
}

/// Flags of `create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Print the `Response` object as JSON; a failure as one `{"error":{...}}` object.
    #[arg(long)]
    pub json: bool,
    /// The runtime adapter that makes the call.
    #[arg(long, value_enum, default_value = "tokio")]
    runtime: RuntimeName,
    #[command(flatten)]
    request: RequestArgs,
}

/// Flags of `get`.
#[derive(Debug, Args)]
pub struct GetArgs {
    /// The response id (`resp_...`).
    #[arg(value_name = "ID")]
    id: String,
    /// Stream the response's events (`?stream=true`, a background response) as `stream`
    /// prints them, instead of fetching the object.
    #[arg(long)]
    stream: bool,
    /// With `--stream`: only the events after this sequence number.
    #[arg(long, value_name = "N", requires = "stream")]
    starting_after: Option<u64>,
    /// Extra output to include (`include[]`, e.g. `reasoning.encrypted_content`; repeatable).
    #[arg(long, value_name = "VALUE")]
    include: Vec<String>,
    #[command(flatten)]
    pub call: CallArgs,
}

/// Flags of the commands that take one id (`cancel`, `delete`, `conversation get|delete`).
#[derive(Debug, Args)]
pub struct IdArgs {
    /// The response id (`resp_...`), or the conversation id (`conv_...`).
    #[arg(value_name = "ID")]
    id: String,
    #[command(flatten)]
    pub call: CallArgs,
}

/// Flags of the listings (`input-items`, `conversation items`).
#[derive(Debug, Args)]
pub struct ListArgs {
    /// The id of the response (or conversation) whose items to list.
    #[arg(value_name = "ID")]
    id: String,
    /// Items per page (1 to 100; the server's default is 20). Every page is fetched, lazily.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100))]
    limit: Option<u32>,
    /// The order of the items (the server's default is `desc`, newest first).
    #[arg(long, value_enum)]
    order: Option<Order>,
    #[command(flatten)]
    pub call: CallArgs,
}

/// The order of a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Order {
    /// Oldest first.
    Asc,
    /// Newest first.
    Desc,
}

/// Flags of `count-tokens`.
#[derive(Debug, Args)]
pub struct CountTokensArgs {
    /// Print the `InputTokenCount` object as JSON; a failure as one `{"error":{...}}` object.
    #[arg(long)]
    pub json: bool,
    /// The runtime adapter that makes the call.
    #[arg(long, value_enum, default_value = "tokio")]
    runtime: RuntimeName,
    #[command(flatten)]
    input: InputArgs,
}

/// `conversation` and its subcommands.
#[derive(Debug, Args)]
pub struct ConversationArgs {
    #[command(subcommand)]
    command: ConversationCommand,
}

#[derive(Debug, Subcommand)]
enum ConversationCommand {
    /// Create a conversation (`POST conversations`); prints its id.
    Create(ConversationCreateArgs),
    /// Print a conversation (`GET conversations/{id}`): id, creation time, metadata.
    Get(IdArgs),
    /// Delete a conversation (`DELETE conversations/{id}`).
    Delete(IdArgs),
    /// List every item of a conversation (`GET conversations/{id}/items`, all pages): one
    /// line per item (type, id, and a message's role and text); `--json`: one item per line.
    Items(ListArgs),
}

/// Flags of `conversation create`.
#[derive(Debug, Args)]
struct ConversationCreateArgs {
    /// Metadata: a JSON object of up to 16 string pairs, e.g. `{"topic":"demo"}`.
    #[arg(long, value_name = "JSON")]
    metadata: Option<String>,
    /// Initial items: a JSON array of input items, from FILE or `-` (standard input).
    #[arg(long, value_name = "FILE|-")]
    input_file: Option<PathBuf>,
    #[command(flatten)]
    call: CallArgs,
}

impl ConversationArgs {
    /// Whether `--json` was given.
    pub fn json(&self) -> bool {
        match &self.command {
            ConversationCommand::Create(args) => args.call.json,
            ConversationCommand::Get(args) | ConversationCommand::Delete(args) => args.call.json,
            ConversationCommand::Items(args) => args.call.json,
        }
    }
}

fn open(call: &CallArgs) -> Result<Box<dyn Session>, String> {
    open_session(call.runtime, session_config(&call.server, false)?)
}

/// `id`, unless it is empty (or only spaces): no request can name it.
fn checked<'a>(id: &'a str, what: &str) -> Result<&'a str, String> {
    if id.trim().is_empty() {
        Err(format!("the {what} id is empty"))
    } else {
        Ok(id)
    }
}

fn print_json<T: Serialize>(value: &T) -> Result<(), String> {
    let text =
        serde_json::to_string(value).map_err(|err| format!("cannot encode the reply: {err}"))?;
    println!("{text}");
    Ok(())
}

/// Prints the reply (JSON with `json`, else as `human` prints it), or reports the failure.
fn report<T: Serialize>(
    result: Result<T, Failure>,
    json: bool,
    human: impl FnOnce(&T),
) -> Result<ExitCode, String> {
    match result {
        Ok(value) if json => print_json(&value).map(|()| ExitCode::SUCCESS),
        Ok(value) => {
            human(&value);
            Ok(ExitCode::SUCCESS)
        }
        Err(failure) => Ok(fail(&failure, json)),
    }
}

/// A deletion: `resp_1 deleted` (or the object with `--json`); exit code 1 when the server
/// says it did not delete it.
fn report_deletion(result: Result<Deletion, Failure>, json: bool) -> Result<ExitCode, String> {
    let deleted = result.as_ref().is_ok_and(|deletion| deletion.deleted);
    let code = report(result, json, |deletion| {
        if deletion.deleted {
            println!("{} deleted", deletion.id);
        } else {
            println!("{} not deleted", deletion.id);
        }
    })?;
    Ok(if deleted || code != ExitCode::SUCCESS {
        code
    } else {
        ExitCode::FAILURE
    })
}

fn status(response: &Response) -> &str {
    response.status.as_ref().map_or("unknown", |s| s.as_str())
}

/// A response for people: `resp_1 completed` (with `header`), then its output text and
/// function calls on stdout; why it failed or is incomplete on stderr.
fn print_response(response: &Response, header: bool) {
    let mut out = std::io::stdout().lock();
    if header {
        let _ = writeln!(out, "{} {}", response.id, status(response));
    }
    let text = response.output_text();
    if !text.is_empty() {
        let _ = write!(out, "{text}");
        if !text.ends_with('\n') {
            let _ = writeln!(out);
        }
    }
    for call in response.function_calls() {
        let _ = writeln!(out, "[function call {}({})]", call.name, call.arguments);
    }
    let _ = out.flush();
    match &response.status {
        Some(ResponseStatus::Failed) => {
            let message = response.error.as_ref().map_or("", |e| e.message.as_str());
            eprintln!("codex-api: response {} failed: {message}", response.id);
        }
        Some(ResponseStatus::Incomplete) => {
            let reason = response
                .incomplete_details
                .as_ref()
                .and_then(|details| details.reason.as_deref())
                .unwrap_or("no reason given");
            eprintln!("codex-api: response {} incomplete: {reason}", response.id);
        }
        _ => {}
    }
}

/// One item for people: its type, its id (`-` without one), and for a message its role and
/// text (line breaks written `\n`, so that each item stays one line).
fn item_line(item: &ResponseItem) -> String {
    let mut line = format!("{} {}", item.kind(), item.id().unwrap_or("-"));
    if let ResponseItem::Message(message) = item {
        let text: String = message
            .content
            .iter()
            .filter_map(ContentPart::text)
            .collect();
        let text = text.replace('\r', "\\r").replace('\n', "\\n");
        line.push_str(&format!(" {}: {text}", message.role.as_str()));
    }
    line
}

/// Run `codex-api create`.
pub fn create(args: &CreateArgs) -> Result<ExitCode, String> {
    let request = args.request.responses_request()?;
    let background = request.background == Some(true);
    let mut session = open_session(
        args.runtime,
        session_config(&args.request.input.server, false)?,
    )?;
    report(session.create(request), args.json, |response| {
        if background {
            // Queued: what to `get`, `get --stream` or `cancel` later.
            println!("{} {}", response.id, status(response));
        } else {
            print_response(response, false);
        }
    })
}

/// Run `codex-api get`.
pub fn get(args: &GetArgs) -> Result<ExitCode, String> {
    let id = checked(&args.id, "response")?;
    let mut options = RetrieveOptions::new();
    for value in &args.include {
        options = options.include(value.as_str());
    }
    if args.stream {
        let config = session_config(&args.call.server, !args.call.json)?;
        let mut session = open_session(args.call.runtime, config)?;
        return Ok(print_stream(args.call.json, |view, sink| {
            session.stream_stored(id, args.starting_after, &options, view, sink)
        }));
    }
    let mut session = open(&args.call)?;
    report(session.retrieve(id, &options), args.call.json, |response| {
        print_response(response, true);
    })
}

/// Run `codex-api cancel`.
pub fn cancel(args: &IdArgs) -> Result<ExitCode, String> {
    let id = checked(&args.id, "response")?;
    let mut session = open(&args.call)?;
    report(session.cancel(id), args.call.json, |response| {
        println!("{} {}", response.id, status(response));
    })
}

/// Run `codex-api delete`.
pub fn delete(args: &IdArgs) -> Result<ExitCode, String> {
    let id = checked(&args.id, "response")?;
    let mut session = open(&args.call)?;
    report_deletion(session.delete(id), args.call.json)
}

/// Run `codex-api input-items` (and `conversation items`).
pub fn list(args: &ListArgs, listing: Listing) -> Result<ExitCode, String> {
    let what = match listing {
        Listing::InputItems => "response",
        Listing::ConversationItems => "conversation",
    };
    let id = checked(&args.id, what)?;
    let mut params = ListParams::new();
    if let Some(limit) = args.limit {
        params = params.limit(limit);
    }
    if let Some(order) = args.order {
        params = params.order(match order {
            Order::Asc => ListOrder::Asc,
            Order::Desc => ListOrder::Desc,
        });
    }
    let mut session = open(&args.call)?;
    let json = args.call.json;
    let mut out = std::io::stdout().lock();
    let mut encode_error = None;
    let result = session.list_items(listing, id, params, &mut |item| {
        let line = if json {
            serde_json::to_string(&item).unwrap_or_else(|err| {
                encode_error.get_or_insert_with(|| format!("cannot encode an item: {err}"));
                String::new()
            })
        } else {
            item_line(&item)
        };
        if !line.is_empty() {
            let _ = writeln!(out, "{line}");
            let _ = out.flush();
        }
    });
    drop(out);
    match (result, encode_error) {
        (Err(failure), _) => Ok(fail(&failure, json)),
        (Ok(_), Some(error)) => Err(error),
        (Ok(_), None) => Ok(ExitCode::SUCCESS),
    }
}

/// Run `codex-api count-tokens`.
pub fn count_tokens(args: &CountTokensArgs) -> Result<ExitCode, String> {
    let request = args.input.base_request()?;
    let mut session = open_session(args.runtime, session_config(&args.input.server, false)?)?;
    report(session.count_input_tokens(request), args.json, |count| {
        println!("{}", count.input_tokens);
    })
}

/// Run `codex-api conversation ...`.
pub fn conversation(args: &ConversationArgs) -> Result<ExitCode, String> {
    match &args.command {
        ConversationCommand::Create(args) => create_conversation(args),
        ConversationCommand::Get(args) => {
            let id = checked(&args.id, "conversation")?;
            let mut session = open(&args.call)?;
            report(session.retrieve_conversation(id), args.call.json, |c| {
                println!("{}", c.id);
                if let Some(created_at) = &c.created_at {
                    let at = serde_json::to_string(created_at).unwrap_or_default();
                    println!("created at {at}");
                }
                if let Some(metadata) = &c.metadata {
                    println!("metadata {metadata}");
                }
            })
        }
        ConversationCommand::Delete(args) => {
            let id = checked(&args.id, "conversation")?;
            let mut session = open(&args.call)?;
            report_deletion(session.delete_conversation(id), args.call.json)
        }
        ConversationCommand::Items(args) => list(args, Listing::ConversationItems),
    }
}

fn create_conversation(args: &ConversationCreateArgs) -> Result<ExitCode, String> {
    let mut body = ConversationCreate::new();
    if let Some(text) = &args.metadata {
        let metadata: Value = serde_json::from_str(text)
            .map_err(|err| format!("--metadata is not valid JSON: {err}"))?;
        if !metadata.is_object() {
            return Err("--metadata must be a JSON object, e.g. {\"topic\":\"demo\"}".to_owned());
        }
        body = body.metadata(metadata);
    }
    if let Some(path) = &args.input_file {
        body = body.items(read_input_items(path)?);
    }
    let mut session = open(&args.call)?;
    report(session.create_conversation(body), args.call.json, |c| {
        println!("{}", c.id);
    })
}
