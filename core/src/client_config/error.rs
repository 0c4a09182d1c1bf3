//! Why a client could not be configured.

/// Why a client could not be configured. No variant repeats a secret: neither the API key
/// nor a proxy URL (which may carry a password) is ever part of the message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// `OPENAI_API_KEY` is not set (or empty).
    #[error("OPENAI_API_KEY is not set")]
    MissingApiKey,
    /// The base URL is not an absolute http(s) URL.
    #[error("invalid base URL: {0}")]
    BaseUrl(String),
    /// The CA bundle could not be read or holds no usable certificate.
    #[error("CA bundle {path}: {reason}")]
    CaBundle {
        /// The file.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// The TLS configuration was rejected.
    #[error("TLS configuration: {0}")]
    Tls(String),
    /// The proxy URL could not be understood.
    #[error("invalid proxy URL")]
    Proxy,
    /// The adapter cannot honour a setting that was asked for.
    #[error("the {adapter} adapter does not support the `{setting}` setting")]
    Unsupported {
        /// The setting, named as its builder method (`proxy`, `ca_bundle`).
        setting: &'static str,
        /// The adapter ([`ClientAdapter::NAME`](super::ClientAdapter::NAME)).
        adapter: &'static str,
    },
}
