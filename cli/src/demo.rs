//! `codex-api demo`: a scripted session against the embedded test server, through the chosen
//! runtime adapter. It shows streamed text, a function call and its result sent back, a
//! rate-limit snapshot, a 401 recovered by a token refresh, a 429 retried after its
//! `retry-after`, and a summary with request ids and token usage.
//!
//! With `--transport websocket` the same tool loop runs over one WebSocket connection
//! (`client.websocket()`): the 401 answers the upgrade request, the 429 is an error message on
//! the connection, and the second turn is chained (`previous_response_id` and only the new
//! items). The summary says how many turns ran on how many connections, whether the
//! connection was reused and deflate negotiated, from the attempt records and what the server
//! recorded.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use codex_api_core::call::{AttemptDecision, AttemptOutcome, AttemptRecord};
use codex_api_core::provider::Provider;
use codex_api_core::request::ResponsesOptions;
use codex_api_core::stream::ResponseEvent;
use codex_api_core::wire::{ResponseItem, ResponsesApiRequest, Role, Tool, ToolOutput, Usage};
use codex_api_testkit::{
    RateLimitWindow, Script, ScriptedResponse, TestServer, Transcript, Usage as ScriptedUsage,
    WrappedError, WsScript, WsTurn,
};
use serde_json::json;

use crate::render::{failure_text, rate_limits_text};
use crate::runtime::{RuntimeName, TransportName, open_session};
use crate::session::{
    AttemptLog, Auth, Failure, Output, RotatingTokens, Session, SessionConfig, View, exit_code,
};

/// Arguments of `codex-api demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The runtime adapter the session runs on.
    #[arg(long, value_enum, default_value = "tokio")]
    runtime: RuntimeName,
    /// The transport of the tool loop: `http` (server-sent events), or `websocket`: every turn
    /// over one WebSocket connection, the second chained with `previous_response_id` (the 401
    /// then refuses the upgrade; the 429 is an error message on the connection).
    #[arg(long, value_enum, default_value = "http", value_name = "TRANSPORT")]
    transport: TransportName,
}

const QUESTION: &str = "What's the weather in Zürich?";
const TOOL_RESULT: &str = r#"{"temperature_c":18,"conditions":"sunny"}"#;

fn rate_limit_window(used: f64, minutes: i64) -> RateLimitWindow {
    RateLimitWindow::new(used, minutes, 1_763_800_000)
}

/// The 401 that starts both sessions.
fn expired() -> ScriptedResponse {
    ScriptedResponse::json(
        401,
        &json!({"error": {"message": "Your access token has expired.",
                          "type": "invalid_request_error", "code": "token_expired"}}),
    )
    .request_id("req_demo_401")
}

/// The first turn: some text, then the function call.
fn first_turn() -> Transcript {
    Transcript::new()
        .response_id("resp_demo_1")
        .model("gpt-5-codex")
        .created()
        .message(&["Let me ", "check the ", "weather in ", "Zürich."])
        .function_call(
            "get_weather",
            "call_weather_1",
            &["{\"city\":", "\"Zürich\"}"],
        )
        .completed_with_usage(ScriptedUsage::new(412, 57))
}

/// The second turn: the answer, with an in-stream rate-limit snapshot.
fn second_turn() -> Transcript {
    Transcript::new()
        .response_id("resp_demo_2")
        .model("gpt-5-codex")
        .created()
        .message(&["It is ", "18 °C ", "and sunny ", "in Zürich."])
        .rate_limits(Some(rate_limit_window(43.0, 300)), None)
        .completed_with_usage(ScriptedUsage::new(480, 21))
}

/// The server side of the HTTP session, in the order the requests arrive.
fn script() -> Script {
    let expired = expired();
    let busy = ScriptedResponse::json(
        429,
        &json!({"error": {"message": "Rate limit reached for requests. Please try again in 1s.",
                          "type": "requests", "code": "rate_limit_exceeded"}}),
    )
    .retry_after("1")
    .request_id("req_demo_429");
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
            stream(first_turn(), "req_demo_turn_1"),
        )
        .on(
            "POST",
            "/v1/responses",
            stream(second_turn(), "req_demo_turn_2"),
        )
}

