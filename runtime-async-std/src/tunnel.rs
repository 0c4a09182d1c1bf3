//! The `CONNECT` tunnel of an `https` target through an HTTP proxy: the IO only. The head, the
//! reading of the reply and the choice of proxy are the core's
//! ([`connect_request`], [`read_connect_reply`], `ProxyRules`).

use codex_api_client::TransportFailure;
use codex_api_core::client_config::{
    Proxy, ProxyError, TunnelReply, connect_request, read_connect_reply,
};
use futures_lite::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Asks the proxy at the other end of `stream` for a tunnel to `host:port`. A 2xx leaves
/// `stream` ready for the origin's bytes; anything else is a `connect` failure whose cause is
/// a [`ProxyError`].
pub(crate) async fn open_tunnel<S>(
    stream: &mut S,
    proxy: &Proxy,
    host: &str,
    port: u16,
) -> Result<(), TransportFailure>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let io_failure = |error: std::io::Error| TransportFailure::classify(error, true);
    let head = connect_request(proxy, host, port); // zeroed once sent: it may carry credentials
    stream
        .write_all(head.expose().as_bytes())
        .await
        .map_err(io_failure)?;
    drop(head);
    stream.flush().await.map_err(io_failure)?;
    let mut received = Vec::with_capacity(256);
    let mut buffer = [0_u8; 512];
    loop {
        let read = stream.read(&mut buffer).await.map_err(io_failure)?;
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
