//! Table tests for `RetryPolicy::backoff` and `RetryPolicy::decide`, and simulated sequences.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use codex_api_core::retry::{
    Failure, FixedJitter, GiveUpReason, JitterSource, RetryDecision, RetryInput, RetryOn,
    RetryPolicy, SplitMix64, TransportErrorKind,
};
use http::{HeaderMap, HeaderValue, StatusCode};

const ALMOST_ONE: f64 = 1.0 - f64::EPSILON;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn status(code: u16) -> Failure {
    Failure::Status(StatusCode::from_u16(code).unwrap())
}

fn decide(policy: &RetryPolicy, input: RetryInput) -> RetryDecision {
    policy.decide(&input, &mut FixedJitter(0.0))
}

#[test]
fn default_policy_matches_the_openai_sdks() {
    let policy = RetryPolicy::default();
    assert_eq!(policy.max_retries, 2);
    assert_eq!(policy.initial_backoff, ms(500));
    assert_eq!(policy.max_backoff, Duration::from_secs(8));
    assert_eq!((policy.jitter_min, policy.jitter_max), (0.75, 1.0));
    assert_eq!(policy.max_server_delay, Duration::from_secs(60));
    assert_eq!(policy.retry_on, RetryOn::openai_sdk());
}

#[test]
fn default_backoff_table() {
    let policy = RetryPolicy::default();
    // (retry index, lower bound at unit 0, upper bound at unit 1)
    let cases = [
        (0, ms(375), ms(500)),
        (1, ms(750), ms(1000)),
        (2, ms(1500), ms(2000)),
        (3, ms(3000), ms(4000)),
        (4, ms(6000), ms(8000)),
        (5, ms(6000), ms(8000)),
        (20, ms(6000), ms(8000)),
        (u32::MAX, ms(6000), ms(8000)),
    ];
    for (index, low, high) in cases {
        assert_eq!(policy.backoff(index, 0.0), low, "index {index} unit 0");
        assert_eq!(policy.backoff(index, 1.0), high, "index {index} unit 1");
        assert_eq!(policy.backoff_bounds(index), (low, high), "bounds {index}");
        let almost = policy.backoff(index, ALMOST_ONE);
        assert!(almost >= low && almost <= high, "index {index}: {almost:?}");
        let middle = policy.backoff(index, 0.5);
        assert_eq!(middle, (low + high) / 2, "index {index} unit 0.5");
    }
}

#[test]
fn codex_backoff_table() {
    let policy = RetryPolicy::codex();
    assert_eq!(policy.max_retries, 4);
    for index in 0..=20u32 {
        let base = ms(200) * 2u32.pow(index);
        let low = policy.backoff(index, 0.0);
        let high = policy.backoff(index, ALMOST_ONE);
        assert_eq!(low, base.mul_f64(0.9), "index {index}");
        assert!(
            high < base.mul_f64(1.1) + Duration::from_nanos(1),
            "{index}"
        );
        assert!(high > base, "index {index}: {high:?}");
        assert_eq!(policy.backoff(index, 0.5), base, "index {index} unit 0.5");
    }
    assert_eq!(policy.backoff(0, 1.0), ms(220));
    // No cap in Codex: huge indices saturate instead of overflowing.
    assert_eq!(policy.backoff(200, 0.5), Duration::MAX);
    let saturated_low = policy.backoff(u32::MAX, 0.0);
    assert!(
        saturated_low > Duration::from_secs(u64::MAX / 10 * 8),
        "{saturated_low:?}"
    );
    assert!(saturated_low < Duration::MAX);
}

#[test]
fn out_of_range_units_are_clamped() {
    let policy = RetryPolicy::default();
    for unit in [-1.0, f64::NEG_INFINITY, f64::NAN, -0.0] {
        assert_eq!(policy.backoff(0, unit), ms(375), "unit {unit}");
    }
    for unit in [1.5, f64::INFINITY, f64::MAX] {
        assert_eq!(policy.backoff(0, unit), ms(500), "unit {unit}");
    }
}

