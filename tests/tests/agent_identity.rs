//! Agent Identity end to end, on every runtime: a call before the run task is registered fails
//! with the typed error and sends nothing (never a silent bearer fallback); the registration
//! request the core builds goes out signed and without `Authorization`; then every attempt of a
//! `responses` or `compact` call carries an assertion for the task, while `models` and a
//! provider that is not first-party keep the ChatGPT bearer.

use std::future::Future;
use std::pin::Pin;

use codex_api_core::agent_identity::{
    AgentIdentity, AgentSigningKey, AgentTaskKind, ProviderAuthScope, SessionSource,
    verify_agent_assertion,
};
use codex_api_core::credentials::Credentials;
use codex_api_core::provider::Provider;
use codex_api_core::request::ResponsesOptions;
use codex_api_core::retry::RetryPolicy;
use codex_api_core::secret::Secret;
use codex_api_core::wire::{CompactionInput, ResponseItem, ResponsesApiRequest, Role};
use codex_api_testkit::{Script, ScriptedResponse, TestServer, Transcript};
use futures_util::StreamExt;
use serde_json::json;

const RUNTIME_ID: &str = "agent-runtime-1";

fn key() -> AgentSigningKey {
    AgentSigningKey::from_seed(&[7; 32])
}

fn chatgpt() -> Credentials {
    Credentials::ChatGpt {
        token: Secret::new("chatgpt-token-secret"),
        account_id: "acct-9".into(),
        fedramp: false,
    }
}

fn scope() -> ProviderAuthScope {
    let mut scope = ProviderAuthScope::new(SessionSource::Exec).with_agent_identity(true);
    scope.handle_agent_identity(AgentIdentity::new(RUNTIME_ID.into(), key()));
    scope
}

fn policy() -> RetryPolicy {
    let mut policy = RetryPolicy::default();
    policy.initial_backoff = std::time::Duration::from_millis(1);
    policy.max_backoff = std::time::Duration::from_millis(2);
    policy
}

/// The server: the registration reply, a 500 then a stream (`responses`, retried), a compact
/// reply, a models list.
fn script() -> Script {
    let transcript = Transcript::new().created().message(&["ok"]).completed();
    Script::new()
        .then(ScriptedResponse::json(200, &json!({"task_id": "task-42"})))
        .then(ScriptedResponse::api_error(
            500,
            "blip",
            "server_error",
            None,
            None,
        ))
        .then(ScriptedResponse::sse(transcript))
        .then(ScriptedResponse::json(200, &json!({"output": []})))
        .then(ScriptedResponse::models(vec![], "e"))
}

/// One runtime's client, seen through the calls this test makes.
trait Flow {
    fn name(&self) -> &'static str;
    /// Streams a response to the end; the error's kind if the call failed.
    fn stream(&self) -> Result<(), &'static str>;
    fn register(&self, auth_base_url: &str) -> String;
    fn compact(&self);
    fn models(&self);
}

type BlockOn = fn(Pin<Box<dyn Future<Output = ()> + '_>>);

macro_rules! async_flow {
    ($name:literal, $krate:ident, $block_on:expr) => {{
        struct Async($krate::Client, BlockOn);
        impl Async {
            fn run<T>(&self, future: impl Future<Output = T>) -> T {
                let mut out = None;
                (self.1)(Box::pin(async { out = Some(future.await) }));
                out.expect("the future ran")
            }
        }
        impl Flow for Async {
            fn name(&self) -> &'static str {
                $name
            }
            fn stream(&self) -> Result<(), &'static str> {
                self.run(async {
                    let mut events = self
                        .0
                        .stream(request(), ResponsesOptions::new())
                        .await
                        .map_err(|error| error.kind())?;
                    while let Some(event) = events.next().await {
                        event.map_err(|error| error.kind())?;
                    }
                    Ok(())
                })
            }
            fn register(&self, auth_base_url: &str) -> String {
                let task = self.run(self.0.register_run_task(
                    auth_base_url,
                    AgentTaskKind::Background,
                    None,
                ));
                task.unwrap().task_id().as_str().to_owned()
            }
            fn compact(&self) {
                let input = compaction();
                self.run(self.0.compact(input, ResponsesOptions::new()))
                    .unwrap();
            }
            fn models(&self) {
                self.run(self.0.list_models(None)).unwrap();
            }
        }
        |provider: Provider| {
            let auth = $krate::StaticAuth::new(chatgpt());
            let client = $krate::Client::builder(provider, auth)
                .without_proxy()
                .retry_policy(policy())
                .auth_scope(scope())
                .build()
                .unwrap();
            Box::new(Async(client, $block_on)) as Box<dyn Flow>
        }
    }};
}

struct Blocking(codex_api_blocking::Client);

