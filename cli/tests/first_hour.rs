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

/// A 429 as the API sends it, with a `retry-after` too long to wait for (so the client returns
/// it at once with its delay).
fn rate_limited() -> ScriptedResponse {
    ScriptedResponse::api_error(
        429,
        "Rate limit reached",
        "requests",
        None,
        Some("rate_limit_exceeded"),
    )
    .request_id("req_abc")
    .retry_after("999999")
}

#[test]
fn a_failure_is_one_line_with_one_prefix_and_each_fact_once() {
    let expected = "codex-api: rate limited (HTTP 429, code rate_limit_exceeded, request id \
                    req_abc): Rate limit reached\n";
    for command in [
        &["stream", "hi"][..],
        &["stream", "--runtime", "async-std", "hi"][..],
        &["stream", "--runtime", "blocking", "hi"][..],
        &["compact", "hi"][..],
        &["models"][..],
    ] {
        let server = TestServer::start(Script::new().then(rate_limited())).unwrap();
        let base = format!("{}/v1", server.url());
        let output = run(command, Some("sk-x"), Some(&base));
        assert_eq!(output.status.code(), Some(4), "{command:?}");
        assert_eq!(text(&output.stderr), expected, "{command:?}");
        // Nothing on stdout: not even the line feed that ends streamed text.
        assert!(
            output.stdout.is_empty(),
            "{command:?}: {:?}",
            text(&output.stdout)
        );
    }
    // Usage errors (clap's) and errors before the call carry the same prefix.
    for command in [&["models", "--bogus"][..], &["stream", "--json-schema"][..]] {
        let output = run(command, Some("sk-x"), None);
        assert_eq!(output.status.code(), Some(2), "{command:?}");
        let stderr = text(&output.stderr);
        assert!(stderr.starts_with("codex-api: "), "{stderr}");
        assert!(!stderr.contains("error:"), "{stderr}");
    }
}

#[test]
fn text_after_a_streamed_line_is_ended_once() {
    // A reply whose text ends with its own line feed gets no extra empty line.
    let reply = Transcript::new()
        .created()
        .message(&["hello\n"])
        .completed();
    let server = TestServer::start(Script::new().then(ScriptedResponse::sse(reply))).unwrap();
    let base = format!("{}/v1", server.url());
    let output = run(&["stream", "--no-auth", "hi"], None, Some(&base));
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), "hello\n");
}

