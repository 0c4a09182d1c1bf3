//! The call's decisions after an attempt ended: classify, recover auth, retry or give up.

use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use http::{HeaderMap, StatusCode};

use super::{
    AttemptDecision, AttemptOutcome, AttemptRecord, BodyPurpose, Call, CallError, CallOutput,
    Phase, Terminal, request_id,
};
use crate::error::{ApiError, ApiErrorKind};
use crate::retry::{
    Failure, GiveUpReason, RetryDecision, RetryInput, server_delay, should_retry_header,
};
use crate::unauthorized::{RecoveryEnd, RecoveryPoll, UnauthorizedEvidence};

/// Whether no header can make `error` worth retrying: the same bytes will fail the same way
/// (billing, plan, context size, policy). Other non-retryable kinds (a plain 400, say) are
/// still retried when the server sends `x-should-retry: true`.
fn never_retried(error: &ApiError) -> bool {
    matches!(
        error.error_kind(),
        ApiErrorKind::QuotaExceeded
            | ApiErrorKind::UsageLimitReached(_)
            | ApiErrorKind::UsageNotIncluded
            | ApiErrorKind::ContextWindowExceeded
            | ApiErrorKind::CyberPolicy
    )
}

/// How an attempt ended, for its telemetry record.
struct Ending {
    status: Option<StatusCode>,
    outcome: AttemptOutcome,
    request_id: Option<String>,
}

impl Call {
    /// The response body ended, hit its cap, failed or timed out: conclude the attempt.
    pub(super) fn finish_body(&mut self, now: Instant) {
        let Phase::ReadingBody(read) = std::mem::replace(&mut self.phase, Phase::Ready) else {
            return;
        };
        let request_id = request_id(&read.headers);
        match read.purpose {
            BodyPurpose::Success if read.body.overflowed() => {
                let limit = read.body.cap();
                self.record(
                    now,
                    Some(read.status),
                    AttemptOutcome::BodyTooLarge,
                    Some("body_too_large"),
                    request_id,
                    AttemptDecision::GaveUp { reason: None },
                );
                self.finish(Err(CallError::BodyTooLarge { limit }));
            }
            BodyPurpose::Success => {
                self.record(
                    now,
                    Some(read.status),
                    AttemptOutcome::Succeeded,
                    None,
                    request_id,
                    AttemptDecision::Finished,
                );
                self.finish(Ok(CallOutput {
                    status: read.status,
                    headers: read.headers,
                    body: read.body.into_bytes(),
                }));
            }
            BodyPurpose::Error => {
                let body = read.body.into_bytes();
                self.classify_error(now, read.status, &read.headers, body);
            }
        }
    }

    /// An error response (head + up to the cap of its body) arrived.
    fn classify_error(
        &mut self,
        now: Instant,
        status: StatusCode,
        headers: &HeaderMap,
        body: Bytes,
    ) {
        let delay = server_delay(headers, self.wall_time(now));
        if status == StatusCode::UNAUTHORIZED {
            self.unauthorized(now, headers, body);
            return;
        }
        let error = ApiError::from_http(status, headers, &body, delay);
        // Without a header, a rate-limit message's "try again in 1.5s" is the server's delay.
        let delay = delay.or_else(|| error.retry_after());
        let input = RetryInput::new(self.retries, Failure::Status(status))
            .with_classified_retryable(!never_retried(&error))
            .with_server_delay(delay)
            .with_should_retry(should_retry_header(headers));
        let ending = Ending {
            status: Some(status),
            outcome: AttemptOutcome::ErrorStatus,
            request_id: request_id(headers),
        };
        self.decide_retry(now, input, ending, CallError::from(error));
    }

    /// The attempt failed before a usable response: transport failure or timeout.
    pub(super) fn attempt_failed_without_response(&mut self, now: Instant, failure: Failure) {
        self.phase = Phase::Ready;
        let attempts = self.attempts;
        let (outcome, error) = match failure {
            Failure::Transport(kind) => (
                AttemptOutcome::Transport(kind),
                CallError::Transport { kind, attempts },
            ),
            Failure::Timeout | Failure::Status(_) => (
                AttemptOutcome::TimedOut,
                CallError::Timeout {
                    after: self
                        .config
                        .limits
                        .response_timeout
                        .unwrap_or(Duration::ZERO),
                    attempts,
                },
            ),
        };
        let input = RetryInput::new(self.retries, failure);
        let ending = Ending {
            status: None,
            outcome,
            request_id: None,
        };
        self.decide_retry(now, input, ending, error);
    }

    /// Asks the retry policy, then backs off or finishes with `error`.
    fn decide_retry(&mut self, now: Instant, input: RetryInput, ending: Ending, error: CallError) {
        let Ending {
            status,
            outcome,
            request_id,
        } = ending;
        let error_kind = error.kind();
        let decision = self.config.policy.decide(&input, self.jitter.as_mut());
        let retry_at = match decision {
            RetryDecision::Retry { delay } => now.checked_add(delay).map(|at| (at, delay)),
            RetryDecision::GiveUp(_) => None,
        };
        match (retry_at, decision) {
            (Some((at, delay)), _) => {
                self.retries = self.retries.saturating_add(1);
                self.record(
                    now,
                    status,
                    outcome,
                    Some(error_kind),
                    request_id,
                    AttemptDecision::Retry { delay },
                );
                self.phase = Phase::Backoff(at);
            }
            (None, decision) => {
                let reason = match decision {
                    RetryDecision::GiveUp(reason) => Some(reason),
                    // A delay too long for the caller's clock to represent.
                    RetryDecision::Retry { delay } => Some(GiveUpReason::ServerDelayTooLong(delay)),
                };
                self.record(
                    now,
                    status,
                    outcome,
                    Some(error_kind),
                    request_id,
                    AttemptDecision::GaveUp { reason },
                );
                self.finish(Err(error));
            }
        }
    }

