//! Host names resolved by tokio for hyper-util's TCP connector.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use codex_api_client::DnsError;
use hyper_util::client::legacy::connect::dns::Name;
use tower_service::Service;

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
