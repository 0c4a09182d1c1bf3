//! Runs the `codex-api` binary's resource subcommands against a testkit server on loopback:
//! `create`, `get` (whole and streamed from a sequence number), `cancel`, `delete`,
//! `input-items`, `count-tokens`, `conversation create|get|delete|items`, and `stream
//! --background` resuming after cuts. Checks outputs, requests and exit codes.

use std::process::{Command, Output};

use codex_api_testkit::{
    BackgroundResponse, ItemPages, RecordedRequest, ResumeFault, Script, ScriptedResponse,
    TestServer, Transcript,
};
use serde_json::{Value, json};

const SECRET: &str = "sk-cli-resources-0123456789";

fn run(args: &[&str], server: &TestServer) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_codex-api"));
    command
        .args(args)
        .env("OPENAI_API_KEY", SECRET)
        .env("OPENAI_BASE_URL", format!("{}/v1", server.url()))
        .env_remove("RUST_LOG");
    for name in [
        "OPENAI_ORG_ID",
        "OPENAI_PROJECT_ID",
        "HTTPS_PROXY",
        "HTTP_PROXY",
        "ALL_PROXY",
    ] {
        command.env_remove(name).env_remove(name.to_lowercase());
    }
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

/// Runs `args`, expects success, returns stdout.
fn ok(args: &[&str], server: &TestServer) -> String {
    let output = run(args, server);
    assert!(
        output.status.success(),
        "{args:?}: {}\n{}",
        text(&output.stdout),
        text(&output.stderr)
    );
    text(&output.stdout)
}

/// Routes that answer every request with the same reply (`Script::on` answers once).
trait Always {
    fn always(self, method: &str, path: &str, response: ScriptedResponse) -> Script;
}

impl Always for Script {
    fn always(self, method: &str, path: &str, response: ScriptedResponse) -> Script {
        self.on_fn_exact(method, path, move |_| response.clone())
    }
}

fn body_of(request: &RecordedRequest) -> Value {
    serde_json::from_slice(&request.body).expect("a JSON body")
}

fn json_of(stdout: &str) -> Value {
    serde_json::from_str(stdout.trim_end()).unwrap_or_else(|err| panic!("{err}: {stdout}"))
}

/// Sequence numbers 0..=9: created (0), a message whose deltas are 3, 4 and 5, completed (9).
fn transcript() -> Transcript {
    Transcript::new()
        .response_id("resp_bg")
        .created()
        .message(&["one ", "two ", "three"])
        .completed()
}

fn completed_response() -> Value {
    Transcript::new()
        .response_id("resp_1")
        .created()
        .message(&["Hello", ", world"])
        .completed()
        .response_object("completed")
}

#[test]
fn create_prints_the_text_or_the_response_object() {
    let reply = completed_response();
    let server = TestServer::start(
        Script::new()
            .then(ScriptedResponse::response_object(&reply))
            .then(ScriptedResponse::response_object(&reply)),
    )
    .unwrap();
    let stdout = ok(
        &["create", "--model", "gpt-test", "--store", "Say hi"],
        &server,
    );
    assert_eq!(stdout, "Hello, world\n");
    assert_eq!(
        json_of(&ok(&["create", "--json", "Say hi"], &server)),
        reply
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].method, "POST");
    assert_eq!(requests[0].path, "/v1/responses");
    let body = body_of(&requests[0]);
    assert_eq!(body["model"], "gpt-test");
    assert_eq!(body["store"], true);
    assert!(body.get("stream").is_none(), "{body}");
    assert_eq!(body["input"][0]["content"][0]["text"], "Say hi");
}

#[test]
fn create_background_prints_the_id_and_status() {
    let background = BackgroundResponse::new(transcript());
    let server = TestServer::start(background.install(Script::new())).unwrap();
    let stdout = ok(&["create", "--background", "hi"], &server);
    assert_eq!(stdout, "resp_bg queued\n");
    assert_eq!(body_of(&server.requests()[0])["background"], true);
}

