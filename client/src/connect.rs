//! What every runtime's [`Connect::connect`](crate::Connect::connect) shares, written once:
//! the steps ([`open`]: TCP, the proxy's `CONNECT` tunnel, TLS) over a runtime's [`Dial`], and
//! the tunnel over any [`ByteStream`] (its head and reply are the core's).

use std::future::{Future, poll_fn};
use std::io;
use std::task::{Context, Poll};

use codex_api_core::client_config::{
    Proxy, ProxyError, TunnelReply, connect_request, read_connect_reply,
};

use crate::runtime::{ByteStream, ConnectTarget, TransportFailure};

/// Asks the proxy at the other end of `stream` for a tunnel to `host:port`: writes the
/// `CONNECT` head (with the proxy's credentials, zeroed once written), reads the reply head.
/// A 2xx leaves `stream` leading to the target; anything else is a `connect` failure whose
/// cause is a [`ProxyError`].
pub async fn tunnel<S: ByteStream + ?Sized>(
    stream: &mut S,
    proxy: &Proxy,
    host: &str,
    port: u16,
) -> Result<(), TransportFailure> {
    let failed = |error: io::Error| TransportFailure::classify(error, true);
    let head = connect_request(proxy, host, port);
    let mut written = 0;
    while written < head.expose().len() {
        let rest = &head.expose().as_bytes()[written..];
        match poll_fn(|cx| stream.poll_write(cx, rest))
            .await
            .map_err(failed)?
        {
            0 => return Err(failed(io::ErrorKind::WriteZero.into())),
            n => written += n,
        }
    }
    drop(head);
    poll_fn(|cx| stream.poll_flush(cx)).await.map_err(failed)?;
    let mut received = Vec::with_capacity(256);
    let mut buffer = [0_u8; 512];
    loop {
        let read = poll_fn(|cx| stream.poll_read(cx, &mut buffer))
            .await
            .map_err(failed)?;
        if read == 0 {
            return Err(TransportFailure::classify(ProxyError::closed(proxy), true));
        }
        received.extend_from_slice(&buffer[..read]);
        match read_connect_reply(proxy, &received) {
            Ok(TunnelReply::Incomplete) => continue,
            Ok(TunnelReply::Established) => return Ok(()),
            Err(error) => return Err(TransportFailure::classify(error, true)),
        }
    }
}

/// One runtime's socket operations, for [`open`]: a TCP connection (the host resolved, a
/// failure to resolve wrapped in [`DnsError`](crate::DnsError)) and TLS over it.
pub trait Dial: Sync {
    /// A TCP connection.
    type Tcp: ByteStream + 'static;
    /// TLS over a TCP connection.
    type Tls: ByteStream + 'static;

    /// Resolves `host` and connects to `port`.
    fn tcp(
        &self,
        host: &str,
        port: u16,
    ) -> impl Future<Output = Result<Self::Tcp, TransportFailure>> + Send;

    /// The TLS handshake with `host` over `tcp`.
    fn tls(
        &self,
        tcp: Self::Tcp,
        host: &str,
    ) -> impl Future<Output = Result<Self::Tls, TransportFailure>> + Send;
}

/// A connection [`open`] made: plain TCP or TLS.
#[derive(Debug)]
pub enum Opened<P, T> {
    /// Plain TCP.
    Plain(P),
    /// TLS over TCP.
    Tls(T),
}

/// TCP to `target`, or to `proxy` and through its `CONNECT` tunnel, then TLS when the target
/// wants it: the steps of every runtime's [`Connect::connect`](crate::Connect::connect),
/// written once.
pub async fn open<D: Dial>(
    dial: &D,
    target: &ConnectTarget,
    proxy: Option<&Proxy>,
) -> Result<Opened<D::Tcp, D::Tls>, TransportFailure> {
    let (host, port) = proxy.map_or((target.host.as_str(), target.port), |proxy| {
        (proxy.host(), proxy.port())
    });
    let mut tcp = dial.tcp(host, port).await?;
    if let Some(proxy) = proxy {
        tunnel(&mut tcp, proxy, &target.host, target.port).await?;
    }
    if !target.tls {
        return Ok(Opened::Plain(tcp));
    }
    dial.tls(tcp, &target.host).await.map(Opened::Tls)
}

