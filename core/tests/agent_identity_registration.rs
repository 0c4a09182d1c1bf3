//! Task registration: golden request bodies, URL, and reply parsing for every field spelling,
//! including a sealed box made here with the derived public key.

#![cfg(feature = "agent-identity")]

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use codex_api_core::agent_identity::{
    AgentIdentity, AgentIdentityError, AgentSigningKey, AgentTaskExternalRef, AgentTaskKind,
    DEFAULT_AGENT_AUTH_BASE_URL, Rfc3339Timestamp, build_task_registration_request,
    decrypt_task_id, parse_task_registration_reply, task_registration_body,
};
use ed25519_dalek::{Signature, Verifier as _};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;

const SIGNATURE: &str =
    "GjpGZ4cpOKGNOeyOHOUsWaW00Lchm6BDCX2IS57kYYQV8qKu3F8oBzOMl1soGbB6X+Ws73KsKqTluJ/remDUBQ==";

fn identity() -> AgentIdentity {
    AgentIdentity::new("agent-123".into(), AgentSigningKey::from_seed(&[7; 32]))
}

fn timestamp() -> Rfc3339Timestamp {
    Rfc3339Timestamp::parse("2026-01-02T03:04:05Z").unwrap()
}

fn seal(identity: &AgentIdentity, plaintext: &[u8], seed: u64) -> String {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let sealed = identity
        .key()
        .sealed_box_public_key()
        .seal(&mut rng, plaintext)
        .unwrap();
    STANDARD.encode(sealed)
}

