//! [`TokioRuntime`]: hyper 1's connections (HTTP/1.1 and HTTP/2 by ALPN) over tokio, pooled,
//! as a [`Runtime`].
//!
//! An HTTP/1.1 connection is driven by whoever polls the request or body that uses it (the
//! client crate's [`http1`](codex_api_client::http1) pool): no task per connection, so the
//! chunks of a body go from the socket to the stream's core without a task switch each (hyper
//! hands a body over one chunk at a time). An HTTP/2 connection runs in a task of its own, as
//! hyper's HTTP/2 needs, and carries every request to its origin.

use std::collections::HashMap;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use codex_api_client::http1::{
    Http1Body, Http1Connection, Http1Pool, RequestBody, Route, Sent, hyper_failure,
};
use codex_api_client::tls::server_name;
use codex_api_client::{
    Connect, ConnectTarget, Dial, Opened, ResponseBody, Runtime, SendLimits, Timer, TokioStream,
    TransportFailure, open,
};
use codex_api_core::client_config::{
    ClientConfig, ConfigError, Proxy, ProxyRules, authority, http1_request, origin,
};
use codex_api_core::retry::TransportErrorKind;
use hyper::Uri;
use hyper::body::Incoming;
use hyper::client::conn::http2;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tower_service::Service;

use crate::connector::Resolver;

/// A connection [`open`] made: TCP or TLS, directly or through a proxy tunnel.
type Stream = Opened<TokioStream<TcpStream>, TokioStream<TlsStream<TcpStream>>>;

/// The HTTP/2 connection of each route that has one, with when it was last used.
type Http2Connections = HashMap<Route, (http2::SendRequest<RequestBody>, Instant)>;

/// How long an HTTP/2 connection is kept after its last request.
const HTTP2_IDLE_EXPIRY: Duration = Duration::from_secs(90);

/// The tokio runtime: pooled hyper connections, the proxy rules, tokio timers.
pub struct TokioRuntime {
    proxies: Arc<ProxyRules>,
    /// TCP and TLS (ALPN `h2`, `http/1.1`) for requests.
    http: TokioDial,
    /// TCP and TLS (ALPN `http/1.1`) for raw byte streams.
    dial: TokioDial,
    connect_timeout: Option<Duration>,
    /// Idle HTTP/1.1 connections by route.
    http1: Arc<Http1Pool>,
    /// The HTTP/2 connection of each route that has one.
    http2: Mutex<Http2Connections>,
}

impl std::fmt::Debug for TokioRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokioRuntime").finish_non_exhaustive()
    }
}

impl Runtime for TokioRuntime {
    const NAME: &'static str = "tokio";
    type Body = TokioBody;
    type Timer = TokioSleep;

    /// Reads the trust roots and client certificate and sets up the connectors; needs no
    /// running runtime.
    fn from_config(config: &ClientConfig) -> Result<Self, ConfigError> {
        let tls = codex_api_client::tls::client_config(config, &[b"h2", b"http/1.1"])?;
        let mut raw_tls = tls.clone();
        raw_tls.alpn_protocols = vec![b"http/1.1".to_vec()];

        let mut tcp = HttpConnector::new_with_resolver(Resolver);
        tcp.enforce_http(false);
        tcp.set_nodelay(true);
        tcp.set_connect_timeout(config.connect_timeout);
        let proxies = ProxyRules::resolve(&config.proxy, |name| std::env::var(name).ok())?;
        let http = TokioDial {
            tcp: tcp.clone(),
            tls: tokio_rustls::TlsConnector::from(Arc::new(tls)),
        };
        let dial = TokioDial {
            tcp,
            tls: tokio_rustls::TlsConnector::from(Arc::new(raw_tls)),
        };
        Ok(TokioRuntime {
            proxies: Arc::new(proxies),
            http,
            dial,
            connect_timeout: config.connect_timeout,
            http1: Arc::new(Http1Pool::new()),
            http2: Mutex::new(HashMap::new()),
        })
    }

    /// Sends `request` on the route's HTTP/2 connection, else on an idle HTTP/1.1 connection,
    /// else on a new connection (HTTP/2 when TLS's ALPN picks it).
    ///
    /// A reused connection that fails before the request left it (hyper hands the request
    /// back) is dropped and the request goes to another one: the server never saw it, so
    /// this is not a retry.
    async fn send(
        &self,
        request: http::Request<Bytes>,
        _limits: SendLimits,
    ) -> Result<(http::response::Parts, TokioBody), TransportFailure> {
        // Boxed: opening a connection (TCP, tunnel, TLS, handshakes) makes a large future, and
        // the call's future stays a few words wide.
        Box::pin(self.exchange(request)).await
    }

    fn timer(deadline: Instant) -> TokioSleep {
        TokioSleep(Box::pin(tokio::time::sleep_until(deadline.into())))
    }

    fn dialer(&self) -> Option<&dyn codex_api_client::Dialer> {
        Some(self)
    }
}

impl Connect for TokioRuntime {
    type Stream = Stream;

