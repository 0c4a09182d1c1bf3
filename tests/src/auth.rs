//! A runtime-neutral credentials source; each runtime wraps it in its adapter's auth trait.

use std::sync::{Arc, Mutex};

use codex_api_core::credentials::Credentials;
use codex_api_core::unauthorized::{RecoveryMode, RecoveryStep, StepFailure};

#[derive(Debug)]
struct State {
    current: Credentials,
    steps: Vec<RecoveryStep>,
}

/// Credentials plus a scripted recovery behaviour, recording every step it is asked to run.
#[derive(Debug, Clone)]
pub struct ScriptedAuth {
    state: Arc<Mutex<State>>,
    mode: RecoveryMode,
    fail: Option<StepFailure>,
    rotates: bool,
    auth_mode: &'static str,
}

/// The token a rotating source starts with.
pub const OLD_TOKEN: &str = "old-token";
/// The token a rotating source gets from `refresh_token` / `external_refresh`.
pub const NEW_TOKEN: &str = "new-token";

impl ScriptedAuth {
    /// Fixed credentials that cannot be recovered.
    pub fn fixed(credentials: Credentials) -> Self {
        let auth_mode = match credentials {
            Credentials::ApiKey(_) => "api_key",
            Credentials::ChatGpt { .. } => "chatgpt",
            Credentials::None => "none",
            _ => "agent_identity",
        };
        ScriptedAuth {
            auth_mode,
            state: Arc::new(Mutex::new(State {
                current: credentials,
                steps: Vec::new(),
            })),
            mode: RecoveryMode::None,
            fail: Some(StepFailure::Permanent),
            rotates: false,
        }
    }

    /// `Bearer old-token` until a refresh step rotates it to `Bearer new-token`.
    pub fn rotating(mode: RecoveryMode, fail: Option<StepFailure>) -> Self {
        ScriptedAuth {
            state: Arc::new(Mutex::new(State {
                current: Credentials::api_key(OLD_TOKEN),
                steps: Vec::new(),
            })),
            mode,
            fail,
            rotates: true,
            auth_mode: "chatgpt",
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The credentials to send now.
    pub fn credentials(&self) -> Credentials {
        self.state().current.clone()
    }

    /// Runs one recovery step.
    pub fn refresh(&self, step: RecoveryStep) -> Result<Credentials, StepFailure> {
        let mut state = self.state();
        state.steps.push(step);
        if let Some(failure) = self.fail {
            return Err(failure);
        }
        if self.rotates && step != RecoveryStep::Reload {
            state.current = Credentials::api_key(NEW_TOKEN);
        }
        Ok(state.current.clone())
    }

    /// The recovery plan.
    pub fn recovery_mode(&self) -> RecoveryMode {
        self.mode
    }

    /// The `auth_mode` tag.
    pub fn auth_mode(&self) -> &'static str {
        self.auth_mode
    }

    /// Every step asked for so far.
    pub fn steps(&self) -> Vec<RecoveryStep> {
        self.state().steps.clone()
    }
}
