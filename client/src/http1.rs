//! HTTP/1.1 connections driven by whoever polls them (feature `hyper`): hyper's connection
//! API, a small keep-alive pool, and a body that drives its connection as it is read. The
//! async runtimes open the connections (TCP, proxy, TLS) and hand them here.
//!
//! No task is spawned for a connection: its IO future (hyper's `Connection`) is polled
//! together with the request or body that uses it, so the body's chunks go from the socket to
//! the stream's core without a task switch per chunk (hyper hands a body over one chunk at a
//! time: with a connection task, every chunk of a chunked body would cost a wake-up of each
//! side), and dropping a body closes its socket at once.
//!
//! The pool keeps up to 8 idle connections per route (scheme, host, port, proxy) for 90 s. An
//! idle connection is not polled; one the server closed meanwhile is noticed (polled once,
//! without waiting) when it is taken.

use std::collections::HashMap;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use codex_api_core::client_config::Proxy;
use http_body::{Body, Frame, SizeHint};
use hyper::body::Incoming;
use hyper::client::conn::http1::{SendRequest, handshake};

use crate::runtime::{ResponseBody, TransportFailure};

/// Idle connections kept per route.
const MAX_IDLE_PER_ROUTE: usize = 8;
/// How long an idle connection is kept.
const IDLE_EXPIRY: Duration = Duration::from_secs(90);
/// How much of an unread body (the rest of a finished stream) is drained to reuse a connection.
const MAX_LEFTOVER: usize = 64 * 1024;

/// Scheme, host (an IPv6 address without brackets) and port.
pub type Origin = (String, String, u16);

/// Where a connection leads, the key of the pool: the origin, and the proxy (host, port) it
/// goes through, if any. Direct and proxied connections to one origin never mix.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Route {
    /// The origin the requests go to.
    pub origin: Origin,
    /// The proxy's host and port, if any.
    pub via: Option<(String, u16)>,
}

impl Route {
    /// The route to `origin`, through `proxy` if any.
    pub fn new(origin: Origin, proxy: Option<&Proxy>) -> Self {
        let via = proxy.map(|proxy| (proxy.host().to_owned(), proxy.port()));
        Route { origin, via }
    }
}

/// A request body already in memory: one data frame.
#[derive(Debug, Default)]
pub struct RequestBody(Option<Bytes>);

impl RequestBody {
    /// The body `bytes` (none at all when empty).
    pub fn new(bytes: Bytes) -> Self {
        RequestBody(Some(bytes).filter(|bytes| !bytes.is_empty()))
    }
}

impl Body for RequestBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        Poll::Ready(self.get_mut().0.take().map(|bytes| Ok(Frame::data(bytes))))
    }

    fn is_end_stream(&self) -> bool {
        self.0.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.0.as_ref().map_or(0, |bytes| bytes.len() as u64))
    }
}

type Driver = Pin<Box<dyn Future<Output = hyper::Result<()>> + Send>>;

/// One HTTP/1.1 connection: hyper's request sender and its IO future.
pub struct Http1Connection {
    sender: SendRequest<RequestBody>,
    /// hyper's IO future; `None` once the connection ended.
    driver: Option<Driver>,
    /// The unread rest of a finished stream's body, drained before the next request.
    leftover: Option<Incoming>,
    idle_since: Instant,
}

impl std::fmt::Debug for Http1Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Http1Connection")
            .field("open", &self.driver.is_some())
            .finish_non_exhaustive()
    }
}

impl Http1Connection {
    /// The HTTP/1.1 handshake over `io`, an open connection (TCP, TLS, a proxy tunnel).
    pub async fn handshake<T>(io: T) -> Result<Http1Connection, TransportFailure>
    where
        T: hyper::rt::Read + hyper::rt::Write + Send + Unpin + 'static,
    {
        let (sender, driver) = handshake(io).await.map_err(hyper_failure)?;
        Ok(Http1Connection {
            sender,
            driver: Some(Box::pin(driver)),
            leftover: None,
            idle_since: Instant::now(),
        })
    }

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

/// Idle HTTP/1.1 connections by route, for reuse. Cheap to share.
#[derive(Default)]
pub struct Http1Pool {
    idle: Mutex<HashMap<Route, Vec<Http1Connection>>>,
}

impl std::fmt::Debug for Http1Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Http1Pool").finish_non_exhaustive()
    }
}

/// What [`Http1Pool::send_idle`] did: answered, or gave the request back (no idle connection
/// of the route could take it).
pub enum Sent {
    /// The response head and its open body.
    Answered(http::response::Parts, Http1Body),
    /// The request, unsent.
    Unsent(http::Request<RequestBody>),
}

impl Http1Pool {
    /// An empty pool.
    pub fn new() -> Self {
        Http1Pool::default()
    }

