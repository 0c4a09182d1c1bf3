//! [`TokioRuntime`]: hyper 1's pooled client (HTTP/1.1 and HTTP/2 by ALPN) over tokio, as a
//! [`Runtime`].

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use codex_api_client::{ResponseBody, Runtime, SendLimits, Timer, TransportFailure};
use codex_api_core::client_config::{ClientConfig, ConfigError, ProxySetting};
use http_body_util::Full;
use hyper::Uri;
use hyper::body::Incoming;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::{TokioExecutor, TokioTimer};

use crate::connector::{Connector, Resolver};

type Http = HyperClient<HttpsConnector<Connector>, Full<Bytes>>;

/// The tokio runtime: a hyper client with its pool, the proxy rules, tokio timers.
#[derive(Debug)]
pub struct TokioRuntime {
    http: Http,
    proxies: Arc<Matcher>,
}

impl Runtime for TokioRuntime {
    const NAME: &'static str = "tokio";
    type Body = TokioBody;
    type Timer = TokioSleep;

    /// Reads the CA bundle and sets up hyper; needs no running runtime.
    fn from_config(config: &ClientConfig) -> Result<Self, ConfigError> {
        let tls = codex_api_client::tls::client_config(config.ca_bundle.as_deref(), &[])?;
        let mut tcp = HttpConnector::new_with_resolver(Resolver);
        tcp.enforce_http(false);
        tcp.set_nodelay(true);
        tcp.set_connect_timeout(config.connect_timeout);
        let proxies = Arc::new(proxy_matcher(&config.proxy)?);
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_all_versions()
            .wrap_connector(Connector::new(tcp, proxies.clone()));
        let http = HyperClient::builder(TokioExecutor::new())
            .timer(TokioTimer::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(Duration::from_secs(90))
            .build(https);
        Ok(TokioRuntime { http, proxies })
    }

    fn send(
        &self,
        request: http::Request<Bytes>,
        _limits: SendLimits,
    ) -> impl Future<Output = Result<(http::response::Parts, TokioBody), TransportFailure>> + Send
    {
        let response = self.http.request(self.prepare(request));
        async move {
            match response.await {
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
    }

    fn timer(deadline: Instant) -> TokioSleep {
        TokioSleep(Box::pin(tokio::time::sleep_until(deadline.into())))
    }
}

impl TokioRuntime {
    /// The request as hyper sends it: the body, and the proxy's credentials for plain http.
    fn prepare(&self, request: http::Request<Bytes>) -> http::Request<Full<Bytes>> {
        let mut request = request.map(Full::new);
        if request.uri().scheme_str() == Some("http") {
            let auth = self.proxies.intercept(request.uri());
            if let Some(auth) = auth.as_ref().and_then(|proxy| proxy.basic_auth()) {
                request
                    .headers_mut()
                    .insert(http::header::PROXY_AUTHORIZATION, auth.clone());
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

/// The proxy [`Matcher`] of a setting. An explicit proxy must be a plain `http://` URL (or
/// `host:port`) with a host: anything else is [`ConfigError::Proxy`], never a silent direct
/// connection.
fn proxy_matcher(setting: &ProxySetting) -> Result<Matcher, ConfigError> {
    match setting {
        ProxySetting::Direct => Ok(Matcher::builder().build()),
        ProxySetting::Explicit { url, no_proxy } => {
            let uri: Uri = url.parse().map_err(|_| ConfigError::Proxy)?;
            let plain_http = matches!(uri.scheme_str(), None | Some("http"));
            if !plain_http || uri.host().is_none_or(str::is_empty) {
                return Err(ConfigError::Proxy);
            }
            Ok(Matcher::builder()
                .all(url.clone())
                .no(no_proxy.clone())
                .build())
        }
        ProxySetting::Environment => Ok(Matcher::from_env()),
    }
}
