//! The auth-recovery state machine: what to do after a 401, bounded by construction.
//!
//! ```text
//!  Idle ──401──▶ StepReady(step) ──poll──▶ StepRunning ──Ok(Changed)──▶ FollowupReady
//!                    ▲                        │  Ok(Unchanged) / Err(Transient): next step
//!                    │                        │  Err(Permanent): Finished(FailedPermanent)
//!                    │                        ▼
//!                    └──── next step ◀── 401 ─ FollowupSent ── other status ──▶ Finished(Recovered)
//! ```
//!
//! The plan is fixed by the mode (`Managed`: reload, refresh_token; `External`:
//! external_refresh; `None`: nothing) and consumed front to back, so at most
//! `plan.len()` steps and as many follow-up requests ever happen.

use http::StatusCode;

use super::evidence::UnauthorizedEvidence;
use crate::error::ApiError;

/// Who owns the credentials, and therefore how a 401 can be recovered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RecoveryMode {
    /// This library stores and refreshes the credentials: reload from storage, then refresh.
    Managed,
    /// An external provider owns them: ask it for fresh ones, once.
    External,
    /// Nothing can be recovered (e.g. a fixed API key).
    None,
}

impl RecoveryMode {
    /// `managed`, `external` or `none`.
    pub fn as_str(self) -> &'static str {
        match self {
            RecoveryMode::Managed => "managed",
            RecoveryMode::External => "external",
            RecoveryMode::None => "none",
        }
    }

    fn plan(self) -> &'static [RecoveryStep] {
        match self {
            RecoveryMode::Managed => &[RecoveryStep::Reload, RecoveryStep::RefreshToken],
            RecoveryMode::External => &[RecoveryStep::ExternalRefresh],
            RecoveryMode::None => &[],
        }
    }
}

/// One recovery step for the caller to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RecoveryStep {
    /// Reload credentials from storage (another process may have refreshed them).
    Reload,
    /// Exchange the refresh token for a new access token.
    RefreshToken,
    /// Ask the external credentials provider for fresh credentials.
    ExternalRefresh,
}

impl RecoveryStep {
    /// `reload`, `refresh_token` or `external_refresh`.
    pub fn as_str(self) -> &'static str {
        match self {
            RecoveryStep::Reload => "reload",
            RecoveryStep::RefreshToken => "refresh_token",
            RecoveryStep::ExternalRefresh => "external_refresh",
        }
    }
}

/// What a successful step produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CredentialsChange {
    /// New credentials are in place: send the follow-up request.
    Changed,
    /// The step worked but produced the same credentials: no follow-up, go to the next step.
    Unchanged,
}

/// How a step failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StepFailure {
    /// Only the user can fix it (refresh token revoked, reused beyond repair, expired):
    /// recovery stops at once.
    Permanent,
    /// It may work later (network error, provider busy): the next step, if any, is tried.
    Transient,
}

/// The outcome of the most recent step, as reported by the `auth_recovery_outcome` tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StepOutcome {
    /// No step has run.
    NotRun,
    /// The step produced new credentials.
    Succeeded,
    /// The step failed permanently.
    FailedPermanent,
    /// The step failed transiently, or produced nothing new.
    FailedTransient,
}

impl StepOutcome {
    /// `recovery_not_run`, `recovery_succeeded`, `recovery_failed_permanent`,
    /// `recovery_failed_transient`.
    pub fn as_str(self) -> &'static str {
        match self {
            StepOutcome::NotRun => "recovery_not_run",
            StepOutcome::Succeeded => "recovery_succeeded",
            StepOutcome::FailedPermanent => "recovery_failed_permanent",
            StepOutcome::FailedTransient => "recovery_failed_transient",
        }
    }
}

/// How recovery ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RecoveryEnd {
    /// A follow-up request got past the 401 (its status is the caller's to handle).
    Recovered,
    /// Every step ran and the server still says 401 (or no step produced new credentials).
    StillUnauthorized,
    /// The last step failed transiently; the caller may retry the whole call later.
    FailedTransient,
    /// A step failed permanently; the user must sign in again.
    FailedPermanent,
    /// The mode has no recovery (`RecoveryMode::None`).
    NotRun,
}

/// What the caller should do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RecoveryPoll {
    /// No 401 has been handled yet.
    Idle,
    /// Run this step, then call [`AuthRecovery::handle_step_result`]. Returned once per step.
    RunStep(RecoveryStep),
    /// Send the request again with the new credentials, once, then call
    /// [`AuthRecovery::handle_followup_status`] (or [`AuthRecovery::handle_unauthorized`] if it
    /// is a 401 again). Returned once per follow-up.
    SendFollowup,
    /// A step or follow-up is outstanding; nothing new to do.
    Waiting,
    /// Recovery is over.
    Finished(RecoveryEnd),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum State {
    Idle,
    StepReady(RecoveryStep),
    StepRunning(RecoveryStep),
    FollowupReady,
    FollowupSent,
    Finished(RecoveryEnd),
}

/// The Sans-IO auth-recovery state machine for one logical call (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct AuthRecovery {
    pub(super) mode: RecoveryMode,
    pub(super) auth_mode: String,
    pub(super) next_step: usize,
    pub(super) state: State,
    pub(super) first: Option<UnauthorizedEvidence>,
    pub(super) latest: Option<UnauthorizedEvidence>,
    pub(super) last_step: Option<RecoveryStep>,
    pub(super) outcome: StepOutcome,
    pub(super) followups_sent: usize,
    pub(super) followup_status: Option<StatusCode>,
}

