//! Interop: `codex-api stream --transport websocket` against a server written on Python's
//! `websockets` package (`scripts/ws_transcript_server.py`: permessage-deflate as `websockets`
//! negotiates it by default, a fixed transcript per `response.create`), on every runtime.
//!
//! Needs `python3` with `websockets` (`python3 -m pip install 'websockets>=12'`). Without it
//! the test prints a notice and passes, unless `CODEX_API_REQUIRE_PYTHON_INTEROP=1` (as CI
//! sets it), where it fails.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStdout, Command, Stdio};

use serde_json::Value;

const REQUIRE: &str = "CODEX_API_REQUIRE_PYTHON_INTEROP";
const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../scripts/ws_transcript_server.py"
);

/// Whether `python3` can import `websockets`; otherwise why not.
fn python_websockets() -> Result<(), String> {
    let output = Command::new("python3")
        .args(["-c", "import websockets"])
        .output()
        .map_err(|err| format!("cannot run python3: {err}"))?;
    if output.status.success() {
        Ok(())
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        Err(format!(
            "python3 cannot import websockets ({})",
            stderr.trim().lines().last().unwrap_or("no message")
        ))
    }
}

/// The Python server, ended when dropped.
struct PythonServer {
    child: Child,
    stdout: BufReader<ChildStdout>,
    port: u16,
}

impl PythonServer {
    fn start() -> PythonServer {
        let mut child = Command::new("python3")
            .args([SCRIPT, "--exit-on-stdin-eof"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the Python server");
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut first = String::new();
        stdout.read_line(&mut first).expect("read the port line");
        let listening: Value = serde_json::from_str(&first)
            .unwrap_or_else(|err| panic!("the server's first line {first:?}: {err}"));
        assert_eq!(listening["event"], "listening", "{listening}");
        let port = listening["port"]
            .as_u64()
            .and_then(|port| u16::try_from(port).ok())
            .expect("a port");
        PythonServer {
            child,
            stdout,
            port,
        }
    }

    /// Stops the server (end of its stdin) and returns every fact it recorded.
    fn finish(mut self) -> Vec<Value> {
        drop(self.child.stdin.take());
        let mut rest = String::new();
        self.stdout
            .read_to_string(&mut rest)
            .expect("read the record");
        let status = self.child.wait().expect("the server ends");
        assert!(status.success(), "the Python server failed: {status}");
        rest.lines()
            .map(|line| serde_json::from_str(line).expect("one JSON record per line"))
            .collect()
    }
}

impl Drop for PythonServer {
    fn drop(&mut self) {
        // Only when a check failed before `finish`: the server must not outlive the test.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn stream_over_websocket_against_python_websockets() {
    if let Err(why) = python_websockets() {
        if std::env::var(REQUIRE).as_deref() == Ok("1") {
            panic!(
                "{why}; {REQUIRE}=1 requires the Python interop test \
                 (install it with: python3 -m pip install 'websockets>=12')"
            );
        }
        eprintln!(
            "skipped: {why} (python3 -m pip install 'websockets>=12' runs it; \
             {REQUIRE}=1 makes this a failure)"
        );
        return;
    }
    for runtime in ["tokio", "async-std", "blocking"] {
        for json in [false, true] {
            check(runtime, json);
        }
    }
}

fn check(runtime: &str, json: bool) {
    let server = PythonServer::start();
    let base = format!("http://127.0.0.1:{}/v1", server.port);
    let mut args = vec![
        "stream",
        "--runtime",
        runtime,
        "--transport",
        "websocket",
        "--base-url",
        &base,
        "--no-auth",
        "--model",
        "gpt-interop",
    ];
    if json {
        args.push("--json");
    }
    args.push("Say hello");
    let mut command = Command::new(env!("CARGO_BIN_EXE_codex-api"));
    command.args(&args).env_remove("OPENAI_API_KEY");
    for name in ["HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "RUST_LOG"] {
        command.env_remove(name).env_remove(name.to_lowercase());
    }
    let output = command.output().expect("the binary runs");
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    let what = format!("{runtime}, json {json}");
    assert!(output.status.success(), "{what}: {stdout}\n{stderr}");
    if json {
        let events: Vec<Value> = stdout
            .lines()
            .map(|line| serde_json::from_str(line).expect("one JSON value per line"))
            .collect();
        let deltas: String = events
            .iter()
            .filter(|event| event["type"] == "response.output_text.delta")
            .filter_map(|event| event["delta"].as_str())
            .collect();
        assert_eq!(deltas, "Hello from Python websockets.", "{what}: {stdout}");
        assert!(stdout.contains("response.completed"), "{what}: {stdout}");
        assert!(stderr.is_empty(), "{what}: {stderr}");
    } else {
        assert_eq!(stdout, "Hello from Python websockets.\n", "{what}");
        assert_eq!(
            stderr, "[usage] 12 input, 4 output, 16 total tokens\n",
            "{what}: nothing else, no fallback to HTTP"
        );
    }

    let records = server.finish();
    let connections: Vec<&Value> = records
        .iter()
        .filter(|record| record["event"] == "connection")
        .collect();
    assert_eq!(connections.len(), 1, "{what}: {records:#?}");
    assert_eq!(connections[0]["path"], "/v1/responses");
    let extensions = connections[0]["extensions"].as_str().unwrap_or_default();
    assert!(
        extensions.starts_with("permessage-deflate"),
        "{what}: deflate was not negotiated: {records:#?}"
    );
    let messages: Vec<Value> = records
        .iter()
        .filter(|record| record["event"] == "message")
        .map(|record| {
            serde_json::from_str(record["text"].as_str().unwrap_or_default())
                .expect("the client sent JSON")
        })
        .collect();
    assert_eq!(messages.len(), 1, "{what}: {records:#?}");
    let create = &messages[0];
    assert_eq!(create["type"], "response.create");
    assert!(create.get("stream").is_none(), "{what}: {create}");
    assert!(create.get("background").is_none(), "{what}: {create}");
    assert_eq!(create["model"], "gpt-interop");
    assert_eq!(create["input"][0]["content"][0]["text"], "Say hello");
}
