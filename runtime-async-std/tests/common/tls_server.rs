//! A loopback HTTPS origin for the TLS and proxy tests: a rustls server on a std thread with
//! the fixtures (a throwaway test CA and a `localhost` / `127.0.0.1` certificate it signed).

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Arc;
use std::thread::JoinHandle;

use codex_api_testkit::Transcript;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// The path of a file of `tests/fixtures`.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Serves one TLS connection: one request, answered with a short event stream, then closes.
/// Returns the base URL and the thread (which yields the raw request head, if one arrived).
pub fn tls_server() -> (String, JoinHandle<Option<String>>) {
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
