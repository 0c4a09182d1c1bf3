//! The async [`Client`]: every endpoint method, written once for every runtime.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use codex_api_core::call::{CallOutput, ClientError, TransportCause, TransportError};
use codex_api_core::client_config::{
    ClientAdapter, ClientConfig, ConfigError, Transport, authority,
};
use codex_api_core::credentials::Credentials;
use codex_api_core::provider::Provider;
use codex_api_core::request::{PreparedRequest, ResponsesOptions};
use codex_api_core::responses_websocket::falls_back_to_http;
use codex_api_core::retry::TransportErrorKind;
use codex_api_core::wire::{
    CompactionInput, CompactionOutput, MemorySummarizeInput, MemorySummarizeOutput, ModelsResponse,
    ResponsesApiRequest,
};

use crate::auth::{AuthProvider, StaticAuth};
use crate::conversations::Conversations;
use crate::driver::{Finish, Inner, within};
use crate::events::EventStream;
use crate::responses::Responses;
use crate::runtime::{Connect, ConnectTarget, Runtime, TransportFailure};
use crate::telemetry::CallLabels;

/// What `send` hands back: the body of a unary call, or the events of a streaming one (`E`:
/// [`EventStream`] for [`Client::send`], the blocking
/// [`EventStream`](crate::blocking::EventStream) for [`crate::blocking::Client::send`]).
#[derive(Debug)]
pub enum Reply<E> {
    /// The 2xx response of a unary call: status, headers and body.
    Body(CallOutput),
    /// The events of a streaming call.
    Events(E),
}

impl<E> Reply<E> {
    /// The body of a unary call; a streaming reply comes back as the error, untouched.
    #[allow(clippy::result_large_err)] // the error is the reply itself, handed back
    pub fn into_body(self) -> Result<CallOutput, Reply<E>> {
        match self {
            Reply::Body(output) => Ok(output),
            events => Err(events),
        }
    }

    /// The events of a streaming call; a body comes back as the error, untouched.
    #[allow(clippy::result_large_err)] // the error is the reply itself, handed back
    pub fn into_events(self) -> Result<E, Reply<E>> {
        match self {
            Reply::Events(events) => Ok(events),
            body => Err(body),
        }
    }
}

/// A Responses API client on runtime `R`. Cheap to clone; clones share the connection pool.
///
/// Each runtime crate names it: `codex_api_tokio::Client` is `Client<TokioRuntime>`, and so
/// on. Every method runs one core [`Call`](codex_api_core::call::Call): retries, backoff,
/// `Retry-After` and 401 recovery are the core's decisions; the runtime only moves bytes.
pub struct Client<R: Runtime> {
    pub(crate) inner: Arc<Inner<R>>,
}

impl<R: Runtime> Clone for Client<R> {
    fn clone(&self) -> Self {
        Client {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<R: Runtime> fmt::Debug for Client<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("runtime", &R::NAME)
            .field("provider", &self.inner.provider.name())
            .finish_non_exhaustive()
    }
}

/// Builds a [`Client`] on runtime `R`: the core's shared
/// [`ClientBuilder`](codex_api_core::client_config::ClientBuilder) with the runtime plugged in.
pub type ClientBuilder<R> = codex_api_core::client_config::ClientBuilder<Adapter<R>>;

/// Runtime `R` as a [`ClientAdapter`]: what makes a [`ClientBuilder`] build a [`Client`].
#[derive(Debug)]
pub struct Adapter<R>(PhantomData<R>);

impl<R: Runtime> ClientAdapter for Adapter<R> {
    const NAME: &'static str = R::NAME;
    type Auth = Arc<dyn AuthProvider>;
    type Client = Client<R>;

    fn static_auth(credentials: Credentials) -> Self::Auth {
        Arc::new(StaticAuth::new(credentials))
    }

    fn env_var(name: &str) -> Option<String> {
        std::env::var(name).ok()
    }

