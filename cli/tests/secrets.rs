//! A known secret used as the API key never appears in any output of any subcommand, on any
//! runtime, on success or on any error path, even with `RUST_LOG=trace` — including when the
//! server echoes it back in an error message.

use std::process::{Command, Output};

use codex_api_testkit::{Script, ScriptedResponse, TestServer, Transcript};
use serde_json::json;

const SECRET: &str = "sk-proj-PLANTED0secret0value0do0not0print";
/// The part an error message would quote if it echoed a truncated key.
const SECRET_TAIL: &str = "PLANTED0secret0value0do0not0print";

fn run(args: &[&str], base_url: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_codex-api"));
    command
        .args(args)
        .env("OPENAI_API_KEY", SECRET)
        .env("RUST_LOG", "trace")
        .env_remove("OPENAI_ORG_ID")
        .env_remove("OPENAI_PROJECT_ID");
    for proxy in [
        "HTTPS_PROXY",
        "HTTP_PROXY",
        "ALL_PROXY",
        "https_proxy",
        "http_proxy",
        "all_proxy",
    ] {
        command.env_remove(proxy);
    }
    match base_url {
        Some(url) => command.env("OPENAI_BASE_URL", url),
        None => command.env_remove("OPENAI_BASE_URL"),
    };
    command.output().expect("the binary runs")
}

fn assert_clean(label: &str, output: &Output, secrets: &[&str]) {
    for stream in [&output.stdout, &output.stderr] {
        let text = String::from_utf8_lossy(stream);
        for secret in secrets {
            assert!(
                !text.contains(secret),
                "{label}: a secret leaked into the output:\n{text}"
            );
        }
    }
}

fn echoing_error(status: u16, code: &str) -> ScriptedResponse {
    ScriptedResponse::api_error(
        status,
        &format!("Incorrect API key provided: {SECRET}. You can find your API key at ..."),
        "invalid_request_error",
        None,
        Some(code),
    )
    .header(
        "www-authenticate",
        format!("Bearer realm=\"x\", error_description=\"{SECRET}\""),
    )
}

#[test]
fn no_subcommand_prints_the_api_key() {
    let secrets = [SECRET, SECRET_TAIL];
    // Offline subcommands.
    let sample = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/samples/text_and_tool_call.sse"
    );
    for args in [
        vec!["replay", sample],
        vec!["replay", "--json", sample],
        vec!["request", "--dry-run", "hi"],
        vec!["request", "--dry-run", "--endpoint", "compact", "hi"],
        vec!["request", "--dry-run", "--endpoint", "memories", "hi"],
        vec!["request", "--dry-run", "--endpoint", "models"],
    ] {
        let output = run(&args, None);
        assert!(output.status.success(), "{args:?}");
        assert_clean(&format!("{args:?}"), &output, &secrets);
    }

    // The demo's own tokens are secrets too.
    for runtime in ["tokio", "async-std", "blocking"] {
        let output = run(&["demo", "--runtime", runtime], None);
        assert!(output.status.success(), "demo on {runtime}");
        assert_clean(
            &format!("demo on {runtime}"),
            &output,
            &[SECRET, "demo-token-expired", "demo-token-fresh"],
        );
    }

    // Network subcommands, on success and on every error path, on every runtime.
    let ok_stream =
        || ScriptedResponse::sse(Transcript::new().created().message(&["ok"]).completed());
    let failed_stream = || {
        ScriptedResponse::sse(
            Transcript::new()
                .created()
                .failed("invalid_api_key", &format!("bad key {SECRET}")),
        )
    };
    for runtime in ["tokio", "async-std", "blocking"] {
        let server = TestServer::start(
            Script::new()
                .on("POST", "/v1/responses", ok_stream())
                .on(
                    "POST",
                    "/v1/responses",
                    echoing_error(401, "invalid_api_key"),
                )
                .on("POST", "/v1/responses", echoing_error(400, "invalid_value"))
                .on("POST", "/v1/responses", failed_stream())
                .on(
                    "POST",
                    "/v1/responses/compact",
                    ScriptedResponse::compaction(vec![
                        json!({"type": "compaction", "encrypted_content": "x"}),
                    ]),
                )
                .on("GET", "/v1/models", echoing_error(403, "forbidden")),
        )
        .unwrap();
        let base = format!("{}/v1", server.url());
        for args in [
            vec!["stream", "--runtime", runtime, "hi"],
            vec!["stream", "--runtime", runtime, "hi"],
            vec!["stream", "--runtime", runtime, "--json", "hi"],
            vec!["stream", "--runtime", runtime, "hi"],
            vec!["compact", "--runtime", runtime, "hi"],
            vec!["models", "--runtime", runtime],
        ] {
            let output = run(&args, Some(&base));
            assert_clean(&format!("{args:?}"), &output, &secrets);
        }
        // Every request did carry the key: it was sent, just never printed.
        for request in server.requests() {
            assert_eq!(
                request.header("authorization"),
                Some(format!("Bearer {SECRET}").as_str())
            );
        }
    }

    // A refused connection.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}/v1");
    for runtime in ["tokio", "async-std", "blocking"] {
        let output = run(&["stream", "--runtime", runtime, "hi"], Some(&base));
        assert!(!output.status.success());
        assert_clean(&format!("refused on {runtime}"), &output, &secrets);
    }
}
