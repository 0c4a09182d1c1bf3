//! Fuzz target: Agent Identity assertions, keys, timestamps and registration replies.
//!
//! Checked:
//! - no panic on malformed private keys (base64 and DER), public keys, tokens, timestamps,
//!   registration base URLs and registration replies;
//! - build/verify round trip: an assertion built with arbitrary ids and an arbitrary timestamp
//!   verifies with the signer's public key and gives back exactly those claims; it does not
//!   verify with another key; flipping any one bit of the token (a sample of positions per
//!   input) makes verification fail — unless the flip only changes the case of a `\u00XX`
//!   escape's hex digit, which decodes to the same claims (then the claims must be identical);
//! - timestamps: `from_unix_seconds` / `parse` / `as_str` round-trip;
//! - keys: PKCS#8 base64 export and import round-trip; Debug never shows the private key;
//! - registration: a reply carrying a task id (plain, camelCase, or sealed to the agent's key)
//!   parses to that task id; errors never show the task id or key.
#![no_main]

use codex_api_core::agent_identity::{
    AgentIdentity, AgentIdentityError, AgentRuntimeId, AgentSigningKey, AgentTaskExternalRef,
    AgentTaskId, AgentTaskKind, Rfc3339Timestamp, build_agent_assertion,
    build_task_registration_request, parse_task_registration_reply, verify_agent_assertion,
    verifying_key_from_bytes,
};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;

#[derive(Debug, Arbitrary)]
enum Reply {
    Raw(Vec<u8>),
    Plain {
        camel: bool,
        task_id: String,
    },
    Sealed {
        camel: bool,
        task_id: String,
        rng_seed: u64,
        corrupt: Option<u16>,
    },
}

#[derive(Debug, Arbitrary)]
struct Input {
    seed: [u8; 32],
    other_seed: [u8; 32],
    runtime_id: String,
    task_id: String,
    unix_seconds: u64,
    flips: Vec<u16>,
    token: String,
    timestamp_text: String,
    private_key_base64: String,
    private_key_der: Vec<u8>,
    public_key: [u8; 32],
    auth_base_url: String,
    external_ref: Option<String>,
    reply: Reply,
}

/// Whether a successful verification of a flipped token is explained by a JSON escape whose
/// hex digit changed case (`\u001f` vs `\u001F`): the claims must then be the originals.
fn escape_case_flip(original: &[u8], flipped: &[u8]) -> bool {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let (Ok(a), Ok(b)) = (
        URL_SAFE_NO_PAD.decode(original),
        URL_SAFE_NO_PAD.decode(flipped),
    ) else {
        return false;
    };
    a.len() == b.len()
        && a.iter()
            .zip(&b)
            .all(|(x, y)| x == y || x.eq_ignore_ascii_case(y) && x.is_ascii_hexdigit())
}

fn check_error_is_clean(error: &AgentIdentityError, secrets: &[&str]) {
    let shown = format!("{error} {error:?}");
    for secret in secrets.iter().filter(|secret| secret.len() >= 12) {
        assert!(!shown.contains(secret), "error shows a secret: {shown}");
    }
}