#[test]
fn get_prints_id_status_and_text_or_the_object_as_sent() {
    let reply = completed_response();
    let server = TestServer::start(Script::new().always(
        "GET",
        "/v1/responses/resp_1",
        ScriptedResponse::response_object(&reply),
    ))
    .unwrap();
    assert_eq!(
        ok(&["get", "resp_1"], &server),
        "resp_1 completed\nHello, world\n"
    );
    for runtime in ["tokio", "async-std", "blocking"] {
        let stdout = ok(&["get", "--json", "--runtime", runtime, "resp_1"], &server);
        assert_eq!(json_of(&stdout), reply, "{runtime}");
    }
    assert!(server.requests().iter().all(|r| r.method == "GET"));
}

#[test]
fn get_stream_resumes_from_a_sequence_number() {
    let background = BackgroundResponse::new(transcript());
    let server = TestServer::start(background.install(Script::new())).unwrap();
    let output = run(
        &["get", "resp_bg", "--stream", "--starting-after", "3"],
        &server,
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), "two three\n");
    assert_eq!(text(&output.stderr), "");
    let request = &server.requests()[0];
    assert_eq!(
        request.path,
        "/v1/responses/resp_bg?stream=true&starting_after=3"
    );
    assert_eq!(request.header("accept"), Some("text/event-stream"));
    assert_eq!(background.resumes(), [Some(3)]);

    // `--json`: the raw events after 3, one per line.
    let stdout = ok(
        &[
            "get",
            "resp_bg",
            "--stream",
            "--starting-after",
            "3",
            "--json",
        ],
        &server,
    );
    let numbers: Vec<u64> = stdout
        .lines()
        .map(json_of)
        .filter_map(|event| event["sequence_number"].as_u64())
        .collect();
    assert_eq!(numbers, (4..=9).collect::<Vec<_>>());
    // `--starting-after` needs `--stream`.
    let output = run(&["get", "resp_bg", "--starting-after", "3"], &server);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn cancel_and_delete_print_one_line_or_the_object() {
    let mut cancelled = completed_response();
    cancelled["status"] = json!("cancelled");
    let server = TestServer::start(
        Script::new()
            .always(
                "POST",
                "/v1/responses/resp_1/cancel",
                ScriptedResponse::response_object(&cancelled),
            )
            .always(
                "DELETE",
                "/v1/responses/resp_1",
                ScriptedResponse::deleted("resp_1", "response"),
            ),
    )
    .unwrap();
    assert_eq!(ok(&["cancel", "resp_1"], &server), "resp_1 cancelled\n");
    assert_eq!(
        json_of(&ok(&["cancel", "--json", "resp_1"], &server)),
        cancelled
    );
    assert_eq!(ok(&["delete", "resp_1"], &server), "resp_1 deleted\n");
    assert_eq!(
        json_of(&ok(&["delete", "resp_1", "--json"], &server)),
        json!({"id": "resp_1", "object": "response", "deleted": true})
    );
    let requests = server.requests();
    assert_eq!(requests[0].method, "POST");
    assert_eq!(requests[0].path, "/v1/responses/resp_1/cancel");
    assert_eq!(requests[2].method, "DELETE");
    assert_eq!(requests[2].path, "/v1/responses/resp_1");
}

fn message(n: u32) -> Value {
    json!({
        "id": format!("msg_{n}"),
        "type": "message",
        "role": "user",
        "content": [{"type": "input_text", "text": format!("item {n}")}],
    })
}

#[test]
fn input_items_pages_through_every_item() {
    let mut items: Vec<Value> = (1..=6).map(message).collect();
    items.push(json!({"id": "fc_7", "type": "function_call", "name": "f", "arguments": "{}", "call_id": "call_7"}));
    let pages = ItemPages::new(items.clone(), 20);
    let path = "/v1/responses/resp_1/input_items";
    let server = TestServer::start(pages.install(Script::new(), "GET", path)).unwrap();

    let stdout = ok(
        &["input-items", "resp_1", "--limit", "3", "--order", "asc"],
        &server,
    );
    let mut expected: String = (1..=6)
        .map(|n| format!("message msg_{n} user: item {n}\n"))
        .collect();
    expected.push_str("function_call fc_7\n");
    assert_eq!(stdout, expected);
    let requests = server.requests();
    assert_eq!(requests.len(), 3, "three pages");
    for (request, after) in requests.iter().zip([None, Some("msg_3"), Some("msg_6")]) {
        assert_eq!(request.method, "GET");
        assert_eq!(request.path_without_query(), path);
        assert_eq!(request.query_param("limit").as_deref(), Some("3"));
        assert_eq!(request.query_param("order").as_deref(), Some("asc"));
        assert_eq!(request.query_param("after").as_deref(), after);
    }

    // `--json`: JSON Lines, one item per line, as the server sent it.
    let stdout = ok(
        &[
            "input-items",
            "resp_1",
            "--limit",
            "3",
            "--order",
            "asc",
            "--json",
        ],
        &server,
    );
    let lines: Vec<Value> = stdout.lines().map(json_of).collect();
    assert_eq!(lines, items);
    // The server's default order is `desc`.
    let stdout = ok(&["input-items", "resp_1", "--limit", "3"], &server);
    assert!(
        stdout.starts_with("function_call fc_7\nmessage msg_6 "),
        "{stdout}"
    );
}

