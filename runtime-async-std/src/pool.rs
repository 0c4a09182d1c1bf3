//! A small keep-alive pool of idle HTTP/1.1 connections, keyed by scheme, host and port and
//! the proxy they go through.
//!
//! An idle pooled connection is not polled; one the server closed meanwhile is noticed
//! (polled once, without waiting) when it is taken.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::Poll;
use std::time::{Duration, Instant};

use bytes::Bytes;
use codex_api_core::client_config::{ProxyRules, http1_request, origin};
use codex_api_core::retry::TransportErrorKind;
use futures_lite::future::poll_fn;
use futures_rustls::TlsConnector;
use http_body_util::Full;
use hyper::body::Incoming;

use codex_api_client::TransportFailure;

use crate::connection::{AsyncStdDial, Connection, OpenBody, Route, hyper_failure};

/// Idle connections kept per route (origin and proxy).
const MAX_IDLE_PER_ORIGIN: usize = 8;
/// How long an idle connection is kept.
const IDLE_EXPIRY: Duration = Duration::from_secs(90);

/// Opens connections (directly or through the proxy the rules pick) and keeps idle ones for
/// reuse. Cheap to share.
pub(crate) struct Pool {
    pub(crate) dial: AsyncStdDial,
    connect_timeout: Option<Duration>,
    pub(crate) proxies: ProxyRules,
    idle: Mutex<HashMap<Route, Vec<Connection>>>,
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
            idle: Mutex::new(HashMap::new()),
        }
    }

    /// Sends `request` on an idle connection to its origin, or on a new one, and returns the
    /// response head with its open body.
    ///
    /// A reused connection that fails before the request left it (hyper hands the request
    /// back) is dropped and the request goes to a new connection: the server never saw it,
    /// so this is not a retry.
    pub(crate) async fn send(
        self: &Arc<Self>,
        request: http::Request<Bytes>,
    ) -> Result<(http::response::Parts, OpenBody), TransportFailure> {
        let invalid = |error| TransportFailure::new(TransportErrorKind::Other, error);
        let origin = origin(request.uri()).map_err(invalid)?;
        let proxy = self.proxies.select(&origin.0, &origin.1);
        let forwarding = proxy.filter(|_| origin.0 == "http");
        let mut request = http1_request(request, forwarding)
            .map_err(invalid)?
            .map(Full::new);
        let route = Route::new(origin, proxy);
        while let Some(mut connection) = self.take(&route) {
            if !poll_fn(|cx| Poll::Ready(connection.poll_reusable(cx))).await {
                continue;
            }
            let exchange = connection.sender.try_send_request(request);
            match connection.drive(exchange).await {
                Ok(response) => return Ok(self.open(route, connection, response)),
                Err(mut error) => match error.take_message() {
                    Some(unsent) => request = unsent,
                    None => return Err(hyper_failure(error.into_error())),
                },
            }
        }
        let mut connection =
            Connection::open(&route.origin, proxy, &self.dial, self.connect_timeout).await?;
        let exchange = connection.sender.send_request(request);
        let response = connection.drive(exchange).await.map_err(hyper_failure)?;
        Ok(self.open(route, connection, response))
    }

    fn open(
        self: &Arc<Self>,
        route: Route,
        connection: Connection,
        response: http::Response<Incoming>,
    ) -> (http::response::Parts, OpenBody) {
        let (head, body) = response.into_parts();
        let pool = Arc::clone(self);
        (
            head,
            OpenBody {
                body,
                connection,
                pool,
                route,
            },
        )
    }

    fn idle(&self) -> MutexGuard<'_, HashMap<Route, Vec<Connection>>> {
        self.idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn take(&self, route: &Route) -> Option<Connection> {
        let mut idle = self.idle();
        let connections = idle.get_mut(route)?;
        connections.retain(|connection| connection.idle_since.elapsed() < IDLE_EXPIRY);
        connections.pop()
    }

    pub(crate) fn put(&self, route: Route, mut connection: Connection) {
        connection.idle_since = Instant::now();
        let mut idle = self.idle();
        let connections = idle.entry(route).or_default();
        if connections.len() < MAX_IDLE_PER_ORIGIN {
            connections.push(connection);
        }
    }
}

#[cfg(test)]
mod tests {
    use codex_api_core::client_config::Proxy;

    use codex_api_core::client_config::origin;

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
