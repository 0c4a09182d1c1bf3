//! Bounding and scrubbing of server-supplied text before it is kept in an error.
//!
//! Everything an error keeps from a response (messages, codes, header values) passes through
//! here: it is cut to a byte bound on a `char` boundary, control characters become spaces, and
//! anything that looks like a credential (`sk-…` keys, `Bearer …` values, JWTs) is masked.

use http::HeaderMap;

/// Upper bound, in bytes, of a kept server message (before the `…` marker).
pub const MAX_MESSAGE_BYTES: usize = 1024;

/// Upper bound, in bytes, of a kept short fact (error code, request id, header value).
pub const MAX_FACT_BYTES: usize = 256;

/// How far past the bound text is scanned for secrets before the final cut.
const PRE_CUT_SLACK: usize = 512;

/// The marker appended to a message that was cut short.
pub const TRUNCATION_MARKER: &str = "…";

/// Cuts `text` to at most `max` bytes on a `char` boundary; returns the prefix and whether
/// anything was dropped.
pub(crate) fn cut_at_char_boundary(text: &str, max: usize) -> (&str, bool) {
    if text.len() <= max {
        return (text, false);
    }
    let mut end = max;
    while end > 0 && !text.is_char_boundary(end) {
        end -= 1;
    }
    (text.get(..end).unwrap_or(""), true)
}

/// Bounds, de-controls and masks a server message. Empty (after trimming) → `None`.
pub(crate) fn bounded_message(text: &str) -> Option<String> {
    bounded(text, MAX_MESSAGE_BYTES)
}

/// Bounds, de-controls and masks a short fact. Empty (after trimming) → `None`.
pub(crate) fn bounded_fact(text: &str) -> Option<String> {
    bounded(text, MAX_FACT_BYTES)
}

fn bounded(text: &str, max: usize) -> Option<String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return None;
    }
    // Mask before the final cut so a secret cut in half by the bound cannot survive as a
    // prefix; the generous pre-cut keeps the work proportional to the bound, not the input.
    let (window, _) = cut_at_char_boundary(trimmed, max.saturating_add(PRE_CUT_SLACK));
    let masked = mask_secrets(window);
    let (kept, truncated) = cut_at_char_boundary(&masked, max);
    let mut out: String = kept
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if truncated {
        out.push_str(TRUNCATION_MARKER);
    }
    Some(out)
}

/// Reads a header as trimmed, bounded, masked text; absent, non-UTF-8 or blank → `None`.
pub(crate) fn header_fact(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .and_then(bounded_fact)
}

/// The request id: `x-request-id`, else `x-oai-request-id`.
pub(crate) fn request_id(headers: &HeaderMap) -> Option<String> {
    header_fact(headers, "x-request-id").or_else(|| header_fact(headers, "x-oai-request-id"))
}

/// The Cloudflare ray id (`cf-ray`).
pub(crate) fn cf_ray(headers: &HeaderMap) -> Option<String> {
    header_fact(headers, "cf-ray")
}

const MASK: &str = "[redacted]";

/// Replaces credential-looking words with `[redacted]`: OpenAI keys (`sk-…`), JWTs (`eyJ….….…`)
/// and the word following `Bearer` / `AgentAssertion`. Already-masked keys (containing `*`)
/// are left alone because they are what the server chose to show.
pub(crate) fn mask_secrets(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut mask_next = false;
    let mut rest = text;
    while !rest.is_empty() {
        let word_start = rest.find(|c: char| !is_separator(c)).unwrap_or(rest.len());
        let (separators, tail) = rest.split_at(word_start);
        out.push_str(separators);
        let word_end = tail.find(is_separator).unwrap_or(tail.len());
        let (word, after) = tail.split_at(word_end);
        if word.is_empty() {
            break;
        }
        // After `Bearer`, an auth-param (`error="…"`, `realm=x`) is a challenge, not a token.
        let auth_param = word.trim_end_matches('=').contains('=')
            || (word.ends_with('=') && after.starts_with('"'));
        if (mask_next && !auth_param) || looks_like_secret(word) {
            out.push_str(MASK);
        } else {
            out.push_str(word);
        }
        mask_next =
            word.eq_ignore_ascii_case("bearer") || word.eq_ignore_ascii_case("agentassertion");
        rest = after;
    }
    out
}

fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '"' | '\'' | ',' | ';' | '(' | ')' | '<' | '>' | '`')
}

fn looks_like_secret(word: &str) -> bool {
    if word.contains('*') {
        return false;
    }
    let is_key = word.len() >= 12
        && (word.starts_with("sk-") || word.starts_with("sess-") || word.starts_with("rt_"));
    let is_jwt = word.starts_with("eyJ") && word.matches('.').count() >= 2 && word.len() >= 20;
    is_key || is_jwt
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_respects_char_boundaries() {
        let text = "aé"; // 'é' is 2 bytes at offset 1
        assert_eq!(cut_at_char_boundary(text, 2), ("a", true));
        assert_eq!(cut_at_char_boundary(text, 3), ("aé", false));
        assert_eq!(cut_at_char_boundary("", 0), ("", false));
    }

    #[test]
    fn masks_keys_jwts_and_bearer_values() {
        assert_eq!(
            mask_secrets("bad key sk-proj-abcdefghijkl here"),
            "bad key [redacted] here"
        );
        assert_eq!(mask_secrets("Bearer abc.def"), "Bearer [redacted]");
        assert_eq!(mask_secrets("Bearer abc=="), "Bearer [redacted]");
        assert_eq!(
            mask_secrets(r#"Bearer realm="OpenAI", error=invalid_token"#),
            r#"Bearer realm="OpenAI", error=invalid_token"#
        );
        assert_eq!(
            mask_secrets("token eyJhbGciOi.eyJzdWIiOiIx.c2lnbmF0dXJl"),
            "token [redacted]"
        );
        assert_eq!(mask_secrets("sk-proj-****abcd"), "sk-proj-****abcd");
        assert_eq!(mask_secrets("plain words, only."), "plain words, only.");
    }

    #[test]
    fn bounded_replaces_controls_and_marks_truncation() {
        assert_eq!(bounded_fact("  a\u{0}b\n "), Some("a b".to_string()));
        assert_eq!(bounded_fact("   "), None);
        let long = "x".repeat(MAX_FACT_BYTES + 10);
        let kept = bounded_fact(&long).unwrap();
        assert_eq!(kept.len(), MAX_FACT_BYTES + TRUNCATION_MARKER.len());
        assert!(kept.ends_with(TRUNCATION_MARKER));
    }
}
