//! `Client::from_env`: the test re-runs itself as a child process with the variables set
//! (setting variables in a threaded test process is unsound), against a loopback server.

use std::process::Command;
use std::time::Duration;

use codex_api_async_std::{Client, ConfigError};
use codex_api_testkit::{Script, ScriptedResponse, TestServer};

const CHILD: &str = "CODEX_API_ASYNC_STD_FROM_ENV_CHILD";

#[test]
fn child_lists_models_with_the_environment_config() {
    if std::env::var_os(CHILD).is_none() {
        return; // only meaningful inside the child started below
    }
    let client = Client::from_env().unwrap();
    async_std::task::block_on(client.list_models(None)).unwrap();
    smol::block_on(client.list_models(None)).unwrap();
}

#[test]
fn from_env_reads_key_base_url_organization_and_project() {
    let models = || ScriptedResponse::models(vec![], "e");
    let server = TestServer::start(Script::new().then(models()).then(models())).unwrap();
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
        .output()
        .unwrap();
    assert!(
        child.status.success(),
        "{}",
        String::from_utf8_lossy(&child.stdout)
    );
    let requests = server.wait_for_requests(2, Duration::from_secs(5));
    assert_eq!(requests.len(), 2);
    for request in requests {
        assert_eq!(request.path, "/v1/models");
        assert_eq!(request.header("authorization"), Some("Bearer sk-from-env"));
        assert_eq!(request.header("openai-organization"), Some("org-1"));
        assert_eq!(request.header("openai-project"), Some("proj-1"));
    }
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