#[test]
fn degenerate_policies_never_panic() {
    let mut policy = RetryPolicy::default();
    policy.initial_backoff = Duration::ZERO;
    assert_eq!(policy.backoff(10, 0.5), Duration::ZERO);
    policy.initial_backoff = Duration::MAX;
    policy.max_backoff = Duration::MAX;
    assert_eq!(policy.backoff(3, 1.0), Duration::MAX);
    policy.jitter_min = f64::NAN;
    assert_eq!(policy.backoff(3, 0.0), Duration::ZERO);
    policy.jitter_min = -2.0;
    policy.jitter_max = -1.0;
    assert_eq!(policy.backoff(3, 0.5), Duration::ZERO);
    policy.jitter_min = 1.0;
    policy.jitter_max = f64::INFINITY;
    assert_eq!(policy.backoff(0, 0.5), Duration::MAX);
    // inf − inf is NaN: a NaN factor gives zero rather than a panic.
    policy.jitter_min = f64::INFINITY;
    assert_eq!(policy.backoff(0, 0.5), Duration::ZERO);
}

#[test]
fn status_classes_under_the_default_policy() {
    let policy = RetryPolicy::default();
    let retried = [408, 409, 429, 500, 501, 502, 503, 504, 520, 599];
    let not_retried = [
        100, 200, 204, 301, 304, 400, 401, 403, 404, 405, 410, 413, 415, 422, 451, 499,
    ];
    for code in retried {
        let decision = decide(&policy, RetryInput::new(0, status(code)));
        assert_eq!(decision, RetryDecision::Retry { delay: ms(375) }, "{code}");
    }
    for code in not_retried {
        let decision = decide(&policy, RetryInput::new(0, status(code)));
        assert_eq!(
            decision,
            RetryDecision::GiveUp(GiveUpReason::NotRetryable),
            "{code}"
        );
    }
}

#[test]
fn status_classes_under_the_codex_policy() {
    let policy = RetryPolicy::codex();
    for code in [500, 502, 503, 504, 599] {
        let decision = decide(&policy, RetryInput::new(0, status(code)));
        assert_eq!(decision, RetryDecision::Retry { delay: ms(180) }, "{code}");
    }
    for code in [400, 401, 404, 408, 409, 429] {
        let decision = decide(&policy, RetryInput::new(0, status(code)));
        assert_eq!(
            decision,
            RetryDecision::GiveUp(GiveUpReason::NotRetryable),
            "{code}"
        );
    }
}

#[test]
fn transport_kinds_and_timeouts() {
    let cases = [
        (Failure::Transport(TransportErrorKind::Connect), true),
        (Failure::Transport(TransportErrorKind::Reset), true),
        (Failure::Transport(TransportErrorKind::Timeout), true),
        (Failure::Transport(TransportErrorKind::Other), true),
        (Failure::Transport(TransportErrorKind::Tls), false),
        (Failure::Timeout, true),
    ];
    for policy in [RetryPolicy::default(), RetryPolicy::codex()] {
        for (failure, retried) in cases {
            let decision = decide(&policy, RetryInput::new(0, failure));
            assert_eq!(decision.delay().is_some(), retried, "{failure:?}");
            if !retried {
                assert_eq!(decision, RetryDecision::GiveUp(GiveUpReason::NotRetryable));
            }
        }
    }
    let mut tls = RetryPolicy::default();
    tls.retry_on.tls = true;
    let decision = decide(
        &tls,
        RetryInput::new(0, Failure::Transport(TransportErrorKind::Tls)),
    );
    assert_eq!(decision, RetryDecision::Retry { delay: ms(375) });
    let mut no_transport = RetryPolicy::default();
    no_transport.retry_on.transport = false;
    for failure in [
        Failure::Timeout,
        Failure::Transport(TransportErrorKind::Connect),
    ] {
        let decision = decide(&no_transport, RetryInput::new(0, failure));
        assert_eq!(decision, RetryDecision::GiveUp(GiveUpReason::NotRetryable));
    }
}

#[test]
fn failure_conversions() {
    assert_eq!(
        Failure::from(TransportErrorKind::Reset),
        Failure::Transport(TransportErrorKind::Reset)
    );
    assert_eq!(Failure::from(StatusCode::BAD_GATEWAY), status(502));
}

#[test]
fn transport_kind_names() {
    let names = [
        (TransportErrorKind::Connect, "connect"),
        (TransportErrorKind::Reset, "reset"),
        (TransportErrorKind::Timeout, "timeout"),
        (TransportErrorKind::Tls, "tls"),
        (TransportErrorKind::Other, "other"),
    ];
    for (kind, name) in names {
        assert_eq!(kind.as_str(), name);
        assert_eq!(kind.to_string(), name);
    }
}

