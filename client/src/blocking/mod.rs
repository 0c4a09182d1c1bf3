//! The synchronous mirror of the client: the same methods (minus `async`), the same semantics,
//! for a runtime whose IO blocks the calling thread (`codex-api-blocking`).
//!
//! It runs the very same call loop and event stream as the async [`Client`](crate::Client):
//! a blocking runtime's futures finish on their first poll, and [`block_on`] polls them on the
//! calling thread.

use std::fmt;
use std::future::{Future, poll_fn};
use std::marker::PhantomData;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::Thread;
use std::time::Instant;

use codex_api_core::call::ClientError;
use codex_api_core::client_config::{ClientAdapter, ClientConfig, ConfigError};
use codex_api_core::credentials::Credentials;
use codex_api_core::provider::Provider;
use codex_api_core::request::{PreparedRequest, ResponsesOptions};
use codex_api_core::stream::{ResponseEvent, ResponseStream, StreamItem};
use codex_api_core::unauthorized::{RecoveryMode, RecoveryStep, StepFailure};
use codex_api_core::wire::{
    CompactionInput, CompactionOutput, MemorySummarizeInput, MemorySummarizeOutput, ModelsResponse,
    ResponsesApiRequest,
};

mod resources;

pub use resources::{Conversations, ItemPager, Responses, WebSocketSession};

use crate::Reply;
use crate::auth::{AuthFuture, StaticAuth};
use crate::client::Adapter;
use crate::runtime::{Connect, Runtime};

/// The source of a blocking client's credentials (a step may block the calling thread).
///
/// The client asks for [`credentials`](AuthProvider::credentials) once per call, and, when the
/// core decides a 401 calls for it, runs one [`refresh`](AuthProvider::refresh) step of the
/// plan of [`recovery_mode`](AuthProvider::recovery_mode) (`Managed`: reload, then
/// refresh_token; `External`: external_refresh; `None`: nothing).
pub trait AuthProvider: Send + Sync {
    /// The credentials to send now.
    fn credentials(&self) -> Credentials;

    /// Runs one recovery step: the credentials to use from now on (the same ones when the
    /// step found nothing new), or how the step failed.
    fn refresh(&self, step: RecoveryStep) -> Result<Credentials, StepFailure>;

    /// Who owns the credentials, and so which recovery steps exist.
    fn recovery_mode(&self) -> RecoveryMode;

    /// A label for the credentials kind, reported in the `auth_mode` recovery tag.
    fn auth_mode(&self) -> &str;
}

impl AuthProvider for StaticAuth {
    fn credentials(&self) -> Credentials {
        self.get().clone()
    }

    fn refresh(&self, _step: RecoveryStep) -> Result<Credentials, StepFailure> {
        Err(StepFailure::Permanent)
    }

    fn recovery_mode(&self) -> RecoveryMode {
        RecoveryMode::None
    }

    fn auth_mode(&self) -> &str {
        self.mode()
    }
}

/// A blocking [`AuthProvider`] as the async [`crate::AuthProvider`]: each step runs at once on
/// the polling thread. For credential sources that never wait long (a file, a keychain, a
/// lock), so that async and blocking clients can share one.
pub struct SyncAuth<A: ?Sized>(Arc<A>);

impl<A: AuthProvider + ?Sized> SyncAuth<A> {
    /// Wraps a shared blocking provider.
    pub fn new(auth: Arc<A>) -> Self {
        SyncAuth(auth)
    }
}

impl<A: ?Sized> fmt::Debug for SyncAuth<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SyncAuth")
    }
}

impl<A: AuthProvider + ?Sized> crate::auth::AuthProvider for SyncAuth<A> {
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

/// Wakes the thread that polls in [`block_on`].
struct Unpark(Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

thread_local! {
    /// One waker per thread, made once: polling allocates nothing.
    static WAKER: Waker = Waker::from(Arc::new(Unpark(std::thread::current())));
}

/// Runs `future` to completion on the calling thread, parking it while the future waits (a
/// blocking runtime's futures never do).
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    WAKER.with(|waker| {
        let mut cx = Context::from_waker(waker);
        loop {
            if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                return output;
            }
            std::thread::park();
        }
    })
}

