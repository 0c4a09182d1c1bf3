//! What goes on the wire: item ids stripped (`store: false`) or kept (stored, or Azure),
//! provider settings (organization, project, default headers, query parameters, originator,
//! user agent).

use codex_api_core::provider::Provider;
use codex_api_core::request::ResponsesOptions;
use codex_api_core::wire::{
    CompactionInput, ContentPart, MessageItem, ResponseItem, ResponsesApiRequest, Role,
};
use codex_api_testkit::{Script, ScriptedResponse, Transcript};

use super::assert_requests;
use crate::observation::{Observation, Phase};
use crate::scenario::{CallSpec, Scenario};

fn hello() -> ScriptedResponse {
    ScriptedResponse::sse(Transcript::new().created().message(&["ok"]).completed())
}

/// A history whose items carry ids (as items from a previous response do).
fn history_with_ids() -> Vec<ResponseItem> {
    let mut user = ResponseItem::text_message(Role::User, "first question");
    let mut assistant = ResponseItem::text_message(Role::Assistant, "first answer");
    for (item, id) in [(&mut user, "msg_user_1"), (&mut assistant, "msg_prev_1")] {
        if let ResponseItem::Message(MessageItem { id: slot, .. }) = item {
            *slot = Some(id.to_owned());
        }
    }
    let mut follow_up = ResponseItem::text_message(Role::User, "and then?");
    if let ResponseItem::Message(MessageItem { content, .. }) = &mut follow_up {
        content.push(ContentPart::input_text(" (details)"));
    }
    vec![user, assistant, follow_up]
}

fn request_with_ids() -> ResponsesApiRequest {
    ResponsesApiRequest::new("gpt-test")
        .instructions("be helpful")
        .input(history_with_ids())
        .prompt_cache_key("cache-key-1")
        .parallel_tool_calls(true)
}

fn input_ids(o: &Observation) -> Vec<serde_json::Value> {
    o.requests[0].json()["input"]
        .as_array()
        .expect("input")
        .iter()
        .map(|item| item["id"].clone())
        .collect()
}

/// The request-shaping scenarios.
pub fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario::new(
            "input_item_ids_stripped",
            Script::new().then(hello()),
            CallSpec::Stream(
                Box::new(request_with_ids().store(false)),
                ResponsesOptions::new(),
            ),
            |o| {
                assert!(o.completed());
                assert_requests(o, 1);
                assert!(
                    input_ids(o).iter().all(serde_json::Value::is_null),
                    "{:?}",
                    input_ids(o)
                );
                let body = o.requests[0].json();
                assert_eq!(body["stream"], true);
                assert_eq!(body["prompt_cache_key"], "cache-key-1");
                assert_eq!(body["store"], false);
            },
        ),
        Scenario::new(
            "input_item_ids_kept_when_stored",
            Script::new().then(hello()),
            CallSpec::Stream(Box::new(request_with_ids()), ResponsesOptions::new()),
            |o| {
                assert!(o.completed());
                assert_requests(o, 1);
                assert_eq!(
                    input_ids(o)[..2],
                    [
                        serde_json::json!("msg_user_1"),
                        serde_json::json!("msg_prev_1")
                    ]
                );
                assert!(o.requests[0].json().get("store").is_none());
            },
        ),
        Scenario::new(
            "azure_keeps_item_ids_and_stores",
            Script::new().then(hello()),
            CallSpec::Stream(Box::new(request_with_ids()), ResponsesOptions::new()),
            |o| {
                assert!(o.completed());
                assert_eq!(
                    input_ids(o)[..2],
                    [
                        serde_json::json!("msg_user_1"),
                        serde_json::json!("msg_prev_1")
                    ]
                );
                assert_eq!(o.requests[0].json()["store"], true);
            },
        )
        .provider(|provider| {
            Provider::custom("azure", provider.base_url()).expect("azure provider")
        }),
        Scenario::new(
            "compaction_item_ids_kept",
            Script::new().then(ScriptedResponse::compaction(vec![
                serde_json::json!({"type": "compaction", "encrypted_content": "blob"}),
            ])),
            CallSpec::Compact(
                Box::new(CompactionInput::new("gpt-test", history_with_ids())),
                ResponsesOptions::new(),
            ),
            |o| {
                assert_requests(o, 1);
                assert_eq!(o.requests[0].path, "/v1/responses/compact");
                assert_eq!(
                    input_ids(o)[..2],
                    [
                        serde_json::json!("msg_user_1"),
                        serde_json::json!("msg_prev_1")
                    ]
                );
            },
        ),
        Scenario::new(
            "large_request_body",
            Script::new().then(hello()),
            CallSpec::stream(ResponsesApiRequest::new("gpt-test").input(vec![
                ResponseItem::text_message(Role::User, "x".repeat(2 * 1024 * 1024)),
            ])),
            |o| {
                assert!(o.completed());
                assert!(o.requests[0].body.len() > 2 * 1024 * 1024);
            },
        ),
        Scenario::new(
            "invalid_header_value_is_a_build_error",
            Script::new().then(hello()),
            CallSpec::Stream(
                Box::new(request_with_ids()),
                ResponsesOptions::new().with_header("x-bad", "line\nbreak"),
            ),
            |o| {
                let error = o.expect_error();
                assert_eq!(error.kind, "request_build", "{error:#?}");
                assert_eq!(error.phase, Phase::Call);
                assert!(!error.detail.contains("line\nbreak"), "{error:#?}");
                assert_requests(o, 0);
                assert!(o.attempts.is_empty());
            },
        ),
        Scenario::new(
            "connection_refused",
            Script::new(),
            CallSpec::stream(request_with_ids()),
            |o| {
                let error = o.expect_error();
                assert_eq!(error.kind, "transport", "{error:#?}");
                assert_eq!(error.detail, "Connect after 3, cause kept");
                assert_requests(o, 0);
                assert_eq!(o.attempts.len(), 3);
            },
        )
        .provider(|provider| {
            // Port 1 on loopback: nothing listens there, the connect is refused at once.
            Provider::custom(provider.name(), "http://127.0.0.1:1/v1").expect("provider")
        }),
        Scenario::new(
            "provider_settings_on_the_wire",
            Script::new().then(hello()),
            CallSpec::stream(request_with_ids()),
            |o| {
                assert!(o.completed());
                let sent = &o.requests[0];
                assert_eq!(sent.path, "/v1/responses?api-version=2025-04-01");
                assert_eq!(sent.header("openai-organization"), Some("org-1"));
                assert_eq!(sent.header("openai-project"), Some("proj-1"));
                assert_eq!(sent.header("x-team"), Some("suite"));
                assert_eq!(sent.header("originator"), Some("codex_suite"));
                assert_eq!(sent.header("user-agent"), Some("codex-suite/1.0"));
            },
        )
        .provider(|provider| {
            provider
                .with_organization("org-1")
                .with_project("proj-1")
                .with_header("x-team", "suite")
                .with_query_param("api-version", "2025-04-01")
                .with_originator("codex_suite")
                .with_user_agent("codex-suite/1.0")
        }),
    ]
}
