//! [`WebSocketSession`]: Responses over one WebSocket connection, turn after turn.

use std::fmt;
use std::future::poll_fn;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use codex_api_core::call::{
    AttemptDecision, AttemptOutcome, AttemptRecord, ClientError, TransportError,
};
use codex_api_core::error::ApiError;
use codex_api_core::request::{BuildError, PreparedRequest, ResponsesOptions};
use codex_api_core::responses_websocket::{TurnOptions, TurnRecovery, decide_turn_failure};
use codex_api_core::retry::SplitMix64;
use codex_api_core::stream::ResponseStream;
use codex_api_core::unauthorized::{AuthRecovery, CredentialsChange, RecoveryPoll};
use codex_api_core::websocket::CodecConfig;
use codex_api_core::wire::ResponsesApiRequest;

use super::connection::{Input, Slot, TurnSource, WsConnection};
use super::handshake::{HandshakeBody, Upgrade};
use crate::client::Client;
use crate::driver::{Inner, Outcome, within_any};
use crate::events::EventStream;
use crate::runtime::Runtime;
use crate::telemetry::{CallLabels, CallTrace};

/// Responses over one WebSocket connection (`wss://…/responses`), from
/// [`Client::websocket`]: [`stream`](WebSocketSession::stream) returns the same
/// [`EventStream`] as [`Client::stream`], turn after turn on one connection.
///
/// The connection opens with the first turn (or [`connect`](WebSocketSession::connect)),
/// with the client's headers, auth (a `401` on the upgrade goes through the same recovery),
/// proxy and TLS settings, and `permessage-deflate` unless turned off. A turn continues the
/// previous one by sending only the new input items with `previous_response_id` when it can
/// (see [`responses_websocket`](codex_api_core::responses_websocket)); a turn that fails
/// before any event is retried under the client's retry policy, on a new connection when
/// the old one is gone or at its limit. One response is in flight at a time: a second
/// `stream` while one is open opens a second connection.
pub struct WebSocketSession<R: Runtime> {
    inner: Arc<Inner<R>>,
    options: ResponsesOptions,
    deflate: bool,
    compress_requests: bool,
    slot: Slot,
    seed: AtomicU64,
}

impl<R: Runtime> fmt::Debug for WebSocketSession<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebSocketSession")
            .field("runtime", &R::NAME)
            .field("deflate", &self.deflate)
            .field("connected", &self.is_connected())
            .finish_non_exhaustive()
    }
}

impl<R: Runtime> Client<R> {
    /// A WebSocket session on this client's provider, settings and auth (see
    /// [`WebSocketSession`]), with a connection of its own. Nothing is opened until the first
    /// turn.
    pub fn websocket(&self) -> WebSocketSession<R> {
        self.websocket_on(Arc::new(Mutex::new(None)), ResponsesOptions::new())
    }

    /// A session over `slot` (the client's own for [`Transport::WebSocket`](codex_api_core::client_config::Transport)).
    pub(crate) fn websocket_on(
        &self,
        slot: Slot,
        options: ResponsesOptions,
    ) -> WebSocketSession<R> {
        WebSocketSession {
            inner: Arc::clone(&self.inner),
            options,
            deflate: true,
            compress_requests: false,
            slot,
            seed: AtomicU64::new(self.inner.next_seed()),
        }
    }
}

impl<R: Runtime> WebSocketSession<R> {
    /// The per-request options of the upgrade (extra headers, session ids, turn state).
    #[must_use]
    pub fn with_options(mut self, options: ResponsesOptions) -> Self {
        self.options = options;
        self
    }

    /// Offers `permessage-deflate` (on by default).
    #[must_use]
    pub fn with_deflate(mut self, deflate: bool) -> Self {
        self.deflate = deflate;
        self
    }

    /// Compresses the requests too (off by default). With `permessage-deflate` the server's
    /// messages, where nearly all the bytes are, are inflated either way; compressing the
    /// requests saves upload bytes (large tool outputs) at the cost of a compressor of about
    /// 300 KiB per connection, kept for the connection's life (context takeover).
    #[must_use]
    pub fn with_compressed_requests(mut self, compress: bool) -> Self {
        self.compress_requests = compress;
        self
    }

    /// Whether an idle connection is open.
    pub fn is_connected(&self) -> bool {
        self.lock()
            .as_ref()
            .is_some_and(|connection| !connection.broken)
    }

    /// Whether the open connection negotiated `permessage-deflate`.
    pub fn is_deflate(&self) -> bool {
        self.lock().as_ref().is_some_and(|c| c.is_deflate())
    }

    /// Opens the connection now (the first turn would otherwise).
    pub async fn connect(&self) -> Result<(), ClientError> {
        if self.is_connected() {
            return Ok(());
        }
        let mut trace = self.trace(None);
        let connection = self.open(&mut trace).await?;
        self.park(connection);
        Ok(())
    }

