//! Table tests for Codex and OpenAI rate-limit headers.

use std::time::Duration;

use codex_api_core::rate_limit::{
    CreditsSnapshot, OpenAiRateLimit, OpenAiRateLimits, RateLimitSnapshot, RateLimitWindow,
    openai_rate_limits, snapshots_from_headers,
};
use http::{HeaderMap, HeaderValue, header::HeaderName};

/// Header name/value pairs of one table case.
type Pairs<'a> = &'a [(&'a str, &'a str)];
/// A case name, its headers, and the expected primary and secondary windows.
type WindowCase<'a> = (
    &'a str,
    Vec<(&'a str, &'a str)>,
    Option<RateLimitWindow>,
    Option<RateLimitWindow>,
);

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.append(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_bytes(value.as_bytes()).unwrap(),
        );
    }
    map
}

fn window(used: f64, minutes: Option<u64>, resets: Option<i64>) -> Option<RateLimitWindow> {
    Some(RateLimitWindow {
        used_percent: used,
        window_minutes: minutes,
        resets_at: resets,
    })
}

fn snapshot(id: &str) -> RateLimitSnapshot {
    RateLimitSnapshot::new(id)
}

#[test]
fn no_headers_no_snapshots() {
    assert!(snapshots_from_headers(&HeaderMap::new()).is_empty());
    let unrelated = headers(&[
        ("content-type", "text/event-stream"),
        ("x-request-id", "req_1"),
    ]);
    assert!(snapshots_from_headers(&unrelated).is_empty());
}

#[test]
fn codex_family_window_combinations() {
    let full_primary = [
        ("x-codex-primary-used-percent", "12.5"),
        ("x-codex-primary-window-minutes", "300"),
        ("x-codex-primary-reset-at", "1704069000"),
    ];
    let cases: Vec<WindowCase> = vec![
        (
            "primary full",
            full_primary.to_vec(),
            window(12.5, Some(300), Some(1_704_069_000)),
            None,
        ),
        (
            "primary percent only",
            vec![("x-codex-primary-used-percent", "80")],
            window(80.0, None, None),
            None,
        ),
        (
            "zero percent with window kept",
            vec![
                ("x-codex-primary-used-percent", "0"),
                ("x-codex-primary-window-minutes", "60"),
            ],
            window(0.0, Some(60), None),
            None,
        ),
        (
            "zero percent with reset kept",
            vec![
                ("x-codex-primary-used-percent", "0"),
                ("x-codex-primary-reset-at", "0"),
            ],
            window(0.0, None, Some(0)),
            None,
        ),
        (
            "secondary only",
            vec![
                ("x-codex-secondary-used-percent", "40"),
                ("x-codex-secondary-window-minutes", "10080"),
                ("x-codex-secondary-reset-at", "1704500000"),
            ],
            None,
            window(40.0, Some(10080), Some(1_704_500_000)),
        ),
        (
            "both windows",
            vec![
                ("x-codex-primary-used-percent", "1"),
                ("x-codex-secondary-used-percent", "2"),
            ],
            window(1.0, None, None),
            window(2.0, None, None),
        ),
        (
            "negative reset and percent are numbers",
            vec![
                ("x-codex-primary-used-percent", "-3"),
                ("x-codex-primary-reset-at", "-10"),
            ],
            window(-3.0, None, Some(-10)),
            None,
        ),
        (
            "bad minutes and reset dropped individually",
            vec![
                ("x-codex-primary-used-percent", "55"),
                ("x-codex-primary-window-minutes", "-5"),
                ("x-codex-primary-reset-at", "soon"),
            ],
            window(55.0, None, None),
            None,
        ),
        (
            "fractional minutes dropped",
            vec![
                ("x-codex-primary-used-percent", "5"),
                ("x-codex-primary-window-minutes", "1.5"),
            ],
            window(5.0, None, None),
            None,
        ),
        (
            "whitespace trimmed",
            vec![
                ("x-codex-primary-used-percent", " 7 "),
                ("x-codex-primary-window-minutes", " 60"),
            ],
            window(7.0, Some(60), None),
            None,
        ),
    ];
    for (name, pairs, primary, secondary) in cases {
        let snapshots = snapshots_from_headers(&headers(&pairs));
        let mut expected = snapshot("codex");
        expected.primary = primary;
        expected.secondary = secondary;
        assert_eq!(snapshots, vec![expected], "case {name:?}");
    }
}

