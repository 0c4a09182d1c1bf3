//! TLS settings every runtime shares: the Mozilla roots plus the certificates of an optional
//! PEM bundle, as a rustls configuration (ring).

use std::path::Path;
use std::sync::Arc;

use codex_api_core::client_config::ConfigError;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

/// The certificates of the PEM file at `path`, each checked to be a usable trust anchor, so
/// that a missing, empty or unusable file fails when the client is built, not at connect.
pub fn ca_bundle(path: &Path) -> Result<Vec<CertificateDer<'static>>, ConfigError> {
    let bundle_error = |reason: String| ConfigError::CaBundle {
        path: path.display().to_string(),
        reason,
    };
    let mut anchors = rustls::RootCertStore::empty();
    let mut certificates = Vec::new();
    for certificate in
        CertificateDer::pem_file_iter(path).map_err(|e| bundle_error(e.to_string()))?
    {
        let certificate = certificate.map_err(|e| bundle_error(e.to_string()))?;
        anchors
            .add(certificate.clone())
            .map_err(|e| bundle_error(e.to_string()))?;
        certificates.push(certificate);
    }
    if certificates.is_empty() {
        return Err(bundle_error("no certificate in the file".into()));
    }
    Ok(certificates)
}

/// The rustls configuration: the Mozilla roots (webpki-roots) plus the certificates of an
/// optional PEM bundle, offering the ALPN protocols `alpn` (empty: none).
pub fn client_config(
    ca_bundle_path: Option<&Path>,
    alpn: &[&[u8]],
) -> Result<rustls::ClientConfig, ConfigError> {
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    if let Some(path) = ca_bundle_path {
        for certificate in ca_bundle(path)? {
            roots
                .add(certificate)
                .map_err(|e| ConfigError::Tls(e.to_string()))?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ConfigError::Tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|protocol| protocol.to_vec()).collect();
    Ok(config)
}

/// The name TLS verifies for `host` (a DNS name or an IP address); an unusable one is a `tls`
/// failure.
pub fn server_name(
    host: &str,
) -> Result<rustls::pki_types::ServerName<'static>, crate::TransportFailure> {
    rustls::pki_types::ServerName::try_from(host.to_owned()).map_err(crate::TransportFailure::tls)
}
