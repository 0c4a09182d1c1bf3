//! Shared helpers for the stream and accumulator tests: heads, SSE frames, draining.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use codex_api_core::error::ApiError;
use codex_api_core::stream::{ResponseEvent, ResponseStream, StreamConfig, StreamItem};
use http::response::Parts;

/// A response head with `status`, an optional content type and extra headers.
pub fn head_with(status: u16, content_type: Option<&str>, extra: &[(&str, &str)]) -> Parts {
    let mut builder = http::Response::builder().status(status);
    if let Some(content_type) = content_type {
        builder = builder.header("content-type", content_type);
    }
    for (name, value) in extra {
        builder = builder.header(*name, *value);
    }
    builder.body(()).unwrap().into_parts().0
}

/// A `200 text/event-stream` head.
pub fn ok_head() -> Parts {
    head_with(200, Some("text/event-stream"), &[])
}

/// One SSE frame with an `event:` line and the JSON data.
pub fn frame(kind: &str, data: &str) -> String {
    format!("event: {kind}\ndata: {data}\n\n")
}

/// One SSE frame with only a `data:` line.
pub fn data_frame(data: &str) -> String {
    format!("data: {data}\n\n")
}

pub fn created(id: &str, seq: u64) -> String {
    frame(
        "response.created",
        &format!(
            r#"{{"type":"response.created","response":{{"id":"{id}","status":"in_progress"}},"sequence_number":{seq}}}"#
        ),
    )
}

pub fn text_delta(delta: &str, seq: u64) -> String {
    frame(
        "response.output_text.delta",
        &format!(
            r#"{{"type":"response.output_text.delta","item_id":"msg_1","output_index":0,"content_index":0,"delta":"{delta}","sequence_number":{seq}}}"#
        ),
    )
}

pub fn completed(id: &str, seq: u64) -> String {
    frame(
        "response.completed",
        &format!(
            r#"{{"type":"response.completed","response":{{"id":"{id}","status":"completed","usage":{{"input_tokens":10,"input_tokens_details":{{"cached_tokens":4}},"output_tokens":5,"output_tokens_details":{{"reasoning_tokens":2}},"total_tokens":15}}}},"sequence_number":{seq}}}"#
        ),
    )
}

pub fn failed(code: &str, message: &str, seq: u64) -> String {
    frame(
        "response.failed",
        &format!(
            r#"{{"type":"response.failed","response":{{"id":"resp_1","status":"failed","error":{{"code":"{code}","message":"{message}"}}}},"sequence_number":{seq}}}"#
        ),
    )
}

pub fn incomplete(reason: &str, seq: u64) -> String {
    frame(
        "response.incomplete",
        &format!(
            r#"{{"type":"response.incomplete","response":{{"id":"resp_1","status":"incomplete","incomplete_details":{{"reason":"{reason}"}}}},"sequence_number":{seq}}}"#
        ),
    )
}

pub fn t(start: Instant, seconds: u64) -> Instant {
    start + Duration::from_secs(seconds)
}

/// A stream that has received `ok_head()` at `now`.
pub fn started(config: StreamConfig, now: Instant) -> ResponseStream {
    let mut stream = ResponseStream::new(config);
    stream.handle_head(now, &ok_head());
    stream
}

/// Drains the Codex-level view.
pub fn drain(stream: &mut ResponseStream) -> Vec<Result<ResponseEvent, ApiError>> {
    std::iter::from_fn(|| stream.poll_event()).collect()
}

/// Drains the raw-level view.
pub fn drain_items(stream: &mut ResponseStream) -> Vec<Result<StreamItem, ApiError>> {
    std::iter::from_fn(|| stream.poll_stream_event()).collect()
}

/// Splits the Codex-level output into events and the (at most one, last) error.
pub fn split(
    results: Vec<Result<ResponseEvent, ApiError>>,
) -> (Vec<ResponseEvent>, Option<ApiError>) {
    let mut events = Vec::new();
    let mut error = None;
    for result in results {
        assert!(error.is_none(), "nothing may follow the error");
        match result {
            Ok(event) => events.push(event),
            Err(e) => error = Some(e),
        }
    }
    (events, error)
}
