//! Display and Debug never show a planted secret, wherever the server puts it.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use codex_api_core::auth_scheme::AuthScheme;
use codex_api_core::error::{ApiError, StreamFailureSource};
use codex_api_core::unauthorized::{
    AuthRecovery, CredentialsChange, RecoveryMode, UnauthorizedEvidence,
};
use http::{HeaderMap, HeaderValue, StatusCode};

const SECRET_KEY: &str = "sk-proj-PLANTEDsecretKEY0123456789";
const SECRET_JWT: &str = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwbGFudGVkIn0.c2lnbmF0dXJlUExBTlRFRA";
const SECRET_REFRESH: &str = "rt_PLANTEDrefresh0123456789";

fn assert_clean(label: &str, text: &str) {
    for secret in [SECRET_KEY, SECRET_JWT, SECRET_REFRESH, "PLANTED"] {
        assert!(!text.contains(secret), "{label} leaked {secret}: {text}");
    }
}

fn check(label: &str, error: &ApiError) {
    assert_clean(label, &error.to_string());
    assert_clean(label, &format!("{error:?}"));
    assert_clean(label, &format!("{error:#?}"));
    if let Some(tags) = error.unauthorized().and_then(|d| d.recovery_tags.as_ref()) {
        assert_clean(label, &format!("{tags:?}"));
    }
}

/// Headers a server might echo the credential into; none of them is kept.
fn echoing_headers() -> HeaderMap {
    let mut head = HeaderMap::new();
    head.insert(
        "authorization",
        HeaderValue::from_str(&format!("Bearer {SECRET_KEY}")).unwrap(),
    );
    head.insert(
        "x-echo-authorization",
        HeaderValue::from_str(&format!("Bearer {SECRET_JWT}")).unwrap(),
    );
    head.insert(
        "set-cookie",
        HeaderValue::from_str(&format!("session={SECRET_REFRESH}")).unwrap(),
    );
    head.insert("x-api-key", HeaderValue::from_str(SECRET_KEY).unwrap());
    head.insert("x-request-id", HeaderValue::from_static("req_ok"));
    head
}

#[test]
fn unkept_headers_never_show() {
    let head = echoing_headers();
    for status in [400u16, 401, 403, 404, 409, 422, 429, 500, 503, 418] {
        let error = ApiError::from_http(StatusCode::from_u16(status).unwrap(), &head, b"{}", None);
        check(&format!("status {status}"), &error);
        assert_eq!(error.request_id(), Some("req_ok"));
    }
}

#[test]
fn secrets_echoed_into_kept_places_are_masked() {
    // Body message, body code, param, and the 401 headers we do keep.
    let body = serde_json::json!({"error": {
        "message": format!("Incorrect API key provided: {SECRET_KEY}. Token Bearer {SECRET_REFRESH} rejected; jwt {SECRET_JWT}"),
        "code": SECRET_KEY,
        "param": SECRET_JWT,
    }})
    .to_string();
    let mut head = echoing_headers();
    head.insert(
        "x-openai-authorization-error",
        HeaderValue::from_str(&format!("bad token {SECRET_JWT}")).unwrap(),
    );
    head.insert(
        "www-authenticate",
        HeaderValue::from_str(&format!("Bearer {SECRET_KEY}")).unwrap(),
    );
    head.insert(
        "x-error-json",
        HeaderValue::from_str(&STANDARD.encode(format!(r#"{{"code":"{SECRET_REFRESH}"}}"#)))
            .unwrap(),
    );
    head.insert("cf-ray", HeaderValue::from_str(SECRET_JWT).unwrap());
    for status in [400u16, 401, 429, 500] {
        let error = ApiError::from_http(
            StatusCode::from_u16(status).unwrap(),
            &head,
            body.as_bytes(),
            None,
        );
        check(&format!("masked {status}"), &error);
    }
    let evidence = UnauthorizedEvidence::from_response(AuthScheme::Bearer, &head, body.as_bytes());
    assert_clean("evidence", &format!("{evidence:?}"));

    let mut recovery = AuthRecovery::new(RecoveryMode::Managed, SECRET_KEY);
    recovery.handle_unauthorized(evidence.clone());
    recovery.poll_step();
    recovery.handle_step_result(Ok(CredentialsChange::Changed));
    recovery.poll_step();
    recovery.handle_unauthorized(evidence);
    assert_clean("tags", &format!("{:?}", recovery.tags()));
    assert_clean("recovery", &format!("{recovery:?}"));
    check(
        "recovery error",
        &recovery.to_error(body.as_bytes()).unwrap(),
    );

    for source in [
        StreamFailureSource::ResponseFailed,
        StreamFailureSource::ErrorEvent,
    ] {
        let error = ApiError::from_stream_failure(
            source,
            Some(SECRET_REFRESH),
            Some(&format!("key {SECRET_KEY}")),
            Some(SECRET_JWT),
            Some(SECRET_KEY),
        );
        check("stream", &error);
    }
    check(
        "protocol",
        &ApiError::protocol(&format!("bad header Authorization: Bearer {SECRET_KEY}")),
    );
    check(
        "incomplete",
        &ApiError::response_incomplete(Some(SECRET_KEY)),
    );
}

#[test]
fn secret_straddling_the_truncation_bound_is_masked() {
    for pad in 1000..1030 {
        let message = format!("{}{SECRET_KEY} tail", "x ".repeat(pad / 2));
        let body = serde_json::json!({"error": {"message": message}}).to_string();
        let error = ApiError::from_http(
            StatusCode::BAD_REQUEST,
            &HeaderMap::new(),
            body.as_bytes(),
            None,
        );
        let kept = error.message().unwrap();
        assert!(!kept.contains("sk-proj-PLANT"), "pad {pad}: {kept}");
    }
}
