//! HTTP/1.1 connections: TCP (async-net), a proxy tunnel, TLS (futures-rustls), then the
//! client crate's hyper connections over a futures-io bridge ([`codex_api_client::http1`]),
//! driven by whoever polls them.
//!
//! No task is ever spawned: a connection's IO future (hyper's `Connection`) is polled
//! together with the request or body that uses it, so the adapter runs on any executor and
//! dropping a body closes its socket at once.

use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use async_net::TcpStream;
use bytes::Bytes;
use codex_api_client::http1::{Http1Body, Http1Connection, Origin};
use codex_api_core::client_config::Proxy;
use codex_api_core::retry::TransportErrorKind;
use futures_rustls::TlsConnector;
use futures_rustls::client::TlsStream;
use smol_hyper::rt::FuturesIo;

use codex_api_client::{
    ConnectTarget, Dial, DnsError, FuturesStream, Opened, ResponseBody, TransportFailure,
};

use codex_api_client::tls::server_name;

use crate::runtime::AsyncStdRuntime;

/// TCP (async-net) to the origin or to its proxy, a `CONNECT` tunnel for `https` through a
/// proxy, then TLS for `https` (the client crate's [`open`](codex_api_client::open), over
/// [`AsyncStdDial`]), then the HTTP/1.1 handshake; the connect timeout covers all of it.
/// Plain `http` through a proxy is not tunnelled: its requests go in absolute form.
pub(crate) async fn open_connection(
    (scheme, host, port): &Origin,
    proxy: Option<&Proxy>,
    dial: &AsyncStdDial,
    connect_timeout: Option<Duration>,
) -> Result<Http1Connection, TransportFailure> {
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
        Http1Connection::handshake(FuturesIo::new(stream)).await
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

/// A response body being read, with the HTTP/1.1 connection it arrives on (reading it drives
/// the connection). Released to the pool once read to its end or once its stream finished;
/// dropped otherwise, which closes the connection.
#[derive(Debug)]
pub struct OpenBody(pub(crate) Http1Body);

impl ResponseBody for OpenBody {
    /// The next data chunk, `None` at the end of the body; drives the connection meanwhile.
    fn poll_chunk(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, TransportFailure>>> {
        self.0.poll_chunk(cx)
    }

    /// Returns the connection to the pool: after the end of the body, or after a finished
    /// stream (whose unread rest, usually just the end of the chunked encoding, is drained
    /// when the connection is next taken). Dropping an `OpenBody` instead closes the connection.
    fn release(self) {
        self.0.release();
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