impl<P: ByteStream, T: ByteStream> ByteStream for Opened<P, T> {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        match self {
            Opened::Plain(stream) => stream.poll_read(cx, buf),
            Opened::Tls(stream) => stream.poll_read(cx, buf),
        }
    }

    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self {
            Opened::Plain(stream) => stream.poll_write(cx, buf),
            Opened::Tls(stream) => stream.poll_write(cx, buf),
        }
    }

    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self {
            Opened::Plain(stream) => stream.poll_flush(cx),
            Opened::Tls(stream) => stream.poll_flush(cx),
        }
    }

    fn poll_close(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self {
            Opened::Plain(stream) => stream.poll_close(cx),
            Opened::Tls(stream) => stream.poll_close(cx),
        }
    }

    fn set_read_timeout(&mut self, timeout: Option<std::time::Duration>) {
        match self {
            Opened::Plain(stream) => stream.set_read_timeout(timeout),
            Opened::Tls(stream) => stream.set_read_timeout(timeout),
        }
    }
}

/// futures-io for an [`Opened`] of futures-io streams (feature `futures-io`): so that an HTTP
/// stack over futures-io (hyper through a futures-io bridge) can run over what [`open`] made.
#[cfg(feature = "futures-io")]
mod futures_io_impls {
    use std::io;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    use futures_io::{AsyncRead, AsyncWrite};

    use super::Opened;
    use crate::byte_io::FuturesStream;

    type Both<P, T> = Opened<FuturesStream<P>, FuturesStream<T>>;

    impl<P: AsyncRead + Unpin, T: AsyncRead + Unpin> AsyncRead for Both<P, T> {
        fn poll_read(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut [u8],
        ) -> Poll<io::Result<usize>> {
            match self.get_mut() {
                Opened::Plain(stream) => Pin::new(&mut stream.0).poll_read(cx, buf),
                Opened::Tls(stream) => Pin::new(&mut stream.0).poll_read(cx, buf),
            }
        }
    }

    impl<P: AsyncWrite + Unpin, T: AsyncWrite + Unpin> AsyncWrite for Both<P, T> {
        fn poll_write(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            match self.get_mut() {
                Opened::Plain(stream) => Pin::new(&mut stream.0).poll_write(cx, buf),
                Opened::Tls(stream) => Pin::new(&mut stream.0).poll_write(cx, buf),
            }
        }

        fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            match self.get_mut() {
                Opened::Plain(stream) => Pin::new(&mut stream.0).poll_flush(cx),
                Opened::Tls(stream) => Pin::new(&mut stream.0).poll_flush(cx),
            }
        }

        fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            match self.get_mut() {
                Opened::Plain(stream) => Pin::new(&mut stream.0).poll_close(cx),
                Opened::Tls(stream) => Pin::new(&mut stream.0).poll_close(cx),
            }
        }
    }
}

/// tokio's IO traits for an [`Opened`] of tokio streams (feature `tokio-io`): so that hyper
/// (through hyper-util's `TokioIo`) can run over what [`open`] made.
#[cfg(feature = "tokio-io")]
mod tokio_io_impls {
    use std::io;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

    use super::Opened;
    use crate::byte_io::TokioStream;

    type Both<P, T> = Opened<TokioStream<P>, TokioStream<T>>;

    impl<P: AsyncRead + Unpin, T: AsyncRead + Unpin> AsyncRead for Both<P, T> {
        fn poll_read(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            match self.get_mut() {
                Opened::Plain(stream) => Pin::new(&mut stream.0).poll_read(cx, buf),
                Opened::Tls(stream) => Pin::new(&mut stream.0).poll_read(cx, buf),
            }
        }
    }

    impl<P: AsyncWrite + Unpin, T: AsyncWrite + Unpin> AsyncWrite for Both<P, T> {
        fn poll_write(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            match self.get_mut() {
                Opened::Plain(stream) => Pin::new(&mut stream.0).poll_write(cx, buf),
                Opened::Tls(stream) => Pin::new(&mut stream.0).poll_write(cx, buf),
            }
        }

        fn poll_write_vectored(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            bufs: &[io::IoSlice<'_>],
        ) -> Poll<io::Result<usize>> {
            match self.get_mut() {
                Opened::Plain(stream) => Pin::new(&mut stream.0).poll_write_vectored(cx, bufs),
                Opened::Tls(stream) => Pin::new(&mut stream.0).poll_write_vectored(cx, bufs),
            }
        }

        fn is_write_vectored(&self) -> bool {
            match self {
                Opened::Plain(stream) => stream.0.is_write_vectored(),
                Opened::Tls(stream) => stream.0.is_write_vectored(),
            }
        }

        fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            match self.get_mut() {
                Opened::Plain(stream) => Pin::new(&mut stream.0).poll_flush(cx),
                Opened::Tls(stream) => Pin::new(&mut stream.0).poll_flush(cx),
            }
        }

        fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            match self.get_mut() {
                Opened::Plain(stream) => Pin::new(&mut stream.0).poll_shutdown(cx),
                Opened::Tls(stream) => Pin::new(&mut stream.0).poll_shutdown(cx),
            }
        }
    }
}
