//! [`AsyncStdRuntime`]: hyper's HTTP/1.1 connections over futures-io, this crate's pool and
//! async-io timers, as a [`Runtime`].

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use async_net::TcpStream;
use bytes::Bytes;
use codex_api_client::{
    Connect, ConnectTarget, FuturesStream, Opened, Runtime, SendLimits, Timer, TransportFailure,
    open,
};
use codex_api_core::client_config::{ClientConfig, ConfigError, ProxyRules};
use futures_rustls::client::TlsStream;

use crate::connection::OpenBody;
use crate::pool::Pool;

/// The futures-io/async-io runtime: a keep-alive pool of HTTP/1.1 connections, the proxy
/// rules, async-io timers. Spawns nothing, so it runs on any executor.
pub struct AsyncStdRuntime {
    pool: Arc<Pool>,
}

impl std::fmt::Debug for AsyncStdRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncStdRuntime").finish_non_exhaustive()
    }
}

impl Runtime for AsyncStdRuntime {
    const NAME: &'static str = "async-std";
    type Body = OpenBody;
    type Timer = AsyncIoTimer;

    /// Resolves the proxy setting (reading the variables now), reads the CA bundle and sets up
    /// the pool; needs no running runtime.
    fn from_config(config: &ClientConfig) -> Result<Self, ConfigError> {
        let proxies = ProxyRules::resolve(&config.proxy, |name| std::env::var(name).ok())?;
        let tls = codex_api_client::tls::client_config(config, &[b"http/1.1"])?;
        let pool = Pool::new(tls, config.connect_timeout, proxies);
        Ok(AsyncStdRuntime {
            pool: Arc::new(pool),
        })
    }

    async fn send(
        &self,
        request: http::Request<Bytes>,
        _limits: SendLimits,
    ) -> Result<(http::response::Parts, OpenBody), TransportFailure> {
        // Boxed: the exchange future is large, and the call's future stays a few words wide.
        Box::pin(self.pool.send(request)).await
    }

    fn timer(deadline: Instant) -> AsyncIoTimer {
        AsyncIoTimer(async_io::Timer::at(deadline))
    }

    fn dialer(&self) -> Option<&dyn codex_api_client::Dialer> {
        Some(self)
    }
}

impl Connect for AsyncStdRuntime {
    type Stream = Opened<FuturesStream<TcpStream>, FuturesStream<TlsStream<TcpStream>>>;

    async fn connect(&self, target: ConnectTarget) -> Result<Self::Stream, TransportFailure> {
        let proxy = self
            .pool
            .proxies
            .select(target.proxy_scheme(), &target.host);
        open(&self.pool.dial, &target, proxy).await
    }
}

/// An async-io timer.
#[derive(Debug)]
pub struct AsyncIoTimer(async_io::Timer);

impl Future for AsyncIoTimer {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.0).poll(cx).map(|_| ())
    }
}

impl Timer for AsyncIoTimer {
    fn reset(&mut self, deadline: Instant) {
        self.0.set_at(deadline);
    }
}
