//! The TLS mode's identity: a PEM certificate chain and private key for
//! [`TestServer::start_tls`](crate::TestServer::start_tls), and a bundled test identity whose
//! CA clients can trust.
//!
//! The bundled files are in the crate's `fixtures/`: a throwaway self-signed CA
//! (`codex-api test CA`) and a certificate it signed for `localhost` and `127.0.0.1`, both valid
//! until 2126, and, for mutual TLS, a second throwaway CA (`codex-api testkit client CA`) with a
//! client certificate it signed. They are public test material: never trust these CAs outside
//! tests.

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

const LOCALHOST_CA_PEM: &str = include_str!("../fixtures/ca.pem");
const LOCALHOST_CERT_PEM: &str = include_str!("../fixtures/server.pem");
const LOCALHOST_KEY_PEM: &str = include_str!("../fixtures/server.key");
const CLIENT_CA_PEM: &str = include_str!("../fixtures/client-ca.pem");
const CLIENT_CERT_PEM: &str = include_str!("../fixtures/client.pem");
const CLIENT_KEY_PEM: &str = include_str!("../fixtures/client.key");

/// A server identity: a PEM certificate chain (leaf first) and its PEM private key, plus the
/// PEM of the CA that issued it when known.
#[derive(Clone)]
pub struct TestIdentity {
    certificate_chain_pem: String,
    private_key_pem: String,
    ca_pem: Option<String>,
    client_ca_pem: Option<String>,
}

impl fmt::Debug for TestIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The key stays out of Debug output even though it is test material.
        f.debug_struct("TestIdentity")
            .field("certificate_chain_pem", &self.certificate_chain_pem)
            .field("private_key_pem", &"<redacted>")
            .field("ca_pem", &self.ca_pem.is_some())
            .field("client_ca_pem", &self.client_ca_pem.is_some())
            .finish()
    }
}

impl TestIdentity {
    /// The bundled identity: a certificate for `localhost` and `127.0.0.1`, issued by the
    /// bundled test CA ([`ca_pem`](Self::ca_pem), [`localhost_ca_path`](Self::localhost_ca_path)).
    pub fn localhost() -> TestIdentity {
        TestIdentity {
            certificate_chain_pem: LOCALHOST_CERT_PEM.to_owned(),
            private_key_pem: LOCALHOST_KEY_PEM.to_owned(),
            ca_pem: Some(LOCALHOST_CA_PEM.to_owned()),
            client_ca_pem: None,
        }
    }

    /// An identity of your own: a PEM certificate chain (leaf first) and a PEM private key
    /// (PKCS#8, PKCS#1 or SEC1). Checked when the server starts.
    pub fn from_pem(
        certificate_chain_pem: impl Into<String>,
        private_key_pem: impl Into<String>,
    ) -> TestIdentity {
        TestIdentity {
            certificate_chain_pem: certificate_chain_pem.into(),
            private_key_pem: private_key_pem.into(),
            ca_pem: None,
            client_ca_pem: None,
        }
    }

    /// Requires every client to present a certificate issued by the CA of `client_ca_pem`
    /// (mutual TLS); a client without one fails the handshake.
    pub fn require_client_certificate(mut self, client_ca_pem: impl Into<String>) -> TestIdentity {
        self.client_ca_pem = Some(client_ca_pem.into());
        self
    }

    /// The bundled client identity for mutual TLS tests: a certificate chain (PEM) and its
    /// private key (PEM), issued by [`test_client_ca_pem`](Self::test_client_ca_pem). Public
    /// test material, like the server identity.
    pub fn test_client_certificate() -> (&'static str, &'static str) {
        (CLIENT_CERT_PEM, CLIENT_KEY_PEM)
    }

