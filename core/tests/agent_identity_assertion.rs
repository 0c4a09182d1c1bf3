//! Agent assertions: golden token, round trip, tampering, malformed keys and tokens.

#![cfg(feature = "agent-identity")]

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use codex_api_core::agent_identity::{
    AgentIdentity, AgentIdentityError, AgentRuntimeId, AgentSigningKey, AgentTaskId, AgentTaskKind,
    RegisteredAgentTask, Rfc3339Timestamp, build_agent_assertion, verify_agent_assertion,
    verifying_key_from_bytes,
};
use std::time::{Duration, UNIX_EPOCH};

/// PKCS#8 v1 (RFC 8410, as `openssl genpkey -algorithm ed25519` writes) of the seed `[7; 32]`.
const KEY_PKCS8_V1: &str = "MC4CAQAwBQYDK2VwBCIEIAcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcH";
/// PKCS#8 v2 (with the public key) of the same seed, as ed25519-dalek writes it.
const KEY_PKCS8_V2: &str = "MFECAQEwBQYDK2VwBCIEIAcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHgSEA6kpsY+KcUgq+9VB7Ey7F+ZVHdq6+vnuSQh7qaRRG0iw=";
/// agent-123 / task-456 / 2026-01-02T03:04:05Z signed with the key above. The signature was
/// cross-checked with an independent Ed25519 implementation (Python `cryptography`).
const GOLDEN_TOKEN: &str = "eyJhZ2VudF9ydW50aW1lX2lkIjoiYWdlbnQtMTIzIiwic2lnbmF0dXJlIjoidW5KMHpkS0JSdTJkMVFBc3VyeWdadG5TUEFwRkxrRnVRZlhpamR1VWt1TXR6ZGRxTjFPbG9nUVJrSk5IZ3ZLL1lKRUpVQ1haMlJvSWVRcURwT0Z3RHc9PSIsInRhc2tfaWQiOiJ0YXNrLTQ1NiIsInRpbWVzdGFtcCI6IjIwMjYtMDEtMDJUMDM6MDQ6MDVaIn0";
const GOLDEN_JSON: &str = r#"{"agent_runtime_id":"agent-123","signature":"unJ0zdKBRu2d1QAsurygZtnSPApFLkFuQfXijduUkuMtzddqN1OlogQRkJNHgvK/YJEJUCXZ2RoIeQqDpOFwDw==","task_id":"task-456","timestamp":"2026-01-02T03:04:05Z"}"#;

fn key() -> AgentSigningKey {
    AgentSigningKey::from_pkcs8_base64(KEY_PKCS8_V1).unwrap()
}

fn timestamp() -> Rfc3339Timestamp {
    Rfc3339Timestamp::from_system_time(UNIX_EPOCH + Duration::from_secs(1_767_323_045)).unwrap()
}

fn golden() -> String {
    build_agent_assertion(
        &key(),
        &AgentRuntimeId::new("agent-123"),
        &AgentTaskId::new("task-456"),
        &timestamp(),
    )
    .unwrap()
    .expose()
    .to_owned()
}

#[test]
fn fixed_key_and_timestamp_give_the_golden_token() {
    assert_eq!(timestamp().as_str(), "2026-01-02T03:04:05Z");
    let token = golden();
    assert_eq!(token, GOLDEN_TOKEN);
    assert!(!token.contains('=') && !token.contains('+') && !token.contains('/'));
    assert_eq!(
        URL_SAFE_NO_PAD.decode(&token).unwrap(),
        GOLDEN_JSON.as_bytes()
    );
}

#[test]
fn both_pkcs8_versions_load_the_same_key() {
    let v1 = AgentSigningKey::from_pkcs8_base64(KEY_PKCS8_V1).unwrap();
    let v2 = AgentSigningKey::from_pkcs8_base64(&format!("  {KEY_PKCS8_V2}\n")).unwrap();
    let seed = AgentSigningKey::from_seed(&[7; 32]);
    assert_eq!(v1.verifying_key(), v2.verifying_key());
    assert_eq!(v1.verifying_key(), seed.verifying_key());
    assert_eq!(seed.to_pkcs8_base64().unwrap().expose(), KEY_PKCS8_V2);
}

#[test]
fn build_then_verify_round_trips() {
    let key = key();
    let verified = verify_agent_assertion(&golden(), &key.verifying_key()).unwrap();
    assert_eq!(verified.agent_runtime_id.as_str(), "agent-123");
    assert_eq!(verified.task_id.as_str(), "task-456");
    assert_eq!(verified.timestamp, timestamp());
    // The header form is accepted too.
    let with_prefix = format!("AgentAssertion {}", golden());
    assert!(verify_agent_assertion(&with_prefix, &key.verifying_key()).is_ok());

    // Ids with JSON-special characters survive the round trip.
    let runtime = AgentRuntimeId::new("agent \"quoted\" \\ é");
    let task = AgentTaskId::new("task/with+chars\n");
    let token = build_agent_assertion(&key, &runtime, &task, &timestamp()).unwrap();
    let verified = verify_agent_assertion(token.expose(), &key.verifying_key()).unwrap();
    assert_eq!(verified.agent_runtime_id, runtime);
    assert_eq!(verified.task_id, task);

    // Through an identity and a registered task.
    let identity = AgentIdentity::new("agent-123".into(), key.clone());
    let registered =
        RegisteredAgentTask::new("agent-123".into(), "task-456".into(), AgentTaskKind::Thread);
    assert_eq!(
        identity
            .assertion_for(&registered, &timestamp())
            .unwrap()
            .expose(),
        GOLDEN_TOKEN
    );
    let foreign =
        RegisteredAgentTask::new("other".into(), "task-456".into(), AgentTaskKind::Thread);
    assert_eq!(
        identity.assertion_for(&foreign, &timestamp()),
        Err(AgentIdentityError::RuntimeMismatch)
    );
}

