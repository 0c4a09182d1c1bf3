//! The HTTP/2 mode (`--features http2`): streams over TLS with ALPN `h2` and over h2c, recorded
//! like HTTP/1.1 requests; hundreds of held streams at once on one connection; a scripted close
//! resets one stream only; HTTP/1.1 for a client that offers only `http/1.1`. A bare hyper
//! client, on 127.0.0.1 only.
#![cfg(feature = "http2")]

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use codex_api_testkit::tls::TestIdentity;
use codex_api_testkit::{
    Body, Hold, Http2Options, Script, ScriptedResponse, Stall, TestServer, Transcript,
};
use http::{Request, Response, Version};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::ServerName;

const WAIT: Duration = Duration::from_secs(20);

/// A TLS connection to the server trusting the bundled CA, offering `alpn`.
async fn tls(server: &TestServer, alpn: &[&[u8]]) -> tokio_rustls::client::TlsStream<TcpStream> {
    let mut config = (*TestIdentity::localhost().client_config().unwrap()).clone();
    config.alpn_protocols = alpn.iter().map(|protocol| protocol.to_vec()).collect();
    let socket = TcpStream::connect(server.addr()).await.unwrap();
    let name = ServerName::try_from("localhost").unwrap();
    TlsConnector::from(Arc::new(config))
        .connect(name, socket)
        .await
        .unwrap()
}

/// An HTTP/2 client connection over `io`.
async fn h2<I>(io: I) -> hyper::client::conn::http2::SendRequest<Full<Bytes>>
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (sender, connection) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(io))
            .await
            .unwrap();
    tokio::spawn(connection);
    sender
}

fn post(body: &'static str) -> Request<Full<Bytes>> {
    Request::post("https://localhost/v1/responses")
        .header("content-type", "application/json")
        .header("authorization", "Bearer sk-test")
        .body(Full::new(Bytes::from_static(body.as_bytes())))
        .unwrap()
}

