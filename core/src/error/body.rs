//! Parsing an error response body: JSON (`{"error":{…}}`, `{"detail":…}`, top-level fields),
//! HTML pages (never kept; Cloudflare recognised) and plain text.

use std::time::Duration;

use serde_json::Value;

use super::text::{bounded_fact, bounded_message, cut_at_char_boundary};

/// At most this many body bytes are looked at; a longer body is treated as text.
pub(crate) const MAX_PARSED_BODY_BYTES: usize = 64 * 1024;

/// Markers (lowercase) of a Cloudflare block or challenge page.
const CLOUDFLARE_MARKERS: &[&str] = &[
    "cloudflare",
    "cf-ray",
    "cf-error",
    "cf-chl",
    "attention required",
    "just a moment",
];

/// What an error body said, already bounded.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct ErrorBody {
    pub(crate) message: Option<String>,
    pub(crate) code: Option<String>,
    pub(crate) error_type: Option<String>,
    pub(crate) param: Option<String>,
    pub(crate) plan_type: Option<String>,
    pub(crate) resets_at: Option<u64>,
    pub(crate) resets_in: Option<Duration>,
    /// The body was an HTML page (its text is never kept).
    pub(crate) html: bool,
    /// The HTML page was a Cloudflare block or challenge page.
    pub(crate) cloudflare: bool,
}

impl ErrorBody {
    /// Parses at most [`MAX_PARSED_BODY_BYTES`] of `body`.
    pub(crate) fn parse(body: &[u8]) -> ErrorBody {
        let window = body.get(..MAX_PARSED_BODY_BYTES).unwrap_or(body);
        if body.len() <= MAX_PARSED_BODY_BYTES
            && let Ok(value) = serde_json::from_slice::<Value>(window)
            && value.is_object()
        {
            return ErrorBody::from_json(&value);
        }
        let text = String::from_utf8_lossy(window);
        let (head, _) = cut_at_char_boundary(text.trim_start(), 2048);
        if looks_like_html(head) {
            let lower = text.to_ascii_lowercase();
            return ErrorBody {
                html: true,
                cloudflare: CLOUDFLARE_MARKERS.iter().any(|m| lower.contains(m)),
                ..ErrorBody::default()
            };
        }
        ErrorBody {
            message: bounded_message(&text),
            ..ErrorBody::default()
        }
    }

    /// Reads an already-parsed JSON body.
    pub(crate) fn from_json(value: &Value) -> ErrorBody {
        let mut out = ErrorBody::default();
        match value.get("error") {
            Some(object @ Value::Object(_)) => out.read_fields(object),
            Some(Value::String(text)) => {
                // OAuth style: `{"error":"invalid_grant","error_description":"…"}`.
                if is_identifier(text) {
                    out.code = bounded_fact(text);
                } else {
                    out.message = bounded_message(text);
                }
            }
            _ => {}
        }
        match value.get("detail") {
            Some(Value::String(text)) if out.message.is_none() => {
                out.message = bounded_message(text);
            }
            Some(detail @ Value::Object(_)) => out.fill_missing(detail),
            _ => {}
        }
        out.fill_missing(value);
        if out.message.is_none() {
            out.message = value
                .get("error_description")
                .and_then(Value::as_str)
                .and_then(bounded_message);
        }
        out
    }

    fn read_fields(&mut self, object: &Value) {
        self.message = object
            .get("message")
            .and_then(Value::as_str)
            .and_then(bounded_message);
        self.code = object.get("code").and_then(scalar_text);
        self.error_type = object.get("type").and_then(scalar_text);
        self.param = object.get("param").and_then(scalar_text);
        self.plan_type = object.get("plan_type").and_then(scalar_text);
        self.resets_at = object.get("resets_at").and_then(non_negative_seconds);
        self.resets_in = object
            .get("resets_in_seconds")
            .and_then(non_negative_seconds)
            .map(Duration::from_secs);
    }