fn reencode(json: &str) -> String {
    URL_SAFE_NO_PAD.encode(json)
}

#[test]
fn tampered_tokens_fail_verification() {
    let public = key().verifying_key();
    let tampered_fields = [
        GOLDEN_JSON.replace("task-456", "task-457"),
        GOLDEN_JSON.replace("agent-123", "agent-124"),
        GOLDEN_JSON.replace("03:04:05Z", "03:04:06Z"),
        GOLDEN_JSON.replace("unJ0", "vnJ0"),
    ];
    for json in tampered_fields {
        assert_eq!(
            verify_agent_assertion(&reencode(&json), &public),
            Err(AgentIdentityError::SignatureMismatch),
            "{json}"
        );
    }
    // Another key's public key rejects the genuine token.
    let other = AgentSigningKey::from_seed(&[8; 32]).verifying_key();
    assert_eq!(
        verify_agent_assertion(GOLDEN_TOKEN, &other),
        Err(AgentIdentityError::SignatureMismatch)
    );
}

#[test]
fn malformed_tokens_are_typed_errors() {
    let public = key().verifying_key();
    let short_signature = GOLDEN_JSON.replace(
        "unJ0zdKBRu2d1QAsurygZtnSPApFLkFuQfXijduUkuMtzddqN1OlogQRkJNHgvK/YJEJUCXZ2RoIeQqDpOFwDw==",
        &STANDARD.encode([1u8; 32]),
    );
    let cases = [
        String::new(),
        "not base64!".to_owned(),
        format!("{GOLDEN_TOKEN}="),
        reencode("not json"),
        reencode("[]"),
        reencode(r#"{"agent_runtime_id":"a","task_id":"t","timestamp":"2026-01-02T03:04:05Z"}"#),
        reencode(&GOLDEN_JSON.replace("}", r#","extra":"x"}"#)),
        reencode(&GOLDEN_JSON.replace("\"task-456\"", "456")),
        reencode(&GOLDEN_JSON.replace("2026-01-02T03:04:05Z", "yesterday")),
        reencode(&GOLDEN_JSON.replace("unJ0zdKBRu2d1Q", "!!!")),
        reencode(&short_signature),
    ];
    for token in cases {
        assert!(
            matches!(
                verify_agent_assertion(&token, &public),
                Err(AgentIdentityError::MalformedAssertion { .. })
            ),
            "{token}"
        );
    }
}

#[test]
fn malformed_keys_are_typed_errors() {
    assert_eq!(
        AgentSigningKey::from_pkcs8_base64("%%% not base64").unwrap_err(),
        AgentIdentityError::InvalidPrivateKeyBase64
    );
    for der in [
        Vec::new(),
        b"not a key".to_vec(),
        STANDARD.decode(KEY_PKCS8_V1).unwrap()[..40].to_vec(),
    ] {
        assert_eq!(
            AgentSigningKey::from_pkcs8_base64(&STANDARD.encode(&der)).unwrap_err(),
            AgentIdentityError::InvalidPrivateKeyPkcs8
        );
    }
    // An RSA/EC-looking algorithm identifier is rejected: replace the Ed25519 OID 1.3.101.112
    // with X25519's 1.3.101.110.
    let mut wrong_algorithm = STANDARD.decode(KEY_PKCS8_V1).unwrap();
    let oid = wrong_algorithm
        .windows(3)
        .position(|window| window == [0x2b, 0x65, 0x70])
        .unwrap();
    wrong_algorithm[oid + 2] = 0x6e;
    assert_eq!(
        AgentSigningKey::from_pkcs8_base64(&STANDARD.encode(&wrong_algorithm)).unwrap_err(),
        AgentIdentityError::InvalidPrivateKeyPkcs8
    );
    // A point that is not on the curve is not a public key.
    let mut not_a_point = [0u8; 32];
    not_a_point[0] = 2;
    not_a_point[31] = 0x80;
    let mut found_invalid = false;
    for byte in 0..=255u8 {
        not_a_point[1] = byte;
        if verifying_key_from_bytes(&not_a_point) == Err(AgentIdentityError::InvalidPublicKey) {
            found_invalid = true;
            break;
        }
    }
    assert!(found_invalid);
}

#[test]
fn debug_of_secret_holding_types_redacts() {
    let key = key();
    let private_seed_base64 = STANDARD.encode([7u8; 32]);
    let identity = AgentIdentity::new("agent-123".into(), key.clone()).with_account("acct", false);
    for shown in [
        format!("{key:?}"),
        format!("{key:#?}"),
        format!("{identity:?}"),
        format!("{:?}", key.to_pkcs8_base64().unwrap()),
        format!("{}", key.to_pkcs8_base64().unwrap()),
        format!(
            "{:?}",
            build_agent_assertion(
                &key,
                &AgentRuntimeId::new("agent-123"),
                &AgentTaskId::new("task-456"),
                &timestamp()
            )
            .unwrap()
        ),
    ] {
        assert!(!shown.contains(KEY_PKCS8_V1), "{shown}");
        assert!(!shown.contains(KEY_PKCS8_V2), "{shown}");
        assert!(!shown.contains(&private_seed_base64[..20]), "{shown}");
        assert!(!shown.contains("BwcHBwcHBwcHBwcH"), "{shown}");
        assert!(!shown.contains(GOLDEN_TOKEN), "{shown}");
    }
}
