//! The TLS mode: a real rustls client that trusts the bundled test CA, faults over TLS, and a
//! client that does not trust the CA.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use codex_api_testkit::tls::TestIdentity;
use codex_api_testkit::{Body, Cut, Script, ScriptedResponse, Stall, TestServer, Transcript};
use rustls::pki_types::ServerName;

type TlsStream = rustls::StreamOwned<rustls::ClientConnection, TcpStream>;

fn connect(server: &TestServer, config: Arc<rustls::ClientConfig>, host: &str) -> TlsStream {
    let socket = TcpStream::connect(server.addr()).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let name = ServerName::try_from(host.to_owned()).unwrap();
    let connection = rustls::ClientConnection::new(config, name).unwrap();
    rustls::StreamOwned::new(connection, socket)
}

fn post(tls: &mut TlsStream, body: &str) -> io::Result<()> {
    write!(
        tls,
        "POST /v1/responses HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    tls.flush()
}

/// Splits a response into its head and the bytes after it.
fn split(reply: &[u8]) -> (String, Vec<u8>) {
    let end = reply
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .expect("a complete head")
        + 4;
    (
        String::from_utf8_lossy(&reply[..end]).into_owned(),
        reply[end..].to_vec(),
    )
}

#[test]
fn a_request_over_tls_with_a_client_trusting_the_test_ca() {
    let identity = TestIdentity::localhost();
    let transcript = Transcript::new().created().message(&["secure"]).completed();
    let server = TestServer::start_tls(
        Script::new().on(
            "POST",
            "/v1/responses",
            ScriptedResponse::sse(transcript.clone()).request_id("req_tls"),
        ),
        &identity,
    )
    .unwrap();
    assert!(server.is_tls());
    assert_eq!(server.url(), format!("https://{}", server.addr()));

    // Both names the certificate covers verify.
    for (attempt, host) in ["localhost", "127.0.0.1"].into_iter().enumerate() {
        if attempt == 1 {
            server.push_on(
                "POST",
                "/v1/responses",
                ScriptedResponse::sse(transcript.clone()),
            );
        }
        // The client offers h2 too: the server answers that it speaks HTTP/1.1.
        let mut config = (*identity.client_config().unwrap()).clone();
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        let mut tls = connect(&server, Arc::new(config), host);
        post(&mut tls, r#"{"model":"gpt-tls"}"#).unwrap();
        let mut reply = Vec::new();
        tls.read_to_end(&mut reply)
            .expect("a clean end of stream: close_notify, then FIN");
        let (head, body) = split(&reply);
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
        assert!(head.contains("transfer-encoding: chunked\r\n"), "{head}");
        let body = String::from_utf8(body).unwrap();
        assert!(body.contains(r#""delta":"secure""#), "{body}");
        assert!(body.ends_with("0\r\n\r\n"), "{body}");
        assert_eq!(
            tls.conn.alpn_protocol(),
            Some(&b"http/1.1"[..]),
            "ALPN says HTTP/1.1"
        );
    }
    let requests = server.wait_for_requests(2, Duration::from_secs(5));
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].header("host"), Some("localhost"));
    assert_eq!(requests[0].body_json().unwrap()["model"], "gpt-tls");
    assert_ne!(requests[0].connection_id, requests[1].connection_id);
    let writes = server.body_writes();
    assert!(writes.iter().any(|write| write.request == 0), "{writes:?}");
    assert!(writes.iter().any(|write| write.request == 1), "{writes:?}");
}

#[test]
fn close_mid_body_over_tls_ends_the_stream_after_exactly_n_bytes() {
    let identity = TestIdentity::localhost();
    let body = Body::content_length()
        .bytes("0123456789")
        .fill(b'z', 100_000)
        .close_at(40_000);
    let server = TestServer::start_tls(
        Script::new().then(ScriptedResponse::new(200).body(body)),
        &identity,
    )
    .unwrap();
    let mut tls = connect(&server, identity.client_config().unwrap(), "localhost");
    post(&mut tls, "{}").unwrap();
    let mut reply = Vec::new();
    tls.read_to_end(&mut reply).unwrap();
    let (head, body) = split(&reply);
    assert!(head.contains("content-length: 100010\r\n"), "{head}");
    assert_eq!(body.len(), 40_000, "payload bytes before the close");
    assert!(body.starts_with(b"0123456789zzz"));
    // Body-write marks are taken over TLS as over plain TCP: one per payload step begun.
    let writes = server.wait_for_body_writes(2, Duration::from_secs(5));
    let offsets: Vec<u64> = writes.iter().map(|write| write.offset).collect();
    assert_eq!(offsets, [0, 10]);
}

#[test]
fn drip_and_pauses_over_tls_deliver_every_byte() {
    let identity = TestIdentity::localhost();
    let body = Body::chunked()
        .drip("abc", Duration::from_millis(1))
        .pause(Duration::from_millis(5))
        .bytes("def");
    let server = TestServer::start_tls(
        Script::new().then(ScriptedResponse::new(200).body(body)),
        &identity,
    )
    .unwrap();
    let mut tls = connect(&server, identity.client_config().unwrap(), "127.0.0.1");
    post(&mut tls, "{}").unwrap();
    let mut reply = Vec::new();
    tls.read_to_end(&mut reply).unwrap();
    let (_, body) = split(&reply);
    assert_eq!(body, b"1\r\na\r\n1\r\nb\r\n1\r\nc\r\n3\r\ndef\r\n0\r\n\r\n");
}

#[test]
fn a_client_that_does_not_trust_the_ca_fails_the_handshake() {
    let server = TestServer::start_tls(
        Script::new().then(ScriptedResponse::text(200, "never sent")),
        &TestIdentity::localhost(),
    )
    .unwrap();
    // Trusts only the system-independent empty set: the test CA is unknown.
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(rustls::RootCertStore::empty())
    .with_no_client_auth();
    let mut tls = connect(&server, Arc::new(config), "localhost");
    let error = post(&mut tls, "{}").unwrap_err();
    let message = error.to_string();
    assert!(message.contains("UnknownIssuer"), "{message}");
    drop(tls);
    drop(server);
}

#[test]
fn a_plain_client_gets_no_response_from_a_tls_server() {
    let server = TestServer::start_tls(
        Script::new().then(ScriptedResponse::text(200, "never sent")),
        &TestIdentity::localhost(),
    )
    .unwrap();
    let mut socket = TcpStream::connect(server.addr()).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    socket
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut reply = Vec::new();
    let _ = socket.read_to_end(&mut reply);
    assert!(!reply.starts_with(b"HTTP/1.1"), "{reply:?}");
    assert_eq!(server.remaining_responses(), 1, "the script is untouched");
    assert!(server.requests().is_empty());
}

#[test]
fn an_unusable_identity_is_an_invalid_input_error() {
    for identity in [
        TestIdentity::from_pem("not pem", TestIdentity::localhost().certificate_chain_pem()),
        TestIdentity::from_pem(TestIdentity::localhost().certificate_chain_pem(), "no key"),
    ] {
        let error = TestServer::start_tls(Script::new(), &identity).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput, "{error}");
    }
    let error = TestIdentity::from_pem("a", "b")
        .client_config()
        .unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
    assert!(TestIdentity::localhost_ca_path().is_file());
    assert_eq!(
        std::fs::read_to_string(TestIdentity::localhost_ca_path()).unwrap(),
        TestIdentity::localhost().ca_pem().unwrap()
    );
}

#[test]
fn a_stall_with_keep_alives_then_a_cut_over_tls() {
    let identity = TestIdentity::localhost();
    let body = Body::chunked()
        .bytes("data: a\n\n")
        .stall(
            Stall::for_duration(Duration::from_millis(30))
                .with_keep_alive(Duration::from_millis(10)),
        )
        .cut(Cut::InvalidChunkHeader)
        .bytes("never");
    let server = TestServer::start_tls(
        Script::new().then(ScriptedResponse::new(200).body(body)),
        &identity,
    )
    .unwrap();
    let mut tls = connect(&server, identity.client_config().unwrap(), "localhost");
    post(&mut tls, "{}").unwrap();
    let mut reply = Vec::new();
    tls.read_to_end(&mut reply).unwrap();
    let (_, body) = split(&reply);
    let body = String::from_utf8(body).unwrap();
    assert!(body.starts_with("9\r\ndata: a\n\n\r\n"), "{body:?}");
    assert!(body.contains("D\r\n: keep-alive\n\r\n"), "{body:?}");
    assert!(body.ends_with("zz\r\n"), "{body:?}");
    assert!(!body.contains("never"), "{body:?}");
}
