//! The [`Client`] and the loop that executes a core [`Call`]'s actions.

use std::io::{ErrorKind, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

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
use ureq::{Agent, AsSendBody, BodyReader};

use crate::auth::AuthProvider;
use crate::builder::{AttemptObserver, ClientBuilder, ConfigError};
use crate::error::{BoxError, Error, TransportError, classify};
use crate::events::EventStream;

/// The size of the buffer a response body is read into (reused for every read).
pub(crate) const READ_BUFFER: usize = 16 * 1024;

/// A Responses API client over ureq 3 (HTTP/1.1, rustls), blocking the calling thread. Cheap
/// to clone; clones share the connection pool.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    agent: Agent,
    provider: Provider,
    auth: Arc<dyn AuthProvider>,
    response_timeout: Option<Duration>,
    stream_idle_timeout: Option<Option<Duration>>,
    policy: Option<RetryPolicy>,
    seed: AtomicU64,
    on_attempt: Option<AttemptObserver>,
}

impl Inner {
    pub(crate) fn new(config: ClientConfig, auth: Arc<dyn AuthProvider>, agent: Agent) -> Self {
        let clock = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        Inner {
            agent,
            provider: config.provider,
            auth,
            response_timeout: config.response_timeout,
            stream_idle_timeout: config.stream_idle_timeout,
            policy: config.retry_policy,
            seed: AtomicU64::new(config.jitter_seed.unwrap_or(clock.as_nanos() as u64)),
            on_attempt: config.on_attempt,
        }
    }
}

/// How a call ended well: a unary body, or a stream with its open body.
enum Finish {
    Unary(CallOutput),
    Stream(Box<ResponseStream>, Option<BodyReader<'static>>),
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
    /// the core's retries and auth recovery) come here; errors in it come from the iterator.
    pub fn stream(
        &self,
        request: ResponsesApiRequest,
        options: ResponsesOptions,
    ) -> Result<EventStream, Error> {
        let prepared = PreparedRequest::responses(&self.inner.provider, request)?;
        match self.run(prepared, options)? {
            Finish::Stream(stream, body) => Ok(EventStream::new(stream, body)),
            Finish::Unary(_) => Err(Error::Transport(TransportError::adapter(
                "the core answered a streaming call with a unary body",
            ))),
        }
    }

    /// `POST responses/compact`.
    pub fn compact(
        &self,
        input: CompactionInput,
        options: ResponsesOptions,
    ) -> Result<CompactionOutput, Error> {
        let prepared = PreparedRequest::compact(&self.inner.provider, input)?;
        Ok(self.send(prepared, options)?.json()?)
    }

    /// `POST memories/trace_summarize`.
    pub fn summarize_memories(
        &self,
        input: MemorySummarizeInput,
        options: ResponsesOptions,
    ) -> Result<MemorySummarizeOutput, Error> {
        let prepared = PreparedRequest::summarize_memories(&input)?;
        Ok(self.send(prepared, options)?.json()?)
    }

    /// `GET models` (with `client_version` when given). The `ETag` header, when present, wins
    /// over a body `etag`.
    pub fn list_models(&self, client_version: Option<&str>) -> Result<ModelsResponse, Error> {
        let prepared = PreparedRequest::list_models(client_version);
        Ok(self.send(prepared, ResponsesOptions::new())?.models()?)
    }

    /// Any unary call: the 2xx response's status, headers and body.
    pub fn send(
        &self,
        prepared: PreparedRequest,
        options: ResponsesOptions,
    ) -> Result<CallOutput, Error> {
        match self.run(prepared, options)? {
            Finish::Unary(output) => Ok(output),
            Finish::Stream(..) => Err(Error::Transport(TransportError::adapter(
                "the core answered a unary call with a stream",
            ))),
        }
    }

    /// Runs one core [`Call`]: executes its actions, feeds back what happened.
    fn run(&self, prepared: PreparedRequest, options: ResponsesOptions) -> Result<Finish, Error> {
        let inner = &*self.inner;
        let streaming = prepared.is_streaming();
        let mut config = CallConfig::for_request(prepared, inner.provider.clone(), options)
            .with_limits(CallLimits::default().with_response_timeout(inner.response_timeout));
        if let Some(policy) = &inner.policy {
            config = config.with_policy(policy.clone());
        }
        if let Some(idle) = inner.stream_idle_timeout {
            let stream = config.stream.with_idle_timeout(idle);
            config = config.with_stream(stream);
        }
        // ureq's per-read timer is the stream-idle window (see the crate docs).
        let per_read = config.stream.idle_timeout.filter(|_| streaming);
        let recovery = AuthRecovery::new(inner.auth.recovery_mode(), inner.auth.auth_mode());
        let jitter = SplitMix64::new(
            inner
                .seed
                .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed),
        );
        let (now, wall) = (Instant::now(), SystemTime::now());
        let mut call = Call::new(
            config,
            inner.auth.credentials(),
            recovery,
            jitter,
            now,
            wall,
        );
        let mut body: Option<BodyReader<'static>> = None;
        let mut buffer = vec![0_u8; READ_BUFFER];
        let mut last_transport: Option<BoxError> = None;
        loop {
            let action = call.poll_action(Instant::now());
            while let Some(record) = call.poll_telemetry() {
                if let Some(observer) = &inner.on_attempt {
                    observer(&record);
                }
            }
            if !matches!(action, Action::ReadBody | Action::Stream(_)) {
                body = None; // an unwanted body: dropping it closes the connection
            }
            match action {
                Action::Send(request) => {
                    let timers = Timers {
                        response: call
                            .poll_timeout()
                            .map(|deadline| deadline.saturating_duration_since(Instant::now())),
                        per_read,
                        streaming,
                    };
                    match self.execute(request, timers) {
                        Ok(response) => {
                            let (head, incoming) = response.into_parts();
                            call.handle_head(Instant::now(), &head);
                            body = Some(incoming.into_reader());
                        }
                        Err(error) => fail(&mut call, error, &mut last_transport),
                    }
                }
                Action::ReadBody => {
                    let Some(reader) = body.as_mut() else {
                        call.handle_body_end(Instant::now());
                        continue;
                    };
                    match reader.read(&mut buffer) {
                        Ok(0) => call.handle_body_end(Instant::now()),
                        Ok(read) => {
                            call.handle_body(Instant::now(), buffer.get(..read).unwrap_or_default())
                        }
                        Err(error) if error.kind() == ErrorKind::Interrupted => {}
                        Err(error) => fail(&mut call, error.into(), &mut last_transport),
                    }
                }
                Action::Wait(until) => {
                    std::thread::sleep(until.saturating_duration_since(Instant::now()))
                }
                Action::RefreshAuth(step) => call.handle_credentials(inner.auth.refresh(step)),
                Action::Stream(stream) => return Ok(Finish::Stream(stream, body.take())),
                Action::Done(result) => {
                    return result
                        .map(Finish::Unary)
                        .map_err(|error| Error::from_call(error, last_transport));
                }
                _ => {
                    return Err(Error::Transport(TransportError::adapter(
                        "the core asked for an input the adapter had already given",
                    )));
                }
            }
        }
    }

