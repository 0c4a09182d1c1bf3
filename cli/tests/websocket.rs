//! `--transport websocket`: `stream` over a WebSocket connection prints what it prints over
//! HTTP (and falls back to HTTP on a `426`), and `demo --transport websocket` runs its tool
//! loop on one connection, chained. Against testkit servers on loopback, on every runtime.

use std::process::{Command, Output};

use codex_api_testkit::{Script, ScriptedResponse, TestServer, Transcript, Usage, WsScript};
use serde_json::{Value, json};

const SECRET: &str = "sk-cli-ws-secret-0123456789";
const RUNTIMES: [&str; 3] = ["tokio", "async-std", "blocking"];

fn command(args: &[&str], base_url: Option<&str>) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_codex-api"));
    command.args(args).env("OPENAI_API_KEY", SECRET);
    for name in [
        "OPENAI_ORG_ID",
        "OPENAI_PROJECT_ID",
        "HTTPS_PROXY",
        "HTTP_PROXY",
        "ALL_PROXY",
        "RUST_LOG",
    ] {
        command.env_remove(name).env_remove(name.to_lowercase());
    }
    match base_url {
        Some(url) => command.env("OPENAI_BASE_URL", url),
        None => command.env_remove("OPENAI_BASE_URL"),
    };
    command
}

