//! Table tests for `retry-after-ms`, `retry-after` and `x-should-retry` parsing.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use codex_api_core::retry::{server_delay, should_retry_header};
use http::{HeaderMap, HeaderValue};

/// 2015-10-21T07:28:00Z, the `Wed, 21 Oct 2015 07:28:00 GMT` of RFC 9110's example.
fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_445_412_480)
}

/// Header name/value pairs of one table case.
type Pairs<'a> = &'a [(&'a str, &'a [u8])];

fn headers(pairs: &[(&str, &[u8])]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.append(
            http::header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_bytes(value).unwrap(),
        );
    }
    map
}

#[test]
fn retry_after_table() {
    let four_hundred_nines = "9".repeat(400);
    let cases: &[(&str, Pairs, Option<Duration>)] = &[
        ("absent", &[], None),
        (
            "seconds",
            &[("retry-after", b"2")],
            Some(Duration::from_secs(2)),
        ),
        (
            "zero seconds",
            &[("retry-after", b"0")],
            Some(Duration::ZERO),
        ),
        (
            "fractional seconds",
            &[("retry-after", b"1.5")],
            Some(Duration::from_millis(1500)),
        ),
        (
            "leading dot",
            &[("retry-after", b".25")],
            Some(Duration::from_millis(250)),
        ),
        (
            "whitespace trimmed",
            &[("retry-after", b" 3 ")],
            Some(Duration::from_secs(3)),
        ),
        (
            "milliseconds",
            &[("retry-after-ms", b"250")],
            Some(Duration::from_millis(250)),
        ),
        (
            "fractional milliseconds",
            &[("retry-after-ms", b"12.5")],
            Some(Duration::from_micros(12_500)),
        ),
        (
            "both present: ms wins",
            &[("retry-after", b"30"), ("retry-after-ms", b"100")],
            Some(Duration::from_millis(100)),
        ),
        (
            "malformed ms falls back to seconds",
            &[("retry-after-ms", b"soon"), ("retry-after", b"4")],
            Some(Duration::from_secs(4)),
        ),
        (
            "negative ms falls back to seconds",
            &[("retry-after-ms", b"-5"), ("retry-after", b"4")],
            Some(Duration::from_secs(4)),
        ),
        (
            "HTTP-date in the future",
            &[("retry-after", b"Wed, 21 Oct 2015 07:28:30 GMT")],
            Some(Duration::from_secs(30)),
        ),
        (
            "HTTP-date now",
            &[("retry-after", b"Wed, 21 Oct 2015 07:28:00 GMT")],
            Some(Duration::ZERO),
        ),
        (
            "HTTP-date in the past",
            &[("retry-after", b"Wed, 21 Oct 2015 07:00:00 GMT")],
            Some(Duration::ZERO),
        ),
        (
            "obsolete RFC 850 date",
            &[("retry-after", b"Wednesday, 21-Oct-15 07:29:00 GMT")],
            Some(Duration::from_secs(60)),
        ),
        (
            "asctime date",
            &[("retry-after", b"Wed Oct 21 07:28:10 2015")],
            Some(Duration::from_secs(10)),
        ),
        ("negative seconds", &[("retry-after", b"-1")], None),
        ("explicit plus sign", &[("retry-after", b"+1")], None),
        ("inf", &[("retry-after", b"inf")], None),
        ("infinity", &[("retry-after", b"Infinity")], None),
        ("nan", &[("retry-after", b"nan")], None),
        ("NaN ms", &[("retry-after-ms", b"NaN")], None),
        ("exponent", &[("retry-after", b"1e3")], None),
        ("hex", &[("retry-after", b"0x10")], None),
        ("text", &[("retry-after", b"later")], None),
        ("empty", &[("retry-after", b"")], None),
        ("lone dot", &[("retry-after", b".")], None),
        ("two dots", &[("retry-after", b"1.2.3")], None),
        ("unit suffix", &[("retry-after", b"5s")], None),
        ("non-ASCII bytes", &[("retry-after", b"5\xff")], None),
        (
            "bad date",
            &[("retry-after", b"Wed, 32 Oct 2015 07:28:00 GMT")],
            None,
        ),
        (
            "huge seconds saturate",
            &[("retry-after", b"99999999999999999999999999999")],
            Some(Duration::MAX),
        ),
        (
            "huge ms saturate",
            &[("retry-after-ms", b"99999999999999999999999999999999999")],
            Some(Duration::MAX),
        ),
        (
            "400 digits saturate",
            &[("retry-after", four_hundred_nines.as_bytes())],
            Some(Duration::MAX),
        ),
    ];
    for (name, pairs, expected) in cases {
        assert_eq!(
            server_delay(&headers(pairs), now()),
            *expected,
            "case {name:?}"
        );
    }
}

#[test]
fn only_first_value_is_read() {
    let map = headers(&[("retry-after", b"7"), ("retry-after", b"9")]);
    assert_eq!(server_delay(&map, now()), Some(Duration::from_secs(7)));
}

#[test]
fn date_relative_to_epoch_now_never_panics() {
    let map = headers(&[("retry-after", b"Thu, 01 Jan 1970 00:00:05 GMT")]);
    assert_eq!(server_delay(&map, UNIX_EPOCH), Some(Duration::from_secs(5)));
    let far_future_now = UNIX_EPOCH + Duration::from_secs(1 << 40);
    assert_eq!(server_delay(&map, far_future_now), Some(Duration::ZERO));
}

#[test]
fn should_retry_table() {
    let cases: &[(&[u8], Option<bool>)] = &[
        (b"true", Some(true)),
        (b"false", Some(false)),
        (b"TRUE", Some(true)),
        (b"False", Some(false)),
        (b" true ", Some(true)),
        (b"1", None),
        (b"0", None),
        (b"yes", None),
        (b"", None),
        (b"truee", None),
        (b"\xfftrue", None),
    ];
    for (value, expected) in cases {
        let map = headers(&[("x-should-retry", value)]);
        assert_eq!(should_retry_header(&map), *expected, "value {value:?}");
    }
    assert_eq!(should_retry_header(&HeaderMap::new()), None);
}