/// The server side of the WebSocket session: the upgrade refused with the 401, then accepted;
/// on the connection, the 429 as an error message, then the two turns' transcripts.
fn websocket_script() -> Script {
    let busy = WrappedError::new(
        429,
        "rate_limit_exceeded",
        "Rate limit reached for requests. Please try again in 1s.",
    )
    .error_type("requests")
    .header("retry-after", "1")
    .header("x-request-id", "req_demo_ws_429");
    let turn = |transcript: Transcript| WsTurn::from(transcript).delay(Duration::from_millis(25));
    let session = WsScript::new()
        .turn(WsTurn::error(busy))
        .turn(turn(first_turn()))
        .turn(turn(second_turn()));
    Script::new().on("GET", "/v1/responses", expired()).on(
        "GET",
        "/v1/responses",
        ScriptedResponse::websocket(session)
            .request_id("req_demo_ws")
            .codex_rate_limit_headers(
                rate_limit_window(42.0, 300),
                Some(rate_limit_window(7.0, 10_080)),
            ),
    )
}

fn attempt_line(record: &AttemptRecord) -> String {
    let status = match (record.connection_reused, record.status) {
        // A turn over the WebSocket: a `response.create` message and its first reply.
        (Some(reused), status) => {
            let connection = if reused {
                "the reused connection"
            } else {
                "a new connection"
            };
            let reply = status.map_or_else(
                || "streaming".to_owned(),
                |s| format!("error {}", s.as_u16()),
            );
            format!("websocket turn on {connection}: {reply}")
        }
        (None, Some(s)) if record.outcome == AttemptOutcome::Upgraded => {
            format!("HTTP {} upgraded to WebSocket", s.as_u16())
        }
        (None, status) => status.map_or_else(
            || "no response".to_owned(),
            |s| format!("HTTP {}", s.as_u16()),
        ),
    };
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
    /// The response's whole output (text and calls), as the next request appends it.
    output: Vec<ResponseItem>,
    response_id: Option<String>,
    usage: Option<Usage>,
}

fn run_turn(
    session: &mut dyn Session,
    log: &AttemptLog,
    request: ResponsesApiRequest,
    transport: TransportName,
    out: &mut dyn Write,
) -> Result<Turn, Failure> {
    let mut turn = Turn::default();
    let mut started = false;
    let mut attempts = Vec::new();
    let print_attempts = |out: &mut dyn Write, attempts: &mut Vec<AttemptRecord>| {
        for record in log.take() {
            let _ = writeln!(out, "{}", attempt_line(&record));
            attempts.push(record);
        }
    };
    let mut sink = |output: Output| {
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
    };
    let end = match transport {
        TransportName::Http => {
            session.stream(request, ResponsesOptions::new(), View::Codex, &mut sink)
        }
        TransportName::WebSocket => session.websocket_turn(request, View::Codex, &mut sink),
    };
    print_attempts(out, &mut attempts);
    turn.attempts = attempts;
    let end = end?;
    turn.output = end.output;
    if let (Some(response), Some(request_id)) = (&turn.response_id, &end.request_id) {
        let _ = writeln!(out, "  [response {response}, request id {request_id}]");
    }
    Ok(turn)
}