#[test]
fn golden_bodies_with_and_without_external_ref() {
    let without = task_registration_body(&identity(), &timestamp(), None).unwrap();
    assert_eq!(
        std::str::from_utf8(&without).unwrap(),
        format!(r#"{{"timestamp":"2026-01-02T03:04:05Z","signature":"{SIGNATURE}"}}"#)
    );
    let external = AgentTaskExternalRef::new("thread-1");
    let with = task_registration_body(&identity(), &timestamp(), Some(&external)).unwrap();
    assert_eq!(
        std::str::from_utf8(&with).unwrap(),
        format!(
            r#"{{"timestamp":"2026-01-02T03:04:05Z","signature":"{SIGNATURE}","external_task_ref":"thread-1"}}"#
        )
    );
    // The signature covers "{agent_runtime_id}:{timestamp}".
    let signature = Signature::from_slice(&STANDARD.decode(SIGNATURE).unwrap()).unwrap();
    identity()
        .key()
        .verifying_key()
        .verify(b"agent-123:2026-01-02T03:04:05Z", &signature)
        .unwrap();
}

#[test]
fn registration_request_shape() {
    let request = build_task_registration_request(
        "https://auth.example.com/api/accounts/",
        &identity(),
        &timestamp(),
        None,
    )
    .unwrap();
    assert_eq!(request.method(), http::Method::POST);
    assert_eq!(
        request.uri(),
        "https://auth.example.com/api/accounts/v1/agent/agent-123/task/register"
    );
    assert_eq!(request.headers()["content-type"], "application/json");
    assert!(request.headers().get("authorization").is_none());
    assert_eq!(
        request.body(),
        &task_registration_body(&identity(), &timestamp(), None).unwrap()
    );

    let odd = AgentIdentity::new("agent/../x y".into(), AgentSigningKey::from_seed(&[7; 32]));
    let request =
        build_task_registration_request(DEFAULT_AGENT_AUTH_BASE_URL, &odd, &timestamp(), None)
            .unwrap();
    assert_eq!(
        request.uri(),
        "https://auth.openai.com/api/accounts/v1/agent/agent%2F..%2Fx%20y/task/register"
    );

    for bad in ["", "not a url", "/relative"] {
        assert_eq!(
            build_task_registration_request(bad, &identity(), &timestamp(), None).unwrap_err(),
            AgentIdentityError::InvalidAuthBaseUrl,
            "{bad}"
        );
    }
}

#[test]
fn reply_parsing_accepts_all_four_spellings() {
    let identity = identity();
    let sealed = seal(&identity, b"task-sealed-1", 1);
    let cases = [
        (r#"{"task_id":"task-a"}"#.to_owned(), "task-a"),
        (r#"{"taskId":"task-b"}"#.to_owned(), "task-b"),
        (
            format!(r#"{{"encrypted_task_id":"{sealed}"}}"#),
            "task-sealed-1",
        ),
        (
            format!(r#"{{"encryptedTaskId":"{sealed}"}}"#),
            "task-sealed-1",
        ),
        // Plain ids win over encrypted ones; snake_case over camelCase; unknown fields ignored.
        (
            format!(r#"{{"encrypted_task_id":"{sealed}","taskId":"plain","extra":1}}"#),
            "plain",
        ),
        (
            r#"{"taskId":"camel","task_id":"snake"}"#.to_owned(),
            "snake",
        ),
        (
            format!(r#"{{"task_id":"","encryptedTaskId":"{sealed}"}}"#),
            "task-sealed-1",
        ),
    ];
    for (body, expected) in cases {
        let task = parse_task_registration_reply(body.as_bytes(), &identity, AgentTaskKind::Thread)
            .unwrap();
        assert_eq!(task.task_id().as_str(), expected, "{body}");
        assert_eq!(task.agent_runtime_id(), identity.runtime_id());
        assert_eq!(task.kind(), AgentTaskKind::Thread);
    }
}

#[test]
fn derived_sealed_box_key_matches_the_ed25519_public_key() {
    // libsodium's crypto_sign_ed25519_pk_to_curve25519 is the birational map to Montgomery
    // form; the secret-side derivation must land on the same point.
    for seed in [[0u8; 32], [7; 32], [0xff; 32]] {
        let key = AgentSigningKey::from_seed(&seed);
        assert_eq!(
            key.sealed_box_public_key().as_bytes(),
            &key.verifying_key().to_montgomery().to_bytes()
        );
    }
    let sealed = seal(&identity(), "tâche-ü".as_bytes(), 9);
    assert_eq!(
        decrypt_task_id(identity().key(), &sealed).unwrap().as_str(),
        "tâche-ü"
    );
}

#[test]
fn reply_errors_are_typed() {
    let identity = identity();
    let kind = AgentTaskKind::Background;
    let other = AgentIdentity::new("agent-123".into(), AgentSigningKey::from_seed(&[8; 32]));
    let sealed_for_other = seal(&other, b"task-x", 2);
    let not_utf8 = seal(&identity, &[0xff, 0xfe], 3);
    let empty = seal(&identity, b"", 4);
    let mut truncated = STANDARD.decode(seal(&identity, b"task-y", 5)).unwrap();
    truncated.truncate(20);
    let truncated = STANDARD.encode(truncated);
    let cases = [
        (
            "not json".to_owned(),
            AgentIdentityError::InvalidRegistrationReply,
        ),
        (
            "[]".to_owned(),
            AgentIdentityError::InvalidRegistrationReply,
        ),
        (
            r#"{"task_id":5}"#.to_owned(),
            AgentIdentityError::InvalidRegistrationReply,
        ),
        ("{}".to_owned(), AgentIdentityError::MissingTaskId),
        (
            r#"{"task_id":null}"#.to_owned(),
            AgentIdentityError::MissingTaskId,
        ),
        (
            r#"{"task_id":""}"#.to_owned(),
            AgentIdentityError::MissingTaskId,
        ),
        (
            r#"{"encrypted_task_id":"%%%"}"#.to_owned(),
            AgentIdentityError::InvalidEncryptedTaskId,
        ),
        (
            format!(r#"{{"encrypted_task_id":"{sealed_for_other}"}}"#),
            AgentIdentityError::TaskIdDecryptionFailed,
        ),
        (
            format!(r#"{{"encryptedTaskId":"{truncated}"}}"#),
            AgentIdentityError::TaskIdDecryptionFailed,
        ),
        (
            format!(r#"{{"encryptedTaskId":"{not_utf8}"}}"#),
            AgentIdentityError::TaskIdNotUtf8,
        ),
        (
            format!(r#"{{"encryptedTaskId":"{empty}"}}"#),
            AgentIdentityError::MissingTaskId,
        ),
    ];
    for (body, expected) in cases {
        assert_eq!(
            parse_task_registration_reply(body.as_bytes(), &identity, kind).unwrap_err(),
            expected,
            "{body}"
        );
    }
}
