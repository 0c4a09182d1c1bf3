//! Task registration: `POST {auth_base}/v1/agent/{agent_runtime_id}/task/register` and the
//! parsing of its reply (plain or sealed-box-encrypted task id).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::{Deserialize, Serialize};

use super::timestamp::Rfc3339Timestamp;
use super::{
    AgentIdentity, AgentIdentityError, AgentSigningKey, AgentTaskExternalRef, AgentTaskId,
    AgentTaskKind, RegisteredAgentTask,
};
use crate::provider::DEFAULT_USER_AGENT;

/// The auth service Codex registers tasks with for the production ChatGPT backend.
pub const DEFAULT_AGENT_AUTH_BASE_URL: &str = "https://auth.openai.com/api/accounts";

/// Characters escaped in a path segment: everything but RFC 3986 unreserved characters.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

#[derive(Serialize)]
struct RegisterTaskBody<'a> {
    timestamp: &'a str,
    signature: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    external_task_ref: Option<&'a str>,
}

#[derive(Deserialize)]
struct RegisterTaskReply {
    #[serde(default)]
    task_id: Option<String>,
    #[serde(default, rename = "taskId")]
    task_id_camel: Option<String>,
    #[serde(default)]
    encrypted_task_id: Option<String>,
    #[serde(default, rename = "encryptedTaskId")]
    encrypted_task_id_camel: Option<String>,
}

/// `{auth_base_url}/v1/agent/{agent_runtime_id}/task/register` (the runtime id is
/// percent-encoded as one path segment; trailing slashes of the base are trimmed).
pub fn task_registration_url(auth_base_url: &str, identity: &AgentIdentity) -> String {
    format!(
        "{}/v1/agent/{}/task/register",
        auth_base_url.trim_end_matches('/'),
        utf8_percent_encode(identity.runtime_id().as_str(), PATH_SEGMENT)
    )
}

/// The JSON body `{"timestamp","signature"[,"external_task_ref"]}`; the signature covers
/// `"{agent_runtime_id}:{timestamp}"`.
pub fn task_registration_body(
    identity: &AgentIdentity,
    timestamp: &Rfc3339Timestamp,
    external_ref: Option<&AgentTaskExternalRef>,
) -> Result<Bytes, AgentIdentityError> {
    let payload = format!("{}:{}", identity.runtime_id().as_str(), timestamp.as_str());
    let signature = identity.key().sign_base64(payload.as_bytes());
    let body = RegisterTaskBody {
        timestamp: timestamp.as_str(),
        signature: &signature,
        external_task_ref: external_ref.map(AgentTaskExternalRef::as_str),
    };
    serde_json::to_vec(&body)
        .map(Bytes::from)
        .map_err(|_| AgentIdentityError::Encoding)
}

/// The whole registration request: `POST`, JSON body, `Content-Type`/`Accept` JSON and our
/// `User-Agent`. It carries no `Authorization`: the signature authenticates it.
pub fn build_task_registration_request(
    auth_base_url: &str,
    identity: &AgentIdentity,
    timestamp: &Rfc3339Timestamp,
    external_ref: Option<&AgentTaskExternalRef>,
) -> Result<http::Request<Bytes>, AgentIdentityError> {
    let body = task_registration_body(identity, timestamp, external_ref)?;
    let uri: http::Uri = task_registration_url(auth_base_url, identity)
        .parse()
        .map_err(|_| AgentIdentityError::InvalidAuthBaseUrl)?;
    if uri.scheme().is_none() || uri.authority().is_none() {
        return Err(AgentIdentityError::InvalidAuthBaseUrl);
    }
    http::Request::builder()
        .method(http::Method::POST)
        .uri(uri)
        .header(http::header::CONTENT_TYPE, "application/json")
        .header(http::header::ACCEPT, "application/json")
        .header(http::header::USER_AGENT, DEFAULT_USER_AGENT)
        .body(body)
        .map_err(|_| AgentIdentityError::InvalidAuthBaseUrl)
}

/// Parses a successful registration reply into a task of `kind`. Accepts `task_id`, `taskId`,
/// `encrypted_task_id` or `encryptedTaskId` (first present in that order); an encrypted id is
/// standard base64 of a sealed box opened with the identity's derived X25519 key.
pub fn parse_task_registration_reply(
    body: &[u8],
    identity: &AgentIdentity,
    kind: AgentTaskKind,
) -> Result<RegisteredAgentTask, AgentIdentityError> {
    let object: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(body).map_err(|_| AgentIdentityError::InvalidRegistrationReply)?;
    let reply: RegisterTaskReply = serde_json::from_value(serde_json::Value::Object(object))
        .map_err(|_| AgentIdentityError::InvalidRegistrationReply)?;
    let non_empty = |value: Option<String>| value.filter(|value| !value.is_empty());
    let task_id = match non_empty(reply.task_id).or(non_empty(reply.task_id_camel)) {
        Some(task_id) => AgentTaskId::new(task_id),
        None => {
            let encrypted = non_empty(reply.encrypted_task_id)
                .or(non_empty(reply.encrypted_task_id_camel))
                .ok_or(AgentIdentityError::MissingTaskId)?;
            decrypt_task_id(identity.key(), &encrypted)?
        }
    };
    Ok(RegisteredAgentTask::new(
        identity.runtime_id().clone(),
        task_id,
        kind,
    ))
}

/// Opens an encrypted task id (standard base64 of a libsodium sealed box).
pub fn decrypt_task_id(
    key: &AgentSigningKey,
    encrypted_base64: &str,
) -> Result<AgentTaskId, AgentIdentityError> {
    let ciphertext = STANDARD
        .decode(encrypted_base64.trim())
        .map_err(|_| AgentIdentityError::InvalidEncryptedTaskId)?;
    let plaintext = key
        .sealed_box_secret_key()
        .unseal(&ciphertext)
        .map_err(|_| AgentIdentityError::TaskIdDecryptionFailed)?;
    let task_id = String::from_utf8(plaintext).map_err(|_| AgentIdentityError::TaskIdNotUtf8)?;
    if task_id.is_empty() {
        return Err(AgentIdentityError::MissingTaskId);
    }
    Ok(AgentTaskId::new(task_id))
}
