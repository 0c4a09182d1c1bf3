//! A connection's socket, read and written in short slices so that a server stop is noticed
//! even while a peer neither reads nor writes.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use crate::stop::StopSignal;

/// How often a blocked read or write looks at the stop signal.
const POLL: Duration = Duration::from_millis(50);

/// Why a connection ended before its response did.
#[derive(Debug)]
pub(crate) enum Ended {
    /// The server is shutting down.
    Stopped,
    /// The peer went away or the socket failed.
    Broken,
}

/// A connection socket bound to the server's stop signal.
pub(crate) struct Wire {
    stream: TcpStream,
    stop: Arc<StopSignal>,
}

impl Wire {
    pub(crate) fn new(stream: TcpStream, stop: Arc<StopSignal>) -> io::Result<Wire> {
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(POLL))?;
        stream.set_write_timeout(Some(POLL))?;
        Ok(Wire { stream, stop })
    }

    pub(crate) fn stop(&self) -> &StopSignal {
        &self.stop
    }

    /// Writes all of `bytes`, giving up when the server stops.
    pub(crate) fn write_all(&mut self, mut bytes: &[u8]) -> Result<(), Ended> {
        while !bytes.is_empty() {
            if self.stop.is_stopped() {
                return Err(Ended::Stopped);
            }
            match self.stream.write(bytes) {
                Ok(0) => return Err(Ended::Broken),
                Ok(n) => bytes = bytes.get(n..).unwrap_or_default(),
                Err(error) if is_retry(&error) => {}
                Err(_) => return Err(Ended::Broken),
            }
        }
        Ok(())
    }

    /// Reads some bytes into `buf`; `Ok(0)` is end of stream.
    pub(crate) fn read(&mut self, buf: &mut [u8]) -> Result<usize, Ended> {
        loop {
            if self.stop.is_stopped() {
                return Err(Ended::Stopped);
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

    /// Ends our side with a FIN (errors ignored: the peer may be gone already). The socket
    /// itself closes when the `Wire` drops.
    pub(crate) fn close(&self) {
        let _ = self.stream.shutdown(std::net::Shutdown::Write);
    }
}

fn is_retry(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
    )
}
