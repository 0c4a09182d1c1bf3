//! `--input-file FILE|-`, `--store` / `--no-store` on `request --dry-run`, `stream` and `compact`:
//! items re-emitted member for member, ids following `store`, the prompt appended, and clear
//! errors (exit 2, the file and the line and column named, nothing sent) for bad files.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn codex_api(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_codex-api"))
        .args(args)
        .env_remove("OPENAI_API_KEY")
        .env_remove("OPENAI_BASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

/// Items as the API sends them back (its member order, `phase`, `namespace`, a member this
/// crate does not model, an item type it does not know), in compact JSON.
const ITEMS: &[&str] = &[
    r#"{"id":"msg_1","type":"message","status":"completed","content":[{"type":"output_text","annotations":[],"text":"hi"}],"role":"assistant","phase":"final_answer","x_new":{"a":[1, 2]}}"#,
    r#"{"type":"function_call","id":"fc_1","name":"read","namespace":"mcp__files","arguments":"{}","call_id":"c1"}"#,
    r#"{"type":"future_item","id":"f1","z":1e400}"#,
];

fn items_file(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("items.json");
    std::fs::write(&path, format!("[\n  {}\n]\n", ITEMS.join(",\n  "))).unwrap();
    path
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "codex-api-input-file-{name}-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The `input` array of the dry-run body, as text.
fn input_text(output: &Output) -> String {
    assert!(
        output.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout.clone()).unwrap();
    let start = stdout.find(r#""input":["#).expect("an input array") + r#""input":"#.len();
    let end = stdout.find(r#"],"store""#).expect("store after input") + 1;
    stdout[start..end].to_owned()
}

#[test]
fn stored_requests_re_emit_every_item_member_for_member() {
    let dir = temp_dir("store");
    let path = items_file(&dir);
    let output = codex_api(
        &[
            "request",
            "--dry-run",
            "--store",
            "--input-file",
            path.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(input_text(&output), format!("[{}]", ITEMS.join(",")));
    assert!(String::from_utf8_lossy(&output.stdout).contains(r#""store":true"#));
}

#[test]
fn unstored_requests_drop_only_the_ids() {
    let dir = temp_dir("no-store");
    let path = items_file(&dir);
    let output = codex_api(
        &[
            "request",
            "--dry-run",
            "--no-store",
            "--input-file",
            path.to_str().unwrap(),
        ],
        b"",
    );
    let expected: Vec<String> = ITEMS
        .iter()
        .map(|item| {
            item.replace(r#""id":"msg_1","#, "")
                .replace(r#""id":"fc_1","#, "")
                .replace(r#""id":"f1","#, "")
        })
        .collect();
    assert_eq!(input_text(&output), format!("[{}]", expected.join(",")));
    assert!(String::from_utf8_lossy(&output.stdout).contains(r#""store":false"#));
}

#[test]
fn stdin_items_come_first_and_the_prompt_is_appended() {
    let output = codex_api(
        &[
            "request",
            "--dry-run",
            "--store",
            "--input-file",
            "-",
            "and then?",
        ],
        format!("[{}]", ITEMS[1]).as_bytes(),
    );
    assert_eq!(
        input_text(&output),
        format!(
            r#"[{},{{"type":"message","role":"user","content":[{{"type":"input_text","text":"and then?"}}]}}]"#,
            ITEMS[1]
        )
    );
}

#[test]
fn bad_files_are_clear_errors_with_exit_code_2() {
    let dir = temp_dir("bad");
    let cases = [
        (
            "broken.json",
            r#"[{"type":"message""#,
            "broken.json is not valid JSON",
        ),
        (
            "object.json",
            r#"{"type":"message"}"#,
            "must hold a JSON array of input items, not an object",
        ),
        (
            "member.json",
            r#"[{"type":"message","role":"user","content":[]},{"type":"message","role":"user","content":[{"type":"input_text","text":3}]}]"#,
            "input item 1 is invalid: member `content`: member `text`: invalid type",
        ),
    ];
    for (name, text, message) in cases {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let output = codex_api(
            &[
                "request",
                "--dry-run",
                "--input-file",
                path.to_str().unwrap(),
            ],
            b"",
        );
        assert_eq!(output.status.code(), Some(2), "{name}");
        assert!(output.stdout.is_empty(), "{name}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(message), "{name}: {stderr}");
    }
    let missing = dir.join("missing.json");
    let output = codex_api(
        &[
            "request",
            "--dry-run",
            "--input-file",
            missing.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("missing.json"));
}

#[test]
fn store_and_no_store_conflict() {
    let output = codex_api(&["request", "--dry-run", "--store", "--no-store"], b"");
    assert_eq!(output.status.code(), Some(2));
}

/// Where serde puts an error in `text` when it decodes the whole array at once.
fn serde_position(text: &str) -> String {
    let err = serde_json::from_str::<Vec<codex_api_core::wire::ResponseItem>>(text)
        .expect_err("the text does not decode");
    format!("at line {} column {}", err.line(), err.column())
}

#[test]
fn errors_give_the_line_and_column_in_the_file() {
    let dir = temp_dir("position");
    let cases = [
        // Blank lines first: the position is the file's, not the trimmed text's.
        (
            "broken.json",
            "\n\n[{\"type\":\"message\"",
            "broken.json is not valid JSON: EOF while parsing an object at line 3 column 18",
        ),
        (
            "empty.json",
            "  \n",
            "empty.json is not valid JSON: EOF while parsing a value",
        ),
        // An item that does not decode: the position is in the file, not in the item.
        (
            "item.json",
            "[\n  {\"type\":\"message\",\"role\":\"user\",\"content\":[]},\n  {\"type\":\"message\",\n   \"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":3}]}\n]\n",
            "item.json: input item 1 is invalid: member `content`: member `text`: invalid type: integer `3`, expected a string",
        ),
    ];
    for (name, text, message) in cases {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let output = codex_api(
            &[
                "request",
                "--dry-run",
                "--input-file",
                path.to_str().unwrap(),
            ],
            b"",
        );
        assert_eq!(output.status.code(), Some(2), "{name}");
        assert!(output.stdout.is_empty(), "{name}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(message), "{name}: {stderr}");
        let position = serde_position(text);
        assert!(
            stderr.trim_end().ends_with(&position),
            "{name}: {stderr} (serde: {position})"
        );
        assert_eq!(stderr.lines().count(), 1, "{name}: one line: {stderr}");
    }
}

#[test]
fn stdin_errors_name_stdin() {
    let output = codex_api(
        &["request", "--dry-run", "--input-file", "-"],
        b"{\"type\":\"message\"}",
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("stdin must hold a JSON array of input items, not an object"),
        "{stderr}"
    );
}

#[test]
fn items_and_prompt_cannot_both_come_from_stdin() {
    let output = codex_api(&["request", "--dry-run", "--input-file", "-", "-"], b"[]");
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot both read standard input"),
        "{stderr}"
    );
}

#[test]
fn no_store_sets_store_false_without_items() {
    let output = codex_api(&["request", "--dry-run", "--no-store", "hi"], b"");
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains(r#""store":false"#), "{stdout}");
    let output = codex_api(&["request", "--dry-run", "hi"], b"");
    assert!(!String::from_utf8_lossy(&output.stdout).contains(r#""store""#));
}

/// Items without ids (what ids become under `store` is the core's, tested there and above).
const PLAIN_ITEMS: &str = r#"[
  {"type":"message","role":"user","content":[{"type":"input_text","text":"read a"}]},
  {"type":"function_call","name":"read","arguments":"{}","call_id":"c1"},
  {"type":"function_call_output","call_id":"c1","output":"contents of a"}
]"#;

/// The JSON of `PLAIN_ITEMS` followed by a user message with `prompt`.
fn items_then_prompt(prompt: &str) -> serde_json::Value {
    let mut items: Vec<serde_json::Value> = serde_json::from_str(PLAIN_ITEMS).unwrap();
    items.push(serde_json::json!({
        "type": "message",
        "role": "user",
        "content": [{"type": "input_text", "text": prompt}],
    }));
    serde_json::Value::Array(items)
}

fn test_server(script: codex_api_testkit::Script) -> (codex_api_testkit::TestServer, String) {
    let server = codex_api_testkit::TestServer::start(script).unwrap();
    let base = format!("{}/v1", server.url());
    (server, base)
}

#[test]
fn stream_sends_the_items_of_stdin_then_the_prompt() {
    use codex_api_testkit::{Script, ScriptedResponse, Transcript};
    let transcript = Transcript::new().created().message(&["done"]).completed();
    let (server, base) = test_server(Script::new().on(
        "POST",
        "/v1/responses",
        ScriptedResponse::sse(transcript.to_body()),
    ));
    let output = codex_api(
        &[
            "stream",
            "--no-auth",
            "--base-url",
            &base,
            "--no-store",
            "--input-file",
            "-",
            "and then?",
        ],
        PLAIN_ITEMS.as_bytes(),
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout), "done\n");
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let body: serde_json::Value = serde_json::from_slice(&requests[0].body).unwrap();
    assert_eq!(body["input"], items_then_prompt("and then?"));
    assert_eq!(body["store"], false);
    assert_eq!(body["stream"], true);
}

#[test]
fn compact_sends_the_items_of_a_file_then_the_prompt() {
    use codex_api_testkit::{Script, ScriptedResponse};
    let (server, base) = test_server(Script::new().on(
        "POST",
        "/v1/responses/compact",
        ScriptedResponse::compaction(vec![serde_json::json!({
            "type": "compaction", "encrypted_content": "opaque"
        })]),
    ));
    let dir = temp_dir("compact");
    let path = dir.join("history.json");
    std::fs::write(&path, PLAIN_ITEMS).unwrap();
    let output = codex_api(
        &[
            "compact",
            "--no-auth",
            "--base-url",
            &base,
            "--input-file",
            path.to_str().unwrap(),
            "keep it short",
        ],
        b"",
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let reply: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(reply["output"][0]["type"], "compaction");
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let body: serde_json::Value = serde_json::from_slice(&requests[0].body).unwrap();
    assert_eq!(body["input"], items_then_prompt("keep it short"));
}

#[test]
fn a_bad_file_stops_stream_and_compact_before_anything_is_sent() {
    use codex_api_testkit::{Script, ScriptedResponse};
    let (server, base) = test_server(Script::new().then(ScriptedResponse::new(500)));
    let dir = temp_dir("unsent");
    let path = dir.join("object.json");
    std::fs::write(&path, r#"{"type":"message"}"#).unwrap();
    for command in ["stream", "compact"] {
        let output = codex_api(
            &[
                command,
                "--no-auth",
                "--base-url",
                &base,
                "--input-file",
                path.to_str().unwrap(),
            ],
            b"",
        );
        assert_eq!(output.status.code(), Some(2), "{command}");
        assert!(output.stdout.is_empty(), "{command}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("object.json must hold a JSON array of input items, not an object"),
            "{command}: {stderr}"
        );
    }
    assert!(server.requests().is_empty());
}
