//! A loopback HTTPS origin for the TLS and proxy tests: the testkit's server in TLS mode with
//! its bundled identity (a throwaway test CA and a `localhost` / `127.0.0.1` certificate).

use std::path::PathBuf;

use codex_api_testkit::tls::TestIdentity;
use codex_api_testkit::{Script, ScriptedResponse, TestServer, Transcript};

/// The path of the test CA's PEM file, for `ca_bundle`.
pub fn ca_path() -> PathBuf {
    TestIdentity::localhost_ca_path()
}

/// An HTTPS server that answers one request with a short event stream (the text `secure`).
/// Its URL is `https://127.0.0.1:PORT`; the API base is that plus `/v1`.
pub fn tls_server() -> TestServer {
    let events = Transcript::new().created().message(&["secure"]).completed();
    TestServer::start_tls(
        Script::new().then(ScriptedResponse::sse(events)),
        &TestIdentity::localhost(),
    )
    .unwrap()
}