impl Flow for Blocking {
    fn name(&self) -> &'static str {
        "blocking"
    }
    fn stream(&self) -> Result<(), &'static str> {
        let events = self
            .0
            .stream(request(), ResponsesOptions::new())
            .map_err(|error| error.kind())?;
        for event in events {
            event.map_err(|error| error.kind())?;
        }
        Ok(())
    }
    fn register(&self, auth_base_url: &str) -> String {
        let task = self
            .0
            .register_run_task(auth_base_url, AgentTaskKind::Background, None);
        task.unwrap().task_id().as_str().to_owned()
    }
    fn compact(&self) {
        self.0
            .compact(compaction(), ResponsesOptions::new())
            .unwrap();
    }
    fn models(&self) {
        self.0.list_models(None).unwrap();
    }
}

fn request() -> ResponsesApiRequest {
    ResponsesApiRequest::new("gpt-test").input(vec![ResponseItem::text_message(Role::User, "hi")])
}

fn compaction() -> CompactionInput {
    serde_json::from_value(json!({"model": "gpt-test", "input": [], "instructions": ""})).unwrap()
}

type MakeFlow = Box<dyn Fn(Provider) -> Box<dyn Flow>>;

fn flows() -> Vec<MakeFlow> {
    vec![
        Box::new(async_flow!("tokio", codex_api_tokio, |future| {
            codex_api_tests::block_on_tokio(future)
        })),
        Box::new(async_flow!("async-std", codex_api_async_std, |future| {
            async_std::task::block_on(future)
        })),
        Box::new(async_flow!("smol", codex_api_async_std, |future| {
            smol::block_on(future)
        })),
        Box::new(|provider: Provider| {
            let auth = codex_api_blocking::StaticAuth::new(chatgpt());
            let client = codex_api_blocking::Client::builder(provider, auth)
                .without_proxy()
                .retry_policy(policy())
                .auth_scope(scope())
                .build()
                .unwrap();
            Box::new(Blocking(client)) as Box<dyn Flow>
        }),
    ]
}

#[test]
fn run_task_registration_then_assertions_on_every_attempt() {
    for make in flows() {
        let server = TestServer::start(script()).unwrap();
        // A gateway standing in for the OpenAI API: declared first-party.
        let provider = Provider::custom("gateway", format!("{}/v1", server.url()))
            .unwrap()
            .with_first_party(true);
        let flow = make(provider);
        let name = flow.name();

        assert_eq!(flow.stream(), Err("agent_identity"), "{name}");
        assert!(server.requests().is_empty(), "{name}: nothing is sent");

        assert_eq!(flow.register(&server.url()), "task-42", "{name}");
        flow.stream()
            .unwrap_or_else(|kind| panic!("{name}: {kind}"));
        flow.compact();
        flow.models();

        let requests = server.requests();
        let paths: Vec<_> = requests.iter().map(|r| r.path_without_query()).collect();
        assert_eq!(
            paths,
            [
                format!("/v1/agent/{RUNTIME_ID}/task/register").as_str(),
                "/v1/responses",
                "/v1/responses",
                "/v1/responses/compact",
                "/v1/models",
            ],
            "{name}"
        );
        let registration = &requests[0];
        assert_eq!(registration.header("authorization"), None, "{name}");
        let body = registration.body_json().unwrap();
        assert!(
            body["timestamp"].is_string() && body["signature"].is_string(),
            "{name}"
        );

        for request in &requests[1..4] {
            let authorization = request.header("authorization").unwrap();
            let verified = verify_agent_assertion(authorization, &key().verifying_key())
                .unwrap_or_else(|error| panic!("{name}: {authorization}: {error}"));
            assert_eq!(verified.agent_runtime_id.as_str(), RUNTIME_ID, "{name}");
            assert_eq!(verified.task_id.as_str(), "task-42", "{name}");
            assert_eq!(
                request.header("chatgpt-account-id"),
                Some("acct-9"),
                "{name}"
            );
        }
        assert_eq!(
            requests[4].header("authorization"),
            Some("Bearer chatgpt-token-secret"),
            "{name}: models keeps the bearer"
        );
    }
}

#[test]
fn a_provider_that_is_not_first_party_keeps_the_bearer() {
    for make in flows() {
        let transcript = Transcript::new().created().message(&["ok"]).completed();
        let server =
            TestServer::start(Script::new().then(ScriptedResponse::sse(transcript))).unwrap();
        let provider = Provider::custom("local", format!("{}/v1", server.url())).unwrap();
        let flow = make(provider);
        // No run task registered: the scope does not apply, so nothing fails.
        flow.stream()
            .unwrap_or_else(|kind| panic!("{}: {kind}", flow.name()));
        assert_eq!(
            server.requests()[0].header("authorization"),
            Some("Bearer chatgpt-token-secret"),
            "{}",
            flow.name()
        );
    }
}
