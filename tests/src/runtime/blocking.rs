//! `codex-api-blocking` (ureq 3) on the calling thread.

use codex_api_blocking::{AuthProvider, Client, Error};
use codex_api_core::credentials::Credentials;
use codex_api_core::provider::Provider;
use codex_api_core::request::PreparedRequest;
use codex_api_core::unauthorized::{RecoveryMode, RecoveryStep, StepFailure};

use super::{AttemptSink, Execution, Runtime, unary_outcome};
use crate::auth::ScriptedAuth;
use crate::observation::{ErrorFacts, Outcome, Phase, StreamFacts};
use crate::scenario::{CallSpec, ClientConfig};

/// The blocking adapter.
#[derive(Debug, Clone, Copy)]
pub struct BlockingRuntime;

struct Auth(ScriptedAuth);

impl AuthProvider for Auth {
    fn credentials(&self) -> Credentials {
        self.0.credentials()
    }

    fn refresh(&self, step: RecoveryStep) -> Result<Credentials, StepFailure> {
        self.0.refresh(step)
    }

    fn recovery_mode(&self) -> RecoveryMode {
        self.0.recovery_mode()
    }

    fn auth_mode(&self) -> &str {
        self.0.auth_mode()
    }
}

super::glue::error_glue!();
super::glue::execute_glue!();

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
        let mut builder = Client::builder(provider, Auth(auth));
        if let Some(idle) = config.idle_timeout {
            builder = builder.stream_idle_timeout(idle);
        }
        if let Some(policy) = &config.policy {
            builder = builder.retry_policy(policy.clone());
        }
        let client = builder
            .without_proxy()
            .jitter_seed(config.jitter_seed)
            .response_timeout(config.response_timeout)
            .on_attempt(move |record| attempts.push(record))
            .build()
            .expect("build the blocking client");
        execute(client, call)
    }
}
