//! Table tests: in-stream failures (`response.failed`, `error` events) → ApiError, and the
//! stream-side constructors.

use std::time::Duration;

use codex_api_core::error::{ApiError, ApiErrorKind, ErrorOrigin, StreamFailureSource};
use http::{HeaderMap, HeaderValue};

const SOURCES: [StreamFailureSource; 2] = [
    StreamFailureSource::ResponseFailed,
    StreamFailureSource::ErrorEvent,
];

#[test]
fn every_code_from_both_sources() {
    let table: &[(Option<&str>, &str, bool)] = &[
        (
            Some("context_length_exceeded"),
            "context_window_exceeded",
            false,
        ),
        (Some("insufficient_quota"), "quota_exceeded", false),
        (Some("usage_not_included"), "usage_not_included", false),
        (Some("usage_limit_reached"), "usage_limit_reached", false),
        (Some("invalid_prompt"), "invalid_request", false),
        (Some("rate_limit_exceeded"), "rate_limited", true),
        (Some("server_is_overloaded"), "server_overloaded", true),
        (Some("slow_down"), "server_overloaded", true),
        (Some("server_error"), "server_error", true),
        (Some("cyber_policy"), "cyber_policy", false),
        (Some("brand_new_code"), "other", true),
        (Some(""), "other", true),
        (None, "other", true),
    ];
    for source in SOURCES {
        for (code, kind, retryable) in table {
            let error = ApiError::from_stream_failure(source, *code, Some("boom"), None, None);
            assert_eq!(error.kind(), *kind, "{source:?} {code:?}");
            assert_eq!(error.is_retryable(), *retryable, "{source:?} {code:?}");
            assert_eq!(error.status(), None);
            assert_eq!(error.message(), Some("boom"));
            let origin = match source {
                StreamFailureSource::ResponseFailed => ErrorOrigin::ResponseFailed,
                StreamFailureSource::ErrorEvent => ErrorOrigin::ErrorEvent,
                _ => unreachable!(),
            };
            assert_eq!(error.origin(), origin);
        }
    }
}

#[test]
fn unknown_code_is_kept_for_other() {
    let error = ApiError::from_stream_failure(
        StreamFailureSource::ErrorEvent,
        Some("mystery"),
        None,
        Some("error"),
        None,
    );
    assert_eq!(error.error_kind(), &ApiErrorKind::Other);
    assert_eq!(error.code(), Some("mystery"));
    assert_eq!(error.to_string(), "other (code mystery)");
}

#[test]
fn error_event_type_names_the_failure_when_code_is_absent() {
    let error = ApiError::from_stream_failure(
        StreamFailureSource::ErrorEvent,
        None,
        Some("m"),
        Some("usage_limit_reached"),
        None,
    );
    assert_eq!(error.kind(), "usage_limit_reached");
    let error = ApiError::from_stream_failure(
        StreamFailureSource::ErrorEvent,
        None,
        Some("m"),
        Some("invalid_request_error"),
        Some("input"),
    );
    assert_eq!(error.kind(), "invalid_request");
    assert_eq!(error.param(), Some("input"));
    // The generic type `error` says nothing.
    let error = ApiError::from_stream_failure(
        StreamFailureSource::ErrorEvent,
        None,
        Some("m"),
        Some("error"),
        None,
    );
    assert_eq!(error.kind(), "other");
    assert_eq!(error.code(), None);
}

#[test]
fn rate_limit_delay_is_read_from_the_message() {
    for source in SOURCES {
        let error = ApiError::from_stream_failure(
            source,
            Some("rate_limit_exceeded"),
            Some(
                "Rate limit reached for gpt-5 on tokens per min (TPM): Limit 30000, Used 30000. Please try again in 11.054s. Visit …",
            ),
            None,
            None,
        );
        assert_eq!(error.retry_after(), Some(Duration::from_millis(11_054)));
    }
    // Other codes do not read a delay from the message.
    let error = ApiError::from_stream_failure(
        StreamFailureSource::ResponseFailed,
        Some("server_error"),
        Some("try again in 3s"),
        None,
        None,
    );
    assert_eq!(error.retry_after(), None);
}

