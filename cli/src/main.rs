//! # codex-api
//!
//! The command-line tool of codex-api. Subcommands:
//!
//! - `replay [--json] [--chunk-size N] FILE|-`: decode a recorded `text/event-stream` body and print
//!   its frames (human-readable, or one JSON document with `--json`).
//! - `request [--dry-run] [--endpoint responses|compact|memories|models] [flags] [PROMPT|-]`:
//!   build a request exactly as it would be sent and print it as JSON, secrets redacted (a dry
//!   run is its only mode; nothing is sent).
//! - `stream [--background] [--transport http|websocket] [flags] [PROMPT|-]`, `compact`,
//!   `models`: calls to a real server.
//! - `demo [--runtime R] [--transport http|websocket]`: a scripted tool loop against an
//!   embedded test server (over WebSocket: one connection, turns chained).
//! - `create`, `get ID [--stream [--starting-after N]]`, `cancel ID`, `delete ID`,
//!   `input-items ID`, `count-tokens`, `conversation create|get|delete|items`: the Responses
//!   resource and Conversations; `--json` prints the server's object (a listing: JSON Lines).
//!
//! ```text
//! $ codex-api replay --json cli/samples/text_and_tool_call.sse
//! {"decode":{"frames":[...],"frame_count":18,...}}
//! ```
#![forbid(unsafe_code)]

mod demo;
mod dry_run;
mod remote;
mod render;
mod replay;
mod request_args;
mod resource_session;
mod resources;
mod runtime;
mod runtime_session;
mod session;

use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{Parser, Subcommand};

/// A Rust client for the OpenAI Responses API, as a command-line tool.
#[derive(Debug, Parser)]
#[command(name = "codex-api", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a scripted session against an embedded test server: streaming, a tool call, a 401
    /// recovered by a token refresh, a 429 retried after its `retry-after`; with
    /// `--transport websocket`, every turn on one WebSocket connection, chained.
    Demo(demo::DemoArgs),
    /// Stream a response from a real server (`OPENAI_API_KEY`, `OPENAI_BASE_URL`), over HTTP
    /// or, with `--transport websocket`, a WebSocket connection (same output). With
    /// `--background`, a cut stream resumes by itself; each resume is one line on stderr.
    Stream(Box<remote::StreamArgs>),
    /// Create a response without streaming (`POST responses`) and print its output text; with
    /// `--background`, its id and status (`resp_... queued`).
    Create(Box<resources::CreateArgs>),
    /// Print a stored response (`GET responses/{id}`): id and status, then its output text;
    /// with `--stream`, its events as `stream` prints them.
    Get(Box<resources::GetArgs>),
    /// Cancel a background response (`POST responses/{id}/cancel`); prints its id and status.
    Cancel(Box<resources::IdArgs>),
    /// Delete a stored response (`DELETE responses/{id}`).
    Delete(Box<resources::IdArgs>),
    /// List every input item of a response (`GET responses/{id}/input_items`, all pages): one
    /// line per item (type, id, and a message's role and text); `--json`: one item per line.
    InputItems(Box<resources::ListArgs>),
    /// Count the input tokens a request would use (`POST responses/input_tokens`).
    CountTokens(Box<resources::CountTokensArgs>),
    /// Create, print, delete a conversation, or list its items (the Conversations API).
    Conversation(Box<resources::ConversationArgs>),
    /// Compact a conversation (`POST responses/compact`) on a real server.
    Compact(Box<remote::CompactArgs>),
    /// List the models of a real server (`GET models`).
    Models(Box<remote::ModelsArgs>),
    /// Decode a recorded server-sent-events body (a file, or `-` for stdin) and print its frames.
    Replay(replay::ReplayArgs),
    /// Build a request exactly as it would be sent and print it as JSON, secrets redacted
    /// (a dry run: nothing is sent).
    Request(Box<dry_run::RequestCommandArgs>),
}

impl Command {
    /// Whether failures are reported as one JSON object on stdout (`--json`).
    fn json(&self) -> bool {
        match self {
            Command::Stream(args) => args.json,
            Command::Compact(args) => args.json,
            Command::Models(args) => args.json,
            Command::Replay(args) => args.json,
            Command::Create(args) => args.json,
            Command::Get(args) => args.call.json,
            Command::Cancel(args) | Command::Delete(args) => args.call.json,
            Command::InputItems(args) => args.call.json,
            Command::CountTokens(args) => args.json,
            Command::Conversation(args) => args.json(),
            Command::Demo(_) | Command::Request(_) => false,
        }
    }
}

/// Subcommands that take `--json`.
const JSON_COMMANDS: &[&str] = &[
    "stream",
    "compact",
    "models",
    "replay",
    "create",
    "get",
    "cancel",
    "delete",
    "input-items",
    "count-tokens",
    "conversation",
];

/// Reports a failure that happened before any call (bad flags, a missing key, an unreadable
/// file): one `codex-api: ` line on stderr, or with `--json` one `{"error":{...}}` object on
/// stdout (kind `usage`). Exit code 2.
fn usage_failure(message: &str, json: bool) -> ExitCode {
    if json {
        println!("{}", render::usage_json(message));
    } else {
        eprintln!("codex-api: {message}");
    }
    ExitCode::from(2)
}

/// Parses the command line. Help and version are printed as clap prints them; a usage error
/// is reported like every other failure (one prefix, JSON with `--json`).
fn parse() -> Result<Cli, ExitCode> {
    let error = match Cli::try_parse() {
        Ok(cli) => return Ok(cli),
        Err(error) => error,
    };
    if !error.use_stderr() || error.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        error.exit();
    }
    let args: Vec<_> = std::env::args_os().skip(1).collect();
    let json = args
        .iter()
        .find(|arg| !arg.to_string_lossy().starts_with('-'))
        .is_some_and(|name| JSON_COMMANDS.iter().any(|command| name == *command))
        && args.iter().any(|arg| arg == "--json");
    // clap's text: `error: <what>`, a blank line, the usage and a hint.
    let rendered = error.render().to_string();
    let text = rendered.trim_end();
    let text = text.strip_prefix("error: ").unwrap_or(text);
    if json {
        let first = text.lines().next().unwrap_or_default();
        Err(usage_failure(first, true))
    } else {
        Err(usage_failure(text, false))
    }
}

/// Logs to stderr when `RUST_LOG` is set (e.g. `RUST_LOG=codex_api=debug`): a span per call
/// and per attempt, the same on every runtime. Never credentials: the core's records hold none.
fn init_logging() {
    if std::env::var_os("RUST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .try_init();
    }
}

fn main() -> ExitCode {
    let cli = match parse() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    init_logging();
    let json = cli.command.json();
    let result = match cli.command {
        Command::Demo(args) => demo::run(&args),
        Command::Stream(args) => remote::stream(&args),
        Command::Compact(args) => remote::compact(&args),
        Command::Models(args) => remote::models(&args),
        Command::Replay(args) => replay::run(&args),
        Command::Request(args) => dry_run::run(&args),
        Command::Create(args) => resources::create(&args),
        Command::Get(args) => resources::get(&args),
        Command::Cancel(args) => resources::cancel(&args),
        Command::Delete(args) => resources::delete(&args),
        Command::InputItems(args) => resources::list(&args, resource_session::Listing::InputItems),
        Command::CountTokens(args) => resources::count_tokens(&args),
        Command::Conversation(args) => resources::conversation(&args),
    };
    match result {
        Ok(code) => code,
        Err(message) => usage_failure(&message, json),
    }
}
