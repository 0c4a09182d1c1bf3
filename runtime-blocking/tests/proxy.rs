//! Proxies (a testkit server plays the proxy) and TLS failures, over loopback only.

mod common;

use codex_api_blocking::{Client, ConfigError, Error, StaticAuth};
use codex_api_core::credentials::Credentials;
use codex_api_core::provider::Provider;
use codex_api_core::retry::{RetryPolicy, TransportErrorKind};
use codex_api_testkit::{Script, ScriptedResponse, TestServer};

fn auth() -> StaticAuth {
    StaticAuth::new(Credentials::api_key("sk-test"))
}

fn proxy_url(server: &TestServer, credentials: &str) -> String {
    format!("http://{credentials}{}", server.addr())
}

#[test]
fn plain_http_is_tunnelled_through_the_proxy() {
    // The testkit accepts the CONNECT, then answers the tunnelled request on the same socket.
    let proxy = TestServer::start(
        Script::new()
            .then(ScriptedResponse::new(200))
            .then(ScriptedResponse::models(vec![], "e")),
    )
    .unwrap();
    let provider = Provider::custom("far", "http://api.example.test/v1").unwrap();
    let client = Client::builder(provider, auth())
        .proxy(proxy_url(&proxy, "user:pass@"), "")
        .build()
        .unwrap();
    client.list_models(None).unwrap();
    let requests = proxy.requests();
    assert_eq!(requests[0].method, "CONNECT");
    assert_eq!(requests[0].path, "api.example.test:80");
    assert_eq!(
        requests[0].header("proxy-authorization"),
        Some("Basic dXNlcjpwYXNz")
    );
    assert_eq!(requests[0].header("authorization"), None);
    assert_eq!(requests[1].path, "/v1/models");
    assert_eq!(requests[1].header("authorization"), Some("Bearer sk-test"));
    assert_eq!(requests[1].header("proxy-authorization"), None);
}

#[test]
fn a_refused_tunnel_is_a_connect_failure_and_the_key_stays_home() {
    let proxy = TestServer::start(Script::new().then(ScriptedResponse::new(407))).unwrap();
    let provider = Provider::custom("far", "https://api.example.test/v1").unwrap();
    let client = Client::builder(provider, auth())
        .proxy(proxy_url(&proxy, "user:pass@"), "")
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    let error = client.list_models(None).unwrap_err();
    let Error::Transport(transport) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(transport.kind(), TransportErrorKind::Connect);
    let request = &proxy.requests()[0];
    assert_eq!(request.method, "CONNECT");
    assert_eq!(request.path, "api.example.test:443");
    assert_eq!(
        request.header("authorization"),
        None,
        "the API key never reaches the proxy"
    );
}

#[test]
fn no_proxy_hosts_are_reached_directly() {
    let server =
        TestServer::start(Script::new().then(ScriptedResponse::models(vec![], "e"))).unwrap();
    // Nothing listens on port 9: a request that went to the proxy would fail.
    let client = Client::builder(common::provider(&server), auth())
        .proxy("http://user:pass@127.0.0.1:9", "localhost, 127.0.0.1")
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    client.list_models(None).unwrap();
    let requests = server.requests();
    assert_eq!(requests[0].method, "GET");
    assert_eq!(requests[0].path, "/v1/models");
    assert_eq!(requests[0].header("proxy-authorization"), None);
}

#[test]
fn a_host_outside_the_no_proxy_list_still_goes_through_the_proxy() {
    let proxy = TestServer::start(Script::new().then(ScriptedResponse::new(407))).unwrap();
    let provider = Provider::custom("far", "http://api.example.test/v1").unwrap();
    let client = Client::builder(provider, auth())
        .proxy(
            proxy_url(&proxy, "user:pass@"),
            "example.test.other,localhost",
        )
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    client.list_models(None).unwrap_err();
    let request = &proxy.requests()[0];
    assert_eq!(request.method, "CONNECT");
    assert_eq!(request.path, "api.example.test:80");
    assert_eq!(
        request.header("proxy-authorization"),
        Some("Basic dXNlcjpwYXNz"),
        "the credentials survive the rebuild with a no-proxy list"
    );
}

#[test]
fn an_invalid_proxy_url_is_a_config_error() {
    let built = Client::builder(Provider::openai(), auth())
        .proxy("http://[::1", "")
        .build();
    assert!(matches!(built, Err(ConfigError::Proxy)), "{built:?}");
}

#[test]
fn tls_to_a_plain_server_is_a_tls_failure_not_retried() {
    let server = TestServer::start(Script::new()).unwrap();
    let provider = Provider::custom("tls", format!("https://{}/v1", server.addr())).unwrap();
    let client = Client::builder(provider, auth())
        .without_proxy()
        .build()
        .unwrap();
    let error = client.list_models(None).unwrap_err();
    let Error::Transport(transport) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(transport.kind(), TransportErrorKind::Tls, "{transport:?}");
    assert_eq!(transport.attempts(), 1);
}
