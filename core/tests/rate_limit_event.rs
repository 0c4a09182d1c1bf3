//! Tests for the in-stream `codex.rate_limits` event.

use codex_api_core::rate_limit::{
    CreditsSnapshot, RateLimitEventError, RateLimitSnapshot, RateLimitWindow, snapshot_from_event,
};

#[test]
fn full_event() {
    let data = r#"{
        "type": "codex.rate_limits",
        "plan_type": "pro",
        "metered_limit_name": "codex",
        "rate_limits": {
            "allowed": true,
            "limit_reached": false,
            "primary": {"used_percent": 12.5, "window_minutes": 300, "reset_at": 1770000000},
            "secondary": {"used_percent": 40, "window_minutes": 10080, "reset_at": 1770500000}
        },
        "credits": {"has_credits": true, "unlimited": false, "balance": "9"}
    }"#;
    let snapshot = snapshot_from_event(data).unwrap();
    assert_eq!(
        snapshot,
        RateLimitSnapshot {
            limit_id: "codex".to_owned(),
            limit_name: None,
            primary: Some(RateLimitWindow {
                used_percent: 12.5,
                window_minutes: Some(300),
                resets_at: Some(1_770_000_000),
            }),
            secondary: Some(RateLimitWindow {
                used_percent: 40.0,
                window_minutes: Some(10080),
                resets_at: Some(1_770_500_000),
            }),
            credits: Some(CreditsSnapshot {
                has_credits: true,
                unlimited: false,
                balance: Some("9".to_owned()),
            }),
            plan_type: Some("pro".to_owned()),
        }
    );
}

#[test]
fn limit_id_sources() {
    let cases = [
        (r#"{"type":"codex.rate_limits"}"#, "codex"),
        (
            r#"{"type":"codex.rate_limits","metered_limit_name":"Codex-Other"}"#,
            "codex_other",
        ),
        (
            r#"{"type":"codex.rate_limits","limit_name":"codex_bengalfox"}"#,
            "codex_bengalfox",
        ),
        (
            r#"{"type":"codex.rate_limits","metered_limit_name":"a","limit_name":"b"}"#,
            "a",
        ),
        (
            r#"{"type":"codex.rate_limits","metered_limit_name":"  "}"#,
            "codex",
        ),
        (
            r#"{"type":"codex.rate_limits","metered_limit_name":null,"limit_name":"x"}"#,
            "x",
        ),
    ];
    for (data, id) in cases {
        let snapshot = snapshot_from_event(data).unwrap();
        assert_eq!(snapshot.limit_id, id, "{data}");
        assert_eq!(snapshot.limit_name, None);
    }
}

#[test]
fn partial_events() {
    let empty = snapshot_from_event(r#"{"type":"codex.rate_limits"}"#).unwrap();
    assert_eq!(empty, RateLimitSnapshot::new("codex"));
    assert!(!empty.has_data());

    let cases: &[(&str, Option<RateLimitWindow>, Option<RateLimitWindow>)] = &[
        (
            r#"{"type":"codex.rate_limits","rate_limits":null}"#,
            None,
            None,
        ),
        (
            r#"{"type":"codex.rate_limits","rate_limits":{}}"#,
            None,
            None,
        ),
        (
            r#"{"type":"codex.rate_limits","rate_limits":{"primary":{"used_percent":5}}}"#,
            Some(RateLimitWindow {
                used_percent: 5.0,
                window_minutes: None,
                resets_at: None,
            }),
            None,
        ),
        (
            r#"{"type":"codex.rate_limits","rate_limits":{"primary":{"used_percent":0},"secondary":{"used_percent":0,"window_minutes":10080}}}"#,
            None,
            Some(RateLimitWindow {
                used_percent: 0.0,
                window_minutes: Some(10080),
                resets_at: None,
            }),
        ),
        (
            r#"{"type":"codex.rate_limits","rate_limits":{"primary":{"window_minutes":300,"reset_at":1}}}"#,
            None,
            None,
        ),
        (
            r#"{"type":"codex.rate_limits","rate_limits":{"primary":{"used_percent":1,"window_minutes":-5,"reset_at":1.5}}}"#,
            Some(RateLimitWindow {
                used_percent: 1.0,
                window_minutes: None,
                resets_at: None,
            }),
            None,
        ),
        (
            r#"{"type":"codex.rate_limits","rate_limits":{"secondary":{"used_percent":2,"reset_at":-7,"reset_after_seconds":3600}}}"#,
            None,
            Some(RateLimitWindow {
                used_percent: 2.0,
                window_minutes: None,
                resets_at: Some(-7),
            }),
        ),
    ];
    for (data, primary, secondary) in cases {
        let snapshot = snapshot_from_event(data).unwrap();
        assert_eq!(snapshot.primary, *primary, "{data}");
        assert_eq!(snapshot.secondary, *secondary, "{data}");
    }
}

#[test]
fn credit_shapes() {
    let cases: &[(&str, Option<CreditsSnapshot>)] = &[
        (r#"null"#, None),
        (r#"{}"#, None),
        (r#"{"has_credits":true}"#, None),
        (
            r#"{"has_credits":false,"unlimited":true}"#,
            Some(CreditsSnapshot {
                has_credits: false,
                unlimited: true,
                balance: None,
            }),
        ),
        (
            r#"{"has_credits":true,"unlimited":false,"balance":12.5}"#,
            Some(CreditsSnapshot {
                has_credits: true,
                unlimited: false,
                balance: Some("12.5".to_owned()),
            }),
        ),
        (
            r#"{"has_credits":true,"unlimited":false,"balance":" "}"#,
            Some(CreditsSnapshot {
                has_credits: true,
                unlimited: false,
                balance: None,
            }),
        ),
    ];
    for (credits, expected) in cases {
        let data = format!(r#"{{"type":"codex.rate_limits","credits":{credits}}}"#);
        assert_eq!(
            snapshot_from_event(&data).unwrap().credits,
            *expected,
            "{credits}"
        );
    }
}

#[test]
fn malformed_events() {
    let malformed = [
        "",
        "not json",
        "[]",
        "{",
        r#"{"rate_limits":{}}"#,
        r#"{"type":7}"#,
        r#"{"type":"codex.rate_limits","rate_limits":{"primary":{"used_percent":"12"}}}"#,
        r#"{"type":"codex.rate_limits","rate_limits":{"primary":{"used_percent":1e999}}}"#,
        r#"{"type":"codex.rate_limits","rate_limits":{"primary":{"used_percent":1,"window_minutes":"300"}}}"#,
        r#"{"type":"codex.rate_limits","credits":{"has_credits":"true","unlimited":false}}"#,
        r#"{"type":"codex.rate_limits","plan_type":3}"#,
    ];
    for data in malformed {
        match snapshot_from_event(data) {
            Err(RateLimitEventError::Malformed(message)) => {
                assert!(!message.is_empty(), "{data}");
            }
            other => panic!("{data}: expected Malformed, got {other:?}"),
        }
    }
}

#[test]
fn wrong_type() {
    let error = snapshot_from_event(r#"{"type":"response.created","response":{}}"#).unwrap_err();
    assert_eq!(
        error,
        RateLimitEventError::WrongType("response.created".to_owned())
    );
    assert_eq!(
        error.to_string(),
        "expected a codex.rate_limits event, got type \"response.created\""
    );
}
