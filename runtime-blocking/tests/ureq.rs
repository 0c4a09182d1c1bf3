//! What is ureq's in this adapter: the request head it writes around the core's headers, and
//! the types that cross threads. (Everything the adapter does like the others is in the
//! cross-runtime table, `tests/src/table/`.)

use codex_api_blocking::{Client, StaticAuth};
use codex_api_core::credentials::Credentials;
use codex_api_core::provider::Provider;
use codex_api_testkit::{Script, ScriptedResponse, TestServer};

#[test]
fn a_get_goes_out_with_the_core_headers_and_no_body_framing() {
    let server =
        TestServer::start(Script::new().then(ScriptedResponse::models(vec![], "e"))).unwrap();
    let provider = Provider::custom("test", format!("{}/v1", server.url())).unwrap();
    let client = Client::builder(provider, StaticAuth::new(Credentials::api_key("sk-test")))
        .without_proxy()
        .build()
        .unwrap();
    client.list_models(None).unwrap();
    let sent = &server.requests()[0];
    // ureq would add its own user agent; the core's goes out instead.
    let agent = sent.header("user-agent").unwrap_or_default();
    assert!(agent.starts_with("codex-api/"), "{agent:?}");
    assert_eq!(sent.header("accept"), Some("application/json"));
    assert_eq!(sent.header("content-length"), None, "a GET has no body");
    assert_eq!(sent.header("transfer-encoding"), None, "a GET has no body");
}

#[test]
fn clients_streams_and_errors_cross_threads() {
    fn send_and_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_and_sync::<codex_api_blocking::Client>();
    send::<codex_api_blocking::EventStream>();
    send::<codex_api_blocking::RawEventStream>();
    send_and_sync::<codex_api_blocking::Error>();
}
