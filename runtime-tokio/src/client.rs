//! The [`Client`] and the loop that executes a core [`Call`]'s actions.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use codex_api_core::call::{Action, Call, CallConfig, CallLimits, CallOutput};
use codex_api_core::client_config::ClientConfig;
use codex_api_core::provider::Provider;
use codex_api_core::request::{PreparedRequest, ResponsesOptions};
use codex_api_core::retry::{RetryPolicy, SplitMix64};
use codex_api_core::stream::ResponseStream;
use codex_api_core::unauthorized::AuthRecovery;
use codex_api_core::wire::{
    CompactionInput, CompactionOutput, MemorySummarizeInput, MemorySummarizeOutput, ModelsResponse,
    ResponsesApiRequest,
};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::proxy::matcher::Matcher;

use crate::auth::AuthProvider;
use crate::builder::{AttemptObserver, ClientBuilder, ConfigError};
use crate::connector::Connector;
use crate::error::{BoxError, Error, TransportError, classify};
use crate::events::EventStream;
use crate::telemetry::CallTrace;

type Http = HyperClient<HttpsConnector<Connector>, Full<Bytes>>;

/// A Responses API client over hyper (HTTP/1.1 and HTTP/2), rustls and tokio. Cheap to clone;
/// clones share the connection pool.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    http: Http,
    proxies: Arc<Matcher>,
    provider: Provider,
    auth: Arc<dyn AuthProvider>,
    response_timeout: Option<std::time::Duration>,
    stream_idle_timeout: Option<Option<std::time::Duration>>,
    policy: Option<RetryPolicy>,
    seed: AtomicU64,
    on_attempt: Option<AttemptObserver>,
}

impl Inner {
    pub(crate) fn new(
        config: ClientConfig,
        auth: Arc<dyn AuthProvider>,
        http: Http,
        proxies: Arc<Matcher>,
    ) -> Self {
        let clock = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let seed = config.jitter_seed.unwrap_or(clock.as_nanos() as u64);
        Inner {
            http,
            proxies,
            provider: config.provider,
            auth,
            response_timeout: config.response_timeout,
            stream_idle_timeout: config.stream_idle_timeout,
            policy: config.retry_policy,
            seed: AtomicU64::new(seed),
            on_attempt: config.on_attempt,
        }
    }
}

/// How a call ended well: a unary body, or a stream with its open body.
enum Finish {
    Unary(CallOutput),
    Stream(Box<ResponseStream>, Option<Incoming>),
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("provider", &self.inner.provider.name())
            .finish_non_exhaustive()
    }
}

impl Client {
    pub(crate) fn from_inner(inner: Inner) -> Self {
        Client {
            inner: Arc::new(inner),
        }
    }

    /// A [`ClientBuilder`] for `provider` with credentials from `auth`.
    pub fn builder(provider: Provider, auth: impl AuthProvider + 'static) -> ClientBuilder {
        ClientBuilder::new(provider, Arc::new(auth))
    }

    /// A client configured from the environment (see [`ClientBuilder::from_env`]).
    pub fn from_env() -> Result<Client, ConfigError> {
        ClientBuilder::from_env()?.build()
    }

    /// `POST responses`: the events of one streamed response. Errors before the stream (after
    /// the core's retries and auth recovery) come here; errors in it come from the stream.
    pub async fn stream(
        &self,
        request: ResponsesApiRequest,
        options: ResponsesOptions,
    ) -> Result<EventStream, Error> {
        let prepared = PreparedRequest::responses(&self.inner.provider, request)?;
        match self.run(prepared, options).await? {
            Finish::Stream(stream, body) => Ok(EventStream::new(stream, body)),
            Finish::Unary(_) => Err(Error::Transport(TransportError::adapter(
                "the core answered a streaming call with a unary body",
            ))),
        }
    }

    /// `POST responses/compact`.
    pub async fn compact(
        &self,
        input: CompactionInput,
        options: ResponsesOptions,
    ) -> Result<CompactionOutput, Error> {
        let prepared = PreparedRequest::compact(&self.inner.provider, input)?;
        Ok(self.send(prepared, options).await?.json()?)
    }

    /// `POST memories/trace_summarize`.
    pub async fn summarize_memories(
        &self,
        input: MemorySummarizeInput,
        options: ResponsesOptions,
    ) -> Result<MemorySummarizeOutput, Error> {
        let prepared = PreparedRequest::summarize_memories(&input)?;
        Ok(self.send(prepared, options).await?.json()?)
    }

    /// `GET models` (with `client_version` when given). The `ETag` header, when present, wins
    /// over a body `etag`.
    pub async fn list_models(&self, client_version: Option<&str>) -> Result<ModelsResponse, Error> {
        let prepared = PreparedRequest::list_models(client_version);
        Ok(self
            .send(prepared, ResponsesOptions::new())
            .await?
            .models()?)
    }

