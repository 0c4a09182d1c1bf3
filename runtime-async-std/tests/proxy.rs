//! This adapter's own proxy client (`tunnel.rs`) against a recording proxy on std threads
//! ([`RecordingProxy`]): a `CONNECT` tunnel relayed to a loopback TLS origin, a refusal with
//! its typed `ProxyError`, a silent proxy against the connect timeout. (What every adapter does
//! with a proxy — absolute form, refusals retried, kept-alive connections, `NO_PROXY`, rejected
//! URLs — is in the cross-runtime table, `tests/src/table/proxies.rs`.)

mod common;

use std::time::Duration;

use codex_api_async_std::{Client, Error, ProxyError, StaticAuth};
use codex_api_core::credentials::Credentials;
use codex_api_core::provider::Provider;
use codex_api_core::request::ResponsesOptions;
use codex_api_core::retry::{RetryPolicy, TransportErrorKind};

use common::recording_proxy::{Behaviour, RecordingProxy, header};
use common::tls_server::{ca_path, tls_server};
use common::{drain, on_both, request, text};

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
fn an_https_target_is_tunnelled_with_connect() {
    on_both(|| async {
        let origin = tls_server();
        let url = format!("{}/v1", origin.url());
        let target = origin.addr().to_string();
        let proxy = RecordingProxy::start(Behaviour::Tunnel);
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
