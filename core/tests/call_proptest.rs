//! `Call` under random input sequences: never panics, bounded attempts, exactly one ending.

mod call_support;

use std::time::Duration;

use call_support::{Scenario, head};
use codex_api_core::call::{Action, CallLimits, ResponseMode};
use codex_api_core::credentials::Credentials;
use codex_api_core::request::Endpoint;
use codex_api_core::retry::{RetryPolicy, TransportErrorKind};
use codex_api_core::unauthorized::{RecoveryMode, StepFailure};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Input {
    Poll {
        advance_ms: u64,
    },
    Head {
        status: u16,
        retry_after: Option<u32>,
        should_retry: Option<bool>,
    },
    Body(Vec<u8>),
    BodyEnd,
    Transport(u8),
    Timeout {
        advance_ms: u64,
    },
    Credentials(u8),
}

fn input() -> impl Strategy<Value = Input> {
    prop_oneof![
        4 => (0u64..3_000).prop_map(|advance_ms| Input::Poll { advance_ms }),
        4 => (
            prop_oneof![Just(200u16), Just(401), Just(429), Just(500), Just(503), Just(400), 100u16..600],
            proptest::option::of(0u32..200),
            proptest::option::of(any::<bool>()),
        )
            .prop_map(|(status, retry_after, should_retry)| Input::Head { status, retry_after, should_retry }),
        2 => proptest::collection::vec(any::<u8>(), 0..300).prop_map(Input::Body),
        2 => Just(Input::BodyEnd),
        2 => (0u8..5).prop_map(Input::Transport),
        1 => (0u64..20_000).prop_map(|advance_ms| Input::Timeout { advance_ms }),
        2 => (0u8..4).prop_map(Input::Credentials),
    ]
}

fn transport(kind: u8) -> TransportErrorKind {
    match kind {
        0 => TransportErrorKind::Connect,
        1 => TransportErrorKind::Reset,
        2 => TransportErrorKind::Timeout,
        3 => TransportErrorKind::Tls,
        _ => TransportErrorKind::Other,
    }
}

fn credentials(choice: u8, counter: &mut u32) -> Result<Credentials, StepFailure> {
    *counter += 1;
    match choice {
        0 => Ok(Credentials::chatgpt(format!("token-{counter}"), "acct")),
        1 => Ok(Credentials::chatgpt("access-token-1", "acct-1")),
        2 => Err(StepFailure::Transient),
        _ => Err(StepFailure::Permanent),
    }
}

/// Counts what the adapter saw.
#[derive(Default)]
struct Seen {
    sends: u32,
    endings: u32,
}

fn observe(action: Action, seen: &mut Seen, now: &mut std::time::Instant) {
    match action {
        Action::Send(request) => {
            assert_eq!(request.body().as_ref(), call_support::BODY);
            seen.sends += 1;
        }
        Action::Wait(deadline) => {
            assert!(deadline > *now);
            *now = deadline;
        }
        Action::Done(_) | Action::Stream(_) => seen.endings += 1,
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_inputs_never_break_the_call(
        inputs in proptest::collection::vec(input(), 0..60),
        max_retries in 0u32..4,
        stream in any::<bool>(),
        recovery in 0u8..3,
        error_cap in 1usize..200,
    ) {
        let mut policy = RetryPolicy::default();
        policy.max_retries = max_retries;
        let mut scenario = if stream { Scenario::stream() } else { Scenario::unary() };
        scenario = match recovery {
            0 => scenario,
            1 => scenario.managed(),
            _ => scenario.external(),
        };
        let steps = match scenario.recovery {
            RecoveryMode::Managed => 2,
            RecoveryMode::External => 1,
            _ => 0,
        };
        if !stream {
            scenario.endpoint = Endpoint::models(Some("1.0.0"));
            scenario.mode = ResponseMode::Unary;
        }
        let limits = CallLimits::default()
            .with_error_body_cap(error_cap)
            .with_success_body_cap(error_cap * 2)
            .with_response_timeout(Some(Duration::from_secs(10)));
        let mut d = scenario.policy(policy).limits(limits).start();
        let mut seen = Seen::default();
        let mut counter = 0;

        for input in inputs {
            match input {
                Input::Poll { advance_ms } => d.advance(Duration::from_millis(advance_ms)),
                Input::Head { status, retry_after, should_retry } => {
                    let retry_after = retry_after.map(|s| s.to_string());
                    let mut headers: Vec<(&str, &str)> = Vec::new();
                    if let Some(value) = &retry_after { headers.push(("retry-after", value)); }
                    if let Some(verdict) = should_retry {
                        headers.push(("x-should-retry", if verdict { "true" } else { "false" }));
                    }
                    d.call.handle_head(d.now, &head(status, &headers));
                }
                Input::Body(bytes) => d.call.handle_body(d.now, &bytes),
                Input::BodyEnd => d.call.handle_body_end(d.now),
                Input::Transport(kind) => d.call.handle_transport_error(d.now, transport(kind)),
                Input::Timeout { advance_ms } => {
                    d.advance(Duration::from_millis(advance_ms));
                    d.call.handle_timeout(d.now);
                }
                Input::Credentials(choice) => {
                    let result = credentials(choice, &mut counter);
                    d.call.handle_credentials(result);
                }
            }
            let action = d.call.poll_action(d.now);
            observe(action, &mut seen, &mut d.now);
            prop_assert!(seen.endings <= 1);
        }

        // A well-behaved adapter finishes the call: every request fails in the transport,
        // bodies end, credentials never come.
        let mut guard = 0;
        while seen.endings == 0 {
            guard += 1;
            prop_assert!(guard < 100, "the call did not finish");
            let action = d.call.poll_action(d.now);
            let sent = matches!(action, Action::Send(_));
            let read = matches!(action, Action::ReadBody);
            let refresh = matches!(action, Action::RefreshAuth(_));
            let owed_response = matches!(action, Action::AwaitResponse { .. });
            let owed_credentials = matches!(action, Action::AwaitCredentials);
            prop_assert!(!matches!(action, Action::Finished));
            observe(action, &mut seen, &mut d.now);
            if sent || owed_response {
                d.call.handle_transport_error(d.now, TransportErrorKind::Reset);
            } else if read {
                d.call.handle_body_end(d.now);
            } else if refresh || owed_credentials {
                d.call.handle_credentials(Err(StepFailure::Permanent));
            }
        }
        prop_assert_eq!(seen.endings, 1);
        prop_assert!(d.call.is_finished());
        prop_assert!(matches!(d.call.poll_action(d.now), Action::Finished));
        prop_assert_eq!(seen.sends, d.call.attempts());
        prop_assert!(seen.sends <= 1 + max_retries + steps,
            "{} sends for {} retries and {} steps", seen.sends, max_retries, steps);
        prop_assert!(d.call.retries() <= max_retries);
        let records: Vec<_> = std::iter::from_fn(|| d.call.poll_telemetry()).collect();
        prop_assert_eq!(records.len() as u32, seen.sends);
        for (index, record) in records.iter().enumerate() {
            prop_assert_eq!(record.attempt, index as u32 + 1);
        }
    }
}
