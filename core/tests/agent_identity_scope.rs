//! ProviderAuthScope: which providers get assertions, and the failure modes.

#![cfg(feature = "agent-identity")]

use bytes::Bytes;
use codex_api_core::agent_identity::{
    AgentIdentity, AgentIdentityError, AgentSigningKey, AgentTaskKind, ProviderAuthScope,
    RegisteredAgentTask, SessionSource, verify_agent_assertion,
};
use codex_api_core::auth_scheme::AuthScheme;
use codex_api_core::credentials::Credentials;
use codex_api_core::provider::Provider;
use codex_api_core::request::{Endpoint, ResponsesOptions, build_request};
use codex_api_core::secret::Secret;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

fn key() -> AgentSigningKey {
    AgentSigningKey::from_seed(&[3; 32])
}

fn run_task() -> RegisteredAgentTask {
    RegisteredAgentTask::new(
        "agent-1".into(),
        "task-run".into(),
        AgentTaskKind::Background,
    )
}

fn ready_scope() -> ProviderAuthScope {
    let mut scope = ProviderAuthScope::new(SessionSource::Exec).with_agent_identity(true);
    scope.handle_agent_identity(AgentIdentity::new("agent-1".into(), key()));
    scope.handle_run_task(run_task()).unwrap();
    scope
}

fn chatgpt(fedramp: bool) -> Credentials {
    Credentials::ChatGpt {
        token: Secret::new("chatgpt-token"),
        account_id: "acct-1".into(),
        fedramp,
    }
}

fn other_providers() -> Vec<Provider> {
    vec![
        Provider::custom("local", "http://localhost:11434/v1").unwrap(),
        Provider::custom("custom", "https://llm.example.com/v1").unwrap(),
        Provider::custom("azure", "https://api.openai.com/v1").unwrap(),
        Provider::custom("p", "https://res.openai.azure.com/openai").unwrap(),
    ]
}

#[test]
fn off_by_default() {
    let mut scope = ProviderAuthScope::new(SessionSource::Cli);
    assert!(!scope.use_agent_identity());
    assert_eq!(scope.session_source(), &SessionSource::Cli);
    scope.handle_agent_identity(AgentIdentity::new("agent-1".into(), key()));
    scope.handle_run_task(run_task()).unwrap();
    for provider in [Provider::openai(), Provider::chatgpt_codex()] {
        assert_eq!(
            scope.credentials_for(&provider, &chatgpt(false), now()),
            Ok(chatgpt(false))
        );
    }
}

#[test]
fn first_party_providers_get_assertions_with_account_routing() {
    let scope = ready_scope();
    for provider in [Provider::openai(), Provider::chatgpt_codex()] {
        for fedramp in [false, true] {
            let chosen = scope
                .credentials_for(&provider, &chatgpt(fedramp), now())
                .unwrap();
            assert_eq!(chosen.scheme(), AuthScheme::AgentAssertion);
            let Credentials::AccountAgentAssertion {
                assertion,
                account_id,
                fedramp: chosen_fedramp,
            } = &chosen
            else {
                panic!("unexpected credentials {chosen:?}");
            };
            assert_eq!(account_id, "acct-1");
            assert_eq!(*chosen_fedramp, fedramp);
            let verified =
                verify_agent_assertion(assertion.expose(), &key().verifying_key()).unwrap();
            assert_eq!(verified.task_id.as_str(), "task-run");
            assert_eq!(verified.agent_runtime_id.as_str(), "agent-1");
            assert_eq!(verified.timestamp.to_system_time(), now());
        }
    }
    // Without ordinary credentials: the identity's own account, else a bare assertion.
    let bare = scope
        .credentials_for(&Provider::openai(), &Credentials::None, now())
        .unwrap();
    assert!(matches!(bare, Credentials::AgentAssertion(_)));
    let mut with_account = ProviderAuthScope::new(SessionSource::Ide).with_agent_identity(true);
    with_account.handle_agent_identity(
        AgentIdentity::new("agent-1".into(), key()).with_account("acct-own", true),
    );
    with_account.handle_run_task(run_task()).unwrap();
    let routed = with_account
        .credentials_for(&Provider::chatgpt_codex(), &Credentials::None, now())
        .unwrap();
    assert_eq!(routed.account_id(), Some("acct-own"));
    assert_eq!(routed.scheme(), AuthScheme::AgentAssertion);
}