#[test]
fn classified_non_retryable_is_never_retried() {
    let policy = RetryPolicy::default();
    for failure in [
        status(429),
        status(500),
        Failure::Timeout,
        Failure::Transport(TransportErrorKind::Reset),
    ] {
        let base = RetryInput::new(0, failure).with_classified_retryable(false);
        for input in [
            base,
            base.with_should_retry(Some(true)),
            base.with_server_delay(Some(ms(10))),
        ] {
            assert_eq!(
                decide(&policy, input),
                RetryDecision::GiveUp(GiveUpReason::NotRetryable),
                "{input:?}"
            );
        }
    }
}

#[test]
fn should_retry_header_overrides_the_status_rule() {
    let policy = RetryPolicy::default();
    let forced = RetryInput::new(0, status(400)).with_should_retry(Some(true));
    assert_eq!(
        decide(&policy, forced),
        RetryDecision::Retry { delay: ms(375) }
    );
    let refused = RetryInput::new(0, status(503)).with_should_retry(Some(false));
    assert_eq!(
        decide(&policy, refused),
        RetryDecision::GiveUp(GiveUpReason::NotRetryable)
    );
    // The header does not lift the retry budget.
    let exhausted = RetryInput::new(2, status(400)).with_should_retry(Some(true));
    assert_eq!(
        decide(&policy, exhausted),
        RetryDecision::GiveUp(GiveUpReason::Exhausted)
    );
    // Codex ignores the header.
    let codex = RetryPolicy::codex();
    assert_eq!(
        decide(&codex, forced),
        RetryDecision::GiveUp(GiveUpReason::NotRetryable)
    );
    assert_eq!(
        decide(&codex, refused),
        RetryDecision::Retry { delay: ms(180) }
    );
}

#[test]
fn events_delivered_beats_everything() {
    let policy = RetryPolicy::default();
    let input = RetryInput::new(0, status(503))
        .with_should_retry(Some(true))
        .with_server_delay(Some(ms(5)))
        .with_events_delivered(true);
    assert_eq!(
        decide(&policy, input),
        RetryDecision::GiveUp(GiveUpReason::EventsDelivered)
    );
    let not_retryable = input.with_classified_retryable(false);
    assert_eq!(
        decide(&policy, not_retryable),
        RetryDecision::GiveUp(GiveUpReason::EventsDelivered)
    );
    let transport = RetryInput::new(0, Failure::Transport(TransportErrorKind::Reset))
        .with_events_delivered(true);
    assert_eq!(
        decide(&RetryPolicy::codex(), transport),
        RetryDecision::GiveUp(GiveUpReason::EventsDelivered)
    );
}

#[test]
fn exhausted_after_max_retries() {
    for (policy, max) in [(RetryPolicy::default(), 2), (RetryPolicy::codex(), 4)] {
        for done in 0..max {
            let decision = decide(&policy, RetryInput::new(done, status(500)));
            assert!(decision.delay().is_some(), "retry {done}");
        }
        for done in [max, max + 1, u32::MAX] {
            assert_eq!(
                decide(&policy, RetryInput::new(done, status(500))),
                RetryDecision::GiveUp(GiveUpReason::Exhausted)
            );
        }
    }
    assert_eq!(
        decide(&RetryPolicy::never(), RetryInput::new(0, status(503))),
        RetryDecision::GiveUp(GiveUpReason::Exhausted)
    );
}

#[test]
fn server_delay_rules() {
    let policy = RetryPolicy::default();
    let input = |delay| RetryInput::new(0, status(429)).with_server_delay(Some(delay));
    let cases = [
        (ms(1), RetryDecision::Retry { delay: ms(1) }),
        (ms(2500), RetryDecision::Retry { delay: ms(2500) }),
        (
            Duration::from_secs(60),
            RetryDecision::Retry {
                delay: Duration::from_secs(60),
            },
        ),
        (
            Duration::from_secs(60) + Duration::from_nanos(1),
            RetryDecision::GiveUp(GiveUpReason::ServerDelayTooLong(
                Duration::from_secs(60) + Duration::from_nanos(1),
            )),
        ),
        (
            Duration::MAX,
            RetryDecision::GiveUp(GiveUpReason::ServerDelayTooLong(Duration::MAX)),
        ),
        // Zero (e.g. a past HTTP-date) falls back to the backoff.
        (Duration::ZERO, RetryDecision::Retry { delay: ms(375) }),
    ];
    for (delay, expected) in cases {
        assert_eq!(decide(&policy, input(delay)), expected, "{delay:?}");
    }
    // Exhaustion is reported before an overlong delay.
    let exhausted = RetryInput::new(2, status(429)).with_server_delay(Some(Duration::MAX));
    assert_eq!(
        decide(&policy, exhausted),
        RetryDecision::GiveUp(GiveUpReason::Exhausted)
    );
    // Codex ignores server delays for 5xx retries.
    let codex = RetryInput::new(0, status(503)).with_server_delay(Some(Duration::MAX));
    assert_eq!(
        decide(&RetryPolicy::codex(), codex),
        RetryDecision::Retry { delay: ms(180) }
    );
}

