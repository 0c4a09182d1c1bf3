//! `codex-api demo`: a scripted session against the embedded test server, through the chosen
//! runtime adapter. It shows streamed text, a function call and its result sent back, a
//! rate-limit snapshot, a 401 recovered by a token refresh, a 429 retried after its
//! `retry-after`, and a summary with request ids and token usage.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use codex_api_core::call::{AttemptDecision, AttemptRecord};
use codex_api_core::provider::Provider;
use codex_api_core::request::ResponsesOptions;
use codex_api_core::stream::ResponseEvent;
use codex_api_core::wire::{ResponseItem, ResponsesApiRequest, Role, Tool, ToolOutput, Usage};
use codex_api_testkit::{
    RateLimitWindow, Script, ScriptedResponse, TestServer, Transcript, Usage as ScriptedUsage,
};
use serde_json::json;

use crate::render::{failure_text, rate_limits_text};
use crate::runtime::{RuntimeName, open_session};
use crate::session::{
    AttemptLog, Auth, Output, RotatingTokens, Session, SessionConfig, View, exit_code,
};

/// Arguments of `codex-api demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The runtime adapter the session runs on.
    #[arg(long, value_enum, default_value = "tokio")]
    runtime: RuntimeName,
}

const QUESTION: &str = "What's the weather in Zürich?";
const TOOL_RESULT: &str = r#"{"temperature_c":18,"conditions":"sunny"}"#;

fn rate_limit_window(used: f64, minutes: i64) -> RateLimitWindow {
    RateLimitWindow::new(used, minutes, 1_763_800_000)
}

/// The server side of the session, in the order the requests arrive.
fn script() -> Script {
    let expired = ScriptedResponse::json(
        401,
        &json!({"error": {"message": "Your access token has expired.",
                          "type": "invalid_request_error", "code": "token_expired"}}),
    )
    .request_id("req_demo_401");
    let busy = ScriptedResponse::json(
        429,
        &json!({"error": {"message": "Rate limit reached for requests. Please try again in 1s.",
                          "type": "requests", "code": "rate_limit_exceeded"}}),
    )
    .retry_after("1")
    .request_id("req_demo_429");
    let first_turn = Transcript::new()
        .response_id("resp_demo_1")
        .model("gpt-5-codex")
        .created()
        .message(&["Let me ", "check the ", "weather in ", "Zürich."])
        .function_call(
            "get_weather",
            "call_weather_1",
            &["{\"city\":", "\"Zürich\"}"],
        )
        .completed_with_usage(ScriptedUsage::new(412, 57));
    let second_turn = Transcript::new()
        .response_id("resp_demo_2")
        .model("gpt-5-codex")
        .created()
        .message(&["It is ", "18 °C ", "and sunny ", "in Zürich."])
        .rate_limits(Some(rate_limit_window(43.0, 300)), None)
        .completed_with_usage(ScriptedUsage::new(480, 21));
    let stream = |transcript: Transcript, id: &str| {
        ScriptedResponse::sse(transcript.to_body().chunk_delay(Duration::from_millis(25)))
            .request_id(id)
            .codex_rate_limit_headers(
                rate_limit_window(42.0, 300),
                Some(rate_limit_window(7.0, 10_080)),
            )
    };
    Script::new()
        .on("POST", "/v1/responses", expired)
        .on("POST", "/v1/responses", busy)
        .on(
            "POST",
            "/v1/responses",
            stream(first_turn, "req_demo_turn_1"),
        )
        .on(
            "POST",
            "/v1/responses",
            stream(second_turn, "req_demo_turn_2"),
        )
}

fn attempt_line(record: &AttemptRecord) -> String {
    let status = record.status.map_or_else(
        || "no response".to_owned(),
        |s| format!("HTTP {}", s.as_u16()),
    );
    let kind = record
        .error_kind
        .map_or_else(String::new, |k| format!(" {k}"));
    let id = record
        .request_id
        .as_deref()
        .map_or_else(String::new, |id| format!(" (request id {id})"));
    let next = match record.decision {
        AttemptDecision::Retry { delay } => format!(" -> retry in {:.2} s", delay.as_secs_f64()),
        AttemptDecision::RecoverAuth => " -> auth recovery (reload, then refresh token)".to_owned(),
        AttemptDecision::GaveUp { .. } => " -> gave up".to_owned(),
        _ => String::new(),
    };
    format!("  attempt {}: {status}{kind}{id}{next}", record.attempt)
}

/// What one turn produced.
#[derive(Default)]
struct Turn {
    attempts: Vec<AttemptRecord>,
    calls: Vec<ResponseItem>,
    response_id: Option<String>,
    usage: Option<Usage>,
}

