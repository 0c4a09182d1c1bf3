//! HTTPS through ureq's rustls with a custom CA bundle, against the testkit's server in TLS
//! mode. Its identity is the testkit's throwaway test CA and a `localhost` / `127.0.0.1`
//! certificate it signed (the same as the other adapters').

mod common;

use std::path::PathBuf;

use codex_api_blocking::{Client, ConfigError, Error, StaticAuth};
use codex_api_core::credentials::Credentials;
use codex_api_core::provider::Provider;
use codex_api_core::request::ResponsesOptions;
use codex_api_core::retry::TransportErrorKind;
use codex_api_testkit::tls::TestIdentity;
use codex_api_testkit::{Script, ScriptedResponse, TestServer, Transcript};

use common::{drain, request, text};

/// An HTTPS server (the testkit's, in TLS mode) that answers one request with a short event
/// stream (the text `secure`).
fn tls_server() -> TestServer {
    let events = Transcript::new().created().message(&["secure"]).completed();
    TestServer::start_tls(
        Script::new().then(ScriptedResponse::sse(events)),
        &TestIdentity::localhost(),
    )
    .unwrap()
}

fn client(url: String, ca_bundle: Option<PathBuf>) -> Result<Client, ConfigError> {
    let provider = Provider::custom("tls", url).unwrap();
    let mut builder = Client::builder(provider, StaticAuth::new(Credentials::api_key("k")))
        .without_proxy()
        .retry_policy(codex_api_core::retry::RetryPolicy::never());
    if let Some(path) = ca_bundle {
        builder = builder.ca_bundle(path);
    }
    builder.build()
}

#[test]
fn https_with_a_custom_ca_bundle() {
    let server = tls_server();
    let client = client(
        format!("{}/v1", server.url()),
        Some(TestIdentity::localhost_ca_path()),
    )
    .unwrap();
    let stream = client.stream(request(), ResponsesOptions::new()).unwrap();
    let (events, error) = drain(stream);
    assert!(error.is_none(), "{error:?}");
    assert_eq!(text(&events), "secure");
    let requests = server.requests();
    assert_eq!(requests.len(), 1, "the server read a request");
    assert_eq!(
        (requests[0].method.as_str(), requests[0].path.as_str()),
        ("POST", "/v1/responses")
    );
}

#[test]
fn without_the_bundle_the_issuer_is_unknown_a_tls_error_not_retried() {
    let server = tls_server();
    let error = client(format!("{}/v1", server.url()), None)
        .unwrap()
        .list_models(None)
        .unwrap_err();
    let Error::Transport(transport) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(transport.kind(), TransportErrorKind::Tls, "{transport:?}");
    assert_eq!(transport.attempts(), 1);
    assert!(server.requests().is_empty(), "no request got through");
}

#[test]
fn a_bad_ca_bundle_is_a_config_error() {
    for path in [
        // PEM, but no certificate in it: the test identity's key.
        TestIdentity::localhost_ca_path().with_file_name("server.key"),
        PathBuf::from("/nonexistent/ca.pem"), // unreadable
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"), // not PEM at all
    ] {
        let error = client("https://127.0.0.1:1/v1".into(), Some(path.clone())).unwrap_err();
        let ConfigError::CaBundle { path: named, .. } = &error else {
            panic!("{path:?}: {error:?}")
        };
        assert_eq!(named, &path.display().to_string());
    }
}
