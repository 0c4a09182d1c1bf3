//! `codex-api-blocking` (ureq 3) on the calling thread.

use std::time::Duration;

use codex_api_blocking::{Client, Error};
use codex_api_core::client_config::ConfigError;
use codex_api_core::provider::Provider;
use codex_api_core::request::{PreparedRequest, ResponsesOptions};
use codex_api_core::stream::ResponseEvent;
use codex_api_core::wire::ResponsesApiRequest;

use super::{AttemptSink, Execution, Runtime, configure, unary_outcome};
use crate::auth::ScriptedAuth;
use crate::observation::{ErrorFacts, Outcome, Phase, StreamFacts};
use crate::scenario::{CallSpec, ClientConfig, Step, Until};

/// The blocking adapter.
#[derive(Debug, Clone, Copy)]
pub struct BlockingRuntime;

super::glue::error_glue!();
super::glue::execute_glue!();

/// A pause (nothing runs in the background of this adapter).
fn pause(duration: Duration) {
    std::thread::sleep(duration);
}

/// Runs `call` on the calling thread, or reports why the client was not built.
fn run(built: Result<Client, ConfigError>, call: &CallSpec) -> Execution {
    match built {
        Ok(client) => execute(&client, call),
        Err(error) => Execution::config_error(&error),
    }
}

impl Runtime for BlockingRuntime {
    fn name(&self) -> &'static str {
        "blocking"
    }

    fn execute(
        &self,
        provider: Provider,
        config: &ClientConfig,
        auth: ScriptedAuth,
        attempts: AttemptSink,
        call: &CallSpec,
    ) -> Execution {
        let builder = configure(Client::builder(provider, auth), config, attempts);
        run(builder.build(), call)
    }

    fn execute_from_env(&self, call: &CallSpec) -> Execution {
        run(Client::from_env(), call)
    }
}
