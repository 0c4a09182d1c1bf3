//! Fuzz target: mapping error responses and in-stream failures onto `ApiError`, and 401
//! evidence.
//!
//! Arbitrary status, headers (biased towards the ones the mapping reads) and body go through
//! `ApiError::from_http`, `UnauthorizedEvidence::from_response` (every auth scheme),
//! `ApiError::from_unauthorized`, `ApiError::from_stream_error_json` and
//! `ApiError::from_stream_failure`. Checked:
//! - no panic;
//! - `kind()` is one of the documented kinds, `is_retryable()` agrees with the documented table;
//! - the message is at most `MAX_MESSAGE_BYTES` plus the truncation marker (a protocol or
//!   stream-side description included), codes, params, request ids and `cf-ray` at most
//!   `MAX_FACT_BYTES` plus the marker, evidence fields likewise;
//! - a secret planted only in `Authorization`-like headers (`authorization`,
//!   `proxy-authorization`, `cookie`, `x-api-key`, `openai-api-key`) never appears in any
//!   error's or evidence's Display or Debug output;
//! - `from_http` on a 401 is `unauthorized`; a 5xx is `server_error` or `server_overloaded`.
#![no_main]

use codex_api_core::auth_scheme::AuthScheme;
use codex_api_core::error::{
    ApiError, MAX_FACT_BYTES, MAX_MESSAGE_BYTES, StreamFailureSource, TRUNCATION_MARKER,
};
use codex_api_core::unauthorized::UnauthorizedEvidence;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;

/// Every documented kind, with its documented retryability.
const KINDS: &[(&str, bool)] = &[
    ("rate_limited", true),
    ("server_overloaded", true),
    ("server_error", true),
    ("stream_truncated", true),
    ("idle_timeout", true),
    ("other", true),
    ("conflict", true),
    ("invalid_request", false),
    ("unauthorized", false),
    ("forbidden", false),
    ("not_found", false),
    ("unprocessable", false),
    ("quota_exceeded", false),
    ("usage_limit_reached", false),
    ("usage_not_included", false),
    ("context_window_exceeded", false),
    ("cyber_policy", false),
    ("unexpected_status", false),
    ("protocol", false),
    ("response_incomplete", false),
];

/// Headers the mappings read, so that arbitrary values reach them often.
const HEADER_NAMES: &[&str] = &[
    "x-request-id",
    "x-oai-request-id",
    "cf-ray",
    "retry-after",
    "retry-after-ms",
    "x-error-json",
    "x-openai-authorization-error",
    "www-authenticate",
    "content-type",
    "x-codex-active-limit",
    "x-codex-promo-message",
    "x-codex-primary-used-percent",
    "x-codex-primary-reset-after-seconds",
    "x-codex-primary-reset-at",
    "x-codex-secondary-reset-at",
    "server",
];

/// Where the planted secret goes.
const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "x-api-key",
    "openai-api-key",
];

#[derive(Debug, Arbitrary)]
struct Header {
    name: u8,
    /// A free-form name instead of a known one.
    custom_name: Option<String>,
    value: Vec<u8>,
}

#[derive(Debug, Arbitrary)]
enum Body {
    Raw(Vec<u8>),
    /// `{"error":{"code":..,"message":..,"type":..,"param":..}}`.
    Error {
        code: String,
        message: String,
        error_type: String,
        param: Option<String>,
        nested: bool,
    },
    /// `{"detail":{"code":..}}`.
    Detail(String),
    /// An HTML page.
    Html(String),
}

#[derive(Debug, Arbitrary)]
struct Input {
    status: u16,
    headers: Vec<Header>,
    body: Body,
    secret_tail: u64,
    secret_header: u8,
    scheme: u8,
    stream_code: Option<String>,
    stream_message: Option<String>,
    stream_type: Option<String>,
    stream_param: Option<String>,
}

fn body_bytes(body: &Body) -> Vec<u8> {
    match body {
        Body::Raw(bytes) => bytes.clone(),
        Body::Error {
            code,
            message,
            error_type,
            param,
            nested,
        } => {
            let inner = serde_json::json!({
                "code": code, "message": message, "type": error_type, "param": param,
            });
            let value = if *nested {
                serde_json::json!({ "error": inner })
            } else {
                inner
            };
            value.to_string().into_bytes()
        }
        Body::Detail(code) => serde_json::json!({ "detail": { "code": code } })
            .to_string()
            .into_bytes(),
        Body::Html(text) => format!("<!DOCTYPE html><html><body>{text}</body></html>").into_bytes(),
    }
}

fn check_bound(what: &str, text: Option<&str>, max: usize) {
    if let Some(text) = text {
        assert!(
            text.len() <= max + TRUNCATION_MARKER.len(),
            "{what} is {} bytes",
            text.len()
        );
    }
}