#[test]
fn json_failures_of_every_command_are_one_object_and_nothing_else() {
    for command in [
        &["stream", "--json", "hi"][..],
        &["stream", "--json", "--runtime", "async-std", "hi"][..],
        &["stream", "--json", "--runtime", "blocking", "hi"][..],
        &["compact", "--json", "hi"][..],
        &["models", "--json"][..],
    ] {
        let server = TestServer::start(Script::new().then(rate_limited())).unwrap();
        let base = format!("{}/v1", server.url());
        let output = run(command, Some("sk-x"), Some(&base));
        assert_eq!(output.status.code(), Some(4), "{command:?}");
        assert!(output.stderr.is_empty(), "{}", text(&output.stderr));
        let stdout = text(&output.stdout);
        assert_eq!(stdout.lines().count(), 1, "{command:?}: {stdout:?}");
        let value: Value = serde_json::from_str(&stdout).expect("one JSON object");
        assert_eq!(
            value,
            serde_json::json!({"error": {
                "kind": "rate_limited",
                "message": "Rate limit reached",
                "status": 429,
                "request_id": "req_abc",
                "retry_after_ms": 999_999_000u64,
            }}),
            "{command:?}"
        );
    }
    // An in-stream failure: the events streamed before it, then the error as the last line.
    let transcript = Transcript::new()
        .created()
        .message(&["partial"])
        .failed("server_error", "something broke");
    let server = TestServer::start(
        Script::new().then(ScriptedResponse::sse(transcript.to_body()).request_id("req_s")),
    )
    .unwrap();
    let base = format!("{}/v1", server.url());
    let output = run(&["stream", "--json", "hi"], Some("sk-x"), Some(&base));
    assert_eq!(output.status.code(), Some(6));
    assert!(output.stderr.is_empty(), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    let last: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(
        last,
        serde_json::json!({"error": {
            "kind": "server_error",
            "message": "something broke",
            "status": null,
            "request_id": "req_s",
            "retry_after_ms": null,
        }})
    );
    assert!(
        stdout
            .lines()
            .all(|line| serde_json::from_str::<Value>(line).is_ok()),
        "{stdout}"
    );
    // Failures before any call: a flag clap rejects, a missing file, a schema that is not an
    // object, a replay input that cannot be read; exit code 2.
    let path = std::env::temp_dir().join(format!("codex-api-array-{}.json", std::process::id()));
    std::fs::write(&path, "[1,2,3]").unwrap();
    for command in [
        &["models", "--json", "--store"][..],
        &[
            "stream",
            "--json",
            "--input-file",
            "/nonexistent/items.json",
            "hi",
        ][..],
        &[
            "stream",
            "--json",
            "--json-schema",
            path.to_str().unwrap(),
            "hi",
        ][..],
        &["replay", "--json", "/nonexistent/body.sse"][..],
    ] {
        let output = run(command, Some("sk-x"), Some("http://127.0.0.1:9/v1"));
        assert_eq!(output.status.code(), Some(2), "{command:?}");
        assert!(output.stderr.is_empty(), "{}", text(&output.stderr));
        let stdout = text(&output.stdout);
        assert_eq!(stdout.lines().count(), 1, "{command:?}: {stdout:?}");
        let value: Value = serde_json::from_str(&stdout).expect("one JSON object");
        assert_eq!(value["error"]["kind"], "usage", "{value}");
        assert!(value["error"]["message"].is_string(), "{value}");
        for fact in ["status", "request_id", "retry_after_ms"] {
            assert!(value["error"][fact].is_null(), "{value}");
        }
    }
}

#[test]
fn no_auth_sends_no_credentials_on_every_command() {
    let mut script = Script::new();
    for _ in 0..2 {
        script = script
            .on(
                "POST",
                "/v1/responses/compact",
                ScriptedResponse::compaction(vec![
                    serde_json::json!({"type": "compaction", "encrypted_content": "opaque"}),
                ]),
            )
            .on(
                "GET",
                "/v1/models",
                ScriptedResponse::models(vec![serde_json::json!({"slug": "gpt-a"})], "\"v1\""),
            );
    }
    let server = TestServer::start(script).unwrap();
    let base = format!("{}/v1", server.url());
    // `--no-auth` wins over a key in the environment too.
    for key in [None, Some("sk-not-sent")] {
        for command in [
            &["compact", "--no-auth", "hi"][..],
            &["models", "--no-auth"][..],
        ] {
            let output = run(command, key, Some(&base));
            assert!(output.status.success(), "{}", text(&output.stderr));
        }
    }
    let requests = server.requests();
    assert_eq!(requests.len(), 4);
    assert!(requests.iter().all(|r| r.header("authorization").is_none()));
    // A dry run needs no key either, with or without `--no-auth`.
    for command in [
        &["request", "hi"][..],
        &["request", "--dry-run", "--no-auth", "hi"][..],
    ] {
        let output = run(command, None, None);
        assert!(output.status.success(), "{}", text(&output.stderr));
        let value: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert!(value["headers"]["authorization"].is_null(), "{value}");
    }
}

#[test]
fn compact_takes_only_the_flags_it_sends() {
    let help = text(&run(&["compact", "--help"], None, None).stdout);
    for absent in [
        "--tool-function",
        "--json-schema",
        "--reasoning-effort",
        "--max-output-tokens",
        "--text-verbosity",
    ] {
        assert!(
            !help.contains(absent),
            "compact --help lists {absent}:\n{help}"
        );
    }
    for present in [
        "PROMPT",
        "--model",
        "--instructions",
        "--input-file",
        "--store",
        "--no-store",
        "--previous-response-id",
        "--no-auth",
        "--json",
    ] {
        assert!(
            help.contains(present),
            "compact --help lacks {present}:\n{help}"
        );
    }
    let output = run(
        &["compact", "--tool-function", "f:{}", "hi"],
        Some("sk-x"),
        None,
    );
    assert_eq!(output.status.code(), Some(2));
    // `stream` and `request` keep every request flag.
    for command in ["stream", "request"] {
        let help = text(&run(&[command, "--help"], None, None).stdout);
        for present in [
            "--tool-function",
            "--json-schema",
            "--reasoning-effort",
            "--input-file",
            "--store",
            "--no-store",
            "--previous-response-id",
        ] {
            assert!(help.contains(present), "{command} --help lacks {present}");
        }
    }
}

#[test]
fn compact_sends_previous_response_id_and_no_store_drops_item_ids() {
    let dir = std::env::temp_dir().join(format!("codex-api-compact-ids-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let items = dir.join("items.json");
    std::fs::write(
        &items,
        r#"[{"type":"message","id":"msg_1","role":"assistant","content":[{"type":"output_text","text":"hi","annotations":[]}]}]"#,
    )
    .unwrap();
    let items = items.to_str().unwrap();
    let body = |extra: &[&str]| -> Value {
        let mut args = vec!["request", "--endpoint", "compact", "--input-file", items];
        args.extend_from_slice(extra);
        let output = run(&args, None, None);
        assert!(output.status.success(), "{}", text(&output.stderr));
        serde_json::from_slice::<Value>(&output.stdout).unwrap()["body"].clone()
    };
    assert_eq!(body(&[])["input"][0]["id"], "msg_1");
    assert_eq!(body(&["--store"])["input"][0]["id"], "msg_1");
    assert!(body(&["--no-store"])["input"][0]["id"].is_null());
    assert_eq!(
        body(&["--previous-response-id", "resp_1"])["previous_response_id"],
        "resp_1"
    );
    // The same body goes out on the wire.
    let server =
        TestServer::start(Script::new().then(ScriptedResponse::compaction(vec![]))).unwrap();
    let base = format!("{}/v1", server.url());
    let output = run(
        &[
            "compact",
            "--no-auth",
            "--no-store",
            "--previous-response-id",
            "resp_1",
            "--input-file",
            items,
        ],
        None,
        Some(&base),
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    let sent: Value = serde_json::from_slice(&server.requests()[0].body).unwrap();
    assert_eq!(sent["previous_response_id"], "resp_1");
    assert!(sent["input"][0]["id"].is_null(), "{sent}");
    assert_eq!(sent["input"][0]["role"], "assistant");
}

#[test]
fn a_json_schema_that_is_not_an_object_stops_stream_before_anything_is_sent() {
    let server = hello_server();
    let base = format!("{}/v1", server.url());
    let dir = std::env::temp_dir().join(format!("codex-api-schemas-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, content, kind) in [
        ("array.json", "[1,2,3]", "an array"),
        ("string.json", "\"schema\"", "a string"),
        ("number.json", " 42\n", "a number"),
        ("null.json", "null", "null"),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, content).unwrap();
        let output = run(
            &["stream", "--json-schema", path.to_str().unwrap(), "hi"],
            Some("sk-x"),
            Some(&base),
        );
        assert_eq!(output.status.code(), Some(2), "{name}");
        assert!(output.stdout.is_empty(), "{name}");
        assert_eq!(
            text(&output.stderr),
            format!(
                "codex-api: {} must hold a JSON schema (a JSON object), not {kind}\n",
                path.display()
            )
        );
    }
    assert!(server.requests().is_empty());
    // An object is sent as the format's schema.
    let path = dir.join("answer.json");
    std::fs::write(&path, r#"{"type":"object"}"#).unwrap();
    let output = run(
        &["stream", "--json-schema", path.to_str().unwrap(), "hi"],
        Some("sk-x"),
        Some(&base),
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    let sent: Value = serde_json::from_slice(&server.requests()[0].body).unwrap();
    assert_eq!(sent["text"]["format"]["type"], "json_schema");
    assert_eq!(sent["text"]["format"]["name"], "answer");
    assert_eq!(
        sent["text"]["format"]["schema"],
        serde_json::json!({"type": "object"})
    );
}