#[test]
fn inference_and_compaction_alike() {
    let scope = ready_scope();
    let provider = Provider::chatgpt_codex();
    for endpoint in [Endpoint::responses(), Endpoint::responses_compact()] {
        let credentials = scope
            .credentials_for(&provider, &chatgpt(true), now())
            .unwrap();
        let request = build_request(
            &provider,
            &endpoint,
            Some(Bytes::from_static(b"{}")),
            &ResponsesOptions::new(),
            &credentials,
        )
        .unwrap();
        let authorization = request.headers()["authorization"].to_str().unwrap();
        assert!(
            authorization.starts_with("AgentAssertion "),
            "{authorization}"
        );
        verify_agent_assertion(authorization, &key().verifying_key()).unwrap();
        assert_eq!(request.headers()["chatgpt-account-id"], "acct-1");
        assert_eq!(request.headers()["x-openai-fedramp"], "true");
    }
}

#[test]
fn other_providers_and_api_keys_keep_their_auth() {
    let scope = ready_scope();
    for provider in other_providers() {
        for base in [
            chatgpt(false),
            Credentials::api_key("sk-1"),
            Credentials::None,
        ] {
            assert!(!scope.applies_to(&provider, &base));
            assert_eq!(
                scope.credentials_for(&provider, &base, now()),
                Ok(base.clone())
            );
        }
    }
    for provider in [Provider::openai(), Provider::chatgpt_codex()] {
        for base in [
            Credentials::api_key("sk-1"),
            Credentials::AgentAssertion(Secret::new("external")),
        ] {
            assert_eq!(
                scope.credentials_for(&provider, &base, now()),
                Ok(base.clone())
            );
        }
    }
}

#[test]
fn missing_run_task_is_an_error_not_a_fallback() {
    let mut scope = ProviderAuthScope::new(SessionSource::Cli).with_agent_identity(true);
    assert_eq!(
        scope.credentials_for(&Provider::openai(), &chatgpt(false), now()),
        Err(AgentIdentityError::NotProvisioned)
    );
    scope.handle_agent_identity(AgentIdentity::new("agent-1".into(), key()));
    assert!(scope.identity().is_some());
    assert!(scope.run_task().is_none());
    for provider in [Provider::openai(), Provider::chatgpt_codex()] {
        assert_eq!(
            scope.credentials_for(&provider, &chatgpt(false), now()),
            Err(AgentIdentityError::RunTaskMissing)
        );
    }
    // Ineligible providers are unaffected by the missing task.
    for provider in other_providers() {
        assert_eq!(
            scope.credentials_for(&provider, &chatgpt(false), now()),
            Ok(chatgpt(false))
        );
    }
    // A task of another runtime is refused.
    assert_eq!(
        scope.handle_run_task(RegisteredAgentTask::new(
            "agent-2".into(),
            "t".into(),
            AgentTaskKind::Thread
        )),
        Err(AgentIdentityError::RuntimeMismatch)
    );
    assert!(scope.run_task().is_none());
}

#[test]
fn bootstrap_failure_falls_back_to_bearer_for_the_session() {
    let mut scope = ProviderAuthScope::new(SessionSource::SubAgent).with_agent_identity(true);
    scope.handle_bootstrap_failure("registration returned 403");
    assert_eq!(scope.bootstrap_failure(), Some("registration returned 403"));
    for provider in [Provider::openai(), Provider::chatgpt_codex()] {
        assert_eq!(
            scope.credentials_for(&provider, &chatgpt(false), now()),
            Ok(chatgpt(false))
        );
    }
    assert_eq!(
        scope.handle_run_task(run_task()),
        Err(AgentIdentityError::NotProvisioned)
    );
    assert!(ready_scope().bootstrap_failure().is_none());
}

#[test]
fn unrepresentable_time_is_an_error() {
    let scope = ready_scope();
    assert_eq!(
        scope.credentials_for(
            &Provider::openai(),
            &chatgpt(false),
            UNIX_EPOCH - Duration::from_secs(1)
        ),
        Err(AgentIdentityError::TimestampOutOfRange)
    );
}

#[test]
fn debug_of_scope_redacts_key_and_tokens() {
    let scope = ready_scope();
    let shown = format!("{scope:?}");
    assert!(shown.contains("<redacted>"));
    assert!(!shown.contains("AwMDAwMDAwMDAwMD"), "{shown}");
    let chosen = scope
        .credentials_for(&Provider::openai(), &chatgpt(false), now())
        .unwrap();
    let Credentials::AccountAgentAssertion { assertion, .. } = &chosen else {
        panic!("{chosen:?}");
    };
    assert!(!format!("{chosen:?}").contains(assertion.expose()));
    assert!(!format!("{chosen:?}").contains("chatgpt-token"));
}
