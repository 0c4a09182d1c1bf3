//! The loop that executes a core [`Call`]'s actions over a [`Runtime`], written once for every
//! runtime (a blocking runtime runs the same loop, each future finishing on its first poll).

use std::future::{Future, poll_fn};
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::Poll;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

#[cfg(feature = "agent-identity")]
use codex_api_core::agent_identity::ProviderAuthScope;
use codex_api_core::call::{
    Action, AttemptRecord, Call, CallConfig, CallLimits, CallOutput, ClientError, TransportCause,
    TransportError,
};
use codex_api_core::client_config::{AttemptObserver, ClientConfig, Transport, authority, origin};
use codex_api_core::provider::Provider;
use codex_api_core::request::{PreparedRequest, ResponsesOptions};
use codex_api_core::retry::{RetryPolicy, SplitMix64};
use codex_api_core::stream::{ResponseStream, ResumeRequest};
use codex_api_core::unauthorized::AuthRecovery;

use crate::auth::AuthProvider;
use crate::runtime::{ResponseBody, Runtime, SendLimits, Timer, TransportFailure};
use crate::telemetry::{CallLabels, CallTrace};

/// Everything a client shares among its clones: the runtime, the settings, the auth source.
pub(crate) struct Inner<R: Runtime> {
    pub(crate) runtime: R,
    pub(crate) provider: Provider,
    pub(crate) auth: Arc<dyn AuthProvider>,
    pub(crate) connect_timeout: Option<Duration>,
    response_timeout: Option<Duration>,
    stream_idle_timeout: Option<Option<Duration>>,
    policy: Option<RetryPolicy>,
    seed: AtomicU64,
    on_attempt: Option<AttemptObserver>,
    /// How `stream` reaches `responses`.
    pub(crate) transport: Transport,
    /// The WebSocket connection `stream` keeps between calls ([`Transport::WebSocket`]).
    pub(crate) ws_slot: crate::websocket::Slot,
    /// `stream` fell back to HTTP for good.
    pub(crate) ws_fallback: std::sync::atomic::AtomicBool,
    #[cfg(feature = "agent-identity")]
    pub(crate) auth_scope: std::sync::RwLock<Option<Arc<ProviderAuthScope>>>,
}

/// How a call ended well: a unary body, or a stream with its open body.
pub(crate) enum Finish<R: Runtime> {
    Unary(CallOutput),
    Stream(Box<ResponseStream>, Option<R::Body>, CallTrace),
}

/// What a resume call hands back: the head for the interrupted stream and its open body.
pub(crate) type Resumed<B> = (Box<http::response::Parts>, Option<B>);

impl<R: Runtime> Inner<R> {
    pub(crate) fn new(config: ClientConfig, auth: Arc<dyn AuthProvider>, runtime: R) -> Self {
        let clock = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        Inner {
            runtime,
            provider: config.provider,
            auth,
            connect_timeout: config.connect_timeout,
            response_timeout: config.response_timeout,
            stream_idle_timeout: config.stream_idle_timeout,
            policy: config.retry_policy,
            seed: AtomicU64::new(config.jitter_seed.unwrap_or(clock.as_nanos() as u64)),
            on_attempt: config.on_attempt,
            transport: config.transport,
            ws_slot: Default::default(),
            ws_fallback: std::sync::atomic::AtomicBool::new(false),
            #[cfg(feature = "agent-identity")]
            auth_scope: std::sync::RwLock::new(config.auth_scope.map(Arc::new)),
        }
    }

