//! [`ByteStream`] over the IO traits the runtimes use: std's `Read`/`Write` (blocking),
//! futures-io's (feature `futures-io`) and tokio's (feature `tokio-io`). A runtime wraps its
//! socket (plain or TLS, boxed) in one of these.

use std::io::{self, Read, Write};
#[cfg(any(feature = "futures-io", feature = "tokio-io"))]
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::runtime::ByteStream;

/// A blocking `Read + Write` (a `TcpStream`, a rustls `StreamOwned`) as a [`ByteStream`]: every
/// poll does its IO at once and is ready.
#[derive(Debug)]
pub struct SyncStream<T>(pub T);

/// A blocking stream whose reads can be bounded (see [`ByteStream::set_read_timeout`]): TCP,
/// and rustls over TCP. The default does nothing (reads are then unbounded).
pub trait ReadTimeout {
    /// Bounds each read (`None`: no bound).
    fn set_read_timeout(&self, _timeout: Option<std::time::Duration>) -> io::Result<()> {
        Ok(())
    }
}

impl ReadTimeout for std::net::TcpStream {
    fn set_read_timeout(&self, timeout: Option<std::time::Duration>) -> io::Result<()> {
        std::net::TcpStream::set_read_timeout(self, timeout)
    }
}

impl<C> ReadTimeout for rustls::StreamOwned<C, std::net::TcpStream> {
    fn set_read_timeout(&self, timeout: Option<std::time::Duration>) -> io::Result<()> {
        self.sock.set_read_timeout(timeout)
    }
}

impl<T: Read + Write + Send + Unpin + ReadTimeout> ByteStream for SyncStream<T> {
    fn poll_read(&mut self, _: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        Poll::Ready(self.0.read(buf))
    }

    fn poll_write(&mut self, _: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Poll::Ready(self.0.write(buf))
    }

    fn poll_flush(&mut self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.0.flush())
    }

    fn poll_close(&mut self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.0.flush())
    }

    fn set_read_timeout(&mut self, timeout: Option<std::time::Duration>) {
        // A zero timeout means "none" to the OS: round it up.
        let timeout = timeout.map(|t| t.max(std::time::Duration::from_millis(1)));
        let _ = ReadTimeout::set_read_timeout(&self.0, timeout);
    }
}

/// A futures-io `AsyncRead + AsyncWrite` as a [`ByteStream`] (feature `futures-io`).
#[cfg(feature = "futures-io")]
#[derive(Debug)]
pub struct FuturesStream<T>(pub T);

#[cfg(feature = "futures-io")]
impl<T> ByteStream for FuturesStream<T>
where
    T: futures_io::AsyncRead + futures_io::AsyncWrite + Send + Unpin,
{
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }

    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_close(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_close(cx)
    }
}

/// A tokio `AsyncRead + AsyncWrite` as a [`ByteStream`] (feature `tokio-io`).
#[cfg(feature = "tokio-io")]
#[derive(Debug)]
pub struct TokioStream<T>(pub T);

#[cfg(feature = "tokio-io")]
impl<T> ByteStream for TokioStream<T>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin,
{
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        let mut buf = tokio::io::ReadBuf::new(buf);
        match Pin::new(&mut self.0).poll_read(cx, &mut buf) {
            Poll::Ready(Ok(())) => Poll::Ready(Ok(buf.filled().len())),
            Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
            Poll::Pending => Poll::Pending,
        }
    }

    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_close(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}