    /// Sets up the runtime's transport (TLS roots, proxies, pool); needs no running executor.
    fn build(config: ClientConfig, auth: Self::Auth) -> Result<Client<R>, ConfigError> {
        let runtime = R::from_config(&config)?;
        Ok(Client {
            inner: Arc::new(Inner::new(config, auth, runtime)),
        })
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

    /// A client configured from the environment (see
    /// [`ClientBuilder::from_env`](codex_api_core::client_config::ClientBuilder::from_env)).
    pub fn from_env() -> Result<Client<R>, ConfigError> {
        ClientBuilder::<R>::from_env()?.build()
    }

    /// The provider requests go to.
    pub fn provider(&self) -> &Provider {
        &self.inner.provider
    }

    /// `POST responses`: the events of one streamed response. Errors before the stream (after
    /// the core's retries and auth recovery) come here; errors in it come from the stream.
    pub async fn stream(
        &self,
        request: ResponsesApiRequest,
        options: ResponsesOptions,
    ) -> Result<EventStream<R>, ClientError> {
        if self.uses_websocket(&request) {
            let slot = std::sync::Arc::clone(&self.inner.ws_slot);
            let session = self.websocket_on(slot, options.clone());
            match session.stream(request.clone()).await {
                Ok(events) => return Ok(events),
                Err(error) if falls_back_to_http(&error) => {
                    self.inner.ws_fallback.store(true, Ordering::Relaxed);
                    crate::telemetry::fallback_to_http(error.kind());
                }
                Err(error) => return Err(error),
            }
        }
        let labels = CallLabels::new("chat", Some(&request.model));
        let prepared = PreparedRequest::responses(&self.inner.provider, request)?;
        self.open_stream(prepared, options, labels).await
    }

    /// Whether `stream` fell back from the WebSocket transport to HTTP for good (a `426`, or
    /// a connection-level failure after the retry budget).
    pub fn fell_back_to_http(&self) -> bool {
        self.inner.ws_fallback.load(Ordering::Relaxed)
    }

    /// Whether this `stream` call goes over the client's WebSocket connection: the transport
    /// says so, it has not fallen back, the runtime opens byte streams, and the request is
    /// not a background one (the WebSocket transport has none).
    fn uses_websocket(&self, request: &ResponsesApiRequest) -> bool {
        self.inner.transport == Transport::WebSocket
            && !self.inner.ws_fallback.load(Ordering::Relaxed)
            && self.inner.runtime.dialer().is_some()
            && request.background != Some(true)
    }

    /// The Responses resource: non-streamed create, retrieve, stream from a sequence number,
    /// cancel, delete, input items, input-token counts.
    pub fn responses(&self) -> Responses<'_, R> {
        Responses::new(self)
    }

    /// The Conversations API.
    pub fn conversations(&self) -> Conversations<'_, R> {
        Conversations::new(self)
    }

    /// Runs a streaming call; a background response's stream resumes after a cut.
    pub(crate) async fn open_stream(
        &self,
        prepared: PreparedRequest,
        options: ResponsesOptions,
        labels: CallLabels,
    ) -> Result<EventStream<R>, ClientError> {
        let resume = prepared.is_background().then(|| options.clone());
        match Box::pin(self.inner.run(prepared, options, labels)).await? {
            Finish::Stream(stream, body, trace) => Ok(self.events(stream, body, trace, resume)),
            Finish::Unary(_) => Err(mismatch("the core answered a streaming call with a body")),
        }
    }

    fn events(
        &self,
        stream: Box<codex_api_core::stream::ResponseStream>,
        body: Option<R::Body>,
        trace: crate::telemetry::CallTrace,
        resume: Option<ResponsesOptions>,
    ) -> EventStream<R> {
        let events = EventStream::new(stream, body, trace);
        match resume {
            Some(options) => events.resumable(Arc::clone(&self.inner), options),
            None => events,
        }
    }

    /// `POST responses/compact`.
    pub async fn compact(
        &self,
        input: CompactionInput,
        options: ResponsesOptions,
    ) -> Result<CompactionOutput, ClientError> {
        let labels = CallLabels::new("responses.compact", Some(&input.model));
        let prepared = PreparedRequest::compact(&self.inner.provider, input)?;
        Ok(self.unary(prepared, options, labels).await?.json()?)
    }

