//! The CLI's [`Session`] over `codex-api-tokio` (a current-thread tokio runtime per session).

use codex_api_core::credentials::Credentials;
use codex_api_core::request::ResponsesOptions;
use codex_api_core::unauthorized::{RecoveryMode, RecoveryStep, StepFailure};
use codex_api_core::wire::{
    CompactionInput, CompactionOutput, ModelsResponse, ResponsesApiRequest,
};
use codex_api_tokio::{AuthFuture, AuthProvider, Client, Error};
use futures_util::StreamExt;

use crate::session::{Auth, Failure, Output, Session, SessionConfig, StreamEnd, View};

/// A tokio client and the runtime that drives it.
pub struct TokioSession {
    runtime: tokio::runtime::Runtime,
    client: Client,
}

struct TokioAuth(Auth);

impl AuthProvider for TokioAuth {
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

impl TokioSession {
    /// A session for `config`.
    pub fn new(config: SessionConfig) -> Result<Self, String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|err| format!("cannot start the tokio runtime: {err}"))?;
        let mut builder = Client::builder(config.provider, TokioAuth(config.auth));
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
        Ok(TokioSession { runtime, client })
    }
}

fn failure(error: &Error) -> Failure {
    Failure::new(error.kind(), error.to_string(), error.api_error())
}

impl Session for TokioSession {
    fn stream(
        &mut self,
        request: ResponsesApiRequest,
        options: ResponsesOptions,
        view: View,
        sink: &mut dyn FnMut(Output),
    ) -> Result<StreamEnd, Failure> {
        let client = &self.client;
        self.runtime.block_on(async {
            let events = client
                .stream(request, options)
                .await
                .map_err(|err| failure(&err))?;
            let request_id = events.state().request_id().map(str::to_owned);
            let end = StreamEnd { request_id };
            match view {
                View::Codex => {
                    let mut events = events;
                    while let Some(event) = events.next().await {
                        sink(Output::Event(event.map_err(|err| failure(&err))?));
                    }
                }
                View::Raw => {
                    let mut items = events.into_raw();
                    while let Some(item) = items.next().await {
                        sink(Output::Raw(item.map_err(|err| failure(&err))?));
                    }
                }
            }
            Ok(end)
        })
    }

    fn compact(
        &mut self,
        input: CompactionInput,
        options: ResponsesOptions,
    ) -> Result<CompactionOutput, Failure> {
        self.runtime
            .block_on(self.client.compact(input, options))
            .map_err(|err| failure(&err))
    }

    fn list_models(&mut self) -> Result<ModelsResponse, Failure> {
        self.runtime
            .block_on(self.client.list_models(Some(env!("CARGO_PKG_VERSION"))))
            .map_err(|err| failure(&err))
    }
}
