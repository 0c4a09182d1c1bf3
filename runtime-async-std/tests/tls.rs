//! HTTPS through futures-rustls with a custom CA bundle, against the testkit's server in TLS
//! mode, on async-std and on smol. Its identity is the testkit's throwaway test CA and a
//! `localhost` / `127.0.0.1` certificate it signed.

mod common;

use std::io::Read;
use std::net::TcpListener;
use std::path::PathBuf;

use codex_api_async_std::{Client, ConfigError, Error, StaticAuth};
use codex_api_core::credentials::Credentials;
use codex_api_core::provider::Provider;
use codex_api_core::request::ResponsesOptions;
use codex_api_core::retry::TransportErrorKind;

use common::tls_server::{ca_path, key_path, tls_server};
use common::{drain, on_both, request, text};

fn client(url: String, ca_bundle: Option<PathBuf>) -> Result<Client, ConfigError> {
    let provider = Provider::custom("tls", url).unwrap();
    let mut builder = Client::builder(provider, StaticAuth::new(Credentials::api_key("k")));
    if let Some(path) = ca_bundle {
        builder = builder.ca_bundle(path);
    }
    builder.build()
}

#[test]
fn https_with_a_custom_ca_bundle() {
    on_both(|| async {
        let server = tls_server();
        let client = client(format!("{}/v1", server.url()), Some(ca_path())).unwrap();
        let stream = client
            .stream(request(), ResponsesOptions::new())
            .await
            .unwrap();
        let (events, error) = drain(stream).await;
        assert!(error.is_none(), "{error:?}");
        assert_eq!(text(&events), "secure");
        let requests = server.requests();
        assert_eq!(requests.len(), 1, "the server read a request");
        assert_eq!(
            (requests[0].method.as_str(), requests[0].path.as_str()),
            ("POST", "/v1/responses")
        );
    });
}

#[test]
fn an_unknown_issuer_is_a_tls_error_and_not_retried() {
    on_both(|| async {
        let server = tls_server();
        let error = client(format!("{}/v1", server.url()), None)
            .unwrap()
            .list_models(None)
            .await
            .unwrap_err();
        let Error::Transport(transport) = &error else {
            panic!("{error:?}")
        };
        assert_eq!(transport.kind(), TransportErrorKind::Tls);
        assert_eq!(transport.attempts(), 1);
        assert!(server.requests().is_empty(), "no request got through");
    });
}

#[test]
fn a_bad_ca_bundle_is_a_config_error() {
    let path = key_path();
    let error = client("https://127.0.0.1:1/v1".into(), Some(path)).unwrap_err();
    assert!(matches!(error, ConfigError::CaBundle { .. }), "{error:?}");
}

#[test]
fn a_silent_tls_server_hits_the_connect_timeout() {
    on_both(|| async {
        // Accepts TCP but never answers the TLS handshake: the connect timeout covers both.
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("https://{}/v1", listener.local_addr().unwrap());
        let server = std::thread::spawn(move || {
            let (mut socket, _) = listener.accept().unwrap();
            let mut rest = Vec::new();
            let _ = socket.read_to_end(&mut rest); // until the client gives up and closes
        });
        let provider = Provider::custom("silent", url).unwrap();
        let client = Client::builder(provider, StaticAuth::new(Credentials::api_key("k")))
            .ca_bundle(ca_path())
            .connect_timeout(Some(std::time::Duration::from_millis(200)))
            .retry_policy(codex_api_core::retry::RetryPolicy::never())
            .build()
            .unwrap();
        let error = client.list_models(None).await.unwrap_err();
        let Error::Transport(transport) = &error else {
            panic!("{error:?}")
        };
        assert_eq!(transport.kind(), TransportErrorKind::Timeout);
        assert_eq!(transport.attempts(), 1);
        server.join().unwrap();
    });
}
