//! HTTP/1.1 connections: hyper's connection API over futures-io, driven by whoever polls
//! them.
//!
//! No task is ever spawned: a connection's IO future (hyper's `Connection`) is polled
//! together with the request or body that uses it, so the adapter runs on any executor and
//! dropping a body closes its socket at once.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use async_net::TcpStream;
use bytes::Bytes;
use codex_api_core::client_config::Proxy;
use codex_api_core::retry::TransportErrorKind;
use futures_lite::future::poll_fn;
use futures_rustls::TlsConnector;
use futures_rustls::client::TlsStream;
use http_body::Body as _;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::client::conn::http1::{SendRequest, handshake};
use smol_hyper::rt::FuturesIo;

use codex_api_client::{
    ConnectTarget, Dial, DnsError, FuturesStream, Opened, ResponseBody, TransportFailure,
};

use codex_api_client::tls::server_name;

use crate::pool::Pool;
use crate::runtime::AsyncStdRuntime;

/// How much of an unread body (the rest of a finished stream) is drained to reuse a connection.
const MAX_LEFTOVER: usize = 64 * 1024;

type Driver = Pin<Box<dyn Future<Output = hyper::Result<()>> + Send>>;
/// Scheme, host (an IPv6 address without brackets) and port.
pub(crate) type Origin = (String, String, u16);

/// Where a connection leads, the key of the pool: the origin, and the proxy (host, port) it
/// goes through, if any. Direct and proxied connections to one origin never mix.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Route {
    pub(crate) origin: Origin,
    pub(crate) via: Option<(String, u16)>,
}

impl Route {
    pub(crate) fn new(origin: Origin, proxy: Option<&Proxy>) -> Self {
        let via = proxy.map(|proxy| (proxy.host().to_owned(), proxy.port()));
        Route { origin, via }
    }
}

/// One HTTP/1.1 connection.
pub(crate) struct Connection {
    pub(crate) sender: SendRequest<Full<Bytes>>,
    /// hyper's IO future; `None` once the connection ended.
    driver: Option<Driver>,
    /// The unread rest of a finished stream's body, drained before the next request.
    pub(crate) leftover: Option<Incoming>,
    pub(crate) idle_since: Instant,
}

impl Connection {
    /// Lets the connection do its IO (reads, writes, keep-alive bookkeeping).
    fn poll_driver(&mut self, cx: &mut Context<'_>) {
        poll_driver(&mut self.driver, cx);
    }

    /// Runs `future` (a request on this connection) while driving the connection.
    pub(crate) async fn drive<F: Future>(&mut self, future: F) -> F::Output {
        let mut future = std::pin::pin!(future);
        poll_fn(|cx| {
            self.poll_driver(cx);
            future.as_mut().poll(cx)
        })
        .await
    }

    /// Whether the connection can take a request now, without waiting: drains a leftover
    /// body (up to [`MAX_LEFTOVER`] bytes already received) and lets the connection settle.
    pub(crate) fn poll_reusable(&mut self, cx: &mut Context<'_>) -> bool {
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

    /// TCP (async-net) to the origin or to its proxy, a `CONNECT` tunnel for `https`
    /// through a proxy, then TLS for `https` (the client crate's [`open`], over
    /// [`AsyncStdDial`]), then the HTTP/1.1 handshake; the connect timeout covers all of it.
    /// Plain `http` through a proxy is not tunnelled: its requests go in absolute form.
    pub(crate) async fn open(
        (scheme, host, port): &Origin,
        proxy: Option<&Proxy>,
        dial: &AsyncStdDial,
        connect_timeout: Option<Duration>,
    ) -> Result<Connection, TransportFailure> {
        let connecting = async {
            let stream = match proxy {
                Some(proxy) if scheme == "http" => {
                    Opened::Plain(dial.tcp(proxy.host(), proxy.port()).await?)
                }
                _ => {
                    let tls = scheme == "https";
                    let target = ConnectTarget {
                        host: host.clone(),
                        port: *port,
                        tls,
                    };
                    codex_api_client::open(dial, &target, proxy).await?
                }
            };
            let (sender, driver) = handshake(FuturesIo::new(stream))
                .await
                .map_err(hyper_failure)?;
            Ok(Connection {
                sender,
                driver: Some(Box::pin(driver)),
                leftover: None,
                idle_since: Instant::now(),
            })
        };
        let deadline = connect_timeout.map(|timeout| Instant::now() + timeout);
        codex_api_client::within::<AsyncStdRuntime, _>(deadline, connecting)
            .await
            .unwrap_or_else(|_| {
                Err(TransportFailure::new(
                    TransportErrorKind::Timeout,
                    "connect timed out",
                ))
            })
    }
}

/// A response body being read, with the HTTP/1.1 connection it arrives on (reading it drives
/// the connection). Released to the pool once read to its end or once its stream finished;
/// dropped otherwise, which closes the connection.
pub struct OpenBody {
    pub(crate) body: Incoming,
    pub(crate) connection: Connection,
    pub(crate) pool: Arc<Pool>,
    pub(crate) route: Route,
}

impl std::fmt::Debug for OpenBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenBody")
            .field("route", &self.route)
            .finish_non_exhaustive()
    }
}

impl ResponseBody for OpenBody {
    /// The next data chunk, `None` at the end of the body; drives the connection meanwhile.
    fn poll_chunk(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, TransportFailure>>> {
        self.connection.poll_driver(cx);
        codex_api_client::poll_hyper_chunk(&mut self.body, cx)
    }

    /// Returns the connection to the pool: after the end of the body, or after a finished
    /// stream (whose unread rest, usually just the end of the chunked encoding, is drained
    /// when the connection is next taken). Dropping an `OpenBody` instead closes the connection.
    fn release(self) {
        let OpenBody {
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

/// TCP (async-net) and TLS (futures-rustls) for [`codex_api_client::open`].
#[derive(Clone)]
pub(crate) struct AsyncStdDial(pub(crate) TlsConnector);

impl Dial for AsyncStdDial {
    type Tcp = FuturesStream<TcpStream>;
    type Tls = FuturesStream<TlsStream<TcpStream>>;

    async fn tcp(&self, host: &str, port: u16) -> Result<Self::Tcp, TransportFailure> {
        let addresses = async_net::resolve((host, port))
            .await
            .map_err(|error| TransportFailure::classify(DnsError::new(host, error), true))?;
        let tcp = TcpStream::connect(&addresses[..])
            .await
            .map_err(|error| TransportFailure::classify(error, true))?;
        let _ = tcp.set_nodelay(true);
        Ok(FuturesStream(tcp))
    }

    async fn tls(&self, tcp: Self::Tcp, host: &str) -> Result<Self::Tls, TransportFailure> {
        let tls = self.0.connect(server_name(host)?, tcp.0).await;
        tls.map(FuturesStream).map_err(TransportFailure::tls)
    }
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

pub(crate) fn hyper_failure(error: hyper::Error) -> TransportFailure {
    TransportFailure::classify(error, false)
}
