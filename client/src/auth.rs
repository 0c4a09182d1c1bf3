//! Where credentials come from: the [`AuthProvider`] the core's recovery steps are run against.

use std::future::Future;
use std::pin::Pin;

use codex_api_core::credentials::Credentials;
use codex_api_core::unauthorized::{RecoveryMode, RecoveryStep, StepFailure};

/// A boxed future returned by an [`AuthProvider`].
pub type AuthFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The source of a client's credentials.
///
/// The client asks for [`credentials`](AuthProvider::credentials) once per call, and, when the
/// core decides a 401 calls for it, runs one [`refresh`](AuthProvider::refresh) step of the
/// plan of [`recovery_mode`](AuthProvider::recovery_mode) (`Managed`: reload, then
/// refresh_token; `External`: external_refresh; `None`: nothing).
pub trait AuthProvider: Send + Sync {
    /// The credentials to send now.
    fn credentials(&self) -> AuthFuture<'_, Credentials>;

    /// Runs one recovery step: the credentials to use from now on (the same ones when the
    /// step found nothing new), or how the step failed.
    fn refresh(&self, step: RecoveryStep) -> AuthFuture<'_, Result<Credentials, StepFailure>>;

    /// Who owns the credentials, and so which recovery steps exist.
    fn recovery_mode(&self) -> RecoveryMode;

    /// A label for the credentials kind, reported in the `auth_mode` recovery tag
    /// (e.g. `api_key`, `chatgpt`).
    fn auth_mode(&self) -> &str;
}

/// Fixed credentials that cannot be refreshed (an API key): a 401 is final.
#[derive(Debug, Clone)]
pub struct StaticAuth {
    credentials: Credentials,
}

impl StaticAuth {
    /// Always sends `credentials`.
    pub fn new(credentials: Credentials) -> Self {
        StaticAuth { credentials }
    }
}

impl AuthProvider for StaticAuth {
    fn credentials(&self) -> AuthFuture<'_, Credentials> {
        Box::pin(std::future::ready(self.credentials.clone()))
    }

    fn refresh(&self, _step: RecoveryStep) -> AuthFuture<'_, Result<Credentials, StepFailure>> {
        Box::pin(std::future::ready(Err(StepFailure::Permanent)))
    }

    fn recovery_mode(&self) -> RecoveryMode {
        RecoveryMode::None
    }

    fn auth_mode(&self) -> &str {
        self.mode()
    }
}

impl StaticAuth {
    /// The credentials.
    pub(crate) fn get(&self) -> &Credentials {
        &self.credentials
    }

    /// The `auth_mode` tag of the credentials kind.
    pub(crate) fn mode(&self) -> &'static str {
        match self.credentials {
            Credentials::ApiKey(_) => "api_key",
            Credentials::ChatGpt { .. } => "chatgpt",
            Credentials::None => "none",
            _ => "agent_identity",
        }
    }
}
