//! `codex-api-async-std` on two executors: async-std's and smol's.

use std::future::Future;

use codex_api_async_std::{AuthFuture, AuthProvider, Client, Error};
use codex_api_core::credentials::Credentials;
use codex_api_core::provider::Provider;
use codex_api_core::request::PreparedRequest;
use codex_api_core::unauthorized::{RecoveryMode, RecoveryStep, StepFailure};
use futures_util::StreamExt;

use super::{AttemptSink, Execution, Runtime, unary_outcome};
use crate::auth::ScriptedAuth;
use crate::observation::{ErrorFacts, Outcome, Phase, StreamFacts};
use crate::scenario::{CallSpec, ClientConfig};

/// The futures-io adapter under `async_std::task::block_on`.
#[derive(Debug, Clone, Copy)]
pub struct AsyncStdRuntime;

/// The futures-io adapter under `smol::block_on`.
#[derive(Debug, Clone, Copy)]
pub struct SmolRuntime;

struct Auth(ScriptedAuth);

impl AuthProvider for Auth {
    fn credentials(&self) -> AuthFuture<'_, Credentials> {
        Box::pin(std::future::ready(self.0.credentials()))
    }

    fn refresh(&self, step: RecoveryStep) -> AuthFuture<'_, Result<Credentials, StepFailure>> {
        Box::pin(std::future::ready(self.0.refresh(step)))
    }

    fn recovery_mode(&self) -> RecoveryMode {
        self.0.recovery_mode()
    }

    fn auth_mode(&self) -> &str {
        self.0.auth_mode()
    }
}

super::glue::error_glue!();
super::glue::execute_glue!(async await);

fn client(
    provider: Provider,
    config: &ClientConfig,
    auth: ScriptedAuth,
    attempts: AttemptSink,
) -> Client {
    let mut builder = Client::builder(provider, Auth(auth));
    if let Some(idle) = config.idle_timeout {
        builder = builder.stream_idle_timeout(idle);
    }
    if let Some(policy) = &config.policy {
        builder = builder.retry_policy(policy.clone());
    }
    builder
        .jitter_seed(config.jitter_seed)
        .response_timeout(config.response_timeout)
        .without_proxy()
        .on_attempt(move |record| attempts.push(record))
        .build()
        .expect("build the async-std client")
}

fn run_with(
    block_on: fn(std::pin::Pin<Box<dyn Future<Output = Execution> + '_>>) -> Execution,
    provider: Provider,
    config: &ClientConfig,
    auth: ScriptedAuth,
    attempts: AttemptSink,
    call: &CallSpec,
) -> Execution {
    let client = client(provider, config, auth, attempts);
    block_on(Box::pin(execute(client, call)))
}

impl Runtime for AsyncStdRuntime {
    fn name(&self) -> &'static str {
        "async-std"
    }

    fn execute(
        &self,
        provider: Provider,
        config: &ClientConfig,
        auth: ScriptedAuth,
        attempts: AttemptSink,
        call: &CallSpec,
    ) -> Execution {
        run_with(
            |f| async_std::task::block_on(f),
            provider,
            config,
            auth,
            attempts,
            call,
        )
    }
}

impl Runtime for SmolRuntime {
    fn name(&self) -> &'static str {
        "smol"
    }

    fn execute(
        &self,
        provider: Provider,
        config: &ClientConfig,
        auth: ScriptedAuth,
        attempts: AttemptSink,
        call: &CallSpec,
    ) -> Execution {
        run_with(
            |f| smol::block_on(f),
            provider,
            config,
            auth,
            attempts,
            call,
        )
    }
}