    async fn connect(&self, target: ConnectTarget) -> Result<Self::Stream, TransportFailure> {
        let proxy = self.proxies.select(target.proxy_scheme(), &target.host);
        open(&self.dial, &target, proxy).await
    }
}

/// A new connection, after its handshake.
enum Opening {
    Http1(Http1Connection),
    Http2(http2::SendRequest<RequestBody>),
}

impl TokioRuntime {
    /// [`Runtime::send`]: on the route's HTTP/2 connection, else on an idle HTTP/1.1
    /// connection, else on a new connection.
    async fn exchange(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<(http::response::Parts, TokioBody), TransportFailure> {
        let invalid = |error| TransportFailure::new(TransportErrorKind::Other, error);
        let origin = origin(request.uri()).map_err(invalid)?;
        let proxy = self.proxies.select(&origin.0, &origin.1);
        let forwarding = proxy.filter(|_| origin.0 == "http");
        let route = Route::new(origin, proxy);
        if let Some(sender) = self.http2_sender(&route) {
            match send_http2(sender, copy(&request).map(RequestBody::new)).await? {
                Some(answered) => return Ok(answered),
                None => self.forget_http2(&route),
            }
        }
        let for_http1 = http1_request(copy(&request), forwarding)
            .map_err(invalid)?
            .map(RequestBody::new);
        let for_http1 = match self.http1.send_idle(&route, for_http1).await? {
            Sent::Answered(head, body) => return Ok((head, TokioBody(Kind::Http1(body)))),
            Sent::Unsent(for_http1) => for_http1,
        };
        match self.open(&route, proxy).await? {
            Opening::Http1(connection) => {
                let (head, body) = self.http1.send_on(route, connection, for_http1).await?;
                Ok((head, TokioBody(Kind::Http1(body))))
            }
            Opening::Http2(sender) => {
                self.http2().insert(route, (sender.clone(), Instant::now()));
                match send_http2(sender, request.map(RequestBody::new)).await? {
                    Some(answered) => Ok(answered),
                    None => Err(TransportFailure::new(
                        TransportErrorKind::Reset,
                        "a new HTTP/2 connection closed before taking the request",
                    )),
                }
            }
        }
    }

    /// TCP to the origin or to its proxy, a `CONNECT` tunnel for `https` through a proxy, TLS
    /// for `https` (ALPN `h2`, `http/1.1`), then the HTTP/1.1 or HTTP/2 handshake; the connect
    /// timeout covers all of it. Plain `http` through a proxy is not tunnelled: its requests
    /// go in absolute form.
    async fn open(
        &self,
        route: &Route,
        proxy: Option<&Proxy>,
    ) -> Result<Opening, TransportFailure> {
        let (scheme, host, port) = &route.origin;
        let connecting = async {
            let stream = match proxy {
                Some(proxy) if scheme == "http" => {
                    Opened::Plain(self.http.tcp(proxy.host(), proxy.port()).await?)
                }
                _ => {
                    let target = ConnectTarget {
                        host: host.clone(),
                        port: *port,
                        tls: scheme == "https",
                    };
                    open(&self.http, &target, proxy).await?
                }
            };
            let h2 = match &stream {
                Opened::Tls(tls) => tls.0.get_ref().1.alpn_protocol() == Some(b"h2"),
                Opened::Plain(_) => false,
            };
            // The handshakes are boxed: inline, each would widen this future (a few KiB
            // each), which every request that opens a connection allocates.
            if !h2 {
                let handshake = Http1Connection::handshake(TokioIo::new(stream));
                return Box::pin(handshake).await.map(Opening::Http1);
            }
            let handshake = http2::Builder::new(TokioExecutor::new())
                .timer(TokioTimer::new())
                .handshake(TokioIo::new(stream));
            let (sender, connection) = Box::pin(handshake).await.map_err(hyper_failure)?;
            tokio::spawn(async move {
                let _ = connection.await;
            });
            Ok(Opening::Http2(sender))
        };
        let deadline = self.connect_timeout.map(|timeout| Instant::now() + timeout);
        codex_api_client::within::<TokioRuntime, _>(deadline, Box::pin(connecting))
            .await
            .unwrap_or_else(|_| {
                Err(TransportFailure::new(
                    TransportErrorKind::Timeout,
                    "connect timed out",
                ))
            })
    }

    fn http2(&self) -> MutexGuard<'_, Http2Connections> {
        self.http2
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The route's HTTP/2 connection, unless it closed or went unused too long.
    fn http2_sender(&self, route: &Route) -> Option<http2::SendRequest<RequestBody>> {
        let mut http2 = self.http2();
        let (sender, used) = http2.get_mut(route)?;
        if sender.is_closed() || used.elapsed() >= HTTP2_IDLE_EXPIRY {
            http2.remove(route);
            return None;
        }
        *used = Instant::now();
        Some(sender.clone())
    }

    fn forget_http2(&self, route: &Route) {
        self.http2().remove(route);
    }
}

/// Sends `request` (its URI absolute) on an HTTP/2 connection: the response head and body,
/// or `None` when the connection closed before taking the request.
async fn send_http2(
    mut sender: http2::SendRequest<RequestBody>,
    request: http::Request<RequestBody>,
) -> Result<Option<(http::response::Parts, TokioBody)>, TransportFailure> {
    if poll_fn(|cx| sender.poll_ready(cx)).await.is_err() {
        return Ok(None);
    }
    match sender.try_send_request(request).await {
        Ok(response) => {
            let (head, body) = response.into_parts();
            Ok(Some((head, TokioBody(Kind::Http2(body)))))
        }
        Err(mut error) => match error.take_message() {
            Some(_) => Ok(None),
            None => Err(hyper_failure(error.into_error())),
        },
    }
}

/// A copy of `request` (its extensions left out: nothing sets any).
fn copy(request: &http::Request<Bytes>) -> http::Request<Bytes> {
    let mut copy = http::Request::new(request.body().clone());
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.version_mut() = request.version();
    *copy.headers_mut() = request.headers().clone();
    copy
}

/// TCP (hyper-util's connector: our resolver, `TCP_NODELAY`, connect timeout) and TLS
/// (tokio-rustls) for [`open`].
#[derive(Clone)]
struct TokioDial {
    tcp: HttpConnector<Resolver>,
    tls: tokio_rustls::TlsConnector,
}

impl std::fmt::Debug for TokioDial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokioDial")
    }
}

