//! TCP (std) and TLS (rustls) on the calling thread, for [`Connect::connect`](codex_api_client::Connect::connect).

use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use codex_api_client::{Dial, DnsError, Opened, SyncStream, TransportFailure};
use rustls::{ClientConnection, StreamOwned};

/// A TLS connection over a blocking TCP stream.
pub type TlsStream = StreamOwned<ClientConnection, TcpStream>;

/// The blocking runtime's raw byte stream: plain TCP or TLS over it.
pub type Stream = Opened<SyncStream<TcpStream>, SyncStream<TlsStream>>;

/// Opens connections within `timeout` (its socket timers cover the tunnel and the handshake;
/// [`ready`] clears them).
#[derive(Clone, Debug)]
pub(crate) struct StdDial {
    pub(crate) tls: Arc<rustls::ClientConfig>,
    pub(crate) timeout: Option<Duration>,
}

impl Dial for StdDial {
    type Tcp = SyncStream<TcpStream>;
    type Tls = SyncStream<TlsStream>;

    async fn tcp(&self, host: &str, port: u16) -> Result<Self::Tcp, TransportFailure> {
        let dns = |error| TransportFailure::classify(DnsError::new(host, error), true);
        let mut last = None;
        for address in (host, port).to_socket_addrs().map_err(dns)? {
            let tcp = match self.timeout {
                Some(timeout) => TcpStream::connect_timeout(&address, timeout),
                None => TcpStream::connect(address),
            };
            match tcp {
                Ok(tcp) => {
                    let _ = tcp.set_nodelay(true);
                    tcp.set_read_timeout(self.timeout)
                        .map_err(|e| TransportFailure::classify(e, true))?;
                    tcp.set_write_timeout(self.timeout)
                        .map_err(|e| TransportFailure::classify(e, true))?;
                    return Ok(SyncStream(tcp));
                }
                Err(error) => last = Some(error),
            }
        }
        let error = last.unwrap_or_else(|| std::io::ErrorKind::NotFound.into());
        Err(TransportFailure::classify(error, true))
    }

    async fn tls(&self, tcp: Self::Tcp, host: &str) -> Result<Self::Tls, TransportFailure> {
        let name = codex_api_client::tls::server_name(host)?;
        let connection = ClientConnection::new(self.tls.clone(), name);
        let connection = connection.map_err(TransportFailure::tls)?;
        let mut stream = StreamOwned::new(connection, tcp.0);
        while stream.conn.is_handshaking() {
            stream
                .conn
                .complete_io(&mut stream.sock)
                .map_err(TransportFailure::tls)?;
        }
        Ok(SyncStream(stream))
    }
}

/// Clears the socket timers [`StdDial`] set for opening the connection.
pub(crate) fn ready(stream: &Stream) -> std::io::Result<()> {
    let tcp = match stream {
        Opened::Plain(SyncStream(tcp)) => tcp,
        Opened::Tls(SyncStream(tls)) => &tls.sock,
    };
    tcp.set_read_timeout(None)?;
    tcp.set_write_timeout(None)
}
