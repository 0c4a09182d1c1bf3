//! Properties of the retry policy: backoff bounds and no panics on any input.

use std::time::{Duration, UNIX_EPOCH};

use codex_api_core::retry::{
    Failure, FixedJitter, GiveUpReason, RetryDecision, RetryInput, RetryPolicy, SplitMix64,
    TransportErrorKind, server_delay, should_retry_header,
};
use http::{HeaderMap, HeaderValue, StatusCode};
use proptest::prelude::*;

fn any_failure() -> impl Strategy<Value = Failure> {
    prop_oneof![
        (100u16..1000).prop_map(|code| Failure::Status(StatusCode::from_u16(code).unwrap())),
        prop_oneof![
            Just(TransportErrorKind::Connect),
            Just(TransportErrorKind::Reset),
            Just(TransportErrorKind::Timeout),
            Just(TransportErrorKind::Tls),
            Just(TransportErrorKind::Other),
        ]
        .prop_map(Failure::Transport),
        Just(Failure::Timeout),
    ]
}

fn any_duration() -> impl Strategy<Value = Duration> {
    prop_oneof![
        Just(Duration::ZERO),
        Just(Duration::MAX),
        (0u64..120_000).prop_map(Duration::from_millis),
        (any::<u64>(), 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n)),
    ]
}

fn any_policy() -> impl Strategy<Value = RetryPolicy> {
    (
        prop_oneof![Just(RetryPolicy::default()), Just(RetryPolicy::codex())],
        0u32..10,
        any_duration(),
        any_duration(),
        any::<f64>(),
        any::<f64>(),
        any::<bool>(),
        any::<bool>(),
        any_duration(),
    )
        .prop_map(
            |(mut policy, retries, initial, max, low, high, header, delay, cap)| {
                policy.max_retries = retries;
                policy.initial_backoff = initial;
                policy.max_backoff = max;
                policy.jitter_min = low;
                policy.jitter_max = high;
                policy.honor_should_retry_header = header;
                policy.honor_server_delay = delay;
                policy.max_server_delay = cap;
                policy
            },
        )
}

proptest! {
    #[test]
    fn preset_backoff_stays_within_documented_bounds(
        index in any::<u32>(),
        unit in any::<f64>(),
        codex in any::<bool>(),
    ) {
        let policy = if codex { RetryPolicy::codex() } else { RetryPolicy::default() };
        let delay = policy.backoff(index, unit);
        // min(initial × 2^n, max) computed independently, in whole nanoseconds.
        let base = policy
            .initial_backoff
            .as_nanos()
            .checked_mul(1u128.checked_shl(index).unwrap_or(0))
            .filter(|_| index < 128)
            .unwrap_or(u128::MAX)
            .min(policy.max_backoff.as_nanos());
        let low = (base as f64 * policy.jitter_min).floor();
        let high = (base as f64 * policy.jitter_max).ceil();
        let got = delay.as_nanos() as f64;
        prop_assert!(got >= low.min(Duration::MAX.as_nanos() as f64) - 1.0, "{got} < {low}");
        prop_assert!(got <= high + 1.0, "{got} > {high}");
        let (lower, upper) = policy.backoff_bounds(index);
        prop_assert!(delay >= lower && delay <= upper);
    }

    #[test]
    fn backoff_is_monotone_in_unit_and_index(
        index in 0u32..64,
        a in 0.0f64..1.0,
        b in 0.0f64..1.0,
        codex in any::<bool>(),
    ) {
        let policy = if codex { RetryPolicy::codex() } else { RetryPolicy::default() };
        let (small, large) = if a <= b { (a, b) } else { (b, a) };
        prop_assert!(policy.backoff(index, small) <= policy.backoff(index, large));
        prop_assert!(policy.backoff_bounds(index).0 <= policy.backoff_bounds(index + 1).0);
    }

    #[test]
    fn any_policy_any_input_never_panics(
        policy in any_policy(),
        retries_done in any::<u32>(),
        failure in any_failure(),
        classified in any::<bool>(),
        delay in proptest::option::of(any_duration()),
        should in proptest::option::of(any::<bool>()),
        delivered in any::<bool>(),
        seed in any::<u64>(),
        unit in any::<f64>(),
    ) {
        let _ = policy.backoff(retries_done, unit);
        let _ = policy.backoff_bounds(retries_done);
        let input = RetryInput {
            retries_done,
            failure,
            classified_retryable: classified,
            server_delay: delay,
            should_retry: should,
            events_delivered: delivered,
        };
        let decision = policy.decide(&input, &mut SplitMix64::new(seed));
        if delivered {
            prop_assert_eq!(decision, RetryDecision::GiveUp(GiveUpReason::EventsDelivered));
        } else if !classified {
            prop_assert_eq!(decision, RetryDecision::GiveUp(GiveUpReason::NotRetryable));
        }
        if let RetryDecision::Retry { delay: wait } = decision {
            prop_assert!(retries_done < policy.max_retries);
            let fixed = policy.decide(&input, &mut FixedJitter(0.0));
            prop_assert!(fixed.delay().is_some());
            if policy.honor_server_delay {
                prop_assert!(wait <= policy.max_server_delay || delay.is_none_or(|d| d.is_zero()));
            }
        }
    }

    #[test]
    fn header_parsers_never_panic(
        ms in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..40)),
        secs in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..40)),
        should in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..10)),
        now_secs in any::<u32>(),
    ) {
        let mut headers = HeaderMap::new();
        for (name, value) in [("retry-after-ms", ms), ("retry-after", secs), ("x-should-retry", should)] {
            if let Some(Ok(value)) = value.map(|v| HeaderValue::from_bytes(&v)) {
                headers.insert(name, value);
            }
        }
        let now = UNIX_EPOCH + Duration::from_secs(u64::from(now_secs));
        let _ = server_delay(&headers, now);
        let _ = should_retry_header(&headers);
    }

    #[test]
    fn numeric_retry_after_round_trips(millis in 0u64..10_000_000) {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after-ms", HeaderValue::from(millis));
        prop_assert_eq!(server_delay(&headers, UNIX_EPOCH), Some(Duration::from_millis(millis)));
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", HeaderValue::from(millis));
        prop_assert_eq!(server_delay(&headers, UNIX_EPOCH), Some(Duration::from_secs(millis)));
    }
}
