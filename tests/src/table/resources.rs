//! The Responses resource and the Conversations API on every runtime: each endpoint's request
//! (method, path, query, body) and typed reply (re-encoded, so every member the server sent
//! is compared), the lazy pagers, the final response of a stream, and their bad input: a 404,
//! ids with `/ ? #` and spaces, a page without a cursor, a count without its number.

use codex_api_core::request::{ListParams, RetrieveOptions};
use codex_api_core::wire::{
    ConversationCreate, ConversationRef, ListOrder, ResponseItem, ResponsesApiRequest, Role,
};
use codex_api_testkit::{FunctionCall, ItemPages, Script, ScriptedResponse, Transcript};
use serde_json::{Value, json};

use super::{assert_failed, assert_requests, request};
use crate::observation::{Observation, Outcome};
use crate::scenario::{CallSpec, ResourceCall, Scenario};

fn response_json(status: &str) -> Value {
    json!({
        "id": "resp_1", "object": "response", "created_at": 1700000000, "status": status,
        "background": true, "model": "gpt-test",
        "output": [{"id": "msg_1", "type": "message", "status": "completed", "role": "assistant",
                    "content": [{"type": "output_text", "text": "Hello", "annotations": []}]}],
        "usage": null, "x_future_member": {"kept": [1, 2]}
    })
}

fn message(id: &str, text: &str) -> Value {
    json!({"id": id, "type": "message", "role": "user",
           "content": [{"type": "input_text", "text": text}]})
}

/// The reply as the client re-encoded it.
fn reply(o: &Observation) -> Value {
    let Outcome::Resource(json) = &o.outcome else {
        panic!("{:#?}", o.outcome)
    };
    serde_json::from_str(json).expect("the reply is JSON")
}

fn one(o: &Observation, method: &str, path: &str) {
    assert_requests(o, 1);
    assert_eq!(o.requests[0].method, method, "{:#?}", o.requests[0]);
    assert_eq!(o.requests[0].path, path, "{:#?}", o.requests[0]);
    assert_eq!(o.requests[0].header("accept"), Some("application/json"));
    assert_eq!(
        o.requests[0].header("authorization"),
        Some("Bearer sk-test")
    );
}

fn call(call: ResourceCall) -> CallSpec {
    CallSpec::Resource(call)
}

fn pages() -> ItemPages {
    let items = (1..=5)
        .map(|i| message(&format!("item_{i}"), &format!("text {i}")))
        .collect();
    ItemPages::new(items, 2)
}

/// The resource scenarios.
pub fn scenarios() -> Vec<Scenario> {
    let mut rows = responses();
    rows.extend(conversations());
    rows
}

