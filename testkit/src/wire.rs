//! A connection's socket, read and written in short slices so that a server stop is noticed
//! even while a peer neither reads nor writes; plain TCP or TLS (rustls over the same socket).

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::{ServerConfig, ServerConnection};

use crate::stop::StopSignal;

/// How often a blocked read or write looks at the stop signal.
const POLL: Duration = Duration::from_millis(50);

/// How long a closing TLS connection tries to get its `close_notify` out to a peer that does
/// not read.
const CLOSE_NOTIFY_GRACE: Duration = Duration::from_secs(1);

/// Why a connection ended before its response did.
#[derive(Debug)]
pub(crate) enum Ended {
    /// The server is shutting down.
    Stopped,
    /// The peer went away, the socket failed, or the TLS session broke.
    Broken,
}

/// A connection socket bound to the server's stop signal.
pub(crate) struct Wire {
    stream: TcpStream,
    /// The TLS session, in TLS mode; every byte then goes through it.
    tls: Option<Box<ServerConnection>>,
    stop: Arc<StopSignal>,
    /// Whether [`close`](Self::close) ran.
    closed: bool,
}

impl Wire {
    /// Wraps an accepted socket; with `tls`, the handshake runs on the first read.
    pub(crate) fn new(
        stream: TcpStream,
        tls: Option<&Arc<ServerConfig>>,
        stop: Arc<StopSignal>,
    ) -> io::Result<Wire> {
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(POLL))?;
        stream.set_write_timeout(Some(POLL))?;
        let tls = match tls {
            Some(config) => Some(Box::new(
                ServerConnection::new(Arc::clone(config)).map_err(io::Error::other)?,
            )),
            None => None,
        };
        Ok(Wire {
            stream,
            tls,
            stop,
            closed: false,
        })
    }

    pub(crate) fn stop(&self) -> &StopSignal {
        &self.stop
    }

    /// Writes all of `bytes`, giving up when the server stops. In TLS mode the records are on
    /// the socket when this returns, as the plain bytes would be.
    pub(crate) fn write_all(&mut self, mut bytes: &[u8]) -> Result<(), Ended> {
        while !bytes.is_empty() {
            if self.stop.is_stopped() {
                return Err(Ended::Stopped);
            }
            let written = match &mut self.tls {
                Some(tls) => tls.writer().write(bytes),
                None => self.stream.write(bytes),
            };
            match written {
                Ok(0) if self.tls.is_none() => return Err(Ended::Broken),
                Ok(n) => bytes = bytes.get(n..).unwrap_or_default(),
                Err(error) if is_retry(&error) => {}
                Err(_) => return Err(Ended::Broken),
            }
            self.flush_tls(None)?;
        }
        Ok(())
    }

    /// Writes out every pending TLS record (nothing in plain mode); gives up when the server
    /// stops or `deadline` passes.
    fn flush_tls(&mut self, deadline: Option<Instant>) -> Result<(), Ended> {
        let Some(tls) = &mut self.tls else {
            return Ok(());
        };
        while tls.wants_write() {
            if self.stop.is_stopped() {
                return Err(Ended::Stopped);
            }
            if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
                return Err(Ended::Broken);
            }
            match tls.write_tls(&mut self.stream) {
                Ok(0) => return Err(Ended::Broken),
                Ok(_) => {}
                Err(error) if is_retry(&error) => {}
                Err(_) => return Err(Ended::Broken),
            }
        }
        Ok(())
    }

    /// Reads some bytes into `buf`; `Ok(0)` is end of stream. In TLS mode the handshake and
    /// its replies happen here, and a handshake the peer aborts ends the connection.
    pub(crate) fn read(&mut self, buf: &mut [u8]) -> Result<usize, Ended> {
        self.read_before(buf, None)
    }

    /// As [`read`](Self::read), but gives up (`Ended::Broken`) once `deadline` passes.
    fn read_before(&mut self, buf: &mut [u8], deadline: Option<Instant>) -> Result<usize, Ended> {
        if self.tls.is_none() {
            return self.read_plain(buf, deadline);
        }
        let mut eof = false;
        loop {
            if self.stop.is_stopped() {
                return Err(Ended::Stopped);
            }
            if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
                return Err(Ended::Broken);
            }
            let Some(tls) = &mut self.tls else {
                return Err(Ended::Broken);
            };
            match tls.reader().read(buf) {
                Ok(n) => return Ok(n),
                // The peer closed the socket without a `close_notify`: an end of stream, as a
                // plain FIN would be.
                Err(error) if error.kind() == io::ErrorKind::UnexpectedEof => return Ok(0),
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => {}
                Err(_) => return Err(Ended::Broken),
            }
            if eof {
                return Ok(0);
            }
            // Handshake replies (and anything else pending) go out before we wait for more.
            self.flush_tls(None)?;
            let Some(tls) = &mut self.tls else {
                return Err(Ended::Broken);
            };
            match tls.read_tls(&mut self.stream) {
                Ok(0) => eof = true,
                Ok(_) => {}
                Err(error) if is_retry(&error) => continue,
                Err(_) => return Err(Ended::Broken),
            }
            if tls.process_new_packets().is_err() {
                // Send the alert rustls queued, if the peer still listens.
                let _ = self.flush_tls(Instant::now().checked_add(CLOSE_NOTIFY_GRACE));
                return Err(Ended::Broken);
            }
        }
    }

    fn read_plain(&mut self, buf: &mut [u8], deadline: Option<Instant>) -> Result<usize, Ended> {
        loop {
            if self.stop.is_stopped() {
                return Err(Ended::Stopped);
            }
            if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
                return Err(Ended::Broken);
            }
            match self.stream.read(buf) {
                Ok(n) => return Ok(n),
                Err(error) if is_retry(&error) => {}
                Err(_) => return Err(Ended::Broken),
            }
        }
    }

    /// Sleeps, giving up when the server stops.
    pub(crate) fn sleep(&self, duration: Duration) -> Result<(), Ended> {
        if self.stop.sleep(duration) {
            Err(Ended::Stopped)
        } else {
            Ok(())
        }
    }

    /// Ends our side: in TLS mode a `close_notify` (so the peer sees a clean end of stream, as
    /// with a plain FIN), then a FIN. Errors are ignored: the peer may be gone already. The
    /// socket itself closes when the `Wire` drops.
    pub(crate) fn close(&mut self) {
        if std::mem::replace(&mut self.closed, true) {
            return;
        }
        if let Some(tls) = &mut self.tls {
            tls.send_close_notify();
            let _ = self.flush_tls(Instant::now().checked_add(CLOSE_NOTIFY_GRACE));
        }
        let _ = self.stream.shutdown(std::net::Shutdown::Write);
    }
}

impl Wire {
    /// After [`close`](Self::close): reads and discards what the peer still sends until it
    /// closes its side, the server stops, or `grace` passes, so that closing the socket does
    /// not reset the connection under bytes the peer has not read yet.
    pub(crate) fn drain(&mut self, grace: Duration) {
        let deadline = Instant::now().checked_add(grace);
        let mut buf = [0u8; 4096];
        while let Ok(n) = self.read_before(&mut buf, deadline) {
            if n == 0 {
                return;
            }
        }
    }
}

fn is_retry(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
    )
}
