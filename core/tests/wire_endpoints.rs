//! Endpoint bodies: `Response`, compaction, memories, models.

use codex_api_core::wire::{
    CompactionInput, CompactionOutput, MemorySummarizeInput, MemorySummarizeOutput, ModelsResponse,
    ReasoningEffort, Response, ResponseItem, ResponseStatus, Role, Timestamp, Usage,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

fn round_trip<T: Serialize + DeserializeOwned>(text: &str) -> T {
    let parsed: T = serde_json::from_str(text).unwrap();
    let original: Value = serde_json::from_str(text).unwrap();
    assert_eq!(serde_json::to_value(&parsed).unwrap(), original);
    parsed
}

#[test]
fn response_object_round_trips() {
    let response: Response = round_trip(include_str!("fixtures/wire/response_completed.json"));
    assert_eq!(response.id, "resp_123");
    assert_eq!(response.status, Some(ResponseStatus::Completed));
    assert_eq!(response.output.len(), 3);
    assert!(matches!(response.output[2], ResponseItem::Other(_)));
    let usage = response.usage.unwrap();
    assert_eq!(
        (
            usage.input_tokens,
            usage.cached_tokens(),
            usage.reasoning_tokens()
        ),
        (100, 64, 12)
    );
}

#[test]
fn response_keeps_unknown_members_in_place() {
    let text = r#"{"id":"r","object":"response","status":"future_status","temperature":1,"tools":[],"text":{"format":{"type":"text"}},"truncation":"disabled","output":[]}"#;
    let response: Response = serde_json::from_str(text).unwrap();
    assert_eq!(serde_json::to_string(&response).unwrap(), text);
    assert_eq!(response.extra.len(), 4);
    assert_eq!(
        response.status,
        Some(ResponseStatus::Other("future_status".into()))
    );
}

#[test]
fn usage_missing_or_null_details_read_as_zero() {
    let usage: Usage =
        serde_json::from_str(r#"{"input_tokens":3,"output_tokens":4,"total_tokens":7}"#).unwrap();
    assert_eq!(
        (
            usage.cached_tokens(),
            usage.reasoning_tokens(),
            usage.total_tokens
        ),
        (0, 0, 7)
    );
    let usage: Usage = serde_json::from_str(
        r#"{"input_tokens":3,"input_tokens_details":null,"output_tokens":4,"output_tokens_details":{},"total_tokens":7}"#,
    )
    .unwrap();
    assert_eq!((usage.cached_tokens(), usage.reasoning_tokens()), (0, 0));
    // `null` and absent detail objects are written back as they came; a detail object that
    // lacks its (required) count gets it.
    assert_eq!(
        serde_json::to_string(&usage).unwrap(),
        r#"{"input_tokens":3,"input_tokens_details":null,"output_tokens":4,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":7}"#
    );
    assert!(serde_json::from_str::<Usage>(r#"{"input_tokens":-1}"#).is_err());
}

#[test]
fn compaction_bodies_round_trip() {
    let text = include_str!("fixtures/wire/compaction_request.json");
    let input: CompactionInput = round_trip(text);
    let built =
        CompactionInput::new("gpt-5-codex", input.input.clone()).instructions("You are Codex.");
    let mut expected: Value = serde_json::from_str(text).unwrap();
    expected.as_object_mut().unwrap().remove("prompt_cache_key");
    assert_eq!(serde_json::to_value(&built).unwrap(), expected);
    assert_eq!(
        serde_json::to_string(&CompactionInput::new("m", vec![])).unwrap(),
        r#"{"model":"m","input":[]}"#
    );

    let output: CompactionOutput =
        round_trip(include_str!("fixtures/wire/compaction_response.json"));
    assert!(
        matches!(output.output.last(), Some(ResponseItem::Compaction(c)) if c.encrypted_content == "encrypted-summary")
    );
    assert_eq!(output.usage.unwrap().total_tokens, 54897);

    // Codex's server may answer with `output` only.
    let bare: CompactionOutput = serde_json::from_str(r#"{"output":[]}"#).unwrap();
    assert_eq!(serde_json::to_string(&bare).unwrap(), r#"{"output":[]}"#);
}

#[test]
fn memories_bodies_round_trip() {
    let input: MemorySummarizeInput =
        round_trip(include_str!("fixtures/wire/memories_request.json"));
    assert_eq!(
        input.raw_memories[0].metadata.source_path,
        "/home/u/.codex/sessions/rollout-1.jsonl"
    );
    let json = serde_json::to_value(&input).unwrap();
    assert!(json.get("traces").is_some() && json.get("raw_memories").is_none());

    let output: MemorySummarizeOutput =
        round_trip(include_str!("fixtures/wire/memories_response.json"));
    assert_eq!(
        output.output[0].trace_summary,
        "User fixed a build failure."
    );
    let aliased: MemorySummarizeOutput =
        serde_json::from_str(r#"{"output":[{"raw_memory":"a","memory_summary":"b"}]}"#).unwrap();
    assert_eq!(aliased.output[0].trace_summary, "a");

    let minimal = MemorySummarizeInput::new(
        "m",
        vec![
            serde_json::from_value(json!({
                "id": "t", "metadata": {"source_path": "/p"},
                "items": [{"type": "message", "role": "user", "content": []}]
            }))
            .unwrap(),
        ],
    );
    assert_eq!(
        serde_json::to_string(&minimal).unwrap(),
        r#"{"model":"m","traces":[{"id":"t","metadata":{"source_path":"/p"},"items":[{"type":"message","role":"user","content":[]}]}]}"#
    );
    assert!(
        matches!(minimal.raw_memories[0].items[0], ResponseItem::Message(ref m) if m.role == Role::User)
    );
}

#[test]
fn models_codex_shape_round_trips() {
    let models: ModelsResponse = round_trip(include_str!("fixtures/wire/models_codex.json"));
    assert_eq!(models.etag.as_deref(), Some("\"abc\""));
    let model = &models.models[0];
    assert_eq!(model.slug, "gpt-5-codex");
    assert_eq!(model.default_reasoning_level, Some(ReasoningEffort::Medium));
    assert_eq!(model.context_window, Some(272_000));
    assert_eq!(
        model.extra.get("shell_type").map(|raw| raw.get()),
        Some(r#""shell_command""#)
    );
}

#[test]
fn models_openai_shape_is_accepted() {
    let models: ModelsResponse =
        serde_json::from_str(include_str!("fixtures/wire/models_openai.json")).unwrap();
    assert_eq!(models.etag, None);
    let slugs: Vec<&str> = models.models.iter().map(|m| m.slug.as_str()).collect();
    assert_eq!(slugs, ["gpt-5", "gpt-5-mini"]);
    assert_eq!(models.models[0].owned_by.as_deref(), Some("system"));
    assert_eq!(models.models[0].created, Some(1_754_425_777));
    // Re-encoded in the Codex shape.
    let json = serde_json::to_value(&models).unwrap();
    assert_eq!(json["models"][1]["slug"], "gpt-5-mini");
    assert!(json.get("data").is_none());

    let empty: ModelsResponse = serde_json::from_str("{}").unwrap();
    assert!(empty.models.is_empty());
    assert!(
        serde_json::from_str::<ModelsResponse>(r#"{"models":[{"display_name":"x"}]}"#).is_err()
    );
}

#[test]
fn response_timestamps_are_lenient_and_kept() {
    let text =
        r#"{"id":"r","created_at":"2021-01-01T00:00:00Z","completed_at":1700000000.5,"output":[]}"#;
    let response: Response = serde_json::from_str(text).unwrap();
    assert_eq!(
        (
            response.created_at.as_ref().and_then(Timestamp::seconds),
            response.completed_at.as_ref().and_then(Timestamp::seconds)
        ),
        (None, Some(1_700_000_000))
    );
    assert_eq!(serde_json::to_string(&response).unwrap(), text);
    let text = r#"{"id":"r","created_at":null,"completed_at":-3,"output":[]}"#;
    let response: Response = serde_json::from_str(text).unwrap();
    assert_eq!(response.created_at, None);
    assert_eq!(
        response.completed_at.as_ref().and_then(Timestamp::seconds),
        None
    );
    assert_eq!(serde_json::to_string(&response).unwrap(), text);
    let response: Response = serde_json::from_str(r#"{"id":"r","created_at":17}"#).unwrap();
    assert_eq!(response.created_at, Some(Timestamp::Seconds(17)));
}

#[test]
fn response_error_keeps_usage_limit_details() {
    let response: Response = serde_json::from_value(json!({
        "id": "r", "status": "failed",
        "error": {"type": "usage_limit_reached", "code": "rate_limit_exceeded",
                  "message": "Try again in 1.5s", "plan_type": "plus", "resets_at": 1704067242}
    }))
    .unwrap();
    let error = response.error.unwrap();
    assert_eq!(error.kind.as_deref(), Some("usage_limit_reached"));
    assert_eq!(error.plan_type.as_deref(), Some("plus"));
    assert_eq!(error.resets_at, Some(1_704_067_242));
    assert_eq!(error.message, "Try again in 1.5s");
}