/// The timer of a blocking runtime: polling it sleeps the calling thread until its deadline.
#[derive(Debug, Clone, Copy)]
pub struct ThreadSleep(Instant);

impl ThreadSleep {
    /// A timer for `deadline`.
    pub fn new(deadline: Instant) -> Self {
        ThreadSleep(deadline)
    }
}

impl Future for ThreadSleep {
    type Output = ();

    fn poll(self: std::pin::Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        std::thread::sleep(self.0.saturating_duration_since(Instant::now()));
        Poll::Ready(())
    }
}

impl crate::runtime::Timer for ThreadSleep {
    fn reset(&mut self, deadline: Instant) {
        self.0 = deadline;
    }
}

/// A blocking Responses API client on runtime `R`. Cheap to clone; clones share the pool.
///
/// `R` is a blocking runtime (its futures finish on their first poll, as
/// `codex_api_blocking::UreqRuntime`'s do). An async runtime's futures may need their executor
/// (tokio's need its reactor): use [`crate::Client`] on those.
pub struct Client<R: Runtime> {
    pub(crate) inner: crate::Client<R>,
}

impl<R: Runtime> Clone for Client<R> {
    fn clone(&self) -> Self {
        Client {
            inner: self.inner.clone(),
        }
    }
}

impl<R: Runtime> fmt::Debug for Client<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

/// Builds a blocking [`Client`] on runtime `R`.
pub type ClientBuilder<R> = codex_api_core::client_config::ClientBuilder<BlockingAdapter<R>>;

/// Runtime `R` as a [`ClientAdapter`] of the blocking [`Client`].
#[derive(Debug)]
pub struct BlockingAdapter<R>(PhantomData<R>);

impl<R: Runtime> ClientAdapter for BlockingAdapter<R> {
    const NAME: &'static str = R::NAME;
    type Auth = Arc<dyn AuthProvider>;
    type Client = Client<R>;

    fn static_auth(credentials: Credentials) -> Self::Auth {
        Arc::new(StaticAuth::new(credentials))
    }

    fn env_var(name: &str) -> Option<String> {
        std::env::var(name).ok()
    }

    fn build(config: ClientConfig, auth: Self::Auth) -> Result<Client<R>, ConfigError> {
        let inner = Adapter::<R>::build(config, Arc::new(SyncAuth(auth)))?;
        Ok(Client { inner })
    }
}

impl<R: Runtime> Client<R> {
    /// A [`ClientBuilder`] for `provider` with credentials from `auth`.
    pub fn builder(provider: Provider, auth: impl AuthProvider + 'static) -> ClientBuilder<R> {
        ClientBuilder::new(provider, Arc::new(auth))
    }

    /// A [`ClientBuilder`] for the server at `base_url` (a custom provider, e.g. a local
    /// server: `http://127.0.0.1:8080/v1`) with the API key `api_key`, in one call.
    pub fn builder_for(
        base_url: &str,
        api_key: impl Into<codex_api_core::secret::Secret>,
    ) -> Result<ClientBuilder<R>, ConfigError> {
        let provider = Provider::custom("custom", base_url)
            .map_err(|error| ConfigError::BaseUrl(error.to_string()))?;
        let auth = StaticAuth::new(codex_api_core::credentials::Credentials::api_key(api_key));
        Ok(Self::builder(provider, auth))
    }

    /// A client configured from the environment.
    pub fn from_env() -> Result<Client<R>, ConfigError> {
        ClientBuilder::<R>::from_env()?.build()
    }

    /// The provider requests go to.
    pub fn provider(&self) -> &Provider {
        self.inner.provider()
    }

    /// `POST responses`: the events of one streamed response, as an `Iterator`. Errors before
    /// the stream come here; errors in it come from the iterator.
    pub fn stream(
        &self,
        request: ResponsesApiRequest,
        options: ResponsesOptions,
    ) -> Result<EventStream<R>, ClientError> {
        block_on(self.inner.stream(request, options)).map(EventStream)
    }

