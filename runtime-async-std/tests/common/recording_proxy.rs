//! A tiny loopback HTTP proxy on std threads that records the head of every connection's first
//! request: it relays `CONNECT` tunnels to their target, refuses with a status, or never
//! answers.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// What the proxy does after reading a request head.
#[derive(Clone, Copy, Debug)]
pub enum Behaviour {
    /// `CONNECT host:port`: answers 200 and relays to `host:port`.
    Tunnel,
    /// Answers every request with this status (and `Proxy-Authenticate`), then closes.
    Refuse(u16),
    /// Never answers; reads until the client closes.
    Silent,
}

/// A running proxy.
pub struct RecordingProxy {
    addr: SocketAddr,
    heads: Arc<Mutex<Vec<String>>>,
}

impl RecordingProxy {
    /// Starts a proxy on 127.0.0.1 (an ephemeral port).
    pub fn start(behaviour: Behaviour) -> RecordingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let heads = Arc::new(Mutex::new(Vec::new()));
        let seen = heads.clone();
        std::thread::spawn(move || {
            for socket in listener.incoming() {
                let Ok(socket) = socket else { return };
                let seen = seen.clone();
                std::thread::spawn(move || serve(socket, behaviour, &seen));
            }
        });
        RecordingProxy { addr, heads }
    }

    /// The proxy URL with optional `user:password@` credentials.
    pub fn url(&self, credentials: &str) -> String {
        format!("http://{credentials}{}", self.addr)
    }

    /// The first request head of every connection so far, in arrival order.
    pub fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }
}

/// The value of header `name` (case-insensitive) in a raw request head.
pub fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.split("\r\n").skip(1).find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

fn serve(mut client: TcpStream, behaviour: Behaviour, heads: &Mutex<Vec<String>>) {
    let mut head = Vec::new();
    let mut byte = [0_u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if client.read_exact(&mut byte).is_err() || head.len() > 64 * 1024 {
            return;
        }
        head.push(byte[0]);
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    heads.lock().unwrap().push(text.clone());
    match behaviour {
        Behaviour::Silent => {
            let _ = client.read_to_end(&mut Vec::new());
        }
        Behaviour::Refuse(status) => {
            let answer = format!(
                "HTTP/1.1 {status} Refused\r\nProxy-Authenticate: Basic realm=\"test\"\r\n\
                 Content-Length: 0\r\nConnection: close\r\n\r\n"
            );
            let _ = client.write_all(answer.as_bytes());
        }
        Behaviour::Tunnel => {
            let target = text
                .strip_prefix("CONNECT ")
                .and_then(|rest| rest.split(' ').next())
                .expect("a CONNECT request");
            let relayed = TcpStream::connect(target).and_then(|upstream| {
                client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")?;
                Ok(upstream)
            });
            if let Ok(upstream) = relayed {
                let _ = pipe(client, upstream);
            }
        }
    }
}

/// Copies bytes both ways until each side has closed.
fn pipe(client: TcpStream, upstream: TcpStream) -> io::Result<()> {
    let (mut client_in, mut client_out) = (client.try_clone()?, client);
    let (mut upstream_in, mut upstream_out) = (upstream.try_clone()?, upstream);
    let up = std::thread::spawn(move || {
        let _ = io::copy(&mut client_in, &mut upstream_out);
        let _ = upstream_out.shutdown(Shutdown::Write);
    });
    let _ = io::copy(&mut upstream_in, &mut client_out);
    let _ = client_out.shutdown(Shutdown::Write);
    let _ = up.join();
    Ok(())
}
