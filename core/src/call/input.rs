//! The call's inputs: response heads, body bytes, transport failures, timeouts, credentials.

use std::time::Instant;

use http::StatusCode;

use super::body::{CappedBody, Fill};
use super::{
    AttemptDecision, AttemptOutcome, BodyPurpose, BodyRead, Call, Phase, ResponseMode, Terminal,
    request_id,
};
use crate::credentials::Credentials;
use crate::retry::{Failure, TransportErrorKind};
use crate::stream::ResponseStream;
use crate::unauthorized::{CredentialsChange, StepFailure};

impl Call {
    /// A fresh stream for a 2xx, resumable when the call's configuration says so.
    fn new_stream(&mut self) -> Box<ResponseStream> {
        let mut stream = Box::new(ResponseStream::new(self.config.stream));
        if let Some(mut settings) = self.config.resume.clone() {
            // 53 random bits of the call's jitter seed the stream's resume backoff.
            settings.jitter_seed = (self.jitter.next_unit() * (1u64 << 53) as f64) as u64;
            stream.enable_resume(settings);
        }
        stream
    }

    /// The response head of the request in flight arrived.
    ///
    /// Ignored unless a head is awaited (after [`Action::Send`](super::Action::Send)).
    pub fn handle_head(&mut self, now: Instant, head: &http::response::Parts) {
        if !matches!(self.phase, Phase::AwaitingHead) {
            return;
        }
        let status = head.status;
        if status != StatusCode::UNAUTHORIZED {
            // Ends recovery as recovered when this answers a follow-up; ignored otherwise. A
            // 401 goes to recovery with its evidence once its body is read.
            self.recovery.handle_followup_status(status);
        }
        let upgraded =
            self.config.mode == ResponseMode::Upgrade && status == StatusCode::SWITCHING_PROTOCOLS;
        if status.is_success() || upgraded {
            match self.config.mode {
                ResponseMode::Stream => {
                    let terminal = if self.resume_number.is_some() {
                        Terminal::Resume(Box::new(head.clone()))
                    } else {
                        let mut stream = self.new_stream();
                        stream.handle_head(now, head);
                        Terminal::Stream(stream)
                    };
                    self.record(
                        now,
                        Some(status),
                        AttemptOutcome::Streamed,
                        None,
                        request_id(&head.headers),
                        AttemptDecision::Finished,
                    );
                    self.phase = Phase::Terminal(terminal);
                }
                ResponseMode::Upgrade if status == StatusCode::SWITCHING_PROTOCOLS => {
                    self.record(
                        now,
                        Some(status),
                        AttemptOutcome::Upgraded,
                        None,
                        request_id(&head.headers),
                        AttemptDecision::Finished,
                    );
                    self.phase = Phase::Terminal(Terminal::Upgraded(Box::new(head.clone())));
                }
                ResponseMode::Upgrade => {
                    // A 2xx that is not a 101: the server does not speak WebSocket here.
                    let error = crate::error::ApiError::protocol(&format!(
                        "the server answered the WebSocket upgrade with HTTP {}",
                        status.as_u16()
                    ))
                    .with_response_head(&head.headers);
                    self.record(
                        now,
                        Some(status),
                        AttemptOutcome::ErrorStatus,
                        Some("protocol"),
                        request_id(&head.headers),
                        AttemptDecision::GaveUp { reason: None },
                    );
                    self.phase = Phase::Terminal(Terminal::Done(Err(error.into())));
                }
                ResponseMode::Unary => {
                    self.phase = Phase::ReadingBody(BodyRead {
                        status,
                        headers: head.headers.clone(),
                        body: CappedBody::new(self.config.limits.success_body_cap),
                        purpose: BodyPurpose::Success,
                    });
                }
            }
        } else {
            self.phase = Phase::ReadingBody(BodyRead {
                status,
                headers: head.headers.clone(),
                body: CappedBody::new(self.config.limits.error_body_cap),
                purpose: BodyPurpose::Error,
            });
        }
    }

    /// A chunk of the response body arrived. Ignored unless a body is being read.
    ///
    /// Once an error body reaches [`CallLimits::error_body_cap`](super::CallLimits::error_body_cap) the call classifies what it
    /// has and stops asking for more ([`Call::wants_body`] turns `false`).
    pub fn handle_body(&mut self, now: Instant, chunk: &[u8]) {
        let Phase::ReadingBody(read) = &mut self.phase else {
            return;
        };
        if read.body.push(chunk) == Fill::Full {
            self.finish_body(now);
        }
    }

    /// The response body ended. Ignored unless a body is being read.
    pub fn handle_body_end(&mut self, now: Instant) {
        if matches!(self.phase, Phase::ReadingBody(_)) {
            self.finish_body(now);
        }
    }

    /// The transport failed: before the head arrived (the attempt failed) or while a body was
    /// read (an error body is classified from what arrived; a unary success body counts as a
    /// failed attempt). Ignored otherwise.
    pub fn handle_transport_error(&mut self, now: Instant, kind: TransportErrorKind) {
        match &self.phase {
            Phase::AwaitingHead => {
                self.attempt_failed_without_response(now, Failure::Transport(kind))
            }
            Phase::ReadingBody(read) if read.purpose == BodyPurpose::Error => {
                self.finish_body(now);
            }
            Phase::ReadingBody(_) => {
                self.attempt_failed_without_response(now, Failure::Transport(kind));
            }
            _ => {}
        }
    }

    /// Time passed. When the response deadline ([`CallLimits::response_timeout`](super::CallLimits::response_timeout)) of the
    /// attempt in flight has expired, the attempt fails as timed out (an error body read so
    /// far is classified instead). Otherwise nothing happens.
    pub fn handle_timeout(&mut self, now: Instant) {
        let overdue = self
            .current
            .and_then(|attempt| attempt.deadline)
            .is_some_and(|deadline| now >= deadline);
        if !overdue {
            return;
        }
        match &self.phase {
            Phase::AwaitingHead => self.attempt_failed_without_response(now, Failure::Timeout),
            Phase::ReadingBody(read) if read.purpose == BodyPurpose::Error => {
                self.finish_body(now);
            }
            Phase::ReadingBody(_) => self.attempt_failed_without_response(now, Failure::Timeout),
            _ => {}
        }
    }

    /// The result of the auth-recovery step asked for with [`Action::RefreshAuth`](super::Action::RefreshAuth): the
    /// credentials to use from now on, or why none could be obtained. Ignored unless a step
    /// is running.
    ///
    /// Credentials equal to the current ones count as "nothing new": no follow-up request is
    /// sent and recovery moves on to its next step (if any). New credentials are used by every
    /// later request of the call; the follow-up is sent at once, without backoff.
    pub fn handle_credentials(&mut self, result: Result<Credentials, StepFailure>) {
        if !matches!(self.phase, Phase::AwaitingCredentials) {
            return;
        }
        let outcome = result.map(|credentials| {
            let change = if credentials == self.credentials {
                CredentialsChange::Unchanged
            } else {
                CredentialsChange::Changed
            };
            self.credentials = credentials;
            change
        });
        self.recovery.handle_step_result(outcome);
        self.advance_recovery();
    }
}