#[test]
fn count_tokens_prints_the_number_or_the_object() {
    let server = TestServer::start(Script::new().always(
        "POST",
        "/v1/responses/input_tokens",
        ScriptedResponse::input_tokens(42),
    ))
    .unwrap();
    assert_eq!(
        ok(&["count-tokens", "--model", "gpt-test", "hi"], &server),
        "42\n"
    );
    assert_eq!(
        json_of(&ok(&["count-tokens", "--json", "hi"], &server)),
        json!({"object": "response.input_tokens", "input_tokens": 42})
    );
    let body = body_of(&server.requests()[0]);
    assert_eq!(body["model"], "gpt-test");
    assert_eq!(body["input"][0]["content"][0]["text"], "hi");
    assert!(body.get("stream").is_none(), "{body}");
}

#[test]
fn conversation_create_get_delete_and_items() {
    let items: Vec<Value> = (1..=5).map(message).collect();
    let pages = ItemPages::new(items.clone(), 2);
    let script = Script::new()
        .always(
            "POST",
            "/v1/conversations",
            ScriptedResponse::conversation("conv_1", json!({"topic": "demo"})),
        )
        .always(
            "GET",
            "/v1/conversations/conv_1",
            ScriptedResponse::conversation("conv_1", json!({"topic": "demo"})),
        )
        .always(
            "DELETE",
            "/v1/conversations/conv_1",
            ScriptedResponse::deleted("conv_1", "conversation.deleted"),
        );
    let script = pages.install(script, "GET", "/v1/conversations/conv_1/items");
    let server = TestServer::start(script).unwrap();

    let dir = std::env::temp_dir().join(format!("codex-api-conv-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("items.json");
    std::fs::write(&file, serde_json::to_string(&items[..1]).unwrap()).unwrap();
    let stdout = ok(
        &[
            "conversation",
            "create",
            "--metadata",
            r#"{"topic":"demo"}"#,
            "--input-file",
            file.to_str().unwrap(),
        ],
        &server,
    );
    assert_eq!(stdout, "conv_1\n");
    let body = body_of(&server.requests()[0]);
    assert_eq!(body["metadata"], json!({"topic": "demo"}));
    assert_eq!(body["items"], json!([items[0]]));

    assert_eq!(
        ok(&["conversation", "get", "conv_1"], &server),
        "conv_1\ncreated at 1700000000\nmetadata {\"topic\":\"demo\"}\n"
    );
    assert_eq!(
        json_of(&ok(&["conversation", "get", "--json", "conv_1"], &server)),
        json!({"id": "conv_1", "object": "conversation", "created_at": 1_700_000_000, "metadata": {"topic": "demo"}})
    );
    assert_eq!(
        ok(&["conversation", "delete", "conv_1"], &server),
        "conv_1 deleted\n"
    );
    let stdout = ok(
        &[
            "conversation",
            "items",
            "conv_1",
            "--order",
            "asc",
            "--json",
        ],
        &server,
    );
    assert_eq!(stdout.lines().map(json_of).collect::<Vec<_>>(), items);
    assert_eq!(pages.requests(), 3, "five items, two per page");

    // A metadata that is not an object is a usage error, before any request.
    let before = server.requests().len();
    let output = run(&["conversation", "create", "--metadata", "[1]"], &server);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).starts_with("codex-api: --metadata must be a JSON object"));
    assert_eq!(server.requests().len(), before);
}

