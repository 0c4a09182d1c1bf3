//! Ready-made JSON responses of the endpoints Codex calls besides `/responses`.

use serde_json::{Value, json};

use crate::body::Body;
use crate::script::ScriptedResponse;

impl ScriptedResponse {
    /// `200` from the compaction endpoint: `{"output": [...items]}`.
    pub fn compaction(output: Vec<Value>) -> ScriptedResponse {
        ScriptedResponse::json(200, &json!({ "output": output }))
    }

    /// `200` from the memories endpoint: `{"output": [{"trace_summary", "memory_summary"}...]}`,
    /// one entry per `(trace_summary, memory_summary)` pair.
    pub fn memories(summaries: &[(&str, &str)]) -> ScriptedResponse {
        let output: Vec<Value> = summaries
            .iter()
            .map(|(trace, memory)| json!({ "trace_summary": trace, "memory_summary": memory }))
            .collect();
        ScriptedResponse::json(200, &json!({ "output": output }))
    }

    /// `200` from the models endpoint: `{"models": [...]}` with an `ETag` header.
    pub fn models(models: Vec<Value>, etag: &str) -> ScriptedResponse {
        ScriptedResponse::json(200, &json!({ "models": models })).etag(etag)
    }

    /// An API error: `{"error": {"message", "type", "param", "code"}}` with `status`.
    pub fn api_error(
        status: u16,
        message: &str,
        error_type: &str,
        param: Option<&str>,
        code: Option<&str>,
    ) -> ScriptedResponse {
        ScriptedResponse::json(
            status,
            &json!({ "error": {
                "message": message,
                "type": error_type,
                "param": param,
                "code": code,
            } }),
        )
    }

    /// An API error whose message is `message_len` bytes of `x`, generated on the fly (for
    /// testing that clients truncate, e.g. a 100 MB error body).
    pub fn huge_api_error(status: u16, message_len: u64) -> ScriptedResponse {
        ScriptedResponse::new(status)
            .header("content-type", "application/json")
            .body(
                Body::content_length()
                    .bytes(r#"{"error":{"message":""#)
                    .fill(b'x', message_len)
                    .bytes(r#"","type":"server_error","param":null,"code":null}}"#),
            )
    }
}
