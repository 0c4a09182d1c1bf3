//! OpenAI Platform rate-limit headers: `x-ratelimit-{limit,remaining,reset}-{requests,tokens}`.

use std::time::Duration;

use http::HeaderMap;

use super::codex_headers::header_str;
use super::go_duration::parse_go_duration;

/// One OpenAI rate limit (requests or tokens), as reported on a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OpenAiRateLimit {
    /// The limit per window (`x-ratelimit-limit-*`).
    pub limit: Option<u64>,
    /// What is left in the current window (`x-ratelimit-remaining-*`).
    pub remaining: Option<u64>,
    /// Time until the window resets (`x-ratelimit-reset-*`, a Go duration such as `6m0s`).
    pub reset_after: Option<Duration>,
}

/// The OpenAI request and token rate limits reported on a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OpenAiRateLimits {
    /// The request limit (`x-ratelimit-*-requests`), if any of its headers was valid.
    pub requests: Option<OpenAiRateLimit>,
    /// The token limit (`x-ratelimit-*-tokens`), if any of its headers was valid.
    pub tokens: Option<OpenAiRateLimit>,
}

/// Reads the `x-ratelimit-{limit,remaining,reset}-{requests,tokens}` headers.
///
/// `limit` and `remaining` must be non-negative integers and `reset` a Go duration
/// ([`parse_go_duration`], read as UTF-8 so `µs` works); each malformed header is dropped on its own, and a limit with no
/// valid header at all is `None`.
///
/// ```
/// use std::time::Duration;
/// use codex_api_core::rate_limit::openai_rate_limits;
///
/// let mut headers = http::HeaderMap::new();
/// headers.insert("x-ratelimit-remaining-tokens", "149984".parse().unwrap());
/// headers.insert("x-ratelimit-reset-tokens", "6m0s".parse().unwrap());
/// let limits = openai_rate_limits(&headers);
/// let tokens = limits.tokens.unwrap();
/// assert_eq!(tokens.remaining, Some(149_984));
/// assert_eq!(tokens.reset_after, Some(Duration::from_secs(360)));
/// assert_eq!(limits.requests, None);
/// ```
pub fn openai_rate_limits(headers: &HeaderMap) -> OpenAiRateLimits {
    OpenAiRateLimits {
        requests: limit(headers, "requests"),
        tokens: limit(headers, "tokens"),
    }
}

fn limit(headers: &HeaderMap, what: &str) -> Option<OpenAiRateLimit> {
    let number = |kind: &str| {
        header_str(headers, &format!("x-ratelimit-{kind}-{what}"))
            .and_then(|text| text.parse::<u64>().ok())
    };
    let parsed = OpenAiRateLimit {
        limit: number("limit"),
        remaining: number("remaining"),
        reset_after: header_utf8(headers, &format!("x-ratelimit-reset-{what}"))
            .and_then(parse_go_duration),
    };
    (parsed != OpenAiRateLimit::default()).then_some(parsed)
}

/// The first value of header `name` as trimmed UTF-8 (so `100µs` survives, which
/// [`http::HeaderValue::to_str`] would refuse as non-ASCII).
fn header_utf8<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    std::str::from_utf8(headers.get(name)?.as_bytes())
        .ok()
        .map(str::trim)
}
