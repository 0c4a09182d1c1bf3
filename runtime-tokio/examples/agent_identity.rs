//! Agent Identity, the whole flow, against the embedded test server:
//!
//! 1. a client with a `ProviderAuthScope` (an identity provisioned, no run task yet) refuses
//!    to send a `responses` call (`agent_identity`): no silent bearer fallback;
//! 2. `register_run_task` sends the task registration the core builds (signed, no
//!    `Authorization`) and records the task in the client's scope;
//! 3. every attempt of the next `responses` call carries a fresh `AgentAssertion` for the task,
//!    which the "server" verifies with the identity's public key.
//!
//! Run with `cargo run -p codex-api-tokio --example agent_identity`.

use codex_api_core::agent_identity::{
    AgentIdentity, AgentSigningKey, AgentTaskKind, ProviderAuthScope, SessionSource,
    verify_agent_assertion,
};
use codex_api_core::credentials::Credentials;
use codex_api_core::provider::Provider;
use codex_api_core::request::ResponsesOptions;
use codex_api_core::secret::Secret;
use codex_api_core::wire::{ResponseItem, ResponsesApiRequest, Role};
use codex_api_testkit::{Script, ScriptedResponse, TestServer, Transcript};
use codex_api_tokio::{Client, StaticAuth};
use futures_util::StreamExt;
use serde_json::json;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let transcript = Transcript::new()
        .created()
        .message(&["Signed ", "in."])
        .completed();
    let server = TestServer::start(
        Script::new()
            .then(ScriptedResponse::json(
                200,
                &json!({"task_id": "task-demo"}),
            ))
            .then(ScriptedResponse::api_error(
                503,
                "busy",
                "server_error",
                None,
                None,
            ))
            .then(ScriptedResponse::sse(transcript)),
    )?;

    // The identity the agent runtime was provisioned with (its key stays in this process).
    let key = AgentSigningKey::from_seed(&[42; 32]);
    let public_key = key.verifying_key();
    let mut scope = ProviderAuthScope::new(SessionSource::Exec).with_agent_identity(true);
    scope.handle_agent_identity(AgentIdentity::new("runtime-demo".into(), key));

    // The test server stands in for the OpenAI API: declared first-party.
    let provider =
        Provider::custom("gateway", format!("{}/v1", server.url()))?.with_first_party(true);
    let chatgpt = Credentials::ChatGpt {
        token: Secret::new("chatgpt-access-token"),
        account_id: "acct-demo".into(),
        fedramp: false,
    };
    let client = Client::builder(provider, StaticAuth::new(chatgpt))
        .without_proxy()
        .auth_scope(scope)
        .build()?;
    let request = || {
        ResponsesApiRequest::new("gpt-5").input(vec![ResponseItem::text_message(Role::User, "hi")])
    };

    let refused = client
        .stream(request(), ResponsesOptions::new())
        .await
        .unwrap_err();
    println!("before registration: {} ({})", refused.kind(), refused);

    let task = client
        .register_run_task(&server.url(), AgentTaskKind::Background, None)
        .await?;
    println!("registered run task {}", task.task_id().as_str());

    let mut events = client.stream(request(), ResponsesOptions::new()).await?;
    let mut text = String::new();
    while let Some(event) = events.next().await {
        if let codex_api_core::stream::ResponseEvent::OutputTextDelta { delta, .. } = event? {
            text.push_str(&delta);
        }
    }
    println!("streamed: {text}");

    for request in server.requests() {
        match request.header("authorization") {
            None => println!(
                "{} {}: no Authorization (signed body)",
                request.method, request.path
            ),
            Some(header) => {
                let claims = verify_agent_assertion(header, &public_key)?;
                println!(
                    "{} {}: AgentAssertion for task {} of {}, signed at {}",
                    request.method,
                    request.path,
                    claims.task_id.as_str(),
                    claims.agent_runtime_id.as_str(),
                    claims.timestamp.as_str()
                );
            }
        }
    }
    Ok(())
}
