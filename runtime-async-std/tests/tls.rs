//! The connect timeout of this adapter covers its TLS handshake (futures-rustls), on async-std
//! and on smol. (TLS as every adapter does it — a custom CA bundle, an unknown issuer, TLS to a
//! plain server, bad bundles — is in the cross-runtime table, `tests/src/table/tls.rs`.)

mod common;

use std::io::Read;
use std::net::TcpListener;
use std::time::Duration;

use codex_api_async_std::{Client, Error, StaticAuth};
use codex_api_core::credentials::Credentials;
use codex_api_core::provider::Provider;
use codex_api_core::retry::{RetryPolicy, TransportErrorKind};

use common::on_both;
use common::tls_server::ca_path;

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
            .connect_timeout(Some(Duration::from_millis(200)))
            .retry_policy(RetryPolicy::never())
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
