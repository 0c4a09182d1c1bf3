//! Shared helpers of the integration tests: both runtimes, a client aimed at a testkit server.
#![allow(dead_code)]

pub mod recording_proxy;
pub mod tls_server;

use std::future::Future;

use codex_api_async_std::{Client, ClientBuilder, Error, EventStream, StaticAuth};
use codex_api_core::credentials::Credentials;
use codex_api_core::provider::Provider;
use codex_api_core::stream::ResponseEvent;
use codex_api_core::wire::{ResponseItem, ResponsesApiRequest, Role};
use codex_api_testkit::TestServer;
use futures_lite::StreamExt;

/// Runs the scenario on async-std, then again (from scratch) on smol.
pub fn on_both<F, Fut>(scenario: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()>,
{
    async_std::task::block_on(scenario());
    smol::block_on(scenario());
}

/// The provider of a testkit server (`<url>/v1`).
pub fn provider(server: &TestServer) -> Provider {
    Provider::custom("test", format!("{}/v1", server.url())).unwrap()
}

/// A builder with an API key and a fixed jitter seed.
pub fn builder(server: &TestServer) -> ClientBuilder {
    Client::builder(
        provider(server),
        StaticAuth::new(Credentials::api_key("sk-test")),
    )
    .jitter_seed(7)
}

/// The default client of a testkit server.
pub fn client(server: &TestServer) -> Client {
    builder(server).build().unwrap()
}

/// A one-message request.
pub fn request() -> ResponsesApiRequest {
    ResponsesApiRequest::new("gpt-test").input(vec![ResponseItem::text_message(Role::User, "hi")])
}

/// Every event of a stream, and the error that ended it, if any.
pub async fn drain(mut stream: EventStream) -> (Vec<ResponseEvent>, Option<Error>) {
    let mut events = Vec::new();
    while let Some(item) = stream.next().await {
        match item {
            Ok(event) => events.push(event),
            Err(error) => {
                assert!(stream.next().await.is_none(), "nothing after the error");
                return (events, Some(error));
            }
        }
    }
    (events, None)
}

/// The concatenated text deltas.
pub fn text(events: &[ResponseEvent]) -> String {
    events
        .iter()
        .filter_map(|event| match event {
            ResponseEvent::OutputTextDelta { delta, .. } => Some(delta.as_str()),
            _ => None,
        })
        .collect()
}