fn responses() -> Vec<Scenario> {
    vec![
        Scenario::new(
            "create_response_not_streamed",
            Script::new().on(
                "POST",
                "/v1/responses",
                ScriptedResponse::response_object(&response_json("queued")),
            ),
            call(ResourceCall::Create(Box::new({
                let mut request = request();
                request.background = Some(true);
                request.stream = Some(true);
                request
            }))),
            |o| {
                one(o, "POST", "/v1/responses");
                let body = o.requests[0].json();
                assert!(body.get("stream").is_none(), "{body}");
                assert_eq!(body["background"], true);
                assert_eq!(reply(o), response_json("queued"));
            },
        ),
        Scenario::new(
            "retrieve_response_with_include",
            Script::new().then(ScriptedResponse::response_object(&response_json(
                "completed",
            ))),
            call(ResourceCall::Retrieve(
                "resp_1".into(),
                RetrieveOptions::new()
                    .include("reasoning.encrypted_content")
                    .include("message.output_text.logprobs"),
            )),
            |o| {
                one(
                    o,
                    "GET",
                    "/v1/responses/resp_1?include%5B%5D=reasoning.encrypted_content&include%5B%5D=message.output_text.logprobs",
                );
                assert!(o.requests[0].body.is_empty());
                assert_eq!(reply(o), response_json("completed"));
            },
        ),
        Scenario::new(
            "response_ids_are_one_path_segment",
            Script::new().then(ScriptedResponse::response_object(&response_json(
                "completed",
            ))),
            call(ResourceCall::Retrieve(
                "a/b?c=1#d e%".into(),
                RetrieveOptions::new(),
            )),
            |o| one(o, "GET", "/v1/responses/a%2Fb%3Fc%3D1%23d%20e%25"),
        ),
        Scenario::new(
            "an_empty_response_id_is_a_build_error",
            Script::new(),
            call(ResourceCall::Retrieve(
                String::new(),
                RetrieveOptions::new(),
            )),
            |o| {
                assert_requests(o, 0);
                assert_eq!(o.expect_error().kind, "request_build");
            },
        ),
        Scenario::new(
            "retrieve_of_a_missing_response_is_not_found",
            Script::new().then(ScriptedResponse::not_found(
                "Response with id 'resp_x' not found.",
            )),
            call(ResourceCall::Retrieve(
                "resp_x".into(),
                RetrieveOptions::new(),
            )),
            |o| {
                assert_failed(o, "not_found", Some(404));
                assert_requests(o, 1);
            },
        ),
        Scenario::new(
            "cancel_response",
            Script::new().on(
                "POST",
                "/v1/responses/resp_1/cancel",
                ScriptedResponse::response_object(&response_json("cancelled")),
            ),
            call(ResourceCall::Cancel("resp_1".into())),
            |o| {
                one(o, "POST", "/v1/responses/resp_1/cancel");
                assert_eq!(reply(o)["status"], "cancelled");
            },
        ),
        Scenario::new(
            "delete_response",
            Script::new().on(
                "DELETE",
                "/v1/responses/resp_1",
                ScriptedResponse::deleted("resp_1", "response"),
            ),
            call(ResourceCall::Delete("resp_1".into())),
            |o| {
                one(o, "DELETE", "/v1/responses/resp_1");
                assert_eq!(
                    reply(o),
                    json!({"id": "resp_1", "object": "response", "deleted": true})
                );
            },
        ),
        Scenario::new(
            "input_items_one_page",
            Script::new().then(ScriptedResponse::item_list(
                vec![message("item_1", "a"), message("item_2", "b")],
                true,
            )),
            call(ResourceCall::InputItemsPage(
                "resp_1".into(),
                ListParams::new()
                    .limit(2)
                    .order(ListOrder::Asc)
                    .after("item_0")
                    .include("message.input_image.image_url"),
            )),
            |o| {
                one(
                    o,
                    "GET",
                    "/v1/responses/resp_1/input_items?after=item_0&limit=2&order=asc&include%5B%5D=message.input_image.image_url",
                );
                let page = reply(o);
                assert_eq!(page["last_id"], "item_2");
                assert_eq!(page["has_more"], true);
                assert_eq!(page["data"][1]["content"][0]["text"], "b");
            },
        ),
        Scenario::new(
            "input_items_pager_reads_every_page_lazily",
            pages().install(Script::new(), "GET", "/v1/responses/resp_1/input_items"),
            call(ResourceCall::InputItems(
                "resp_1".into(),
                ListParams::new().order(ListOrder::Asc),
            )),
            |o| {
                assert_requests(o, 3);
                let paths: Vec<&str> = o.requests.iter().map(|r| r.path.as_str()).collect();
                assert_eq!(
                    paths,
                    [
                        "/v1/responses/resp_1/input_items?order=asc",
                        "/v1/responses/resp_1/input_items?after=item_2&order=asc",
                        "/v1/responses/resp_1/input_items?after=item_4&order=asc",
                    ]
                );
                let all = reply(o);
                assert_eq!(all["pages"], 3);
                let ids: Vec<&str> = all["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|item| item["id"].as_str().unwrap())
                    .collect();
                assert_eq!(ids, ["item_1", "item_2", "item_3", "item_4", "item_5"]);
            },
        ),
        Scenario::new(
            "a_page_with_more_but_no_cursor_is_a_protocol_error",
            Script::new().then(ScriptedResponse::json(
                200,
                &json!({"object": "list", "data": [message("item_1", "a")],
                        "first_id": "item_1", "last_id": null, "has_more": true}),
            )),
            call(ResourceCall::InputItems("resp_1".into(), ListParams::new())),
            |o| {
                assert_eq!(o.expect_error().kind, "protocol");
                assert_requests(o, 1);
            },
        ),
        Scenario::new(
            "count_input_tokens",
            Script::new().on(
                "POST",
                "/v1/responses/input_tokens",
                ScriptedResponse::input_tokens(123),
            ),
            call(ResourceCall::CountTokens(Box::new({
                let mut request = request().instructions("be brief");
                request.store = Some(true);
                request.stream = Some(true);
                request.max_output_tokens = Some(10);
                request.conversation = Some(ConversationRef::id("conv_1"));
                request
            }))),
            |o| {
                one(o, "POST", "/v1/responses/input_tokens");
                let body = o.requests[0].json();
                let mut members: Vec<&str> = body
                    .as_object()
                    .unwrap()
                    .keys()
                    .map(String::as_str)
                    .collect();
                members.sort_unstable();
                assert_eq!(
                    members,
                    ["conversation", "input", "instructions", "model"],
                    "{body}"
                );
                assert_eq!(
                    reply(o),
                    json!({"object": "response.input_tokens", "input_tokens": 123})
                );
            },
        ),
        Scenario::new(
            "a_count_without_the_number_is_a_protocol_error",
            Script::new().then(ScriptedResponse::json(
                200,
                &json!({"object": "response.input_tokens"}),
            )),
            call(ResourceCall::CountTokens(Box::new(request()))),
            |o| assert_eq!(o.expect_error().kind, "protocol"),
        ),
        Scenario::new(
            "final_response_of_a_stream",
            Script::new().then(ScriptedResponse::sse(
                Transcript::new()
                    .response_id("resp_f")
                    .created()
                    .message(&["Hel", "lo"])
                    .parallel_function_calls(&[FunctionCall::new("shell", "call_1", &["{}"])])
                    .completed(),
            )),
            call(ResourceCall::FinalResponse(Box::new(request()))),
            |o| {
                let reply = reply(o);
                assert_eq!(reply["output_text"], "Hello");
                assert_eq!(reply["function_calls"], 1);
                assert_eq!(reply["response"]["id"], "resp_f");
                assert_eq!(reply["response"]["status"], "completed");
            },
        ),
        Scenario::new(
            "final_response_of_a_failed_stream_is_its_error",
            Script::new().then(ScriptedResponse::sse(
                Transcript::new().created().failed("server_error", "boom"),
            )),
            call(ResourceCall::FinalResponse(Box::new(request()))),
            |o| assert_eq!(o.expect_error().kind, "server_error"),
        ),
        Scenario::new(
            "a_response_runs_in_a_conversation",
            Script::new().then(ScriptedResponse::sse(
                Transcript::new().created().message(&["ok"]).completed(),
            )),
            CallSpec::stream(
                ResponsesApiRequest::new("gpt-test")
                    .input(vec![ResponseItem::text_message(Role::User, "hi")])
                    .conversation(ConversationRef::id("conv_1")),
            ),
            |o| {
                assert_eq!(o.requests[0].json()["conversation"], "conv_1");
                assert!(o.completed());
            },
        ),
    ]
}

fn conversation_json(metadata: Value) -> Value {
    json!({"id": "conv_1", "object": "conversation", "created_at": 1700000000,
           "metadata": metadata})
}

fn conversations() -> Vec<Scenario> {
    vec![
        Scenario::new(
            "conversation_create",
            Script::new().on(
                "POST",
                "/v1/conversations",
                ScriptedResponse::conversation("conv_1", json!({"topic": "demo"})),
            ),
            call(ResourceCall::ConversationCreate(
                ConversationCreate::new()
                    .items(vec![ResponseItem::text_message(Role::User, "hello")])
                    .metadata(json!({"topic": "demo"})),
            )),
            |o| {
                one(o, "POST", "/v1/conversations");
                let body = o.requests[0].json();
                assert_eq!(body["metadata"]["topic"], "demo");
                assert_eq!(body["items"][0]["content"][0]["text"], "hello");
                assert_eq!(reply(o), conversation_json(json!({"topic": "demo"})));
            },
        ),
        Scenario::new(
            "conversation_lifecycle",
            Script::new()
                .on(
                    "GET",
                    "/v1/conversations/conv_1",
                    ScriptedResponse::conversation("conv_1", json!({})),
                )
                .on(
                    "POST",
                    "/v1/conversations/conv_1",
                    ScriptedResponse::conversation("conv_1", json!({"k": "v"})),
                )
                .on(
                    "POST",
                    "/v1/conversations/conv_1/items",
                    ScriptedResponse::item_list(vec![message("item_9", "added")], false),
                )
                .on(
                    "GET",
                    "/v1/conversations/conv_1/items/item_9",
                    ScriptedResponse::json(200, &message("item_9", "added")),
                )
                .on(
                    "DELETE",
                    "/v1/conversations/conv_1/items/item_9",
                    ScriptedResponse::conversation("conv_1", json!({"k": "v"})),
                )
                .on(
                    "DELETE",
                    "/v1/conversations/conv_1",
                    ScriptedResponse::deleted("conv_1", "conversation.deleted"),
                ),
            CallSpec::sequence(
                [
                    ResourceCall::ConversationRetrieve("conv_1".into()),
                    ResourceCall::ConversationUpdate("conv_1".into(), json!({"k": "v"})),
                    ResourceCall::ConversationAddItems(
                        "conv_1".into(),
                        vec![ResponseItem::text_message(Role::User, "added")],
                    ),
                    ResourceCall::ConversationItem("conv_1".into(), "item_9".into()),
                    ResourceCall::ConversationDeleteItem("conv_1".into(), "item_9".into()),
                    ResourceCall::ConversationDelete("conv_1".into()),
                ]
                .into_iter()
                .map(|c| crate::scenario::Step::call(CallSpec::Resource(c))),
            ),
            |o| {
                let seen: Vec<(&str, &str)> = o
                    .requests
                    .iter()
                    .map(|r| (r.method.as_str(), r.path.as_str()))
                    .collect();
                assert_eq!(
                    seen,
                    [
                        ("GET", "/v1/conversations/conv_1"),
                        ("POST", "/v1/conversations/conv_1"),
                        ("POST", "/v1/conversations/conv_1/items"),
                        ("GET", "/v1/conversations/conv_1/items/item_9"),
                        ("DELETE", "/v1/conversations/conv_1/items/item_9"),
                        ("DELETE", "/v1/conversations/conv_1"),
                    ]
                );
                assert_eq!(o.requests[1].json(), json!({"metadata": {"k": "v"}}));
                assert_eq!(
                    o.requests[2].json()["items"][0]["content"][0]["text"],
                    "added"
                );
                let Outcome::Steps(steps) = &o.outcome else {
                    panic!("{:#?}", o.outcome)
                };
                assert!(
                    steps
                        .iter()
                        .all(|step| matches!(step, Outcome::Resource(_)))
                );
                let Outcome::Resource(last) = &steps[5] else {
                    unreachable!()
                };
                assert_eq!(
                    serde_json::from_str::<Value>(last).unwrap(),
                    json!({"id": "conv_1", "object": "conversation.deleted", "deleted": true})
                );
            },
        ),
        Scenario::new(
            "conversation_items_pager",
            pages().install(Script::new(), "GET", "/v1/conversations/conv_1/items"),
            call(ResourceCall::ConversationItems(
                "conv_1".into(),
                ListParams::new().limit(4),
            )),
            |o| {
                assert_requests(o, 2);
                assert_eq!(o.requests[0].path, "/v1/conversations/conv_1/items?limit=4");
                assert_eq!(
                    o.requests[1].path,
                    "/v1/conversations/conv_1/items?after=item_2&limit=4"
                );
                let ids: Vec<String> = reply(o)["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|item| item["id"].as_str().unwrap().to_owned())
                    .collect();
                assert_eq!(ids, ["item_5", "item_4", "item_3", "item_2", "item_1"]);
            },
        ),
    ]
}