impl AuthRecovery {
    /// A recovery for credentials of `mode`; `auth_mode` is the caller's label for the
    /// credentials kind (e.g. `api_key`, `chatgpt`, `agent_identity`), reported as a tag.
    pub fn new(mode: RecoveryMode, auth_mode: &str) -> AuthRecovery {
        AuthRecovery {
            mode,
            auth_mode: crate::error::text_fact(auth_mode).unwrap_or_else(|| "unknown".into()),
            next_step: 0,
            state: State::Idle,
            first: None,
            latest: None,
            last_step: None,
            outcome: StepOutcome::NotRun,
            followups_sent: 0,
            followup_status: None,
        }
    }

    /// Input: a 401 arrived — the original request's, or a follow-up's. Ignored in any other
    /// state (a step running, recovery finished).
    pub fn handle_unauthorized(&mut self, evidence: UnauthorizedEvidence) {
        match self.state {
            State::Idle => {
                self.first = Some(evidence.clone());
                self.latest = Some(evidence);
                self.advance(RecoveryEnd::NotRun);
            }
            State::FollowupSent => {
                self.latest = Some(evidence);
                self.followup_status = Some(StatusCode::UNAUTHORIZED);
                self.advance(RecoveryEnd::StillUnauthorized);
            }
            _ => {}
        }
    }

    /// Input: the result of the step last returned by [`poll_step`](Self::poll_step).
    /// Ignored unless a step is running.
    pub fn handle_step_result(&mut self, result: Result<CredentialsChange, StepFailure>) {
        if !matches!(self.state, State::StepRunning(_)) {
            return;
        }
        match result {
            Ok(CredentialsChange::Changed) => {
                self.outcome = StepOutcome::Succeeded;
                self.state = State::FollowupReady;
            }
            Ok(CredentialsChange::Unchanged) => {
                self.outcome = StepOutcome::FailedTransient;
                self.advance(RecoveryEnd::StillUnauthorized);
            }
            Err(StepFailure::Transient) => {
                self.outcome = StepOutcome::FailedTransient;
                self.advance(RecoveryEnd::FailedTransient);
            }
            Err(StepFailure::Permanent) => {
                self.outcome = StepOutcome::FailedPermanent;
                self.state = State::Finished(RecoveryEnd::FailedPermanent);
            }
        }
    }

    /// Input: the status of the follow-up request. A 401 moves on to the next step (prefer
    /// [`handle_unauthorized`](Self::handle_unauthorized) to keep its evidence); any other
    /// status ends recovery as [`RecoveryEnd::Recovered`]. Ignored unless a follow-up was sent.
    pub fn handle_followup_status(&mut self, status: StatusCode) {
        if self.state != State::FollowupSent {
            return;
        }
        self.followup_status = Some(status);
        if status == StatusCode::UNAUTHORIZED {
            self.advance(RecoveryEnd::StillUnauthorized);
        } else {
            self.state = State::Finished(RecoveryEnd::Recovered);
        }
    }

    /// Output: what to do next. `RunStep` and `SendFollowup` are returned once each.
    pub fn poll_step(&mut self) -> RecoveryPoll {
        match self.state {
            State::Idle => RecoveryPoll::Idle,
            State::StepReady(step) => {
                self.state = State::StepRunning(step);
                self.last_step = Some(step);
                RecoveryPoll::RunStep(step)
            }
            State::FollowupReady => {
                self.state = State::FollowupSent;
                self.followups_sent += 1;
                RecoveryPoll::SendFollowup
            }
            State::StepRunning(_) | State::FollowupSent => RecoveryPoll::Waiting,
            State::Finished(end) => RecoveryPoll::Finished(end),
        }
    }

    /// How recovery ended, once it has.
    pub fn end(&self) -> Option<RecoveryEnd> {
        match self.state {
            State::Finished(end) => Some(end),
            _ => None,
        }
    }

    /// The recovery mode.
    pub fn mode(&self) -> RecoveryMode {
        self.mode
    }

    /// The outcome of the most recent step.
    pub fn outcome(&self) -> StepOutcome {
        self.outcome
    }

    /// How many follow-up requests were handed out (never more than the number of steps).
    pub fn followups_sent(&self) -> usize {
        self.followups_sent
    }

    /// The evidence of the first 401.
    pub fn first_evidence(&self) -> Option<&UnauthorizedEvidence> {
        self.first.as_ref()
    }

    /// The evidence of the most recent 401.
    pub fn latest_evidence(&self) -> Option<&UnauthorizedEvidence> {
        self.latest.as_ref()
    }

    /// The `unauthorized` error to report when recovery did not recover: built from the most
    /// recent 401's evidence and `body`, carrying [`tags`](Self::tags). `None` before any 401.
    pub fn to_error(&self, body: &[u8]) -> Option<ApiError> {
        let evidence = self.latest.clone()?;
        Some(ApiError::from_unauthorized(
            evidence,
            body,
            Some(self.tags()),
        ))
    }

    fn advance(&mut self, end_if_exhausted: RecoveryEnd) {
        match self.mode.plan().get(self.next_step) {
            Some(step) => {
                self.next_step += 1;
                self.state = State::StepReady(*step);
            }
            None => self.state = State::Finished(end_if_exhausted),
        }
    }
}
