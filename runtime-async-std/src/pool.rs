//! Sending a request: on an idle connection of the client crate's keep-alive pool
//! ([`Http1Pool`]: idle HTTP/1.1 connections by scheme, host, port and proxy), or on a new one.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use codex_api_client::TransportFailure;
use codex_api_client::http1::{Http1Pool, RequestBody, Route, Sent};
use codex_api_core::client_config::{ProxyRules, http1_request, origin};
use codex_api_core::retry::TransportErrorKind;
use futures_rustls::TlsConnector;

use crate::connection::{AsyncStdDial, OpenBody, open_connection};

/// Opens connections (directly or through the proxy the rules pick) and keeps idle ones for
/// reuse. Cheap to share.
pub(crate) struct Pool {
    pub(crate) dial: AsyncStdDial,
    connect_timeout: Option<Duration>,
    pub(crate) proxies: ProxyRules,
    idle: Arc<Http1Pool>,
}

impl Pool {
    pub(crate) fn new(
        tls: rustls::ClientConfig,
        connect_timeout: Option<Duration>,
        proxies: ProxyRules,
    ) -> Self {
        Pool {
            dial: AsyncStdDial(TlsConnector::from(Arc::new(tls))),
            connect_timeout,
            proxies,
            idle: Arc::new(Http1Pool::new()),
        }
    }

    /// Sends `request` on an idle connection to its origin, or on a new one, and returns the
    /// response head with its open body.
    ///
    /// A reused connection that fails before the request left it (hyper hands the request
    /// back) is dropped and the request goes to a new connection: the server never saw it,
    /// so this is not a retry.
    pub(crate) async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<(http::response::Parts, OpenBody), TransportFailure> {
        let invalid = |error| TransportFailure::new(TransportErrorKind::Other, error);
        let origin = origin(request.uri()).map_err(invalid)?;
        let proxy = self.proxies.select(&origin.0, &origin.1);
        let forwarding = proxy.filter(|_| origin.0 == "http");
        let request = http1_request(request, forwarding)
            .map_err(invalid)?
            .map(RequestBody::new);
        let route = Route::new(origin, proxy);
        let request = match self.idle.send_idle(&route, request).await? {
            Sent::Answered(head, body) => return Ok((head, OpenBody(body))),
            Sent::Unsent(request) => request,
        };
        let connection =
            open_connection(&route.origin, proxy, &self.dial, self.connect_timeout).await?;
        let (head, body) = self.idle.send_on(route, connection, request).await?;
        Ok((head, OpenBody(body)))
    }
}
