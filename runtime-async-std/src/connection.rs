//! HTTP/1.1 connections (hyper's connection API over futures-io), driven by whoever polls
//! them, and a small keep-alive pool keyed by scheme, host and port.
//!
//! No task is ever spawned: a connection's IO future (hyper's `Connection`) is polled
//! together with the request or body that uses it, so the adapter runs on any executor and
//! dropping a body closes its socket at once. An idle pooled connection is not polled; a
//! connection the server closed meanwhile is noticed (polled once) when it is taken.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use codex_api_core::retry::TransportErrorKind;
use futures_lite::future::poll_fn;
use futures_rustls::TlsConnector;
use http::header::HOST;
use http::{HeaderValue, Uri};
use http_body::Body as _;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::client::conn::http1::{SendRequest, handshake};
use rustls::pki_types::ServerName;
use smol_hyper::rt::FuturesIo;

use crate::error::{BoxError, classify};

/// Idle connections kept per origin.
const MAX_IDLE_PER_ORIGIN: usize = 8;
/// How long an idle connection is kept.
const IDLE_EXPIRY: Duration = Duration::from_secs(90);
/// How much of an unread body (the rest of a finished stream) is drained to reuse a connection.
const MAX_LEFTOVER: usize = 64 * 1024;

/// A failed exchange: the kind the core decides on, and the stack's error.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) kind: TransportErrorKind,
    pub(crate) source: BoxError,
}

impl Failure {
    fn new(kind: TransportErrorKind, source: impl Into<BoxError>) -> Self {
        Failure {
            kind,
            source: source.into(),
        }
    }
}

type Driver = Pin<Box<dyn Future<Output = hyper::Result<()>> + Send>>;
type Origin = (String, String, u16);

/// One HTTP/1.1 connection.
struct Connection {
    sender: SendRequest<Full<Bytes>>,
    /// hyper's IO future; `None` once the connection ended.
    driver: Option<Driver>,
    /// The unread rest of a finished stream's body, drained before the next request.
    leftover: Option<Incoming>,
    idle_since: Instant,
}

impl Connection {
    /// Lets the connection do its IO (reads, writes, keep-alive bookkeeping).
    fn poll_driver(&mut self, cx: &mut Context<'_>) {
        poll_driver(&mut self.driver, cx);
    }

    /// Runs `future` (a request on this connection) while driving the connection.
    async fn drive<F: Future>(&mut self, future: F) -> F::Output {
        let mut future = std::pin::pin!(future);
        poll_fn(|cx| {
            self.poll_driver(cx);
            future.as_mut().poll(cx)
        })
        .await
    }

    /// Whether the connection can take a request now, without waiting: drains a leftover
    /// body (up to [`MAX_LEFTOVER`] bytes already received) and lets the connection settle.
    fn poll_reusable(&mut self, cx: &mut Context<'_>) -> bool {
        let mut drained = 0_usize;
        while let Some(body) = &mut self.leftover {
            poll_driver(&mut self.driver, cx);
            match Pin::new(body).poll_frame(cx) {
                Poll::Ready(Some(Ok(frame))) => {
                    drained += frame.data_ref().map_or(0, Bytes::len);
                    if drained > MAX_LEFTOVER {
                        return false;
                    }
                }
                Poll::Ready(None) => self.leftover = None,
                Poll::Ready(Some(Err(_))) | Poll::Pending => return false,
            }
        }
        self.poll_driver(cx);
        self.driver.is_some() && self.sender.is_ready()
    }
}

/// Opens connections and keeps idle ones for reuse. Cheap to share.
pub(crate) struct Pool {
    tls: TlsConnector,
    connect_timeout: Option<Duration>,
    idle: Mutex<HashMap<Origin, Vec<Connection>>>,
}

impl Pool {
    pub(crate) fn new(tls: rustls::ClientConfig, connect_timeout: Option<Duration>) -> Self {
        Pool {
            tls: TlsConnector::from(Arc::new(tls)),
            connect_timeout,
            idle: Mutex::new(HashMap::new()),
        }
    }

