//! # codex-api
//!
//! The command-line tool of codex-api. Subcommands:
//!
//! - `replay [--json] [--chunk-size N] FILE|-`: decode a recorded `text/event-stream` body and print
//!   its frames (human-readable, or one JSON document with `--json`).
//! - `request --dry-run [--endpoint responses|compact|memories|models] [flags] [PROMPT|-]`: build
//!   a request exactly as it would be sent and print it as JSON, secrets redacted.
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
mod runtime;
mod runtime_session;
mod session;

use std::process::ExitCode;

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
    /// recovered by a token refresh, a 429 retried after its `retry-after`.
    Demo(demo::DemoArgs),
    /// Stream a response from a real server (`OPENAI_API_KEY`, `OPENAI_BASE_URL`).
    Stream(Box<remote::RemoteArgs>),
    /// Compact a conversation (`POST responses/compact`) on a real server.
    Compact(Box<remote::RemoteArgs>),
    /// List the models of a real server (`GET models`).
    Models(Box<remote::ModelsArgs>),
    /// Decode a recorded server-sent-events body (a file, or `-` for stdin) and print its frames.
    Replay(replay::ReplayArgs),
    /// Build a request exactly as it would be sent and print it as JSON (`--dry-run`).
    Request(Box<dry_run::RequestCommandArgs>),
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
    let cli = Cli::parse();
    init_logging();
    let result = match cli.command {
        Command::Demo(args) => demo::run(&args),
        Command::Stream(args) => remote::stream(&args),
        Command::Compact(args) => remote::compact(&args),
        Command::Models(args) => remote::models(&args),
        Command::Replay(args) => replay::run(&args),
        Command::Request(args) => dry_run::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("codex-api: {err}");
            ExitCode::from(2)
        }
    }
}
