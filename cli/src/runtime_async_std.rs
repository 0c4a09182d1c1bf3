//! The CLI's [`Session`] over `codex-api-async-std` (driven by `async_io::block_on`: no executor of its own).

use codex_api_async_std::{AuthFuture, AuthProvider, Client, Error};
use codex_api_core::credentials::Credentials;
use codex_api_core::request::ResponsesOptions;
use codex_api_core::unauthorized::{RecoveryMode, RecoveryStep, StepFailure};
use codex_api_core::wire::{
    CompactionInput, CompactionOutput, ModelsResponse, ResponsesApiRequest,
};
use futures_util::StreamExt;

use crate::session::{Auth, Failure, Output, Session, SessionConfig, StreamEnd, View};

/// A futures-io client, driven on the calling thread by `async_io::block_on` (the reactor
/// async-std and smol share).
pub struct AsyncStdSession {
    client: Client,
}

struct AsyncStdAuth(Auth);

impl AuthProvider for AsyncStdAuth {
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

impl AsyncStdSession {
    /// A session for `config`.
    pub fn new(config: SessionConfig) -> Result<Self, String> {
        let mut builder = Client::builder(config.provider, AsyncStdAuth(config.auth));
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
        Ok(AsyncStdSession { client })
    }
}

fn failure(error: &Error) -> Failure {
    Failure::new(error.kind(), error.to_string(), error.api_error())
}

impl Session for AsyncStdSession {
    fn stream(
        &mut self,
        request: ResponsesApiRequest,
        options: ResponsesOptions,
        view: View,
        sink: &mut dyn FnMut(Output),
    ) -> Result<StreamEnd, Failure> {
        let client = &self.client;
        async_io::block_on(async {
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
        async_io::block_on(self.client.compact(input, options)).map_err(|err| failure(&err))
    }

    fn list_models(&mut self) -> Result<ModelsResponse, Failure> {
        async_io::block_on(self.client.list_models(Some(env!("CARGO_PKG_VERSION"))))
            .map_err(|err| failure(&err))
    }
}
