//! HTTP/2, which only this adapter speaks: chosen by ALPN against a loopback hyper server that
//! serves the testkit's identity (a throwaway test CA and a `localhost` certificate it signed),
//! trusted through a CA bundle. (What every adapter does over TLS — a custom CA bundle, an
//! unknown issuer, TLS to a plain server, bad bundles — is in the cross-runtime table:
//! `tests/src/table/tls.rs`.)

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use codex_api_core::credentials::Credentials;
use codex_api_core::provider::Provider;
use codex_api_core::request::ResponsesOptions;
use codex_api_core::retry::RetryPolicy;
use codex_api_core::stream::ResponseEvent;
use codex_api_core::wire::ResponsesApiRequest;
use codex_api_testkit::Transcript;
use codex_api_testkit::tls::TestIdentity;
use codex_api_tokio::{Client, StaticAuth};
use futures_util::StreamExt;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// A TLS server offering h2 and http/1.1; records the HTTP version of every request.
async fn start_server(versions: Arc<Mutex<Vec<http::Version>>>) -> SocketAddr {
    let mut config = (*TestIdentity::localhost().server_config().unwrap()).clone();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let versions = versions.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(socket).await else {
                    return;
                };
                let service = service_fn(move |request: http::Request<hyper::body::Incoming>| {
                    versions.lock().unwrap().push(request.version());
                    let response = if request.uri().path().ends_with("/models") {
                        http::Response::builder()
                            .header("content-type", "application/json")
                            .body(Full::new(Bytes::from_static(
                                br#"{"models":[{"slug":"gpt-h2"}]}"#,
                            )))
                    } else {
                        let body = Transcript::new()
                            .created()
                            .message(&["over h2"])
                            .completed()
                            .to_bytes();
                        http::Response::builder()
                            .header("content-type", "text/event-stream")
                            .body(Full::new(Bytes::from(body)))
                    };
                    async move { Ok::<_, Infallible>(response.unwrap()) }
                });
                let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
                let _ = builder.serve_connection(TokioIo::new(tls), service).await;
            });
        }
    });
    addr
}

/// A client of `https://localhost:PORT/v1` trusting the test CA.
fn client(addr: SocketAddr) -> Client {
    let provider =
        Provider::custom("tls", format!("https://localhost:{}/v1", addr.port())).unwrap();
    Client::builder(provider, StaticAuth::new(Credentials::api_key("sk-test")))
        .without_proxy()
        .retry_policy(RetryPolicy::never())
        .ca_bundle(TestIdentity::localhost_ca_path())
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_custom_ca_is_trusted_and_alpn_picks_http2() {
    let versions = Arc::new(Mutex::new(Vec::new()));
    let addr = start_server(versions.clone()).await;
    let client = client(addr);

    let models = client.list_models(None).await.unwrap();
    assert_eq!(models.models[0].slug, "gpt-h2");
    let request = ResponsesApiRequest::new("gpt-test");
    let mut stream = client
        .stream(request, ResponsesOptions::new())
        .await
        .unwrap();
    let mut text = String::new();
    while let Some(event) = stream.next().await {
        if let ResponseEvent::OutputTextDelta { delta, .. } = event.unwrap() {
            text.push_str(&delta);
        }
    }
    assert_eq!(text, "over h2");
    assert_eq!(
        *versions.lock().unwrap(),
        [http::Version::HTTP_2, http::Version::HTTP_2]
    );
}
