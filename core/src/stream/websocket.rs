//! The same stream fed by the WebSocket transport: the `101`'s head gives the header facts,
//! and each server text message is one event, interpreted exactly as an SSE `data:` field
//! (one code path), except the transport's wrapped errors, which carry an HTTP status and
//! headers and are mapped as the HTTP response would be.

use std::time::Instant;

use http::response::Parts;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use serde::Deserialize;
use serde_json::Value;

use super::ResponseStream;
use super::interpreter::{Phase, Queued};
use super::item::{MetaEvent, StreamItem};
use crate::error::ApiError;
use crate::rate_limit::snapshots_from_headers;

/// The `error.code` of the server's 60-minute connection limit: open a new connection and
/// send the full request again.
pub const CONNECTION_LIMIT_CODE: &str = "websocket_connection_limit_reached";
/// The `error.code` of a `previous_response_id` the connection does not know: send the full
/// input again without it.
pub const PREVIOUS_RESPONSE_NOT_FOUND_CODE: &str = "previous_response_not_found";

/// `{"type":"error","status"|"status_code":N,"error":{...},"headers":{...}}`.
#[derive(Deserialize)]
struct Wrapped<'a> {
    #[serde(rename = "type", borrow)]
    kind: std::borrow::Cow<'a, str>,
    status: Option<u16>,
    status_code: Option<u16>,
    #[serde(default)]
    headers: serde_json::Map<String, Value>,
}

impl ResponseStream {
    /// Input (WebSocket): the `101` head of the connection this response runs on. Its header
    /// facts (server model, rate limits, models ETag, reasoning included, turn state, request
    /// id) become the same events and accessors as an HTTP head's; no content type is needed.
    /// Starts the idle timer. A second head is ignored.
    pub fn handle_websocket_head(&mut self, now: Instant, head: &Parts) {
        if self.inner.phase == Phase::AwaitingHead {
            self.accept_head(Some(now), head, true);
        }
    }

    /// Input (WebSocket): one server text message (one event, the JSON an SSE `data:` field
    /// would carry). A wrapped `error` with a `status` (or `status_code`) becomes the error the
    /// HTTP status would give, its `headers` supplying `retry-after`, the request id and
    /// rate-limit snapshots (delivered first).
    pub fn handle_message(&mut self, now: Instant, text: &str) {
        let len = u64::try_from(text.len()).unwrap_or(u64::MAX);
        self.inner.stats.bytes_received = self.inner.stats.bytes_received.saturating_add(len);
        match self.inner.phase {
            Phase::Streaming => {}
            Phase::AwaitingHead => {
                self.inner
                    .fail(ApiError::protocol("a message received before the head"));
                return;
            }
            Phase::Interrupted | Phase::Finished => return,
        }
        self.inner.touch(Some(now));
        if let Some(error) = wrapped_error(text) {
            for snapshot in snapshots_from_headers(&error.1) {
                let meta = StreamItem::Meta(MetaEvent::RateLimits(snapshot));
                self.inner.queue.push_back(Queued::Item(meta));
            }
            self.inner.fail(error.0);
            return;
        }
        self.inner.handle_frame(Some(now), None, text);
    }
}

impl ResponseStream {
    /// Input (WebSocket): the connection broke the WebSocket protocol (`description`: a
    /// binary message, a malformed frame...). Ends the stream with a `protocol` error after
    /// everything already decoded; ignored once finished.
    pub fn handle_protocol_error(&mut self, description: &str) {
        if matches!(self.inner.phase, Phase::Finished) {
            return;
        }
        let error = ApiError::protocol(description).with_response_head(&self.inner.headers);
        self.inner.fail(error);
    }
}

/// The error (and its headers) of a wrapped transport error; `None` for any other message.
fn wrapped_error(text: &str) -> Option<(ApiError, HeaderMap)> {
    // Cheap screen: only an `error` event can be one, and it names a status.
    let bytes = text.as_bytes();
    if memchr::memmem::find(&bytes[..bytes.len().min(64)], b"\"error\"").is_none()
        || memchr::memmem::find(bytes, b"\"status").is_none()
    {
        return None;
    }
    let wrapped: Wrapped<'_> = serde_json::from_str(text).ok()?;
    if wrapped.kind != "error" {
        return None;
    }
    let status = StatusCode::from_u16(wrapped.status.or(wrapped.status_code)?).ok()?;
    let mut headers = HeaderMap::new();
    for (name, value) in &wrapped.headers {
        let value = match value {
            Value::String(text) => text.clone(),
            Value::Number(number) => number.to_string(),
            Value::Bool(flag) => flag.to_string(),
            _ => continue,
        };
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            headers.append(name, value);
        }
    }
    let error = ApiError::from_http(status, &headers, text.as_bytes(), relative_delay(&headers));
    Some((error, headers))
}

/// The server's delay from `retry-after-ms` or a `retry-after` in seconds. (An HTTP-date
/// `retry-after` needs the wall clock, which the stream does not have; it is ignored, and a
/// rate-limit message's "try again in" still applies.)
fn relative_delay(headers: &HeaderMap) -> Option<std::time::Duration> {
    let mut relative = HeaderMap::new();
    for name in ["retry-after-ms", "retry-after"] {
        if let Some(value) = headers.get(name)
            && value
                .to_str()
                .is_ok_and(|text| text.trim().parse::<f64>().is_ok())
        {
            relative.insert(name, value.clone());
        }
    }
    crate::retry::server_delay(&relative, std::time::SystemTime::UNIX_EPOCH)
}
