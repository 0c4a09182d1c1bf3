//! Server-provided retry hints: `retry-after-ms`, `retry-after` and `x-should-retry`.

use std::time::{Duration, SystemTime};

use http::HeaderMap;

/// The delay the server asked for before the next attempt, if it asked for one.
///
/// Rules, in order (the first header that yields a valid delay wins):
///
/// 1. `retry-after-ms`: a decimal number of milliseconds, fractions allowed (`"1500"`, `"12.5"`).
/// 2. `retry-after` as a decimal number of seconds, fractions allowed (`"2"`, `"0.75"`).
/// 3. `retry-after` as an HTTP-date (RFC 9110 `IMF-fixdate`, or the obsolete RFC 850 and asctime
///    forms), taken relative to `now`; a date in the past gives [`Duration::ZERO`].
///
/// A header that is negative, `inf`, `nan`, not valid UTF-8 or otherwise malformed is ignored
/// (the next rule is tried), so a broken `retry-after-ms` falls back to `retry-after`. Only the
/// first value of each header is read. Surrounding whitespace is ignored. Values too large for a
/// [`Duration`] saturate to [`Duration::MAX`]; nothing here panics.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use codex_api_core::retry::server_delay;
///
/// let mut headers = http::HeaderMap::new();
/// headers.insert("retry-after", "2.5".parse().unwrap());
/// assert_eq!(server_delay(&headers, UNIX_EPOCH), Some(Duration::from_millis(2500)));
/// headers.insert("retry-after-ms", "120".parse().unwrap());
/// assert_eq!(server_delay(&headers, UNIX_EPOCH), Some(Duration::from_millis(120)));
/// ```
pub fn server_delay(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    if let Some(ms) = header_str(headers, "retry-after-ms").and_then(parse_non_negative) {
        return Some(duration_from_secs_saturating(ms / 1000.0));
    }
    let retry_after = header_str(headers, "retry-after")?;
    if let Some(secs) = parse_non_negative(retry_after) {
        return Some(duration_from_secs_saturating(secs));
    }
    let date = httpdate::parse_http_date(retry_after).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The server's explicit verdict from `x-should-retry`: `true` → `Some(true)`, `false` →
/// `Some(false)` (ASCII case-insensitive, surrounding whitespace ignored); absent or anything
/// else → `None`.
///
/// ```
/// use codex_api_core::retry::should_retry_header;
///
/// let mut headers = http::HeaderMap::new();
/// assert_eq!(should_retry_header(&headers), None);
/// headers.insert("x-should-retry", "false".parse().unwrap());
/// assert_eq!(should_retry_header(&headers), Some(false));
/// ```
pub fn should_retry_header(headers: &HeaderMap) -> Option<bool> {
    let value = header_str(headers, "x-should-retry")?;
    if value.eq_ignore_ascii_case("true") {
        Some(true)
    } else if value.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// The first value of header `name` as trimmed text, if it is valid visible ASCII.
fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name)?.to_str().ok().map(str::trim)
}

/// A finite, non-negative decimal number; `None` for anything else.
///
/// Only plain decimal notation is accepted (digits with at most one `.`; exponents and signs are
/// refused), so `inf`, `nan`, `1e3`, `+1`, `0x10` and `-1` are all rejected. A digit string too
/// long for an `f64` saturates to `f64::MAX`.
fn parse_non_negative(text: &str) -> Option<f64> {
    let mut seen_digit = false;
    let mut seen_dot = false;
    for byte in text.bytes() {
        match byte {
            b'0'..=b'9' => seen_digit = true,
            b'.' if !seen_dot => seen_dot = true,
            _ => return None,
        }
    }
    if !seen_digit {
        return None;
    }
    let value: f64 = text.parse().ok()?;
    // Only digits and one dot got here, so an infinite result means "too many digits":
    // saturate instead of rejecting a value that is merely huge.
    Some(if value.is_finite() { value } else { f64::MAX })
}

/// `secs` as a [`Duration`], saturating at [`Duration::MAX`]; negative or NaN gives zero.
pub(super) fn duration_from_secs_saturating(secs: f64) -> Duration {
    if secs.is_nan() || secs <= 0.0 {
        return Duration::ZERO;
    }
    Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX)
}