    /// Any unary call: the 2xx response's status, headers and body.
    pub async fn send(
        &self,
        prepared: PreparedRequest,
        options: ResponsesOptions,
    ) -> Result<CallOutput, Error> {
        match self.run(prepared, options).await? {
            Finish::Unary(output) => Ok(output),
            Finish::Stream(..) => Err(Error::Transport(TransportError::adapter(
                "the core answered a unary call with a stream",
            ))),
        }
    }

    /// Runs one core [`Call`]: executes its actions, feeds back what happened.
    async fn run(
        &self,
        prepared: PreparedRequest,
        options: ResponsesOptions,
    ) -> Result<Finish, Error> {
        let inner = &*self.inner;
        let trace = CallTrace::new(prepared.endpoint().path());
        let mut config = CallConfig::for_request(prepared, inner.provider.clone(), options)
            .with_limits(CallLimits::default().with_response_timeout(inner.response_timeout));
        if let Some(policy) = &inner.policy {
            config = config.with_policy(policy.clone());
        }
        if let Some(idle) = inner.stream_idle_timeout {
            let stream = config.stream.with_idle_timeout(idle);
            config = config.with_stream(stream);
        }
        let credentials = inner.auth.credentials().await;
        let recovery = AuthRecovery::new(inner.auth.recovery_mode(), inner.auth.auth_mode());
        let jitter = SplitMix64::new(
            inner
                .seed
                .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed),
        );
        let mut call = Call::new(
            config,
            credentials,
            recovery,
            jitter,
            Instant::now(),
            SystemTime::now(),
        );
        let mut body: Option<Incoming> = None;
        let mut last_transport: Option<BoxError> = None;
        loop {
            let action = call.poll_action(Instant::now());
            while let Some(record) = call.poll_telemetry() {
                trace.attempt(&record);
                if let Some(observer) = &inner.on_attempt {
                    observer(&record);
                }
            }
            if !matches!(action, Action::ReadBody | Action::Stream(_)) {
                body = None; // an unwanted body: dropping it closes or recycles the connection
            }
            match action {
                Action::Send(request) => {
                    let request = self.prepare(request);
                    let head = within(call.poll_timeout(), inner.http.request(request)).await;
                    match head {
                        Ok(Ok(response)) => {
                            let (head, incoming) = response.into_parts();
                            call.handle_head(Instant::now(), &head);
                            body = Some(incoming);
                        }
                        Ok(Err(error)) => {
                            let kind = classify(&error, error.is_connect());
                            last_transport = Some(Box::new(error));
                            call.handle_transport_error(Instant::now(), kind);
                        }
                        Err(deadline) => call.handle_timeout(deadline),
                    }
                }
                Action::ReadBody => {
                    let Some(incoming) = body.as_mut() else {
                        call.handle_body_end(Instant::now());
                        continue;
                    };
                    match within(call.poll_timeout(), incoming.frame()).await {
                        Ok(Some(Ok(frame))) => {
                            if let Ok(data) = frame.into_data() {
                                call.handle_body(Instant::now(), &data);
                            }
                        }
                        Ok(Some(Err(error))) => {
                            let kind = classify(&error, false);
                            last_transport = Some(Box::new(error));
                            call.handle_transport_error(Instant::now(), kind);
                        }
                        Ok(None) => call.handle_body_end(Instant::now()),
                        Err(deadline) => call.handle_timeout(deadline),
                    }
                }
                Action::Wait(until) => tokio::time::sleep_until(until.into()).await,
                Action::RefreshAuth(step) => {
                    let result = inner.auth.refresh(step).await;
                    call.handle_credentials(result);
                }
                Action::Stream(stream) => return Ok(Finish::Stream(stream, body.take())),
                Action::Done(result) => {
                    return result
                        .map(Finish::Unary)
                        .map_err(|e| Error::from_call(e, last_transport));
                }
                _ => {
                    return Err(Error::Transport(TransportError::adapter(
                        "the core asked for an input the adapter had already given",
                    )));
                }
            }
        }
    }

    /// The request as hyper sends it: the body, and the proxy's credentials for plain http.
    fn prepare(&self, request: http::Request<Bytes>) -> http::Request<Full<Bytes>> {
        let mut request = request.map(Full::new);
        if request.uri().scheme_str() == Some("http") {
            let auth = self.inner.proxies.intercept(request.uri());
            if let Some(auth) = auth.as_ref().and_then(|proxy| proxy.basic_auth()) {
                request
                    .headers_mut()
                    .insert(http::header::PROXY_AUTHORIZATION, auth.clone());
            }
        }
        request
    }
}

/// Runs `future` until `deadline`; `Err(now)` when the deadline came first.
async fn within<F: Future>(deadline: Option<Instant>, future: F) -> Result<F::Output, Instant> {
    match deadline {
        None => Ok(future.await),
        Some(deadline) => tokio::time::timeout_at(deadline.into(), future)
            .await
            .map_err(|_| Instant::now().max(deadline)),
    }
}
