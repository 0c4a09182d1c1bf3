//! Per-provider auth policy: when a request carries an Agent Identity assertion instead of the
//! caller's ordinary credentials.

use std::time::SystemTime;

use super::{AgentIdentity, AgentIdentityError, RegisteredAgentTask, Rfc3339Timestamp};
use crate::credentials::Credentials;
use crate::provider::Provider;

/// Where the session runs (recorded for the agent's bill of materials and observability).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SessionSource {
    /// An interactive command-line session.
    #[default]
    Cli,
    /// A non-interactive `exec` run.
    Exec,
    /// An IDE extension.
    Ide,
    /// An MCP server.
    Mcp,
    /// A sub-agent spawned by another session.
    SubAgent,
    /// Anything else, named by the caller.
    Other(String),
}

impl SessionSource {
    /// A stable lowercase name: `cli`, `exec`, `ide`, `mcp`, `subagent`, or the custom name.
    pub fn as_str(&self) -> &str {
        match self {
            SessionSource::Cli => "cli",
            SessionSource::Exec => "exec",
            SessionSource::Ide => "ide",
            SessionSource::Mcp => "mcp",
            SessionSource::SubAgent => "subagent",
            SessionSource::Other(name) => name,
        }
    }
}

#[derive(Debug, Clone)]
enum IdentityState {
    /// Nothing known yet.
    Pending,
    /// Identity available; the run task may still be missing.
    Provisioned {
        identity: Box<AgentIdentity>,
        run_task: Option<RegisteredAgentTask>,
    },
    /// Bootstrapping failed; ordinary credentials are used for the rest of the session.
    Unavailable { reason: String },
}

/// Decides, per request, which credentials a provider gets.
///
/// Assertions are used only when the caller opted in ([`ProviderAuthScope::with_agent_identity`],
/// off by default), only for first-party OpenAI providers (not Azure, local or custom ones), and
/// only when the ordinary credentials are a ChatGPT sign-in or none: API keys and external bearer
/// tokens are kept unchanged. Inference and compaction requests are treated alike.
///
/// When the identity is provisioned but its run task is missing, choosing credentials fails with
/// [`AgentIdentityError::RunTaskMissing`] (never a silent fallback). When bootstrapping failed
/// ([`ProviderAuthScope::handle_bootstrap_failure`]), the reason is kept and the ordinary
/// credentials are used for the rest of the session.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use codex_api_core::agent_identity::*;
/// use codex_api_core::auth_scheme::AuthScheme;
/// use codex_api_core::credentials::Credentials;
/// use codex_api_core::provider::Provider;
///
/// let mut scope = ProviderAuthScope::new(SessionSource::Cli).with_agent_identity(true);
/// let identity = AgentIdentity::new("agent-1".into(), AgentSigningKey::from_seed(&[1; 32]));
/// scope.handle_agent_identity(identity);
/// scope.handle_run_task(RegisteredAgentTask::new("agent-1".into(), "task-1".into(), AgentTaskKind::Background))?;
/// let chatgpt = Credentials::chatgpt("token", "account-1");
/// let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
/// let chosen = scope.credentials_for(&Provider::chatgpt_codex(), &chatgpt, now)?;
/// assert_eq!(chosen.scheme(), AuthScheme::AgentAssertion);
/// let custom = Provider::custom("local", "http://127.0.0.1:1234/v1").unwrap();
/// assert_eq!(scope.credentials_for(&custom, &chatgpt, now)?, chatgpt);
/// # Ok::<(), AgentIdentityError>(())
/// ```
#[derive(Debug, Clone)]
pub struct ProviderAuthScope {
    use_agent_identity: bool,
    session_source: SessionSource,
    state: IdentityState,
}

impl ProviderAuthScope {
    /// A scope for a session from `session_source`, with Agent Identity off.
    pub fn new(session_source: SessionSource) -> Self {
        ProviderAuthScope {
            use_agent_identity: false,
            session_source,
            state: IdentityState::Pending,
        }
    }

    /// Opts in to (or out of) Agent Identity.
    pub fn with_agent_identity(mut self, use_agent_identity: bool) -> Self {
        self.use_agent_identity = use_agent_identity;
        self
    }