#[test]
fn windows_without_data_or_with_bad_percent_are_dropped() {
    let cases: &[(&str, &[(&str, &str)])] = &[
        (
            "zero percent alone",
            &[("x-codex-primary-used-percent", "0")],
        ),
        (
            "zero percent, zero minutes",
            &[
                ("x-codex-primary-used-percent", "0.0"),
                ("x-codex-primary-window-minutes", "0"),
            ],
        ),
        (
            "no percent",
            &[
                ("x-codex-primary-window-minutes", "300"),
                ("x-codex-primary-reset-at", "1704069000"),
            ],
        ),
        ("NaN", &[("x-codex-primary-used-percent", "NaN")]),
        ("nan", &[("x-codex-primary-used-percent", "nan")]),
        ("inf", &[("x-codex-primary-used-percent", "inf")]),
        (
            "-infinity",
            &[("x-codex-secondary-used-percent", "-infinity")],
        ),
        (
            "overflow to inf",
            &[("x-codex-primary-used-percent", "1e999")],
        ),
        ("text", &[("x-codex-primary-used-percent", "lots")]),
        ("empty", &[("x-codex-primary-used-percent", "")]),
        ("percent sign", &[("x-codex-primary-used-percent", "50%")]),
        (
            "non-ASCII",
            &[("x-codex-primary-used-percent", "5\u{00e9}")],
        ),
        ("only a limit name", &[("x-codex-limit-name", "Codex")]),
    ];
    for (name, pairs) in cases {
        assert_eq!(
            snapshots_from_headers(&headers(pairs)),
            vec![],
            "case {name:?}"
        );
    }
}

#[test]
fn limit_name_and_family_names() {
    let map = headers(&[
        ("x-codex-bengalfox-primary-used-percent", "80"),
        ("x-codex-bengalfox-limit-name", "  gpt-5.2-codex-sonic  "),
        ("x-codex-limit-name", ""),
        ("x-codex-primary-used-percent", "10"),
    ]);
    let mut codex = snapshot("codex");
    codex.primary = window(10.0, None, None);
    let mut bengalfox = snapshot("codex_bengalfox");
    bengalfox.primary = window(80.0, None, None);
    bengalfox.limit_name = Some("gpt-5.2-codex-sonic".to_owned());
    assert_eq!(snapshots_from_headers(&map), vec![codex, bengalfox]);
}

#[test]
fn multiple_families_codex_first_then_alphabetical() {
    let map = headers(&[
        ("x-zeta-secondary-used-percent", "9"),
        ("x-alpha-primary-used-percent", "1"),
        ("x-codex-secondary-primary-used-percent", "80"),
        ("x-codex-secondary-primary-window-minutes", "1440"),
        ("x-codex-primary-used-percent", "12.5"),
        ("x-codex-other-primary-used-percent", "0"), // no data: dropped
        ("x-beta-primary-window-minutes", "60"),     // no percent: dropped
        ("x-mid-family-primary-used-percent", "3"),
    ]);
    let ids: Vec<_> = snapshots_from_headers(&map)
        .into_iter()
        .map(|s| s.limit_id)
        .collect();
    assert_eq!(
        ids,
        ["codex", "alpha", "codex_secondary", "mid_family", "zeta"]
    );
    let secondary_family = snapshots_from_headers(&map)
        .into_iter()
        .find(|s| s.limit_id == "codex_secondary")
        .unwrap();
    assert_eq!(secondary_family.primary, window(80.0, Some(1440), None));
    assert_eq!(secondary_family.secondary, None);
    assert_eq!(secondary_family.credits, None);
}

#[test]
fn family_without_codex() {
    let map = headers(&[("x-codex-other-secondary-used-percent", "33.3")]);
    let mut expected = snapshot("codex_other");
    expected.secondary = window(33.3, None, None);
    assert_eq!(snapshots_from_headers(&map), vec![expected]);
}

#[test]
fn header_order_does_not_matter() {
    let pairs = [
        ("x-b-primary-used-percent", "2"),
        ("x-codex-primary-used-percent", "1"),
        ("x-a-primary-used-percent", "3"),
    ];
    let mut reversed = pairs;
    reversed.reverse();
    assert_eq!(
        snapshots_from_headers(&headers(&pairs)),
        snapshots_from_headers(&headers(&reversed))
    );
}

