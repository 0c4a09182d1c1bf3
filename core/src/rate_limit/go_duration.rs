//! Go-style durations (`time.Duration.String()`), as sent in `x-ratelimit-reset-*`.

use std::time::Duration;

/// The largest duration Go can represent: `2^63 − 1` nanoseconds (about 292 years).
const MAX_NANOS: u128 = i64::MAX as u128;

/// Parses a Go duration string such as `1s`, `6m0s`, `20ms`, `8.64s`, `1h2m3.5s`, `100us`,
/// `100µs` or `0s`.
///
/// Grammar (Go's `time.ParseDuration`, minus negatives): an optional `+`, then one or more
/// `<number><unit>` groups, where a number is digits with an optional fraction (`1`, `1.5`,
/// `.5`, `1.`) and a unit is `ns`, `us`, `µs` (U+00B5), `μs` (U+03BC), `ms`, `s`, `m` or `h`.
/// The bare string `0` is also accepted. Fractions are exact to the nanosecond (truncated below
/// it). Strict: whitespace, a missing or unknown unit, a sign `-`, an empty string, or a total
/// above `2^63 − 1` ns all give `None`.
///
/// ```
/// use std::time::Duration;
/// use codex_api_core::rate_limit::parse_go_duration;
///
/// assert_eq!(parse_go_duration("6m0s"), Some(Duration::from_secs(360)));
/// assert_eq!(parse_go_duration("8.64s"), Some(Duration::from_millis(8640)));
/// assert_eq!(parse_go_duration("-1s"), None);
/// ```
pub fn parse_go_duration(text: &str) -> Option<Duration> {
    let body = text.strip_prefix('+').unwrap_or(text);
    if body == "0" {
        return Some(Duration::ZERO);
    }
    if body.is_empty() {
        return None;
    }
    let mut rest = body;
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let (nanos, after) = parse_group(rest)?;
        total = total
            .checked_add(nanos)
            .filter(|total| *total <= MAX_NANOS)?;
        rest = after;
    }
    let secs = u64::try_from(total / 1_000_000_000).ok()?;
    let subsec = u32::try_from(total % 1_000_000_000).ok()?;
    Some(Duration::new(secs, subsec))
}

/// One `<number><unit>` group: its value in nanoseconds and the remaining text.
fn parse_group(text: &str) -> Option<(u128, &str)> {
    let (whole, rest) = split_digits(text);
    let (fraction, rest) = match rest.strip_prefix('.') {
        Some(after_dot) => split_digits(after_dot),
        None => ("", rest),
    };
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    let unit_len = rest
        .find(|c: char| c.is_ascii_digit() || c == '.')
        .unwrap_or(rest.len());
    let (unit, rest) = rest.split_at(unit_len);
    let unit_nanos = unit_nanos(unit)?;

    let mut whole_value: u128 = 0;
    for digit in whole.bytes() {
        whole_value = whole_value
            .checked_mul(10)?
            .checked_add(u128::from(digit - b'0'))?;
        if whole_value > MAX_NANOS {
            return None;
        }
    }
    let mut nanos = whole_value.checked_mul(unit_nanos)?;

    // The fraction contributes fraction × unit / 10^digits; digits past what can change the
    // result at nanosecond precision (unit ≤ 3.6e12 ns, so 13 digits suffice; 20 are kept) are
    // ignored, as Go does once its accumulator would overflow.
    let mut numerator: u128 = 0;
    let mut scale: u128 = 1;
    for digit in fraction.bytes().take(20) {
        numerator = numerator * 10 + u128::from(digit - b'0');
        scale *= 10;
    }
    nanos = nanos.checked_add(numerator * unit_nanos / scale)?;
    Some((nanos, rest))
}

/// Splits off the leading ASCII digits.
fn split_digits(text: &str) -> (&str, &str) {
    let end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    text.split_at(end)
}

fn unit_nanos(unit: &str) -> Option<u128> {
    Some(match unit {
        "ns" => 1,
        "us" | "\u{00B5}s" | "\u{03BC}s" => 1_000,
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        "m" => 60_000_000_000,
        "h" => 3_600_000_000_000,
        _ => return None,
    })
}
