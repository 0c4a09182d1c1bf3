//! The typed per-endpoint entry points: body rules per provider, and the exact bytes and URL.

use codex_api_core::credentials::Credentials;
use codex_api_core::provider::Provider;
use codex_api_core::request::{PreparedRequest, ResponsesOptions};
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

#[test]
fn responses_on_openai_streams_and_strips_item_ids() {
    let request = ResponsesApiRequest::new("gpt-5").input(input_with_ids());
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
fn responses_on_azure_keeps_item_ids_and_defaults_store_to_true() {
    let azure = Provider::custom("azure", "https://res.openai.azure.com/openai/v1").unwrap();
    let request = ResponsesApiRequest::new("gpt-5").input(input_with_ids());
    let body = body_json(&PreparedRequest::responses(&azure, request).unwrap());
    assert_eq!(body["store"], json!(true));
    assert_eq!(body["input"][0]["id"], json!("msg_1"));
    assert_eq!(body["input"][1]["id"], json!("fc_1"));

    // An explicit `store: false` is kept.
    let request = ResponsesApiRequest::new("gpt-5").store(false);
    let body = body_json(&PreparedRequest::responses(&azure, request).unwrap());
    assert_eq!(body["store"], json!(false));
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
fn compact_strips_ids_and_posts_to_responses_compact() {
    let input = CompactionInput::new("gpt-5", input_with_ids()).instructions("Summarise.");
    let prepared = PreparedRequest::compact(&Provider::openai(), input).unwrap();
    let body = body_json(&prepared);
    assert_eq!(body["model"], json!("gpt-5"));
    assert_eq!(body["instructions"], json!("Summarise."));
    assert!(body["input"][0].get("id").is_none());
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