    /// Sends one request with ureq (a `GET` without a body).
    fn execute(
        &self,
        request: http::Request<bytes::Bytes>,
        timers: Timers,
    ) -> Result<http::Response<ureq::Body>, ureq::Error> {
        let (parts, bytes) = request.into_parts();
        let agent = &self.inner.agent;
        if bytes.is_empty() {
            timers.run(agent, http::Request::from_parts(parts, ()))
        } else {
            timers.run(agent, http::Request::from_parts(parts, &bytes[..]))
        }
    }
}

/// The ureq timers of one attempt, all derived from the core's deadlines.
#[derive(Debug, Clone, Copy)]
struct Timers {
    /// The time left until the core's response deadline: ureq's head timer for a stream,
    /// its whole-exchange timer for a unary call (whose deadline covers the body too).
    response: Option<Duration>,
    /// The stream-idle window, as ureq's per-read timer (streams only).
    per_read: Option<Duration>,
    streaming: bool,
}

impl Timers {
    fn run<S: AsSendBody>(
        self,
        agent: &Agent,
        request: http::Request<S>,
    ) -> Result<http::Response<ureq::Body>, ureq::Error> {
        let config = agent
            .configure_request(request)
            .timeout_per_read(self.per_read);
        let config = if self.streaming {
            config.timeout_recv_response(self.response)
        } else {
            config.timeout_per_call(self.response)
        };
        agent.run(config.build())
    }
}

/// Feeds a failed send or read to the call: the expiry of ureq's timer that carries the
/// core's response deadline is that deadline passing; anything else is a transport failure.
fn fail(call: &mut Call, error: ureq::Error, last_transport: &mut Option<BoxError>) {
    let now = Instant::now();
    let deadline = call.poll_timeout();
    let core_timer = matches!(
        error,
        ureq::Error::Timeout(ureq::Timeout::RecvResponse | ureq::Timeout::PerCall)
    );
    match deadline {
        Some(deadline) if core_timer => call.handle_timeout(now.max(deadline)),
        _ => {
            call.handle_transport_error(now, classify(&error));
            *last_transport = Some(Box::new(error));
        }
    }
}