fn run(args: &[&str], base_url: Option<&str>) -> Output {
    let output = command(args, base_url).output().expect("the binary runs");
    let all = [&output.stdout[..], &output.stderr[..]].concat();
    assert!(
        !String::from_utf8_lossy(&all).contains(SECRET),
        "the API key leaked into the output"
    );
    output
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn answer() -> Transcript {
    Transcript::new()
        .response_id("resp_ws_cli")
        .created()
        .message(&["Hello", " over", " the socket"])
        .function_call("lookup", "call_1", &["{\"q\":", "1}"])
        .completed_with_usage(Usage::new(10, 3))
}

/// A server that serves `answer()` over one WebSocket session.
fn websocket_server() -> TestServer {
    TestServer::start(Script::new().on_websocket("/v1/responses", WsScript::new().turn(answer())))
        .unwrap()
}

/// A server that serves `answer()` as server-sent events.
fn http_server() -> TestServer {
    TestServer::start(Script::new().on(
        "POST",
        "/v1/responses",
        ScriptedResponse::sse(answer().to_body()),
    ))
    .unwrap()
}

/// `stream ARGS` against a fresh server of each kind: (HTTP output, WebSocket output, the
/// WebSocket server).
fn both(runtime: &str, extra: &[&str]) -> (Output, Output, TestServer) {
    let mut args = vec!["stream", "--runtime", runtime, "--model", "gpt-test"];
    args.extend_from_slice(extra);
    args.push("Say hello");
    let http = http_server();
    let over_http = run(&args, Some(&format!("{}/v1", http.url())));
    assert_eq!(http.requests().len(), 1);
    assert_eq!(http.requests()[0].method, "POST");
    let ws = websocket_server();
    let mut ws_args = args.clone();
    ws_args.splice(1..1, ["--transport", "websocket"]);
    let over_ws = run(&ws_args, Some(&format!("{}/v1", ws.url())));
    (over_http, over_ws, ws)
}

/// The server saw one upgrade, one session with deflate, and one `response.create` without
/// `stream`, carrying the request.
fn assert_one_turn(server: &TestServer) {
    let requests = server.requests();
    assert_eq!(requests.len(), 1, "{requests:#?}");
    assert_eq!(requests[0].method, "GET");
    assert_eq!(requests[0].path, "/v1/responses");
    assert_eq!(requests[0].header("upgrade"), Some("websocket"));
    assert_eq!(
        requests[0].header("authorization"),
        Some(format!("Bearer {SECRET}").as_str())
    );
    let sessions = server.websocket_sessions();
    assert_eq!(sessions.len(), 1);
    assert!(sessions[0].deflate(), "permessage-deflate was not agreed");
    let messages = server.websocket_messages();
    assert_eq!(messages.len(), 1, "{messages:#?}");
    let create = messages[0].json().unwrap();
    assert_eq!(create["type"], "response.create");
    assert!(create.get("stream").is_none(), "{create}");
    assert_eq!(create["model"], "gpt-test");
    assert_eq!(create["input"][0]["content"][0]["text"], "Say hello");
}

#[test]
fn stream_over_websocket_prints_what_http_prints() {
    for runtime in RUNTIMES {
        let (over_http, over_ws, server) = both(runtime, &[]);
        assert!(over_http.status.success(), "{}", text(&over_http.stderr));
        assert!(
            over_ws.status.success(),
            "{runtime}: {}",
            text(&over_ws.stderr)
        );
        assert_eq!(
            text(&over_ws.stdout),
            "Hello over the socket\n[function call lookup({\"q\":1})]\n",
            "{runtime}"
        );
        assert_eq!(text(&over_ws.stdout), text(&over_http.stdout), "{runtime}");
        assert_eq!(text(&over_ws.stderr), text(&over_http.stderr), "{runtime}");
        assert!(!text(&over_ws.stderr).contains("fell back"));
        assert_one_turn(&server);
    }
}

#[test]
fn stream_json_over_websocket_prints_the_same_events() {
    for runtime in RUNTIMES {
        let (over_http, over_ws, server) = both(runtime, &["--json"]);
        assert!(
            over_ws.status.success(),
            "{runtime}: {}",
            text(&over_ws.stderr)
        );
        let lines = |output: &Output| -> Vec<Value> {
            text(&output.stdout)
                .lines()
                .map(|line| serde_json::from_str(line).expect("one JSON value per line"))
                .collect()
        };
        let (http_lines, ws_lines) = (lines(&over_http), lines(&over_ws));
        assert!(ws_lines.len() > 5, "{ws_lines:#?}");
        assert_eq!(ws_lines, http_lines, "{runtime}");
        assert!(over_ws.stderr.is_empty(), "{}", text(&over_ws.stderr));
        assert_one_turn(&server);
    }
}

#[test]
fn stream_over_websocket_falls_back_to_http_on_426() {
    for runtime in RUNTIMES {
        let server = TestServer::start(
            Script::new()
                .on(
                    "GET",
                    "/v1/responses",
                    ScriptedResponse::text(426, "upgrade required"),
                )
                .on(
                    "POST",
                    "/v1/responses",
                    ScriptedResponse::sse(answer().to_body()),
                ),
        )
        .unwrap();
        let base = format!("{}/v1", server.url());
        let output = run(
            &[
                "stream",
                "--runtime",
                runtime,
                "--transport",
                "websocket",
                "hi",
            ],
            Some(&base),
        );
        assert!(output.status.success(), "{}", text(&output.stderr));
        assert_eq!(
            text(&output.stdout),
            "Hello over the socket\n[function call lookup({\"q\":1})]\n"
        );
        assert!(
            text(&output.stderr)
                .contains("codex-api: the WebSocket transport was unavailable; streamed over HTTP"),
            "{}",
            text(&output.stderr)
        );
        let methods: Vec<String> = server.requests().into_iter().map(|r| r.method).collect();
        assert_eq!(methods, ["GET", "POST"], "{runtime}");
        let body: Value = serde_json::from_slice(&server.requests()[1].body).unwrap();
        assert_eq!(body["stream"], json!(true));
    }
}

#[test]
fn transport_is_in_the_help_and_checked() {
    for subcommand in ["stream", "demo"] {
        let output = run(&[subcommand, "--help"], None);
        let help = text(&output.stdout);
        assert!(
            help.contains("--transport <TRANSPORT>") && help.contains("websocket"),
            "{subcommand} --help:\n{help}"
        );
    }
    let output = run(&["stream", "--transport", "carrier-pigeon", "hi"], None);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("carrier-pigeon"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn demo_over_websocket_runs_the_tool_loop_on_one_connection() {
    for runtime in RUNTIMES {
        let started = std::time::Instant::now();
        // A proxy nobody listens on: the embedded server must be reached directly.
        let output = command(
            &["demo", "--runtime", runtime, "--transport", "websocket"],
            None,
        )
        .env("HTTP_PROXY", "http://127.0.0.1:9")
        .env("ALL_PROXY", "http://127.0.0.1:9")
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .output()
        .expect("the binary runs");
        let stdout = text(&output.stdout);
        assert!(
            output.status.success(),
            "{runtime}: {stdout}\n{}",
            text(&output.stderr)
        );
        assert!(
            stdout.starts_with(&format!(
                "codex-api demo on the {runtime} runtime over one WebSocket connection"
            )),
            "{stdout}"
        );
        // The wrapped 429's `retry-after: 1` was honoured.
        assert!(started.elapsed() >= std::time::Duration::from_secs(1));
        for expected in [
            "attempt 1: HTTP 401 unauthorized (request id req_demo_401) -> auth recovery",
            "attempt 2: HTTP 101 upgraded to WebSocket (request id req_demo_ws)",
            "attempt 1: websocket turn on a new connection: error 429 rate_limited (request id \
             req_demo_ws_429) -> retry in 1.00 s",
            "attempt 2: websocket turn on the reused connection: streaming (request id \
             req_demo_ws)",
            "assistant: Let me check the weather in Zürich.",
            "[function call get_weather({\"city\":\"Zürich\"}) call_id call_weather_1]",
            "attempt 1: websocket turn on the reused connection: streaming",
            "[rate limits] codex: primary 42% used of a 300-minute window",
            "assistant: It is 18 °C and sunny in Zürich.",
            "[response resp_demo_2, request id req_demo_ws]",
            "requests the server received: 2 (1 upgrade refused, 1 accepted)",
            "refreshed credentials on every request after the 401: yes",
            "websocket: 3 turns on 1 connection (reused by 2 turns), deflate on",
            "turn 3 chained: previous_response_id resp_demo_1, 1 of 4 input items sent",
            "token usage: 892 input, 78 output, 970 total",
        ] {
            assert!(
                stdout.contains(expected),
                "{runtime}: missing {expected:?} in:\n{stdout}"
            );
        }
        for secret in ["demo-token-expired", "demo-token-fresh"] {
            assert!(!stdout.contains(secret) && !text(&output.stderr).contains(secret));
        }
    }
}

#[test]
fn the_http_demo_is_unchanged_by_the_flag() {
    let default = run(&["demo"], None);
    let http = run(&["demo", "--transport", "http"], None);
    assert!(default.status.success() && http.status.success());
    // The only difference: the embedded server's port.
    let strip = |output: &Output| {
        text(&output.stdout)
            .lines()
            .map(|line| match line.find("http://127.0.0.1:") {
                Some(at) => line[..at].to_owned(),
                None => line.to_owned(),
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(&default), strip(&http));
    assert!(!text(&default.stdout).contains("websocket"));
    assert!(text(&default.stdout).contains("requests the server received: 4\n"));
}