impl Dial for TokioDial {
    type Tcp = TokioStream<TcpStream>;
    type Tls = TokioStream<TlsStream<TcpStream>>;

    async fn tcp(&self, host: &str, port: u16) -> Result<Self::Tcp, TransportFailure> {
        let uri = format!("http://{}", authority(host, port)).parse::<Uri>();
        let uri = uri.map_err(|error| TransportFailure::classify(error, false))?;
        let io = self.tcp.clone().call(uri).await;
        let io = io.map_err(|error| TransportFailure::classify(error, true))?;
        Ok(TokioStream(io.into_inner()))
    }

    async fn tls(&self, tcp: Self::Tcp, host: &str) -> Result<Self::Tls, TransportFailure> {
        let tls = self.tls.connect(server_name(host)?, tcp.0).await;
        tls.map(TokioStream).map_err(TransportFailure::tls)
    }
}

/// A response body. Dropping it closes its HTTP/1.1 connection or resets its HTTP/2 stream;
/// an HTTP/1.1 connection goes back to the pool once its body was read to the end or its
/// stream finished, and a finished stream's HTTP/2 body is read on to its `END_STREAM` in a
/// task (up to 64 KiB, for up to a second) rather than reset.
#[derive(Debug)]
pub struct TokioBody(Kind);

#[derive(Debug)]
enum Kind {
    /// Reading it drives its connection.
    Http1(Http1Body),
    /// Its connection runs in a task of its own.
    Http2(Incoming),
}

impl ResponseBody for TokioBody {
    fn poll_chunk(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, TransportFailure>>> {
        match &mut self.0 {
            Kind::Http1(body) => body.poll_chunk(cx),
            Kind::Http2(body) => codex_api_client::poll_hyper_chunk(body, cx),
        }
    }

    fn release(self) {
        match self.0 {
            Kind::Http1(body) => body.release(),
            Kind::Http2(body) => drain_http2(body),
        }
    }
}

/// The most a finished HTTP/2 stream's body is read after its terminal event, looking for its
/// end, before it is reset after all.
const DRAIN_LIMIT: usize = 64 * 1024;

/// How long a finished HTTP/2 stream's end is waited for.
const DRAIN_TIME: Duration = Duration::from_secs(1);

/// Reads a finished stream's body on to its `END_STREAM` in a task of its own (at most
/// [`DRAIN_LIMIT`] bytes, for at most [`DRAIN_TIME`]), so that the stream closes cleanly rather
/// than being reset. A server commonly sends `END_STREAM` in a frame of its own after the
/// terminal event; dropping the body before it resets the stream, and h2 closes a connection
/// after 1,024 such resets (`too_many_internal_resets`), failing every stream still on it.
fn drain_http2(mut body: Incoming) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    runtime.spawn(async move {
        let drain = async {
            let mut left = DRAIN_LIMIT;
            while let Some(Ok(chunk)) =
                poll_fn(|cx| codex_api_client::poll_hyper_chunk(&mut body, cx)).await
            {
                left = left.saturating_sub(chunk.len().max(1));
                if left == 0 {
                    break;
                }
            }
        };
        let _ = tokio::time::timeout(DRAIN_TIME, drain).await;
    });
}

/// A tokio timer.
#[derive(Debug)]
pub struct TokioSleep(Pin<Box<tokio::time::Sleep>>);

impl Future for TokioSleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.0.as_mut().poll(cx)
    }
}

impl Timer for TokioSleep {
    fn reset(&mut self, deadline: Instant) {
        self.0.as_mut().reset(deadline.into());
    }
}
