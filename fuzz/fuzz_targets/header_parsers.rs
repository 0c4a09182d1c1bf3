//! Fuzz target: the header and small-text parsers.
//!
//! Arbitrary headers (biased towards the names the parsers read) and generated valid values go
//! through `snapshots_from_headers`, `openai_rate_limits`, `snapshot_from_event`,
//! `server_delay` (with an arbitrary `SystemTime`, before the epoch included),
//! `should_retry_header`, the `x-error-json` decoding of `UnauthorizedEvidence` and
//! `parse_go_duration`. Checked:
//! - no panic;
//! - every window's `used_percent` is finite, limit ids are normalised (lower case, no `-`);
//! - Go durations built from generated groups parse to exactly the sum of the groups
//!   (fractions truncated to the nanosecond), or `None` above `2^63 - 1` ns; a duration
//!   printed `<h>h<m>m<s>.<ns>s` parses back to itself; `openai_rate_limits` agrees with
//!   `parse_go_duration` on the reset headers;
//! - `retry-after-ms: <n>` gives exactly `n` ms; `retry-after: <n>` gives `n` s; an
//!   HTTP-date gives the distance from `now` (zero in the past); `x-should-retry` reads
//!   `true`/`false` in any ASCII case;
//! - a base64 `x-error-json` of `{"error":{"code":C}}` (any of the four alphabets) yields `C`
//!   (for a plain word `C`: a credential-shaped one is masked on purpose).
#![no_main]

