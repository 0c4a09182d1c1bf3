//! `Client::connect`, the raw byte stream the WebSocket transport runs over, on every runtime
//! (tokio, async-std, smol, blocking): plain TCP, TLS with the client's roots, a `CONNECT`
//! tunnel through a proxy (with its credentials) and TLS inside it, and the failures of
//! opening one, named like every transport error.

use std::future::{Future, poll_fn};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use codex_api_client::ByteStream;
use codex_api_core::call::ClientError;
use codex_api_core::credentials::Credentials;
use codex_api_core::provider::Provider;
use codex_api_core::retry::TransportErrorKind;
use codex_api_testkit::tls::TestIdentity;
use codex_api_testkit::{Script, ScriptedResponse, TestServer};

/// How one runtime's client is set up for a case.
#[derive(Clone, Default)]
struct Setup {
    ca_bundle: bool,
    proxy: Option<String>,
}

/// Connects to `uri` with a client of one runtime, sends a `GET /v1/models` over the raw
/// stream and reads the reply to its end.
type Exchange = fn(&Setup, &str) -> Result<String, ClientError>;

/// Writes `request` whole, then reads until the server closes.
async fn exchange<S: ByteStream>(stream: &mut S, request: &[u8]) -> std::io::Result<String> {
    let mut written = 0;
    while written < request.len() {
        written += poll_fn(|cx| stream.poll_write(cx, &request[written..])).await?;
    }
    poll_fn(|cx| stream.poll_flush(cx)).await?;
    let mut reply = Vec::new();
    let mut buffer = [0_u8; 4096];
    loop {
        match poll_fn(|cx| stream.poll_read(cx, &mut buffer)).await {
            Ok(0) => break,
            Ok(read) => reply.extend_from_slice(&buffer[..read]),
            // A TLS peer that closes without `close_notify` ends the reply too.
            Err(error) if error.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(error) => return Err(error),
        }
    }
    Ok(String::from_utf8_lossy(&reply).into_owned())
}

const REQUEST: &[u8] = b"GET /v1/models HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n";

macro_rules! configure {
    ($builder:expr, $setup:expr) => {{
        let mut builder = $builder.without_proxy();
        if $setup.ca_bundle {
            builder = builder.ca_bundle(TestIdentity::localhost_ca_path());
        }
        if let Some(proxy) = &$setup.proxy {
            builder = builder.proxy(proxy.clone(), "");
        }
        builder.build().unwrap()
    }};
}

macro_rules! async_exchange {
    ($krate:ident, $block_on:expr) => {{
        fn run(setup: &Setup, uri: &str) -> Result<String, ClientError> {
            let provider = Provider::custom("raw", "http://127.0.0.1:9/v1").unwrap();
            let auth = $krate::StaticAuth::new(Credentials::api_key("k"));
            let client = configure!($krate::Client::builder(provider, auth), setup);
            let uri: http::Uri = uri.parse().unwrap();
            block_on(async move {
                let mut stream = client.connect(&uri).await?;
                Ok(exchange(&mut stream, REQUEST).await.expect("the exchange"))
            })
        }
        fn block_on<T>(future: impl Future<Output = T>) -> T {
            $block_on(future)
        }
        run as Exchange
    }};
}

fn blocking_exchange(setup: &Setup, uri: &str) -> Result<String, ClientError> {
    let provider = Provider::custom("raw", "http://127.0.0.1:9/v1").unwrap();
    let auth = codex_api_blocking::StaticAuth::new(Credentials::api_key("k"));
    let client = configure!(codex_api_blocking::Client::builder(provider, auth), setup);
    let mut stream = client.connect(&uri.parse().unwrap())?;
    let reply = codex_api_client::blocking::block_on(exchange(&mut stream, REQUEST));
    Ok(reply.expect("the exchange"))
}

