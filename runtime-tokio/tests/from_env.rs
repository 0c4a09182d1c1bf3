//! `Client::from_env`: the test re-runs itself as a child process with the variables set
//! (setting variables in a threaded test process is unsound), against a loopback server.

use std::process::Command;
use std::time::Duration;

use codex_api_testkit::{Script, ScriptedResponse, TestServer};
use codex_api_tokio::{Client, ConfigError};

const CHILD: &str = "CODEX_API_TOKIO_FROM_ENV_CHILD";

#[tokio::test]
async fn child_lists_models_with_the_environment_config() {
    if std::env::var_os(CHILD).is_none() {
        return; // only meaningful inside the child started below
    }
    let client = Client::from_env().unwrap();
    client.list_models(None).await.unwrap();
}

#[test]
fn from_env_reads_key_base_url_organization_and_project() {
    let server =
        TestServer::start(Script::new().then(ScriptedResponse::models(vec![], "e"))).unwrap();
    let child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_lists_models_with_the_environment_config",
            "--nocapture",
        ])
        .env(CHILD, "1")
        .env("OPENAI_API_KEY", "sk-from-env")
        .env("OPENAI_BASE_URL", format!("{}/v1", server.url()))
        .env("OPENAI_ORG_ID", "org-1")
        .env("OPENAI_PROJECT_ID", "proj-1")
        .env("NO_PROXY", "127.0.0.1")
        .output()
        .unwrap();
    assert!(
        child.status.success(),
        "{}",
        String::from_utf8_lossy(&child.stdout)
    );
    let requests = server.wait_for_requests(1, Duration::from_secs(5));
    assert_eq!(requests[0].path, "/v1/models");
    assert_eq!(
        requests[0].header("authorization"),
        Some("Bearer sk-from-env")
    );
    assert_eq!(requests[0].header("openai-organization"), Some("org-1"));
    assert_eq!(requests[0].header("openai-project"), Some("proj-1"));
}

#[test]
fn a_missing_key_is_a_config_error() {
    let output = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_reports_missing_key", "--nocapture"])
        .env(CHILD, "1")
        .env_remove("OPENAI_API_KEY")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

#[test]
fn child_reports_missing_key() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    assert!(matches!(
        Client::from_env(),
        Err(ConfigError::MissingApiKey)
    ));
}