    /// One response over the connection: the same events as [`Client::stream`]. Errors of
    /// the turn before its first event (after the retries) come here; later ones from the
    /// stream. `background: true` is refused before anything is sent.
    pub async fn stream(
        &self,
        request: ResponsesApiRequest,
    ) -> Result<EventStream<R>, ClientError> {
        self.turn(request, self.turn_options()).await
    }

    /// A warm-up turn (`generate: false`): the server prepares `request` and generates
    /// nothing; the next turn with the same request chains from it (only new input is sent).
    pub async fn warm_up(&self, request: ResponsesApiRequest) -> Result<(), ClientError> {
        let options = self.turn_options().warm_up();
        let mut events = self.turn(request, options).await?;
        events.final_response().await.map(|_| ())
    }

    /// The additions to every message: the W3C trace context (`traceparent`, `tracestate`)
    /// of the session's options' extra headers goes into `client_metadata`, since messages
    /// have no headers.
    fn turn_options(&self) -> TurnOptions {
        let mut options = TurnOptions::default();
        for (name, value) in &self.options.extra_headers {
            if name.eq_ignore_ascii_case("traceparent") || name.eq_ignore_ascii_case("tracestate") {
                options
                    .client_metadata
                    .push((name.to_ascii_lowercase(), value.clone()));
            }
        }
        options
    }

    async fn turn(
        &self,
        request: ResponsesApiRequest,
        turn_options: TurnOptions,
    ) -> Result<EventStream<R>, ClientError> {
        if request.background == Some(true) {
            return Err(BuildError::BackgroundOverWebSocket.into());
        }
        let config = self
            .inner
            .call_config(PreparedRequest::responses_websocket(), self.options.clone());
        let provider = &self.inner.provider;
        let mut trace = self.trace(Some(&request.model));
        let mut jitter = SplitMix64::new(self.seed.fetch_add(1, Ordering::Relaxed));
        let (mut retries, mut resent_full, mut attempt) = (0, false, 0);
        let mut auth =
            AuthRecovery::new(self.inner.auth.recovery_mode(), self.inner.auth.auth_mode());
        loop {
            attempt += 1;
            let idle = self
                .take()
                .filter(|c| !c.broken && !c.turns.is_stale(Instant::now()));
            let mut connection = match idle {
                Some(connection) => connection,
                None => self.open(&mut trace).await?,
            };
            let started = Instant::now();
            let turn =
                connection
                    .turns
                    .prepare_with(provider, request.clone(), &turn_options, started)?;
            let reused = turn.connection_reused;
            let mut core = Box::new(ResponseStream::new(config.stream));
            core.handle_websocket_head(started, &connection.head);
            let sent = connection.queue_text(&turn.message);
            let sent = match sent {
                Ok(()) => {
                    let flush = poll_fn(|cx| connection.poll_flush(cx));
                    match within_any(core.poll_timeout(), R::timer, flush).await {
                        Ok(result) => result,
                        Err(deadline) => {
                            connection.broken = true;
                            core.handle_timeout(deadline);
                            Ok(())
                        }
                    }
                }
                Err(failure) => Err(failure),
            };
            if let Err(failure) = sent {
                core.handle_transport_error(Instant::now(), failure.kind());
            }
            // Read up to the first event (or the end).
            while !core.is_finished() && core.stats().events == 0 {
                connection.set_read_deadline(core.poll_timeout());
                let input = poll_fn(|cx| connection.poll_input(cx));
                match within_any(core.poll_timeout(), R::timer, input).await {
                    Ok(Input::Text(text)) => core.handle_message(Instant::now(), &text),
                    Ok(Input::Closed) => core.handle_eof(Instant::now()),
                    Ok(Input::Failed(failure)) => {
                        core.handle_transport_error(Instant::now(), failure.kind());
                    }
                    Ok(Input::Protocol(description)) => core.handle_protocol_error(&description),
                    Err(deadline) => {
                        connection.broken = true;
                        core.handle_timeout(deadline);
                    }
                }
            }
            let elapsed = started.elapsed();
            let failure = (core.is_finished() && core.stats().events == 0)
                .then(|| first_error(&mut core))
                .flatten();
            let record = |outcome, error: Option<&ApiError>, decision| {
                AttemptRecord::websocket_turn(
                    attempt,
                    outcome,
                    error.and_then(ApiError::status),
                    error.map(ApiError::kind),
                    match error {
                        Some(error) => error.request_id(),
                        None => core.request_id(),
                    }
                    .map(str::to_owned),
                    elapsed,
                    decision,
                    reused,
                )
            };
            let Some(error) = failure else {
                let finished = record(AttemptOutcome::Streamed, None, AttemptDecision::Finished);
                self.inner.observe(&mut trace, &finished);
                trace.call_ended();
                let source = TurnSource {
                    connection: Some(connection),
                    slot: Arc::clone(&self.slot),
                };
                return Ok(EventStream::websocket(core, source, trace));
            };
            connection.end_turn(None);
            let mut recovery = decide_turn_failure(
                &config.policy,
                retries,
                &error,
                false,
                resent_full,
                &mut jitter,
            );
            if recovery == TurnRecovery::RecoverAuth && !self.recover_auth(&mut auth, &error).await
            {
                recovery = TurnRecovery::Fail;
            }
            let decision = match &recovery {
                TurnRecovery::Retry { delay, .. } => AttemptDecision::Retry { delay: *delay },
                TurnRecovery::ResendFull => AttemptDecision::Retry {
                    delay: std::time::Duration::ZERO,
                },
                TurnRecovery::RecoverAuth => AttemptDecision::RecoverAuth,
                _ => AttemptDecision::GaveUp { reason: None },
            };
            let failed = record(AttemptOutcome::ErrorStatus, Some(&error), decision);
            self.inner.observe(&mut trace, &failed);
            match recovery {
                // New credentials: a new connection (the old one is bound to the rejected
                // ones), and the full request again.
                TurnRecovery::RecoverAuth => {}
                TurnRecovery::Retry { delay, reconnect } => {
                    if !reconnect && !connection.broken {
                        self.park(connection);
                    }
                    if !delay.is_zero() {
                        R::timer(Instant::now() + delay).await;
                    }
                    retries += 1;
                }
                TurnRecovery::ResendFull => {
                    resent_full = true;
                    self.park(connection);
                }
                _ => {
                    if !connection.broken {
                        self.park(connection);
                    }
                    trace.call_ended();
                    trace.failed(error.kind());
                    return Err(error.into());
                }
            }
        }
    }