    /// `POST responses/compact`.
    pub fn compact(
        &self,
        input: CompactionInput,
        options: ResponsesOptions,
    ) -> Result<CompactionOutput, ClientError> {
        block_on(self.inner.compact(input, options))
    }

    /// `POST memories/trace_summarize`.
    pub fn summarize_memories(
        &self,
        input: MemorySummarizeInput,
        options: ResponsesOptions,
    ) -> Result<MemorySummarizeOutput, ClientError> {
        block_on(self.inner.summarize_memories(input, options))
    }

    /// `GET models` (with `client_version` when given).
    pub fn list_models(&self, client_version: Option<&str>) -> Result<ModelsResponse, ClientError> {
        block_on(self.inner.list_models(client_version))
    }

    /// The Responses resource (see [`crate::Client::responses`]).
    pub fn responses(&self) -> Responses<'_, R> {
        Responses::new(self)
    }

    /// A WebSocket session (see [`crate::Client::websocket`]).
    pub fn websocket(&self) -> WebSocketSession<R> {
        WebSocketSession(self.inner.websocket())
    }

    /// Whether `stream` fell back from the WebSocket transport to HTTP for good.
    pub fn fell_back_to_http(&self) -> bool {
        self.inner.fell_back_to_http()
    }

    /// The Conversations API (see [`crate::Client::conversations`]).
    pub fn conversations(&self) -> Conversations<'_, R> {
        Conversations::new(self)
    }

    /// Any call, prepared by hand: the body of a unary one or the events of a streaming one
    /// (see [`crate::Client::send`]).
    pub fn send(
        &self,
        prepared: PreparedRequest,
        options: ResponsesOptions,
    ) -> Result<Reply<EventStream<R>>, ClientError> {
        Ok(match block_on(self.inner.send(prepared, options))? {
            Reply::Body(output) => Reply::Body(output),
            Reply::Events(events) => Reply::Events(EventStream(events)),
        })
    }
}

impl<R: Connect> Client<R> {
    /// A raw byte stream to `uri` (see [`crate::Client::connect`]).
    pub fn connect(&self, uri: &http::Uri) -> Result<R::Stream, ClientError> {
        block_on(self.inner.connect(uri))
    }
}

/// The Codex-level events of one response, as an `Iterator` ([`crate::EventStream`] read on
/// the calling thread). Dropping it closes its connection.
#[derive(Debug)]
pub struct EventStream<R: Runtime>(crate::EventStream<R>);

/// Every decoded event of one response, as an `Iterator`; from [`EventStream::into_raw`].
#[derive(Debug)]
pub struct RawEventStream<R: Runtime>(crate::RawEventStream<R>);

impl<R: Runtime> EventStream<R> {
    /// The raw view of the same stream (use one view for the whole stream).
    pub fn into_raw(self) -> RawEventStream<R> {
        RawEventStream(self.0.into_raw())
    }

    /// The core's stream state: request id, turn state, server model, counters.
    pub fn state(&self) -> &ResponseStream {
        self.0.state()
    }

    /// Reads the stream to its end and hands over the final `Response` (see
    /// [`crate::EventStream::final_response`]).
    pub fn final_response(&mut self) -> Result<codex_api_core::wire::Response, ClientError> {
        block_on(self.0.final_response())
    }
}

impl<R: Runtime> RawEventStream<R> {
    /// The core's stream state: request id, turn state, server model, counters.
    pub fn state(&self) -> &ResponseStream {
        self.0.state()
    }
}

impl<R: Runtime> Iterator for EventStream<R> {
    type Item = Result<ResponseEvent, ClientError>;

    fn next(&mut self) -> Option<Self::Item> {
        block_on(poll_fn(|cx| self.0.poll_event(cx)))
    }
}

impl<R: Runtime> Iterator for RawEventStream<R> {
    type Item = Result<StreamItem, ClientError>;

    fn next(&mut self) -> Option<Self::Item> {
        block_on(poll_fn(|cx| self.0.poll_item(cx)))
    }
}