#[test]
fn stream_background_resumes_after_cuts_and_says_so_on_stderr() {
    for runtime in ["tokio", "async-std", "blocking"] {
        let background = BackgroundResponse::new(transcript())
            .cut_after(3)
            .resume_faults([ResumeFault::Cut { after: 5 }]);
        let server = TestServer::start(background.install(Script::new())).unwrap();
        let output = run(
            &["stream", "--background", "--runtime", runtime, "hi"],
            &server,
        );
        let stderr = text(&output.stderr);
        assert!(output.status.success(), "{runtime}: {stderr}");
        assert_eq!(text(&output.stdout), "one two three\n", "{runtime}");
        let resumes: Vec<&str> = stderr
            .lines()
            .filter(|line| line.contains("resuming"))
            .collect();
        assert_eq!(
            resumes,
            [
                "codex-api: stream cut; resuming after event 3 (resume 1)",
                "codex-api: stream cut; resuming after event 5 (resume 2)",
            ],
            "{runtime}: {stderr}"
        );
        assert_eq!(background.resumes(), [Some(3), Some(5)], "{runtime}");
        assert_eq!(body_of(&server.requests()[0])["background"], true);
    }

    // With `--json`, stderr stays quiet; every event is printed once.
    let background = BackgroundResponse::new(transcript())
        .cut_after(3)
        .resume_faults([ResumeFault::Cut { after: 5 }]);
    let server = TestServer::start(background.install(Script::new())).unwrap();
    let output = run(&["stream", "--background", "--json", "hi"], &server);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(text(&output.stderr), "");
    let events: Vec<Value> = text(&output.stdout).lines().map(json_of).collect();
    let deltas: String = events
        .iter()
        .filter(|event| event["type"] == "response.output_text.delta")
        .map(|event| event["delta"].as_str().unwrap())
        .collect();
    assert_eq!(deltas, "one two three");
    let numbers: Vec<u64> = events
        .iter()
        .filter_map(|event| event["sequence_number"].as_u64())
        .collect();
    assert_eq!(numbers, (0..=9).collect::<Vec<_>>());
    assert_eq!(background.resumes(), [Some(3), Some(5)]);
}

#[test]
fn a_missing_response_is_a_not_found_error() {
    let server = TestServer::start(
        Script::new()
            .always(
                "GET",
                "/v1/responses/resp_missing",
                ScriptedResponse::not_found("No response found with id 'resp_missing'."),
            )
            .always(
                "DELETE",
                "/v1/conversations/conv_missing",
                ScriptedResponse::not_found("Conversation not found."),
            ),
    )
    .unwrap();
    let output = run(&["get", "resp_missing"], &server);
    assert_eq!(output.status.code(), Some(5));
    assert_eq!(text(&output.stdout), "");
    assert_eq!(
        text(&output.stderr),
        "codex-api: not found (HTTP 404, code invalid_request_error): No response found with id 'resp_missing'.\n"
    );
    let output = run(&["get", "--json", "resp_missing"], &server);
    assert_eq!(output.status.code(), Some(5));
    let error = json_of(&text(&output.stdout));
    assert_eq!(error["error"]["kind"], "not_found");
    assert_eq!(error["error"]["status"], 404);
    let output = run(&["conversation", "delete", "conv_missing"], &server);
    assert_eq!(output.status.code(), Some(5));
    let stderr = text(&output.stderr);
    assert!(
        stderr.starts_with("codex-api: not found (HTTP 404")
            && stderr.ends_with(": Conversation not found.\n"),
        "{stderr}"
    );
}

#[test]
fn an_empty_id_is_a_usage_error_before_any_request() {
    let server = TestServer::start(Script::new()).unwrap();
    for (args, what) in [
        (&["get", ""][..], "response"),
        (&["cancel", " "][..], "response"),
        (&["delete", ""][..], "response"),
        (&["input-items", ""][..], "response"),
        (&["conversation", "get", ""][..], "conversation"),
        (&["conversation", "items", ""][..], "conversation"),
    ] {
        let output = run(args, &server);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert_eq!(
            text(&output.stderr),
            format!("codex-api: the {what} id is empty\n"),
            "{args:?}"
        );
    }
    let output = run(&["get", "--json", ""], &server);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(json_of(&text(&output.stdout))["error"]["kind"], "usage");
    assert!(server.requests().is_empty());
}
