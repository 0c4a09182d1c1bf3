//! Agent Identity: `AgentAssertion` tokens and task registration primitives.
//!
//! An agent runtime holds an Ed25519 key ([`AgentSigningKey`], stored as base64 PKCS#8). It
//! registers tasks ([`build_task_registration_request`], [`parse_task_registration_reply`]) and
//! authenticates each request with a fresh assertion bound to a task
//! ([`build_agent_assertion`]). [`ProviderAuthScope`] decides per request whether a provider
//! gets an assertion or keeps its ordinary credentials. Nothing here reads a clock: timestamps
//! come in as `SystemTime`s or [`Rfc3339Timestamp`]s.
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//! use codex_api_core::agent_identity::*;
//!
//! let key = AgentSigningKey::from_seed(&[7; 32]);
//! let timestamp = Rfc3339Timestamp::from_system_time(UNIX_EPOCH + Duration::from_secs(1_767_323_045))?;
//! let token = build_agent_assertion(
//!     &key,
//!     &AgentRuntimeId::new("agent-123"),
//!     &AgentTaskId::new("task-456"),
//!     &timestamp,
//! )?;
//! let verified = verify_agent_assertion(token.expose(), &key.verifying_key())?;
//! assert_eq!(verified.task_id.as_str(), "task-456");
//! # Ok::<(), AgentIdentityError>(())
//! ```

mod assertion;
mod key;
mod registration;
mod scope;
mod timestamp;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use assertion::{VerifiedAgentAssertion, build_agent_assertion, verify_agent_assertion};
pub use key::{AgentSigningKey, verifying_key_from_bytes};
pub use registration::{
    DEFAULT_AGENT_AUTH_BASE_URL, build_task_registration_request, decrypt_task_id,
    parse_task_registration_reply, task_registration_body, task_registration_url,
};
pub use scope::{ProviderAuthScope, SessionSource};
pub use timestamp::Rfc3339Timestamp;

/// An Agent Identity operation failed. Never carries key material, tokens or task ids.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AgentIdentityError {
    /// The stored private key is not valid standard base64.
    #[error("agent identity private key is not valid base64")]
    InvalidPrivateKeyBase64,
    /// The stored private key is not a valid Ed25519 PKCS#8 document.
    #[error("agent identity private key is not a valid Ed25519 PKCS#8 key")]
    InvalidPrivateKeyPkcs8,
    /// A public key is not a valid Ed25519 point.
    #[error("agent identity public key is not a valid Ed25519 key")]
    InvalidPublicKey,
    /// A time before 1970 or from the year 10000 on cannot be an RFC 3339 timestamp here.
    #[error("timestamp is outside 1970..=9999")]
    TimestampOutOfRange,
    /// A timestamp is not `YYYY-MM-DDTHH:MM:SSZ`.
    #[error("timestamp is not RFC 3339 UTC with whole seconds")]
    InvalidTimestamp,
    /// JSON encoding failed.
    #[error("encoding agent identity JSON failed")]
    Encoding,
    /// An assertion token could not be decoded.
    #[error("malformed agent assertion: {reason}")]
    MalformedAssertion {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// An assertion's signature does not verify with the given public key.
    #[error("agent assertion signature does not verify")]
    SignatureMismatch,
    /// The auth base URL does not give a valid absolute registration URL.
    #[error("agent task registration URL is invalid")]
    InvalidAuthBaseUrl,
    /// The registration reply is not a JSON object.
    #[error("agent task registration reply is not a JSON object")]
    InvalidRegistrationReply,
    /// The registration reply carries no task id in any accepted field.
    #[error("agent task registration reply omitted the task id")]
    MissingTaskId,
    /// An encrypted task id is not valid base64.
    #[error("encrypted task id is not valid base64")]
    InvalidEncryptedTaskId,
    /// An encrypted task id could not be opened with this agent's key.
    #[error("encrypted task id could not be decrypted with this agent's key")]
    TaskIdDecryptionFailed,
    /// A decrypted task id is not UTF-8.
    #[error("decrypted task id is not UTF-8")]
    TaskIdNotUtf8,
    /// Agent Identity is on for this provider but no identity has been provisioned yet.
    #[error("agent identity is enabled but not provisioned yet")]
    NotProvisioned,
    /// Agent Identity is provisioned but its run task has not been registered.
    #[error("agent identity is provisioned but its run task is missing")]
    RunTaskMissing,
    /// A task belongs to a different agent runtime than the provisioned identity.
    #[error("agent task belongs to a different agent runtime")]
    RuntimeMismatch,
}

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps an id.
            pub fn new(id: impl Into<String>) -> Self {
                $name(id.into())
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The id as an owned string.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                $name::new(id)
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                $name::new(id)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

string_id!(
    /// The id of a registered agent runtime.
    AgentRuntimeId
);
string_id!(
    /// A task id granted to an agent runtime.
    AgentTaskId
);
string_id!(
    /// A caller-owned stable reference (for example a thread id) the server resolves to a task.
    AgentTaskExternalRef
);

/// What a registered task is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgentTaskKind {
    /// Work tied to one conversation thread.
    Thread,
    /// Process-wide background work.
    Background,
}