use std::time::{Duration, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use codex_api_core::auth_scheme::AuthScheme;
use codex_api_core::rate_limit::{
    RateLimitSnapshot, openai_rate_limits, parse_go_duration, snapshot_from_event,
    snapshots_from_headers,
};
use codex_api_core::retry::{server_delay, should_retry_header};
use codex_api_core::unauthorized::UnauthorizedEvidence;
use http::{HeaderMap, HeaderName, HeaderValue};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;

const MAX_NANOS: u128 = i64::MAX as u128;

const HEADER_NAMES: &[&str] = &[
    "x-codex-primary-used-percent",
    "x-codex-primary-window-minutes",
    "x-codex-primary-reset-at",
    "x-codex-secondary-used-percent",
    "x-codex-secondary-window-minutes",
    "x-codex-secondary-reset-at",
    "x-codex-limit-name",
    "x-codex-credits-has-credits",
    "x-codex-credits-unlimited",
    "x-codex-credits-balance",
    "x-codex-other-primary-used-percent",
    "x-Codex_Other-secondary-reset-at",
    "x-ratelimit-limit-requests",
    "x-ratelimit-remaining-requests",
    "x-ratelimit-reset-requests",
    "x-ratelimit-limit-tokens",
    "x-ratelimit-remaining-tokens",
    "x-ratelimit-reset-tokens",
    "retry-after",
    "retry-after-ms",
    "x-should-retry",
    "x-error-json",
];

const UNITS: &[(&str, u128)] = &[
    ("ns", 1),
    ("us", 1_000),
    ("µs", 1_000),
    ("μs", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
];

#[derive(Debug, Arbitrary)]
struct Header {
    name: u8,
    custom_name: Option<String>,
    value: Vec<u8>,
}

#[derive(Debug, Arbitrary)]
struct GoGroup {
    whole: Option<u32>,
    /// Fraction digits (as text, only the ASCII digits are kept).
    fraction: Option<String>,
    unit: u8,
}

#[derive(Debug, Arbitrary)]
enum RetryAfter {
    Millis(u32),
    Seconds(u32),
    /// Seconds since the epoch of an HTTP date.
    Date(u32),
    ShouldRetry {
        value: bool,
        case_mask: u8,
    },
}

#[derive(Debug, Arbitrary)]
struct Input {
    headers: Vec<Header>,
    /// `now`: seconds from the epoch (negative: before it) and nanoseconds.
    now_secs: i64,
    now_nanos: u32,
    go_text: String,
    go_groups: Vec<GoGroup>,
    go_plus: bool,
    duration_nanos: u64,
    retry: Option<RetryAfter>,
    error_json_code: Option<String>,
    error_json_alphabet: u8,
    error_json_nested: bool,
    event: String,
}

fn check_snapshot(snapshot: &RateLimitSnapshot) {
    assert!(!snapshot.limit_id.contains('-'), "{:?}", snapshot.limit_id);
    assert_eq!(snapshot.limit_id, snapshot.limit_id.to_ascii_lowercase());
    for window in [&snapshot.primary, &snapshot.secondary]
        .into_iter()
        .flatten()
    {
        assert!(window.used_percent.is_finite());
    }
}

/// The generated Go duration text and its exact value in nanoseconds.
fn go_text(groups: &[GoGroup], plus: bool) -> Option<(String, u128)> {
    let mut text = String::from(if plus { "+" } else { "" });
    let mut total: u128 = 0;
    for group in groups.iter().take(8) {
        let (unit, scale) = UNITS[usize::from(group.unit) % UNITS.len()];
        let digits: String = group
            .fraction
            .as_deref()
            .unwrap_or("")
            .chars()
            .filter(char::is_ascii_digit)
            .take(30)
            .collect();
        if group.whole.is_none() && digits.is_empty() {
            return None;
        }
        if let Some(whole) = group.whole {
            text.push_str(&whole.to_string());
            total += u128::from(whole) * scale;
        }
        if group.fraction.is_some() {
            text.push('.');
            text.push_str(&digits);
            // The fraction's value in nanoseconds, truncated: digits * scale / 10^len.
            let mut numerator: u128 = 0;
            let mut denominator: u128 = 1;
            for digit in digits.bytes() {
                // Digits past the 20th cannot change a truncated nanosecond count of a unit of
                // at most an hour (3.6e12 ns); keep the arithmetic in range.
                if denominator >= 10u128.pow(20) {
                    break;
                }
                numerator = numerator * 10 + u128::from(digit - b'0');
                denominator *= 10;
            }
            total += numerator * scale / denominator;
        }
        text.push_str(unit);
    }
    if groups.is_empty() {
        return None;
    }
    Some((text, total))
}

fn with_case(text: &str, mask: u8) -> String {
    text.chars()
        .enumerate()
        .map(|(i, c)| {
            if mask & (1 << (i % 8)) != 0 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect()
}

fuzz_target!(|input: Input| {
    let mut headers = HeaderMap::new();
    for header in input.headers.iter().take(32) {
        let name = match &header.custom_name {
            Some(custom) => match HeaderName::from_bytes(custom.as_bytes()) {
                Ok(name) => name,
                Err(_) => continue,
            },
            None => match HeaderName::from_bytes(
                HEADER_NAMES[usize::from(header.name) % HEADER_NAMES.len()].as_bytes(),
            ) {
                Ok(name) => name,
                Err(_) => continue,
            },
        };
        let Ok(value) = HeaderValue::from_bytes(&header.value) else {
            continue;
        };
        headers.append(name, value);
    }
    let now = if input.now_secs >= 0 {
        UNIX_EPOCH.checked_add(Duration::new(
            input.now_secs.unsigned_abs(),
            input.now_nanos % 1_000_000_000,
        ))
    } else {
        UNIX_EPOCH.checked_sub(Duration::new(
            input.now_secs.unsigned_abs(),
            input.now_nanos % 1_000_000_000,
        ))
    };
    let now = now.unwrap_or(UNIX_EPOCH);

    // Arbitrary headers: no panic, sane results.
    for snapshot in snapshots_from_headers(&headers) {
        check_snapshot(&snapshot);
    }
    let limits = openai_rate_limits(&headers);
    for (limit, what) in [(&limits.requests, "requests"), (&limits.tokens, "tokens")] {
        if let Some(limit) = limit {
            let reset = headers
                .get(format!("x-ratelimit-reset-{what}"))
                .and_then(|value| std::str::from_utf8(value.as_bytes()).ok())
                .and_then(|text| parse_go_duration(text.trim()));
            assert_eq!(limit.reset_after, reset);
        }
    }
    let _ = server_delay(&headers, now);
    let _ = should_retry_header(&headers);
    let evidence = UnauthorizedEvidence::from_response(AuthScheme::Bearer, &headers, b"");
    let _ = evidence.classify();
    if let Ok(snapshot) = snapshot_from_event(&input.event) {
        check_snapshot(&snapshot);
    }
    if let Some(duration) = parse_go_duration(&input.go_text) {
        assert!(duration.as_nanos() <= MAX_NANOS);
    }

    // Generated Go durations: exact values.
    if let Some((text, nanos)) = go_text(&input.go_groups, input.go_plus) {
        let parsed = parse_go_duration(&text);
        if nanos > MAX_NANOS {
            assert_eq!(parsed, None, "{text}");
        } else {
            let expected = Duration::new(
                (nanos / 1_000_000_000) as u64,
                (nanos % 1_000_000_000) as u32,
            );
            assert_eq!(parsed, Some(expected), "{text}");
        }
    }
    let duration = Duration::from_nanos(input.duration_nanos % (i64::MAX as u64 + 1));
    let secs = duration.as_secs();
    let printed = format!(
        "{}h{}m{}.{:09}s",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60,
        duration.subsec_nanos()
    );
    assert_eq!(parse_go_duration(&printed), Some(duration), "{printed}");
    let mut reset = HeaderMap::new();
    reset.insert(
        "x-ratelimit-reset-tokens",
        HeaderValue::from_str(&printed).unwrap(),
    );
    assert_eq!(
        openai_rate_limits(&reset)
            .tokens
            .and_then(|tokens| tokens.reset_after),
        Some(duration)
    );

    // Generated retry hints: exact values.
    if let Some(retry) = &input.retry {
        let mut hint = HeaderMap::new();
        match retry {
            RetryAfter::Millis(ms) => {
                hint.insert("retry-after-ms", HeaderValue::from(*ms));
                assert_eq!(
                    server_delay(&hint, now),
                    Some(Duration::from_millis(u64::from(*ms)))
                );
            }
            RetryAfter::Seconds(secs) => {
                hint.insert("retry-after", HeaderValue::from(*secs));
                assert_eq!(
                    server_delay(&hint, now),
                    Some(Duration::from_secs(u64::from(*secs)))
                );
            }
            RetryAfter::Date(secs) => {
                let date = UNIX_EPOCH + Duration::from_secs(u64::from(*secs));
                let text = httpdate::fmt_http_date(date);
                hint.insert("retry-after", HeaderValue::from_str(&text).unwrap());
                let expected = date.duration_since(now).unwrap_or(Duration::ZERO);
                assert_eq!(server_delay(&hint, now), Some(expected), "{text}");
            }
            RetryAfter::ShouldRetry { value, case_mask } => {
                let text = with_case(if *value { " true" } else { "false " }, *case_mask);
                hint.insert("x-should-retry", HeaderValue::from_str(&text).unwrap());
                assert_eq!(should_retry_header(&hint), Some(*value));
            }
        }
    }

    // Generated x-error-json: the code comes back.
    if let Some(code) = &input.error_json_code {
        // A code shaped like a credential (`rt_…`, `sk-…`, a JWT) is masked on purpose.
        let simple = !code.is_empty()
            && code.len() <= 64
            && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            && !code.starts_with("rt_");
        let json = if input.error_json_nested {
            serde_json::json!({ "error": { "code": code, "message": "m" } })
        } else {
            serde_json::json!({ "code": code })
        };
        let json = json.to_string();
        let encoded = match input.error_json_alphabet % 4 {
            0 => STANDARD.encode(&json),
            1 => STANDARD_NO_PAD.encode(&json),
            2 => URL_SAFE.encode(&json),
            _ => URL_SAFE_NO_PAD.encode(&json),
        };
        let mut error_json = HeaderMap::new();
        error_json.insert("x-error-json", HeaderValue::from_str(&encoded).unwrap());
        let evidence = UnauthorizedEvidence::from_response(AuthScheme::Bearer, &error_json, b"");
        if simple {
            assert_eq!(
                evidence.error_json_code.as_deref(),
                Some(code.as_str()),
                "{json}"
            );
        }
    }
});
