//! HTTP proxies over loopback: a recording proxy on std threads ([`RecordingProxy`]) relays
//! absolute-form requests to a testkit server and `CONNECT` tunnels to a loopback TLS origin,
//! or refuses, or stays silent.

mod common;

use std::time::Duration;

use codex_api_async_std::{Client, ConfigError, Error, ProxyError, StaticAuth};
use codex_api_core::credentials::Credentials;
use codex_api_core::provider::Provider;
use codex_api_core::request::ResponsesOptions;
use codex_api_core::retry::{RetryPolicy, TransportErrorKind};
use codex_api_testkit::{Script, ScriptedResponse, TestServer};

use common::recording_proxy::{Behaviour, RecordingProxy, header};
use common::tls_server::{ca_path, tls_server};
use common::{drain, fast_policy, on_both, request, text};

/// `user:hunter2` in base64: what `Proxy-Authorization` carries.
const BASIC: &str = "Basic dXNlcjpodW50ZXIy";

fn auth() -> StaticAuth {
    StaticAuth::new(Credentials::api_key("sk-test"))
}

fn transport(error: &Error) -> &codex_api_async_std::TransportError {
    match error {
        Error::Transport(transport) => transport,
        other => panic!("not a transport error: {other:?}"),
    }
}

#[test]
fn an_http_target_goes_to_the_proxy_in_absolute_form() {
    on_both(|| async {
        let server =
            TestServer::start(Script::new().then(ScriptedResponse::models(vec![], "e"))).unwrap();
        let proxy = RecordingProxy::start(Behaviour::Relay {
            upstream: Some(server.addr()),
        });
        // The origin's name is never resolved: only the proxy is connected to.
        let provider = Provider::custom("far", "http://api.example.test:8080/v1").unwrap();
        let client = Client::builder(provider, auth())
            .proxy(proxy.url("user:hunter2@"), "")
            .build()
            .unwrap();
        client.list_models(None).await.unwrap();

        let heads = proxy.heads();
        assert_eq!(heads.len(), 1);
        let head = &heads[0];
        assert!(
            head.starts_with("GET http://api.example.test:8080/v1/models HTTP/1.1\r\n"),
            "{head}"
        );
        assert_eq!(header(head, "host"), Some("api.example.test:8080"));
        assert_eq!(header(head, "proxy-authorization"), Some(BASIC));
        assert_eq!(header(head, "authorization"), Some("Bearer sk-test"));
        assert_eq!(
            server.requests()[0].path,
            "http://api.example.test:8080/v1/models"
        );
    });
}

#[test]
fn an_https_target_is_tunnelled_with_connect() {
    on_both(|| async {
        let origin = tls_server();
        let url = format!("{}/v1", origin.url());
        let target = origin.addr().to_string();
        let proxy = RecordingProxy::start(Behaviour::Relay { upstream: None });
        let client = Client::builder(Provider::custom("tls", url).unwrap(), auth())
            .ca_bundle(ca_path())
            .proxy(proxy.url("user:hunter2@"), "")
            .build()
            .unwrap();
        let stream = client
            .stream(request(), ResponsesOptions::new())
            .await
            .unwrap();
        let (events, error) = drain(stream).await;
        assert!(error.is_none(), "{error:?}");
        assert_eq!(text(&events), "secure");

        let heads = proxy.heads();
        assert_eq!(heads.len(), 1);
        let head = &heads[0];
        assert!(
            head.starts_with(&format!("CONNECT {target} HTTP/1.1\r\n")),
            "{head}"
        );
        assert_eq!(header(head, "host"), Some(target.as_str()));
        assert_eq!(header(head, "proxy-authorization"), Some(BASIC));
        assert_eq!(
            header(head, "authorization"),
            None,
            "the API key never reaches the proxy"
        );
        // Inside the tunnel, TLS to the origin and an origin-form request.
        let requests = origin.requests();
        assert_eq!(requests.len(), 1, "the origin read a request");
        assert_eq!(
            (requests[0].method.as_str(), requests[0].path.as_str()),
            ("POST", "/v1/responses")
        );
        assert_eq!(requests[0].header("proxy-authorization"), None);
    });
}

#[test]
fn no_proxy_hosts_are_reached_directly() {
    async_std::task::block_on(async {
        let server =
            TestServer::start(Script::new().then(ScriptedResponse::models(vec![], "e"))).unwrap();
        let proxy = RecordingProxy::start(Behaviour::Refuse(502));
        for no_proxy in ["127.0.0.1", "localhost, 127.0.0.0/8", "*"] {
            let client = common::builder(&server)
                .proxy(proxy.url(""), no_proxy)
                .build()
                .unwrap();
            client.list_models(None).await.unwrap();
            server.push(ScriptedResponse::models(vec![], "e"));
        }
        assert_eq!(proxy.connections(), 0, "{:?}", proxy.heads());
        assert_eq!(server.requests().len(), 3);
        assert_eq!(server.requests()[0].path, "/v1/models");
    });
}

