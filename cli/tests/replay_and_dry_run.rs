//! Runs the `codex-api` binary: `replay` and `request --dry-run`, outputs and exit codes.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

const SAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/samples/text_and_tool_call.sse"
);

fn codex_api(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_codex-api"))
        .args(args)
        .env_remove("OPENAI_API_KEY")
        .env_remove("OPENAI_BASE_URL")
        .env_remove("OPENAI_ORG_ID")
        .env_remove("OPENAI_PROJECT_ID")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or_default()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

fn json_stdout(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("stdout is one JSON document")
}

#[test]
fn replay_json_decodes_the_sample() {
    let doc = json_stdout(&codex_api(&["replay", "--json", SAMPLE], None));
    let decode = &doc["decode"];
    assert_eq!(decode["frame_count"], json!(18));
    assert_eq!(decode["frames"].as_array().unwrap().len(), 18);
    assert_eq!(decode["frames"][0]["event"], json!("response.created"));
    assert_eq!(decode["frames"][0]["id"], Value::Null);
    assert_eq!(decode["discarded_incomplete_event"], json!(false));
    assert_eq!(decode["reconnection_time_ms"], Value::Null);
    assert_eq!(decode["last_event_id"], Value::Null);
}

#[test]
fn replay_output_does_not_depend_on_chunking() {
    let whole = codex_api(&["replay", "--json", SAMPLE], None).stdout;
    for size in ["1", "2", "3", "7", "64", "4096"] {
        let chunked = codex_api(&["replay", "--json", "--chunk-size", size, SAMPLE], None).stdout;
        assert_eq!(chunked, whole, "chunk size {size}");
    }
}

#[test]
fn replay_reads_stdin_and_reports_spec_details() {
    let body = b"\xEF\xBB\xBFretry: 2500\nid: 7\ndata: a\ndata: b\n\nevent: x\ndata: unterminated";
    let doc = json_stdout(&codex_api(&["replay", "--json", "-"], Some(body)));
    let decode = &doc["decode"];
    assert_eq!(
        decode["frames"],
        json!([{"event": null, "data": "a\nb", "id": "7"}])
    );
    assert_eq!(decode["discarded_incomplete_event"], json!(true));
    assert_eq!(decode["reconnection_time_ms"], json!(2500));
    assert_eq!(decode["last_event_id"], json!("7"));
}

#[test]
fn replay_text_lists_frames() {
    let output = codex_api(&["replay", SAMPLE], None);
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.starts_with("#0 response.created\n"), "{text}");
    assert!(text.contains("\n18 frame(s)\n"), "{text}");
    assert!(text.contains("\noutcome: completed\n"), "{text}");
    assert!(
        text.contains("function call: get_weather({\"city\":\"Zürich\",\"unit\":\"celsius\"})"),
        "{text}"
    );
}

#[test]
fn replay_of_a_missing_file_fails_with_a_message() {
    let output = codex_api(&["replay", "/nonexistent/stream.sse"], None);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot read /nonexistent/stream.sse"),
        "{stderr}"
    );
}

#[test]
fn dry_run_prints_method_url_headers_and_exact_body() {
    let output = Command::new(env!("CARGO_BIN_EXE_codex-api"))
        .args([
            "request",
            "--dry-run",
            "--model",
            "gpt-5-codex",
            "--tool-function",
            r#"shell:{"type":"object"}"#,
            "--max-output-tokens",
            "64",
            "hi",
        ])
        .env("OPENAI_API_KEY", "sk-very-secret-key")
        .env("OPENAI_BASE_URL", "http://127.0.0.1:9/v1/")
        .env("OPENAI_ORG_ID", "org-1")
        .env_remove("OPENAI_PROJECT_ID")
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout.clone()).unwrap();
    assert!(!stdout.contains("sk-very-secret-key"), "{stdout}");
    let doc = json_stdout(&output);
    assert_eq!(doc["method"], json!("POST"));
    assert_eq!(doc["url"], json!("http://127.0.0.1:9/v1/responses"));
    assert_eq!(doc["headers"]["authorization"], json!("<redacted>"));
    assert_eq!(doc["headers"]["openai-organization"], json!("org-1"));
    assert_eq!(doc["headers"]["accept"], json!("text/event-stream"));
    // The body is embedded byte-for-byte as it would be sent.
    let body_start = stdout.find(r#""body":"#).unwrap() + 7;
    assert!(
        stdout[body_start..].starts_with(
            r#"{"model":"gpt-5-codex","input":[{"type":"message","role":"user","content":[{"type":"input_text","text":"hi"}]}],"tools":[{"type":"function","name":"shell","parameters":{"type":"object"},"strict":false}],"stream":true,"max_output_tokens":64}"#
        ),
        "{stdout}"
    );
}

