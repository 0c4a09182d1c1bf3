//! `codex-api-tokio` on a current-thread tokio runtime.

use std::future::Future;
use std::time::Duration;

use codex_api_core::client_config::ConfigError;
use codex_api_core::provider::Provider;
use codex_api_core::request::{PreparedRequest, ResponsesOptions};
use codex_api_core::stream::ResponseEvent;
use codex_api_core::wire::ResponsesApiRequest;
use codex_api_tokio::{Client, Error};
use futures_util::StreamExt;

use super::{AttemptSink, Execution, Runtime, configure, unary_outcome};
use crate::auth::{AsyncAuth, ScriptedAuth};
use crate::observation::{ErrorFacts, Outcome, Phase, StreamFacts};
use crate::scenario::{CallSpec, ClientConfig, Step, Until};

/// The tokio adapter (hyper 1) on tokio's current-thread executor.
#[derive(Debug, Clone, Copy)]
pub struct TokioRuntime;

super::glue::error_glue!();
super::glue::execute_glue!(async await);

/// A pause that lets the runtime run (hyper's connection tasks live on it).
fn pause(duration: Duration) -> impl Future<Output = ()> {
    tokio::time::sleep(duration)
}

/// Runs `call` on a fresh current-thread runtime, or reports why the client was not built.
fn run(built: Result<Client, ConfigError>, call: &CallSpec) -> Execution {
    let client = match built {
        Ok(client) => client,
        Err(error) => return Execution::config_error(&error),
    };
    block_on_tokio(execute(&client, call))
}

/// Runs `future` on a fresh current-thread tokio runtime (timers and IO enabled).
pub fn block_on_tokio<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("build a tokio runtime")
        .block_on(future)
}

impl Runtime for TokioRuntime {
    fn name(&self) -> &'static str {
        "tokio"
    }

    fn execute(
        &self,
        provider: Provider,
        config: &ClientConfig,
        auth: ScriptedAuth,
        attempts: AttemptSink,
        call: &CallSpec,
    ) -> Execution {
        let builder = configure(
            Client::builder(
                provider,
                AsyncAuth::<codex_api_tokio::TokioRuntime>::new(auth),
            ),
            config,
            attempts,
        );
        run(builder.build(), call)
    }

    fn execute_from_env(&self, call: &CallSpec) -> Execution {
        run(Client::from_env(), call)
    }
}
