//! The typed per-endpoint entry points: body rules per provider, and the exact bytes and URL.

use codex_api_core::credentials::Credentials;
use codex_api_core::provider::Provider;
use codex_api_core::request::{BuildError, PreparedRequest, ResponsesOptions};
use codex_api_core::wire::{
    CompactionInput, MemorySummarizeInput, ResponseItem, ResponsesApiRequest,
};
use serde_json::{Value, json};

fn input_with_ids() -> Vec<ResponseItem> {
    serde_json::from_value(json!([
        {"type": "message", "id": "msg_1", "role": "user",
         "content": [{"type": "input_text", "text": "hi"}]},
        {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "f", "arguments": "{}"}
    ]))
    .unwrap()
}

fn body_json(prepared: &PreparedRequest) -> Value {
    serde_json::from_slice(prepared.body().expect("a body")).unwrap()
}

fn input_ids(body: &Value) -> Vec<Value> {
    body["input"]
        .as_array()
        .expect("input")
        .iter()
        .map(|item| item["id"].clone())
        .collect()
}

#[test]
fn responses_on_openai_streams_and_strips_item_ids_when_not_stored() {
    let request = ResponsesApiRequest::new("gpt-5")
        .input(input_with_ids())
        .store(false);
    let prepared = PreparedRequest::responses(&Provider::openai(), request).unwrap();
    assert_eq!(
        body_json(&prepared),
        json!({
            "model": "gpt-5",
            "input": [
                {"type": "message", "role": "user",
                 "content": [{"type": "input_text", "text": "hi"}]},
                {"type": "function_call", "call_id": "call_1", "name": "f", "arguments": "{}"}
            ],
            "store": false,
            "stream": true
        })
    );
    let built = prepared
        .build(
            &Provider::openai(),
            &ResponsesOptions::new(),
            &Credentials::api_key("sk-test"),
        )
        .unwrap();
    assert_eq!(built.method(), http::Method::POST);
    assert_eq!(built.uri(), "https://api.openai.com/v1/responses");
    assert_eq!(built.headers()["accept"], "text/event-stream");
    assert_eq!(built.headers()["content-type"], "application/json");
    assert_eq!(built.body(), prepared.body().unwrap());
}

#[test]
fn responses_on_openai_keeps_item_ids_when_stored_or_store_is_unset() {
    for (store, sent) in [(None, None), (Some(true), Some(json!(true)))] {
        let mut request = ResponsesApiRequest::new("gpt-5").input(input_with_ids());
        request.store = store;
        for provider in [
            Provider::openai(),
            Provider::chatgpt_codex(),
            Provider::custom("proxy", "http://127.0.0.1:9/v1").unwrap(),
        ] {
            let body = body_json(&PreparedRequest::responses(&provider, request.clone()).unwrap());
            assert_eq!(
                input_ids(&body),
                [json!("msg_1"), json!("fc_1")],
                "store {store:?}"
            );
            assert_eq!(body.get("store"), sent.as_ref(), "store {store:?}");
            assert_eq!(body["stream"], json!(true));
        }
    }
}

#[test]
fn responses_on_azure_keeps_item_ids_and_defaults_store_to_true() {
    let azure = Provider::custom("azure", "https://res.openai.azure.com/openai/v1").unwrap();
    let request = ResponsesApiRequest::new("gpt-5").input(input_with_ids());
    let body = body_json(&PreparedRequest::responses(&azure, request).unwrap());
    assert_eq!(body["store"], json!(true));
    assert_eq!(body["input"][0]["id"], json!("msg_1"));
    assert_eq!(body["input"][1]["id"], json!("fc_1"));

    // An explicit `store: false` is kept, and so are the ids (Azure's rule).
    let request = ResponsesApiRequest::new("gpt-5")
        .input(input_with_ids())
        .store(false);
    let body = body_json(&PreparedRequest::responses(&azure, request).unwrap());
    assert_eq!(body["store"], json!(false));
    assert_eq!(input_ids(&body), [json!("msg_1"), json!("fc_1")]);
}

