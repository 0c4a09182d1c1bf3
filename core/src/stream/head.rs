//! What a response head tells the stream: the header-derived facts and the content-type check.

use http::HeaderMap;

/// `openai-model`: the model that actually served the request.
pub const OPENAI_MODEL_HEADER: &str = "openai-model";
/// `x-models-etag`: the ETag of the server's model list.
pub const MODELS_ETAG_HEADER: &str = "x-models-etag";
/// `x-reasoning-included`: present when past reasoning tokens are already accounted for.
pub const REASONING_INCLUDED_HEADER: &str = "x-reasoning-included";
/// `x-request-id`: the request id.
pub const REQUEST_ID_HEADER: &str = "x-request-id";
/// `x-oai-request-id`: the request id when `x-request-id` is absent.
pub const OAI_REQUEST_ID_HEADER: &str = "x-oai-request-id";
/// `x-codex-turn-state`: opaque state the server asks the client to echo within a turn.
pub const TURN_STATE_HEADER: &str = "x-codex-turn-state";

/// The media type a streaming response must carry.
pub const EVENT_STREAM_MEDIA_TYPE: &str = "text/event-stream";

/// A header's value as trimmed, non-empty text (non-UTF-8 or empty values count as absent).
pub(crate) fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .filter(|value| !value.is_empty())
}

/// The response headers in-stream errors draw on (request id, `cf-ray`, usage-limit family and
/// promo message). Only these are kept for the life of a stream, so that nothing else a head
/// carries (cookies, say) lingers in memory or shows in `Debug` output.
const ERROR_CONTEXT_HEADERS: [&str; 5] = [
    REQUEST_ID_HEADER,
    OAI_REQUEST_ID_HEADER,
    "cf-ray",
    "x-codex-active-limit",
    "x-codex-promo-message",
];

/// The subset of `headers` that in-stream errors are enriched from.
pub(crate) fn error_context(headers: &HeaderMap) -> HeaderMap {
    let mut kept = HeaderMap::new();
    for name in ERROR_CONTEXT_HEADERS {
        if let Some(value) = headers.get(name) {
            kept.insert(name, value.clone());
        }
    }
    kept
}

/// The request id: `x-request-id`, else `x-oai-request-id`.
pub(crate) fn request_id(headers: &HeaderMap) -> Option<&str> {
    header_text(headers, REQUEST_ID_HEADER).or_else(|| header_text(headers, OAI_REQUEST_ID_HEADER))
}

/// Why a head's content type cannot carry a stream: the offending value, for the error text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WrongContentType(pub(crate) String);

/// Checks that `Content-Type` is `text/event-stream`, parameters (`; charset=utf-8`) allowed,
/// case-insensitively.
pub(crate) fn check_content_type(headers: &HeaderMap) -> Result<(), WrongContentType> {
    let Some(value) = headers.get(http::header::CONTENT_TYPE) else {
        return Err(WrongContentType("(none)".to_owned()));
    };
    let Ok(text) = value.to_str() else {
        return Err(WrongContentType("(not visible ASCII)".to_owned()));
    };
    let media_type = text.split(';').next().unwrap_or("").trim();
    if media_type.eq_ignore_ascii_case(EVENT_STREAM_MEDIA_TYPE) {
        Ok(())
    } else {
        // Keep the error short: a content type is a short fact, never a body.
        let shown: String = text.trim().chars().take(100).collect();
        Err(WrongContentType(shown))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn with_type(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_str(value).unwrap(),
        );
        headers
    }

    #[test]
    fn accepts_event_stream_with_parameters_any_case() {
        assert!(check_content_type(&with_type("text/event-stream")).is_ok());
        assert!(check_content_type(&with_type("Text/Event-Stream; charset=utf-8")).is_ok());
        assert!(check_content_type(&with_type("  text/event-stream ;charset=UTF-8")).is_ok());
    }

    #[test]
    fn rejects_other_types_naming_them() {
        assert_eq!(
            check_content_type(&with_type("application/json")),
            Err(WrongContentType("application/json".to_owned()))
        );
        assert!(check_content_type(&with_type("text/event-streamx")).is_err());
        assert_eq!(
            check_content_type(&HeaderMap::new()),
            Err(WrongContentType("(none)".to_owned()))
        );
    }

    #[test]
    fn error_context_keeps_only_the_named_headers() {
        let mut headers = HeaderMap::new();
        headers.insert("set-cookie", HeaderValue::from_static("session=secret"));
        headers.insert("cf-ray", HeaderValue::from_static("ray-1"));
        headers.insert(REQUEST_ID_HEADER, HeaderValue::from_static("req-1"));
        let kept = error_context(&headers);
        assert_eq!(kept.len(), 2);
        assert!(kept.get("set-cookie").is_none());
        assert_eq!(kept.get("cf-ray").unwrap(), "ray-1");
    }

    #[test]
    fn request_id_falls_back_to_oai_header() {
        let mut headers = HeaderMap::new();
        headers.insert(OAI_REQUEST_ID_HEADER, HeaderValue::from_static("oai-1"));
        assert_eq!(request_id(&headers), Some("oai-1"));
        headers.insert(REQUEST_ID_HEADER, HeaderValue::from_static("req-1"));
        assert_eq!(request_id(&headers), Some("req-1"));
    }
}
