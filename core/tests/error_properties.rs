//! Properties: arbitrary bodies, header bytes and messages never panic and respect the bounds.

use codex_api_core::auth_scheme::AuthScheme;
use codex_api_core::error::{
    ApiError, MAX_FACT_BYTES, MAX_MESSAGE_BYTES, StreamFailureSource, TRUNCATION_MARKER,
    delay_from_message,
};
use codex_api_core::unauthorized::UnauthorizedEvidence;
use http::{HeaderMap, HeaderValue, StatusCode};
use proptest::prelude::*;

fn header_value() -> impl Strategy<Value = Vec<u8>> {
    // Visible ASCII, space, tab and obs-text: every byte HeaderValue accepts.
    prop::collection::vec(
        prop_oneof![Just(b'\t'), 0x20u8..0x7f, 0x80u8..=0xff],
        0..300,
    )
}

fn within_bounds(error: &ApiError) {
    if let Some(message) = error.message() {
        let core = message.strip_suffix(TRUNCATION_MARKER).unwrap_or(message);
        assert!(core.len() <= MAX_MESSAGE_BYTES + 64, "{}", message.len());
        assert!(!message.chars().any(char::is_control));
    }
    for fact in [
        error.request_id(),
        error.cf_ray(),
        error.code(),
        error.param(),
    ]
    .into_iter()
    .flatten()
    {
        assert!(fact.len() <= MAX_FACT_BYTES + TRUNCATION_MARKER.len());
    }
}

proptest! {
    #[test]
    fn from_http_never_panics(
        status in 100u16..1000,
        body in prop::collection::vec(any::<u8>(), 0..4096),
        request_id in header_value(),
        error_json in header_value(),
        auth_error in header_value(),
    ) {
        let mut head = HeaderMap::new();
        for (name, value) in [
            ("x-request-id", &request_id),
            ("x-error-json", &error_json),
            ("x-openai-authorization-error", &auth_error),
            ("www-authenticate", &auth_error),
            ("cf-ray", &request_id),
            ("x-codex-active-limit", &auth_error),
        ] {
            head.insert(name, HeaderValue::from_bytes(value).unwrap());
        }
        let error = ApiError::from_http(StatusCode::from_u16(status).unwrap(), &head, &body, None);
        within_bounds(&error);
        let _ = error.to_string();
        let evidence = UnauthorizedEvidence::from_response(AuthScheme::Bearer, &head, &body);
        let _ = evidence.classify();
        let _ = evidence.www_authenticate_error();
    }

    #[test]
    fn json_error_bodies_never_panic(
        message in ".{0,2000}",
        code in ".{0,40}",
        resets in any::<f64>(),
    ) {
        let body = serde_json::json!({"error": {"message": message, "code": code, "type": "usage_limit_reached", "resets_at": resets}}).to_string();
        let error = ApiError::from_http(StatusCode::TOO_MANY_REQUESTS, &HeaderMap::new(), body.as_bytes(), None);
        within_bounds(&error);
        let error = ApiError::from_stream_error_json(StreamFailureSource::ErrorEvent, body.as_bytes(), &HeaderMap::new());
        within_bounds(&error);
    }

    #[test]
    fn delay_is_bounded(message in ".{0,200}", number in any::<f64>(), unit in "(ms|s|seconds|sec|x)") {
        let _ = delay_from_message(&message);
        let phrase = format!("try again in {number}{unit}");
        if let Some(delay) = delay_from_message(&phrase) {
            prop_assert!(delay.as_secs() <= 86_400);
            prop_assert!(number >= 0.0);
        }
    }
}