    /// `POST memories/trace_summarize`.
    pub async fn summarize_memories(
        &self,
        input: MemorySummarizeInput,
        options: ResponsesOptions,
    ) -> Result<MemorySummarizeOutput, ClientError> {
        let labels = CallLabels::new("memories.trace_summarize", Some(&input.model));
        let prepared = PreparedRequest::summarize_memories(&input)?;
        Ok(self.unary(prepared, options, labels).await?.json()?)
    }

    /// `GET models` (with `client_version` when given). The `ETag` header, when present, wins
    /// over a body `etag`.
    pub async fn list_models(
        &self,
        client_version: Option<&str>,
    ) -> Result<ModelsResponse, ClientError> {
        let prepared = PreparedRequest::list_models(client_version);
        let labels = CallLabels::new("models.list", None);
        let output = self.unary(prepared, ResponsesOptions::new(), labels);
        Ok(output.await?.models()?)
    }

    /// Any call, prepared by hand (any endpoint, any body): a unary one
    /// ([`PreparedRequest::new`]) gives [`Reply::Body`], the 2xx response's status, headers and
    /// body; a streaming one ([`PreparedRequest::new_streaming`]) gives [`Reply::Events`], the
    /// same event stream as [`Client::stream`].
    pub async fn send(
        &self,
        prepared: PreparedRequest,
        options: ResponsesOptions,
    ) -> Result<Reply<EventStream<R>>, ClientError> {
        let labels = CallLabels::new("request", None);
        let resume = prepared.is_background().then(|| options.clone());
        Ok(
            match Box::pin(self.inner.run(prepared, options, labels)).await? {
                Finish::Unary(output) => Reply::Body(output),
                Finish::Stream(stream, body, trace) => {
                    Reply::Events(self.events(stream, body, trace, resume))
                }
            },
        )
    }

    /// A unary call whose body is JSON of type `T`.
    pub(crate) async fn json<T: serde::de::DeserializeOwned>(
        &self,
        prepared: PreparedRequest,
        options: ResponsesOptions,
        labels: CallLabels,
    ) -> Result<T, ClientError> {
        Ok(self.unary(prepared, options, labels).await?.json()?)
    }

    pub(crate) async fn unary(
        &self,
        prepared: PreparedRequest,
        options: ResponsesOptions,
        labels: CallLabels,
    ) -> Result<CallOutput, ClientError> {
        match Box::pin(self.inner.run(prepared, options, labels)).await? {
            Finish::Unary(output) => Ok(output),
            Finish::Stream(..) => Err(mismatch("the core answered a unary call with a stream")),
        }
    }
}

impl<R: Connect> Client<R> {
    /// A raw byte stream to `uri` (`ws://`, `wss://`, `http://` or `https://`): TCP within the
    /// connect timeout, through the proxy the client's rules pick (a `CONNECT` tunnel), then
    /// TLS for `wss`/`https` with the client's roots (ALPN `http/1.1`). One attempt; a failure
    /// is a [`TransportError`] like any other. What the WebSocket transport runs over.
    pub async fn connect(&self, uri: &http::Uri) -> Result<R::Stream, ClientError> {
        let failed = |failure: TransportFailure, target: Option<String>| {
            let kind = failure.kind();
            let mut cause = TransportCause::new(failure.into_error());
            cause.target = target;
            ClientError::Transport(TransportError::new(kind, 1).with_cause(cause))
        };
        let target = ConnectTarget::from_uri(uri).map_err(|failure| failed(failure, None))?;
        let name = authority(&target.host, target.port);
        let deadline = self
            .inner
            .connect_timeout
            .map(|timeout| Instant::now() + timeout);
        match within::<R, _>(deadline, self.inner.runtime.connect(target)).await {
            Ok(stream) => stream.map_err(|failure| failed(failure, Some(name))),
            Err(_) => {
                let expired =
                    TransportFailure::new(TransportErrorKind::Timeout, "connect timed out");
                Err(failed(expired, Some(name)))
            }
        }
    }
}

fn mismatch(message: &'static str) -> ClientError {
    ClientError::Transport(TransportError::adapter(message))
}
