//! 401 evidence gathering and classification for every header combination.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use codex_api_core::auth_scheme::AuthScheme;
use codex_api_core::unauthorized::{AuthFailure, UnauthorizedEvidence};
use http::{HeaderMap, HeaderValue};

fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.insert(*name, HeaderValue::from_str(value).unwrap());
    }
    map
}

fn b64(json: &str) -> String {
    STANDARD.encode(json)
}

#[test]
fn evidence_records_every_fact() {
    let head = headers(&[
        ("x-openai-authorization-error", "missing_scope"),
        (
            "x-error-json",
            &b64(r#"{"error":{"code":"token_expired","message":"m"}}"#),
        ),
        (
            "www-authenticate",
            r#"Bearer realm="OpenAI", error="invalid_token""#,
        ),
        ("x-oai-request-id", "req_o"),
        ("cf-ray", "ray_1"),
    ]);
    let body = br#"{"error":{"code":"invalid_api_key","message":"bad"}}"#;
    let evidence = UnauthorizedEvidence::from_response(AuthScheme::Bearer, &head, body);
    assert_eq!(evidence.auth_scheme, Some(AuthScheme::Bearer));
    assert_eq!(evidence.auth_header_attached(), Some(true));
    assert_eq!(
        evidence.authorization_error.as_deref(),
        Some("missing_scope")
    );
    assert_eq!(evidence.error_json_code.as_deref(), Some("token_expired"));
    assert_eq!(evidence.body_error_code.as_deref(), Some("invalid_api_key"));
    assert_eq!(
        evidence.www_authenticate.as_deref(),
        Some(r#"Bearer realm="OpenAI", error="invalid_token""#)
    );
    assert_eq!(evidence.www_authenticate_error(), Some("invalid_token"));
    assert_eq!(evidence.request_id.as_deref(), Some("req_o"));
    assert_eq!(evidence.cf_ray.as_deref(), Some("ray_1"));
    assert_eq!(evidence.error_code(), Some("token_expired"));
    // x-error-json wins.
    assert_eq!(evidence.classify(), AuthFailure::ExpiredToken);
}

#[test]
fn x_error_json_decoding() {
    let table: Vec<(String, Option<&str>)> = vec![
        (
            b64(r#"{"error":{"code":"refresh_token_reused"}}"#),
            Some("refresh_token_reused"),
        ),
        (b64(r#"{"code":"missing_scope"}"#), Some("missing_scope")),
        (
            URL_SAFE_NO_PAD.encode(r#"{"error":{"code":"token_expired","x":"??>>"}}"#),
            Some("token_expired"),
        ),
        (
            format!("  {}  ", b64(r#"{"code":"invalid_api_key"}"#)),
            Some("invalid_api_key"),
        ),
        (b64(r#"{"error":{"code":401}}"#), Some("401")),
        ("%%%not base64%%%".to_string(), None),
        ("QQ".to_string(), None), // base64 of "A": not JSON
        (b64("not json at all"), None),
        (b64(r#"{"error":{"message":"no code"}}"#), None),
        (b64(r#"{"error":{"code":null}}"#), None),
        (b64(r#"["code"]"#), None),
        (b64(r#"{"code":""}"#), None),
        (String::new(), None),
        ("A".repeat(20_000), None),
    ];
    for (value, expected) in table {
        let head = headers(&[("x-error-json", &value)]);
        let evidence = UnauthorizedEvidence::from_response(AuthScheme::Bearer, &head, b"");
        assert_eq!(evidence.error_json_code.as_deref(), expected, "{value:.60}");
    }
    // Non-UTF-8 header bytes: no panic, no code.
    let mut head = HeaderMap::new();
    head.insert(
        "x-error-json",
        HeaderValue::from_bytes(&[0xff, 0x80]).unwrap(),
    );
    let evidence = UnauthorizedEvidence::from_response(AuthScheme::Bearer, &head, b"");
    assert_eq!(evidence.error_json_code, None);
}

#[test]
fn classification_table() {
    let no_body: &[u8] = b"";
    let table: Vec<(AuthScheme, HeaderMap, &[u8], AuthFailure)> = vec![
        // Nothing known: depends on whether a header was attached.
        (
            AuthScheme::None,
            HeaderMap::new(),
            no_body,
            AuthFailure::MissingAuthorization,
        ),
        (
            AuthScheme::Bearer,
            HeaderMap::new(),
            no_body,
            AuthFailure::Other,
        ),
        (
            AuthScheme::AgentAssertion,
            HeaderMap::new(),
            no_body,
            AuthFailure::Other,
        ),
        // x-openai-authorization-error alone.
        (
            AuthScheme::Bearer,
            headers(&[("x-openai-authorization-error", "missing_scope")]),
            no_body,
            AuthFailure::MissingScope,
        ),
        (
            AuthScheme::Bearer,
            headers(&[("x-openai-authorization-error", "Token-Expired")]),
            no_body,
            AuthFailure::ExpiredToken,
        ),
        (
            AuthScheme::AgentAssertion,
            headers(&[("x-openai-authorization-error", "invalid_api_key: rotated")]),
            no_body,
            AuthFailure::InvalidApiKey,
        ),
        (
            AuthScheme::Bearer,
            headers(&[("x-openai-authorization-error", "something new")]),
            no_body,
            AuthFailure::Other,
        ),
        // x-error-json alone, valid and invalid.
        (
            AuthScheme::Bearer,
            headers(&[(
                "x-error-json",
                &b64(r#"{"error":{"code":"refresh_token_reused"}}"#),
            )]),
            no_body,
            AuthFailure::RefreshTokenReused,
        ),
        (
            AuthScheme::Bearer,
            headers(&[(
                "x-error-json",
                &b64(r#"{"error":{"code":"refresh_token_invalidated"}}"#),
            )]),
            no_body,
            AuthFailure::RefreshTokenRevoked,
        ),
        (
            AuthScheme::Bearer,
            headers(&[("x-error-json", &b64(r#"{"code":"refresh_token_expired"}"#))]),
            no_body,
            AuthFailure::RefreshTokenExpired,
        ),
        (
            AuthScheme::Bearer,
            headers(&[("x-error-json", "!!!")]),
            no_body,
            AuthFailure::Other,
        ),
        (
            AuthScheme::Bearer,
            headers(&[("x-error-json", &b64("{oops"))]),
            no_body,
            AuthFailure::Other,
        ),
        // Invalid x-error-json falls through to the next source.
        (
            AuthScheme::Bearer,
            headers(&[
                ("x-error-json", "!!!"),
                ("x-openai-authorization-error", "token_expired"),
            ]),
            no_body,
            AuthFailure::ExpiredToken,
        ),
        // x-error-json beats x-openai-authorization-error.
        (
            AuthScheme::Bearer,
            headers(&[
                ("x-error-json", &b64(r#"{"code":"missing_scope"}"#)),
                ("x-openai-authorization-error", "token_expired"),
            ]),
            no_body,
            AuthFailure::MissingScope,
        ),
        // Unknown x-error-json code falls through.
        (
            AuthScheme::Bearer,
            headers(&[
                ("x-error-json", &b64(r#"{"code":"mystery"}"#)),
                ("x-openai-authorization-error", "token_expired"),
            ]),
            no_body,
            AuthFailure::ExpiredToken,
        ),
        // Body codes.
        (
            AuthScheme::Bearer,
            HeaderMap::new(),
            br#"{"error":{"code":"invalid_api_key","message":"Incorrect API key"}}"#,
            AuthFailure::InvalidApiKey,
        ),
        (
            AuthScheme::Bearer,
            HeaderMap::new(),
            br#"{"detail":{"code":"token_expired"}}"#,
            AuthFailure::ExpiredToken,
        ),
        (
            AuthScheme::Bearer,
            HeaderMap::new(),
            br#"{"error":"invalid_grant"}"#,
            AuthFailure::RefreshTokenRevoked,
        ),
        (
            AuthScheme::Bearer,
            HeaderMap::new(),
            br#"{"code":"refresh_token_reused"}"#,
            AuthFailure::RefreshTokenReused,
        ),
        (
            AuthScheme::Bearer,
            HeaderMap::new(),
            b"<html>401</html>",
            AuthFailure::Other,
        ),
        // Header beats body.
        (
            AuthScheme::Bearer,
            headers(&[("x-openai-authorization-error", "missing_scope")]),
            br#"{"error":{"code":"invalid_api_key"}}"#,
            AuthFailure::MissingScope,
        ),
        // WWW-Authenticate.
        (
            AuthScheme::Bearer,
            headers(&[(
                "www-authenticate",
                r#"Bearer error="invalid_token", error_description="The access token expired""#,
            )]),
            no_body,
            AuthFailure::ExpiredToken,
        ),
        (
            AuthScheme::Bearer,
            headers(&[("www-authenticate", r#"Bearer error="invalid_token""#)]),
            no_body,
            AuthFailure::Other,
        ),
        (
            AuthScheme::Bearer,
            headers(&[(
                "www-authenticate",
                "Bearer error=insufficient_scope, scope=\"api.responses.write\"",
            )]),
            no_body,
            AuthFailure::MissingScope,
        ),
        (
            AuthScheme::None,
            headers(&[("www-authenticate", r#"Bearer realm="OpenAI""#)]),
            no_body,
            AuthFailure::MissingAuthorization,
        ),
        // A known code still wins without an auth header.
        (
            AuthScheme::None,
            headers(&[("x-openai-authorization-error", "missing_authorization")]),
            no_body,
            AuthFailure::MissingAuthorization,
        ),
        (
            AuthScheme::None,
            HeaderMap::new(),
            br#"{"error":{"code":"invalid_api_key"}}"#,
            AuthFailure::InvalidApiKey,
        ),
    ];
    for (index, (scheme, head, body, expected)) in table.into_iter().enumerate() {
        let evidence = UnauthorizedEvidence::from_response(scheme, &head, body);
        assert_eq!(evidence.classify(), expected, "row {index}: {evidence:?}");
    }
}

#[test]
fn failure_names_and_permanence() {
    let table = [
        (
            AuthFailure::MissingAuthorization,
            "missing_authorization",
            false,
        ),
        (AuthFailure::InvalidApiKey, "invalid_api_key", false),
        (AuthFailure::ExpiredToken, "token_expired", false),
        (
            AuthFailure::RefreshTokenReused,
            "refresh_token_reused",
            false,
        ),
        (
            AuthFailure::RefreshTokenRevoked,
            "refresh_token_revoked",
            true,
        ),
        (
            AuthFailure::RefreshTokenExpired,
            "refresh_token_expired",
            true,
        ),
        (AuthFailure::MissingScope, "missing_scope", false),
        (AuthFailure::Other, "other", false),
    ];
    for (failure, name, permanent) in table {
        assert_eq!(failure.as_str(), name);
        assert_eq!(failure.to_string(), name);
        assert_eq!(failure.is_permanent(), permanent, "{name}");
    }
}
