//! Credentials: 401 recovery (refresh to success, still unauthorized, permanent failure, no
//! recovery), and the Agent Identity scope (assertion for first-party, bearer for custom).

use std::time::{Duration, UNIX_EPOCH};

use codex_api_core::agent_identity::{
    AgentIdentity, AgentSigningKey, AgentTaskKind, ProviderAuthScope, RegisteredAgentTask,
    SessionSource, verify_agent_assertion,
};
use codex_api_core::auth_scheme::AuthScheme;
use codex_api_core::call::AttemptRecord;
use codex_api_core::credentials::Credentials;
use codex_api_core::provider::Provider;
use codex_api_core::unauthorized::{RecoveryMode, RecoveryStep, StepFailure};
use codex_api_testkit::{Script, ScriptedResponse, Transcript};
use serde_json::json;

use super::{assert_failed, assert_requests, request};
use crate::auth::{NEW_TOKEN, OLD_TOKEN};
use crate::observation::{Observation, Phase};
use crate::scenario::{AuthSpec, CallSpec, Scenario};

fn unauthorized(request_id: &str) -> ScriptedResponse {
    ScriptedResponse::api_error(
        401,
        "Your token has expired",
        "invalid_request_error",
        None,
        Some("token_expired"),
    )
    .header("www-authenticate", "Bearer error=\"invalid_token\"")
    .request_id(request_id)
}

fn hello() -> ScriptedResponse {
    ScriptedResponse::sse(
        Transcript::new()
            .created()
            .message(&["welcome"])
            .completed(),
    )
}

fn stream(name: &'static str, script: Script, expect: fn(&Observation)) -> Scenario {
    Scenario::new(name, script, CallSpec::stream(request()), expect)
}

/// The value of one auth recovery tag of an attempt record.
fn tag<'a>(record: &'a AttemptRecord, key: &str) -> Option<&'a str> {
    let tags = record.auth_recovery.as_ref()?;
    tags.iter()
        .find(|(name, _)| *name == key)
        .map(|(_, value)| value.as_str())
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

fn assert_unauthorized(o: &Observation, request_id: &str) {
    assert_failed(o, "unauthorized", Some(401));
    let error = o.expect_error();
    assert_eq!(error.phase, Phase::Call);
    assert_eq!(error.request_id.as_deref(), Some(request_id));
    let details = error
        .api
        .as_ref()
        .and_then(|api| api.unauthorized())
        .expect("unauthorized details");
    assert_eq!(details.evidence.error_code(), Some("token_expired"));
    assert_eq!(details.evidence.auth_header_attached(), Some(true));
    assert_eq!(
        details.evidence.www_authenticate_error(),
        Some("invalid_token")
    );
}

/// The fixed instant assertions are made at, so every runtime sends the same bytes.
fn assertion_time() -> std::time::SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

fn signing_key() -> AgentSigningKey {
    AgentSigningKey::from_seed(&[7; 32])
}

/// What the Agent Identity scope picks for `provider` when the session signed in to ChatGPT.
fn scoped_credentials(provider: &Provider) -> Credentials {
    let mut scope = ProviderAuthScope::new(SessionSource::Exec).with_agent_identity(true);
    scope.handle_agent_identity(AgentIdentity::new("agent-1".into(), signing_key()));
    scope
        .handle_run_task(RegisteredAgentTask::new(
            "agent-1".into(),
            "task-1".into(),
            AgentTaskKind::Background,
        ))
        .expect("the task belongs to the identity");
    let chatgpt = Credentials::chatgpt("chatgpt-token", "account-1");
    scope
        .credentials_for(provider, &chatgpt, assertion_time())
        .expect("credentials")
}