#[test]
fn server_delay_does_not_consume_jitter() {
    let policy = RetryPolicy::default();
    let mut draws = 0u32;
    let mut counting = || {
        draws += 1;
        0.0
    };
    let input = RetryInput::new(0, status(503)).with_server_delay(Some(ms(100)));
    assert_eq!(
        policy.decide(&input, &mut counting),
        RetryDecision::Retry { delay: ms(100) }
    );
    let input = RetryInput::new(0, status(503));
    assert_eq!(
        policy.decide(&input, &mut counting),
        RetryDecision::Retry { delay: ms(375) }
    );
    assert_eq!(draws, 1);
}

#[test]
fn from_response_reads_headers() {
    let now = UNIX_EPOCH + Duration::from_secs(1_445_412_480);
    let mut headers = HeaderMap::new();
    headers.insert("retry-after", HeaderValue::from_static("3"));
    headers.insert("x-should-retry", HeaderValue::from_static("true"));
    let input = RetryInput::from_response(1, StatusCode::BAD_REQUEST, &headers, now);
    assert_eq!(input.retries_done, 1);
    assert_eq!(input.failure, status(400));
    assert_eq!(input.server_delay, Some(Duration::from_secs(3)));
    assert_eq!(input.should_retry, Some(true));
    assert!(input.classified_retryable && !input.events_delivered);
    assert_eq!(
        decide(&RetryPolicy::default(), input),
        RetryDecision::Retry {
            delay: Duration::from_secs(3)
        }
    );
}

#[test]
fn give_up_reason_names() {
    assert_eq!(GiveUpReason::NotRetryable.as_str(), "not_retryable");
    assert_eq!(GiveUpReason::Exhausted.as_str(), "exhausted");
    assert_eq!(GiveUpReason::EventsDelivered.as_str(), "events_delivered");
    assert_eq!(
        GiveUpReason::ServerDelayTooLong(ms(1)).as_str(),
        "server_delay_too_long"
    );
}

