//! Classifying a 401 from its evidence.

use std::fmt;

use super::evidence::UnauthorizedEvidence;
use crate::auth_scheme::AuthScheme;

/// What a 401 says went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthFailure {
    /// No credentials were sent, or the server says none were (`missing_authorization`).
    MissingAuthorization,
    /// The API key is wrong or revoked (`invalid_api_key`, `incorrect_api_key`).
    InvalidApiKey,
    /// The access token expired (`token_expired`, or `WWW-Authenticate: … error="invalid_token",
    /// error_description="…expired…"`). A refresh fixes it.
    ExpiredToken,
    /// The refresh token was already used (`refresh_token_reused`): another process refreshed
    /// first. Reloading stored credentials may fix it; refreshing again cannot.
    RefreshTokenReused,
    /// The refresh token was revoked (`refresh_token_invalidated`, `refresh_token_revoked`,
    /// `invalid_grant`). Only signing in again fixes it.
    RefreshTokenRevoked,
    /// The refresh token expired (`refresh_token_expired`). Only signing in again fixes it.
    RefreshTokenExpired,
    /// The token lacks a required scope (`missing_scope`, `insufficient_scope`).
    MissingScope,
    /// Anything else.
    Other,
}

/// Known codes, most specific first (matching is by exact code or contained word).
const KNOWN_CODES: &[(&str, AuthFailure)] = &[
    ("refresh_token_reused", AuthFailure::RefreshTokenReused),
    (
        "refresh_token_invalidated",
        AuthFailure::RefreshTokenRevoked,
    ),
    ("refresh_token_revoked", AuthFailure::RefreshTokenRevoked),
    ("refresh_token_expired", AuthFailure::RefreshTokenExpired),
    ("invalid_grant", AuthFailure::RefreshTokenRevoked),
    ("token_expired", AuthFailure::ExpiredToken),
    ("expired_token", AuthFailure::ExpiredToken),
    ("access_token_expired", AuthFailure::ExpiredToken),
    ("invalid_api_key", AuthFailure::InvalidApiKey),
    ("incorrect_api_key", AuthFailure::InvalidApiKey),
    ("missing_scope", AuthFailure::MissingScope),
    ("missing_scopes", AuthFailure::MissingScope),
    ("insufficient_scope", AuthFailure::MissingScope),
    ("missing_authorization", AuthFailure::MissingAuthorization),
    ("missing_auth_header", AuthFailure::MissingAuthorization),
];

impl AuthFailure {
    /// Classifies a 401. Sources, first match wins: the `x-error-json` code, the
    /// `x-openai-authorization-error` header, the body's error code, the `WWW-Authenticate`
    /// `error` parameter (`invalid_token` whose description mentions expiry → expired token;
    /// `insufficient_scope` → missing scope). Without a known code: no `Authorization` header
    /// sent → missing authorization; otherwise `Other`.
    pub fn classify(evidence: &UnauthorizedEvidence) -> AuthFailure {
        let sources = [
            evidence.error_json_code.as_deref(),
            evidence.authorization_error.as_deref(),
            evidence.body_error_code.as_deref(),
            evidence.www_authenticate_error(),
        ];
        if let Some(failure) = sources.into_iter().flatten().find_map(code_failure) {
            return failure;
        }
        if evidence.www_authenticate_error() == Some("invalid_token")
            && evidence
                .www_authenticate_description()
                .is_some_and(|d| d.to_ascii_lowercase().contains("expired"))
        {
            return AuthFailure::ExpiredToken;
        }
        if evidence.auth_scheme == Some(AuthScheme::None) {
            return AuthFailure::MissingAuthorization;
        }
        AuthFailure::Other
    }

    /// The stable name: `missing_authorization`, `invalid_api_key`, `token_expired`,
    /// `refresh_token_reused`, `refresh_token_revoked`, `refresh_token_expired`,
    /// `missing_scope`, `other`.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthFailure::MissingAuthorization => "missing_authorization",
            AuthFailure::InvalidApiKey => "invalid_api_key",
            AuthFailure::ExpiredToken => "token_expired",
            AuthFailure::RefreshTokenReused => "refresh_token_reused",
            AuthFailure::RefreshTokenRevoked => "refresh_token_revoked",
            AuthFailure::RefreshTokenExpired => "refresh_token_expired",
            AuthFailure::MissingScope => "missing_scope",
            AuthFailure::Other => "other",
        }
    }

    /// Whether only the user can fix it (sign in again): a revoked or expired refresh token.
    /// A reused refresh token is not permanent: stored credentials may already be newer.
    pub fn is_permanent(self) -> bool {
        matches!(
            self,
            AuthFailure::RefreshTokenRevoked | AuthFailure::RefreshTokenExpired
        )
    }
}

impl fmt::Display for AuthFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

fn code_failure(code: &str) -> Option<AuthFailure> {
    let normalized = code.trim().to_ascii_lowercase().replace('-', "_");
    KNOWN_CODES
        .iter()
        .find(|(known, _)| normalized == *known)
        .or_else(|| {
            KNOWN_CODES
                .iter()
                .find(|(known, _)| contains_word(&normalized, known))
        })
        .map(|(_, failure)| *failure)
}

/// Whether `needle` occurs in `haystack` bounded by non-identifier characters.
fn contains_word(haystack: &str, needle: &str) -> bool {
    haystack.match_indices(needle).any(|(start, _)| {
        let before = haystack.get(..start).and_then(|s| s.chars().next_back());
        let after = haystack
            .get(start + needle.len()..)
            .and_then(|s| s.chars().next());
        let boundary = |c: Option<char>| c.is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_'));
        boundary(before) && boundary(after)
    })
}
