//! Runs the `codex-api` binary's network subcommands: `demo`, and `stream` / `compact` /
//! `models` against a testkit server on loopback. Checks outputs and exit codes.

use std::process::{Command, Output};

use codex_api_testkit::{Script, ScriptedResponse, TestServer, Transcript, Usage};
use serde_json::{Value, json};

const SECRET: &str = "sk-cli-test-secret-0123456789";

fn run(args: &[&str], base_url: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_codex-api"));
    command
        .args(args)
        .env("OPENAI_API_KEY", SECRET)
        .env_remove("OPENAI_ORG_ID")
        .env_remove("OPENAI_PROJECT_ID")
        .env_remove("HTTPS_PROXY")
        .env_remove("HTTP_PROXY")
        .env_remove("ALL_PROXY")
        .env_remove("https_proxy")
        .env_remove("http_proxy")
        .env_remove("all_proxy");
    match base_url {
        Some(url) => command.env("OPENAI_BASE_URL", url),
        None => command.env_remove("OPENAI_BASE_URL"),
    };
    let output = command.output().expect("the binary runs");
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

#[test]
fn demo_runs_the_scripted_session_on_every_runtime() {
    for runtime in ["tokio", "async-std", "blocking"] {
        check_demo(runtime);
    }
}

#[test]
fn demo_connects_directly_whatever_the_proxy_variables_say() {
    // A proxy nobody listens on: the demo's embedded loopback server must be reached directly.
    for runtime in ["tokio", "async-std", "blocking"] {
        let output = Command::new(env!("CARGO_BIN_EXE_codex-api"))
            .args(["demo", "--runtime", runtime])
            .env("HTTP_PROXY", "http://127.0.0.1:9")
            .env("HTTPS_PROXY", "http://127.0.0.1:9")
            .env("ALL_PROXY", "http://127.0.0.1:9")
            .env_remove("NO_PROXY")
            .env_remove("no_proxy")
            .output()
            .expect("the binary runs");
        assert!(
            output.status.success(),
            "{runtime}: {}\n{}",
            text(&output.stdout),
            text(&output.stderr)
        );
        assert!(text(&output.stdout).contains("requests the server received: 4"));
    }
}

fn check_demo(runtime: &str) {
    let started = std::time::Instant::now();
    let output = run(&["demo", "--runtime", runtime], None);
    let stdout = text(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        text(&output.stderr)
    );
    assert!(stdout.starts_with(&format!("codex-api demo on the {runtime} runtime")));
    // The 429's `retry-after: 1` was honoured.
    assert!(started.elapsed() >= std::time::Duration::from_secs(1));
    for expected in [
        "attempt 1: HTTP 401 unauthorized (request id req_demo_401) -> auth recovery",
        "attempt 2: HTTP 429 rate_limited (request id req_demo_429) -> retry in 1.00 s",
        "attempt 3: HTTP 200 (request id req_demo_turn_1)",
        "assistant: Let me check the weather in Zürich.",
        "[function call get_weather({\"city\":\"Zürich\"}) call_id call_weather_1]",
        "[rate limits] codex: primary 42% used of a 300-minute window",
        "assistant: It is 18 °C and sunny in Zürich.",
        "requests the server received: 4",
        "refreshed credentials on every request after the 401: yes",
        "request ids: req_demo_401, req_demo_429, req_demo_turn_1, req_demo_turn_2",
        "token usage: 892 input, 78 output, 970 total",
    ] {
        assert!(
            stdout.contains(expected),
            "missing {expected:?} in:\n{stdout}"
        );
    }
}

fn text_stream() -> ScriptedResponse {
    let transcript = Transcript::new()
        .response_id("resp_cli")
        .created()
        .message(&["Hello", ", world"])
        .completed_with_usage(Usage::new(10, 3));
    ScriptedResponse::sse(transcript.to_body()).request_id("req_cli_stream")
}

#[test]
fn stream_prints_text_and_sends_the_request() {
    let server =
        TestServer::start(Script::new().on("POST", "/v1/responses", text_stream())).unwrap();
    let base = format!("{}/v1", server.url());
    let output = run(&["stream", "--model", "gpt-test", "Say hello"], Some(&base));
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), "Hello, world\n");
    assert!(text(&output.stderr).contains("[usage] 10 input, 3 output, 13 total tokens"));
    let request = &server.requests()[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/v1/responses");
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {SECRET}").as_str())
    );
    let body: Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(body["model"], json!("gpt-test"));
    assert_eq!(body["stream"], json!(true));
    assert_eq!(body["input"][0]["content"][0]["text"], json!("Say hello"));
}

