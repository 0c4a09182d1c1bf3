//! [`UreqRuntime`]: ureq 3 (HTTP/1.1, rustls, pooled connections) on the calling thread, as a
//! [`Runtime`] whose futures finish on their first poll.

use std::io::{self, ErrorKind, Read};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use codex_api_client::blocking::ThreadSleep;
use codex_api_client::{
    Connect, ConnectTarget, DnsError, ResponseBody, Runtime, SendLimits, TransportFailure, open,
};
use codex_api_core::client_config::{ClientConfig, ConfigError, ProxyRules};
use codex_api_core::retry::TransportErrorKind;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{ConnectProxyConnector, Connector, NextTimeout, TcpConnector};
use ureq::{Agent, AsSendBody, BodyReader};

use crate::dial::{StdDial, Stream, ready};
use crate::tls_connector::OwnTls;

/// The size of the buffer a response body is read into (reclaimed for every read once the
/// core has seen the previous chunk).
const READ_BUFFER: usize = 16 * 1024;

/// The blocking runtime: one ureq agent that never turns a status into an error and never
/// follows a redirect, so every response reaches the core and credentials never go to another
/// origin.
#[derive(Debug)]
pub struct UreqRuntime {
    agent: Agent,
    proxies: ProxyRules,
    dial: StdDial,
}

impl Runtime for UreqRuntime {
    const NAME: &'static str = "blocking";
    type Body = UreqBody;
    type Timer = ThreadSleep;

    /// Reads the CA bundle and builds the agent.
    fn from_config(config: &ClientConfig) -> Result<Self, ConfigError> {
        let settings = Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .save_redirect_history(false)
            .timeout_connect(config.connect_timeout)
            .proxy(None)
            .build();
        // One rustls configuration for every connection, as on the other runtimes: ureq's own
        // TLS connector could only build its own from ureq's settings.
        let tls = Arc::new(codex_api_client::tls::client_config(
            config,
            &[b"http/1.1"],
        )?);
        let connector =
            ().chain(ConnectProxyConnector::default())
                .chain(TcpConnector::default())
                .chain(OwnTls {
                    config: Arc::clone(&tls),
                });
        let agent = Agent::with_parts(settings, connector, DnsResolver::default());
        let proxies = ProxyRules::resolve(&config.proxy, |name| std::env::var(name).ok())?;
        let dial = StdDial {
            tls,
            timeout: config.connect_timeout,
        };
        Ok(UreqRuntime {
            agent,
            proxies,
            dial,
        })
    }

    /// Sends the request on the first poll, blocking (the future is then ready): ureq's timers
    /// carry the core's deadlines, its head timer (streams) or whole-exchange timer (unary
    /// calls) the response deadline, its per-read timer the stream idle window.
    async fn send(
        &self,
        request: http::Request<Bytes>,
        limits: SendLimits,
    ) -> Result<(http::response::Parts, UreqBody), TransportFailure> {
        let response = limits
            .deadline
            .map(|d| d.saturating_duration_since(Instant::now()));
        let per_read = limits.idle_timeout.filter(|_| limits.streaming);
        let (parts, bytes) = request.into_parts();
        let sent = if bytes.is_empty() {
            self.run(
                http::Request::from_parts(parts, ()),
                response,
                per_read,
                limits.streaming,
            )
        } else {
            let body = http::Request::from_parts(parts, &bytes[..]);
            self.run(body, response, per_read, limits.streaming)
        };
        sent.map(|response| {
            let (head, body) = response.into_parts();
            let body = UreqBody {
                reader: body.into_reader(),
                buffer: BytesMut::new(),
            };
            (head, body)
        })
    }

    fn timer(deadline: Instant) -> ThreadSleep {
        ThreadSleep::new(deadline)
    }

    fn dialer(&self) -> Option<&dyn codex_api_client::Dialer> {
        Some(self)
    }
}

impl Connect for UreqRuntime {
    type Stream = Stream;

    async fn connect(&self, target: ConnectTarget) -> Result<Stream, TransportFailure> {
        let proxy = self.proxies.select(target.proxy_scheme(), &target.host);
        let stream = open(&self.dial, &target, proxy).await?;
        ready(&stream).map_err(|error| TransportFailure::classify(error, false))?;
        Ok(stream)
    }
}

impl UreqRuntime {
    /// The proxy the core's rules pick for `uri`, as ureq takes it (ureq tunnels every target,
    /// `http` too, with `CONNECT`).
    fn proxy_for(&self, uri: &http::Uri) -> Option<ureq::Proxy> {
        let host = uri.host()?.trim_start_matches('[').trim_end_matches(']');
        let proxy = self.proxies.select(uri.scheme_str()?, host)?;
        let mut builder = ureq::Proxy::builder(ureq::ProxyProtocol::Http)
            .host(proxy.host())
            .port(proxy.port());
        if let Some((user, password)) = proxy.credentials() {
            builder = builder.username(user.expose()).password(password.expose());
        }
        builder.build().ok()
    }

