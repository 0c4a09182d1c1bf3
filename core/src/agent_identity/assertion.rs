//! `AgentAssertion` tokens: build, decode and verify.
//!
//! Token = base64url (no padding) of the compact JSON object
//! `{"agent_runtime_id","signature","task_id","timestamp"}` (keys sorted), where `signature`
//! is the standard padded base64 Ed25519 signature over `"{agent_runtime_id}:{task_id}:{timestamp}"`.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ed25519_dalek::{Signature, VerifyingKey};
use serde::{Deserialize, Serialize};

use super::timestamp::Rfc3339Timestamp;
use super::{AgentIdentityError, AgentRuntimeId, AgentSigningKey, AgentTaskId};
use crate::secret::Secret;

/// The JSON envelope as written; field order is the sorted key order the wire form requires.
#[derive(Serialize)]
struct Envelope<'a> {
    agent_runtime_id: &'a str,
    signature: &'a str,
    task_id: &'a str,
    timestamp: &'a str,
}

/// The JSON envelope as read (owned: values may contain escapes).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DecodedEnvelope {
    agent_runtime_id: String,
    signature: String,
    task_id: String,
    timestamp: String,
}

/// Signs and encodes an assertion for `task_id` of `agent_runtime_id` at `timestamp`.
/// The result is the token only; the header value is `AgentAssertion <token>`.
pub fn build_agent_assertion(
    key: &AgentSigningKey,
    agent_runtime_id: &AgentRuntimeId,
    task_id: &AgentTaskId,
    timestamp: &Rfc3339Timestamp,
) -> Result<Secret, AgentIdentityError> {
    let payload = format!(
        "{}:{}:{}",
        agent_runtime_id.as_str(),
        task_id.as_str(),
        timestamp.as_str()
    );
    let signature = key.sign_base64(payload.as_bytes());
    let envelope = Envelope {
        agent_runtime_id: agent_runtime_id.as_str(),
        signature: &signature,
        task_id: task_id.as_str(),
        timestamp: timestamp.as_str(),
    };
    let json = serde_json::to_vec(&envelope).map_err(|_| AgentIdentityError::Encoding)?;
    Ok(Secret::new(URL_SAFE_NO_PAD.encode(json)))
}

/// The claims of an assertion whose signature checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedAgentAssertion {
    /// The agent runtime that signed.
    pub agent_runtime_id: AgentRuntimeId,
    /// The task the assertion is bound to.
    pub task_id: AgentTaskId,
    /// When it was signed (compare against your clock to reject stale assertions).
    pub timestamp: Rfc3339Timestamp,
}

/// Decodes `token` (with or without the `AgentAssertion ` prefix) and verifies its signature
/// with `public_key`. Any malformation is [`AgentIdentityError::MalformedAssertion`]; a valid
/// shape with a wrong signature is [`AgentIdentityError::SignatureMismatch`].
pub fn verify_agent_assertion(
    token: &str,
    public_key: &VerifyingKey,
) -> Result<VerifiedAgentAssertion, AgentIdentityError> {
    let malformed = |reason| AgentIdentityError::MalformedAssertion { reason };
    let token = token.strip_prefix("AgentAssertion ").unwrap_or(token);
    let json = URL_SAFE_NO_PAD
        .decode(token)
        .map_err(|_| malformed("not base64url without padding"))?;
    let envelope: DecodedEnvelope = serde_json::from_slice(&json)
        .map_err(|_| malformed("not a JSON object of four string fields"))?;
    let timestamp = Rfc3339Timestamp::parse(&envelope.timestamp)
        .map_err(|_| malformed("timestamp is not RFC 3339 UTC with whole seconds"))?;
    let signature_bytes = STANDARD
        .decode(&envelope.signature)
        .map_err(|_| malformed("signature is not standard base64"))?;
    let signature_bytes: [u8; 64] = signature_bytes
        .try_into()
        .map_err(|_| malformed("signature is not 64 bytes"))?;
    let signature = Signature::from_bytes(&signature_bytes);
    let payload = format!(
        "{}:{}:{}",
        envelope.agent_runtime_id, envelope.task_id, envelope.timestamp
    );
    public_key
        .verify_strict(payload.as_bytes(), &signature)
        .map_err(|_| AgentIdentityError::SignatureMismatch)?;
    Ok(VerifiedAgentAssertion {
        agent_runtime_id: AgentRuntimeId::new(envelope.agent_runtime_id),
        task_id: AgentTaskId::new(envelope.task_id),
        timestamp,
    })
}
