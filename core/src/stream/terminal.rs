//! Terminal events: which types end a stream, and the errors the failing ones become.

use http::HeaderMap;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::error::{ApiError, StreamFailureSource};
use crate::wire::{ErrorEvent, Response};

/// `response.completed`.
pub const COMPLETED: &str = "response.completed";
/// `response.failed`.
pub const FAILED: &str = "response.failed";
/// `response.incomplete`.
pub const INCOMPLETE: &str = "response.incomplete";
/// `error`.
pub const ERROR: &str = "error";
/// `response.cancelled`: a background response was cancelled (not in the published union;
/// a response object with status `cancelled` in `response.failed` or `response.incomplete`
/// ends a stream the same way).
pub const CANCELLED: &str = "response.cancelled";

/// Whether an event of this type ends the stream.
pub fn is_terminal_type(kind: &str) -> bool {
    matches!(kind, COMPLETED | FAILED | INCOMPLETE | ERROR | CANCELLED)
}

/// The error a `response.failed` event stands for.
///
/// `response.error` is re-read from the event's data as raw JSON, so the in-stream mapping sees
/// every member the server sent (`plan_type`, `resets_at`, ... for usage limits), not only the
/// typed `code` and `message`. This second, skipping parse happens once per failed stream.
pub(crate) fn failed_error(response: &Response, data: &str, headers: &HeaderMap) -> ApiError {
    #[derive(Deserialize)]
    struct Event<'a> {
        #[serde(borrow)]
        response: Option<Inner<'a>>,
    }
    #[derive(Deserialize)]
    struct Inner<'a> {
        #[serde(borrow)]
        error: Option<&'a RawValue>,
    }
    let raw_error = serde_json::from_str::<Event<'_>>(data)
        .ok()
        .and_then(|event| event.response)
        .and_then(|inner| inner.error);
    match raw_error {
        Some(raw) => ApiError::from_stream_error_json(
            StreamFailureSource::ResponseFailed,
            raw.get().as_bytes(),
            headers,
        ),
        None => {
            let error = response.error.as_ref();
            ApiError::from_stream_failure(
                StreamFailureSource::ResponseFailed,
                error.and_then(|error| error.code.as_deref()),
                error.map(|error| error.message.as_str()),
                None,
                None,
            )
            .with_response_head(headers)
        }
    }
}

/// The error an `error` event stands for (flat or nested shape).
///
/// Like [`failed_error`], the error object is re-read as raw JSON (the nested `error` member
/// when present, else the whole event) so usage-limit details survive.
pub(crate) fn error_event_error(event: &ErrorEvent, data: &str, headers: &HeaderMap) -> ApiError {
    #[derive(Deserialize)]
    struct Nested<'a> {
        #[serde(borrow)]
        error: Option<&'a RawValue>,
    }
    match serde_json::from_str::<Nested<'_>>(data) {
        Ok(nested) => {
            let object = nested.error.map_or(data, RawValue::get);
            ApiError::from_stream_error_json(
                StreamFailureSource::ErrorEvent,
                object.as_bytes(),
                headers,
            )
        }
        Err(_) => ApiError::from_stream_failure(
            StreamFailureSource::ErrorEvent,
            event.code.as_deref(),
            Some(event.message.as_str()),
            event.error_type.as_deref(),
            event.param.as_deref(),
        )
        .with_response_head(headers),
    }
}

/// The error a `response.incomplete` event stands for.
pub(crate) fn incomplete_error(response: &Response, headers: &HeaderMap) -> ApiError {
    let reason = response
        .incomplete_details
        .as_ref()
        .and_then(|details| details.reason.as_deref());
    ApiError::response_incomplete(reason).with_response_head(headers)
}

/// `response.end_turn` of a `response.completed` event's data, if present.
///
/// The typed [`Response`] does not keep `end_turn`; rather than parse the (possibly very large)
/// completed response twice, the data is first scanned for the member name.
pub(crate) fn end_turn(data: &str) -> Option<bool> {
    memchr::memmem::find(data.as_bytes(), b"\"end_turn\"")?;
    #[derive(Deserialize)]
    struct Event {
        response: Option<Inner>,
    }
    #[derive(Deserialize)]
    struct Inner {
        end_turn: Option<bool>,
    }
    serde_json::from_str::<Event>(data).ok()?.response?.end_turn
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn end_turn_is_read_only_from_the_response() {
        assert_eq!(
            end_turn(r#"{"type":"response.completed","response":{"id":"r","end_turn":false}}"#),
            Some(false)
        );
        assert_eq!(
            end_turn(r#"{"type":"response.completed","response":{"id":"r"}}"#),
            None
        );
        assert_eq!(
            end_turn(
                r#"{"type":"response.completed","response":{"id":"r","output":[{"end_turn":true}]}}"#
            ),
            None
        );
    }

    #[test]
    fn terminal_types() {
        for kind in [COMPLETED, FAILED, INCOMPLETE, ERROR] {
            assert!(is_terminal_type(kind));
        }
        assert!(!is_terminal_type("response.in_progress"));
    }
}
