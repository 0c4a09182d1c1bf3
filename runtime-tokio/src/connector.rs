//! Connections: TCP (with a connect timeout), HTTP proxies (CONNECT tunnels for `https`,
//! absolute-form requests for `http`), TLS with ALPN (h2, http/1.1) by rustls.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use hyper::Uri;
use hyper::rt::{Read, ReadBufCursor, Write};
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tower_service::Service;

use codex_api_client::{BoxError, DnsError};
use codex_api_core::client_config::{Proxy, ProxyRules, authority};
use http::HeaderValue;
use hyper_util::client::legacy::connect::dns::Name;

/// Opens TCP connections, directly or through the proxy the core's [`ProxyRules`] pick.
#[derive(Clone, Debug)]
pub(crate) struct Connector {
    tcp: HttpConnector<Resolver>,
    proxies: Arc<ProxyRules>,
}

impl Connector {
    pub(crate) fn new(tcp: HttpConnector<Resolver>, proxies: Arc<ProxyRules>) -> Self {
        Connector { tcp, proxies }
    }
}

/// Host names resolved by tokio, a failure wrapped in [`DnsError`] (so it is `dns` on every
/// runtime).
#[derive(Clone, Debug, Default)]
pub(crate) struct Resolver;

type Resolving =
    Pin<Box<dyn Future<Output = Result<std::vec::IntoIter<SocketAddr>, DnsError>> + Send>>;

impl Service<Name> for Resolver {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = DnsError;
    type Future = Resolving;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), DnsError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, name: Name) -> Resolving {
        Box::pin(async move {
            let host = name.as_str();
            match tokio::net::lookup_host((host, 0)).await {
                Ok(addresses) => Ok(addresses.collect::<Vec<_>>().into_iter()),
                Err(error) => Err(DnsError::new(host, error)),
            }
        })
    }
}

impl Service<Uri> for Connector {
    type Response = ProxiedIo;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<ProxiedIo, BoxError>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, destination: Uri) -> Self::Future {
        let proxy = select(&self.proxies, &destination).cloned();
        let mut tcp = self.tcp.clone();
        Box::pin(async move {
            let Some(proxy) = proxy else {
                let io = tcp.call(destination).await?;
                return Ok(ProxiedIo { io, proxied: false });
            };
            let proxy_uri: Uri =
                format!("http://{}", authority(proxy.host(), proxy.port())).parse()?;
            if destination.scheme_str() == Some("https") {
                // TLS runs end to end inside the tunnel: the proxy sees only the host and port.
                let mut tunnel = Tunnel::new(proxy_uri, tcp);
                if let Some(value) = proxy_authorization(&proxy) {
                    tunnel = tunnel.with_auth(value);
                }
                let io = tunnel.call(destination).await?;
                Ok(ProxiedIo { io, proxied: false })
            } else {
                // Plain http goes to the proxy in absolute form.
                let io = tcp.call(proxy_uri).await?;
                Ok(ProxiedIo { io, proxied: true })
            }
        })
    }
}

/// The proxy the core's rules pick for a request to `uri`, if any.
pub(crate) fn select<'a>(rules: &'a ProxyRules, uri: &Uri) -> Option<&'a Proxy> {
    let host = uri.host()?.trim_start_matches('[').trim_end_matches(']');
    rules.select(uri.scheme_str()?, host)
}

/// The proxy's `Proxy-Authorization` value, marked sensitive.
pub(crate) fn proxy_authorization(proxy: &Proxy) -> Option<HeaderValue> {
    let mut value = HeaderValue::try_from(proxy.authorization()?.expose()).ok()?;
    value.set_sensitive(true);
    Some(value)
}

/// A TCP stream that knows whether it leads to a forwarding proxy.
#[derive(Debug)]
pub(crate) struct ProxiedIo {
    io: TokioIo<TcpStream>,
    proxied: bool,
}

impl Connection for ProxiedIo {
    fn connected(&self) -> Connected {
        self.io.connected().proxy(self.proxied)
    }
}

impl Read for ProxiedIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl Write for ProxiedIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }
}