    /// Sends `request` on an idle connection to its origin, or on a new one, and returns the
    /// response head with its open body.
    ///
    /// A reused connection that fails before the request left it (hyper hands the request
    /// back) is dropped and the request goes to a new connection: the server never saw it,
    /// so this is not a retry.
    pub(crate) async fn send(
        self: &Arc<Self>,
        request: http::Request<Bytes>,
    ) -> Result<(http::response::Parts, OpenBody), Failure> {
        let origin = origin(request.uri())?;
        let mut request = origin_form(request)?;
        while let Some(mut connection) = self.take(&origin) {
            if !poll_fn(|cx| Poll::Ready(connection.poll_reusable(cx))).await {
                continue;
            }
            let exchange = connection.sender.try_send_request(request);
            match connection.drive(exchange).await {
                Ok(response) => return Ok(self.open(origin, connection, response)),
                Err(mut error) => match error.take_message() {
                    Some(unsent) => request = unsent,
                    None => return Err(hyper_failure(error.into_error())),
                },
            }
        }
        let mut connection = self.connect(&origin).await?;
        let exchange = connection.sender.send_request(request);
        let response = connection.drive(exchange).await.map_err(hyper_failure)?;
        Ok(self.open(origin, connection, response))
    }

    fn open(
        self: &Arc<Self>,
        origin: Origin,
        connection: Connection,
        response: http::Response<Incoming>,
    ) -> (http::response::Parts, OpenBody) {
        let (head, body) = response.into_parts();
        let pool = Arc::clone(self);
        (
            head,
            OpenBody {
                body,
                connection,
                pool,
                origin,
            },
        )
    }

    fn idle(&self) -> std::sync::MutexGuard<'_, HashMap<Origin, Vec<Connection>>> {
        self.idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn take(&self, origin: &Origin) -> Option<Connection> {
        let mut idle = self.idle();
        let connections = idle.get_mut(origin)?;
        connections.retain(|connection| connection.idle_since.elapsed() < IDLE_EXPIRY);
        connections.pop()
    }

    fn put(&self, origin: Origin, mut connection: Connection) {
        connection.idle_since = Instant::now();
        let mut idle = self.idle();
        let connections = idle.entry(origin).or_default();
        if connections.len() < MAX_IDLE_PER_ORIGIN {
            connections.push(connection);
        }
    }

    /// TCP (async-net), then TLS for `https` (futures-rustls), then the HTTP/1.1 handshake;
    /// the connect timeout covers TCP and TLS.
    async fn connect(&self, (scheme, host, port): &Origin) -> Result<Connection, Failure> {
        let connecting = async {
            let tcp = async_net::TcpStream::connect((host.as_str(), *port))
                .await
                .map_err(|error| Failure::new(TransportErrorKind::Connect, error))?;
            let _ = tcp.set_nodelay(true);
            let (sender, driver): (_, Driver) = if scheme == "https" {
                let name = ServerName::try_from(host.clone())
                    .map_err(|error| Failure::new(TransportErrorKind::Tls, error))?;
                let tls = self.tls.connect(name, tcp).await.map_err(|error| {
                    let kind = match classify(&error) {
                        TransportErrorKind::Other => TransportErrorKind::Tls,
                        kind => kind,
                    };
                    Failure::new(kind, error)
                })?;
                let (sender, driver) = handshake(FuturesIo::new(tls))
                    .await
                    .map_err(hyper_failure)?;
                (sender, Box::pin(driver))
            } else {
                let (sender, driver) = handshake(FuturesIo::new(tcp))
                    .await
                    .map_err(hyper_failure)?;
                (sender, Box::pin(driver))
            };
            Ok(Connection {
                sender,
                driver: Some(driver),
                leftover: None,
                idle_since: Instant::now(),
            })
        };
        let deadline = self.connect_timeout.map(|timeout| Instant::now() + timeout);
        crate::client::within(deadline, connecting)
            .await
            .unwrap_or_else(|_| {
                Err(Failure::new(
                    TransportErrorKind::Timeout,
                    "connect timed out",
                ))
            })
    }
}