    /// A 401 (the original request's or a follow-up's): hand it to auth recovery.
    fn unauthorized(&mut self, now: Instant, headers: &HeaderMap, body: Bytes) {
        let scheme = self.credentials.scheme();
        let evidence = UnauthorizedEvidence::from_response(scheme, headers, &body);
        self.recovery.handle_unauthorized(evidence.clone());
        let request_id = request_id(headers);
        self.last_unauthorized_body = body.clone();
        match self.recovery.poll_step() {
            RecoveryPoll::RunStep(step) => {
                self.record_unauthorized(now, request_id, AttemptDecision::RecoverAuth);
                self.phase = Phase::Recover(step);
            }
            RecoveryPoll::SendFollowup => {
                // Not produced right after a 401 today; honoured anyway.
                self.record_unauthorized(now, request_id, AttemptDecision::RecoverAuth);
                self.next_is_followup = true;
                self.phase = Phase::Ready;
            }
            RecoveryPoll::Finished(end) if end != RecoveryEnd::Recovered => {
                self.record_unauthorized(now, request_id, AttemptDecision::GaveUp { reason: None });
                let error = self.recovery.to_error(&body).unwrap_or_else(|| {
                    ApiError::from_unauthorized(evidence, &body, Some(self.recovery.tags()))
                });
                self.finish(Err(CallError::from(error)));
            }
            _ => {
                // Recovery already ran its course earlier in this call (a later attempt got a
                // 401 again): report this 401 itself, with the recovery tags. Never loop.
                self.record_unauthorized(now, request_id, AttemptDecision::GaveUp { reason: None });
                let error =
                    ApiError::from_unauthorized(evidence, &body, Some(self.recovery.tags()));
                self.finish(Err(CallError::from(error)));
            }
        }
    }

    /// After a recovery step's result: send the follow-up, run the next step, or give up.
    pub(super) fn advance_recovery(&mut self) {
        match self.recovery.poll_step() {
            RecoveryPoll::SendFollowup => {
                self.next_is_followup = true;
                self.phase = Phase::Ready;
            }
            RecoveryPoll::RunStep(step) => self.phase = Phase::Recover(step),
            _ => {
                let body = std::mem::take(&mut self.last_unauthorized_body);
                let error = self
                    .recovery
                    .to_error(&body)
                    .unwrap_or_else(|| ApiError::protocol("auth recovery ended without a 401"));
                self.finish(Err(CallError::from(error)));
            }
        }
    }

    /// Makes `result` the call's final action.
    pub(super) fn finish(&mut self, result: Result<CallOutput, CallError>) {
        self.phase = Phase::Terminal(Terminal::Done(result));
    }

    /// The wall-clock time at `now`, extrapolated from the anchor.
    pub(super) fn wall_time(&self, now: Instant) -> SystemTime {
        let (anchor, wall) = self.clock_anchor;
        let shifted = match now.checked_duration_since(anchor) {
            Some(ahead) => wall.checked_add(ahead),
            None => wall.checked_sub(anchor.saturating_duration_since(now)),
        };
        shifted.unwrap_or(wall)
    }

    fn record_unauthorized(
        &mut self,
        now: Instant,
        request_id: Option<String>,
        decision: AttemptDecision,
    ) {
        self.record(
            now,
            Some(StatusCode::UNAUTHORIZED),
            AttemptOutcome::ErrorStatus,
            Some("unauthorized"),
            request_id,
            decision,
        );
    }

    /// Queues the record of the attempt in flight, which ended at `now`.
    pub(super) fn record(
        &mut self,
        now: Instant,
        status: Option<StatusCode>,
        outcome: AttemptOutcome,
        error_kind: Option<&'static str>,
        request_id: Option<String>,
        decision: AttemptDecision,
    ) {
        let Some(attempt) = self.current.take() else {
            return;
        };
        let recovery_involved = attempt.after_unauthorized
            || status == Some(StatusCode::UNAUTHORIZED)
            || decision == AttemptDecision::RecoverAuth;
        self.telemetry.push_back(AttemptRecord {
            attempt: attempt.number,
            status,
            outcome,
            error_kind,
            request_id,
            elapsed: now.saturating_duration_since(attempt.sent_at),
            decision,
            after_unauthorized: attempt.after_unauthorized,
            auth_recovery: recovery_involved.then(|| self.recovery.tags()),
            resume: self.resume_number,
            connection_reused: None,
        });
    }

    /// A short name of the current phase, for `Debug`.
    pub(super) fn phase_name(&self) -> &'static str {
        match &self.phase {
            Phase::Ready => "ready",
            Phase::AwaitingHead => "awaiting_head",
            Phase::ReadingBody(_) => "reading_body",
            Phase::Backoff(_) => "backoff",
            Phase::Recover(_) => "recover",
            Phase::AwaitingCredentials => "awaiting_credentials",
            Phase::Terminal(_) => "terminal",
            Phase::Finished => "finished",
        }
    }
}