async fn text(response: Response<Incoming>) -> String {
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[tokio::test]
async fn a_stream_is_served_over_h2_by_alpn_and_recorded() {
    let transcript = Transcript::new()
        .created()
        .message(&["Hello", ", world"])
        .completed();
    let script = Script::new()
        .on(
            "POST",
            "/v1/responses",
            ScriptedResponse::sse(transcript.clone()).request_id("req_h2"),
        )
        .then(
            ScriptedResponse::api_error(429, "slow down", "rate_limit_exceeded", None, None)
                .retry_after("1"),
        );
    let options = Http2Options::tls(&TestIdentity::localhost());
    let stats = options.stats();
    let server = TestServer::start_http2(script, options).unwrap();
    assert!(server.url().starts_with("https://127.0.0.1:"));
    let io = tls(&server, &[b"h2", b"http/1.1"]).await;
    assert_eq!(io.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    let mut sender = h2(io).await;

    let response = sender.send_request(post(r#"{"model":"gpt-test","stream":true}"#));
    let response = response.await.unwrap();
    assert_eq!(response.version(), Version::HTTP_2);
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    assert_eq!(response.headers()["x-request-id"], "req_h2");
    assert_eq!(text(response).await, transcript.to_text());

    // The next entry: a `Content-Length` JSON error, its length declared.
    let response = sender.send_request(post("{}")).await.unwrap();
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "1");
    let length: usize = response.headers()["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(text(response).await.len(), length);
    // Then the script is exhausted.
    let response = sender.send_request(post("{}")).await.unwrap();
    assert_eq!(response.status(), 500);

    let requests = server.wait_for_requests(3, WAIT);
    assert_eq!(requests.len(), 3);
    assert_eq!(requests[0].method, "POST");
    assert_eq!(requests[0].path, "/v1/responses");
    assert_eq!(requests[0].header("content-type"), Some("application/json"));
    assert_eq!(requests[0].header("Authorization"), Some("Bearer sk-test"));
    assert_eq!(requests[0].body_json().unwrap()["model"], "gpt-test");
    assert!(requests.iter().all(|request| request.connection_id == 0));
    assert!(requests[2].script_exhausted);
    assert_eq!((stats.h2_requests(), stats.http1_requests()), (3, 0));
    assert_eq!((stats.connections(), stats.h2_connections()), (1, 1));
    // One body-write mark per transcript frame of the first response.
    let writes = server.wait_for_body_writes(transcript.frames().len(), WAIT);
    assert!(writes.iter().filter(|write| write.request == 0).count() >= transcript.frames().len());
}

/// 500 streams on one h2c connection (more than hyper's default limit of 200), each held open
/// after its first event until every one has it, then finished.
#[tokio::test]
async fn hundreds_of_held_streams_share_one_h2c_connection() {
    const STREAMS: usize = 500;
    let transcript = Transcript::new()
        .created()
        .message(&["a", "b", "c"])
        .completed();
    let frames = transcript.frames();
    let first = frames[0].clone();
    let rest: Vec<u8> = frames[1..].concat();
    let mut script = Script::new();
    for _ in 0..STREAMS {
        let body = Body::chunked()
            .bytes(first.clone())
            .stall(Stall::until_shutdown())
            .events(rest.clone());
        script = script.then(ScriptedResponse::sse(body));
    }
    let hold = Hold::new();
    let options = Http2Options::cleartext().hold(&hold);
    let stats = options.stats();
    let server = TestServer::start_http2(script, options).unwrap();
    let sender = h2(TcpStream::connect(server.addr()).await.unwrap()).await;

    let (opened, mut first_events) = tokio::sync::mpsc::channel(STREAMS);
    let mut streams = tokio::task::JoinSet::new();
    for _ in 0..STREAMS {
        let mut sender = sender.clone();
        let opened = opened.clone();
        streams.spawn(async move {
            let response = sender.send_request(post("{}")).await.unwrap();
            assert_eq!(response.version(), Version::HTTP_2);
            let mut body = response.into_body();
            let mut got = body
                .frame()
                .await
                .unwrap()
                .unwrap()
                .into_data()
                .unwrap()
                .to_vec();
            opened.send(()).await.unwrap();
            while let Some(frame) = body.frame().await {
                got.extend_from_slice(&frame.unwrap().into_data().unwrap());
            }
            got
        });
    }
    let all_open = async {
        for _ in 0..STREAMS {
            first_events.recv().await.unwrap();
        }
    };
    tokio::time::timeout(WAIT, all_open).await.unwrap();
    assert_eq!(stats.open_responses(), STREAMS as u64);
    hold.release();
    let finished = tokio::time::timeout(WAIT, streams.join_all())
        .await
        .unwrap();
    assert!(finished.iter().all(|got| *got == transcript.to_bytes()));
    assert_eq!(stats.peak_open_responses(), STREAMS as u64);
    assert_eq!(
        (stats.connections(), stats.h2_requests()),
        (1, STREAMS as u64)
    );
    let requests = server.wait_for_requests(STREAMS, WAIT);
    assert!(requests.iter().all(|request| request.connection_id == 0));
}

#[tokio::test]
async fn a_scripted_close_resets_one_stream_and_the_connection_goes_on() {
    let script = Script::new()
        .then(ScriptedResponse::sse(
            Body::chunked()
                .bytes("data: 1\n\n")
                .close()
                .bytes("data: 2\n\n"),
        ))
        .then(ScriptedResponse::hang_up())
        .then(ScriptedResponse::text(200, "still here"));
    let server = TestServer::start_h2(script, &TestIdentity::localhost()).unwrap();
    let mut sender = h2(tls(&server, &[b"h2"]).await).await;

    let response = sender.send_request(post("{}")).await.unwrap();
    let mut body = response.into_body();
    let first = body.frame().await.unwrap().unwrap().into_data().unwrap();
    assert_eq!(first, "data: 1\n\n");
    let reset = body.frame().await.unwrap().unwrap_err();
    assert!(format!("{reset:?}").contains("INTERNAL_ERROR"), "{reset:?}");
    // A hang-up resets its stream without a head.
    assert!(sender.send_request(post("{}")).await.is_err());
    let response = sender.send_request(post("{}")).await.unwrap();
    assert_eq!(text(response).await, "still here");
    let requests = server.wait_for_requests(3, WAIT);
    assert!(requests.iter().all(|request| request.connection_id == 0));
}

#[tokio::test]
async fn a_client_offering_only_http1_gets_http1() {
    let transcript = Transcript::new().created().message(&["one"]).completed();
    let script = Script::new().then(
        ScriptedResponse::sse(transcript.clone())
            .reason("Fine")
            .request_id("req_1"),
    );
    let options = Http2Options::tls(&TestIdentity::localhost());
    let stats = options.stats();
    let server = TestServer::start_http2(script, options).unwrap();
    let io = tls(&server, &[b"http/1.1"]).await;
    assert_eq!(io.get_ref().1.alpn_protocol(), Some(&b"http/1.1"[..]));
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .unwrap();
    tokio::spawn(connection);
    let mut request = post("{}");
    request
        .headers_mut()
        .insert("host", http::HeaderValue::from_static("localhost"));
    let response = sender.send_request(request).await.unwrap();
    assert_eq!(response.version(), Version::HTTP_11);
    assert_eq!(response.headers()["transfer-encoding"], "chunked");
    assert_eq!(response.headers()["x-request-id"], "req_1");
    assert_eq!(text(response).await, transcript.to_text());
    assert_eq!(
        server.wait_for_requests(1, WAIT)[0].header("host"),
        Some("localhost")
    );
    assert_eq!((stats.h2_requests(), stats.http1_requests()), (0, 1));
}
