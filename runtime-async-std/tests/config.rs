//! The shared builder on this adapter: every setting builds (a proxy too; `proxy.rs` covers
//! what one does) and works over loopback; an unusable proxy URL is a typed error.

mod common;

use std::time::Duration;

use codex_api_async_std::{Client, ConfigError, StaticAuth};
use codex_api_core::credentials::Credentials;
use codex_api_core::provider::Provider;
use codex_api_core::retry::RetryPolicy;
use codex_api_testkit::{Script, ScriptedResponse, TestServer};

use common::on_both;

fn auth() -> StaticAuth {
    StaticAuth::new(Credentials::api_key("sk-test"))
}

#[test]
fn an_explicit_http_proxy_builds_and_another_scheme_is_a_proxy_error() {
    let built = Client::builder(Provider::openai(), auth())
        .proxy("http://user:secret@127.0.0.1:3128", "localhost")
        .build();
    assert!(built.is_ok(), "{built:?}");
    let error = Client::builder(Provider::openai(), auth())
        .proxy("https://user:secret@127.0.0.1:3128", "")
        .build()
        .unwrap_err();
    assert_eq!(error, ConfigError::Proxy);
    assert_eq!(error.to_string(), "invalid proxy URL");
}

#[test]
fn without_proxy_undoes_an_explicit_proxy() {
    let client = Client::builder(Provider::openai(), auth())
        .proxy("http://127.0.0.1:3128", "")
        .without_proxy()
        .build();
    assert!(client.is_ok(), "{client:?}");
}

#[test]
fn every_other_setting_builds_and_reaches_the_server() {
    on_both(|| async {
        let server =
            TestServer::start(Script::new().then(ScriptedResponse::models(vec![], "e"))).unwrap();
        let attempts = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let seen = attempts.clone();
        let client = Client::builder(common::provider(&server), auth())
            .without_proxy()
            .connect_timeout(Some(Duration::from_secs(5)))
            .response_timeout(Some(Duration::from_secs(5)))
            .stream_idle_timeout(None)
            .retry_policy(RetryPolicy::never())
            .jitter_seed(1)
            .on_attempt(move |_| {
                seen.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            })
            .build()
            .unwrap();
        client.list_models(None).await.unwrap();
        assert_eq!(server.requests()[0].path, "/v1/models");
        assert_eq!(attempts.load(std::sync::atomic::Ordering::Relaxed), 1);
    });
}
