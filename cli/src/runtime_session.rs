//! The CLI's one [`Session`]: the shared client of `codex-api-client` on any runtime, driven
//! on the calling thread by that runtime's executor.

use std::future::{Future, poll_fn};

use codex_api_client::blocking::SyncAuth;
use codex_api_client::{Client, Error, EventStream, Runtime, WebSocketSession};
use codex_api_core::request::ResponsesOptions;
use codex_api_core::wire::{
    CompactionInput, CompactionOutput, ModelsResponse, ResponsesApiRequest,
};

use crate::session::{
    Failure, Output, ResumeNotice, Session, SessionConfig, StreamEnd, View, WebSocketState,
};

/// How a session runs a future to completion on the calling thread.
pub trait Executor {
    /// Runs `future` to completion.
    fn block_on<F: Future>(&self, future: F) -> F::Output;
}

/// A current-thread tokio runtime (for `codex-api-tokio`).
pub struct TokioExecutor(tokio::runtime::Runtime);

impl TokioExecutor {
    /// Starts the runtime.
    pub fn new() -> Result<Self, String> {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map(TokioExecutor)
            .map_err(|err| format!("cannot start the tokio runtime: {err}"))
    }
}

impl Executor for TokioExecutor {
    fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.0.block_on(future)
    }
}

/// `async_io::block_on`, the reactor async-std and smol share (for `codex-api-async-std`).
pub struct AsyncIoExecutor;

impl Executor for AsyncIoExecutor {
    fn block_on<F: Future>(&self, future: F) -> F::Output {
        async_io::block_on(future)
    }
}

/// The calling thread itself (for `codex-api-blocking`, whose futures finish on their first
/// poll): what `codex_api_blocking::Client` does for every method.
pub struct ThreadExecutor;

impl Executor for ThreadExecutor {
    fn block_on<F: Future>(&self, future: F) -> F::Output {
        codex_api_client::blocking::block_on(future)
    }
}

/// A client on runtime `R`, driven by executor `E`.
pub struct RuntimeSession<R: Runtime, E: Executor> {
    client: Client<R>,
    /// The session's own WebSocket connection (nothing is opened before its first turn).
    websocket: WebSocketSession<R>,
    executor: E,
    resumes: Option<ResumeNotice>,
}

impl<R: Runtime, E: Executor> RuntimeSession<R, E> {
    /// A session for `config`.
    pub fn new(config: SessionConfig, executor: E) -> Result<Self, String> {
        let auth = SyncAuth::new(std::sync::Arc::new(config.auth));
        let mut builder = Client::<R>::builder(config.provider, auth).transport(config.transport);
        if let Some(policy) = config.policy {
            builder = builder.retry_policy(policy);
        }
        let resumes = config.resumes;
        if config.attempts.is_some() || resumes.is_some() {
            let (log, notice) = (config.attempts, resumes.clone());
            builder = builder.on_attempt(move |record| {
                if let Some(log) = &log {
                    log.push(record);
                }
                if let Some(notice) = &notice {
                    notice.attempt(record);
                }
            });
        }
        if config.direct {
            builder = builder.without_proxy();
        }
        let client = builder
            .build()
            .map_err(|err| format!("cannot configure the client: {err}"))?;
        let websocket = client.websocket();
        Ok(RuntimeSession {
            client,
            websocket,
            executor,
            resumes,
        })
    }

    /// The client.
    pub fn client(&self) -> &Client<R> {
        &self.client
    }

    /// Runs `future` to completion on the calling thread.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.executor.block_on(future)
    }

    /// Hands every event of `events` to `sink`, at the level `view` asks for.
    pub async fn drive(
        &self,
        events: EventStream<R>,
        view: View,
        sink: &mut dyn FnMut(Output),
    ) -> Result<StreamEnd, Failure> {
        let request_id = events.state().request_id().map(str::to_owned);
        let mut end = StreamEnd {
            request_id,
            output: Vec::new(),
        };
        // After every poll, ready or not, the resume notice learns how far the stream got: a
        // cut background stream resumes after its last sequence number.
        let notice = self.resumes.as_ref();
        match view {
            View::Codex => {
                let mut events = events;
                while let Some(event) = poll_fn(|cx| {
                    let polled = events.poll_event(cx);
                    if let Some(notice) = notice {
                        notice.delivered(events.state().last_sequence_number());
                    }
                    polled
                })
                .await
                {
                    sink(Output::Event(event.map_err(|err| failure(&err))?));
                }
                if let Some(response) = events.state().response() {
                    end.output.clone_from(&response.output);
                }
            }
            View::Raw => {
                let mut items = events.into_raw();
                while let Some(item) = poll_fn(|cx| {
                    let polled = items.poll_item(cx);
                    if let Some(notice) = notice {
                        notice.delivered(items.state().last_sequence_number());
                    }
                    polled
                })
                .await
                {
                    sink(Output::Raw(item.map_err(|err| failure(&err))?));
                }
            }
        }
        Ok(end)
    }
}

/// A failed call, as the CLI reports it.
pub fn failure(error: &Error) -> Failure {
    Failure::new(error.kind(), error.to_string(), error.api_error())
}

impl<R: Runtime, E: Executor> Session for RuntimeSession<R, E> {
    fn stream(
        &mut self,
        request: ResponsesApiRequest,
        options: ResponsesOptions,
        view: View,
        sink: &mut dyn FnMut(Output),
    ) -> Result<StreamEnd, Failure> {
        self.executor.block_on(async {
            let events = self
                .client
                .stream(request, options)
                .await
                .map_err(|err| failure(&err))?;
            self.drive(events, view, sink).await
        })
    }

    fn websocket_turn(
        &mut self,
        request: ResponsesApiRequest,
        view: View,
        sink: &mut dyn FnMut(Output),
    ) -> Result<StreamEnd, Failure> {
        self.executor.block_on(async {
            let events = self
                .websocket
                .stream(request)
                .await
                .map_err(|err| failure(&err))?;
            self.drive(events, view, sink).await
        })
    }

    fn websocket_state(&self) -> WebSocketState {
        WebSocketState {
            connected: self.websocket.is_connected(),
            deflate: self.websocket.is_deflate(),
        }
    }

    fn fell_back_to_http(&self) -> bool {
        self.client.fell_back_to_http()
    }

    fn compact(
        &mut self,
        input: CompactionInput,
        options: ResponsesOptions,
    ) -> Result<CompactionOutput, Failure> {
        self.executor
            .block_on(self.client.compact(input, options))
            .map_err(|err| failure(&err))
    }

    fn list_models(&mut self) -> Result<ModelsResponse, Failure> {
        let version = Some(env!("CARGO_PKG_VERSION"));
        self.executor
            .block_on(self.client.list_models(version))
            .map_err(|err| failure(&err))
    }
}