#[test]
fn a_proxy_refusing_the_tunnel_is_a_connect_error_with_its_status() {
    async_std::task::block_on(async {
        let proxy = RecordingProxy::start(Behaviour::Refuse(407));
        let provider = Provider::custom("far", "https://api.example.test/v1").unwrap();
        let client = Client::builder(provider, auth())
            .proxy(proxy.url("user:hunter2@"), "")
            .retry_policy(RetryPolicy::never())
            .build()
            .unwrap();
        let error = client.list_models(None).await.unwrap_err();
        let transport = transport(&error);
        assert_eq!(transport.kind(), TransportErrorKind::Connect);
        assert_eq!(transport.attempts(), 1);
        let refused = transport
            .cause()
            .and_then(|cause| cause.downcast_ref::<ProxyError>())
            .unwrap_or_else(|| panic!("{error:?}"));
        assert_eq!(refused.status(), Some(407));
        assert!(
            matches!(refused, ProxyError::Refused { proxy: name, status: 407 }
                if *name == proxy.url("").trim_start_matches("http://")),
            "{refused:?}"
        );
        assert!(error.to_string().contains("407"), "{error}");
        for shown in [
            format!("{error}"),
            format!("{error:?}"),
            format!("{client:?}"),
        ] {
            assert!(!shown.contains("hunter2"), "{shown}");
            assert!(!shown.contains("dXNlcjpodW50ZXIy"), "{shown}");
        }
        assert_eq!(
            proxy.heads()[0].lines().next(),
            Some("CONNECT api.example.test:443 HTTP/1.1")
        );
    });
}

#[test]
fn a_refused_tunnel_is_retried_like_a_connect_failure() {
    async_std::task::block_on(async {
        let proxy = RecordingProxy::start(Behaviour::Refuse(503));
        let provider = Provider::custom("far", "https://api.example.test/v1").unwrap();
        let client = Client::builder(provider, auth())
            .proxy(proxy.url(""), "")
            .retry_policy(fast_policy())
            .build()
            .unwrap();
        let error = client.list_models(None).await.unwrap_err();
        let transport = transport(&error);
        assert_eq!(transport.kind(), TransportErrorKind::Connect);
        assert!(transport.attempts() > 1, "{error:?}");
        assert_eq!(proxy.connections(), transport.attempts() as usize);
    });
}

#[test]
fn the_connect_timeout_covers_the_tunnel() {
    smol::block_on(async {
        let proxy = RecordingProxy::start(Behaviour::Silent);
        let provider = Provider::custom("far", "https://api.example.test/v1").unwrap();
        let client = Client::builder(provider, auth())
            .proxy(proxy.url(""), "")
            .connect_timeout(Some(Duration::from_millis(200)))
            .retry_policy(RetryPolicy::never())
            .build()
            .unwrap();
        let error = client.list_models(None).await.unwrap_err();
        assert_eq!(transport(&error).kind(), TransportErrorKind::Timeout);
        assert_eq!(transport(&error).attempts(), 1);
    });
}

#[test]
fn proxied_connections_are_reused() {
    async_std::task::block_on(async {
        let server = TestServer::start(
            Script::new()
                .then(ScriptedResponse::models(vec![], "a"))
                .then(ScriptedResponse::models(vec![], "b")),
        )
        .unwrap();
        let proxy = RecordingProxy::start(Behaviour::Relay {
            upstream: Some(server.addr()),
        });
        let provider = Provider::custom("far", "http://api.example.test/v1").unwrap();
        let client = Client::builder(provider, auth())
            .proxy(proxy.url(""), "")
            .build()
            .unwrap();
        client.list_models(None).await.unwrap();
        client.list_models(None).await.unwrap();
        assert_eq!(server.requests().len(), 2);
        assert_eq!(
            proxy.connections(),
            1,
            "one kept-alive connection to the proxy"
        );
    });
}

#[test]
fn an_unusable_proxy_url_is_a_config_error() {
    // A proxy this adapter cannot use fails the build, never falls back to a direct connection.
    for url in [
        "http://[::1",
        "socks5://127.0.0.1:1080",
        "https://127.0.0.1:3128",
        "http:///",
        "http://user:hunter2@127.0.0.1:99999",
    ] {
        let built = Client::builder(Provider::openai(), auth())
            .proxy(url, "")
            .build();
        let error = built.unwrap_err();
        assert_eq!(error, ConfigError::Proxy, "{url}");
        assert!(!error.to_string().contains("hunter2"));
    }
    let bare = Client::builder(Provider::openai(), auth())
        .proxy("127.0.0.1:3128", "localhost")
        .build();
    assert!(bare.is_ok(), "{bare:?}");
}