    fn fill_missing(&mut self, object: &Value) {
        let mut other = ErrorBody::default();
        other.read_fields(object);
        self.message = self.message.take().or(other.message);
        self.code = self.code.take().or(other.code);
        self.error_type = self.error_type.take().or(other.error_type);
        self.param = self.param.take().or(other.param);
        self.plan_type = self.plan_type.take().or(other.plan_type);
        self.resets_at = self.resets_at.or(other.resets_at);
        self.resets_in = self.resets_in.or(other.resets_in);
    }

    /// The code, else the type: what the mapping keys on.
    pub(crate) fn code_or_type(&self) -> Option<&str> {
        self.code.as_deref().or(self.error_type.as_deref())
    }

    /// Whether the code or the type equals `name`.
    pub(crate) fn names(&self, name: &str) -> bool {
        self.code.as_deref() == Some(name) || self.error_type.as_deref() == Some(name)
    }
}

/// A string or number, as bounded text.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => bounded_fact(text),
        Value::Number(number) => bounded_fact(&number.to_string()),
        _ => None,
    }
}

/// A non-negative whole number of seconds (integers, or floats rounded down; strings of digits).
fn non_negative_seconds(value: &Value) -> Option<u64> {
    match value {
        Value::Number(number) => number.as_u64().or_else(|| {
            number
                .as_f64()
                .filter(|v| v.is_finite() && *v >= 0.0 && *v < 1e15)
                .map(|v| v as u64)
        }),
        Value::String(text) => text.trim().parse::<u64>().ok(),
        _ => None,
    }
}

fn is_identifier(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 64
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

fn looks_like_html(head: &str) -> bool {
    let lower = head.to_ascii_lowercase();
    lower.starts_with("<!doctype html") || lower.starts_with("<html") || lower.contains("<body")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_nested_error_object() {
        let body = ErrorBody::parse(
            br#"{"error":{"message":"m","type":"t","code":"c","param":"p","plan_type":"plus","resets_at":17,"resets_in_seconds":5.9}}"#,
        );
        assert_eq!(body.message.as_deref(), Some("m"));
        assert_eq!(body.code.as_deref(), Some("c"));
        assert_eq!(body.error_type.as_deref(), Some("t"));
        assert_eq!(body.param.as_deref(), Some("p"));
        assert_eq!(body.plan_type.as_deref(), Some("plus"));
        assert_eq!(body.resets_at, Some(17));
        assert_eq!(body.resets_in, Some(Duration::from_secs(5)));
    }

    #[test]
    fn reads_detail_and_oauth_shapes() {
        let body = ErrorBody::parse(br#"{"detail":"Not allowed"}"#);
        assert_eq!(body.message.as_deref(), Some("Not allowed"));
        let body = ErrorBody::parse(br#"{"detail":{"code":"token_expired","message":"x"}}"#);
        assert_eq!(body.code.as_deref(), Some("token_expired"));
        let body = ErrorBody::parse(br#"{"error":"invalid_grant","error_description":"gone"}"#);
        assert_eq!(body.code.as_deref(), Some("invalid_grant"));
        assert_eq!(body.message.as_deref(), Some("gone"));
        let body = ErrorBody::parse(br#"{"code":429,"message":"busy"}"#);
        assert_eq!(body.code.as_deref(), Some("429"));
        assert_eq!(body.message.as_deref(), Some("busy"));
    }

    #[test]
    fn negative_and_garbage_resets_are_dropped() {
        let body = ErrorBody::parse(br#"{"error":{"resets_at":-5,"resets_in_seconds":"soon"}}"#);
        assert_eq!(body.resets_at, None);
        assert_eq!(body.resets_in, None);
    }

    #[test]
    fn html_is_never_kept() {
        let body = ErrorBody::parse(b"<html><body>secret page</body></html>");
        assert!(body.html && !body.cloudflare);
        assert_eq!(body.message, None);
    }
}