/// One scripted server response for the simulated call loop.
#[derive(Clone, Copy)]
enum Reply {
    Ok,
    Status(u16, Option<&'static str>),
    Reset,
}

/// Drives a logical call through `replies` with `policy`, as an adapter would (but with
/// simulated time): returns the attempts made, the waits between them, and the outcome.
fn simulate(
    policy: &RetryPolicy,
    replies: &[Reply],
    jitter: &mut dyn JitterSource,
) -> (usize, Vec<Duration>, Result<(), RetryDecision>) {
    let mut now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let mut waits = Vec::new();
    for (attempt, reply) in replies.iter().enumerate() {
        let retries_done = u32::try_from(attempt).unwrap();
        let input = match *reply {
            Reply::Ok => return (attempt + 1, waits, Ok(())),
            Reply::Status(code, retry_after) => {
                let mut headers = HeaderMap::new();
                if let Some(value) = retry_after {
                    headers.insert("retry-after", HeaderValue::from_static(value));
                }
                let status = StatusCode::from_u16(code).unwrap();
                RetryInput::from_response(retries_done, status, &headers, now)
            }
            Reply::Reset => {
                RetryInput::new(retries_done, Failure::Transport(TransportErrorKind::Reset))
            }
        };
        match policy.decide(&input, jitter) {
            RetryDecision::Retry { delay } => {
                waits.push(delay);
                now += delay;
            }
            give_up => return (attempt + 1, waits, Err(give_up)),
        }
    }
    panic!("script ran out of replies");
}

#[test]
fn simulated_429_then_success() {
    let policy = RetryPolicy::default();
    let replies = [Reply::Status(429, Some("1")), Reply::Ok];
    let (attempts, waits, outcome) = simulate(&policy, &replies, &mut FixedJitter(0.0));
    assert_eq!((attempts, outcome), (2, Ok(())));
    assert_eq!(waits, vec![Duration::from_secs(1)]);

    // Without retry-after the backoff applies.
    let replies = [
        Reply::Status(429, None),
        Reply::Status(429, None),
        Reply::Ok,
    ];
    let (attempts, waits, outcome) = simulate(&policy, &replies, &mut FixedJitter(0.0));
    assert_eq!((attempts, outcome), (3, Ok(())));
    assert_eq!(waits, vec![ms(375), ms(750)]);

    // Codex does not retry 429.
    let replies = [Reply::Status(429, Some("1")), Reply::Ok];
    let (attempts, waits, outcome) =
        simulate(&RetryPolicy::codex(), &replies, &mut FixedJitter(0.0));
    assert_eq!(attempts, 1);
    assert!(waits.is_empty());
    assert_eq!(
        outcome,
        Err(RetryDecision::GiveUp(GiveUpReason::NotRetryable))
    );
}

#[test]
fn simulated_exhaustion_and_overlong_delay() {
    let policy = RetryPolicy::default();
    let replies = [
        Reply::Status(503, None),
        Reply::Reset,
        Reply::Status(502, None),
        Reply::Ok,
    ];
    let (attempts, waits, outcome) = simulate(&policy, &replies, &mut FixedJitter(1.0));
    assert_eq!(attempts, 3);
    assert_eq!(waits, vec![ms(500), ms(1000)]);
    assert_eq!(outcome, Err(RetryDecision::GiveUp(GiveUpReason::Exhausted)));

    let replies = [Reply::Status(429, Some("3600")), Reply::Ok];
    let (attempts, _, outcome) = simulate(&policy, &replies, &mut FixedJitter(0.0));
    assert_eq!(attempts, 1);
    assert_eq!(
        outcome,
        Err(RetryDecision::GiveUp(GiveUpReason::ServerDelayTooLong(
            Duration::from_secs(3600)
        )))
    );

    // Codex: four 5xx retries with doubling backoff, then success on the fifth attempt.
    let replies = [
        Reply::Status(500, None),
        Reply::Status(502, None),
        Reply::Reset,
        Reply::Status(503, Some("30")),
        Reply::Ok,
    ];
    let (attempts, waits, outcome) =
        simulate(&RetryPolicy::codex(), &replies, &mut FixedJitter(0.5));
    assert_eq!((attempts, outcome), (5, Ok(())));
    assert_eq!(waits, vec![ms(200), ms(400), ms(800), ms(1600)]);
}

#[test]
fn seeded_schedules_are_reproducible() {
    let policy = RetryPolicy::codex();
    let replies = [
        Reply::Status(500, None),
        Reply::Status(500, None),
        Reply::Status(500, None),
        Reply::Ok,
    ];
    let (_, first, _) = simulate(&policy, &replies, &mut SplitMix64::new(99));
    let (_, second, _) = simulate(&policy, &replies, &mut SplitMix64::new(99));
    let (_, other, _) = simulate(&policy, &replies, &mut SplitMix64::new(100));
    assert_eq!(first, second);
    assert_ne!(first, other);
    for (index, wait) in first.iter().enumerate() {
        let (low, high) = policy.backoff_bounds(u32::try_from(index).unwrap());
        assert!(*wait >= low && *wait <= high);
    }
}

#[test]
fn split_mix_64_reference_values() {
    // Reference output of SplitMix64 (Steele, Lea & Flood) for seed 0.
    let mut generator = SplitMix64::new(0);
    assert_eq!(generator.next_u64(), 0xE220_A839_7B1D_CDAF);
    assert_eq!(generator.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    assert_eq!(generator.next_u64(), 0x06C4_5D18_8009_454F);
    let mut generator = SplitMix64::new(u64::MAX);
    for _ in 0..10_000 {
        let unit = generator.next_unit();
        assert!((0.0..1.0).contains(&unit), "{unit}");
    }
}

#[test]
fn now_argument_is_the_only_clock() {
    let mut headers = HeaderMap::new();
    headers.insert(
        "retry-after",
        HeaderValue::from_static("Tue, 14 Nov 2023 22:13:30 GMT"),
    );
    let at = |secs| UNIX_EPOCH + Duration::from_secs(secs);
    let early: SystemTime = at(1_700_000_000);
    let input = RetryInput::from_response(0, StatusCode::TOO_MANY_REQUESTS, &headers, early);
    assert_eq!(input.server_delay, Some(Duration::from_secs(10)));
    let late = RetryInput::from_response(
        0,
        StatusCode::TOO_MANY_REQUESTS,
        &headers,
        at(1_800_000_000),
    );
    assert_eq!(late.server_delay, Some(Duration::ZERO));
}
