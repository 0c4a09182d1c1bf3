//! `--input-file FILE|-` and `--store` / `--no-store` on `request --dry-run`: items re-emitted
//! member for member, ids following `store`, and clear errors (exit 2) for bad files.

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
