//! A runtime-neutral credentials source: the blocking `AuthProvider` itself, and the async one
//! of any runtime through [`AsyncAuth`].

use std::marker::PhantomData;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use codex_api_client::{AuthFuture, Runtime};

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

impl codex_api_client::blocking::AuthProvider for ScriptedAuth {
    fn credentials(&self) -> Credentials {
        ScriptedAuth::credentials(self)
    }

    fn refresh(&self, step: RecoveryStep) -> Result<Credentials, StepFailure> {
        ScriptedAuth::refresh(self, step)
    }

    fn recovery_mode(&self) -> RecoveryMode {
        ScriptedAuth::recovery_mode(self)
    }

    fn auth_mode(&self) -> &str {
        ScriptedAuth::auth_mode(self)
    }
}

/// A [`ScriptedAuth`] as the async `AuthProvider` of runtime `R`. A token endpoint takes a
/// while: each refresh step first waits 5 ms on `R`'s timer (the call awaits it without
/// blocking, so the runtime keeps running).
pub struct AsyncAuth<R>(ScriptedAuth, PhantomData<fn() -> R>);

impl<R> AsyncAuth<R> {
    /// Wraps `auth`.
    pub fn new(auth: ScriptedAuth) -> Self {
        AsyncAuth(auth, PhantomData)
    }
}

impl<R: Runtime> codex_api_client::AuthProvider for AsyncAuth<R> {
    fn credentials(&self) -> AuthFuture<'_, Credentials> {
        Box::pin(std::future::ready(self.0.credentials()))
    }

    fn refresh(&self, step: RecoveryStep) -> AuthFuture<'_, Result<Credentials, StepFailure>> {
        Box::pin(async move {
            R::timer(Instant::now() + Duration::from_millis(5)).await;
            self.0.refresh(step)
        })
    }

    fn recovery_mode(&self) -> RecoveryMode {
        self.0.recovery_mode()
    }

    fn auth_mode(&self) -> &str {
        self.0.auth_mode()
    }
}
