//! One classification of transport failures for every runtime, so that the same failure gets
//! the same [`TransportErrorKind`] whatever the HTTP stack.

use std::error::Error as StdError;
use std::fmt;
use std::io;

use codex_api_core::client_config::ProxyError;
use codex_api_core::retry::TransportErrorKind;

/// A host name that did not resolve. Runtimes wrap their resolver's error in it, so that a DNS
/// failure is [`TransportErrorKind::Dns`] on every runtime.
#[derive(Debug)]
pub struct DnsError {
    host: String,
    source: io::Error,
}

impl DnsError {
    /// `host` did not resolve, for this reason.
    pub fn new(host: impl Into<String>, source: io::Error) -> Self {
        DnsError {
            host: host.into(),
            source,
        }
    }

    /// The host name.
    pub fn host(&self) -> &str {
        &self.host
    }
}

impl fmt::Display for DnsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "could not resolve {}", self.host)
    }
}

impl StdError for DnsError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&self.source)
    }
}

/// Classifies a failure by its error chain: a [`DnsError`] is `dns`, a rustls error `tls`, a
/// [`ProxyError`] `connect`; else the first I/O kind that says something (see
/// [`TransportErrorKind::from_io`]) or hyper predicate (feature `hyper`); else `connect` when
/// the failure happened while connecting, `other` otherwise.
pub fn classify(error: &(dyn StdError + 'static), connecting: bool) -> TransportErrorKind {
    let mut next = Some(error);
    let mut kind = None;
    while let Some(error) = next {
        if error.is::<DnsError>() {
            return TransportErrorKind::Dns;
        }
        if error.is::<rustls::Error>() {
            return TransportErrorKind::Tls;
        }
        if error.is::<ProxyError>() {
            return TransportErrorKind::Connect;
        }
        if let Some(io) = error.downcast_ref::<io::Error>() {
            kind = kind.or(TransportErrorKind::from_io(io.kind()));
        }
        #[cfg(feature = "hyper")]
        if let Some(hyper) = error.downcast_ref::<hyper::Error>() {
            if hyper.is_incomplete_message() || hyper.is_closed() || hyper.is_canceled() {
                kind = kind.or(Some(TransportErrorKind::Reset));
            }
            if hyper.is_timeout() {
                kind = kind.or(Some(TransportErrorKind::Timeout));
            }
        }
        // An io::Error's `source()` skips the error it wraps: step into that one instead.
        next = match error.downcast_ref::<io::Error>() {
            Some(io) => io.get_ref().map(|inner| inner as &(dyn StdError + 'static)),
            None => error.source(),
        };
    }
    match kind {
        Some(kind) => kind,
        None if connecting => TransportErrorKind::Connect,
        None => TransportErrorKind::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chain_decides_the_kind() {
        let dns = DnsError::new("nowhere.invalid", io::Error::other("no such host"));
        assert_eq!(classify(&dns, true), TransportErrorKind::Dns);
        let refused = io::Error::from(io::ErrorKind::ConnectionRefused);
        assert_eq!(classify(&refused, false), TransportErrorKind::Connect);
        let tls = io::Error::new(
            io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
        );
        assert_eq!(classify(&tls, true), TransportErrorKind::Tls);
        let proxy = ProxyError::Closed {
            proxy: "127.0.0.1:1".into(),
        };
        assert_eq!(classify(&proxy, false), TransportErrorKind::Connect);
        let unknown = io::Error::other("odd");
        assert_eq!(classify(&unknown, true), TransportErrorKind::Connect);
        assert_eq!(classify(&unknown, false), TransportErrorKind::Other);
        let eof = io::Error::from(io::ErrorKind::UnexpectedEof);
        assert_eq!(classify(&eof, true), TransportErrorKind::Reset);
    }
}