    /// A fresh jitter seed.
    pub(crate) fn next_seed(&self) -> u64 {
        self.seed
            .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)
    }

    /// The Agent Identity scope now in force.
    #[cfg(feature = "agent-identity")]
    pub(crate) fn scope(&self) -> Option<Arc<ProviderAuthScope>> {
        self.auth_scope
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    pub(crate) fn call_config(
        &self,
        prepared: PreparedRequest,
        options: ResponsesOptions,
    ) -> CallConfig {
        let limits = CallLimits::default().with_response_timeout(self.response_timeout);
        let config =
            CallConfig::for_request(prepared, self.provider.clone(), options).with_limits(limits);
        #[cfg(feature = "agent-identity")]
        let config = config.with_auth_scope(self.scope());
        let mut config = config;
        if let Some(policy) = &self.policy {
            config = config.with_policy(policy.clone());
        }
        if let Some(idle) = self.stream_idle_timeout {
            let stream = config.stream.with_idle_timeout(idle);
            config = config.with_stream(stream);
        }
        config
    }

    pub(crate) fn observe(&self, trace: &mut CallTrace, record: &AttemptRecord) {
        trace.attempt(record);
        if let Some(observer) = &self.on_attempt {
            observer(record);
        }
    }

    /// Runs one core [`Call`]: executes its actions, feeds back what happened.
    pub(crate) async fn run(
        &self,
        prepared: PreparedRequest,
        options: ResponsesOptions,
        labels: CallLabels,
    ) -> Result<Finish<R>, ClientError> {
        let mut trace = CallTrace::new(&labels, &self.provider, R::NAME);
        let result = self
            .drive(prepared, options, &mut trace, None, &Http(&self.runtime))
            .await;
        trace.call_ended();
        match result {
            Ok(Outcome::Unary(output)) => Ok(Finish::Unary(output)),
            Ok(Outcome::Stream(stream, body)) => Ok(Finish::Stream(stream, body, trace)),
            Ok(Outcome::Resume(..) | Outcome::Upgraded(..)) => Err(ClientError::Transport(
                TransportError::adapter("the core answered a call with a resumed or upgraded head"),
            )),
            Err(error) => {
                trace.failed(error.kind());
                Err(error)
            }
        }
    }

    /// Runs the resume call of an interrupted stream (after the core's backoff): its 2xx
    /// head and open body, or why it failed. Its attempts join the stream's `trace`.
    pub(crate) async fn resume(
        &self,
        request: ResumeRequest,
        options: ResponsesOptions,
        trace: &mut CallTrace,
    ) -> Result<Resumed<R::Body>, ClientError> {
        trace.resuming(&request);
        if !request.delay.is_zero() {
            R::timer(Instant::now() + request.delay).await;
        }
        let prepared = request.prepare()?;
        let http = Http(&self.runtime);
        match self
            .drive(prepared, options, trace, Some(&request), &http)
            .await?
        {
            Outcome::Resume(head, body) => Ok((head, body)),
            _ => Err(ClientError::Transport(TransportError::adapter(
                "the core answered a resume without a resumed head",
            ))),
        }
    }

    pub(crate) async fn drive<S: Sender>(
        &self,
        prepared: PreparedRequest,
        options: ResponsesOptions,
        trace: &mut CallTrace,
        resume: Option<&ResumeRequest>,
        sender: &S,
    ) -> Result<Outcome<S::Body>, ClientError> {
        let streaming = prepared.is_streaming();
        let config = self.call_config(prepared, options);
        let idle_timeout = config.stream.idle_timeout.filter(|_| streaming);
        let credentials = self.auth.credentials().await;
        let recovery = AuthRecovery::new(self.auth.recovery_mode(), self.auth.auth_mode());
        let seed = self
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
        if let Some(resume) = resume {
            call = call.resuming(resume);
        }
        let mut body: Option<S::Body> = None;
        let mut target = None;
        let mut last_transport: Option<TransportCause> = None;
        loop {
            let action = call.poll_action(Instant::now());
            while let Some(record) = call.poll_telemetry() {
                self.observe(trace, &record);
            }
            if !matches!(
                action,
                Action::ReadBody | Action::Stream(_) | Action::Resume(_) | Action::Upgraded(_)
            ) {
                body = None; // an unwanted body: dropping it closes or recycles the connection
            }
            let failure = match action {
                Action::Send(request) => {
                    target = target_of(request.uri());
                    let limits = SendLimits {
                        deadline: call.poll_timeout(),
                        streaming,
                        idle_timeout,
                    };
                    let sent = sender.send(request, limits);
                    match within::<R, _>(call.poll_timeout(), sent).await {
                        Ok(Ok((head, open))) => {
                            call.handle_head(Instant::now(), &head);
                            body = Some(open);
                            None
                        }
                        Ok(Err(failure)) => Some(failure),
                        Err(deadline) => {
                            call.handle_timeout(deadline);
                            None
                        }
                    }
                }
                Action::ReadBody => {
                    let Some(open) = body.as_mut() else {
                        call.handle_body_end(Instant::now());
                        continue;
                    };
                    let chunk = poll_fn(|cx| open.poll_chunk(cx));
                    match within::<R, _>(call.poll_timeout(), chunk).await {
                        Ok(Some(Ok(data))) => {
                            call.handle_body(Instant::now(), &data);
                            None
                        }
                        Ok(Some(Err(failure))) => Some(failure),
                        Ok(None) => {
                            body.take().into_iter().for_each(ResponseBody::release);
                            call.handle_body_end(Instant::now());
                            None
                        }
                        Err(deadline) => {
                            call.handle_timeout(deadline);
                            None
                        }
                    }
                }
                Action::Wait(until) => {
                    R::timer(until).await;
                    None
                }
                Action::RefreshAuth(step) => {
                    let result = self.auth.refresh(step).await;
                    call.handle_credentials(result);
                    None
                }
                Action::Stream(stream) => return Ok(Outcome::Stream(stream, body.take())),
                Action::Resume(head) => return Ok(Outcome::Resume(head, body.take())),
                Action::Upgraded(head) => return Ok(Outcome::Upgraded(head, body.take())),
                Action::Done(result) => {
                    return result
                        .map(Outcome::Unary)
                        .map_err(|error| ClientError::from_call(error, last_transport.take()));
                }
                _ => {
                    let bug = TransportError::adapter("the core asked for an input already given");
                    return Err(ClientError::Transport(bug));
                }
            };
            if let Some(cause) =
                failure.and_then(|failure| feed_failure(&mut call, failure, target.as_deref()))
            {
                last_transport = Some(cause);
            }
        }
    }
}

