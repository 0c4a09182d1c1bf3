//! A "realistic link" on loopback: a relay between the client and the testkit server that
//! delays every byte by half a round trip each way and lets the client's bytes through no
//! faster than an upload bandwidth (and, optionally, the server's bytes no faster than a
//! download bandwidth).
//!
//! The model is a bottleneck link with a fixed propagation delay and an unbounded buffer: the
//! relay reads what a side writes as soon as the kernel hands it over, stamps each slice of at
//! most [`SLICE`] bytes with the time it would finish crossing the bottleneck (one slice after
//! the other at the link's rate, never before it was read), adds the one-way delay, and writes
//! it to the other side at that instant (a writer thread per direction sleeping until the next
//! deadline; slices already due go out in one write). Deadlines are absolute, so a late wake-up
//! (a sleep overshoots by tens of µs, more on busy cores) delays one write without shifting the
//! ones after it. Not modelled: TCP slow start and congestion windows over the long path (the
//! relay's own loopback sockets have large windows), losses, jitter, and the TCP/TLS/IP header
//! bytes (the cap counts payload bytes only).

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The largest piece the relay stamps on its own: an Ethernet TCP segment's payload, so that
/// a large write reaches the other side progressively, as over a real link.
pub const SLICE: usize = 1448;

/// A link: round-trip time and bandwidths (bits per second; `None` is unlimited).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Link {
    /// The round-trip time: each direction delays its bytes by half of it.
    pub rtt: Duration,
    /// Client → server.
    pub up_bps: Option<u64>,
    /// Server → client.
    pub down_bps: Option<u64>,
}

impl Link {
    /// The documented row: 20 ms round trip, 20 Mbit/s up, download not capped.
    pub const DEFAULT: Link = Link {
        rtt: Duration::from_millis(20),
        up_bps: Some(20_000_000),
        down_bps: None,
    };

    /// Parses `RTT_MS:UP_MBIT[:DOWN_MBIT]` (e.g. `20:20` or `40:10:100`; `0` for a bandwidth
    /// means unlimited).
    pub fn parse(arg: &str) -> Option<Link> {
        let mut parts = arg.split(':');
        let rtt: f64 = parts.next()?.parse().ok()?;
        let mbit = |part: Option<&str>| -> Option<Option<u64>> {
            match part {
                None => Some(None),
                Some(value) => {
                    let mbit: f64 = value.parse().ok()?;
                    Some((mbit > 0.0).then_some((mbit * 1e6) as u64))
                }
            }
        };
        let up = mbit(parts.next())?;
        let down = mbit(parts.next())?;
        if parts.next().is_some() || !(0.0..=10_000.0).contains(&rtt) {
            return None;
        }
        Some(Link {
            rtt: Duration::from_secs_f64(rtt / 1e3),
            up_bps: up,
            down_bps: down,
        })
    }

    /// E.g. `RTT 20 ms, 20 Mbit/s up, download not capped`.
    pub fn describe(&self) -> String {
        let rate = |bps: Option<u64>, way: &str| match bps {
            Some(bps) => format!("{} Mbit/s {way}", bps as f64 / 1e6),
            None => format!("{way} not capped"),
        };
        format!(
            "RTT {} ms, {}, {}",
            self.rtt.as_secs_f64() * 1e3,
            rate(self.up_bps, "up"),
            rate(self.down_bps, "down")
        )
    }

    /// How long `bytes` take to cross a bottleneck of `bps` bits per second.
    fn serialization(bytes: usize, bps: Option<u64>) -> Duration {
        match bps {
            Some(bps) => Duration::from_secs_f64(bytes as f64 * 8.0 / bps as f64),
            None => Duration::ZERO,
        }
    }
}

/// The relay: every connection accepted on [`addr`](Self::addr) is relayed to the upstream
/// server through the link. Its threads end when their connections do; the listener's thread
/// lives as long as the process (the bench makes one relay per server).
pub struct Relay {
    addr: SocketAddr,
}

impl Relay {
    /// Starts a relay to `upstream` over `link`.
    pub fn start(upstream: SocketAddr, link: Link) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|error| panic!("{error}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|error| panic!("{error}"));
        std::thread::Builder::new()
            .name("link-accept".into())
            .spawn(move || {
                for client in listener.incoming().flatten() {
                    let Ok(server) = TcpStream::connect(upstream) else {
                        continue;
                    };
                    let _ = client.set_nodelay(true);
                    let _ = server.set_nodelay(true);
                    let (Ok(client2), Ok(server2)) = (client.try_clone(), server.try_clone())
                    else {
                        continue;
                    };
                    let one_way = link.rtt / 2;
                    direction("link-up", client, server, one_way, link.up_bps);
                    direction("link-down", server2, client2, one_way, link.down_bps);
                }
            })
            .unwrap_or_else(|error| panic!("{error}"));
        Relay { addr }
    }

    /// The relay's address (the client's URL points here instead of at the server).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `url` (the server's) with its authority replaced by the relay's.
    pub fn url_for(&self, url: &str) -> String {
        let (scheme, rest) = url.split_once("://").unwrap_or(("http", url));
        let path = rest.find('/').map_or("", |at| &rest[at..]);
        format!("{scheme}://{}{path}", self.addr)
    }
}