    /// The PEM of the CA that issued [`test_client_certificate`](Self::test_client_certificate).
    pub fn test_client_ca_pem() -> &'static str {
        CLIENT_CA_PEM
    }

    /// Records the PEM of the CA that issued the chain, for [`ca_pem`](Self::ca_pem).
    pub fn with_ca_pem(mut self, ca_pem: impl Into<String>) -> TestIdentity {
        self.ca_pem = Some(ca_pem.into());
        self
    }

    /// The PEM of the issuing CA, for clients to trust (`None` when not known).
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// The path of a file holding the bundled test CA's PEM (the issuer of
    /// [`localhost`](Self::localhost)), for clients configured with a CA bundle file. The file
    /// is written to the temporary directory on first use (its name carries the process id),
    /// so it does not depend on where the crate's source lies; prefer
    /// [`ca_pem`](Self::ca_pem) where PEM bytes will do.
    pub fn localhost_ca_path() -> PathBuf {
        static PATH: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
        PATH.get_or_init(|| {
            let path = std::env::temp_dir()
                .join(format!("codex-api-testkit-ca-{}.pem", std::process::id()));
            match std::fs::write(&path, LOCALHOST_CA_PEM) {
                Ok(()) => path,
                // An unwritable temporary directory: the copy in the crate's source, if present.
                Err(_) => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/ca.pem"),
            }
        })
        .clone()
    }

    /// The PEM certificate chain.
    pub fn certificate_chain_pem(&self) -> &str {
        &self.certificate_chain_pem
    }

    /// A rustls client configuration (ring provider) that trusts only the issuing CA.
    ///
    /// Fails with [`io::ErrorKind::InvalidInput`] when the CA is unknown or not a usable
    /// certificate.
    pub fn client_config(&self) -> io::Result<Arc<rustls::ClientConfig>> {
        let ca_pem = self.ca_pem.as_deref().ok_or_else(|| {
            invalid("the identity has no CA PEM; add one with TestIdentity::with_ca_pem")
        })?;
        let mut roots = rustls::RootCertStore::empty();
        for certificate in certificates(ca_pem, "CA")? {
            roots
                .add(certificate)
                .map_err(|error| invalid(&format!("the CA certificate is unusable: {error}")))?;
        }
        let config = rustls::ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(io::Error::other)?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(Arc::new(config))
    }

    /// The rustls server configuration the TLS mode uses (ring provider, ALPN `http/1.1`); a
    /// copy can serve the identity from a server of your own (for example with other ALPN
    /// protocols).
    ///
    /// Fails with [`io::ErrorKind::InvalidInput`] when the chain or the key is unusable.
    pub fn server_config(&self) -> io::Result<Arc<rustls::ServerConfig>> {
        let chain = certificates(&self.certificate_chain_pem, "certificate chain")?;
        let key = PrivateKeyDer::from_pem_slice(self.private_key_pem.as_bytes())
            .map_err(|_| invalid("the private key PEM holds no usable private key"))?;
        let builder = rustls::ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(io::Error::other)?;
        let builder = match &self.client_ca_pem {
            None => builder.with_no_client_auth(),
            Some(client_ca_pem) => {
                let mut roots = rustls::RootCertStore::empty();
                for certificate in certificates(client_ca_pem, "client CA")? {
                    roots.add(certificate).map_err(|error| {
                        invalid(&format!("the client CA certificate is unusable: {error}"))
                    })?;
                }
                let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                    Arc::new(roots),
                    provider(),
                )
                .build()
                .map_err(|error| invalid(&format!("the client verifier: {error}")))?;
                builder.with_client_cert_verifier(verifier)
            }
        };
        let mut config = builder
            .with_single_cert(chain, key)
            .map_err(|error| invalid(&format!("the certificate or key is unusable: {error}")))?;
        // The server speaks HTTP/1.1 only; say so, so that clients offering h2 do not pick it.
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Every certificate of a PEM text; at least one.
fn certificates(pem: &str, what: &str) -> io::Result<Vec<CertificateDer<'static>>> {
    let certificates = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| invalid(&format!("the {what} PEM is malformed: {error}")))?;
    if certificates.is_empty() {
        return Err(invalid(&format!("the {what} PEM holds no certificate")));
    }
    Ok(certificates)
}

fn invalid(message: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("codex-api-testkit: {message}"),
    )
}