#[test]
fn credits_table() {
    let cases: &[(&str, Pairs, Option<CreditsSnapshot>)] = &[
        (
            "full",
            &[
                ("x-codex-credits-has-credits", "true"),
                ("x-codex-credits-unlimited", "false"),
                ("x-codex-credits-balance", " 12.50 "),
            ],
            Some(CreditsSnapshot {
                has_credits: true,
                unlimited: false,
                balance: Some("12.50".to_owned()),
            }),
        ),
        (
            "numeric booleans, no balance",
            &[
                ("x-codex-credits-has-credits", "0"),
                ("x-codex-credits-unlimited", "1"),
            ],
            Some(CreditsSnapshot {
                has_credits: false,
                unlimited: true,
                balance: None,
            }),
        ),
        (
            "case-insensitive, empty balance",
            &[
                ("x-codex-credits-has-credits", "TRUE"),
                ("x-codex-credits-unlimited", "False"),
                ("x-codex-credits-balance", ""),
            ],
            Some(CreditsSnapshot {
                has_credits: true,
                unlimited: false,
                balance: None,
            }),
        ),
        (
            "missing unlimited",
            &[
                ("x-codex-credits-has-credits", "true"),
                ("x-codex-credits-balance", "5"),
            ],
            None,
        ),
        (
            "bad boolean",
            &[
                ("x-codex-credits-has-credits", "yes"),
                ("x-codex-credits-unlimited", "false"),
            ],
            None,
        ),
    ];
    for (name, pairs, expected) in cases {
        let snapshots = snapshots_from_headers(&headers(pairs));
        match expected {
            Some(credits) => {
                let mut want = snapshot("codex");
                want.credits = Some(credits.clone());
                assert_eq!(snapshots, vec![want], "case {name:?}");
            }
            None => assert_eq!(snapshots, vec![], "case {name:?}"),
        }
    }
}

#[test]
fn credits_belong_to_the_codex_family_only() {
    let map = headers(&[
        ("x-codex-credits-has-credits", "true"),
        ("x-codex-credits-unlimited", "true"),
        ("x-other-primary-used-percent", "50"),
    ]);
    let snapshots = snapshots_from_headers(&map);
    assert_eq!(snapshots.len(), 2);
    assert_eq!(snapshots[0].limit_id, "codex");
    assert!(snapshots[0].credits.is_some() && snapshots[0].primary.is_none());
    assert_eq!(snapshots[1].limit_id, "other");
    assert_eq!(snapshots[1].credits, None);
}

#[test]
fn openai_headers_table() {
    let full = OpenAiRateLimit {
        limit: Some(60),
        remaining: Some(59),
        reset_after: Some(Duration::from_secs(1)),
    };
    let cases: &[(&str, Pairs, OpenAiRateLimits)] = &[
        ("none", &[], OpenAiRateLimits::default()),
        (
            "full set",
            &[
                ("x-ratelimit-limit-requests", "60"),
                ("x-ratelimit-remaining-requests", "59"),
                ("x-ratelimit-reset-requests", "1s"),
                ("x-ratelimit-limit-tokens", "150000"),
                ("x-ratelimit-remaining-tokens", "149984"),
                ("x-ratelimit-reset-tokens", "6m0s"),
            ],
            OpenAiRateLimits {
                requests: Some(full),
                tokens: Some(OpenAiRateLimit {
                    limit: Some(150_000),
                    remaining: Some(149_984),
                    reset_after: Some(Duration::from_secs(360)),
                }),
            },
        ),
        (
            "tokens reset only, micro sign",
            &[("x-ratelimit-reset-tokens", "100µs")],
            OpenAiRateLimits {
                requests: None,
                tokens: Some(OpenAiRateLimit {
                    reset_after: Some(Duration::from_micros(100)),
                    ..OpenAiRateLimit::default()
                }),
            },
        ),
        (
            "bad values dropped one by one",
            &[
                ("x-ratelimit-limit-requests", "sixty"),
                ("x-ratelimit-remaining-requests", "-1"),
                ("x-ratelimit-reset-requests", "8.64s"),
                ("x-ratelimit-limit-tokens", "1.5"),
                ("x-ratelimit-reset-tokens", "soon"),
            ],
            OpenAiRateLimits {
                requests: Some(OpenAiRateLimit {
                    reset_after: Some(Duration::from_millis(8640)),
                    ..OpenAiRateLimit::default()
                }),
                tokens: None,
            },
        ),
        (
            "zero remaining is data",
            &[("x-ratelimit-remaining-requests", "0")],
            OpenAiRateLimits {
                requests: Some(OpenAiRateLimit {
                    remaining: Some(0),
                    ..OpenAiRateLimit::default()
                }),
                tokens: None,
            },
        ),
    ];
    for (name, pairs, expected) in cases {
        assert_eq!(
            openai_rate_limits(&headers(pairs)),
            *expected,
            "case {name:?}"
        );
    }
}