impl AgentTaskKind {
    /// `thread` or `background`.
    pub fn as_str(self) -> &'static str {
        match self {
            AgentTaskKind::Thread => "thread",
            AgentTaskKind::Background => "background",
        }
    }
}

/// A task registered for an agent runtime.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RegisteredAgentTask {
    agent_runtime_id: AgentRuntimeId,
    task_id: AgentTaskId,
    kind: AgentTaskKind,
}

impl RegisteredAgentTask {
    /// A task `task_id` of `agent_runtime_id`.
    pub fn new(
        agent_runtime_id: AgentRuntimeId,
        task_id: AgentTaskId,
        kind: AgentTaskKind,
    ) -> Self {
        RegisteredAgentTask {
            agent_runtime_id,
            task_id,
            kind,
        }
    }

    /// The runtime the task belongs to.
    pub fn agent_runtime_id(&self) -> &AgentRuntimeId {
        &self.agent_runtime_id
    }

    /// The task id.
    pub fn task_id(&self) -> &AgentTaskId {
        &self.task_id
    }

    /// What the task is for.
    pub fn kind(&self) -> AgentTaskKind {
        self.kind
    }
}

/// A provisioned agent identity: runtime id, private key, and optionally the ChatGPT account
/// its requests route to. `Debug` never shows the private key.
#[derive(Debug, Clone)]
pub struct AgentIdentity {
    runtime_id: AgentRuntimeId,
    key: AgentSigningKey,
    account: Option<(String, bool)>,
}

impl AgentIdentity {
    /// An identity from its runtime id and key.
    pub fn new(runtime_id: AgentRuntimeId, key: AgentSigningKey) -> Self {
        AgentIdentity {
            runtime_id,
            key,
            account: None,
        }
    }

    /// Routes this identity's requests to a ChatGPT account (`ChatGPT-Account-ID`, plus
    /// `X-OpenAI-Fedramp: true` when `fedramp`).
    pub fn with_account(mut self, account_id: impl Into<String>, fedramp: bool) -> Self {
        self.account = Some((account_id.into(), fedramp));
        self
    }

    /// The runtime id.
    pub fn runtime_id(&self) -> &AgentRuntimeId {
        &self.runtime_id
    }

    /// The private key.
    pub fn key(&self) -> &AgentSigningKey {
        &self.key
    }

    /// The ChatGPT account id and FedRAMP flag, if set.
    pub fn account(&self) -> Option<(&str, bool)> {
        self.account
            .as_ref()
            .map(|(account_id, fedramp)| (account_id.as_str(), *fedramp))
    }

    /// An assertion for `task` at `timestamp`; the task must belong to this runtime.
    pub fn assertion_for(
        &self,
        task: &RegisteredAgentTask,
        timestamp: &Rfc3339Timestamp,
    ) -> Result<crate::secret::Secret, AgentIdentityError> {
        if task.agent_runtime_id() != &self.runtime_id {
            return Err(AgentIdentityError::RuntimeMismatch);
        }
        build_agent_assertion(&self.key, &self.runtime_id, task.task_id(), timestamp)
    }
}
