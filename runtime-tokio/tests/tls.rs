//! HTTP/2, which only this adapter speaks: chosen by ALPN against a loopback hyper server that
//! serves the testkit's identity (a throwaway test CA and a `localhost` certificate it signed),
//! trusted through a CA bundle. (What every adapter does over TLS — a custom CA bundle, an
//! unknown issuer, TLS to a plain server, bad bundles — is in the cross-runtime table:
//! `tests/src/table/tls.rs`.)

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

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
use http_body_util::{Full, StreamBody};
use hyper::body::Frame;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// A loopback TLS server (the testkit's identity) offering the `alpn` protocols, answering
/// every request with `handle`.
async fn serve_tls<F, Fut, B>(alpn: &[&[u8]], handle: F) -> SocketAddr
where
    F: Fn(http::Request<hyper::body::Incoming>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<http::Response<B>, Infallible>> + Send + 'static,
    B: hyper::body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let mut config = (*TestIdentity::localhost().server_config().unwrap()).clone();
    config.alpn_protocols = alpn.iter().map(|protocol| protocol.to_vec()).collect();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let handle = handle.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(socket).await else {
                    return;
                };
                let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
                let service = service_fn(handle);
                let _ = builder.serve_connection(TokioIo::new(tls), service).await;
            });
        }
    });
    addr
}

/// A TLS server offering h2 and http/1.1; records the HTTP version of every request.
async fn start_server(versions: Arc<Mutex<Vec<http::Version>>>) -> SocketAddr {
    serve_tls(&[b"h2", b"http/1.1"], move |request| {
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
    })
    .await
}

/// A TLS server speaking h2 only whose event streams send their events at once and their
/// `END_STREAM` 200 ms later, in a frame of its own; counts the bodies it sent to their end
/// (a stream the client resets first drops its body before that).
async fn start_late_end_server(ended: Arc<AtomicUsize>) -> SocketAddr {
    serve_tls(&[b"h2"], move |_request| {
        let events = Transcript::new()
            .created()
            .message(&["late end"])
            .completed()
            .to_bytes();
        let ended = ended.clone();
        let frames = futures_util::stream::unfold(0, move |step| {
            let events = events.clone();
            let ended = ended.clone();
            async move {
                match step {
                    0 => Some((Ok::<_, Infallible>(Frame::data(Bytes::from(events))), 1)),
                    _ => {
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        ended.fetch_add(1, Ordering::SeqCst);
                        None
                    }
                }
            }
        });
        let response = http::Response::builder()
            .header("content-type", "text/event-stream")
            .body(StreamBody::new(frames));
        async move { Ok::<_, Infallible>(response.unwrap()) }
    })
    .await
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

/// Streams one response to its end (the stream stops at the terminal event) and returns its
/// text.
async fn streamed_text(client: &Client) -> String {
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
    text
}

#[tokio::test]
async fn a_custom_ca_is_trusted_and_alpn_picks_http2() {
    let versions = Arc::new(Mutex::new(Vec::new()));
    let addr = start_server(versions.clone()).await;
    let client = client(addr);

    let models = client.list_models(None).await.unwrap();
    assert_eq!(models.models[0].slug, "gpt-h2");
    assert_eq!(streamed_text(&client).await, "over h2");
    assert_eq!(
        *versions.lock().unwrap(),
        [http::Version::HTTP_2, http::Version::HTTP_2]
    );
}

#[tokio::test]
async fn a_finished_http2_stream_is_read_to_its_end_rather_than_reset() {
    // A consumer that stops at the terminal event (the stream ends there) must not reset the
    // stream whose END_STREAM is still to come: h2 closes a connection after 1,024 resets.
    let ended = Arc::new(AtomicUsize::new(0));
    let addr = start_late_end_server(ended.clone()).await;
    let client = client(addr);
    for _ in 0..3 {
        assert_eq!(streamed_text(&client).await, "late end");
    }
    // Every stream's body reached its end on the server (none was reset by the client).
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while ended.load(Ordering::SeqCst) < 3 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(ended.load(Ordering::SeqCst), 3);
}
