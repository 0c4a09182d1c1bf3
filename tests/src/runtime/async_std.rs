//! `codex-api-async-std` on two executors: async-std's and smol's.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use codex_api_async_std::{Client, Error};
use codex_api_core::client_config::ConfigError;
use codex_api_core::provider::Provider;
use codex_api_core::request::{PreparedRequest, ResponsesOptions};
use codex_api_core::stream::ResponseEvent;
use codex_api_core::wire::ResponsesApiRequest;
use futures_util::StreamExt;

use super::{AttemptSink, Execution, Runtime, configure, unary_outcome};
use crate::auth::{AsyncAuth, ScriptedAuth};
use crate::observation::{ErrorFacts, Outcome, Phase, StreamFacts};
use crate::scenario::{CallSpec, ClientConfig, Step, Until};

/// The futures-io adapter under `async_std::task::block_on`.
#[derive(Debug, Clone, Copy)]
pub struct AsyncStdRuntime;

/// The futures-io adapter under `smol::block_on`.
#[derive(Debug, Clone, Copy)]
pub struct SmolRuntime;

super::glue::error_glue!();
super::glue::execute_glue!(async await);

/// A pause on async-io's timer (which needs no particular executor).
fn pause(duration: Duration) -> impl Future<Output = ()> {
    async_std::task::sleep(duration)
}

/// An executor's `block_on`.
type BlockOn = fn(Pin<Box<dyn Future<Output = Execution> + '_>>) -> Execution;

/// Runs `call` under `block_on`, or reports why the client was not built.
fn run(block_on: BlockOn, built: Result<Client, ConfigError>, call: &CallSpec) -> Execution {
    match built {
        Ok(client) => block_on(Box::pin(async move { execute(&client, call).await })),
        Err(error) => Execution::config_error(&error),
    }
}

fn build(
    provider: Provider,
    config: &ClientConfig,
    auth: ScriptedAuth,
    attempts: AttemptSink,
) -> Result<Client, ConfigError> {
    configure(
        Client::builder(
            provider,
            AsyncAuth::<codex_api_async_std::AsyncStdRuntime>::new(auth),
        ),
        config,
        attempts,
    )
    .build()
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
        let built = build(provider, config, auth, attempts);
        run(|f| async_std::task::block_on(f), built, call)
    }

    fn execute_from_env(&self, call: &CallSpec) -> Execution {
        run(|f| async_std::task::block_on(f), Client::from_env(), call)
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
        let built = build(provider, config, auth, attempts);
        run(|f| smol::block_on(f), built, call)
    }

    fn execute_from_env(&self, call: &CallSpec) -> Execution {
        run(|f| smol::block_on(f), Client::from_env(), call)
    }
}
