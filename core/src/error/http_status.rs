//! Mapping an HTTP error response (status, headers, bounded body) onto an [`ApiError`].
//!
//! Order of decisions:
//! 1. 401 → `unauthorized` (always; auth recovery owns it).
//! 2. 5xx → `server_overloaded` for 503 or a `server_is_overloaded` / `slow_down` code, else
//!    `server_error`.
//! 3. A known code or type, whatever the 4xx status: `context_length_exceeded`,
//!    `cyber_policy`, `insufficient_quota`, `usage_not_included`, `usage_limit_reached`,
//!    `server_is_overloaded` / `slow_down`.
//! 4. The status: 400 → `invalid_request`, 403 → `forbidden` (Cloudflare pages recognised),
//!    404 → `not_found`, 408 → `server_error` (a request timeout is worth retrying), 409 →
//!    `conflict`, 422 → `unprocessable`, 429 → `rate_limited`, anything else →
//!    `unexpected_status`.

use std::time::Duration;

use http::{HeaderMap, StatusCode};

use super::body::ErrorBody;
use super::stream_failure::delay_from_message;
use super::text::{cf_ray, header_fact, request_id};
use super::{ApiError, ApiErrorKind, ErrorOrigin, UnauthorizedDetails, UsageLimit};
use crate::unauthorized::UnauthorizedEvidence;

const CYBER_POLICY_FALLBACK_MESSAGE: &str =
    "This request has been flagged for possible cybersecurity risk.";

impl ApiError {
    /// Maps an error response onto an [`ApiError`].
    ///
    /// `body` is what the caller read of the body (callers cap the read; at most 64 KiB of it is
    /// parsed and at most [`MAX_MESSAGE_BYTES`](super::MAX_MESSAGE_BYTES) of the message kept).
    /// `retry_after` is the delay the caller derived from the `retry-after-ms` / `retry-after`
    /// headers; a rate-limit message's `try again in …` is the fallback.
    ///
    /// A 401 gets evidence whose auth scheme is unknown; prefer
    /// [`ApiError::from_unauthorized`] when the request's scheme is at hand.
    pub fn from_http(
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
        retry_after: Option<Duration>,
    ) -> ApiError {
        if status == StatusCode::UNAUTHORIZED {
            let evidence = UnauthorizedEvidence::from_headers_and_body(None, headers, body);
            return ApiError::from_unauthorized(evidence, body, None);
        }
        let parsed = ErrorBody::parse(body);
        let kind = classify(status, headers, &parsed);
        let mut error = ApiError::bare(kind, ErrorOrigin::HttpResponse);
        error.status = Some(status);
        error.request_id = request_id(headers);
        error.cf_ray = cf_ray(headers);
        error.code = parsed.code_or_type().map(str::to_string);
        error.param = parsed.param.clone();
        error.message = describe(&error.kind, &parsed, body.len());
        error.retry_after = retry_after.or_else(|| {
            matches!(error.kind, ApiErrorKind::RateLimited)
                .then(|| parsed.message.as_deref().and_then(delay_from_message))
                .flatten()
        });
        error
    }

    /// Builds an `unauthorized` error from the 401 evidence, the 401 body (for its message)
    /// and, when auth recovery ran, its final tags.
    pub fn from_unauthorized(
        evidence: UnauthorizedEvidence,
        body: &[u8],
        recovery_tags: Option<Vec<(&'static str, String)>>,
    ) -> ApiError {
        let parsed = ErrorBody::parse(body);
        let failure = evidence.classify();
        let mut error = ApiError::bare(
            ApiErrorKind::Unauthorized(Box::new(UnauthorizedDetails {
                evidence: evidence.clone(),
                failure,
                recovery_tags,
            })),
            ErrorOrigin::HttpResponse,
        );
        error.status = Some(StatusCode::UNAUTHORIZED);
        error.request_id = evidence.request_id.clone();
        error.cf_ray = evidence.cf_ray.clone();
        error.code = evidence.error_code().map(str::to_string);
        error.message = if parsed.html {
            Some("HTML error page instead of an API error".to_string())
        } else {
            parsed.message
        };
        error
    }
}

fn classify(status: StatusCode, headers: &HeaderMap, body: &ErrorBody) -> ApiErrorKind {
    let overloaded_code = body.names("server_is_overloaded") || body.names("slow_down");
    if status.is_server_error() {
        return if status == StatusCode::SERVICE_UNAVAILABLE || overloaded_code {
            ApiErrorKind::ServerOverloaded
        } else {
            ApiErrorKind::ServerError
        };
    }
    if body.names("context_length_exceeded") {
        return ApiErrorKind::ContextWindowExceeded;
    }
    if body.names("cyber_policy") {
        return ApiErrorKind::CyberPolicy;
    }
    if body.names("insufficient_quota") {
        return ApiErrorKind::QuotaExceeded;
    }
    if body.names("usage_not_included") {
        return ApiErrorKind::UsageNotIncluded;
    }
    if body.names("usage_limit_reached") {
        return ApiErrorKind::UsageLimitReached(Box::new(usage_limit(headers, body)));
    }
    if overloaded_code {
        return ApiErrorKind::ServerOverloaded;
    }
    match status {
        StatusCode::BAD_REQUEST => ApiErrorKind::InvalidRequest,
        StatusCode::FORBIDDEN => ApiErrorKind::Forbidden {
            cloudflare_block: body.cloudflare || is_cloudflare_challenge(headers),
        },
        StatusCode::NOT_FOUND => ApiErrorKind::NotFound,
        StatusCode::REQUEST_TIMEOUT => ApiErrorKind::ServerError,
        StatusCode::CONFLICT => ApiErrorKind::Conflict,
        StatusCode::UNPROCESSABLE_ENTITY => ApiErrorKind::Unprocessable,
        StatusCode::TOO_MANY_REQUESTS => ApiErrorKind::RateLimited,
        _ => ApiErrorKind::UnexpectedStatus,
    }
}

/// `cf-mitigated: challenge` marks a Cloudflare challenge even without a recognisable body.
fn is_cloudflare_challenge(headers: &HeaderMap) -> bool {
    header_fact(headers, "cf-mitigated").is_some_and(|v| v.eq_ignore_ascii_case("challenge"))
}

pub(crate) fn usage_limit(headers: &HeaderMap, body: &ErrorBody) -> UsageLimit {
    UsageLimit {
        plan_type: body.plan_type.clone(),
        resets_at: body.resets_at,
        resets_in: body.resets_in,
        limit_family: header_fact(headers, "x-codex-active-limit")
            .map(|family| family.to_ascii_lowercase().replace('_', "-")),
        promo_message: header_fact(headers, "x-codex-promo-message"),
    }
}

/// The kept message: the server's, or a description when the body was HTML or the kind has a
/// standard wording.
fn describe(kind: &ApiErrorKind, body: &ErrorBody, body_len: usize) -> Option<String> {
    match kind {
        ApiErrorKind::Forbidden {
            cloudflare_block: true,
        } => Some(match &body.message {
            Some(message) => format!("blocked by Cloudflare: {message}"),
            None => "blocked by Cloudflare (HTML block or challenge page instead of an API error)"
                .to_string(),
        }),
        ApiErrorKind::CyberPolicy if body.message.is_none() => {
            Some(CYBER_POLICY_FALLBACK_MESSAGE.to_string())
        }
        _ if body.html => Some(format!(
            "HTML error page instead of an API error ({body_len} bytes)"
        )),
        _ => body.message.clone(),
    }
}