#[test]
fn response_failed_json_with_usage_limit_and_head() {
    let mut head = HeaderMap::new();
    head.insert("x-request-id", HeaderValue::from_static("req_s"));
    head.insert("x-codex-active-limit", HeaderValue::from_static("codex"));
    let json = br#"{"type":"usage_limit_reached","code":"usage_limit_reached","message":"limit","plan_type":"team","resets_in_seconds":60}"#;
    let error = ApiError::from_stream_error_json(StreamFailureSource::ResponseFailed, json, &head);
    assert_eq!(error.kind(), "usage_limit_reached");
    assert_eq!(error.request_id(), Some("req_s"));
    let limit = error.usage_limit().unwrap();
    assert_eq!(limit.plan_type.as_deref(), Some("team"));
    assert_eq!(limit.resets_in, Some(Duration::from_secs(60)));
    assert_eq!(limit.limit_family.as_deref(), Some("codex"));

    let json = br#"{"type":"error","code":"rate_limit_exceeded","message":"Please try again in 48ms","param":null}"#;
    let error =
        ApiError::from_stream_error_json(StreamFailureSource::ErrorEvent, json, &HeaderMap::new());
    assert_eq!(error.kind(), "rate_limited");
    assert_eq!(error.retry_after(), Some(Duration::from_millis(48)));

    let error =
        ApiError::from_stream_error_json(StreamFailureSource::ErrorEvent, b"{not json", &head);
    assert_eq!(error.kind(), "protocol");
    assert_eq!(error.request_id(), Some("req_s"));
    assert!(!error.is_retryable());
}

#[test]
fn with_response_head_does_not_overwrite() {
    let mut head = HeaderMap::new();
    head.insert("x-oai-request-id", HeaderValue::from_static("req_head"));
    head.insert("cf-ray", HeaderValue::from_static("ray_head"));
    let error = ApiError::stream_truncated(Some(7)).with_response_head(&head);
    assert_eq!(error.request_id(), Some("req_head"));
    assert_eq!(error.cf_ray(), Some("ray_head"));
    let mut other = HeaderMap::new();
    other.insert("x-request-id", HeaderValue::from_static("req_other"));
    let error = error.with_response_head(&other);
    assert_eq!(error.request_id(), Some("req_head"));
}

#[test]
fn stream_side_constructors() {
    let error = ApiError::stream_truncated(Some(41));
    assert_eq!(error.kind(), "stream_truncated");
    assert!(error.is_retryable());
    assert_eq!(
        error.error_kind(),
        &ApiErrorKind::StreamTruncated {
            last_sequence_number: Some(41)
        }
    );
    assert_eq!(error.origin(), ErrorOrigin::StreamReader);
    assert!(error.to_string().contains("41"));
    assert_eq!(
        ApiError::stream_truncated(None).error_kind(),
        &ApiErrorKind::StreamTruncated {
            last_sequence_number: None
        }
    );

    let error = ApiError::idle_timeout(Duration::from_secs(300));
    assert_eq!(error.kind(), "idle_timeout");
    assert!(error.is_retryable());
    assert_eq!(error.retry_after(), None);
    assert_eq!(
        error.error_kind(),
        &ApiErrorKind::IdleTimeout {
            after: Duration::from_secs(300)
        }
    );

    let error = ApiError::protocol("unexpected content type text/html");
    assert_eq!(error.kind(), "protocol");
    assert!(!error.is_retryable());
    assert_eq!(error.message(), Some("unexpected content type text/html"));
    assert_eq!(
        error.to_string(),
        "protocol: unexpected content type text/html"
    );

    let error = ApiError::response_incomplete(Some("max_output_tokens"));
    assert_eq!(error.kind(), "response_incomplete");
    assert!(!error.is_retryable());
    assert_eq!(
        error.error_kind(),
        &ApiErrorKind::ResponseIncomplete {
            reason: Some("max_output_tokens".into())
        }
    );
    assert_eq!(
        ApiError::response_incomplete(None).error_kind(),
        &ApiErrorKind::ResponseIncomplete { reason: None }
    );
}