    /// Sends `request` on an idle connection of `route` that can take it now.
    ///
    /// A reused connection that fails before the request left it (hyper hands the request
    /// back) is dropped and the next one tried; the request comes back unsent when none is
    /// left: the server never saw it, so sending it on a new connection is not a retry.
    pub async fn send_idle(
        self: &Arc<Self>,
        route: &Route,
        mut request: http::Request<RequestBody>,
    ) -> Result<Sent, TransportFailure> {
        while let Some(mut connection) = self.take(route) {
            if !poll_fn(|cx| Poll::Ready(connection.poll_reusable(cx))).await {
                continue;
            }
            let exchange = connection.sender.try_send_request(request);
            match connection.drive(exchange).await {
                Ok(response) => {
                    let (head, body) = self.open(route.clone(), connection, response);
                    return Ok(Sent::Answered(head, body));
                }
                Err(mut error) => match error.take_message() {
                    Some(unsent) => request = unsent,
                    None => return Err(hyper_failure(error.into_error())),
                },
            }
        }
        Ok(Sent::Unsent(request))
    }

    /// Sends `request` on `connection` (a new one) to `route`.
    pub async fn send_on(
        self: &Arc<Self>,
        route: Route,
        mut connection: Http1Connection,
        request: http::Request<RequestBody>,
    ) -> Result<(http::response::Parts, Http1Body), TransportFailure> {
        let exchange = connection.sender.send_request(request);
        let response = connection.drive(exchange).await.map_err(hyper_failure)?;
        Ok(self.open(route, connection, response))
    }

    fn open(
        self: &Arc<Self>,
        route: Route,
        connection: Http1Connection,
        response: http::Response<Incoming>,
    ) -> (http::response::Parts, Http1Body) {
        let (head, body) = response.into_parts();
        let pool = Arc::clone(self);
        let body = Http1Body {
            body,
            connection,
            pool,
            route,
        };
        (head, body)
    }

    fn idle(&self) -> MutexGuard<'_, HashMap<Route, Vec<Http1Connection>>> {
        self.idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn take(&self, route: &Route) -> Option<Http1Connection> {
        let mut idle = self.idle();
        let connections = idle.get_mut(route)?;
        connections.retain(|connection| connection.idle_since.elapsed() < IDLE_EXPIRY);
        connections.pop()
    }

    fn put(&self, route: Route, mut connection: Http1Connection) {
        connection.idle_since = Instant::now();
        let mut idle = self.idle();
        let connections = idle.entry(route).or_default();
        if connections.len() < MAX_IDLE_PER_ROUTE {
            connections.push(connection);
        }
    }
}

/// A response body being read, with the HTTP/1.1 connection it arrives on (reading it drives
/// the connection). Released to the pool once read to its end or once its stream finished;
/// dropped otherwise, which closes the connection.
pub struct Http1Body {
    body: Incoming,
    connection: Http1Connection,
    pool: Arc<Http1Pool>,
    route: Route,
}

impl std::fmt::Debug for Http1Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Http1Body")
            .field("route", &self.route)
            .finish_non_exhaustive()
    }
}

impl ResponseBody for Http1Body {
    /// The next data chunk, `None` at the end of the body; drives the connection meanwhile.
    fn poll_chunk(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, TransportFailure>>> {
        self.connection.poll_driver(cx);
        crate::poll_hyper_chunk(&mut self.body, cx)
    }

    /// Returns the connection to the pool: after the end of the body, or after a finished
    /// stream (whose unread rest, usually just the end of the chunked encoding, is drained
    /// when the connection is next taken). Dropping an `Http1Body` instead closes the
    /// connection.
    fn release(self) {
        let Http1Body {
            body,
            mut connection,
            pool,
            route,
        } = self;
        if !body.is_end_stream() {
            connection.leftover = Some(body);
        }
        pool.put(route, connection);
    }
}

/// Polls hyper's IO future, forgetting it once it ended.
fn poll_driver(driver: &mut Option<Driver>, cx: &mut Context<'_>) {
    if driver
        .as_mut()
        .is_some_and(|driver| driver.as_mut().poll(cx).is_ready())
    {
        *driver = None;
    }
}

/// A hyper failure, classified.
pub fn hyper_failure(error: hyper::Error) -> TransportFailure {
    TransportFailure::classify(error, false)
}

#[cfg(test)]
mod tests {
    use codex_api_core::client_config::{Proxy, origin};

    use super::Route;

    #[test]
    fn direct_and_proxied_routes_to_one_origin_differ() {
        let target = origin(&"https://api.example.test/v1/x".parse().unwrap()).unwrap();
        let proxy = Proxy::parse("http://user:pass@127.0.0.1:3128").unwrap();
        let other = Proxy::parse("http://127.0.0.1:3129").unwrap();
        let direct = Route::new(target.clone(), None);
        let proxied = Route::new(target.clone(), Some(&proxy));
        assert_ne!(direct, proxied);
        assert_ne!(proxied, Route::new(target.clone(), Some(&other)));
        assert_eq!(proxied, Route::new(target, Some(&proxy)));
        assert!(!format!("{proxied:?}").contains("pass"));
    }
}
