//! AuthRecovery scenarios: managed, external, none, permanent/transient failures, 401 forever.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use codex_api_core::auth_scheme::AuthScheme;
use codex_api_core::unauthorized::{
    AuthRecovery, CredentialsChange, RecoveryEnd, RecoveryMode, RecoveryPoll, RecoveryStep,
    StepFailure, StepOutcome, UnauthorizedEvidence,
};
use http::{HeaderMap, HeaderValue, StatusCode};

fn evidence(
    request_id: &str,
    ray: &str,
    auth_error: Option<&str>,
    code: Option<&str>,
) -> UnauthorizedEvidence {
    let mut head = HeaderMap::new();
    head.insert("x-request-id", HeaderValue::from_str(request_id).unwrap());
    head.insert("cf-ray", HeaderValue::from_str(ray).unwrap());
    if let Some(auth_error) = auth_error {
        head.insert(
            "x-openai-authorization-error",
            HeaderValue::from_str(auth_error).unwrap(),
        );
    }
    if let Some(code) = code {
        let json = format!(r#"{{"error":{{"code":"{code}"}}}}"#);
        head.insert(
            "x-error-json",
            HeaderValue::from_str(&STANDARD.encode(json)).unwrap(),
        );
    }
    UnauthorizedEvidence::from_response(AuthScheme::Bearer, &head, b"")
}

fn tag<'a>(tags: &'a [(&'static str, String)], key: &str) -> Option<&'a str> {
    tags.iter()
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v.as_str())
}

#[test]
fn managed_reload_then_refresh_then_success() {
    let mut recovery = AuthRecovery::new(RecoveryMode::Managed, "chatgpt");
    assert_eq!(recovery.poll_step(), RecoveryPoll::Idle);
    recovery.handle_unauthorized(evidence(
        "req_1",
        "ray_1",
        Some("token_expired"),
        Some("token_expired"),
    ));

    assert_eq!(
        recovery.poll_step(),
        RecoveryPoll::RunStep(RecoveryStep::Reload)
    );
    assert_eq!(
        recovery.poll_step(),
        RecoveryPoll::Waiting,
        "a step is handed out once"
    );
    recovery.handle_step_result(Ok(CredentialsChange::Changed));
    assert_eq!(recovery.poll_step(), RecoveryPoll::SendFollowup);
    assert_eq!(
        recovery.poll_step(),
        RecoveryPoll::Waiting,
        "a follow-up is handed out once"
    );
    recovery.handle_unauthorized(evidence("req_2", "ray_2", None, Some("token_expired")));

    assert_eq!(
        recovery.poll_step(),
        RecoveryPoll::RunStep(RecoveryStep::RefreshToken)
    );
    recovery.handle_step_result(Ok(CredentialsChange::Changed));
    assert_eq!(recovery.poll_step(), RecoveryPoll::SendFollowup);
    recovery.handle_followup_status(StatusCode::OK);
    assert_eq!(
        recovery.poll_step(),
        RecoveryPoll::Finished(RecoveryEnd::Recovered)
    );
    assert_eq!(recovery.end(), Some(RecoveryEnd::Recovered));
    assert_eq!(recovery.outcome(), StepOutcome::Succeeded);
    assert_eq!(recovery.followups_sent(), 2);

    let tags = recovery.tags();
    let keys: Vec<&str> = tags.iter().map(|(k, _)| *k).collect();
    assert_eq!(
        keys,
        [
            "auth_header_attached",
            "auth_header_name",
            "auth_header_scheme",
            "auth_mode",
            "auth_retry_after_unauthorized",
            "auth_recovery_mode",
            "auth_recovery_phase",
            "auth_recovery_outcome",
            "auth_recovery_followup_success",
            "auth_recovery_followup_status",
            "auth_request_id",
            "auth_cf_ray",
            "auth_error_code",
            "auth_failure",
            "auth_401_request_id",
            "auth_401_cf_ray",
            "auth_401_error",
            "auth_401_error_code",
        ]
    );
    assert_eq!(tag(&tags, "auth_header_attached"), Some("true"));
    assert_eq!(tag(&tags, "auth_header_name"), Some("authorization"));
    assert_eq!(tag(&tags, "auth_header_scheme"), Some("bearer"));
    assert_eq!(tag(&tags, "auth_mode"), Some("chatgpt"));
    assert_eq!(tag(&tags, "auth_retry_after_unauthorized"), Some("true"));
    assert_eq!(tag(&tags, "auth_recovery_mode"), Some("managed"));
    assert_eq!(tag(&tags, "auth_recovery_phase"), Some("refresh_token"));
    assert_eq!(
        tag(&tags, "auth_recovery_outcome"),
        Some("recovery_succeeded")
    );
    assert_eq!(tag(&tags, "auth_recovery_followup_success"), Some("true"));
    assert_eq!(tag(&tags, "auth_recovery_followup_status"), Some("200"));
    // Latest 401 (the follow-up's) vs first 401.
    assert_eq!(tag(&tags, "auth_request_id"), Some("req_2"));
    assert_eq!(tag(&tags, "auth_cf_ray"), Some("ray_2"));
    assert_eq!(tag(&tags, "auth_error"), None);
    assert_eq!(tag(&tags, "auth_error_code"), Some("token_expired"));
    assert_eq!(tag(&tags, "auth_failure"), Some("token_expired"));
    assert_eq!(tag(&tags, "auth_401_request_id"), Some("req_1"));
    assert_eq!(tag(&tags, "auth_401_cf_ray"), Some("ray_1"));
    assert_eq!(tag(&tags, "auth_401_error"), Some("token_expired"));
    assert_eq!(tag(&tags, "auth_401_error_code"), Some("token_expired"));
    assert_eq!(
        recovery.first_evidence().unwrap().request_id.as_deref(),
        Some("req_1")
    );
    assert_eq!(
        recovery.latest_evidence().unwrap().request_id.as_deref(),
        Some("req_2")
    );
}

#[test]
fn managed_reload_unchanged_goes_straight_to_refresh() {
    let mut recovery = AuthRecovery::new(RecoveryMode::Managed, "chatgpt");
    recovery.handle_unauthorized(evidence("req_1", "ray_1", None, None));
    assert_eq!(
        recovery.poll_step(),
        RecoveryPoll::RunStep(RecoveryStep::Reload)
    );
    recovery.handle_step_result(Ok(CredentialsChange::Unchanged));
    assert_eq!(
        recovery.poll_step(),
        RecoveryPoll::RunStep(RecoveryStep::RefreshToken)
    );
    recovery.handle_step_result(Ok(CredentialsChange::Changed));
    assert_eq!(recovery.poll_step(), RecoveryPoll::SendFollowup);
    recovery.handle_followup_status(StatusCode::INTERNAL_SERVER_ERROR);
    // Past the 401: the 500 is the caller's (retry policy's) business.
    assert_eq!(
        recovery.poll_step(),
        RecoveryPoll::Finished(RecoveryEnd::Recovered)
    );
    assert_eq!(recovery.followups_sent(), 1);
    let tags = recovery.tags();
    assert_eq!(tag(&tags, "auth_recovery_followup_success"), Some("false"));
    assert_eq!(tag(&tags, "auth_recovery_followup_status"), Some("500"));
}

#[test]
fn refresh_fails_permanently_stops_at_once() {
    let mut recovery = AuthRecovery::new(RecoveryMode::Managed, "chatgpt");
    recovery.handle_unauthorized(evidence("req_1", "ray_1", None, Some("token_expired")));
    assert_eq!(
        recovery.poll_step(),
        RecoveryPoll::RunStep(RecoveryStep::Reload)
    );
    recovery.handle_step_result(Ok(CredentialsChange::Unchanged));
    assert_eq!(
        recovery.poll_step(),
        RecoveryPoll::RunStep(RecoveryStep::RefreshToken)
    );
    recovery.handle_step_result(Err(StepFailure::Permanent));
    assert_eq!(
        recovery.poll_step(),
        RecoveryPoll::Finished(RecoveryEnd::FailedPermanent)
    );
    assert_eq!(recovery.followups_sent(), 0);
    let tags = recovery.tags();
    assert_eq!(
        tag(&tags, "auth_recovery_outcome"),
        Some("recovery_failed_permanent")
    );
    assert_eq!(tag(&tags, "auth_retry_after_unauthorized"), Some("false"));
    assert_eq!(tag(&tags, "auth_recovery_followup_success"), Some("none"));
    assert_eq!(tag(&tags, "auth_recovery_followup_status"), Some("none"));

    let error = recovery
        .to_error(br#"{"error":{"message":"Your session expired"}}"#)
        .unwrap();
    assert_eq!(error.kind(), "unauthorized");
    assert_eq!(error.message(), Some("Your session expired"));
    let details = error.unauthorized().unwrap();
    assert_eq!(details.failure.as_str(), "token_expired");
    assert_eq!(details.recovery_tags.as_deref(), Some(tags.as_slice()));
}

#[test]
fn permanent_failure_of_the_first_step_skips_the_rest() {
    let mut recovery = AuthRecovery::new(RecoveryMode::Managed, "chatgpt");
    recovery.handle_unauthorized(evidence("req_1", "ray_1", None, None));
    assert_eq!(
        recovery.poll_step(),
        RecoveryPoll::RunStep(RecoveryStep::Reload)
    );
    recovery.handle_step_result(Err(StepFailure::Permanent));
    assert_eq!(
        recovery.poll_step(),
        RecoveryPoll::Finished(RecoveryEnd::FailedPermanent)
    );
    assert_eq!(tag(&recovery.tags(), "auth_recovery_phase"), Some("reload"));
}

#[test]
fn refresh_fails_transiently() {
    let mut recovery = AuthRecovery::new(RecoveryMode::Managed, "chatgpt");
    recovery.handle_unauthorized(evidence("req_1", "ray_1", None, None));
    assert_eq!(
        recovery.poll_step(),
        RecoveryPoll::RunStep(RecoveryStep::Reload)
    );
    // A transient reload failure moves on to refresh.
    recovery.handle_step_result(Err(StepFailure::Transient));
    assert_eq!(
        recovery.poll_step(),
        RecoveryPoll::RunStep(RecoveryStep::RefreshToken)
    );
    recovery.handle_step_result(Err(StepFailure::Transient));
    assert_eq!(
        recovery.poll_step(),
        RecoveryPoll::Finished(RecoveryEnd::FailedTransient)
    );
    assert_eq!(
        tag(&recovery.tags(), "auth_recovery_outcome"),
        Some("recovery_failed_transient")
    );
}

#[test]
fn external_mode_asks_the_provider_once() {
    let mut recovery = AuthRecovery::new(RecoveryMode::External, "external_bearer");
    recovery.handle_unauthorized(evidence("req_1", "ray_1", None, None));
    assert_eq!(
        recovery.poll_step(),
        RecoveryPoll::RunStep(RecoveryStep::ExternalRefresh)
    );
    recovery.handle_step_result(Ok(CredentialsChange::Changed));
    assert_eq!(recovery.poll_step(), RecoveryPoll::SendFollowup);
    recovery.handle_followup_status(StatusCode::OK);
    assert_eq!(
        recovery.poll_step(),
        RecoveryPoll::Finished(RecoveryEnd::Recovered)
    );
    let tags = recovery.tags();
    assert_eq!(tag(&tags, "auth_recovery_mode"), Some("external"));
    assert_eq!(tag(&tags, "auth_recovery_phase"), Some("external_refresh"));
    assert_eq!(tag(&tags, "auth_mode"), Some("external_bearer"));

    // And a follow-up 401 exhausts it.
    let mut recovery = AuthRecovery::new(RecoveryMode::External, "external_bearer");
    recovery.handle_unauthorized(evidence("req_1", "ray_1", None, None));
    assert_eq!(
        recovery.poll_step(),
        RecoveryPoll::RunStep(RecoveryStep::ExternalRefresh)
    );
    recovery.handle_step_result(Ok(CredentialsChange::Changed));
    assert_eq!(recovery.poll_step(), RecoveryPoll::SendFollowup);
    recovery.handle_followup_status(StatusCode::UNAUTHORIZED);
    assert_eq!(
        recovery.poll_step(),
        RecoveryPoll::Finished(RecoveryEnd::StillUnauthorized)
    );
    assert_eq!(
        tag(&recovery.tags(), "auth_recovery_followup_status"),
        Some("401")
    );
}

#[test]
fn none_mode_does_not_run() {
    let mut recovery = AuthRecovery::new(RecoveryMode::None, "api_key");
    recovery.handle_unauthorized(evidence("req_1", "ray_1", Some("invalid_api_key"), None));
    assert_eq!(
        recovery.poll_step(),
        RecoveryPoll::Finished(RecoveryEnd::NotRun)
    );
    let tags = recovery.tags();
    assert_eq!(tag(&tags, "auth_recovery_mode"), Some("none"));
    assert_eq!(tag(&tags, "auth_recovery_phase"), Some("none"));
    assert_eq!(
        tag(&tags, "auth_recovery_outcome"),
        Some("recovery_not_run")
    );
    assert_eq!(tag(&tags, "auth_retry_after_unauthorized"), Some("false"));
    assert_eq!(tag(&tags, "auth_failure"), Some("invalid_api_key"));
    assert_eq!(tag(&tags, "auth_401_error"), Some("invalid_api_key"));
}

/// A caller loop that obeys every poll and answers every follow-up with a 401 and every step
/// with new credentials: recovery must end after at most as many steps as the mode has.
#[test]
fn unauthorized_forever_is_bounded() {
    for (mode, max_steps) in [
        (RecoveryMode::Managed, 2),
        (RecoveryMode::External, 1),
        (RecoveryMode::None, 0),
    ] {
        let mut recovery = AuthRecovery::new(mode, "x");
        recovery.handle_unauthorized(evidence("req_0", "ray_0", None, None));
        let (mut steps, mut followups, mut polls) = (0, 0, 0);
        let end = loop {
            polls += 1;
            assert!(polls < 100, "{mode:?} did not terminate");
            match recovery.poll_step() {
                RecoveryPoll::RunStep(_) => {
                    steps += 1;
                    recovery.handle_step_result(Ok(CredentialsChange::Changed));
                }
                RecoveryPoll::SendFollowup => {
                    followups += 1;
                    recovery.handle_unauthorized(evidence(
                        &format!("req_{followups}"),
                        "ray",
                        None,
                        None,
                    ));
                }
                RecoveryPoll::Finished(end) => break end,
                other => panic!("unexpected {other:?}"),
            }
        };
        assert_eq!(steps, max_steps, "{mode:?}");
        assert_eq!(followups, max_steps, "{mode:?}");
        assert_eq!(recovery.followups_sent(), max_steps);
        let expected = if max_steps == 0 {
            RecoveryEnd::NotRun
        } else {
            RecoveryEnd::StillUnauthorized
        };
        assert_eq!(end, expected);
        // Further 401s and stray inputs change nothing.
        for _ in 0..10 {
            recovery.handle_unauthorized(evidence("req_late", "ray", None, None));
            recovery.handle_step_result(Ok(CredentialsChange::Changed));
            recovery.handle_followup_status(StatusCode::UNAUTHORIZED);
            assert_eq!(recovery.poll_step(), RecoveryPoll::Finished(expected));
        }
        assert_eq!(recovery.followups_sent(), max_steps);
    }
}

#[test]
fn out_of_order_inputs_are_ignored() {
    let mut recovery = AuthRecovery::new(RecoveryMode::Managed, "chatgpt");
    // Before any 401.
    recovery.handle_step_result(Ok(CredentialsChange::Changed));
    recovery.handle_followup_status(StatusCode::OK);
    assert_eq!(recovery.poll_step(), RecoveryPoll::Idle);
    recovery.handle_unauthorized(evidence("req_1", "ray_1", None, None));
    // A step result before the step was polled is ignored.
    recovery.handle_step_result(Ok(CredentialsChange::Changed));
    assert_eq!(
        recovery.poll_step(),
        RecoveryPoll::RunStep(RecoveryStep::Reload)
    );
    // A follow-up status while the step runs is ignored; a second 401 too.
    recovery.handle_followup_status(StatusCode::OK);
    recovery.handle_unauthorized(evidence("req_x", "ray_x", None, None));
    assert_eq!(recovery.poll_step(), RecoveryPoll::Waiting);
    assert_eq!(
        recovery.latest_evidence().unwrap().request_id.as_deref(),
        Some("req_1")
    );
    assert_eq!(recovery.to_error(b"").unwrap().request_id(), Some("req_1"));
    assert_eq!(
        AuthRecovery::new(RecoveryMode::Managed, "m").to_error(b""),
        None
    );
}

#[test]
fn unknown_scheme_and_missing_header_tags() {
    let mut recovery = AuthRecovery::new(RecoveryMode::None, "  ");
    recovery.handle_unauthorized(UnauthorizedEvidence::from_response(
        AuthScheme::None,
        &HeaderMap::new(),
        b"",
    ));
    let tags = recovery.tags();
    assert_eq!(tag(&tags, "auth_header_attached"), Some("false"));
    assert_eq!(tag(&tags, "auth_header_name"), Some("none"));
    assert_eq!(tag(&tags, "auth_header_scheme"), Some("none"));
    assert_eq!(tag(&tags, "auth_mode"), Some("unknown"));
    assert_eq!(tag(&tags, "auth_failure"), Some("missing_authorization"));
    assert_eq!(tag(&tags, "auth_request_id"), None);
    assert_eq!(
        AuthRecovery::new(RecoveryMode::Managed, "m").tags().len(),
        10
    );
}