#[test]
fn responses_elsewhere_leaves_store_unset() {
    let request = ResponsesApiRequest::new("gpt-5");
    let body = body_json(&PreparedRequest::responses(&Provider::openai(), request).unwrap());
    assert!(body.get("store").is_none());
}

#[test]
fn every_attempt_shares_the_same_body_bytes() {
    let prepared = PreparedRequest::responses(
        &Provider::openai(),
        ResponsesApiRequest::new("gpt-5").input(input_with_ids()),
    )
    .unwrap();
    let options = ResponsesOptions::new();
    let first = prepared
        .build(&Provider::openai(), &options, &Credentials::api_key("sk-a"))
        .unwrap();
    let second = prepared
        .build(&Provider::openai(), &options, &Credentials::api_key("sk-b"))
        .unwrap();
    assert_eq!(first.body(), second.body());
    assert_eq!(
        first.body().as_ptr(),
        second.body().as_ptr(),
        "shared, not copied"
    );
    assert_ne!(
        first.headers()["authorization"],
        second.headers()["authorization"]
    );
}

#[test]
fn compact_keeps_ids_and_posts_to_responses_compact() {
    let input = CompactionInput::new("gpt-5", input_with_ids()).instructions("Summarise.");
    let prepared = PreparedRequest::compact(&Provider::openai(), input).unwrap();
    let body = body_json(&prepared);
    assert_eq!(body["model"], json!("gpt-5"));
    assert_eq!(body["instructions"], json!("Summarise."));
    // The compaction body has no `store`: ids are kept (the API default is to store).
    assert_eq!(input_ids(&body), [json!("msg_1"), json!("fc_1")]);
    let built = prepared
        .build(
            &Provider::openai(),
            &ResponsesOptions::new(),
            &Credentials::None,
        )
        .unwrap();
    assert_eq!(built.uri(), "https://api.openai.com/v1/responses/compact");
    assert_eq!(built.method(), http::Method::POST);
}

#[test]
fn compact_sends_ids_as_given_on_every_provider() {
    let azure = Provider::custom("azure", "https://res.openai.azure.com/openai/v1").unwrap();
    for provider in [Provider::openai(), Provider::chatgpt_codex(), azure] {
        let input = CompactionInput::new("gpt-5", input_with_ids());
        let body = body_json(&PreparedRequest::compact(&provider, input).unwrap());
        assert_eq!(input_ids(&body), [json!("msg_1"), json!("fc_1")]);
        assert!(body.get("store").is_none());

        // A history produced with `store: false` is stripped by the caller.
        let mut input = CompactionInput::new("gpt-5", input_with_ids());
        input.strip_item_ids();
        let body = body_json(&PreparedRequest::compact(&provider, input).unwrap());
        assert_eq!(input_ids(&body), [Value::Null, Value::Null]);
    }
}

#[test]
fn memories_serialise_raw_memories_as_traces() {
    let input: MemorySummarizeInput = serde_json::from_value(json!({
        "model": "gpt-5-mini",
        "traces": [{"id": "t1", "metadata": {"source_path": "/tmp/a.jsonl"}, "items": []}]
    }))
    .unwrap();
    let prepared = PreparedRequest::summarize_memories(&input).unwrap();
    let body = body_json(&prepared);
    assert_eq!(
        body["traces"][0]["metadata"]["source_path"],
        json!("/tmp/a.jsonl")
    );
    let built = prepared
        .build(
            &Provider::openai(),
            &ResponsesOptions::new(),
            &Credentials::None,
        )
        .unwrap();
    assert_eq!(
        built.uri(),
        "https://api.openai.com/v1/memories/trace_summarize"
    );
}

