//! The CLI's answers to a new user's mistakes: no key, `--json` failures, flags a subcommand
//! does not take, a schema that is not an object, `request` without `--dry-run`. Against a
//! testkit server on loopback where a call is needed.

use std::process::{Command, Output};

use codex_api_testkit::{Script, ScriptedResponse, TestServer, Transcript};
use serde_json::Value;

fn run(args: &[&str], key: Option<&str>, base_url: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_codex-api"));
    command.args(args);
    for name in [
        "OPENAI_ORG_ID",
        "OPENAI_PROJECT_ID",
        "HTTPS_PROXY",
        "HTTP_PROXY",
        "ALL_PROXY",
    ] {
        command.env_remove(name).env_remove(name.to_lowercase());
    }
    match key {
        Some(key) => command.env("OPENAI_API_KEY", key),
        None => command.env_remove("OPENAI_API_KEY"),
    };
    match base_url {
        Some(url) => command.env("OPENAI_BASE_URL", url),
        None => command.env_remove("OPENAI_BASE_URL"),
    };
    command.output().expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn hello_server() -> TestServer {
    let reply = Transcript::new().created().message(&["hello"]).completed();
    TestServer::start(Script::new().then(ScriptedResponse::sse(reply))).unwrap()
}

#[test]
fn a_missing_key_is_a_clear_error_before_any_request() {
    let server = hello_server();
    let base = format!("{}/v1", server.url());
    for command in [
        &["stream", "hi"][..],
        &["models"][..],
        &["compact", "hi"][..],
    ] {
        let output = run(command, None, Some(&base));
        assert_eq!(output.status.code(), Some(2), "{command:?}");
        assert!(
            text(&output.stderr).contains("OPENAI_API_KEY is not set; pass --no-auth"),
            "{}",
            text(&output.stderr)
        );
    }
    assert!(server.requests().is_empty());
    // `--no-auth` says a key is not needed: the request goes out without `Authorization`.
    let output = run(&["stream", "--no-auth", "hi"], None, Some(&base));
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout).trim(), "hello");
    assert_eq!(server.requests()[0].header("authorization"), None);
}

#[test]
fn json_failures_are_one_json_object_on_stdout() {
    let server = TestServer::start(
        Script::new().then(
            ScriptedResponse::api_error(
                400,
                "Bad value",
                "invalid_request_error",
                None,
                Some("invalid_value"),
            )
            .request_id("req_abc"),
        ),
    )
    .unwrap();
    let base = format!("{}/v1", server.url());
    let output = run(&["models", "--json"], Some("sk-x"), Some(&base));
    assert_eq!(output.status.code(), Some(5), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert_eq!(stdout.trim_end().lines().count(), 1, "{stdout}");
    let value: Value = serde_json::from_str(&stdout).expect("one JSON object");
    let error = &value["error"];
    assert_eq!(error["kind"], "invalid_request");
    assert_eq!(error["message"], "Bad value");
    assert_eq!(error["status"], 400);
    assert_eq!(error["request_id"], "req_abc");
    assert!(error["retry_after_ms"].is_null(), "{value}");
    assert!(output.stderr.is_empty(), "{}", text(&output.stderr));
    // A failure before the call is one object too (kind `usage`), exit code 2.
    let output = run(&["stream", "--json", "hi"], None, Some(&base));
    assert_eq!(output.status.code(), Some(2));
    let value: Value = serde_json::from_slice(&output.stdout).expect("one JSON object");
    assert_eq!(value["error"]["kind"], "usage");
}

#[test]
fn models_takes_only_its_own_flags() {
    let output = run(&["models", "--help"], None, None);
    let help = text(&output.stdout);
    for absent in [
        "PROMPT",
        "--tool-function",
        "--store",
        "--json-schema",
        "--model",
    ] {
        assert!(
            !help.contains(absent),
            "models --help lists {absent}:\n{help}"
        );
    }
    for present in ["--json", "--runtime", "--base-url", "--no-auth"] {
        assert!(
            help.contains(present),
            "models --help lacks {present}:\n{help}"
        );
    }
    let output = run(&["models", "--store"], Some("sk-x"), None);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn a_json_schema_must_be_an_object() {
    let path = std::env::temp_dir().join(format!("codex-api-schema-{}.json", std::process::id()));
    std::fs::write(&path, "[1,2,3]").unwrap();
    let output = run(
        &["request", "--json-schema", path.to_str().unwrap(), "hi"],
        None,
        None,
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    assert!(
        text(&output.stderr).contains("must hold a JSON schema (a JSON object), not an array"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn request_prints_the_dry_run_with_or_without_the_flag() {
    let without = run(&["request", "hi"], None, None);
    let with = run(&["request", "--dry-run", "hi"], None, None);
    assert!(without.status.success(), "{}", text(&without.stderr));
    assert_eq!(without.stdout, with.stdout);
    let value: Value = serde_json::from_slice(&without.stdout).unwrap();
    assert_eq!(value["method"], "POST");
}

#[test]
fn replay_discards_nothing_after_comment_and_unknown_field_lines() {
    let path = std::env::temp_dir().join(format!("codex-api-replay-{}.sse", std::process::id()));
    std::fs::write(&path, ": keep-alive\nfoo: bar\nretry: 10\n").unwrap();
    let output = run(&["replay", "--json", path.to_str().unwrap()], None, None);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let value: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        value["decode"]["discarded_incomplete_event"], false,
        "{value}"
    );
    std::fs::write(&path, "data: half\n").unwrap();
    let output = run(&["replay", "--json", path.to_str().unwrap()], None, None);
    let value: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        value["decode"]["discarded_incomplete_event"], true,
        "{value}"
    );
}
