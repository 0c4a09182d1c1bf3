//! The [`Client`] and the loop that executes a core [`Call`]'s actions.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use async_io::Timer;
use codex_api_core::call::{Action, Call, CallConfig, CallError, CallLimits, CallOutput};
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

use crate::auth::AuthProvider;
use crate::builder::{AttemptObserver, ClientBuilder, ConfigError};
use crate::connection::OpenBody;
use crate::error::{BoxError, Error, TransportError};
use crate::events::EventStream;
use crate::pool::Pool;

/// A Responses API client over hyper (HTTP/1.1), rustls and async-io: runs on async-std,
/// smol, or any executor whose thread may block on the async-io reactor. Cheap to clone;
/// clones share the connection pool.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    pool: Arc<Pool>,
    provider: Provider,
    auth: Arc<dyn AuthProvider>,
    response_timeout: Option<Duration>,
    stream_idle_timeout: Option<Option<Duration>>,
    policy: Option<RetryPolicy>,
    seed: AtomicU64,
    on_attempt: Option<AttemptObserver>,
}

/// How a call ended well: a unary body, or a stream with its open body.
enum Finish {
    Unary(CallOutput),
    Stream(Box<ResponseStream>, Option<OpenBody>),
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("provider", &self.inner.provider.name())
            .finish_non_exhaustive()
    }
}

impl Client {
    pub(crate) fn new(config: ClientConfig, auth: Arc<dyn AuthProvider>, pool: Pool) -> Self {
        let clock = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let seed = config.jitter_seed.unwrap_or(clock.as_nanos() as u64);
        let inner = Inner {
            pool: Arc::new(pool),
            provider: config.provider,
            auth,
            response_timeout: config.response_timeout,
            stream_idle_timeout: config.stream_idle_timeout,
            policy: config.retry_policy,
            seed: AtomicU64::new(seed),
            on_attempt: config.on_attempt,
        };
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
        let prepared = PreparedRequest::responses(&self.inner.provider, request).map_err(build)?;
        match Box::pin(self.run(prepared, options)).await? {
            Finish::Stream(stream, body) => Ok(EventStream::new(stream, body)),
            Finish::Unary(_) => Err(adapter_bug(
                "the core answered a streaming call with a body",
            )),
        }
    }

    /// `POST responses/compact`.
    pub async fn compact(
        &self,
        input: CompactionInput,
        options: ResponsesOptions,
    ) -> Result<CompactionOutput, Error> {
        let prepared = PreparedRequest::compact(&self.inner.provider, input).map_err(build)?;
        Ok(self.send(prepared, options).await?.json()?)
    }

    /// `POST memories/trace_summarize`.
    pub async fn summarize_memories(
        &self,
        input: MemorySummarizeInput,
        options: ResponsesOptions,
    ) -> Result<MemorySummarizeOutput, Error> {
        let prepared = PreparedRequest::summarize_memories(&input).map_err(build)?;
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

    /// Any unary call: the 2xx response's status, headers and body (e.g. for the models ETag).
    pub async fn send(
        &self,
        prepared: PreparedRequest,
        options: ResponsesOptions,
    ) -> Result<CallOutput, Error> {
        match Box::pin(self.run(prepared, options)).await? {
            Finish::Unary(output) => Ok(output),
            Finish::Stream(..) => Err(adapter_bug("the core answered a unary call with a stream")),
        }
    }

    /// Runs one core [`Call`]: executes its actions, feeds back what happened. (Callers box
    /// this future: it is large, and the public futures stay a few words wide.)
    async fn run(
        &self,
        prepared: PreparedRequest,
        options: ResponsesOptions,
    ) -> Result<Finish, Error> {
        let inner = &*self.inner;
        let limits = CallLimits::default().with_response_timeout(inner.response_timeout);
        let mut config =
            CallConfig::for_request(prepared, inner.provider.clone(), options).with_limits(limits);
        if let Some(policy) = &inner.policy {
            config = config.with_policy(policy.clone());
        }
        if let Some(idle) = inner.stream_idle_timeout {
            let stream = config.stream.with_idle_timeout(idle);
            config = config.with_stream(stream);
        }
        let credentials = inner.auth.credentials().await;
        let recovery = AuthRecovery::new(inner.auth.recovery_mode(), inner.auth.auth_mode());
        let seed = inner
            .seed
            .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed);
        let (now, wall) = (Instant::now(), SystemTime::now());
        let mut call = Call::new(
            config,
            credentials,
            recovery,
            SplitMix64::new(seed),
            now,
            wall,
        );
        let mut body: Option<OpenBody> = None;
        let mut last_transport: Option<BoxError> = None;
        loop {
            let action = call.poll_action(Instant::now());
            while let Some(record) = call.poll_telemetry() {
                if let Some(observer) = &inner.on_attempt {
                    observer(&record);
                }
            }
            if !matches!(action, Action::ReadBody | Action::Stream(_)) {
                body = None; // an unwanted, unfinished body: dropping it closes its connection
            }
            match action {
                Action::Send(request) => {
                    match within(call.poll_timeout(), inner.pool.send(request)).await {
                        Ok(Ok((head, open))) => {
                            call.handle_head(Instant::now(), &head);
                            body = Some(open);
                        }
                        Ok(Err(failure)) => {
                            last_transport = Some(failure.source);
                            call.handle_transport_error(Instant::now(), failure.kind);
                        }
                        Err(deadline) => call.handle_timeout(deadline),
                    }
                }
                Action::ReadBody => {
                    let Some(open) = body.as_mut() else {
                        call.handle_body_end(Instant::now());
                        continue;
                    };
                    match within(call.poll_timeout(), open.chunk()).await {
                        Ok(Some(Ok(data))) => call.handle_body(Instant::now(), &data),
                        Ok(Some(Err(failure))) => {
                            last_transport = Some(failure.source);
                            call.handle_transport_error(Instant::now(), failure.kind);
                        }
                        Ok(None) => {
                            body.take().into_iter().for_each(OpenBody::release);
                            call.handle_body_end(Instant::now());
                        }
                        Err(deadline) => call.handle_timeout(deadline),
                    }
                }
                Action::Wait(until) => {
                    Timer::at(until).await;
                }
                Action::RefreshAuth(step) => {
                    let result = inner.auth.refresh(step).await;
                    call.handle_credentials(result);
                }
                Action::Stream(stream) => return Ok(Finish::Stream(stream, body.take())),
                Action::Done(result) => {
                    return result
                        .map(Finish::Unary)
                        .map_err(|error| Error::from_call(error, last_transport));
                }
                _ => return Err(adapter_bug("the core asked for an input already given")),
            }
        }
    }
}

/// Runs `future` until `deadline` (an async-io timer); `Err(now)` when the deadline came first.
pub(crate) async fn within<F: Future>(
    deadline: Option<Instant>,
    future: F,
) -> Result<F::Output, Instant> {
    let Some(deadline) = deadline else {
        return Ok(future.await);
    };
    let expired = async {
        Timer::at(deadline).await;
        Err(Instant::now().max(deadline))
    };
    futures_lite::future::or(async { Ok(future.await) }, expired).await
}

fn build(error: codex_api_core::request::BuildError) -> Error {
    Error::Call(CallError::Build(error))
}

fn adapter_bug(message: &'static str) -> Error {
    Error::Transport(TransportError::adapter(message))
}
