//! `codex-api stream`, `compact` and `models`: calls against a real server (the Responses
//! resource and Conversations are in [`crate::resources`]).

use std::io::Write;
use std::process::ExitCode;

use clap::Args;
use codex_api_core::client_config::Transport;
use codex_api_core::request::ResponsesOptions;
use codex_api_core::stream::ResponseEvent;
use codex_api_core::wire::ResponseItem;
use serde_json::json;

use crate::render::{failure_json, failure_text, item_json, rate_limits_text};
use crate::request_args::{InputArgs, RequestArgs, ServerArgs};
use crate::runtime::{RuntimeName, TransportName, open_session};
use crate::session::{
    Auth, Failure, Output, ResumeNotice, SessionConfig, StreamEnd, View, exit_code,
};

/// Flags of `stream`.
#[derive(Debug, Args)]
pub struct StreamArgs {
    /// Print machine-readable JSON: one line per event; a failure as one `{"error":{...}}`
    /// object.
    #[arg(long)]
    pub json: bool,
    /// The runtime adapter that makes the call.
    #[arg(long, value_enum, default_value = "tokio")]
    runtime: RuntimeName,
    /// How the request reaches the server: `http` (server-sent events) or `websocket` (a
    /// `response.create` message over `wss://…/responses`, permessage-deflate offered; the
    /// same output). A `426` or a connection-level failure of the WebSocket falls back to
    /// HTTP (one line on stderr); `--background` always goes over HTTP.
    #[arg(long, value_enum, default_value = "http", value_name = "TRANSPORT")]
    transport: TransportName,
    #[command(flatten)]
    request: RequestArgs,
}

/// Flags of `compact`.
#[derive(Debug, Args)]
pub struct CompactArgs {
    /// Print a failure as one `{"error":{...}}` object on stdout (the reply is JSON anyway).
    #[arg(long)]
    pub json: bool,
    /// The runtime adapter that makes the call.
    #[arg(long, value_enum, default_value = "tokio")]
    runtime: RuntimeName,
    #[command(flatten)]
    input: InputArgs,
}

/// Flags of `models`.
#[derive(Debug, Args)]
pub struct ModelsArgs {
    /// Print machine-readable JSON: the models and the etag; a failure as one
    /// `{"error":{...}}` object.
    #[arg(long)]
    pub json: bool,
    /// The runtime adapter that makes the call.
    #[arg(long, value_enum, default_value = "tokio")]
    runtime: RuntimeName,
    #[command(flatten)]
    server: ServerArgs,
}

/// The session for `server`. With `resumes` (human output), each resume of a cut background
/// stream is announced by one line on stderr.
pub fn session_config(server: &ServerArgs, resumes: bool) -> Result<SessionConfig, String> {
    Ok(SessionConfig {
        provider: server.provider()?,
        auth: Auth::Static(server.credentials()?),
        policy: None,
        attempts: None,
        resumes: resumes.then(ResumeNotice::default),
        direct: false,
        transport: Transport::Http,
    })
}

/// Reports a failed call: one line on stderr, or one JSON object on stdout with `--json`.
pub fn fail(failure: &Failure, json: bool) -> ExitCode {
    if json {
        println!("{}", failure_json(failure));
    } else {
        eprintln!("{}", failure_text(failure));
    }
    ExitCode::from(exit_code(&failure.kind))
}

/// Run `codex-api stream`.
pub fn stream(args: &StreamArgs) -> Result<ExitCode, String> {
    let request = args.request.responses_request()?;
    let mut config = session_config(&args.request.input.server, !args.json)?;
    config.transport = args.transport.transport();
    let mut session = open_session(args.runtime, config)?;
    let code = print_stream(args.json, |view, sink| {
        session.stream(request, ResponsesOptions::new(), view, sink)
    });
    if !args.json && session.fell_back_to_http() {
        eprintln!("codex-api: the WebSocket transport was unavailable; streamed over HTTP");
    }
    Ok(code)
}

/// Prints the stream `call` runs: one JSON line per raw event with `json`, else the text as it
/// streams (function calls on their own lines, rate limits and usage on stderr). A failure
/// is reported as [`fail`] does.
pub fn print_stream(
    json: bool,
    call: impl FnOnce(View, &mut dyn FnMut(Output)) -> Result<StreamEnd, Failure>,
) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    let view = if json { View::Raw } else { View::Codex };
    // Whether the text printed so far ends inside a line (so a line feed is owed before the
    // next block, and at the end).
    let mut open_line = false;
    let result = call(view, &mut |output| {
        let _ = match output {
            Output::Raw(item) => writeln!(stdout, "{}", item_json(&item)),
            Output::Event(event) => print_event(&mut stdout, &event, &mut open_line),
        };
        let _ = stdout.flush();
    });
    match result {
        Ok(_) => ExitCode::SUCCESS,
        Err(failure) => {
            if open_line {
                // End the partial text line before the error goes to stderr.
                let _ = writeln!(stdout);
            }
            drop(stdout);
            fail(&failure, json)
        }
    }
}

/// Prints one Codex-level event for people: the text as it streams, function calls on their
/// own lines, rate limits and usage on stderr. `open_line` tracks whether stdout ends inside a
/// line, so that no empty line is ever printed.
fn print_event(
    out: &mut impl Write,
    event: &ResponseEvent,
    open_line: &mut bool,
) -> std::io::Result<()> {
    match event {
        ResponseEvent::OutputTextDelta { delta, .. } => {
            if !delta.is_empty() {
                *open_line = !delta.ends_with('\n');
            }
            write!(out, "{delta}")
        }
        ResponseEvent::OutputItemDone(ResponseItem::FunctionCall(call)) => {
            if std::mem::take(open_line) {
                writeln!(out)?;
            }
            writeln!(out, "[function call {}({})]", call.name, call.arguments)
        }
        ResponseEvent::RateLimits(snapshot) => {
            eprintln!("[rate limits] {}", rate_limits_text(snapshot));
            Ok(())
        }
        ResponseEvent::Completed { token_usage, .. } => {
            if std::mem::take(open_line) {
                writeln!(out)?;
            }
            if let Some(usage) = token_usage {
                eprintln!(
                    "[usage] {} input, {} output, {} total tokens",
                    usage.input_tokens, usage.output_tokens, usage.total_tokens
                );
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Run `codex-api compact`.
pub fn compact(args: &CompactArgs) -> Result<ExitCode, String> {
    let input = args.input.compaction_input()?;
    let mut session = open_session(args.runtime, session_config(&args.input.server, false)?)?;
    match session.compact(input, ResponsesOptions::new()) {
        Ok(output) => {
            let text = serde_json::to_string(&output)
                .map_err(|err| format!("cannot encode the reply: {err}"))?;
            println!("{text}");
            Ok(ExitCode::SUCCESS)
        }
        Err(failure) => Ok(fail(&failure, args.json)),
    }
}

/// Run `codex-api models`.
pub fn models(args: &ModelsArgs) -> Result<ExitCode, String> {
    let mut session = open_session(args.runtime, session_config(&args.server, false)?)?;
    match session.list_models() {
        Ok(models) => {
            if args.json {
                let slugs: Vec<_> = models.models.iter().map(|m| m.slug.as_str()).collect();
                println!("{}", json!({"models": slugs, "etag": models.etag}));
            } else {
                for model in &models.models {
                    println!("{}", model.slug);
                }
                if let Some(etag) = &models.etag {
                    eprintln!("[etag] {etag}");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(failure) => Ok(fail(&failure, args.json)),
    }
}