/// The auth scenarios.
pub fn scenarios() -> Vec<Scenario> {
    let first_party = scoped_credentials(&Provider::chatgpt_codex());
    assert_eq!(first_party.scheme(), AuthScheme::AgentAssertion);
    // The scope decides on the provider a request goes to; a loopback provider is a custom one.
    let custom = Provider::custom("local", "http://127.0.0.1:9/v1").expect("provider");
    let custom_credentials = scoped_credentials(&custom);
    vec![
        stream(
            "unauthorized_refresh_then_success",
            Script::new().then(unauthorized("req_401")).then(hello()),
            |o| {
                assert!(o.completed(), "{:#?}", o.outcome);
                assert_eq!(o.text(), "welcome");
                assert_eq!(
                    o.auth_steps,
                    [RecoveryStep::Reload, RecoveryStep::RefreshToken]
                );
                assert_requests(o, 2);
                let auth: Vec<_> = o
                    .requests
                    .iter()
                    .map(|r| r.header("authorization"))
                    .collect();
                assert_eq!(
                    auth,
                    [
                        Some(bearer(OLD_TOKEN).as_str()),
                        Some(bearer(NEW_TOKEN).as_str())
                    ]
                );
                assert_eq!(o.requests[0].body, o.requests[1].body);
                // The attempt records tell the recovery (the tokens never: see `secrets`).
                assert_eq!(o.attempts.len(), 2);
                assert!(!o.attempts[0].after_unauthorized && o.attempts[1].after_unauthorized);
                let last = &o.attempts[1];
                assert_eq!(tag(last, "auth_mode"), Some("chatgpt"));
                assert_eq!(tag(last, "auth_recovery_mode"), Some("managed"));
                assert_eq!(tag(last, "auth_recovery_phase"), Some("refresh_token"));
                assert_eq!(
                    tag(last, "auth_recovery_outcome"),
                    Some("recovery_succeeded")
                );
                assert_eq!(tag(last, "auth_retry_after_unauthorized"), Some("true"));
                assert_eq!(tag(last, "auth_recovery_followup_success"), Some("true"));
                assert_eq!(tag(last, "auth_401_request_id"), Some("req_401"));
            },
        )
        .auth(AuthSpec::Rotating {
            mode: RecoveryMode::Managed,
            fail: None,
        }),
        stream(
            "unauthorized_twice",
            Script::new()
                .then(unauthorized("req_401a"))
                .then(unauthorized("req_401b")),
            |o| {
                assert_unauthorized(o, "req_401b");
                assert_eq!(
                    o.auth_steps,
                    [RecoveryStep::Reload, RecoveryStep::RefreshToken]
                );
                assert_requests(o, 2);
                let details = o
                    .expect_error()
                    .api
                    .as_ref()
                    .unwrap()
                    .unauthorized()
                    .unwrap();
                let tags = details.recovery_tags.as_ref().expect("recovery tags");
                let tag = |key: &str| {
                    tags.iter()
                        .find(|(name, _)| *name == key)
                        .map(|(_, value)| value.as_str())
                };
                assert_eq!(tag("auth_recovery_mode"), Some("managed"));
                assert_eq!(tag("auth_retry_after_unauthorized"), Some("true"));
                assert_eq!(tag("auth_recovery_followup_success"), Some("false"));
                assert!(!format!("{tags:?}").contains(NEW_TOKEN));
            },
        )
        .auth(AuthSpec::Rotating {
            mode: RecoveryMode::Managed,
            fail: None,
        }),
        stream(
            "unauthorized_external_refresh_fails",
            Script::new().then(unauthorized("req_401")),
            |o| {
                assert_unauthorized(o, "req_401");
                assert_eq!(o.auth_steps, [RecoveryStep::ExternalRefresh]);
                assert_requests(o, 1);
                // The record was taken at the 401, before the step ran; the error has the end.
                let record = o.attempts.last().expect("an attempt record");
                assert_eq!(tag(record, "auth_recovery_mode"), Some("external"));
                let api = o.expect_error().api.as_ref().unwrap();
                let details = api.unauthorized().unwrap();
                let tags = details.recovery_tags.as_ref().expect("recovery tags");
                let outcome = tags
                    .iter()
                    .find(|(name, _)| *name == "auth_recovery_outcome")
                    .map(|(_, value)| value.as_str());
                assert_eq!(outcome, Some("recovery_failed_permanent"));
            },
        )
        .auth(AuthSpec::Rotating {
            mode: RecoveryMode::External,
            fail: Some(StepFailure::Permanent),
        }),
        stream(
            "unauthorized_managed_steps_fail_transiently",
            Script::new().then(unauthorized("req_401")),
            |o| {
                assert_unauthorized(o, "req_401");
                assert_eq!(
                    o.auth_steps,
                    [RecoveryStep::Reload, RecoveryStep::RefreshToken]
                );
                assert_requests(o, 1);
            },
        )
        .auth(AuthSpec::Rotating {
            mode: RecoveryMode::Managed,
            fail: Some(StepFailure::Transient),
        }),
        Scenario::new(
            "unauthorized_refresh_on_models",
            Script::new()
                .then(unauthorized("req_401"))
                .then(ScriptedResponse::models(
                    vec![json!({"slug": "gpt-test"})],
                    "\"e1\"",
                )),
            CallSpec::Models(None),
            |o| {
                assert_eq!(o.auth_steps, [RecoveryStep::ExternalRefresh]);
                assert_requests(o, 2);
                assert_eq!(
                    o.requests[1].header("authorization"),
                    Some(bearer(NEW_TOKEN).as_str())
                );
                assert!(
                    matches!(o.outcome, crate::observation::Outcome::Models(_)),
                    "{:#?}",
                    o.outcome
                );
            },
        )
        .auth(AuthSpec::Rotating {
            mode: RecoveryMode::External,
            fail: None,
        }),
        stream(
            "unauthorized_api_key_is_final",
            Script::new().then(unauthorized("req_401")),
            |o| {
                assert_unauthorized(o, "req_401");
                assert!(o.auth_steps.is_empty(), "{:?}", o.auth_steps);
                assert_requests(o, 1);
                let record = o.attempts.last().expect("an attempt record");
                assert_eq!(tag(record, "auth_recovery_mode"), Some("none"));
            },
        ),
        stream(
            "agent_assertion_for_first_party",
            Script::new().then(hello()),
            |o| {
                assert!(o.completed());
                let sent = &o.requests[0];
                let header = sent.header("authorization").expect("authorization");
                let token = header
                    .strip_prefix("AgentAssertion ")
                    .unwrap_or_else(|| panic!("not an assertion: {header}"));
                let verified = verify_agent_assertion(token, &signing_key().verifying_key())
                    .expect("verifies");
                assert_eq!(verified.task_id.as_str(), "task-1");
                assert_eq!(sent.header("chatgpt-account-id"), Some("account-1"));
            },
        )
        .auth(AuthSpec::Static(first_party)),
        stream(
            "bearer_for_custom_provider",
            Script::new().then(hello()),
            |o| {
                assert!(o.completed());
                let sent = &o.requests[0];
                assert_eq!(sent.header("authorization"), Some("Bearer chatgpt-token"));
                assert_eq!(sent.header("chatgpt-account-id"), Some("account-1"));
            },
        )
        .auth(AuthSpec::Static(custom_credentials)),
    ]
}
