//! Properties of the rate-limit parsers: round trips and no panics on any input.

use std::time::Duration;

use codex_api_core::rate_limit::{
    openai_rate_limits, parse_go_duration, snapshot_from_event, snapshots_from_headers,
};
use http::{HeaderMap, HeaderValue, header::HeaderName};
use proptest::prelude::*;

/// Formats `nanos` the way Go's `Duration.String()` does for values of a second or more,
/// and with explicit zero components otherwise (both are valid input).
fn go_format(nanos: u64) -> String {
    let secs = nanos / 1_000_000_000;
    let frac = nanos % 1_000_000_000;
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    let frac = format!("{frac:09}");
    let frac = frac.trim_end_matches('0');
    let seconds = if frac.is_empty() {
        format!("{s}s")
    } else {
        format!("{s}.{frac}s")
    };
    match (h, m) {
        (0, 0) => seconds,
        (0, m) => format!("{m}m{seconds}"),
        (h, m) => format!("{h}h{m}m{seconds}"),
    }
}

proptest! {
    #[test]
    fn go_duration_round_trips(nanos in 0u64..=i64::MAX as u64) {
        let text = go_format(nanos);
        prop_assert_eq!(parse_go_duration(&text), Some(Duration::from_nanos(nanos)), "{}", text);
    }

    #[test]
    fn go_duration_small_units_round_trip(value in 0u64..1_000_000, unit in 0usize..4) {
        let (suffix, scale) = [("ns", 1u64), ("us", 1_000), ("\u{00B5}s", 1_000), ("ms", 1_000_000)][unit];
        let text = format!("{value}{suffix}");
        prop_assert_eq!(parse_go_duration(&text), Some(Duration::from_nanos(value * scale)));
    }

    #[test]
    fn go_duration_never_panics(text in "\\PC{0,40}", noise in "[0-9.+\\-a-z\u{00B5}\u{03BC}]{0,30}") {
        let _ = parse_go_duration(&text);
        let _ = parse_go_duration(&noise);
    }

    #[test]
    fn header_parsers_never_panic(
        pairs in proptest::collection::vec(
            (
                prop_oneof![
                    Just("x-codex-primary-used-percent".to_owned()),
                    Just("x-codex-secondary-reset-at".to_owned()),
                    Just("x-codex-credits-has-credits".to_owned()),
                    Just("x-codex-credits-unlimited".to_owned()),
                    Just("x-ratelimit-reset-tokens".to_owned()),
                    Just("x-ratelimit-limit-requests".to_owned()),
                    "x-[a-z-]{1,12}-(primary|secondary)-(used-percent|window-minutes|reset-at)",
                    "x-[a-z-]{1,12}-limit-name",
                ],
                proptest::collection::vec(any::<u8>(), 0..24),
            ),
            0..12,
        ),
    ) {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            if let (Ok(name), Ok(value)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_bytes(&value)) {
                headers.append(name, value);
            }
        }
        let snapshots = snapshots_from_headers(&headers);
        for (index, snapshot) in snapshots.iter().enumerate() {
            prop_assert!(snapshot.has_data());
            if index > 0 {
                prop_assert_ne!(&snapshot.limit_id, "codex");
            }
            if index > 1 {
                prop_assert!(snapshots[index - 1].limit_id < snapshot.limit_id);
            }
            for window in [snapshot.primary, snapshot.secondary].into_iter().flatten() {
                prop_assert!(window.used_percent.is_finite());
            }
        }
        let _ = openai_rate_limits(&headers);
    }

    #[test]
    fn event_parser_never_panics(data in "\\PC{0,200}") {
        let _ = snapshot_from_event(&data);
        let wrapped = format!(r#"{{"type":"codex.rate_limits","rate_limits":{data}}}"#);
        let _ = snapshot_from_event(&wrapped);
    }
}
