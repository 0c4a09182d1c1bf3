//! Mapping in-stream failures (`response.failed`'s `response.error`, `error` events) onto an
//! [`ApiError`], and reading the delay out of a rate-limit message.

use std::time::Duration;

use http::HeaderMap;

use super::body::ErrorBody;
use super::http_status::usage_limit;
use super::text::{bounded_fact, bounded_message};
use super::{ApiError, ApiErrorKind, ErrorOrigin};

/// Delays parsed from a message above this are rejected as absurd.
const MAX_MESSAGE_DELAY: Duration = Duration::from_secs(24 * 60 * 60);

/// Which in-stream event reported the failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StreamFailureSource {
    /// `response.failed`, whose `response.error` is `{code, message}`.
    ResponseFailed,
    /// An `error` event: `{type, code, message, param}`.
    ErrorEvent,
}

impl ApiError {
    /// Maps an in-stream failure onto an [`ApiError`].
    ///
    /// `code` is the event's `code`; `error_type` the `type` of an `error` event when it names
    /// the failure (e.g. `usage_limit_reached`; the generic `error` is ignored); `param` is
    /// kept for `invalid_request`. Known codes: `context_length_exceeded`,
    /// `insufficient_quota`, `usage_not_included`, `usage_limit_reached`, `invalid_prompt`,
    /// `rate_limit_exceeded` (delay read from the message), `server_is_overloaded`,
    /// `slow_down`, `server_error`, `cyber_policy`; anything else (or no code) is `other`,
    /// which is retryable.
    pub fn from_stream_failure(
        source: StreamFailureSource,
        code: Option<&str>,
        message: Option<&str>,
        error_type: Option<&str>,
        param: Option<&str>,
    ) -> ApiError {
        let code = code.map(str::trim).filter(|c| !c.is_empty());
        let error_type = error_type
            .map(str::trim)
            .filter(|t| !t.is_empty() && *t != "error");
        let names = |name: &str| code == Some(name) || error_type == Some(name);
        let kind = if names("context_length_exceeded") {
            ApiErrorKind::ContextWindowExceeded
        } else if names("insufficient_quota") {
            ApiErrorKind::QuotaExceeded
        } else if names("usage_not_included") {
            ApiErrorKind::UsageNotIncluded
        } else if names("usage_limit_reached") {
            ApiErrorKind::UsageLimitReached(Box::default())
        } else if names("cyber_policy") {
            ApiErrorKind::CyberPolicy
        } else if names("invalid_prompt") || names("invalid_request_error") {
            ApiErrorKind::InvalidRequest
        } else if names("rate_limit_exceeded") {
            ApiErrorKind::RateLimited
        } else if names("server_is_overloaded") || names("slow_down") {
            ApiErrorKind::ServerOverloaded
        } else if names("server_error") {
            ApiErrorKind::ServerError
        } else {
            ApiErrorKind::Other
        };
        let origin = match source {
            StreamFailureSource::ResponseFailed => ErrorOrigin::ResponseFailed,
            StreamFailureSource::ErrorEvent => ErrorOrigin::ErrorEvent,
        };
        let mut error = ApiError::bare(kind, origin);
        error.code = code.or(error_type).and_then(bounded_fact);
        error.param = param.and_then(bounded_fact);
        error.message = message.and_then(bounded_message);
        if matches!(error.kind, ApiErrorKind::RateLimited) {
            error.retry_after = message.and_then(delay_from_message);
        }
        error
    }

    /// Maps an in-stream error object (`response.error` of `response.failed`, or the whole
    /// `error` event) given as JSON text; reads `code`, `type`, `message`, `param` and, for
    /// usage limits, `plan_type`, `resets_at`, `resets_in_seconds`. `headers` is the stream's
    /// response head (request id, `cf-ray`, `x-codex-active-limit`). Unparsable JSON is a
    /// `protocol` error.
    pub fn from_stream_error_json(
        source: StreamFailureSource,
        error_json: &[u8],
        headers: &HeaderMap,
    ) -> ApiError {
        let Ok(value) = serde_json::from_slice::<serde_json::Value>(error_json) else {
            return ApiError::protocol("in-stream error object is not valid JSON")
                .with_response_head(headers);
        };
        let parsed = ErrorBody::from_json(&serde_json::json!({ "error": value }));
        let mut error = ApiError::from_stream_failure(
            source,
            parsed.code.as_deref(),
            parsed.message.as_deref(),
            parsed.error_type.as_deref(),
            parsed.param.as_deref(),
        );
        if let ApiErrorKind::UsageLimitReached(limit) = &mut error.kind {
            **limit = usage_limit(headers, &parsed);
        }
        error.with_response_head(headers)
    }
}

/// Reads the delay out of a rate-limit message: `try again in 1.2s`, `48ms`, `11.054s`,
/// `35 seconds` (case-insensitive; `sec`/`secs`/`second`/`seconds`/`s`, `ms`/`millisecond(s)`).
///
/// Returns `None` when there is no such phrase or the value is negative, not finite, or over a
/// day.
///
/// ```
/// use codex_api_core::error::delay_from_message;
/// use std::time::Duration;
/// assert_eq!(
///     delay_from_message("Rate limit reached. Please try again in 1.5s."),
///     Some(Duration::from_millis(1500)),
/// );
/// assert_eq!(delay_from_message("try again later"), None);
/// ```
pub fn delay_from_message(message: &str) -> Option<Duration> {
    let lower = message.to_ascii_lowercase();
    const PHRASE: &str = "try again in";
    let mut search_from = 0;
    while let Some(found) = lower.get(search_from..).and_then(|rest| rest.find(PHRASE)) {
        let after = search_from + found + PHRASE.len();
        if let Some(delay) = lower.get(after..).and_then(parse_amount) {
            return Some(delay);
        }
        search_from = after;
    }
    None
}

/// Parses `<spaces><number><spaces><unit>` at the start of `text`.
fn parse_amount(text: &str) -> Option<Duration> {
    let text = text.trim_start();
    let number_len = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, rest) = text.split_at(number_len);
    if number.is_empty() || !number.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let value: f64 = number.parse().ok()?;
    let rest = rest.trim_start();
    let unit_len = rest
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(rest.len());
    let seconds = match rest.get(..unit_len)? {
        "ms" | "millisecond" | "milliseconds" => value / 1000.0,
        "s" | "sec" | "secs" | "second" | "seconds" => value,
        _ => return None,
    };
    if !seconds.is_finite() || seconds < 0.0 {
        return None;
    }
    let delay = Duration::try_from_secs_f64(seconds).ok()?;
    (delay <= MAX_MESSAGE_DELAY).then_some(delay)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrase_must_be_followed_by_an_amount() {
        assert_eq!(
            delay_from_message("try again in a moment, or try again in 2s"),
            Some(Duration::from_secs(2))
        );
        assert_eq!(delay_from_message("try again in -2s"), None);
        assert_eq!(delay_from_message("try again in 2 hours"), None);
        assert_eq!(delay_from_message("try again in .5s"), None);
        assert_eq!(delay_from_message("try again in 1.2.3s"), None);
    }
}
