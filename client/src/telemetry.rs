//! Optional `tracing` output (feature `tracing`), the same on every runtime: a `codex_api.call`
//! span per call and a `codex_api.attempt` span per attempt, with OpenTelemetry GenAI
//! semantic-convention names where they fit. Never a credential, a header value or a body.
//!
//! Call span fields: `gen_ai.operation.name`, `gen_ai.provider.name`, `gen_ai.request.model`,
//! `server.address`, `server.port`, `codex_api.runtime`, and once known
//! `gen_ai.response.id`, `gen_ai.usage.input_tokens`, `gen_ai.usage.output_tokens`,
//! `codex_api.time_to_first_event_ms`, `codex_api.attempts`, `error.type`.
//!
//! Attempt span fields: `codex_api.attempt`, `http.response.status_code`,
//! `codex_api.request_id`, `codex_api.outcome`, `error.type`, `codex_api.elapsed_ms`,
//! `codex_api.after_unauthorized`, `codex_api.resume` (the attempts of the call that resumes a
//! cut background stream; an `info` event "stream cut; resuming" in the call span precedes
//! them), and the core's 401 tags (`auth_401_*`, `auth_recovery_*`,
//! `auth_header_*`, ...) when recovery was involved. The attempt's decision is a `debug` event
//! inside it.

#[cfg(feature = "tracing")]
use std::time::Instant;

use codex_api_core::call::AttemptRecord;
use codex_api_core::provider::Provider;
use codex_api_core::wire::Usage;

/// What a call is, for its span: the operation and the model asked for.
#[derive(Debug, Clone)]
pub(crate) struct CallLabels {
    /// `gen_ai.operation.name`: `chat` for `responses`, else the endpoint's own name.
    #[cfg(feature = "tracing")]
    operation: &'static str,
    /// `gen_ai.request.model`, when the request names one.
    #[cfg(feature = "tracing")]
    model: Option<String>,
}

impl CallLabels {
    pub(crate) fn new(operation: &'static str, model: Option<&str>) -> Self {
        #[cfg(not(feature = "tracing"))]
        let _ = (operation, model);
        CallLabels {
            #[cfg(feature = "tracing")]
            operation,
            #[cfg(feature = "tracing")]
            model: model.map(str::to_owned),
        }
    }
}

/// The tracing of one call (and of its stream); empty without the `tracing` feature.
#[derive(Debug)]
pub(crate) struct CallTrace {
    #[cfg(feature = "tracing")]
    span: tracing::Span,
    /// When the request of the attempt that streamed was sent.
    #[cfg(feature = "tracing")]
    started: Instant,
    first_event_seen: bool,
    attempts: u32,
}

impl CallTrace {
    pub(crate) fn new(labels: &CallLabels, provider: &Provider, runtime: &'static str) -> Self {
        #[cfg(not(feature = "tracing"))]
        let _ = (labels, provider, runtime);
        CallTrace {
            #[cfg(feature = "tracing")]
            span: call_span(labels, provider, runtime),
            #[cfg(feature = "tracing")]
            started: Instant::now(),
            first_event_seen: false,
            attempts: 0,
        }
    }

    /// A trace that records nothing: stands in for a stream's trace while its resume call
    /// holds it.
    pub(crate) fn detached() -> Self {
        CallTrace {
            #[cfg(feature = "tracing")]
            span: tracing::Span::none(),
            #[cfg(feature = "tracing")]
            started: Instant::now(),
            first_event_seen: true,
            attempts: 0,
        }
    }

    /// Records one attempt as a span of its own (closed at once).
    pub(crate) fn attempt(&mut self, record: &AttemptRecord) {
        self.attempts = record.attempt;
        #[cfg(feature = "tracing")]
        if record.outcome == codex_api_core::call::AttemptOutcome::Streamed {
            self.started = Instant::now()
                .checked_sub(record.elapsed)
                .unwrap_or(self.started);
        }
        #[cfg(feature = "tracing")]
        {
            let span = tracing::debug_span!(
                parent: &self.span,
                "codex_api.attempt",
                codex_api.attempt = record.attempt,
                http.response.status_code = record.status.map(|status| status.as_u16()),
                codex_api.request_id = record.request_id.as_deref(),
                codex_api.outcome = record.outcome.as_str(),
                error.type = record.error_kind,
                codex_api.elapsed_ms = record.elapsed.as_millis() as u64,
                codex_api.after_unauthorized = record.after_unauthorized,
                codex_api.resume = record.resume,
                auth_header_attached = tracing::field::Empty,
                auth_header_name = tracing::field::Empty,
                auth_header_scheme = tracing::field::Empty,
                auth_mode = tracing::field::Empty,
                auth_retry_after_unauthorized = tracing::field::Empty,
                auth_recovery_mode = tracing::field::Empty,
                auth_recovery_phase = tracing::field::Empty,
                auth_recovery_outcome = tracing::field::Empty,
                auth_recovery_followup_success = tracing::field::Empty,
                auth_recovery_followup_status = tracing::field::Empty,
                auth_request_id = tracing::field::Empty,
                auth_cf_ray = tracing::field::Empty,
                auth_error = tracing::field::Empty,
                auth_error_code = tracing::field::Empty,
                auth_failure = tracing::field::Empty,
                auth_401_request_id = tracing::field::Empty,
                auth_401_cf_ray = tracing::field::Empty,
                auth_401_error = tracing::field::Empty,
                auth_401_error_code = tracing::field::Empty,
            );
            for (name, value) in record.auth_recovery.iter().flatten() {
                span.record(*name, value.as_str());
            }
            span.in_scope(|| tracing::debug!(decision = ?record.decision, "attempt ended"));
        }
        #[cfg(not(feature = "tracing"))]
        let _ = record;
    }

