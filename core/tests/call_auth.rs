//! `Call`: 401 handling through `AuthRecovery` — steps, follow-ups, bounds and tags.

mod call_support;

use call_support::Scenario;
use codex_api_core::call::{AttemptDecision, CallError};
use codex_api_core::credentials::Credentials;
use codex_api_core::unauthorized::{RecoveryStep, StepFailure};

const UNAUTHORIZED: &[u8] =
    br#"{"error":{"message":"Your authentication token has expired.","code":"token_expired"}}"#;

fn tag<'a>(tags: &'a [(&'static str, String)], key: &str) -> &'a str {
    tags.iter()
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no tag {key} in {tags:?}"))
}

fn unauthorized_tags(error: &CallError) -> Vec<(&'static str, String)> {
    let api = error.api_error().expect("an API error");
    assert_eq!(api.kind(), "unauthorized");
    api.unauthorized()
        .unwrap()
        .recovery_tags
        .clone()
        .expect("recovery tags")
}

#[test]
fn reload_then_refresh_then_success() {
    let mut d = Scenario::stream().managed().start();
    d.respond(401, &[("x-request-id", "req_401a")], UNAUTHORIZED);
    d.refresh(
        RecoveryStep::Reload,
        Ok(Credentials::chatgpt("access-token-2", "acct-1")),
    );
    d.respond(401, &[("x-request-id", "req_401b")], UNAUTHORIZED);
    d.refresh(
        RecoveryStep::RefreshToken,
        Ok(Credentials::chatgpt("access-token-3", "acct-1")),
    );
    d.respond(200, &[], b"");
    d.expect_stream();

    assert_eq!(d.call.attempts(), 3);
    assert_eq!(d.call.auth_followups(), 2);
    assert_eq!(d.call.retries(), 0, "auth follow-ups are not retries");
    assert_eq!(d.authorization(0), "Bearer access-token-1");
    assert_eq!(d.authorization(1), "Bearer access-token-2");
    assert_eq!(d.authorization(2), "Bearer access-token-3");
    for request in &d.sent {
        assert_eq!(request.body(), d.sent[0].body());
    }

    let records = d.telemetry();
    assert_eq!(records.len(), 3);
    assert_eq!(records[0].decision, AttemptDecision::RecoverAuth);
    assert!(!records[0].after_unauthorized);
    assert_eq!(records[1].decision, AttemptDecision::RecoverAuth);
    assert!(records[1].after_unauthorized);
    assert!(records[2].after_unauthorized);
    assert_eq!(records[2].decision, AttemptDecision::Finished);
    let tags = records[2].auth_recovery.as_ref().unwrap();
    assert_eq!(tag(tags, "auth_recovery_mode"), "managed");
    assert_eq!(tag(tags, "auth_recovery_phase"), "refresh_token");
    assert_eq!(tag(tags, "auth_recovery_outcome"), "recovery_succeeded");
    assert_eq!(tag(tags, "auth_recovery_followup_status"), "200");
    assert_eq!(tag(tags, "auth_recovery_followup_success"), "true");
    assert_eq!(tag(tags, "auth_retry_after_unauthorized"), "true");
    assert_eq!(
        tag(
            records[0].auth_recovery.as_ref().unwrap(),
            "auth_request_id"
        ),
        "req_401a"
    );
}

#[test]
fn a_permanent_refresh_failure_ends_with_unauthorized_evidence_and_tags() {
    let mut d = Scenario::unary().managed().start();
    d.respond(401, &[("x-request-id", "req_1")], UNAUTHORIZED);
    d.refresh(
        RecoveryStep::Reload,
        Ok(Credentials::chatgpt("access-token-2", "acct-1")),
    );
    d.respond(
        401,
        &[
            ("x-request-id", "req_2"),
            ("x-openai-authorization-error", "token_revoked"),
        ],
        UNAUTHORIZED,
    );
    d.refresh(RecoveryStep::RefreshToken, Err(StepFailure::Permanent));
    let error = d.expect_done().unwrap_err();
    let details = error.api_error().unwrap().unauthorized().unwrap();
    assert_eq!(details.evidence.request_id.as_deref(), Some("req_2"));
    assert_eq!(
        details.evidence.authorization_error.as_deref(),
        Some("token_revoked")
    );
    let tags = unauthorized_tags(&error);
    assert_eq!(
        tag(&tags, "auth_recovery_outcome"),
        "recovery_failed_permanent"
    );
    assert_eq!(tag(&tags, "auth_recovery_phase"), "refresh_token");
    assert_eq!(tag(&tags, "auth_401_request_id"), "req_1");
    assert_eq!(d.call.attempts(), 2);
}

#[test]
fn a_permanent_failure_of_the_first_step_sends_nothing_more() {
    let mut d = Scenario::stream().managed().start();
    d.respond(401, &[], UNAUTHORIZED);
    d.refresh(RecoveryStep::Reload, Err(StepFailure::Permanent));
    let error = d.expect_done().unwrap_err();
    assert_eq!(
        tag(&unauthorized_tags(&error), "auth_recovery_outcome"),
        "recovery_failed_permanent"
    );
    assert_eq!(d.call.attempts(), 1);
}

#[test]
fn unauthorized_forever_is_bounded_by_the_recovery_plan() {
    let mut d = Scenario::stream().managed().start();
    d.respond(401, &[], UNAUTHORIZED);
    d.refresh(
        RecoveryStep::Reload,
        Ok(Credentials::chatgpt("t2", "acct-1")),
    );
    d.respond(401, &[], UNAUTHORIZED);
    d.refresh(
        RecoveryStep::RefreshToken,
        Ok(Credentials::chatgpt("t3", "acct-1")),
    );
    d.respond(401, &[("x-request-id", "req_last")], UNAUTHORIZED);
    let error = d.expect_done().unwrap_err();
    assert_eq!(d.call.attempts(), 3);
    let api = error.api_error().unwrap();
    assert_eq!(api.status(), Some(http::StatusCode::UNAUTHORIZED));
    assert_eq!(
        api.unauthorized().unwrap().evidence.request_id.as_deref(),
        Some("req_last")
    );
    let tags = unauthorized_tags(&error);
    assert_eq!(tag(&tags, "auth_recovery_followup_status"), "401");
    assert_eq!(tag(&tags, "auth_recovery_followup_success"), "false");
    let records = d.telemetry();
    assert_eq!(records.len(), 3);
    assert_eq!(
        records[2].decision,
        AttemptDecision::GaveUp { reason: None }
    );
}

#[test]
fn unchanged_credentials_skip_the_follow_up_and_go_to_the_next_step() {
    let mut d = Scenario::stream().managed().start();
    d.respond(401, &[], UNAUTHORIZED);
    d.refresh(
        RecoveryStep::Reload,
        Ok(Credentials::chatgpt("access-token-1", "acct-1")),
    );
    d.refresh(
        RecoveryStep::RefreshToken,
        Ok(Credentials::chatgpt("fresh", "acct-1")),
    );
    d.respond(200, &[], b"");
    d.expect_stream();
    assert_eq!(d.call.attempts(), 2);
    assert_eq!(d.authorization(1), "Bearer fresh");
}

#[test]
fn a_transient_failure_moves_on_to_the_next_step() {
    let mut d = Scenario::stream().managed().start();
    d.respond(401, &[], UNAUTHORIZED);
    d.refresh(RecoveryStep::Reload, Err(StepFailure::Transient));
    d.refresh(RecoveryStep::RefreshToken, Err(StepFailure::Transient));
    let error = d.expect_done().unwrap_err();
    assert_eq!(
        tag(&unauthorized_tags(&error), "auth_recovery_outcome"),
        "recovery_failed_transient"
    );
    assert_eq!(d.call.attempts(), 1);
}

#[test]
fn external_mode_asks_the_provider_once() {
    let mut d = Scenario::stream().external().start();
    d.respond(401, &[], UNAUTHORIZED);
    d.refresh(
        RecoveryStep::ExternalRefresh,
        Ok(Credentials::api_key("external-token-2")),
    );
    d.respond(200, &[], b"");
    d.expect_stream();
    assert_eq!(d.authorization(0), "Bearer external-token-1");
    assert_eq!(d.authorization(1), "Bearer external-token-2");
    let records = d.telemetry();
    let tags = records[1].auth_recovery.as_ref().unwrap();
    assert_eq!(tag(tags, "auth_recovery_mode"), "external");
    assert_eq!(tag(tags, "auth_recovery_phase"), "external_refresh");
}

#[test]
fn external_mode_gives_up_after_its_single_follow_up() {
    let mut d = Scenario::stream().external().start();
    d.respond(401, &[], UNAUTHORIZED);
    d.refresh(
        RecoveryStep::ExternalRefresh,
        Ok(Credentials::api_key("external-token-2")),
    );
    d.respond(401, &[], UNAUTHORIZED);
    let error = d.expect_done().unwrap_err();
    assert_eq!(error.kind(), "unauthorized");
    assert_eq!(d.call.attempts(), 2);
}

#[test]
fn without_recovery_a_401_ends_the_call_at_once() {
    let mut d = Scenario::stream().start();
    d.respond(
        401,
        &[("www-authenticate", "Bearer error=\"invalid_token\"")],
        UNAUTHORIZED,
    );
    let error = d.expect_done().unwrap_err();
    let tags = unauthorized_tags(&error);
    assert_eq!(tag(&tags, "auth_recovery_mode"), "none");
    assert_eq!(tag(&tags, "auth_recovery_outcome"), "recovery_not_run");
    assert_eq!(d.call.attempts(), 1);
    // The error never shows the credential.
    assert!(!format!("{error} {error:?}").contains("sk-initial-secret"));
}

#[test]
fn recovery_does_not_use_up_retries_and_retries_keep_new_credentials() {
    let mut d = Scenario::stream().managed().start();
    d.respond(401, &[], UNAUTHORIZED);
    d.refresh(
        RecoveryStep::Reload,
        Ok(Credentials::chatgpt("access-token-2", "acct-1")),
    );
    d.respond(500, &[], br#"{"error":{"message":"boom"}}"#);
    d.expect_wait();
    d.respond(200, &[], b"");
    d.expect_stream();
    assert_eq!(d.call.retries(), 1);
    assert_eq!(d.authorization(2), "Bearer access-token-2");
    let records = d.telemetry();
    assert!(records[1].after_unauthorized);
    assert!(!records[2].after_unauthorized);
}

#[test]
fn a_401_after_recovery_succeeded_is_reported_not_looped() {
    let mut d = Scenario::stream().managed().start();
    d.respond(401, &[], UNAUTHORIZED);
    d.refresh(
        RecoveryStep::Reload,
        Ok(Credentials::chatgpt("access-token-2", "acct-1")),
    );
    // The follow-up gets past the 401 (a retryable 503), then the retry gets a 401 again.
    d.respond(503, &[], b"");
    d.expect_wait();
    d.respond(401, &[], UNAUTHORIZED);
    let error = d.expect_done().unwrap_err();
    assert_eq!(error.kind(), "unauthorized");
    assert_eq!(d.call.attempts(), 3);
}

#[test]
fn credentials_are_ignored_unless_a_step_asked_for_them() {
    let mut d = Scenario::stream().managed().start();
    d.call
        .handle_credentials(Ok(Credentials::chatgpt("sneaky", "acct-1")));
    d.expect_send();
    assert_eq!(d.authorization(0), "Bearer access-token-1");
}

#[test]
fn debug_output_never_shows_credentials() {
    let mut d = Scenario::stream().managed().start();
    let action = d.poll();
    let shown = format!("{action:?} {:?}", d.call);
    assert!(matches!(action, codex_api_core::call::Action::Send(_)));
    assert!(!shown.contains("access-token-1"), "{shown}");
}