/// Run `codex-api demo`.
pub fn run(args: &DemoArgs) -> Result<ExitCode, String> {
    let websocket = args.transport == TransportName::WebSocket;
    let script = if websocket {
        websocket_script()
    } else {
        script()
    };
    let server = TestServer::start(script)
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
        transport: codex_api_core::client_config::Transport::Http,
    };
    let mut session = open_session(args.runtime, config)?;
    let mut out = std::io::stdout().lock();
    if websocket {
        let _ = writeln!(
            out,
            "codex-api demo on the {} runtime over one WebSocket connection, against the \
             embedded test server at {}",
            args.runtime.name(),
            server.url()
        );
        let _ = writeln!(
            out,
            "(over WebSocket the 401 refuses the upgrade request and the 429 is an error \
             message on the connection; both are recovered as over HTTP)\n"
        );
    } else {
        let _ = writeln!(
            out,
            "codex-api demo on the {} runtime, against the embedded test server at {}\n",
            args.runtime.name(),
            server.url()
        );
    }

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
    let turn_one = match run_turn(session.as_mut(), &log, first, args.transport, &mut out) {
        Ok(turn) => turn,
        Err(failure) => {
            eprintln!("{}", failure_text(&failure));
            return Ok(ExitCode::from(exit_code(&failure.kind)));
        }
    };

    // Over HTTP the conversation is sent again as the question, the calls and their results;
    // over WebSocket the second request extends the first one's input with the whole output
    // of its response (text and calls), so that the turn is chained: only the results go.
    let mut input = vec![question];
    if websocket {
        input.extend(turn_one.output.iter().cloned());
    }
    for call in &turn_one.calls {
        if let ResponseItem::FunctionCall(function) = call {
            let _ = writeln!(out, "tool {} -> {TOOL_RESULT}", function.name);
            if !websocket {
                input.push(call.clone());
            }
            input.push(ResponseItem::function_call_output(
                function.call_id.as_str(),
                ToolOutput::Text(TOOL_RESULT.to_owned()),
            ));
        }
    }
    let second_input_len = input.len();
    let second = ResponsesApiRequest::new("gpt-5-codex")
        .instructions("You are a helpful assistant.")
        .input(input)
        .tools(vec![tool]);
    let turn_two = match run_turn(session.as_mut(), &log, second, args.transport, &mut out) {
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
    if websocket {
        let accepted = server.websocket_sessions().len();
        let _ = writeln!(
            out,
            "  requests the server received: {} ({} upgrade{} refused, {accepted} accepted)",
            requests.len(),
            requests.len().saturating_sub(accepted),
            plural(requests.len().saturating_sub(accepted)),
        );
    } else {
        let _ = writeln!(out, "  requests the server received: {}", requests.len());
    }
    let _ = writeln!(
        out,
        "  refreshed credentials on every request after the 401: {}",
        if refreshed { "yes" } else { "no" }
    );
    if websocket {
        let attempts: Vec<&AttemptRecord> = [&turn_one, &turn_two]
            .iter()
            .flat_map(|turn| &turn.attempts)
            .collect();
        for line in websocket_summary(&server, session.as_ref(), &attempts, second_input_len) {
            let _ = writeln!(out, "  {line}");
        }
    }
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

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

/// The WebSocket lines of the summary: turns, connections, reuse and deflate (from the
/// attempt records, checked against the sessions the server accepted), and how the last turn
/// was chained (from the `response.create` messages the server received; `full_input`: how
/// many input items the second request held).
fn websocket_summary(
    server: &TestServer,
    session: &dyn Session,
    attempts: &[&AttemptRecord],
    full_input: usize,
) -> Vec<String> {
    let turns = attempts
        .iter()
        .filter(|record| record.connection_reused.is_some())
        .count();
    let reused = attempts
        .iter()
        .filter(|record| record.connection_reused == Some(true))
        .count();
    let upgrades = attempts
        .iter()
        .filter(|record| record.outcome == AttemptOutcome::Upgraded)
        .count();
    let sessions = server.websocket_sessions();
    let connections = if upgrades == sessions.len() {
        format!("{upgrades} connection{}", plural(upgrades))
    } else {
        format!(
            "{upgrades} connection{} ({} by the server's count)",
            plural(upgrades),
            sessions.len()
        )
    };
    let reuse = match reused {
        0 => "not reused".to_owned(),
        n => format!("reused by {n} turn{}", plural(n)),
    };
    let client_deflate = session.websocket_state().deflate;
    let server_deflate = !sessions.is_empty() && sessions.iter().all(|s| s.deflate());
    let deflate = match (client_deflate, server_deflate) {
        (true, true) => "deflate on".to_owned(),
        (false, false) => "deflate off".to_owned(),
        (client, server) => format!("deflate {client} for the client, {server} for the server"),
    };
    let mut lines = vec![format!(
        "websocket: {turns} turn{} on {connections} ({reuse}), {deflate}",
        plural(turns)
    )];
    let creates: Vec<_> = server
        .websocket_messages()
        .into_iter()
        .filter(|message| message.is_response_create())
        .filter_map(|message| message.json().ok())
        .collect();
    for (index, create) in creates.iter().enumerate() {
        let Some(previous) = create["previous_response_id"].as_str() else {
            continue;
        };
        let sent = create["input"].as_array().map_or(0, Vec::len);
        lines.push(format!(
            "turn {} chained: previous_response_id {previous}, {sent} of {full_input} input \
             items sent",
            index + 1
        ));
    }
    if !creates
        .iter()
        .any(|create| create.get("previous_response_id").is_some())
    {
        lines.push("no turn was chained (every request went in full)".to_owned());
    }
    lines
}