#[test]
fn dry_run_models_has_no_body() {
    let doc = json_stdout(&codex_api(
        &["request", "--dry-run", "--endpoint", "models"],
        None,
    ));
    assert_eq!(doc["method"], json!("GET"));
    assert!(
        doc["url"]
            .as_str()
            .unwrap()
            .starts_with("https://api.openai.com/v1/models?client_version=")
    );
    assert_eq!(doc["body"], Value::Null);
    assert!(doc["headers"].get("authorization").is_none());
}

#[test]
fn dry_run_rejects_a_bad_tool_spec() {
    let output = codex_api(
        &["request", "--dry-run", "--tool-function", "no-colon", "hi"],
        None,
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("NAME:JSON_SCHEMA"));
}

#[test]
fn replay_json_outcome_of_the_sample() {
    let doc = json_stdout(&codex_api(&["replay", "--json", SAMPLE], None));
    let outcome = &doc["outcome"];
    assert_eq!(outcome["kind"], json!("completed"));
    assert_eq!(outcome["terminal_event"], json!("response.completed"));
    assert_eq!(outcome["response_id"], json!("resp_demo_001"));
    assert_eq!(
        outcome["output_text"],
        json!("Let me check the weather in Zürich for you — one moment. ")
    );
    assert_eq!(
        outcome["function_calls"][0]["call_id"],
        json!("call_weather_1")
    );
    assert_eq!(outcome["function_calls"][0]["name"], json!("get_weather"));
    assert_eq!(outcome["usage"]["cached_tokens"], json!(128));
    assert_eq!(outcome["error"], Value::Null);
    assert_eq!(outcome["last_sequence_number"], json!(17));
}

#[test]
fn replay_json_outcome_of_a_rate_limited_failure() {
    let body = concat!(
        "event: response.output_text.delta\n",
        r#"data: {"type":"response.output_text.delta","item_id":"m","output_index":0,"content_index":0,"delta":"partial","sequence_number":1}"#,
        "\n\n",
        "event: response.failed\n",
        r#"data: {"type":"response.failed","sequence_number":2,"response":{"id":"resp_9","status":"failed","output":[],"error":{"code":"rate_limit_exceeded","message":"Rate limit reached. Please try again in 1.5s."}}}"#,
        "\n\n",
        "data: ignored after the terminal event\n\n",
    );
    let doc = json_stdout(&codex_api(
        &["replay", "--json", "-"],
        Some(body.as_bytes()),
    ));
    let outcome = &doc["outcome"];
    assert_eq!(outcome["kind"], json!("failed"));
    assert_eq!(outcome["output_text"], json!("partial"));
    assert_eq!(outcome["error"]["source"], json!("response.failed"));
    assert_eq!(outcome["error"]["code"], json!("rate_limit_exceeded"));
    assert_eq!(outcome["error"]["class"], json!("rate_limited"));
    assert_eq!(outcome["error"]["retryable"], json!(true));
    assert_eq!(outcome["error"]["retry_after_ms"], json!(1500));
    assert_eq!(doc["decode"]["frame_count"], json!(3));
}

#[test]
fn replay_json_outcome_of_a_truncated_stream() {
    let body = concat!(
        "event: response.created\n",
        r#"data: {"type":"response.created","sequence_number":0,"response":{"id":"resp_1","status":"in_progress","output":[]}}"#,
        "\n\n",
    );
    let doc = json_stdout(&codex_api(
        &["replay", "--json", "-"],
        Some(body.as_bytes()),
    ));
    let outcome = &doc["outcome"];
    assert_eq!(outcome["kind"], json!("unexpected_eof"));
    assert_eq!(outcome["error"]["class"], json!("stream_truncated"));
    assert_eq!(outcome["error"]["retryable"], json!(true));
    assert_eq!(outcome["response_id"], json!("resp_1"));
}
