//! A user's program with one codex-api crate and one `use`: each adapter's `prelude` and
//! `Client::builder_for(base_url, key)`, against the testkit on 127.0.0.1.

use codex_api_testkit::{Script, ScriptedResponse, TestServer, Transcript};

fn server() -> TestServer {
    let reply = Transcript::new()
        .created()
        .message(&["one ", "import"])
        .completed();
    TestServer::start(Script::new().then(ScriptedResponse::sse(reply))).expect("server")
}

/// The text of one streamed answer to "Hi", on any async runtime's client.
async fn answer<R: codex_api_client::Runtime>(client: &codex_api_client::Client<R>) -> String {
    use codex_api_client::prelude::*;
    use futures_util::StreamExt;

    let request = ResponsesApiRequest::new("gpt-test")
        .input(vec![ResponseItem::text_message(Role::User, "Hi")]);
    let mut events = client
        .stream(request, ResponsesOptions::new())
        .await
        .unwrap();
    let mut text = String::new();
    while let Some(event) = events.next().await {
        if let ResponseEvent::OutputTextDelta { delta, .. } = event.unwrap() {
            text.push_str(&delta);
        }
    }
    text
}

fn assert_sent_with_key(server: &TestServer) {
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].path, "/v1/responses");
    assert_eq!(requests[0].header("authorization"), Some("Bearer sk-local"));
}

#[test]
fn blocking_prelude_and_builder_for() {
    use codex_api_blocking::prelude::*;

    let server = server();
    let client = Client::builder_for(&format!("{}/v1", server.url()), "sk-local")
        .unwrap()
        .build()
        .unwrap();
    let request = ResponsesApiRequest::new("gpt-test")
        .input(vec![ResponseItem::text_message(Role::User, "Hi")]);
    let mut text = String::new();
    for event in client.stream(request, ResponsesOptions::new()).unwrap() {
        if let ResponseEvent::OutputTextDelta { delta, .. } = event.unwrap() {
            text.push_str(&delta);
        }
    }
    assert_eq!(text, "one import");
    assert_sent_with_key(&server);
}

#[test]
fn tokio_prelude_and_builder_for() {
    use codex_api_tokio::prelude::*;

    let server = server();
    let client = Client::builder_for(&format!("{}/v1", server.url()), "sk-local")
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(
        codex_api_tests::block_on_tokio(answer(&client)),
        "one import"
    );
    assert_sent_with_key(&server);
}

#[test]
fn async_std_prelude_and_builder_for() {
    use codex_api_async_std::prelude::*;

    let server = server();
    let client = Client::builder_for(&format!("{}/v1", server.url()), "sk-local")
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(async_std::task::block_on(answer(&client)), "one import");
    assert_sent_with_key(&server);
}

#[test]
fn a_bad_base_url_is_a_config_error() {
    use codex_api_blocking::prelude::*;

    let error = Client::builder_for("not a url", "sk-local").unwrap_err();
    assert!(
        matches!(error, codex_api_blocking::ConfigError::BaseUrl(_)),
        "{error:?}"
    );
}
