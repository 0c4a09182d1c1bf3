//! What a runtime supplies: send a request and hand back its head and body, read body chunks,
//! and timers. Everything else (the endpoints, the call loop, auth, the event stream, tracing)
//! is written once over this trait.

use std::future::Future;
use std::io;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use codex_api_core::call::BoxError;
use codex_api_core::client_config::{ClientConfig, ConfigError};
use codex_api_core::retry::TransportErrorKind;

use crate::classify::classify;

/// One runtime's transport: an HTTP stack, its connection pool and its timers.
///
/// Implemented once per runtime (`codex-api-tokio`, `codex-api-async-std`,
/// `codex-api-blocking`); [`Client`](crate::Client) and
/// [`blocking::Client`](crate::blocking::Client) do the rest. A blocking runtime returns
/// futures that finish on their first poll (the IO happens inside it) and enforces the core's
/// deadlines with its own timers ([`SendLimits`], [`TransportFailure::expired`]).
pub trait Runtime: Sized + Send + Sync + 'static {
    /// The runtime's name in [`ConfigError::Unsupported`] and logs (`"tokio"`, ...).
    const NAME: &'static str;
    /// A response body being read (it owns its connection until released or dropped).
    type Body: ResponseBody;
    /// A timer for the core's deadlines.
    type Timer: Timer;

    /// Sets up the transport from the runtime-neutral settings: TLS roots, proxies, connect
    /// timeout, pool. Must not need a running executor.
    fn from_config(config: &ClientConfig) -> Result<Self, ConfigError>;

    /// Sends one request (head and body) and returns the response head with its open body.
    /// `limits` carries the core's deadlines for a runtime whose stack fixes its timers when a
    /// request is sent; an async runtime may ignore them (the client races its [`Timer`]).
    fn send(
        &self,
        request: http::Request<Bytes>,
        limits: SendLimits,
    ) -> impl Future<Output = Result<(http::response::Parts, Self::Body), TransportFailure>> + Send;

    /// A timer that fires at `deadline`.
    fn timer(deadline: Instant) -> Self::Timer;

    /// The runtime's raw byte streams, type-erased, for the WebSocket transport: `Some(self)`
    /// for a runtime that is also [`Connect`] (every runtime of this project). The default,
    /// `None`, leaves the client HTTP-only.
    fn dialer(&self) -> Option<&dyn Dialer> {
        None
    }
}

/// A boxed future of a [`Dialer`].
pub type DialFuture<'a> = std::pin::Pin<
    Box<dyn Future<Output = Result<Box<dyn ByteStream>, TransportFailure>> + Send + 'a>,
>;

/// Opens raw byte streams, type-erased: what the WebSocket transport runs over. Every
/// [`Connect`] runtime is one.
pub trait Dialer: Send + Sync {
    /// A byte stream to `target` (see [`Connect::connect`]).
    fn dial(&self, target: ConnectTarget) -> DialFuture<'_>;
}

impl<R: Connect> Dialer for R {
    fn dial(&self, target: ConnectTarget) -> DialFuture<'_> {
        Box::pin(async move {
            let stream = self.connect(target).await?;
            Ok(Box::new(stream) as Box<dyn ByteStream>)
        })
    }
}

impl ByteStream for Box<dyn ByteStream> {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        (**self).poll_read(cx, buf)
    }
    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        (**self).poll_write(cx, buf)
    }
    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        (**self).poll_flush(cx)
    }
    fn poll_close(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        (**self).poll_close(cx)
    }
    fn set_read_timeout(&mut self, timeout: Option<Duration>) {
        (**self).set_read_timeout(timeout);
    }
}

/// A runtime that also opens raw byte streams (what the WebSocket transport runs over); every
/// runtime of this project is one.
pub trait Connect: Runtime {
    /// A raw byte stream to an origin.
    type Stream: ByteStream + 'static;

    /// A raw byte stream to `target` (see [`ConnectTarget`]): TCP, a `CONNECT` tunnel when the
    /// core's proxy rules pick a proxy for it (every target is tunnelled, `ws://` too), then TLS
    /// for `wss`/`https` (ALPN `http/1.1`). The client bounds it with the connect timeout.
    fn connect(
        &self,
        target: ConnectTarget,
    ) -> impl Future<Output = Result<Self::Stream, TransportFailure>> + Send;
}