fuzz_target!(|input: Input| {
    let key = AgentSigningKey::from_seed(&input.seed);
    let debug = format!("{key:?}");
    let exported = key.to_pkcs8_base64().unwrap();
    assert!(!debug.contains(exported.expose()));
    let imported = AgentSigningKey::from_pkcs8_base64(exported.expose()).unwrap();
    assert_eq!(imported.verifying_key(), key.verifying_key());

    // Timestamps.
    let timestamp = match Rfc3339Timestamp::from_unix_seconds(input.unix_seconds) {
        Ok(timestamp) => {
            assert_eq!(timestamp.unix_seconds(), input.unix_seconds);
            let parsed = Rfc3339Timestamp::parse(timestamp.as_str()).unwrap();
            assert_eq!(parsed, timestamp);
            timestamp
        }
        Err(error) => {
            assert_eq!(error, AgentIdentityError::TimestampOutOfRange);
            Rfc3339Timestamp::from_unix_seconds(input.unix_seconds % 253_402_300_800).unwrap()
        }
    };
    if let Ok(parsed) = Rfc3339Timestamp::parse(&input.timestamp_text) {
        let again = Rfc3339Timestamp::from_unix_seconds(parsed.unix_seconds()).unwrap();
        assert_eq!(again.unix_seconds(), parsed.unix_seconds());
        let _ = parsed.to_system_time();
    }

    // Build and verify.
    let runtime_id = AgentRuntimeId::new(input.runtime_id.as_str());
    let task_id = AgentTaskId::new(input.task_id.as_str());
    let token = build_agent_assertion(&key, &runtime_id, &task_id, &timestamp).unwrap();
    let token_text = token.expose().to_owned();
    assert!(!format!("{token:?}").contains(&token_text) || token_text.len() < 8);
    let verified = verify_agent_assertion(&token_text, &key.verifying_key()).unwrap();
    assert_eq!(verified.agent_runtime_id, runtime_id);
    assert_eq!(verified.task_id, task_id);
    assert_eq!(verified.timestamp, timestamp);
    let prefixed = format!("AgentAssertion {token_text}");
    assert_eq!(
        verify_agent_assertion(&prefixed, &key.verifying_key()).unwrap(),
        verified
    );
    let other = AgentSigningKey::from_seed(&input.other_seed);
    if other.verifying_key() != key.verifying_key() {
        assert_eq!(
            verify_agent_assertion(&token_text, &other.verifying_key()),
            Err(AgentIdentityError::SignatureMismatch)
        );
    }

    // Bit flips: the input's positions plus an even spread.
    let bits = token_text.len() * 8;
    let spread = (0..16).map(|i| i * bits / 16);
    let chosen = input
        .flips
        .iter()
        .take(16)
        .map(|flip| usize::from(*flip) % bits);
    for bit in chosen.chain(spread) {
        let mut bytes = token_text.clone().into_bytes();
        bytes[bit / 8] ^= 1 << (bit % 8);
        let Ok(flipped) = String::from_utf8(bytes) else {
            continue;
        };
        match verify_agent_assertion(&flipped, &key.verifying_key()) {
            Ok(claims) => {
                assert!(
                    escape_case_flip(token_text.as_bytes(), flipped.as_bytes()),
                    "bit {bit} flipped and the token still verifies: {flipped}"
                );
                assert_eq!(claims, verified);
            }
            Err(error) => check_error_is_clean(&error, &[&input.task_id]),
        }
    }

    // Malformed inputs: no panic, clean errors.
    if let Err(error) = verify_agent_assertion(&input.token, &key.verifying_key()) {
        check_error_is_clean(&error, &[&input.task_id]);
    }
    if let Ok(public_key) = verifying_key_from_bytes(&input.public_key) {
        let _ = verify_agent_assertion(&token_text, &public_key);
        let _ = verify_agent_assertion(&input.token, &public_key);
    }
    match AgentSigningKey::from_pkcs8_base64(&input.private_key_base64) {
        Ok(loaded) => {
            let _ = loaded.to_pkcs8_base64().unwrap();
        }
        Err(error) => check_error_is_clean(&error, &[&input.private_key_base64]),
    }
    if let Err(error) = AgentSigningKey::from_pkcs8_der(&input.private_key_der) {
        let _ = error.to_string();
    }

    // Registration.
    let identity = AgentIdentity::new(runtime_id.clone(), key);
    let external_ref = input.external_ref.as_deref().map(AgentTaskExternalRef::new);
    match build_task_registration_request(
        &input.auth_base_url,
        &identity,
        &timestamp,
        external_ref.as_ref(),
    ) {
        Ok(request) => {
            assert!(request.uri().scheme().is_some() && request.uri().authority().is_some());
            assert!(request.headers().get("authorization").is_none());
        }
        Err(error) => assert_eq!(error, AgentIdentityError::InvalidAuthBaseUrl),
    }
    let (body, expected) = match &input.reply {
        Reply::Raw(bytes) => (bytes.clone(), None),
        Reply::Plain { camel, task_id } => {
            let field = if *camel { "taskId" } else { "task_id" };
            let body = serde_json::json!({ field: task_id })
                .to_string()
                .into_bytes();
            (body, (!task_id.is_empty()).then(|| task_id.clone()))
        }
        Reply::Sealed {
            camel,
            task_id,
            rng_seed,
            corrupt,
        } => {
            use base64::Engine as _;
            let mut rng = ChaCha20Rng::seed_from_u64(*rng_seed);
            let mut sealed = identity
                .key()
                .sealed_box_public_key()
                .seal(&mut rng, task_id.as_bytes())
                .unwrap();
            if let Some(at) = corrupt {
                let at = usize::from(*at) % sealed.len();
                sealed[at] ^= 1;
            }
            let encoded = base64::engine::general_purpose::STANDARD.encode(&sealed);
            let field = if *camel {
                "encryptedTaskId"
            } else {
                "encrypted_task_id"
            };
            let body = serde_json::json!({ field: encoded })
                .to_string()
                .into_bytes();
            let expected = (corrupt.is_none() && !task_id.is_empty()).then(|| task_id.clone());
            (body, expected)
        }
    };
    match parse_task_registration_reply(&body, &identity, AgentTaskKind::Thread) {
        Ok(task) => {
            assert_eq!(task.agent_runtime_id(), &runtime_id);
            if let Some(expected) = &expected {
                assert_eq!(task.task_id().as_str(), expected);
            }
            if let Reply::Sealed {
                corrupt: Some(_), ..
            } = &input.reply
            {
                panic!("a corrupted sealed task id was accepted");
            }
        }
        Err(error) => {
            assert!(expected.is_none(), "valid reply rejected: {error}");
            let secret = match &input.reply {
                Reply::Plain { task_id, .. } | Reply::Sealed { task_id, .. } => task_id.as_str(),
                Reply::Raw(_) => "",
            };
            check_error_is_clean(&error, &[secret]);
        }
    }
});