/// A response body being read, with the connection it arrives on.
pub(crate) struct OpenBody {
    body: Incoming,
    connection: Connection,
    pool: Arc<Pool>,
    origin: Origin,
}

impl std::fmt::Debug for OpenBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenBody")
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

impl OpenBody {
    /// The next data chunk, `None` at the end of the body; drives the connection meanwhile.
    pub(crate) fn poll_chunk(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Failure>>> {
        loop {
            self.connection.poll_driver(cx);
            return match Pin::new(&mut self.body).poll_frame(cx) {
                Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                    Ok(data) => Poll::Ready(Some(Ok(data))),
                    Err(_trailers) => continue,
                },
                Poll::Ready(Some(Err(error))) => Poll::Ready(Some(Err(hyper_failure(error)))),
                Poll::Ready(None) => Poll::Ready(None),
                Poll::Pending => Poll::Pending,
            };
        }
    }

    /// [`OpenBody::poll_chunk`] as a future.
    pub(crate) async fn chunk(&mut self) -> Option<Result<Bytes, Failure>> {
        poll_fn(|cx| self.poll_chunk(cx)).await
    }

    /// Returns the connection to the pool: after the end of the body, or after a finished
    /// stream (whose unread rest, usually just the end of the chunked encoding, is drained
    /// when the connection is next taken). Dropping an `OpenBody` instead closes the connection.
    pub(crate) fn release(self) {
        let OpenBody {
            body,
            mut connection,
            pool,
            origin,
        } = self;
        if !body.is_end_stream() {
            connection.leftover = Some(body);
        }
        pool.put(origin, connection);
    }
}

/// The pool key of an absolute `http(s)` URI: scheme, host (IPv6 without brackets), port.
fn origin(uri: &Uri) -> Result<Origin, Failure> {
    let invalid = || {
        Failure::new(
            TransportErrorKind::Other,
            "the request URI is not an absolute http(s) URI",
        )
    };
    let scheme = uri
        .scheme_str()
        .filter(|s| *s == "http" || *s == "https")
        .ok_or_else(invalid)?;
    let host = uri.host().ok_or_else(invalid)?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let port = uri
        .port_u16()
        .unwrap_or(if scheme == "https" { 443 } else { 80 });
    Ok((scheme.to_owned(), host.to_owned(), port))
}

/// The request as HTTP/1.1 sends it to an origin server: origin-form target, `Host` header.
fn origin_form(request: http::Request<Bytes>) -> Result<http::Request<Full<Bytes>>, Failure> {
    let invalid = || {
        Failure::new(
            TransportErrorKind::Other,
            "the request URI has no valid host",
        )
    };
    let mut request = request.map(Full::new);
    let uri = request.uri();
    let host = match uri.port() {
        Some(port) => format!("{}:{port}", uri.host().unwrap_or_default()),
        None => uri.host().unwrap_or_default().to_owned(),
    };
    let target = uri.path_and_query().map_or("/", |target| target.as_str());
    let target: Uri = target.parse().map_err(|_| invalid())?;
    *request.uri_mut() = target;
    if !request.headers().contains_key(HOST) {
        let host = HeaderValue::try_from(host).map_err(|_| invalid())?;
        request.headers_mut().insert(HOST, host);
    }
    Ok(request)
}

/// Polls hyper's IO future, forgetting it once it ended.
fn poll_driver(driver: &mut Option<Driver>, cx: &mut Context<'_>) {
    if driver
        .as_mut()
        .is_some_and(|d| d.as_mut().poll(cx).is_ready())
    {
        *driver = None;
    }
}

fn hyper_failure(error: hyper::Error) -> Failure {
    Failure::new(classify(&error), error)
}
