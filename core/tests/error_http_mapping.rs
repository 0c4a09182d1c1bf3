//! Table tests: HTTP status + headers + body → ApiError.

use std::time::Duration;

use codex_api_core::error::{
    ApiError, ApiErrorKind, ErrorOrigin, MAX_MESSAGE_BYTES, TRUNCATION_MARKER,
};
use http::{HeaderMap, HeaderValue, StatusCode};

fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.insert(*name, HeaderValue::from_str(value).unwrap());
    }
    map
}

fn json_error(code: &str, kind: &str, message: &str) -> Vec<u8> {
    serde_json::json!({"error": {"message": message, "type": kind, "code": code, "param": null}})
        .to_string()
        .into_bytes()
}

struct Case {
    status: u16,
    body: Vec<u8>,
    kind: &'static str,
    retryable: bool,
}

#[test]
fn status_and_code_table() {
    let cases = vec![
        Case { status: 400, body: json_error("invalid_value", "invalid_request_error", "bad"), kind: "invalid_request", retryable: false },
        Case { status: 400, body: json_error("invalid_prompt", "invalid_request_error", "bad prompt"), kind: "invalid_request", retryable: false },
        Case { status: 400, body: json_error("context_length_exceeded", "invalid_request_error", "too long"), kind: "context_window_exceeded", retryable: false },
        Case { status: 400, body: json_error("cyber_policy", "invalid_request_error", "flagged"), kind: "cyber_policy", retryable: false },
        Case { status: 401, body: json_error("invalid_api_key", "invalid_request_error", "bad key"), kind: "unauthorized", retryable: false },
        Case { status: 403, body: json_error("unsupported_country", "permission_error", "nope"), kind: "forbidden", retryable: false },
        Case { status: 404, body: json_error("model_not_found", "invalid_request_error", "no model"), kind: "not_found", retryable: false },
        Case { status: 408, body: b"timeout".to_vec(), kind: "server_error", retryable: true },
        Case { status: 409, body: json_error("conflict", "invalid_request_error", "busy"), kind: "conflict", retryable: true },
        Case { status: 413, body: b"too large".to_vec(), kind: "unexpected_status", retryable: false },
        Case { status: 422, body: json_error("", "invalid_request_error", "cannot"), kind: "unprocessable", retryable: false },
        Case { status: 429, body: json_error("rate_limit_exceeded", "requests", "slow"), kind: "rate_limited", retryable: true },
        Case { status: 429, body: json_error("insufficient_quota", "insufficient_quota", "pay"), kind: "quota_exceeded", retryable: false },
        Case { status: 429, body: json_error("", "usage_not_included", "plan"), kind: "usage_not_included", retryable: false },
        Case { status: 429, body: br#"{"error":{"type":"usage_limit_reached","message":"limit","plan_type":"plus","resets_at":1700000000}}"#.to_vec(), kind: "usage_limit_reached", retryable: false },
        Case { status: 429, body: Vec::new(), kind: "rate_limited", retryable: true },
        Case { status: 500, body: json_error("server_error", "server_error", "oops"), kind: "server_error", retryable: true },
        Case { status: 502, body: b"bad gateway".to_vec(), kind: "server_error", retryable: true },
        Case { status: 503, body: Vec::new(), kind: "server_overloaded", retryable: true },
        Case { status: 500, body: json_error("server_is_overloaded", "server_error", "busy"), kind: "server_overloaded", retryable: true },
        Case { status: 529, body: json_error("slow_down", "server_error", "slow"), kind: "server_overloaded", retryable: true },
        Case { status: 418, body: b"teapot".to_vec(), kind: "unexpected_status", retryable: false },
        Case { status: 302, body: Vec::new(), kind: "unexpected_status", retryable: false },
    ];
    for case in cases {
        let status = StatusCode::from_u16(case.status).unwrap();
        let error = ApiError::from_http(status, &HeaderMap::new(), &case.body, None);
        assert_eq!(
            error.kind(),
            case.kind,
            "status {} body {:?}",
            case.status,
            String::from_utf8_lossy(&case.body)
        );
        assert_eq!(
            error.is_retryable(),
            case.retryable,
            "status {} kind {}",
            case.status,
            case.kind
        );
        assert_eq!(error.status(), Some(status));
        assert_eq!(error.origin(), ErrorOrigin::HttpResponse);
    }
}

#[test]
fn json_fields_are_kept() {
    let body = br#"{"error":{"message":"Invalid value","type":"invalid_request_error","code":"invalid_value","param":"input[0].content"}}"#;
    let error = ApiError::from_http(StatusCode::BAD_REQUEST, &HeaderMap::new(), body, None);
    assert_eq!(error.message(), Some("Invalid value"));
    assert_eq!(error.code(), Some("invalid_value"));
    assert_eq!(error.param(), Some("input[0].content"));
    assert_eq!(
        error.to_string(),
        "invalid_request (HTTP 400, code invalid_value): Invalid value"
    );
}

#[test]
fn type_is_the_code_when_code_is_absent() {
    let body = br#"{"error":{"message":"m","type":"server_error"}}"#;
    let error = ApiError::from_http(StatusCode::BAD_GATEWAY, &HeaderMap::new(), body, None);
    assert_eq!(error.code(), Some("server_error"));
}

#[test]
fn detail_and_plain_text_bodies() {
    let error = ApiError::from_http(
        StatusCode::NOT_FOUND,
        &HeaderMap::new(),
        br#"{"detail":"Not Found"}"#,
        None,
    );
    assert_eq!(error.kind(), "not_found");
    assert_eq!(error.message(), Some("Not Found"));

    let error = ApiError::from_http(
        StatusCode::BAD_GATEWAY,
        &HeaderMap::new(),
        b"upstream connect error",
        None,
    );
    assert_eq!(error.message(), Some("upstream connect error"));
    assert_eq!(error.code(), None);

    let error = ApiError::from_http(StatusCode::BAD_REQUEST, &HeaderMap::new(), b"[1,2,3]", None);
    assert_eq!(error.kind(), "invalid_request");
    assert_eq!(error.message(), Some("[1,2,3]"));

    let error = ApiError::from_http(
        StatusCode::BAD_REQUEST,
        &HeaderMap::new(),
        &[0xff, 0xfe, b'x'],
        None,
    );
    assert_eq!(error.message(), Some("\u{fffd}\u{fffd}x"));
}

#[test]
fn empty_body_has_no_message() {
    let error = ApiError::from_http(
        StatusCode::INTERNAL_SERVER_ERROR,
        &HeaderMap::new(),
        b"",
        None,
    );
    assert_eq!(error.kind(), "server_error");
    assert_eq!(error.message(), None);
    assert_eq!(error.to_string(), "server_error (HTTP 500)");
    let error = ApiError::from_http(
        StatusCode::INTERNAL_SERVER_ERROR,
        &HeaderMap::new(),
        b"  \n ",
        None,
    );
    assert_eq!(error.message(), None);
}

#[test]
fn huge_body_message_is_truncated_on_a_char_boundary() {
    // 3-byte chars so the bound falls inside one.
    let message = "€".repeat(10_000);
    let body = serde_json::json!({"error": {"message": message, "code": "x"}}).to_string();
    let error = ApiError::from_http(
        StatusCode::BAD_REQUEST,
        &HeaderMap::new(),
        body.as_bytes(),
        None,
    );
    let kept = error.message().unwrap();
    assert!(kept.ends_with(TRUNCATION_MARKER));
    let without_marker = kept.strip_suffix(TRUNCATION_MARKER).unwrap();
    assert!(without_marker.len() <= MAX_MESSAGE_BYTES);
    assert!(without_marker.len() > MAX_MESSAGE_BYTES - 3);
    assert!(without_marker.chars().all(|c| c == '€'));

    // A plain-text body far past the parse window.
    let body = vec![b'a'; 5 * 1024 * 1024];
    let error = ApiError::from_http(StatusCode::BAD_GATEWAY, &HeaderMap::new(), &body, None);
    assert_eq!(
        error.message().unwrap().len(),
        MAX_MESSAGE_BYTES + TRUNCATION_MARKER.len()
    );
    assert!(error.to_string().len() < 2 * MAX_MESSAGE_BYTES);
}

#[test]
fn request_id_falls_back_to_oai_request_id_and_cf_ray_is_kept() {
    let both = headers(&[
        ("x-request-id", "req_a"),
        ("x-oai-request-id", "req_b"),
        ("cf-ray", "8f1-SJC"),
    ]);
    let error = ApiError::from_http(StatusCode::BAD_GATEWAY, &both, b"", None);
    assert_eq!(error.request_id(), Some("req_a"));
    assert_eq!(error.cf_ray(), Some("8f1-SJC"));
    assert_eq!(
        error.to_string(),
        "server_error (HTTP 502) [request id req_a, cf-ray 8f1-SJC]"
    );

    let oai_only = headers(&[("x-oai-request-id", "req_b")]);
    let error = ApiError::from_http(StatusCode::BAD_GATEWAY, &oai_only, b"", None);
    assert_eq!(error.request_id(), Some("req_b"));
    assert_eq!(error.cf_ray(), None);

    let blank = headers(&[("x-request-id", "  "), ("x-oai-request-id", "req_c")]);
    let error = ApiError::from_http(StatusCode::BAD_GATEWAY, &blank, b"", None);
    assert_eq!(error.request_id(), Some("req_c"));

    let mut binary = HeaderMap::new();
    binary.insert(
        "x-request-id",
        HeaderValue::from_bytes(&[0xff, 0xfe]).unwrap(),
    );
    let error = ApiError::from_http(StatusCode::BAD_GATEWAY, &binary, b"", None);
    assert_eq!(error.request_id(), None);
}

#[test]
fn cloudflare_html_403_is_recognised() {
    let pages: [&[u8]; 4] = [
        b"<!DOCTYPE html><html><head><title>Attention Required! | Cloudflare</title></head><body>blocked</body></html>",
        b"<html><body>Ray ID: <span>8f1</span> cf-ray</body></html>",
        b"\n  <!doctype html><html><title>Just a moment...</title></html>",
        b"<html><body><div class=\"cf-error-details\">Sorry</div></body></html>",
    ];
    for page in pages {
        let error = ApiError::from_http(StatusCode::FORBIDDEN, &HeaderMap::new(), page, None);
        assert_eq!(error.kind(), "forbidden");
        assert_eq!(
            error.error_kind(),
            &ApiErrorKind::Forbidden {
                cloudflare_block: true
            }
        );
        let message = error.message().unwrap();
        assert!(message.contains("Cloudflare"), "{message}");
        assert!(!message.contains('<'), "HTML must not be kept: {message}");
    }
    // A challenge marked only by header.
    let error = ApiError::from_http(
        StatusCode::FORBIDDEN,
        &headers(&[("cf-mitigated", "challenge")]),
        b"",
        None,
    );
    assert_eq!(
        error.error_kind(),
        &ApiErrorKind::Forbidden {
            cloudflare_block: true
        }
    );

    // A 403 API error is not Cloudflare.
    let error = ApiError::from_http(
        StatusCode::FORBIDDEN,
        &HeaderMap::new(),
        &json_error("x", "permission_error", "Country not supported"),
        None,
    );
    assert_eq!(
        error.error_kind(),
        &ApiErrorKind::Forbidden {
            cloudflare_block: false
        }
    );
    assert_eq!(error.message(), Some("Country not supported"));

    // Non-Cloudflare HTML elsewhere: described, not kept.
    let error = ApiError::from_http(
        StatusCode::BAD_GATEWAY,
        &HeaderMap::new(),
        b"<html><body><h1>502 Bad Gateway</h1></body></html>",
        None,
    );
    assert_eq!(error.kind(), "server_error");
    assert!(error.message().unwrap().starts_with("HTML error page"));
}

#[test]
fn retry_after_comes_from_the_caller_then_the_message() {
    let body = json_error(
        "rate_limit_exceeded",
        "requests",
        "Rate limit reached. Please try again in 20ms.",
    );
    let error = ApiError::from_http(
        StatusCode::TOO_MANY_REQUESTS,
        &HeaderMap::new(),
        &body,
        Some(Duration::from_secs(3)),
    );
    assert_eq!(error.retry_after(), Some(Duration::from_secs(3)));
    let error = ApiError::from_http(
        StatusCode::TOO_MANY_REQUESTS,
        &HeaderMap::new(),
        &body,
        None,
    );
    assert_eq!(error.retry_after(), Some(Duration::from_millis(20)));
    let error = ApiError::from_http(
        StatusCode::SERVICE_UNAVAILABLE,
        &HeaderMap::new(),
        b"",
        Some(Duration::from_secs(7)),
    );
    assert_eq!(error.retry_after(), Some(Duration::from_secs(7)));
    // Not retryable → no retry_after, even when a header gave one.
    let quota = json_error(
        "insufficient_quota",
        "insufficient_quota",
        "try again in 5s",
    );
    let error = ApiError::from_http(
        StatusCode::TOO_MANY_REQUESTS,
        &HeaderMap::new(),
        &quota,
        Some(Duration::from_secs(7)),
    );
    assert_eq!(error.kind(), "quota_exceeded");
    assert_eq!(error.retry_after(), None);
}

#[test]
fn usage_limit_reached_carries_plan_reset_family_and_promo() {
    let body = br#"{"error":{"type":"usage_limit_reached","message":"You've hit your usage limit.","plan_type":"pro","resets_at":1704067200,"resets_in_seconds":3600}}"#;
    let head = headers(&[
        ("x-codex-active-limit", "Codex_Secondary"),
        ("x-codex-promo-message", "Upgrade for more"),
        ("x-request-id", "req_u"),
    ]);
    let error = ApiError::from_http(StatusCode::TOO_MANY_REQUESTS, &head, body, None);
    assert_eq!(error.kind(), "usage_limit_reached");
    assert!(!error.is_retryable());
    let limit = error.usage_limit().unwrap();
    assert_eq!(limit.plan_type.as_deref(), Some("pro"));
    assert_eq!(limit.resets_at, Some(1_704_067_200));
    assert_eq!(limit.resets_in, Some(Duration::from_secs(3600)));
    assert_eq!(limit.limit_family.as_deref(), Some("codex-secondary"));
    assert_eq!(limit.promo_message.as_deref(), Some("Upgrade for more"));
    assert_eq!(error.message(), Some("You've hit your usage limit."));
    assert_eq!(error.request_id(), Some("req_u"));
}

#[test]
fn cyber_policy_without_message_gets_the_standard_wording() {
    let error = ApiError::from_http(
        StatusCode::BAD_REQUEST,
        &HeaderMap::new(),
        br#"{"error":{"code":"cyber_policy","message":"  "}}"#,
        None,
    );
    assert_eq!(error.kind(), "cyber_policy");
    assert!(error.message().unwrap().contains("cybersecurity"));
}

#[test]
fn unauthorized_via_from_http_has_evidence_with_unknown_scheme() {
    let head = headers(&[
        ("x-request-id", "req_401"),
        ("www-authenticate", "Bearer realm=\"OpenAI\""),
    ]);
    let error = ApiError::from_http(
        StatusCode::UNAUTHORIZED,
        &head,
        &json_error(
            "invalid_api_key",
            "invalid_request_error",
            "Incorrect API key provided: sk-abc***xyz.",
        ),
        None,
    );
    assert_eq!(error.kind(), "unauthorized");
    assert!(!error.is_retryable());
    let details = error.unauthorized().unwrap();
    assert_eq!(details.evidence.auth_scheme, None);
    assert_eq!(details.failure.as_str(), "invalid_api_key");
    assert_eq!(details.recovery_tags, None);
    assert_eq!(error.request_id(), Some("req_401"));
    assert_eq!(error.code(), Some("invalid_api_key"));
    assert_eq!(
        error.message(),
        Some("Incorrect API key provided: sk-abc***xyz.")
    );
    assert_eq!(
        error.to_string(),
        "unauthorized (HTTP 401, invalid_api_key): Incorrect API key provided: sk-abc***xyz. [request id req_401]"
    );
}

#[test]
fn errors_compare_and_clone() {
    let a = ApiError::from_http(StatusCode::BAD_GATEWAY, &HeaderMap::new(), b"x", None);
    let b = a.clone();
    assert_eq!(a, b);
    assert_ne!(
        a,
        ApiError::from_http(StatusCode::BAD_GATEWAY, &HeaderMap::new(), b"y", None)
    );
}
