//! Optional `tracing` output (feature `tracing`): a span per call, a span per attempt with
//! its number, status, request id, outcome and decision. Never a credential or a body.

use codex_api_core::call::AttemptRecord;

/// The tracing of one call; empty without the `tracing` feature.
pub(crate) struct CallTrace {
    #[cfg(feature = "tracing")]
    span: tracing::Span,
}

impl CallTrace {
    pub(crate) fn new(path: &str) -> Self {
        #[cfg(not(feature = "tracing"))]
        let _ = path;
        CallTrace {
            #[cfg(feature = "tracing")]
            span: tracing::info_span!("codex_api.call", endpoint = path),
        }
    }

    pub(crate) fn attempt(&self, record: &AttemptRecord) {
        #[cfg(feature = "tracing")]
        {
            let span = tracing::debug_span!(
                parent: &self.span,
                "codex_api.attempt",
                attempt = record.attempt,
                status = record.status.map(|status| status.as_u16()),
                request_id = record.request_id.as_deref(),
                outcome = record.outcome.as_str(),
                error_kind = record.error_kind,
                elapsed_ms = record.elapsed.as_millis() as u64,
            );
            span.in_scope(|| tracing::debug!(decision = ?record.decision, "attempt ended"));
        }
        #[cfg(not(feature = "tracing"))]
        let _ = record;
    }
}
