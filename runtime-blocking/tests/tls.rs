//! HTTPS through ureq's rustls with a custom CA bundle, against a loopback rustls server on a
//! std thread. The fixtures are a throwaway test CA and a `localhost` / `127.0.0.1`
//! certificate it signed (the same as the other adapters').

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Arc;
use std::thread::JoinHandle;

use codex_api_blocking::{Client, ConfigError, Error, StaticAuth};
use codex_api_core::credentials::Credentials;
use codex_api_core::provider::Provider;
use codex_api_core::request::ResponsesOptions;
use codex_api_core::retry::TransportErrorKind;
use codex_api_testkit::Transcript;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use common::{drain, request, text};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Serves one TLS connection: one request, answered with a short event stream, then closes.
/// Returns the base URL and the thread (which yields the raw request head, if one arrived).
fn tls_server() -> (String, JoinHandle<Option<String>>) {
    let certificates: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(fixture("server.pem"))
            .unwrap()
            .map(Result::unwrap)
            .collect();
    let key = PrivateKeyDer::from_pem_file(fixture("server.key")).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certificates, key)
        .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("https://{}/v1", listener.local_addr().unwrap());
    let server = std::thread::spawn(move || {
        let (socket, _) = listener.accept().ok()?;
        let connection = rustls::ServerConnection::new(Arc::new(config)).unwrap();
        let mut tls = rustls::StreamOwned::new(connection, socket);
        let mut head = Vec::new();
        let mut byte = [0_u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            tls.read_exact(&mut byte).ok()?;
            head.push(byte[0]);
        }
        let head = String::from_utf8_lossy(&head).into_owned();
        let length: usize = head
            .lines()
            .find_map(|line| {
                let line = line.to_ascii_lowercase();
                line.strip_prefix("content-length: ").map(str::to_owned)
            })
            .and_then(|value| value.trim().parse().ok())
            .unwrap_or(0);
        let mut body = vec![0_u8; length];
        tls.read_exact(&mut body).ok()?;
        let events = Transcript::new()
            .created()
            .message(&["secure"])
            .completed()
            .to_bytes();
        let reply = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncontent-length: {}\r\n\
             connection: close\r\n\r\n",
            events.len()
        );
        tls.write_all(reply.as_bytes()).ok()?;
        tls.write_all(&events).ok()?;
        tls.conn.send_close_notify();
        let _ = tls.flush();
        Some(head)
    });
    (url, server)
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
    let (url, server) = tls_server();
    let client = client(url, Some(fixture("ca.pem"))).unwrap();
    let stream = client.stream(request(), ResponsesOptions::new()).unwrap();
    let (events, error) = drain(stream);
    assert!(error.is_none(), "{error:?}");
    assert_eq!(text(&events), "secure");
    let head = server.join().unwrap().expect("the server read a request");
    assert!(
        head.starts_with("POST /v1/responses HTTP/1.1\r\n"),
        "{head}"
    );
}

#[test]
fn without_the_bundle_the_issuer_is_unknown_a_tls_error_not_retried() {
    let (url, server) = tls_server();
    let error = client(url, None).unwrap().list_models(None).unwrap_err();
    let Error::Transport(transport) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(transport.kind(), TransportErrorKind::Tls, "{transport:?}");
    assert_eq!(transport.attempts(), 1);
    assert_eq!(server.join().unwrap(), None, "no request got through");
}

#[test]
fn a_bad_ca_bundle_is_a_config_error() {
    for path in [
        fixture("server.key"),                // PEM, but no certificate in it
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
