//! The scenario table.
//!
//! Every row names itself; [`all`] lists them in a fixed order and [`by_name`] finds one. The
//! integration test runs each row as a test of its own.

mod auth;
mod connections;
mod edges;
mod endpoints;
mod failures;
pub mod faults;
mod proxies;
mod raw;
mod requests;
mod resources;
mod resume;
mod retries;
mod send;
mod statuses;
mod streams;
mod tls;
mod transport;
mod websocket;

use codex_api_core::stream::ResponseEvent;
use codex_api_core::wire::{ResponseItem, ResponsesApiRequest, Role};

use crate::observation::Observation;
use crate::scenario::Scenario;

/// Every scenario of the table.
pub fn all() -> Vec<Scenario> {
    let mut table = Vec::new();
    table.extend(streams::scenarios());
    table.extend(failures::scenarios());
    table.extend(transport::scenarios());
    table.extend(retries::scenarios());
    table.extend(statuses::scenarios());
    table.extend(requests::scenarios());
    table.extend(edges::scenarios());
    table.extend(raw::scenarios());
    table.extend(auth::scenarios());
    table.extend(endpoints::scenarios());
    table.extend(send::scenarios());
    table.extend(faults::scenarios());
    table.extend(connections::scenarios());
    table.extend(tls::scenarios());
    table.extend(proxies::scenarios());
    table.extend(resources::scenarios());
    table.extend(resume::scenarios());
    table.extend(websocket::scenarios());
    table
}

/// The scenario named `name`.
pub fn by_name(name: &str) -> Option<Scenario> {
    all().into_iter().find(|scenario| scenario.name == name)
}

/// The one-message request every streamed scenario sends.
pub fn request() -> ResponsesApiRequest {
    ResponsesApiRequest::new("gpt-test").input(vec![ResponseItem::text_message(Role::User, "hi")])
}

/// Asserts how many requests the server received.
pub fn assert_requests(observation: &Observation, count: usize) {
    assert_eq!(
        observation.requests.len(),
        count,
        "requests: {:#?}",
        observation.requests
    );
}

/// Asserts that the call failed with `kind` (and, for server errors, `status`).
pub fn assert_failed(observation: &Observation, kind: &str, status: Option<u16>) {
    let error = observation.expect_error();
    assert_eq!(error.kind, kind, "{error:#?}");
    assert_eq!(error.status, status, "{error:#?}");
}

/// Whether the events contain a `Created`.
pub fn has_created(observation: &Observation) -> bool {
    observation
        .events
        .iter()
        .any(|event| matches!(event, ResponseEvent::Created))
}