    /// Whether the caller opted in.
    pub fn use_agent_identity(&self) -> bool {
        self.use_agent_identity
    }

    /// The session source.
    pub fn session_source(&self) -> &SessionSource {
        &self.session_source
    }

    /// Records a provisioned identity (its run task is registered separately).
    pub fn handle_agent_identity(&mut self, identity: AgentIdentity) {
        self.state = IdentityState::Provisioned {
            identity: Box::new(identity),
            run_task: None,
        };
    }

    /// Records the registered run task. Fails when no identity is provisioned or the task
    /// belongs to another runtime.
    pub fn handle_run_task(&mut self, task: RegisteredAgentTask) -> Result<(), AgentIdentityError> {
        match &mut self.state {
            IdentityState::Provisioned { identity, run_task } => {
                if task.agent_runtime_id() != identity.runtime_id() {
                    return Err(AgentIdentityError::RuntimeMismatch);
                }
                *run_task = Some(task);
                Ok(())
            }
            IdentityState::Pending | IdentityState::Unavailable { .. } => {
                Err(AgentIdentityError::NotProvisioned)
            }
        }
    }

    /// Records that Agent Identity could not be bootstrapped; ordinary credentials are used
    /// for the rest of the session.
    pub fn handle_bootstrap_failure(&mut self, reason: impl Into<String>) {
        self.state = IdentityState::Unavailable {
            reason: reason.into(),
        };
    }

    /// Why bootstrapping failed, if it did.
    pub fn bootstrap_failure(&self) -> Option<&str> {
        match &self.state {
            IdentityState::Unavailable { reason } => Some(reason),
            _ => None,
        }
    }

    /// The provisioned identity, if any.
    pub fn identity(&self) -> Option<&AgentIdentity> {
        match &self.state {
            IdentityState::Provisioned { identity, .. } => Some(identity),
            _ => None,
        }
    }

    /// The registered run task, if any.
    pub fn run_task(&self) -> Option<&RegisteredAgentTask> {
        match &self.state {
            IdentityState::Provisioned { run_task, .. } => run_task.as_ref(),
            _ => None,
        }
    }

    /// Whether requests to `provider` with ordinary credentials `base` are eligible for
    /// assertions (opted in, first-party, not Azure, ChatGPT or no credentials).
    pub fn applies_to(&self, provider: &Provider, base: &Credentials) -> bool {
        self.use_agent_identity
            && provider.is_first_party_openai()
            && !provider.is_azure_responses_endpoint()
            && matches!(base, Credentials::ChatGpt { .. } | Credentials::None)
    }

    /// The credentials for one request to `provider` at `now`: an assertion for the run task
    /// when [`ProviderAuthScope::applies_to`] holds and bootstrapping did not fail, otherwise
    /// `base` unchanged.
    pub fn credentials_for(
        &self,
        provider: &Provider,
        base: &Credentials,
        now: SystemTime,
    ) -> Result<Credentials, AgentIdentityError> {
        if !self.applies_to(provider, base) {
            return Ok(base.clone());
        }
        let (identity, task) = match &self.state {
            IdentityState::Unavailable { .. } => return Ok(base.clone()),
            IdentityState::Pending => return Err(AgentIdentityError::NotProvisioned),
            IdentityState::Provisioned { run_task: None, .. } => {
                return Err(AgentIdentityError::RunTaskMissing);
            }
            IdentityState::Provisioned {
                identity,
                run_task: Some(task),
            } => (identity, task),
        };
        let timestamp = Rfc3339Timestamp::from_system_time(now)?;
        let assertion = identity.assertion_for(task, &timestamp)?;
        let account = match base {
            Credentials::ChatGpt {
                account_id,
                fedramp,
                ..
            } => Some((account_id.clone(), *fedramp)),
            _ => identity
                .account()
                .map(|(account_id, fedramp)| (account_id.to_owned(), fedramp)),
        };
        Ok(match account {
            Some((account_id, fedramp)) => Credentials::AccountAgentAssertion {
                assertion,
                account_id,
                fedramp,
            },
            None => Credentials::AgentAssertion(assertion),
        })
    }
}
