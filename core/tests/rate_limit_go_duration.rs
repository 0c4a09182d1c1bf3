//! Table tests for Go-style durations (`x-ratelimit-reset-*`).

use std::time::Duration;

use codex_api_core::rate_limit::parse_go_duration;

#[test]
fn valid_durations() {
    let cases = [
        ("0", Duration::ZERO),
        ("+0", Duration::ZERO),
        ("0s", Duration::ZERO),
        ("1s", Duration::from_secs(1)),
        ("+1s", Duration::from_secs(1)),
        ("6m0s", Duration::from_secs(360)),
        ("20ms", Duration::from_millis(20)),
        ("8.64s", Duration::from_millis(8640)),
        ("1h2m3.5s", Duration::from_millis(3_723_500)),
        ("100us", Duration::from_micros(100)),
        ("100\u{00B5}s", Duration::from_micros(100)),
        ("100\u{03BC}s", Duration::from_micros(100)),
        ("7ns", Duration::from_nanos(7)),
        ("1.5h", Duration::from_secs(5400)),
        (".5s", Duration::from_millis(500)),
        ("1.s", Duration::from_secs(1)),
        ("1s1s", Duration::from_secs(2)),
        ("2h45m", Duration::from_secs(9900)),
        ("0.000000001s", Duration::from_nanos(1)),
        ("0.0000000019s", Duration::from_nanos(1)),
        ("1.00000000000000000000000000001s", Duration::from_secs(1)),
        ("3m0.5s", Duration::from_millis(180_500)),
        ("1.001ms", Duration::from_nanos(1_001_000)),
        (
            "9223372036854775807ns",
            Duration::from_nanos(i64::MAX as u64),
        ),
        ("2562047h", Duration::from_secs(2_562_047 * 3600)),
    ];
    for (text, expected) in cases {
        assert_eq!(parse_go_duration(text), Some(expected), "{text:?}");
    }
}

#[test]
fn invalid_durations() {
    let cases = [
        "",
        "+",
        "-1s",
        "-0",
        "1",
        "00",
        "s",
        ".s",
        ".",
        "1.5",
        "1x",
        "1sec",
        "1S",
        "1 s",
        " 1s",
        "1s ",
        "1d",
        "1..5s",
        "1.2.3s",
        "1s-1s",
        "1e3s",
        "inf",
        "NaN",
        "\u{00B5}s",
        "9223372036854775808ns",
        "2562048h",
        "9223372036854775807ns1ns",
        "99999999999999999999999999999999999999999h",
        "1h-",
    ];
    for text in cases {
        assert_eq!(parse_go_duration(text), None, "{text:?}");
    }
}