fn check_error(error: &ApiError, secret: &str) {
    let kind = error.kind();
    let documented = KINDS.iter().find(|(name, _)| *name == kind);
    let Some((_, retryable)) = documented else {
        panic!("undocumented kind {kind}");
    };
    assert_eq!(error.is_retryable(), *retryable, "retryability of {kind}");
    check_bound("message", error.message(), MAX_MESSAGE_BYTES);
    check_bound("code", error.code(), MAX_FACT_BYTES);
    check_bound("param", error.param(), MAX_FACT_BYTES);
    check_bound("request id", error.request_id(), MAX_FACT_BYTES);
    check_bound("cf-ray", error.cf_ray(), MAX_FACT_BYTES);
    if let Some(delay) = error.retry_after() {
        assert!(delay.as_secs_f64().is_finite());
    }
    let display = error.to_string();
    let debug = format!("{error:?}");
    // Never a whole body: everything shown is bounded by the message and fact bounds.
    let bound = 2 * MAX_MESSAGE_BYTES + 8 * MAX_FACT_BYTES + 1024;
    assert!(display.len() <= bound, "Display is {} bytes", display.len());
    assert!(debug.len() <= 2 * bound, "Debug is {} bytes", debug.len());
    assert!(!display.contains(secret), "secret in Display: {display}");
    assert!(!debug.contains(secret), "secret in Debug: {debug}");
}

fn check_evidence(evidence: &UnauthorizedEvidence, secret: &str) {
    for (what, field) in [
        ("authorization_error", &evidence.authorization_error),
        ("error_json_code", &evidence.error_json_code),
        ("body_error_code", &evidence.body_error_code),
        ("www_authenticate", &evidence.www_authenticate),
        ("request_id", &evidence.request_id),
        ("cf_ray", &evidence.cf_ray),
    ] {
        check_bound(what, field.as_deref(), MAX_FACT_BYTES);
    }
    let debug = format!("{evidence:?}");
    assert!(!debug.contains(secret), "secret in evidence: {debug}");
    let _ = evidence.classify().as_str();
    let _ = evidence.www_authenticate_error();
    let _ = evidence.www_authenticate_description();
}

fuzz_target!(|input: Input| {
    let status = StatusCode::from_u16(100 + input.status % 500).unwrap();
    let body = body_bytes(&input.body);
    let secret = format!("fuzzsecret{:016x}", input.secret_tail);

    let mut headers = HeaderMap::new();
    for header in input.headers.iter().take(32) {
        let name = match &header.custom_name {
            Some(custom) => match HeaderName::from_bytes(custom.as_bytes()) {
                Ok(name) => name,
                Err(_) => continue,
            },
            None => {
                HeaderName::from_static(HEADER_NAMES[usize::from(header.name) % HEADER_NAMES.len()])
            }
        };
        let Ok(value) = HeaderValue::from_bytes(&header.value) else {
            continue;
        };
        headers.append(name, value);
    }
    // The secret must occur only in the credential header for the check to mean anything.
    let elsewhere = body.windows(secret.len()).any(|w| w == secret.as_bytes())
        || headers.iter().any(|(name, value)| {
            name.as_str().contains(&secret)
                || value
                    .as_bytes()
                    .windows(secret.len())
                    .any(|w| w == secret.as_bytes())
        })
        || [
            &input.stream_code,
            &input.stream_message,
            &input.stream_type,
            &input.stream_param,
        ]
        .iter()
        .any(|text| text.as_deref().is_some_and(|text| text.contains(&secret)));
    if elsewhere {
        return;
    }
    let secret_header = SECRET_HEADERS[usize::from(input.secret_header) % SECRET_HEADERS.len()];
    let secret_value = match input.secret_header % 3 {
        0 => format!("Bearer {secret}"),
        1 => format!("AgentAssertion {secret}"),
        _ => secret.clone(),
    };
    headers.append(
        HeaderName::from_static(secret_header),
        HeaderValue::from_str(&secret_value).unwrap(),
    );

    let error = ApiError::from_http(status, &headers, &body, None);
    check_error(&error, &secret);
    if status == StatusCode::UNAUTHORIZED {
        assert_eq!(error.kind(), "unauthorized");
    } else if status.is_server_error() {
        assert!(matches!(error.kind(), "server_error" | "server_overloaded"));
    }
    if let Some(details) = error.unauthorized() {
        check_evidence(&details.evidence, &secret);
    }

    let scheme = match input.scheme % 3 {
        0 => AuthScheme::Bearer,
        1 => AuthScheme::AgentAssertion,
        _ => AuthScheme::None,
    };
    let evidence = UnauthorizedEvidence::from_response(scheme, &headers, &body);
    check_evidence(&evidence, &secret);
    let unauthorized = ApiError::from_unauthorized(evidence, &body, None);
    assert_eq!(unauthorized.kind(), "unauthorized");
    check_error(&unauthorized, &secret);

    for source in [
        StreamFailureSource::ResponseFailed,
        StreamFailureSource::ErrorEvent,
    ] {
        let in_stream = ApiError::from_stream_error_json(source, &body, &headers);
        check_error(&in_stream, &secret);
        let failure = ApiError::from_stream_failure(
            source,
            input.stream_code.as_deref(),
            input.stream_message.as_deref(),
            input.stream_type.as_deref(),
            input.stream_param.as_deref(),
        )
        .with_response_head(&headers);
        check_error(&failure, &secret);
    }
    let protocol = ApiError::protocol(&String::from_utf8_lossy(&body));
    check_error(&protocol, &secret);
    let incomplete = ApiError::response_incomplete(input.stream_message.as_deref());
    check_error(&incomplete, &secret);
});