    /// A `401` in an error message of an open connection: the same recovery plan as an HTTP
    /// `401` (each step at most once per turn); `true` when new credentials are in place.
    async fn recover_auth(&self, recovery: &mut AuthRecovery, error: &ApiError) -> bool {
        let Some(details) = error.unauthorized() else {
            return false;
        };
        recovery.handle_unauthorized(details.evidence.clone());
        loop {
            match recovery.poll_step() {
                RecoveryPoll::RunStep(step) => {
                    let before = self.inner.auth.credentials().await;
                    let result = self.inner.auth.refresh(step).await.map(|credentials| {
                        if credentials == before {
                            CredentialsChange::Unchanged
                        } else {
                            CredentialsChange::Changed
                        }
                    });
                    recovery.handle_step_result(result);
                }
                RecoveryPoll::SendFollowup => return true,
                _ => return false,
            }
        }
    }

    /// Opens a connection: the upgrade as a core call (retries, auth recovery, telemetry).
    async fn open(&self, trace: &mut CallTrace) -> Result<Box<WsConnection>, ClientError> {
        let Some(dialer) = self.inner.runtime.dialer() else {
            return Err(ClientError::Transport(TransportError::adapter(
                "this runtime opens no byte streams: no WebSocket transport",
            )));
        };
        let seed = self
            .seed
            .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed);
        let sender = Upgrade {
            dialer,
            connect_timeout: self.inner.connect_timeout,
            deflate: self.deflate,
            entropy: seed,
            timer: R::timer,
        };
        let prepared = PreparedRequest::responses_websocket();
        let outcome = self
            .inner
            .drive(prepared, self.options.clone(), trace, None, &sender)
            .await?;
        let Outcome::Upgraded(
            head,
            Some(HandshakeBody::Upgraded {
                stream,
                extension,
                leftover,
            }),
        ) = outcome
        else {
            return Err(ClientError::Transport(TransportError::adapter(
                "the core answered an upgrade without a connection",
            )));
        };
        let max = self.inner.provider.retry().max_event_size;
        let min_compress = if self.compress_requests {
            0
        } else {
            usize::MAX
        };
        let codec = CodecConfig::default()
            .with_max_message_size(max)
            .with_min_compress_size(min_compress);
        Ok(Box::new(WsConnection::new(
            stream,
            *head,
            extension,
            &leftover,
            codec,
            seed,
            Instant::now(),
        )))
    }

    fn trace(&self, model: Option<&str>) -> CallTrace {
        let labels = CallLabels::new("chat", model);
        CallTrace::new(&labels, &self.inner.provider, R::NAME)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Box<WsConnection>>> {
        self.slot
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn take(&self) -> Option<Box<WsConnection>> {
        self.lock().take()
    }

    fn park(&self, mut connection: Box<WsConnection>) {
        connection.idle();
        let mut slot = self.lock();
        if slot.is_none() {
            *slot = Some(connection);
        }
    }
}

/// The error that ended a stream before any event (header facts are skipped).
fn first_error(core: &mut ResponseStream) -> Option<ApiError> {
    let mut error = None;
    while let Some(item) = core.poll_stream_event() {
        if let Err(failure) = item {
            error = Some(failure);
        }
    }
    error
}
