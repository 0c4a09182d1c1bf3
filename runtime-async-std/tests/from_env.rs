//! `Client::from_env`: the test re-runs itself as a child process with the variables set
//! (setting variables in a threaded test process is unsound), against a loopback server,
//! directly or through a loopback proxy named by the proxy variables.

mod common;

use std::process::Command;
use std::time::Duration;

use codex_api_async_std::{Client, ConfigError};
use codex_api_testkit::{Script, ScriptedResponse, TestServer};

use common::recording_proxy::{Behaviour, RecordingProxy, header};

const CHILD: &str = "CODEX_API_ASYNC_STD_FROM_ENV_CHILD";

/// The proxy variables a child starts without (the parent's environment may have some).
const PROXY_VARIABLES: [&str; 9] = [
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
    "REQUEST_METHOD",
];

/// This test binary re-run as a child running only `test`, with `CHILD` set and no proxy
/// variable.
fn child(test: &str) -> Command {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args(["--exact", test, "--nocapture"])
        .env(CHILD, "1");
    for name in PROXY_VARIABLES {
        command.env_remove(name);
    }
    command
}

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
    let child = child("child_lists_models_with_the_environment_config")
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
    let output = child("child_reports_missing_key")
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

#[test]
fn the_proxy_variables_are_honoured() {
    let models = || ScriptedResponse::models(vec![], "e");
    let server = TestServer::start(Script::new().then(models()).then(models())).unwrap();
    let proxy = RecordingProxy::start(Behaviour::Relay {
        upstream: Some(server.addr()),
    });
    // Lowercase `http_proxy` (uppercase unset); `NO_PROXY` names other hosts.
    let output = child("child_lists_models_with_the_environment_config")
        .env("OPENAI_API_KEY", "sk-from-env")
        .env("OPENAI_BASE_URL", "http://api.example.test/v1")
        .env("http_proxy", proxy.url("user:hunter2@"))
        .env("NO_PROXY", "localhost, 10.0.0.0/8")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let requests = server.wait_for_requests(2, Duration::from_secs(5));
    assert_eq!(requests.len(), 2);
    for request in requests {
        assert_eq!(request.path, "http://api.example.test/v1/models");
    }
    let heads = proxy.heads();
    assert!(!heads.is_empty());
    for head in &heads {
        assert!(
            head.starts_with("GET http://api.example.test/v1/models HTTP/1.1\r\n"),
            "{head}"
        );
        assert_eq!(
            header(head, "proxy-authorization"),
            Some("Basic dXNlcjpodW50ZXIy")
        );
    }
}

#[test]
fn no_proxy_from_the_environment_bypasses_the_proxy() {
    let models = || ScriptedResponse::models(vec![], "e");
    let server = TestServer::start(Script::new().then(models()).then(models())).unwrap();
    let proxy = RecordingProxy::start(Behaviour::Refuse(502));
    let output = child("child_lists_models_with_the_environment_config")
        .env("OPENAI_API_KEY", "sk-from-env")
        .env("OPENAI_BASE_URL", format!("{}/v1", server.url()))
        .env("ALL_PROXY", proxy.url(""))
        .env("no_proxy", "127.0.0.1")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert_eq!(server.wait_for_requests(2, Duration::from_secs(5)).len(), 2);
    assert_eq!(proxy.connections(), 0);
}

#[test]
fn an_unusable_proxy_variable_fails_from_env() {
    let output = child("child_reports_a_proxy_error")
        .env("OPENAI_API_KEY", "sk-from-env")
        .env("HTTPS_PROXY", "socks5://user:hunter2@127.0.0.1:1080")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

#[test]
fn child_reports_a_proxy_error() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let error = Client::from_env().unwrap_err();
    assert_eq!(error, ConfigError::Proxy);
}