/// What travels from a direction's reader to its writer.
enum Piece {
    /// Bytes to write at this instant.
    Bytes(Instant, Vec<u8>),
    /// The source ended: shut the destination's write side at this instant.
    End(Instant),
}

/// One direction of a relayed connection: a reader thread stamping what `from` sends, a writer
/// thread handing it to `to` on time.
fn direction(
    name: &str,
    mut from: TcpStream,
    mut to: TcpStream,
    one_way: Duration,
    bps: Option<u64>,
) {
    let (sender, receiver) = mpsc::channel::<Piece>();
    let spawn = |body: Box<dyn FnOnce() + Send>| {
        let _ = std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(body);
    };
    spawn(Box::new(move || {
        let mut buf = vec![0u8; 64 * 1024];
        // When the bottleneck has sent everything read so far.
        let mut link_free = Instant::now();
        loop {
            let n = match from.read(&mut buf) {
                Ok(0) | Err(_) => {
                    let _ = sender.send(Piece::End(link_free.max(Instant::now()) + one_way));
                    return;
                }
                Ok(n) => n,
            };
            let now = Instant::now();
            for slice in buf[..n].chunks(SLICE) {
                link_free = link_free.max(now) + Link::serialization(slice.len(), bps);
                if sender
                    .send(Piece::Bytes(link_free + one_way, slice.to_vec()))
                    .is_err()
                {
                    return;
                }
            }
        }
    }));
    spawn(Box::new(move || {
        let mut pending: Option<Piece> = None;
        let mut out = Vec::with_capacity(64 * 1024);
        loop {
            let piece = match pending.take() {
                Some(piece) => piece,
                None => match receiver.recv() {
                    Ok(piece) => piece,
                    Err(_) => return,
                },
            };
            let at = match &piece {
                Piece::Bytes(at, _) | Piece::End(at) => *at,
            };
            sleep_until(at);
            let Piece::Bytes(_, bytes) = piece else {
                let _ = to.shutdown(Shutdown::Write);
                return;
            };
            // Everything else already due goes out in the same write.
            out.clear();
            out.extend_from_slice(&bytes);
            while let Ok(next) = receiver.try_recv() {
                match next {
                    Piece::Bytes(at, bytes) if at <= Instant::now() => {
                        out.extend_from_slice(&bytes)
                    }
                    other => {
                        pending = Some(other);
                        break;
                    }
                }
            }
            if to.write_all(&out).is_err() {
                let _ = to.shutdown(Shutdown::Both);
                return;
            }
        }
    }));
}

/// Sleeps until `deadline` (returns at once when it has passed).
fn sleep_until(deadline: Instant) {
    let now = Instant::now();
    if deadline > now {
        std::thread::sleep(deadline - now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_parse_and_describe() {
        assert_eq!(Link::parse("20:20"), Some(Link::DEFAULT));
        let link = Link::parse("40:10:100").unwrap();
        assert_eq!(link.rtt, Duration::from_millis(40));
        assert_eq!(
            (link.up_bps, link.down_bps),
            (Some(10_000_000), Some(100_000_000))
        );
        assert_eq!(Link::parse("5").unwrap().up_bps, None);
        assert_eq!(Link::parse("5:0").unwrap().up_bps, None);
        assert!(Link::parse("x").is_none() && Link::parse("1:2:3:4").is_none());
        assert_eq!(
            Link::DEFAULT.describe(),
            "RTT 20 ms, 20 Mbit/s up, down not capped"
        );
    }

    #[test]
    fn the_relay_delays_and_caps_the_upload() {
        let server = TcpListener::bind("127.0.0.1:0").unwrap();
        let upstream = server.local_addr().unwrap();
        let echo = std::thread::spawn(move || {
            let (mut socket, _) = server.accept().unwrap();
            let mut buf = vec![0u8; 100_000];
            socket.read_exact(&mut buf).unwrap();
            socket.write_all(b"ok").unwrap();
            buf
        });
        // 10 ms RTT, 8 Mbit/s up: 100 kB take 100 ms to upload, then 5 + 5 ms to get back.
        let relay = Relay::start(upstream, Link::parse("10:8").unwrap());
        let mut client = TcpStream::connect(relay.addr()).unwrap();
        let data: Vec<u8> = (0..100_000u32).map(|i| i as u8).collect();
        let start = Instant::now();
        client.write_all(&data).unwrap();
        let mut ok = [0u8; 2];
        client.read_exact(&mut ok).unwrap();
        let elapsed = start.elapsed();
        assert_eq!(&ok, b"ok");
        assert_eq!(echo.join().unwrap(), data);
        assert!(elapsed >= Duration::from_millis(110), "{elapsed:?}");
        assert!(elapsed < Duration::from_millis(300), "{elapsed:?}");
        assert_eq!(
            relay.url_for("https://127.0.0.1:4000/v1"),
            format!("https://{}/v1", relay.addr())
        );
    }
}
