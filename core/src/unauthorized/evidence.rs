//! What a 401 response tells us, gathered without keeping any secret.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use http::HeaderMap;
use serde_json::Value;

use super::failure::AuthFailure;
use crate::auth_scheme::AuthScheme;
use crate::error::body_error_code;
use crate::error::text_fact as bounded_fact;

/// An `x-error-json` header longer than this is not decoded.
const MAX_ERROR_JSON_HEADER_BYTES: usize = 8 * 1024;

/// The facts of one 401 response. Every text field is trimmed, bounded (256 bytes) and has
/// credential-looking words masked.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UnauthorizedEvidence {
    /// Which `Authorization` scheme the request carried; `None` when not known at the layer
    /// that built the evidence (e.g. [`ApiError::from_http`](crate::error::ApiError::from_http)).
    pub auth_scheme: Option<AuthScheme>,
    /// The `x-openai-authorization-error` header.
    pub authorization_error: Option<String>,
    /// The `code` of the base64 JSON in the `x-error-json` header (`{"error":{"code":…}}` or
    /// `{"code":…}`; standard or URL-safe base64, padded or not). Malformed → `None`.
    pub error_json_code: Option<String>,
    /// The error code in the response body (`error.code`, `code`, `detail.code`, or an
    /// OAuth-style `"error": "<code>"`).
    pub body_error_code: Option<String>,
    /// The `WWW-Authenticate` header.
    pub www_authenticate: Option<String>,
    /// The request id (`x-request-id`, else `x-oai-request-id`).
    pub request_id: Option<String>,
    /// The `cf-ray` header.
    pub cf_ray: Option<String>,
}

impl UnauthorizedEvidence {
    /// Gathers the evidence of a 401 to a request that carried `auth_scheme`.
    pub fn from_response(
        auth_scheme: AuthScheme,
        headers: &HeaderMap,
        body: &[u8],
    ) -> UnauthorizedEvidence {
        UnauthorizedEvidence::from_headers_and_body(Some(auth_scheme), headers, body)
    }

    pub(crate) fn from_headers_and_body(
        auth_scheme: Option<AuthScheme>,
        headers: &HeaderMap,
        body: &[u8],
    ) -> UnauthorizedEvidence {
        UnauthorizedEvidence {
            auth_scheme,
            authorization_error: header(headers, "x-openai-authorization-error"),
            error_json_code: headers
                .get("x-error-json")
                .and_then(|value| decode_error_json_code(value.as_bytes())),
            body_error_code: body_error_code(body),
            www_authenticate: header(headers, "www-authenticate"),
            request_id: header(headers, "x-request-id")
                .or_else(|| header(headers, "x-oai-request-id")),
            cf_ray: header(headers, "cf-ray"),
        }
    }

    /// Whether the request carried an `Authorization` header (`None`: not known).
    pub fn auth_header_attached(&self) -> Option<bool> {
        self.auth_scheme.map(|scheme| scheme != AuthScheme::None)
    }

    /// The most specific error code: `x-error-json`'s, else the body's.
    pub fn error_code(&self) -> Option<&str> {
        self.error_json_code
            .as_deref()
            .or(self.body_error_code.as_deref())
    }

    /// The `error` parameter of `WWW-Authenticate` (`Bearer error="invalid_token", …`).
    pub fn www_authenticate_error(&self) -> Option<&str> {
        self.www_authenticate
            .as_deref()
            .and_then(|value| auth_param(value, "error"))
    }

    /// The `error_description` parameter of `WWW-Authenticate`.
    pub fn www_authenticate_description(&self) -> Option<&str> {
        self.www_authenticate
            .as_deref()
            .and_then(|value| auth_param(value, "error_description"))
    }

    /// What went wrong, judged from the evidence (see [`AuthFailure::classify`]).
    pub fn classify(&self) -> AuthFailure {
        AuthFailure::classify(self)
    }
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .and_then(bounded_fact)
}

/// Decodes `x-error-json` (base64 of JSON) and returns its error code; never panics.
pub(crate) fn decode_error_json_code(raw: &[u8]) -> Option<String> {
    if raw.len() > MAX_ERROR_JSON_HEADER_BYTES {
        return None;
    }
    let trimmed = raw.trim_ascii();
    let decoded = [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
        .iter()
        .find_map(|engine| engine.decode(trimmed).ok())?;
    let value: Value = serde_json::from_slice(&decoded).ok()?;
    let code = value
        .get("error")
        .and_then(|error| error.get("code"))
        .or_else(|| value.get("code"))?;
    match code {
        Value::String(text) => bounded_fact(text),
        Value::Number(number) => bounded_fact(&number.to_string()),
        _ => None,
    }
}

/// Finds `name=value` or `name="value"` among the auth-params of a challenge.
fn auth_param<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    let mut rest = header;
    while let Some(position) = rest.find('=') {
        let key_start = rest
            .get(..position)?
            .rfind(|c: char| c.is_whitespace() || c == ',')
            .map_or(0, |i| i + 1);
        let key = rest.get(key_start..position)?.trim();
        let after = rest.get(position + 1..)?.trim_start();
        let (value, next) = if let Some(quoted) = after.strip_prefix('"') {
            let end = quoted.find('"').unwrap_or(quoted.len());
            (quoted.get(..end)?, quoted.get(end + 1..).unwrap_or(""))
        } else {
            let end = after.find([',', ' ']).unwrap_or(after.len());
            (after.get(..end)?, after.get(end..).unwrap_or(""))
        };
        if key.eq_ignore_ascii_case(name) {
            return Some(value);
        }
        rest = next;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_param_reads_quoted_and_bare_values() {
        let header = r#"Bearer realm="OpenAI", error="invalid_token", error_description="The access token expired""#;
        assert_eq!(auth_param(header, "error"), Some("invalid_token"));
        assert_eq!(
            auth_param(header, "error_description"),
            Some("The access token expired")
        );
        assert_eq!(
            auth_param("Bearer error=insufficient_scope", "error"),
            Some("insufficient_scope")
        );
        assert_eq!(auth_param("Bearer", "error"), None);
        assert_eq!(auth_param("=\"", "error"), None);
    }
}
