//! What went wrong with one attempt, as far as the retry policy cares.

use http::StatusCode;

/// The kind of transport failure an adapter observed, independent of its HTTP stack.
///
/// Adapters map their stack's error onto one of these; the retry policy and the error layer
/// only ever see this enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The connection could not be established (refused, unreachable, a proxy refusing the
    /// tunnel).
    Connect,
    /// The host name could not be resolved (DNS). Retried like [`TransportErrorKind::Connect`]:
    /// resolvers fail transiently too.
    Dns,
    /// An established connection was reset or closed before the response was complete.
    Reset,
    /// A socket-level timeout (connect, read or write) expired.
    Timeout,
    /// The TLS handshake or TLS session failed (certificate, protocol). Not retried by default:
    /// certificate and protocol mismatches do not fix themselves.
    Tls,
    /// Any other transport failure.
    Other,
}

impl TransportErrorKind {
    /// A stable machine-readable name: `connect`, `dns`, `reset`, `timeout`, `tls` or `other`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Connect => "connect",
            Self::Dns => "dns",
            Self::Reset => "reset",
            Self::Timeout => "timeout",
            Self::Tls => "tls",
            Self::Other => "other",
        }
    }

    /// The classification of an operating-system I/O error kind, shared by every adapter:
    /// refused or unreachable → `Connect`, timed out → `Timeout`, reset, aborted, broken pipe or
    /// unexpected EOF → `Reset`; `None` for kinds that say nothing about the transport.
    ///
    /// ```
    /// use codex_api_core::retry::TransportErrorKind;
    /// use std::io::ErrorKind;
    ///
    /// assert_eq!(TransportErrorKind::from_io(ErrorKind::ConnectionReset), Some(TransportErrorKind::Reset));
    /// assert_eq!(TransportErrorKind::from_io(ErrorKind::InvalidData), None);
    /// ```
    pub fn from_io(kind: std::io::ErrorKind) -> Option<Self> {
        use std::io::ErrorKind;
        match kind {
            ErrorKind::ConnectionRefused
            | ErrorKind::AddrNotAvailable
            | ErrorKind::HostUnreachable
            | ErrorKind::NetworkUnreachable => Some(Self::Connect),
            ErrorKind::TimedOut | ErrorKind::WouldBlock => Some(Self::Timeout),
            ErrorKind::ConnectionReset
            | ErrorKind::ConnectionAborted
            | ErrorKind::BrokenPipe
            | ErrorKind::UnexpectedEof => Some(Self::Reset),
            _ => None,
        }
    }
}

impl std::fmt::Display for TransportErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The failure of one attempt, as input to [`RetryPolicy::decide`](super::RetryPolicy::decide).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Failure {
    /// The server answered with this (non-success) HTTP status.
    Status(StatusCode),
    /// The transport failed before a complete response head arrived.
    Transport(TransportErrorKind),
    /// A deadline kept by the core (request timeout, stream idle timeout) expired.
    Timeout,
}

impl From<TransportErrorKind> for Failure {
    fn from(kind: TransportErrorKind) -> Self {
        Self::Transport(kind)
    }
}

impl From<StatusCode> for Failure {
    fn from(status: StatusCode) -> Self {
        Self::Status(status)
    }
}