    fn run<S: AsSendBody>(
        &self,
        request: http::Request<S>,
        response: Option<Duration>,
        per_read: Option<Duration>,
        streaming: bool,
    ) -> Result<http::Response<ureq::Body>, TransportFailure> {
        let proxy = self.proxy_for(request.uri());
        let config = self
            .agent
            .configure_request(request)
            .proxy(proxy)
            .timeout_per_read(per_read);
        let config = if streaming {
            config.timeout_recv_response(response)
        } else {
            config.timeout_per_call(response)
        };
        self.agent.run(config.build()).map_err(failure)
    }
}

/// A ureq response body. Dropping it closes the connection (a stream ends at its terminal
/// event, usually before ureq has seen the end of the body).
pub struct UreqBody {
    reader: BodyReader<'static>,
    buffer: BytesMut,
}

impl std::fmt::Debug for UreqBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UreqBody").finish_non_exhaustive()
    }
}

impl ResponseBody for UreqBody {
    /// Reads once, blocking: ready with a chunk, the end, or a failure.
    fn poll_chunk(
        &mut self,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, TransportFailure>>> {
        // The previous chunk is usually dropped by now, so this reclaims its allocation.
        self.buffer.reserve(READ_BUFFER);
        self.buffer.resize(READ_BUFFER, 0);
        loop {
            return Poll::Ready(match self.reader.read(&mut self.buffer) {
                Ok(0) => None,
                Ok(read) => {
                    self.buffer.truncate(read);
                    Some(Ok(self.buffer.split().freeze()))
                }
                Err(error) if error.kind() == ErrorKind::Interrupted => continue,
                Err(error) => Some(Err(failure(ureq::Error::from(error)))),
            });
        }
    }
}

/// Classifies a ureq failure. Its timers carry the core's deadlines: their expiry is the
/// deadline passing ([`TransportFailure::expired`]), except the connect timer's.
fn failure(error: ureq::Error) -> TransportFailure {
    use ureq::Timeout;
    let kind = match &error {
        ureq::Error::Timeout(Timeout::Connect | Timeout::Resolve) => TransportErrorKind::Timeout,
        ureq::Error::Timeout(_) => return TransportFailure::expired(UreqError(error)),
        ureq::Error::Io(io) if matches!(io.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock) => {
            return TransportFailure::expired(UreqError(error));
        }
        ureq::Error::ConnectionFailed | ureq::Error::ConnectProxyFailed(_) => {
            TransportErrorKind::Connect
        }
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) | ureq::Error::Pem(_) => {
            TransportErrorKind::Tls
        }
        ureq::Error::Io(io) => codex_api_client::classify(io, false),
        ureq::Error::Other(other) => codex_api_client::classify(other.as_ref(), false),
        _ => TransportErrorKind::Other,
    };
    TransportFailure::new(kind, UreqError(error))
}

/// A ureq error as the cause of a transport failure: ureq's own `Error` has no `source()`, so
/// this one leads to the error inside it (the socket's, the resolver's, rustls'), whose text
/// ends the failure's message. [`UreqError::ureq`] gives ureq's error itself.
#[derive(Debug)]
pub struct UreqError(ureq::Error);

impl UreqError {
    /// ureq's error.
    pub fn ureq(&self) -> &ureq::Error {
        &self.0
    }
}

impl std::fmt::Display for UreqError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for UreqError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.0 {
            ureq::Error::Io(error) => Some(error),
            ureq::Error::Other(error) => Some(error.as_ref()),
            ureq::Error::Rustls(error) => Some(error),
            _ => None,
        }
    }
}

/// ureq's resolver, its failures wrapped in [`DnsError`] (so they are `dns` on every runtime).
#[derive(Debug, Default)]
struct DnsResolver(DefaultResolver);

impl Resolver for DnsResolver {
    fn resolve(
        &self,
        uri: &http::Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let dns = |source: io::Error| {
            let host = uri.host().unwrap_or_default();
            ureq::Error::Other(Box::new(DnsError::new(host, source)))
        };
        match self.0.resolve(uri, config, timeout) {
            Err(ureq::Error::Io(source)) => Err(dns(source)),
            Err(ureq::Error::HostNotFound) => Err(dns(io::Error::new(
                ErrorKind::NotFound,
                "no address for the host",
            ))),
            other => other,
        }
    }
}