#[test]
fn models_is_a_get_with_client_version_and_no_body() {
    let prepared = PreparedRequest::list_models(Some("0.1.0"));
    assert!(prepared.body().is_none());
    let built = prepared
        .build(
            &Provider::openai(),
            &ResponsesOptions::new(),
            &Credentials::None,
        )
        .unwrap();
    assert_eq!(built.method(), http::Method::GET);
    assert_eq!(
        built.uri(),
        "https://api.openai.com/v1/models?client_version=0.1.0"
    );
    assert!(built.headers().get("content-type").is_none());

    let with_query = Provider::custom("proxy", "http://127.0.0.1:9/v1?api-version=2025").unwrap();
    let built = prepared
        .build(&with_query, &ResponsesOptions::new(), &Credentials::None)
        .unwrap();
    assert_eq!(
        built.uri(),
        "http://127.0.0.1:9/v1/models?api-version=2025&client_version=0.1.0"
    );
}

#[test]
fn extra_members_go_after_the_typed_ones_on_every_body() {
    let provider = Provider::openai();
    let request = ResponsesApiRequest::new("gpt-5")
        .extra_member("future_flag", json!({"on": true}))
        .extra_member("n", json!(1));
    let prepared = PreparedRequest::responses(&provider, request).unwrap();
    assert_eq!(
        std::str::from_utf8(prepared.body().unwrap()).unwrap(),
        r#"{"model":"gpt-5","input":[],"stream":true,"future_flag":{"on":true},"n":1}"#
    );
    let compact = CompactionInput::new("gpt-5", vec![]).extra_member("x", json!("y"));
    let prepared = PreparedRequest::compact(&provider, compact).unwrap();
    assert_eq!(body_json(&prepared)["x"], "y");
    let memories = MemorySummarizeInput::new("gpt-5", vec![]).extra_member("x", json!(2));
    let prepared = PreparedRequest::summarize_memories(&memories).unwrap();
    assert_eq!(body_json(&prepared)["x"], 2);
}

#[test]
fn an_extra_member_named_like_a_typed_one_is_a_typed_error() {
    let provider = Provider::openai();
    for member in ["temperature", "model", "stream"] {
        let request = ResponsesApiRequest::new("gpt-5").extra_member(member, json!(1));
        let error = PreparedRequest::responses(&provider, request).unwrap_err();
        assert!(
            matches!(&error, BuildError::ExtraCollision { member: m } if m == member),
            "{error:?}"
        );
        assert!(error.to_string().contains(member), "{error}");
    }
    let compact = CompactionInput::new("gpt-5", vec![]).extra_member("input", json!([]));
    assert!(matches!(
        PreparedRequest::compact(&provider, compact),
        Err(BuildError::ExtraCollision { .. })
    ));
}

#[test]
fn a_decoded_request_keeps_members_it_does_not_type_in_place() {
    let text = r#"{"model":"gpt-5","x_new":[1, 2],"input":[],"store":true,"y":null}"#;
    let request: ResponsesApiRequest = serde_json::from_str(text).unwrap();
    assert_eq!(request.extra.len(), 2);
    assert_eq!(serde_json::to_string(&request).unwrap(), text);
    let prepared = PreparedRequest::responses(&Provider::openai(), request).unwrap();
    assert_eq!(
        std::str::from_utf8(prepared.body().unwrap()).unwrap(),
        r#"{"model":"gpt-5","x_new":[1, 2],"input":[],"store":true,"y":null,"stream":true}"#
    );
}

#[test]
fn a_collision_inside_an_item_is_a_typed_error_too() {
    let ResponseItem::Message(mut message) =
        ResponseItem::text_message(codex_api_core::wire::Role::User, "hi")
    else {
        unreachable!()
    };
    message.extra.insert("role", "system").unwrap();
    let request = ResponsesApiRequest::new("gpt-5").input(vec![ResponseItem::Message(message)]);
    let error = PreparedRequest::responses(&Provider::openai(), request).unwrap_err();
    assert!(
        matches!(&error, BuildError::ExtraCollision { member } if member == "role"),
        "{error:?}"
    );
}
