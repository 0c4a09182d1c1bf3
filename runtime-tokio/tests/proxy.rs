//! Proxies (a testkit server plays the proxy) and TLS failures, over loopback only.

mod common;

use std::io::Write;

use codex_api_core::credentials::Credentials;
use codex_api_core::provider::Provider;
use codex_api_core::retry::{RetryPolicy, TransportErrorKind};
use codex_api_testkit::{Script, ScriptedResponse, TestServer};
use codex_api_tokio::{Client, ConfigError, Error, StaticAuth};

fn auth() -> StaticAuth {
    StaticAuth::new(Credentials::api_key("sk-test"))
}

fn proxy_url(server: &TestServer, credentials: &str) -> String {
    format!("http://{credentials}{}", server.addr())
}

#[tokio::test]
async fn plain_http_goes_to_the_proxy_in_absolute_form() {
    let proxy =
        TestServer::start(Script::new().then(ScriptedResponse::models(vec![], "e"))).unwrap();
    let provider = Provider::custom("far", "http://api.example.test/v1").unwrap();
    let client = Client::builder(provider, auth())
        .proxy(proxy_url(&proxy, "user:pass@"), "")
        .build()
        .unwrap();
    client.list_models(None).await.unwrap();
    let request = &proxy.requests()[0];
    assert_eq!(request.path, "http://api.example.test/v1/models");
    assert_eq!(
        request.header("proxy-authorization"),
        Some("Basic dXNlcjpwYXNz")
    );
    assert_eq!(request.header("authorization"), Some("Bearer sk-test"));
}

#[tokio::test]
async fn https_is_tunnelled_with_connect() {
    let proxy = TestServer::start(Script::new().then(ScriptedResponse::new(407))).unwrap();
    let provider = Provider::custom("far", "https://api.example.test/v1").unwrap();
    let client = Client::builder(provider, auth())
        .proxy(proxy_url(&proxy, "user:pass@"), "")
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    let error = client.list_models(None).await.unwrap_err();
    let Error::Transport(transport) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(transport.kind(), TransportErrorKind::Connect);
    let request = &proxy.requests()[0];
    assert_eq!(request.method, "CONNECT");
    assert_eq!(request.path, "api.example.test:443");
    assert_eq!(
        request.header("proxy-authorization"),
        Some("Basic dXNlcjpwYXNz")
    );
    assert_eq!(
        request.header("authorization"),
        None,
        "the API key never reaches the proxy"
    );
}

#[tokio::test]
async fn no_proxy_hosts_are_reached_directly() {
    let server =
        TestServer::start(Script::new().then(ScriptedResponse::models(vec![], "e"))).unwrap();
    let client = Client::builder(common::provider(&server), auth())
        .proxy("http://127.0.0.1:9", "localhost,127.0.0.1")
        .build()
        .unwrap();
    client.list_models(None).await.unwrap();
    assert_eq!(server.requests()[0].path, "/v1/models");
}

#[tokio::test]
async fn tls_to_a_plain_server_is_a_tls_failure_not_retried() {
    let server = TestServer::start(Script::new()).unwrap();
    let provider = Provider::custom("tls", format!("https://{}/v1", server.addr())).unwrap();
    let client = Client::builder(provider, auth())
        .without_proxy()
        .build()
        .unwrap();
    let error = client.list_models(None).await.unwrap_err();
    let Error::Transport(transport) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(transport.kind(), TransportErrorKind::Tls);
    assert_eq!(transport.attempts(), 1);
}

#[test]
fn a_bad_ca_bundle_is_a_config_error() {
    let provider = Provider::openai();
    let missing = Client::builder(provider.clone(), auth())
        .ca_bundle("/nonexistent/ca.pem")
        .build();
    assert!(
        matches!(missing, Err(ConfigError::CaBundle { .. })),
        "{missing:?}"
    );

    let path =
        std::env::temp_dir().join(format!("codex-api-tokio-empty-{}.pem", std::process::id()));
    std::fs::File::create(&path)
        .unwrap()
        .write_all(b"not a certificate\n")
        .unwrap();
    let empty = Client::builder(provider, auth()).ca_bundle(&path).build();
    std::fs::remove_file(&path).unwrap();
    assert!(
        matches!(empty, Err(ConfigError::CaBundle { .. })),
        "{empty:?}"
    );
}

#[test]
fn an_invalid_or_non_http_proxy_url_is_a_config_error() {
    // A proxy this adapter cannot use fails the build, never falls back to a direct connection.
    for url in [
        "http://[::1",
        "socks5://127.0.0.1:1080",
        "https://127.0.0.1:3128",
        "http:///",
    ] {
        let built = Client::builder(Provider::openai(), auth())
            .proxy(url, "")
            .build();
        assert!(matches!(built, Err(ConfigError::Proxy)), "{url}: {built:?}");
    }
    let bare = Client::builder(Provider::openai(), auth())
        .proxy("127.0.0.1:3128", "localhost")
        .build();
    assert!(bare.is_ok(), "{bare:?}");
}
