//! The CLI's [`Session`] over `codex-api-blocking` (ureq 3, no async runtime).

use codex_api_blocking::{AuthProvider, Client, Error};
use codex_api_core::credentials::Credentials;
use codex_api_core::request::ResponsesOptions;
use codex_api_core::unauthorized::{RecoveryMode, RecoveryStep, StepFailure};
use codex_api_core::wire::{
    CompactionInput, CompactionOutput, ModelsResponse, ResponsesApiRequest,
};

use crate::session::{Auth, Failure, Output, Session, SessionConfig, StreamEnd, View};

/// A blocking client.
pub struct BlockingSession {
    client: Client,
}

struct BlockingAuth(Auth);

impl AuthProvider for BlockingAuth {
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

impl BlockingSession {
    /// A session for `config`.
    pub fn new(config: SessionConfig) -> Result<Self, String> {
        let mut builder = Client::builder(config.provider, BlockingAuth(config.auth));
        if let Some(policy) = config.policy {
            builder = builder.retry_policy(policy);
        }
        if let Some(log) = config.attempts {
            builder = builder.on_attempt(move |record| log.push(record));
        }
        if config.direct {
            builder = builder.without_proxy();
        }
        let client = builder
            .build()
            .map_err(|err| format!("cannot configure the client: {err}"))?;
        Ok(BlockingSession { client })
    }
}

fn failure(error: &Error) -> Failure {
    Failure::new(error.kind(), error.to_string(), error.api_error())
}

impl Session for BlockingSession {
    fn stream(
        &mut self,
        request: ResponsesApiRequest,
        options: ResponsesOptions,
        view: View,
        sink: &mut dyn FnMut(Output),
    ) -> Result<StreamEnd, Failure> {
        let events = self
            .client
            .stream(request, options)
            .map_err(|err| failure(&err))?;
        let request_id = events.state().request_id().map(str::to_owned);
        match view {
            View::Codex => {
                for event in events {
                    sink(Output::Event(event.map_err(|err| failure(&err))?));
                }
            }
            View::Raw => {
                for item in events.into_raw() {
                    sink(Output::Raw(item.map_err(|err| failure(&err))?));
                }
            }
        }
        Ok(StreamEnd { request_id })
    }

    fn compact(
        &mut self,
        input: CompactionInput,
        options: ResponsesOptions,
    ) -> Result<CompactionOutput, Failure> {
        self.client
            .compact(input, options)
            .map_err(|err| failure(&err))
    }

    fn list_models(&mut self) -> Result<ModelsResponse, Failure> {
        self.client
            .list_models(Some(env!("CARGO_PKG_VERSION")))
            .map_err(|err| failure(&err))
    }
}
