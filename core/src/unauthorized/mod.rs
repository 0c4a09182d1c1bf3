//! 401 handling: evidence, classification and the auth-recovery state machine.
//!
//! After a 401 the caller builds [`UnauthorizedEvidence`] from the response, which
//! [classifies](UnauthorizedEvidence::classify) into an [`AuthFailure`], and drives an
//! [`AuthRecovery`]: it says which recovery step to run (reload credentials, refresh the
//! token, ask the external provider), when to send the single follow-up request, and when to
//! give up. It never loops: each step runs at most once and is followed by at most one request.
//!
//! ```
//! use codex_api_core::auth_scheme::AuthScheme;
//! use codex_api_core::unauthorized::{
//!     AuthRecovery, CredentialsChange, RecoveryEnd, RecoveryMode, RecoveryPoll, RecoveryStep,
//!     UnauthorizedEvidence,
//! };
//! use http::{HeaderMap, StatusCode};
//!
//! let mut recovery = AuthRecovery::new(RecoveryMode::Managed, "chatgpt");
//! let evidence = UnauthorizedEvidence::from_response(AuthScheme::Bearer, &HeaderMap::new(), b"");
//! recovery.handle_unauthorized(evidence);
//! assert_eq!(recovery.poll_step(), RecoveryPoll::RunStep(RecoveryStep::Reload));
//! recovery.handle_step_result(Ok(CredentialsChange::Changed));
//! assert_eq!(recovery.poll_step(), RecoveryPoll::SendFollowup);
//! recovery.handle_followup_status(StatusCode::OK);
//! assert_eq!(recovery.poll_step(), RecoveryPoll::Finished(RecoveryEnd::Recovered));
//! ```

mod evidence;
mod failure;
mod recovery;
mod tags;

pub use evidence::UnauthorizedEvidence;
pub use failure::AuthFailure;
pub use recovery::{
    AuthRecovery, CredentialsChange, RecoveryEnd, RecoveryMode, RecoveryPoll, RecoveryStep,
    StepFailure, StepOutcome,
};