/// How the action loop ended well.
pub(crate) enum Outcome<B> {
    Unary(CallOutput),
    Stream(Box<ResponseStream>, Option<B>),
    Resume(Box<http::response::Parts>, Option<B>),
    Upgraded(Box<http::response::Parts>, Option<B>),
}

/// How the action loop sends a request: over the runtime's HTTP stack ([`Http`]), or as a
/// WebSocket handshake over a raw byte stream.
pub(crate) trait Sender: Sync {
    /// The response body.
    type Body: ResponseBody;

    /// Sends `request`; its head and open body.
    fn send(
        &self,
        request: http::Request<bytes::Bytes>,
        limits: SendLimits,
    ) -> impl Future<Output = Result<(http::response::Parts, Self::Body), TransportFailure>> + Send;
}

/// The runtime's HTTP stack.
pub(crate) struct Http<'a, R>(pub(crate) &'a R);

impl<R: Runtime> Sender for Http<'_, R> {
    type Body = R::Body;

    fn send(
        &self,
        request: http::Request<bytes::Bytes>,
        limits: SendLimits,
    ) -> impl Future<Output = Result<(http::response::Parts, R::Body), TransportFailure>> + Send
    {
        self.0.send(request, limits)
    }
}

/// Feeds a failed send or read to the call: the expiry of a runtime timer that carries the
/// core's deadline is that deadline passing; anything else is a transport failure, whose
/// cause is returned for the final error.
fn feed_failure(
    call: &mut Call,
    failure: TransportFailure,
    target: Option<&str>,
) -> Option<TransportCause> {
    let now = Instant::now();
    match call.poll_timeout() {
        Some(deadline) if failure.is_expired() => {
            call.handle_timeout(now.max(deadline));
            None
        }
        _ => {
            call.handle_transport_error(now, failure.kind());
            let cause = TransportCause::new(failure.into_error());
            Some(match target {
                Some(target) => cause.with_target(target),
                None => cause,
            })
        }
    }
}

/// `host:port` of an absolute URI (the port the scheme implies when absent; an IPv6 address in
/// brackets).
fn target_of(uri: &http::Uri) -> Option<String> {
    let (_, host, port) = origin(uri).ok()?;
    Some(authority(&host, port))
}

/// Runs `future` until `deadline` on runtime `R`'s timer; `Err(now)` when the deadline came
/// first. The future is polled first, so a blocking runtime's future (ready on its first poll)
/// never waits on the timer.
pub async fn within<R: Runtime, F: Future>(
    deadline: Option<Instant>,
    future: F,
) -> Result<F::Output, Instant> {
    within_any(deadline, R::timer, future).await
}

/// [`within`] with a timer made by `make` (for code that holds no runtime type).
pub(crate) async fn within_any<T: Timer, F: Future>(
    deadline: Option<Instant>,
    make: fn(Instant) -> T,
    future: F,
) -> Result<F::Output, Instant> {
    let Some(deadline) = deadline else {
        return Ok(future.await);
    };
    let mut future = pin!(future);
    let mut timer: Option<T> = None;
    poll_fn(|cx| {
        if let Poll::Ready(output) = future.as_mut().poll(cx) {
            return Poll::Ready(Ok(output));
        }
        let timer = timer.get_or_insert_with(|| make(deadline));
        match std::pin::Pin::new(timer).poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(Instant::now().max(deadline))),
            Poll::Pending => Poll::Pending,
        }
    })
    .await
}
