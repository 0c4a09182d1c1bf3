//! TLS settings every runtime shares: the Mozilla roots plus the certificates of a PEM file, of
//! PEM bundles given as bytes and (when asked) of the system store, and a client certificate,
//! as a rustls configuration (ring).

use std::path::Path;
use std::sync::Arc;

use codex_api_core::client_config::{ClientConfig, ConfigError};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// The certificates of the PEM file at `path`, each checked to be a usable trust anchor, so
/// that a missing, empty or unusable file fails when the client is built, not at connect.
pub fn ca_bundle(path: &Path) -> Result<Vec<CertificateDer<'static>>, ConfigError> {
    let source = path.display().to_string();
    match CertificateDer::pem_file_iter(path) {
        Ok(certificates) => anchors(certificates, source, "the file"),
        Err(error) => Err(ConfigError::CaBundle {
            path: source,
            reason: error.to_string(),
        }),
    }
}

/// The certificates of a PEM bundle read from `source`, each checked to be a usable trust
/// anchor; at least one.
fn anchors<E: ToString>(
    certificates: impl Iterator<Item = Result<CertificateDer<'static>, E>>,
    source: String,
    container: &str,
) -> Result<Vec<CertificateDer<'static>>, ConfigError> {
    let bundle_error = |reason: String| ConfigError::CaBundle {
        path: source.clone(),
        reason,
    };
    let mut store = rustls::RootCertStore::empty();
    let mut found = Vec::new();
    for certificate in certificates {
        let certificate = certificate.map_err(|e| bundle_error(e.to_string()))?;
        store
            .add(certificate.clone())
            .map_err(|e| bundle_error(e.to_string()))?;
        found.push(certificate);
    }
    if found.is_empty() {
        return Err(bundle_error(format!("no certificate in {container}")));
    }
    Ok(found)
}

/// The certificates trusted in addition to the Mozilla roots: those of the PEM file
/// ([`ClientConfig::ca_bundle`]), of the PEM bundles given as bytes
/// ([`ClientConfig::ca_pems`]) and, when asked ([`ClientConfig::system_roots`]), of the
/// operating system's store. Each is checked to be a usable trust anchor, so that a bad bundle
/// fails when the client is built.
pub fn extra_roots(config: &ClientConfig) -> Result<Vec<CertificateDer<'static>>, ConfigError> {
    let mut roots = match config.ca_bundle.as_deref() {
        Some(path) => ca_bundle(path)?,
        None => Vec::new(),
    };
    for (index, pem) in config.ca_pems.iter().enumerate() {
        roots.extend(ca_pem(pem, index)?);
    }
    if config.system_roots {
        let found = rustls_native_certs::load_native_certs();
        if found.certs.is_empty() && !found.errors.is_empty() {
            let reasons: Vec<String> = found.errors.iter().map(ToString::to_string).collect();
            return Err(ConfigError::Tls(format!(
                "the system trust store could not be read: {}",
                reasons.join("; ")
            )));
        }
        // A system store may hold certificates rustls cannot use as anchors; skip those.
        let mut anchors = rustls::RootCertStore::empty();
        for certificate in found.certs {
            if anchors.add(certificate.clone()).is_ok() {
                roots.push(certificate);
            }
        }
    }
    Ok(roots)
}

/// The certificates of the PEM bundle `pem` (the `index`-th given as bytes).
fn ca_pem(pem: &[u8], index: usize) -> Result<Vec<CertificateDer<'static>>, ConfigError> {
    let certificates =
        CertificateDer::pem_slice_iter(pem).map(|c| c.map(CertificateDer::into_owned));
    anchors(certificates, format!("(PEM bytes #{index})"), "the bundle")
}

/// The client certificate chain and key of [`ClientConfig::client_certificate`], parsed.
pub fn client_identity(
    config: &ClientConfig,
) -> Result<Option<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)>, ConfigError> {
    let Some(identity) = &config.client_certificate else {
        return Ok(None);
    };
    let chain = CertificateDer::pem_slice_iter(&identity.chain_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ConfigError::Tls(format!("client certificate: {e}")))?;
    if chain.is_empty() {
        return Err(ConfigError::Tls(
            "client certificate: no certificate in the chain".into(),
        ));
    }
    // The key's text is a secret: its parse error names the problem, never the key.
    let key =
        PrivateKeyDer::from_pem_slice(identity.key_pem.expose().as_bytes()).map_err(|_| {
            ConfigError::Tls("client certificate: the private key does not parse".into())
        })?;
    Ok(Some((chain, key)))
}

/// The rustls configuration: the user's own ([`ClientConfig::tls_config`]), else the Mozilla
/// roots (webpki-roots) plus [`extra_roots`] and the client certificate if any; offering the
/// ALPN protocols `alpn` (empty: none).
pub fn client_config(
    config: &ClientConfig,
    alpn: &[&[u8]],
) -> Result<rustls::ClientConfig, ConfigError> {
    if let Some(given) = &config.tls_config {
        let given = given
            .downcast_ref::<rustls::ClientConfig>()
            .ok_or_else(|| {
                ConfigError::Tls(
                    "tls_config: expected an Arc<rustls::ClientConfig> (rustls 0.23)".into(),
                )
            })?;
        let mut tls = given.clone();
        tls.alpn_protocols = alpn.iter().map(|protocol| protocol.to_vec()).collect();
        return Ok(tls);
    }
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    for certificate in extra_roots(config)? {
        roots
            .add(certificate)
            .map_err(|e| ConfigError::Tls(e.to_string()))?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ConfigError::Tls(e.to_string()))?
        .with_root_certificates(roots);
    let mut tls = match client_identity(config)? {
        Some((chain, key)) => builder
            .with_client_auth_cert(chain, key)
            .map_err(|e| ConfigError::Tls(format!("client certificate: {e}")))?,
        None => builder.with_no_client_auth(),
    };
    tls.alpn_protocols = alpn.iter().map(|protocol| protocol.to_vec()).collect();
    Ok(tls)
}

/// The name TLS verifies for `host` (a DNS name or an IP address); an unusable one is a `tls`
/// failure.
pub fn server_name(
    host: &str,
) -> Result<rustls::pki_types::ServerName<'static>, crate::TransportFailure> {
    rustls::pki_types::ServerName::try_from(host.to_owned()).map_err(crate::TransportFailure::tls)
}
