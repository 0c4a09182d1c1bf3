//! `codex-api stream`, `compact` and `models`: calls against a real server.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;
use codex_api_core::request::ResponsesOptions;
use codex_api_core::stream::ResponseEvent;
use codex_api_core::wire::{CompactionInput, ResponseItem};
use serde_json::json;

use crate::render::{failure_text, item_json, rate_limits_text};
use crate::request_args::RequestArgs;
use crate::runtime::{RuntimeName, open_session};
use crate::session::{Auth, Failure, Output, SessionConfig, View, exit_code};

/// Flags shared by the remote subcommands.
#[derive(Debug, Args)]
pub struct RemoteArgs {
    /// Print machine-readable JSON (one line per event for `stream`).
    #[arg(long)]
    json: bool,
    /// The runtime adapter that makes the call.
    #[arg(long, value_enum, default_value = "tokio")]
    runtime: RuntimeName,
    #[command(flatten)]
    request: RequestArgs,
}

fn session_config(args: &RequestArgs) -> Result<SessionConfig, String> {
    Ok(SessionConfig {
        provider: args.provider()?,
        auth: Auth::Static(args.credentials()),
        policy: None,
        attempts: None,
        direct: false,
    })
}

fn fail(failure: &Failure) -> ExitCode {
    eprintln!("{}", failure_text(failure));
    ExitCode::from(exit_code(&failure.kind))
}

/// Run `codex-api stream`.
pub fn stream(args: &RemoteArgs) -> Result<ExitCode, String> {
    let request = args.request.responses_request()?;
    let mut session = open_session(args.runtime, session_config(&args.request)?)?;
    let mut stdout = std::io::stdout().lock();
    let view = if args.json { View::Raw } else { View::Codex };
    let result = session.stream(request, ResponsesOptions::new(), view, &mut |output| {
        let _ = match output {
            Output::Raw(item) => writeln!(stdout, "{}", item_json(&item)),
            Output::Event(event) => print_event(&mut stdout, &event),
        };
        let _ = stdout.flush();
    });
    match result {
        Ok(_) => Ok(ExitCode::SUCCESS),
        Err(failure) => {
            let _ = writeln!(stdout);
            Ok(fail(&failure))
        }
    }
}

fn print_event(out: &mut impl Write, event: &ResponseEvent) -> std::io::Result<()> {
    match event {
        ResponseEvent::OutputTextDelta { delta, .. } => write!(out, "{delta}"),
        ResponseEvent::OutputItemDone(ResponseItem::FunctionCall(call)) => {
            writeln!(out, "\n[function call {}({})]", call.name, call.arguments)
        }
        ResponseEvent::RateLimits(snapshot) => {
            eprintln!("[rate limits] {}", rate_limits_text(snapshot));
            Ok(())
        }
        ResponseEvent::Completed { token_usage, .. } => {
            writeln!(out)?;
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
pub fn compact(args: &RemoteArgs) -> Result<ExitCode, String> {
    let prompt = args.request.prompt_text()?;
    let mut input = CompactionInput::new(
        args.request.model.as_str(),
        vec![ResponseItem::text_message(
            codex_api_core::wire::Role::User,
            prompt,
        )],
    );
    input.instructions.clone_from(&args.request.instructions);
    let mut session = open_session(args.runtime, session_config(&args.request)?)?;
    match session.compact(input, ResponsesOptions::new()) {
        Ok(output) => {
            let text = serde_json::to_string(&output)
                .map_err(|err| format!("cannot encode the reply: {err}"))?;
            println!("{text}");
            Ok(ExitCode::SUCCESS)
        }
        Err(failure) => Ok(fail(&failure)),
    }
}

/// Run `codex-api models`.
pub fn models(args: &RemoteArgs) -> Result<ExitCode, String> {
    let mut session = open_session(args.runtime, session_config(&args.request)?)?;
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
        Err(failure) => Ok(fail(&failure)),
    }
}