    /// A cut stream of a background response resumes (its attempts follow as spans of their
    /// own, each with `codex_api.resume`).
    pub(crate) fn resuming(&self, request: &codex_api_core::stream::ResumeRequest) {
        #[cfg(feature = "tracing")]
        self.span.in_scope(|| {
            tracing::info!(
                codex_api.resume = request.resume,
                codex_api.starting_after = request.starting_after,
                codex_api.delay_ms = request.delay.as_millis() as u64,
                error.type = request.cause.kind(),
                "stream cut; resuming"
            )
        });
        #[cfg(not(feature = "tracing"))]
        let _ = request;
    }

    /// The call is over (its result or stream handed out): records how many attempts it made.
    pub(crate) fn call_ended(&self) {
        #[cfg(feature = "tracing")]
        self.span.record("codex_api.attempts", self.attempts);
    }

    /// The call (or its stream) failed with an error of this kind.
    pub(crate) fn failed(&self, kind: &str) {
        #[cfg(feature = "tracing")]
        {
            self.span.record("error.type", kind);
            self.span
                .in_scope(|| tracing::debug!(error.type = kind, "call failed"));
        }
        #[cfg(not(feature = "tracing"))]
        let _ = kind;
    }

    /// An event was delivered: the first one sets the time to first event.
    pub(crate) fn event(&mut self) {
        if self.first_event_seen {
            return;
        }
        self.first_event_seen = true;
        #[cfg(feature = "tracing")]
        {
            let micros = self.started.elapsed().as_micros() as f64;
            self.span
                .record("codex_api.time_to_first_event_ms", micros / 1000.0);
        }
    }

    /// The response completed.
    pub(crate) fn completed(&self, response_id: &str, usage: Option<&Usage>) {
        #[cfg(feature = "tracing")]
        {
            self.span.record("gen_ai.response.id", response_id);
            if let Some(usage) = usage {
                self.span
                    .record("gen_ai.usage.input_tokens", usage.input_tokens);
                self.span
                    .record("gen_ai.usage.output_tokens", usage.output_tokens);
            }
            self.span.in_scope(|| tracing::debug!("response completed"));
        }
        #[cfg(not(feature = "tracing"))]
        let _ = (response_id, usage);
    }
}

/// The client's `stream` switched from the WebSocket transport to HTTP for good, after a
/// failure of this kind.
pub(crate) fn fallback_to_http(kind: &str) {
    #[cfg(feature = "tracing")]
    tracing::warn!(
        codex_api.transport = "websocket",
        error.type = kind,
        "falling back to HTTP for good"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = kind;
}

#[cfg(feature = "tracing")]
fn call_span(labels: &CallLabels, provider: &Provider, runtime: &'static str) -> tracing::Span {
    let server = provider
        .base_url()
        .parse::<http::Uri>()
        .ok()
        .and_then(|uri| codex_api_core::client_config::origin(&uri).ok());
    let (address, port) = match &server {
        Some((_, host, port)) => (Some(host.as_str()), Some(*port)),
        None => (None, None),
    };
    let provider_name = if provider.is_azure_responses_endpoint() {
        "azure.ai.openai"
    } else if provider.is_first_party_openai() {
        "openai"
    } else {
        provider.name()
    };
    tracing::info_span!(
        "codex_api.call",
        gen_ai.operation.name = labels.operation,
        gen_ai.provider.name = provider_name,
        gen_ai.request.model = labels.model.as_deref(),
        server.address = address,
        server.port = port,
        codex_api.runtime = runtime,
        gen_ai.response.id = tracing::field::Empty,
        gen_ai.usage.input_tokens = tracing::field::Empty,
        gen_ai.usage.output_tokens = tracing::field::Empty,
        codex_api.time_to_first_event_ms = tracing::field::Empty,
        codex_api.attempts = tracing::field::Empty,
        error.type = tracing::field::Empty,
    )
}