fn runtimes() -> [(&'static str, Exchange); 4] {
    [
        (
            "tokio",
            async_exchange!(codex_api_tokio, codex_api_tests::block_on_tokio),
        ),
        (
            "async-std",
            async_exchange!(codex_api_async_std, async_std::task::block_on),
        ),
        ("smol", async_exchange!(codex_api_async_std, smol::block_on)),
        ("blocking", blocking_exchange),
    ]
}

fn models_script() -> Script {
    Script::new().then(ScriptedResponse::models(vec![], "e").close_connection())
}

fn assert_models_reply(runtime: &str, reply: &str) {
    assert!(reply.starts_with("HTTP/1.1 200"), "{runtime}: {reply}");
    assert!(reply.contains("\"models\""), "{runtime}: {reply}");
}

#[test]
fn plain_tcp_to_a_ws_uri() {
    for (runtime, exchange) in runtimes() {
        let server = TestServer::start(models_script()).unwrap();
        let uri = server.url().replace("http://", "ws://");
        let reply = exchange(&Setup::default(), &uri).unwrap();
        assert_models_reply(runtime, &reply);
        assert_eq!(server.requests()[0].path, "/v1/models", "{runtime}");
    }
}

#[test]
fn tls_to_a_wss_uri_with_the_clients_roots() {
    for (runtime, exchange) in runtimes() {
        let server = TestServer::start_tls(models_script(), &TestIdentity::localhost()).unwrap();
        let uri = server.url().replace("https://", "wss://");
        let setup = Setup {
            ca_bundle: true,
            ..Setup::default()
        };
        assert_models_reply(runtime, &exchange(&setup, &uri).unwrap());
        // Without the bundle, the test CA is not trusted.
        let error = exchange(&Setup::default(), &uri).unwrap_err();
        let ClientError::Transport(transport) = &error else {
            panic!("{runtime}: {error:?}")
        };
        assert_eq!(
            transport.kind(),
            TransportErrorKind::Tls,
            "{runtime}: {error}"
        );
        assert!(
            error.to_string().contains("UnknownIssuer"),
            "{runtime}: {error}"
        );
    }
}

/// A proxy that records each `CONNECT` head, opens the tunnel and relays both ways.
fn relay_proxy() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://user:hunter2@{}", listener.local_addr().unwrap());
    let heads = Arc::new(Mutex::new(Vec::new()));
    let seen = heads.clone();
    std::thread::spawn(move || {
        for mut client in listener.incoming().map_while(Result::ok) {
            let mut head = Vec::new();
            let mut byte = [0_u8; 1];
            while !head.ends_with(b"\r\n\r\n") && client.read(&mut byte).unwrap_or(0) == 1 {
                head.push(byte[0]);
            }
            let head = String::from_utf8_lossy(&head).into_owned();
            let target = head.split(' ').nth(1).unwrap_or_default().to_owned();
            seen.lock().unwrap().push(head);
            let Ok(mut origin) = TcpStream::connect(&target) else {
                continue;
            };
            client
                .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                .unwrap();
            let (mut up, mut down) = (client.try_clone().unwrap(), origin.try_clone().unwrap());
            std::thread::spawn(move || std::io::copy(&mut up, &mut down));
            std::thread::spawn(move || std::io::copy(&mut origin, &mut client));
        }
    });
    (url, heads)
}

#[test]
fn tls_through_a_connect_tunnel() {
    for (runtime, exchange) in runtimes() {
        let server = TestServer::start_tls(models_script(), &TestIdentity::localhost()).unwrap();
        let (proxy, heads) = relay_proxy();
        let uri = server.url().replace("https://", "wss://");
        let setup = Setup {
            ca_bundle: true,
            proxy: Some(proxy),
        };
        assert_models_reply(runtime, &exchange(&setup, &uri).unwrap());
        let heads = heads.lock().unwrap();
        let target = uri.trim_start_matches("wss://");
        assert!(
            heads[0].starts_with(&format!("CONNECT {target} HTTP/1.1\r\n")),
            "{runtime}: {heads:?}"
        );
        // `user:hunter2` in base64.
        assert!(
            heads[0].contains("Proxy-Authorization: Basic dXNlcjpodW50ZXIy\r\n"),
            "{runtime}: {heads:?}"
        );
    }
}

#[test]
fn opening_failures_are_transport_errors_with_their_target() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let host = format!("{}.invalid", "a".repeat(64));
    for (runtime, exchange) in runtimes() {
        for (uri, kind, prefix) in [
            (
                format!("ws://127.0.0.1:{port}/"),
                TransportErrorKind::Connect,
                format!("connect to 127.0.0.1:{port} failed: "),
            ),
            (
                format!("wss://{host}/"),
                TransportErrorKind::Dns,
                format!("DNS lookup of {host} failed: "),
            ),
            (
                "ftp://127.0.0.1/".to_owned(),
                TransportErrorKind::Other,
                "transport failure (other): ".to_owned(),
            ),
        ] {
            let error = exchange(&Setup::default(), &uri).unwrap_err();
            let ClientError::Transport(transport) = &error else {
                panic!("{runtime}: {error:?}")
            };
            assert_eq!(transport.kind(), kind, "{runtime} {uri}: {error}");
            assert!(
                error.to_string().starts_with(&prefix),
                "{runtime} {uri}: `{error}` does not start with `{prefix}`"
            );
        }
    }
}