/// A bidirectional byte stream (TCP or TLS over it), polled like futures-io's traits.
pub trait ByteStream: Send + Unpin {
    /// Reads into `buf`; `Ok(0)` at the end of the stream.
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>>;
    /// Writes from `buf`, returning how much was written.
    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>>;
    /// Flushes buffered bytes.
    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;
    /// Flushes and shuts the writing half down (TLS: sends `close_notify`).
    fn poll_close(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;

    /// Bounds each read of a *blocking* stream (whose reads cannot be raced against a timer):
    /// a read that waits longer fails with [`io::ErrorKind::TimedOut`] or
    /// [`io::ErrorKind::WouldBlock`]. Async streams ignore it (the default): their callers
    /// race a timer.
    fn set_read_timeout(&mut self, _timeout: Option<Duration>) {}
}

/// Where [`Connect::connect`] goes: host, port, and whether TLS runs over the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectTarget {
    /// The host name or IP address (an IPv6 address without brackets).
    pub host: String,
    /// The port.
    pub port: u16,
    /// TLS (`wss`, `https`).
    pub tls: bool,
}

impl TransportFailure {
    /// A failed TLS handshake: classified by its chain, `tls` when nothing more precise.
    pub fn tls(error: impl Into<BoxError>) -> Self {
        match TransportFailure::classify(error, false) {
            failure if failure.kind == TransportErrorKind::Other => TransportFailure {
                kind: TransportErrorKind::Tls,
                ..failure
            },
            failure => failure,
        }
    }
}

impl ConnectTarget {
    /// The target of a `ws://`, `wss://`, `http://` or `https://` URI (the scheme's port by
    /// default).
    pub fn from_uri(uri: &http::Uri) -> Result<ConnectTarget, TransportFailure> {
        let invalid = || {
            TransportFailure::new(
                TransportErrorKind::Other,
                "the URI is not an absolute ws, wss, http or https URI",
            )
        };
        let tls = match uri.scheme_str() {
            Some("wss" | "https") => true,
            Some("ws" | "http") => false,
            _ => return Err(invalid()),
        };
        let host = uri.host().ok_or_else(invalid)?;
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let port = uri.port_u16().unwrap_or(if tls { 443 } else { 80 });
        Ok(ConnectTarget { host, port, tls })
    }

    /// The scheme whose proxy applies (`https` for a TLS target, `http` otherwise).
    pub fn proxy_scheme(&self) -> &'static str {
        if self.tls { "https" } else { "http" }
    }
}

/// A response body: data chunks, then its end.
pub trait ResponseBody: Send + Unpin + 'static {
    /// The next data chunk, `None` at the end of the body.
    fn poll_chunk(&mut self, cx: &mut Context<'_>)
    -> Poll<Option<Result<Bytes, TransportFailure>>>;

    /// Called instead of dropping when the body was read to its end or the stream over it
    /// finished: a runtime with its own pool takes the connection back. The default drops it.
    fn release(self)
    where
        Self: Sized,
    {
    }
}

/// A timer of a runtime: a future that completes at its deadline, and can be moved.
pub trait Timer: Future<Output = ()> + Send + Unpin {
    /// Moves the deadline.
    fn reset(&mut self, deadline: Instant);
}

/// The core's deadlines for one request, for a runtime that sets its timers when it sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SendLimits {
    /// The core's response deadline (head, and a unary body).
    pub deadline: Option<Instant>,
    /// Whether the response is a stream (the deadline then covers the head only).
    pub streaming: bool,
    /// The stream idle timeout (streams only): the longest silence between reads.
    pub idle_timeout: Option<Duration>,
}

/// A failed send or read: the kind the core decides on and the stack's error.
#[derive(Debug)]
pub struct TransportFailure {
    kind: TransportErrorKind,
    error: BoxError,
    expired: bool,
}

impl TransportFailure {
    /// A failure of a known kind.
    pub fn new(kind: TransportErrorKind, error: impl Into<BoxError>) -> Self {
        TransportFailure {
            kind,
            error: error.into(),
            expired: false,
        }
    }

    /// A failure classified from its error chain (I/O kinds, rustls, DNS, proxy refusals and,
    /// with the `hyper` feature, hyper's own predicates); `connecting` makes an otherwise
    /// unknown failure a `connect` one.
    pub fn classify(error: impl Into<BoxError>, connecting: bool) -> Self {
        let error = error.into();
        let kind = classify(error.as_ref(), connecting);
        TransportFailure::new(kind, error)
    }

    /// The runtime's own timer that carries a core deadline (the [`SendLimits`]) expired: the
    /// core is told its deadline passed rather than of a transport failure.
    pub fn expired(error: impl Into<BoxError>) -> Self {
        TransportFailure {
            kind: TransportErrorKind::Timeout,
            error: error.into(),
            expired: true,
        }
    }

    /// The classification.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// Whether a runtime timer carrying a core deadline expired.
    pub fn is_expired(&self) -> bool {
        self.expired
    }

    /// The stack's error.
    pub fn into_error(self) -> BoxError {
        self.error
    }
}
