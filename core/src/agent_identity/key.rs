//! The agent's Ed25519 key: loaded from base64 PKCS#8 DER, never printed.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};

use super::AgentIdentityError;
use crate::secret::Secret;

/// An Agent Identity private key (Ed25519). `Debug` shows only the public key.
#[derive(Clone)]
pub struct AgentSigningKey(SigningKey);

impl AgentSigningKey {
    /// Loads a key from standard (padded) base64 of its PKCS#8 DER encoding, as Codex stores
    /// it. Surrounding whitespace is ignored.
    pub fn from_pkcs8_base64(pkcs8_base64: &str) -> Result<Self, AgentIdentityError> {
        let der = STANDARD
            .decode(pkcs8_base64.trim())
            .map_err(|_| AgentIdentityError::InvalidPrivateKeyBase64)?;
        Self::from_pkcs8_der(&der)
    }

    /// Loads a key from its PKCS#8 DER encoding.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, AgentIdentityError> {
        SigningKey::from_pkcs8_der(der)
            .map(AgentSigningKey)
            .map_err(|_| AgentIdentityError::InvalidPrivateKeyPkcs8)
    }

    /// A key from its 32-byte seed (the caller supplies the randomness).
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        AgentSigningKey(SigningKey::from_bytes(seed))
    }

    /// The standard base64 of the PKCS#8 DER encoding (the storage form).
    pub fn to_pkcs8_base64(&self) -> Result<Secret, AgentIdentityError> {
        let der = self
            .0
            .to_pkcs8_der()
            .map_err(|_| AgentIdentityError::InvalidPrivateKeyPkcs8)?;
        Ok(Secret::new(STANDARD.encode(der.as_bytes())))
    }

    /// The public key that verifies this key's signatures.
    pub fn verifying_key(&self) -> VerifyingKey {
        self.0.verifying_key()
    }

    /// Signs `message`; returns the standard padded base64 of the 64-byte signature.
    pub fn sign_base64(&self, message: &[u8]) -> String {
        STANDARD.encode(self.0.sign(message).to_bytes())
    }

    /// The X25519 secret key that opens sealed boxes addressed to this agent: the first half of
    /// SHA-512 of the Ed25519 seed, clamped.
    pub fn sealed_box_secret_key(&self) -> crypto_box::SecretKey {
        let mut scalar = self.0.to_scalar_bytes();
        if let Some(first) = scalar.first_mut() {
            *first &= 248;
        }
        if let Some(last) = scalar.last_mut() {
            *last &= 127;
            *last |= 64;
        }
        crypto_box::SecretKey::from(scalar)
    }

    /// The X25519 public key servers seal task ids to (matches
    /// [`AgentSigningKey::sealed_box_secret_key`]).
    pub fn sealed_box_public_key(&self) -> crypto_box::PublicKey {
        self.sealed_box_secret_key().public_key()
    }
}

impl fmt::Debug for AgentSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AgentSigningKey")
            .field("private_key", &"<redacted>")
            .field(
                "public_key",
                &STANDARD.encode(self.verifying_key().as_bytes()),
            )
            .finish()
    }
}

/// Decodes a verifying (public) key from its 32 raw bytes.
pub fn verifying_key_from_bytes(bytes: &[u8; 32]) -> Result<VerifyingKey, AgentIdentityError> {
    VerifyingKey::from_bytes(bytes).map_err(|_| AgentIdentityError::InvalidPublicKey)
}