#[test]
fn stream_json_prints_every_event_as_a_line() {
    let server = TestServer::start(Script::new().then(text_stream())).unwrap();
    let base = format!("{}/v1", server.url());
    let output = run(&["stream", "--json", "hi"], Some(&base));
    assert!(output.status.success(), "{}", text(&output.stderr));
    let lines: Vec<Value> = text(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON document per line"))
        .collect();
    let types: Vec<&str> = lines.iter().map(|l| l["type"].as_str().unwrap()).collect();
    assert_eq!(types.first(), Some(&"response.created"));
    assert_eq!(types.last(), Some(&"response.completed"));
    let deltas: Vec<&str> = lines
        .iter()
        .filter(|l| l["type"] == "response.output_text.delta")
        .map(|l| l["delta"].as_str().unwrap())
        .collect();
    assert_eq!(deltas, ["Hello", ", world"]);
}

fn error_reply(status: u16, code: &str) -> ScriptedResponse {
    ScriptedResponse::api_error(
        status,
        "the server says no",
        "invalid_request_error",
        None,
        Some(code),
    )
    .request_id("req_cli_error")
}

fn reply_status(kind: &str) -> u16 {
    match kind {
        "unauthorized" => 401,
        "quota_exceeded" => 429,
        "not_found" => 404,
        _ => 400,
    }
}

#[test]
fn stream_failures_exit_with_distinct_codes() {
    let cases: [(ScriptedResponse, &str, i32); 4] = [
        (error_reply(401, "invalid_api_key"), "unauthorized", 3),
        (error_reply(429, "insufficient_quota"), "quota_exceeded", 4),
        (error_reply(400, "invalid_value"), "invalid_request", 5),
        (error_reply(404, "not_found"), "not_found", 5),
    ];
    for (reply, kind, code) in cases {
        let server = TestServer::start(Script::new().then(reply)).unwrap();
        let base = format!("{}/v1", server.url());
        let output = run(&["stream", "hi"], Some(&base));
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(code), "{kind}: {stderr}");
        // One line, one prefix, each fact once: the kind in words, the facts in parentheses,
        // then the server's message.
        let words = kind.replace('_', " ");
        assert!(
            stderr.starts_with(&format!("codex-api: {words} (HTTP {}", reply_status(kind))),
            "{stderr}"
        );
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
        assert_eq!(stderr.matches("req_cli_error").count(), 1, "{stderr}");
        assert_eq!(stderr.matches(&words).count(), 1, "{stderr}");
        assert_eq!(stderr.matches("HTTP").count(), 1, "{stderr}");
        assert!(
            stderr.ends_with(", request id req_cli_error): the server says no\n"),
            "{stderr}"
        );
        assert!(output.stdout.is_empty(), "{}", text(&output.stdout));
    }
}

#[test]
fn an_in_stream_failure_exits_non_zero_after_the_text() {
    let transcript = Transcript::new()
        .created()
        .message(&["partial"])
        .failed("server_error", "something broke");
    let server =
        TestServer::start(Script::new().then(ScriptedResponse::sse(transcript.to_body()))).unwrap();
    let base = format!("{}/v1", server.url());
    let output = run(&["stream", "hi"], Some(&base));
    assert_eq!(output.status.code(), Some(6));
    assert!(text(&output.stdout).starts_with("partial"));
    assert_eq!(
        text(&output.stderr),
        "codex-api: server error (code server_error): something broke\n"
    );
}

#[test]
fn a_refused_connection_is_a_transport_error() {
    // Bind and drop a listener to get a loopback port with nothing behind it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}/v1");
    let output = run(&["models"], Some(&base));
    assert_eq!(output.status.code(), Some(6), "{}", text(&output.stderr));
    assert!(text(&output.stderr).starts_with("codex-api: transport: "));
}

#[test]
fn compact_and_models_print_json() {
    let server = TestServer::start(
        Script::new()
            .on(
                "POST",
                "/v1/responses/compact",
                ScriptedResponse::compaction(vec![json!({
                    "type": "compaction", "encrypted_content": "opaque"
                })]),
            )
            .on(
                "GET",
                "/v1/models",
                ScriptedResponse::models(
                    vec![json!({"slug": "gpt-a"}), json!({"slug": "gpt-b"})],
                    "\"v1\"",
                ),
            ),
    )
    .unwrap();
    let base = format!("{}/v1", server.url());
    let output = run(&["compact", "a long conversation"], Some(&base));
    assert!(output.status.success(), "{}", text(&output.stderr));
    let reply: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(reply["output"][0]["type"], json!("compaction"));

    let output = run(&["models", "--json"], Some(&base));
    assert!(output.status.success(), "{}", text(&output.stderr));
    let models: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        models,
        json!({"models": ["gpt-a", "gpt-b"], "etag": "\"v1\""})
    );
    let requests = server.requests();
    assert!(requests[1].path.starts_with("/v1/models?client_version="));
}