fn run_turn(
    session: &mut dyn Session,
    log: &AttemptLog,
    request: ResponsesApiRequest,
    out: &mut dyn Write,
) -> Result<Turn, crate::session::Failure> {
    let mut turn = Turn::default();
    let mut started = false;
    let mut attempts = Vec::new();
    let print_attempts = |out: &mut dyn Write, attempts: &mut Vec<AttemptRecord>| {
        for record in log.take() {
            let _ = writeln!(out, "{}", attempt_line(&record));
            attempts.push(record);
        }
    };
    let end = session.stream(
        request,
        ResponsesOptions::new(),
        View::Codex,
        &mut |output| {
            let Output::Event(event) = output else { return };
            print_attempts(out, &mut attempts);
            match event {
                ResponseEvent::RateLimits(snapshot) => {
                    if started {
                        let _ = writeln!(out);
                        started = false;
                    }
                    let _ = writeln!(out, "  [rate limits] {}", rate_limits_text(&snapshot));
                }
                ResponseEvent::OutputTextDelta { delta, .. } => {
                    if !started {
                        let _ = write!(out, "assistant: ");
                        started = true;
                    }
                    let _ = write!(out, "{delta}");
                }
                ResponseEvent::OutputItemDone(item @ ResponseItem::FunctionCall(_)) => {
                    if let ResponseItem::FunctionCall(call) = &item {
                        let _ = writeln!(
                            out,
                            "\n  [function call {}({}) call_id {}]",
                            call.name, call.arguments, call.call_id
                        );
                    }
                    started = false;
                    turn.calls.push(item);
                }
                ResponseEvent::Completed {
                    response_id,
                    token_usage,
                    ..
                } => {
                    if started {
                        let _ = writeln!(out);
                    }
                    turn.response_id = Some(response_id);
                    turn.usage = token_usage;
                }
                _ => {}
            }
            let _ = out.flush();
        },
    );
    print_attempts(out, &mut attempts);
    turn.attempts = attempts;
    let end = end?;
    if let (Some(response), Some(request_id)) = (&turn.response_id, &end.request_id) {
        let _ = writeln!(out, "  [response {response}, request id {request_id}]");
    }
    Ok(turn)
}

/// Run `codex-api demo`.
pub fn run(args: &DemoArgs) -> Result<ExitCode, String> {
    let server = TestServer::start(script())
        .map_err(|err| format!("cannot start the embedded test server: {err}"))?;
    let provider = Provider::custom("demo", format!("{}/v1", server.url()).as_str())
        .map_err(|err| format!("invalid demo provider: {err}"))?;
    let log = AttemptLog::default();
    let config = SessionConfig {
        provider,
        auth: Auth::Rotating(RotatingTokens::new(vec![
            "demo-token-expired".to_owned(),
            "demo-token-fresh".to_owned(),
        ])),
        policy: None,
        attempts: Some(log.clone()),
        resumes: None,
        direct: true,
    };
    let mut session = open_session(args.runtime, config)?;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "codex-api demo on the {} runtime, against the embedded test server at {}\n",
        args.runtime.name(),
        server.url()
    );

    let tool = Tool::function(
        "get_weather",
        "Current weather for a city.",
        json!({"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}),
    );
    let question = ResponseItem::text_message(Role::User, QUESTION);
    let _ = writeln!(out, "user: {QUESTION}");
    let first = ResponsesApiRequest::new("gpt-5-codex")
        .instructions("You are a helpful assistant.")
        .input(vec![question.clone()])
        .tools(vec![tool.clone()]);
    let turn_one = match run_turn(session.as_mut(), &log, first, &mut out) {
        Ok(turn) => turn,
        Err(failure) => {
            eprintln!("{}", failure_text(&failure));
            return Ok(ExitCode::from(exit_code(&failure.kind)));
        }
    };

    let mut input = vec![question];
    for call in &turn_one.calls {
        if let ResponseItem::FunctionCall(function) = call {
            let _ = writeln!(out, "tool {} -> {TOOL_RESULT}", function.name);
            input.push(call.clone());
            input.push(ResponseItem::function_call_output(
                function.call_id.as_str(),
                ToolOutput::Text(TOOL_RESULT.to_owned()),
            ));
        }
    }
    let second = ResponsesApiRequest::new("gpt-5-codex")
        .instructions("You are a helpful assistant.")
        .input(input)
        .tools(vec![tool]);
    let turn_two = match run_turn(session.as_mut(), &log, second, &mut out) {
        Ok(turn) => turn,
        Err(failure) => {
            eprintln!("{}", failure_text(&failure));
            return Ok(ExitCode::from(exit_code(&failure.kind)));
        }
    };

    let requests = server.requests();
    let refreshed = requests
        .iter()
        .skip(1)
        .all(|request| request.header("authorization") == Some("Bearer demo-token-fresh"));
    let total = |pick: fn(&Usage) -> u64| {
        [&turn_one, &turn_two]
            .iter()
            .filter_map(|turn| turn.usage.as_ref())
            .map(pick)
            .sum::<u64>()
    };
    let _ = writeln!(out, "\nsummary");
    let _ = writeln!(out, "  requests the server received: {}", requests.len());
    let _ = writeln!(
        out,
        "  refreshed credentials on every request after the 401: {}",
        if refreshed { "yes" } else { "no" }
    );
    let request_ids: Vec<&str> = [&turn_one, &turn_two]
        .iter()
        .flat_map(|turn| &turn.attempts)
        .map(|record| record.request_id.as_deref().unwrap_or("-"))
        .collect();
    let _ = writeln!(out, "  request ids: {}", request_ids.join(", "));
    let _ = writeln!(
        out,
        "  token usage: {} input, {} output, {} total",
        total(|u| u.input_tokens),
        total(|u| u.output_tokens),
        total(|u| u.total_tokens)
    );
    Ok(ExitCode::SUCCESS)
}
