//! Agent Identity on the client (feature `agent-identity`): the scope in force, and
//! registering a run task, on the async and the blocking client.

use std::sync::Arc;
use std::time::SystemTime;

use codex_api_core::agent_identity::{
    AgentIdentityError, AgentTaskExternalRef, AgentTaskKind, ProviderAuthScope,
    RegisteredAgentTask, Rfc3339Timestamp, build_task_registration_request,
    parse_task_registration_reply,
};
use codex_api_core::call::{CallError, ClientError};
use codex_api_core::error::ApiError;

use crate::blocking::block_on;
use crate::registration::send_registration;
use crate::{Client, Runtime};

impl<R: Runtime> Client<R> {
    /// The Agent Identity scope in force (from
    /// [`ClientBuilder::auth_scope`](codex_api_core::client_config::ClientBuilder::auth_scope),
    /// updated by [`Client::register_run_task`]).
    pub fn auth_scope(&self) -> Option<Arc<ProviderAuthScope>> {
        self.inner.scope()
    }

    /// Replaces the Agent Identity scope (calls already under way keep theirs).
    pub fn set_auth_scope(&self, scope: Option<ProviderAuthScope>) {
        *self
            .inner
            .auth_scope
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = scope.map(Arc::new);
    }

    /// Registers a run task for the scope's provisioned identity at `auth_base_url` (the
    /// request the core builds: signed, no `Authorization`) and records it in the scope, so
    /// that later `responses` and `compact` calls carry assertions for it. One attempt; a
    /// non-2xx reply is an [`ApiError`].
    pub async fn register_run_task(
        &self,
        auth_base_url: &str,
        kind: AgentTaskKind,
        external_ref: Option<&AgentTaskExternalRef>,
    ) -> Result<RegisteredAgentTask, ClientError> {
        let identity_error =
            |error: AgentIdentityError| ClientError::Call(CallError::AgentIdentity(error));
        let scope = self
            .inner
            .scope()
            .ok_or(AgentIdentityError::NotProvisioned)
            .map_err(identity_error)?;
        let identity = scope
            .identity()
            .ok_or(AgentIdentityError::NotProvisioned)
            .map_err(identity_error)?;
        let timestamp =
            Rfc3339Timestamp::from_system_time(SystemTime::now()).map_err(identity_error)?;
        let request =
            build_task_registration_request(auth_base_url, identity, &timestamp, external_ref)
                .map_err(identity_error)?;
        let output = send_registration(&self.inner.runtime, request).await?;
        let task =
            parse_task_registration_reply(&output.body, identity, kind).map_err(|error| {
                ClientError::Api(Box::new(
                    ApiError::protocol(&error.to_string()).with_response_head(&output.headers),
                ))
            })?;
        let mut updated = ProviderAuthScope::clone(&scope);
        updated
            .handle_run_task(task.clone())
            .map_err(identity_error)?;
        self.set_auth_scope(Some(updated));
        Ok(task)
    }
}

impl<R: Runtime> crate::blocking::Client<R> {
    /// The Agent Identity scope in force.
    pub fn auth_scope(&self) -> Option<Arc<ProviderAuthScope>> {
        self.inner.auth_scope()
    }

    /// Replaces the Agent Identity scope.
    pub fn set_auth_scope(&self, scope: Option<ProviderAuthScope>) {
        self.inner.set_auth_scope(scope);
    }

    /// Registers a run task and records it in the scope (see
    /// [`crate::Client::register_run_task`]).
    pub fn register_run_task(
        &self,
        auth_base_url: &str,
        kind: AgentTaskKind,
        external_ref: Option<&AgentTaskExternalRef>,
    ) -> Result<RegisteredAgentTask, ClientError> {
        block_on(
            self.inner
                .register_run_task(auth_base_url, kind, external_ref),
        )
    }
}
