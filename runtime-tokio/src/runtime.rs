//! [`TokioRuntime`]: hyper 1's pooled client (HTTP/1.1 and HTTP/2 by ALPN) over tokio, as a
//! [`Runtime`].

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use codex_api_client::tls::server_name;
use codex_api_client::{
    Connect, ConnectTarget, Dial, Opened, ResponseBody, Runtime, SendLimits, Timer, TokioStream,
    TransportFailure, open,
};
use codex_api_core::client_config::{ClientConfig, ConfigError, ProxyRules, authority};
use http_body_util::Full;
use hyper::Uri;
use hyper::body::Incoming;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tower_service::Service;

use crate::connector::{Connector, Resolver, proxy_authorization, select};

type Http = HyperClient<HttpsConnector<Connector>, Full<Bytes>>;

/// The tokio runtime: a hyper client with its pool, the proxy rules, tokio timers.
#[derive(Debug)]
pub struct TokioRuntime {
    http: Http,
    proxies: Arc<ProxyRules>,
    dial: TokioDial,
}

impl Runtime for TokioRuntime {
    const NAME: &'static str = "tokio";
    type Body = TokioBody;
    type Timer = TokioSleep;

    /// Reads the trust roots and client certificate and sets up hyper; needs no running runtime.
    fn from_config(config: &ClientConfig) -> Result<Self, ConfigError> {
        let tls = codex_api_client::tls::client_config(config, &[])?;
        let mut raw_tls = tls.clone();
        raw_tls.alpn_protocols = vec![b"http/1.1".to_vec()];

        let mut tcp = HttpConnector::new_with_resolver(Resolver);
        tcp.enforce_http(false);
        tcp.set_nodelay(true);
        tcp.set_connect_timeout(config.connect_timeout);
        let proxies = ProxyRules::resolve(&config.proxy, |name| std::env::var(name).ok())?;
        let proxies = Arc::new(proxies);
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_all_versions()
            .wrap_connector(Connector::new(tcp.clone(), proxies.clone()));
        let dial = TokioDial {
            tcp,
            tls: tokio_rustls::TlsConnector::from(Arc::new(raw_tls)),
        };
        let http = HyperClient::builder(TokioExecutor::new())
            .timer(TokioTimer::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(Duration::from_secs(90))
            .build(https);
        Ok(TokioRuntime {
            http,
            proxies,
            dial,
        })
    }

    async fn send(
        &self,
        request: http::Request<Bytes>,
        _limits: SendLimits,
    ) -> Result<(http::response::Parts, TokioBody), TransportFailure> {
        match self.http.request(self.prepare(request)).await {
            Ok(response) => {
                let (head, body) = response.into_parts();
                Ok((head, TokioBody(body)))
            }
            Err(error) => {
                let connecting = error.is_connect();
                Err(TransportFailure::classify(error, connecting))
            }
        }
    }

    fn timer(deadline: Instant) -> TokioSleep {
        TokioSleep(Box::pin(tokio::time::sleep_until(deadline.into())))
    }

    fn dialer(&self) -> Option<&dyn codex_api_client::Dialer> {
        Some(self)
    }
}

impl Connect for TokioRuntime {
    type Stream = Opened<TokioStream<TcpStream>, TokioStream<TlsStream<TcpStream>>>;

    async fn connect(&self, target: ConnectTarget) -> Result<Self::Stream, TransportFailure> {
        let proxy = self.proxies.select(target.proxy_scheme(), &target.host);
        open(&self.dial, &target, proxy).await
    }
}

/// TCP and TLS (tokio-rustls, ALPN `http/1.1`) for [`Connect::connect`].
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

    /// hyper-util's connector of the HTTP path: our resolver, `TCP_NODELAY`, connect timeout.
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

impl TokioRuntime {
    /// The request as hyper sends it: the body, and the proxy's credentials for plain http.
    fn prepare(&self, request: http::Request<Bytes>) -> http::Request<Full<Bytes>> {
        let mut request = request.map(Full::new);
        if request.uri().scheme_str() == Some("http") {
            let proxy = select(&self.proxies, request.uri());
            if let Some(value) = proxy.and_then(proxy_authorization) {
                let headers = request.headers_mut();
                headers.insert(http::header::PROXY_AUTHORIZATION, value);
            }
        }
        request
    }
}

/// A hyper response body. Dropping it closes its HTTP/1.1 connection or resets its HTTP/2
/// stream; hyper pools a connection whose body was read to the end.
#[derive(Debug)]
pub struct TokioBody(Incoming);

impl ResponseBody for TokioBody {
    fn poll_chunk(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, TransportFailure>>> {
        codex_api_client::poll_hyper_chunk(&mut self.0, cx)
    }
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
