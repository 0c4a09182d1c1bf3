//! When the server wrote body bytes: one mark per payload step of each response body, so that
//! a client in the same process can measure how long the bytes took to reach it.

use std::time::Instant;

/// When the server began writing one payload step of a response body.
///
/// A payload step is one [`Body::bytes`](crate::Body::bytes), [`Body::fill`](crate::Body::fill)
/// or [`Body::drip`](crate::Body::drip) call (a `*_at` method that splits a piece makes two
/// steps; [`Body::huge_event`](crate::Body::huge_event) makes three, and a
/// [`Transcript`](crate::Transcript) one per frame). [`at`](Self::at) is taken just before the
/// server's first `write` of that step's bytes (its chunk-size line under chunked framing),
/// after any pause, stall or chunk delay scripted before it. The mark is recorded once that
/// write has returned, so a client that has already read the bytes may look before the mark
/// exists: wait for it with [`TestServer::wait_for_body_writes`](crate::TestServer::wait_for_body_writes).
///
/// `Instant`s compare only within one process: use these marks with a client running in the
/// same process as the [`TestServer`](crate::TestServer).
///
/// ```
/// use std::io::{Read, Write};
/// use std::net::TcpStream;
/// use std::time::{Duration, Instant};
/// use codex_api_testkit::{Body, Script, ScriptedResponse, TestServer};
///
/// let body = Body::content_length().bytes("ab").pause(Duration::from_millis(20)).bytes("cd");
/// let server = TestServer::start(Script::new().then(ScriptedResponse::new(200).body(body)))?;
/// let mut socket = TcpStream::connect(server.addr())?;
/// socket.write_all(b"GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")?;
/// let mut reply = String::new();
/// socket.read_to_string(&mut reply)?;
/// let got_all = Instant::now();
/// assert!(reply.ends_with("\r\n\r\nabcd"));
///
/// let writes = server.wait_for_body_writes(2, Duration::from_secs(5));
/// assert_eq!((writes[0].request, writes[0].step, writes[0].offset), (0, 0, 0));
/// assert_eq!((writes[1].request, writes[1].step, writes[1].offset), (0, 1, 2));
/// assert!(writes[1].at >= writes[0].at + Duration::from_millis(20));
/// assert!(got_all >= writes[1].at);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyWrite {
    /// The request this response answers: its index in [`TestServer::requests`](crate::TestServer::requests).
    pub request: usize,
    /// Which payload step of the body, counting from 0.
    pub step: usize,
    /// Payload bytes of the body before this step (chunk framing not counted).
    pub offset: u64,
    /// Taken just before the first `write` of this step's bytes.
    pub at: Instant,
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpStream;
    use std::time::{Duration, Instant};

    use crate::{Body, Script, ScriptedResponse, TestServer};

    const WAIT: Duration = Duration::from_secs(10);

    fn connect(server: &TestServer) -> TcpStream {
        let socket = TcpStream::connect(server.addr()).unwrap();
        socket.set_read_timeout(Some(WAIT)).unwrap();
        socket
    }

    fn get(socket: &mut TcpStream, method: &str, close: bool) {
        let connection = if close { "close" } else { "keep-alive" };
        write!(
            socket,
            "{method} / HTTP/1.1\r\nHost: test\r\nConnection: {connection}\r\n\r\n"
        )
        .unwrap();
    }

    /// Reads until `end` has arrived (more may follow it in the same read); returns everything
    /// read.
    fn read_until(socket: &mut TcpStream, end: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut buf = [0u8; 4096];
        while !out.windows(end.len()).any(|window| window == end) {
            let n = socket.read(&mut buf).unwrap();
            assert!(n > 0, "end of stream before {end:?}: {out:?}");
            out.extend_from_slice(&buf[..n]);
        }
        out
    }

    #[test]
    fn one_mark_per_payload_step_with_request_step_and_offset() {
        let pause = Duration::from_millis(30);
        let first = Body::chunked()
            .bytes("abc")
            .pause(pause)
            .fill(b'x', 4)
            .bytes("yz");
        let second = Body::content_length().pause(pause).bytes("hello");
        let server = TestServer::start(
            Script::new()
                .then(ScriptedResponse::new(200).body(first))
                .then(ScriptedResponse::new(200).body(second)),
        )
        .unwrap();
        let mut socket = connect(&server);
        get(&mut socket, "GET", false);
        let reply = read_until(&mut socket, b"0\r\n\r\n");
        assert!(reply.ends_with(b"3\r\nabc\r\n4\r\nxxxx\r\n2\r\nyz\r\n0\r\n\r\n"));
        get(&mut socket, "GET", true);
        let reply = read_until(&mut socket, b"hello");
        let got_hello = Instant::now();
        assert!(reply.starts_with(b"HTTP/1.1 200 OK\r\n"));

        let writes = server.wait_for_body_writes(4, WAIT);
        let shape: Vec<(usize, usize, u64)> = writes
            .iter()
            .map(|write| (write.request, write.step, write.offset))
            .collect();
        assert_eq!(shape, [(0, 0, 0), (0, 1, 3), (0, 2, 7), (1, 0, 0)]);
        // The pause comes before the second step's mark; the bytes arrive after their mark.
        assert!(writes[1].at >= writes[0].at + pause);
        assert!(writes[2].at >= writes[1].at);
        assert!(got_hello >= writes[3].at);
        assert_eq!(server.body_writes(), writes);
    }

    #[test]
    fn the_mark_is_taken_before_the_bytes_reach_the_client() {
        let body = Body::chunked()
            .pause(Duration::from_millis(20))
            .bytes("data: 1\n\n");
        let server = TestServer::start(Script::new().then(ScriptedResponse::sse(body))).unwrap();
        let mut socket = connect(&server);
        get(&mut socket, "POST", true);
        read_until(&mut socket, b"data: 1\n\n\r\n");
        let received = Instant::now();
        let writes = server.wait_for_body_writes(1, WAIT);
        assert_eq!(writes.len(), 1);
        assert!(writes[0].at <= received);
    }

    #[test]
    fn bodiless_responses_have_no_marks() {
        let server = TestServer::start(
            Script::new()
                .then(ScriptedResponse::new(200).body(Body::fixed("abc")))
                .then(ScriptedResponse::new(204)),
        )
        .unwrap();
        let mut socket = connect(&server);
        get(&mut socket, "HEAD", false);
        read_until(&mut socket, b"\r\n\r\n");
        get(&mut socket, "GET", true);
        let mut rest = Vec::new();
        socket.read_to_end(&mut rest).unwrap();
        assert!(rest.starts_with(b"HTTP/1.1 204 No Content\r\n"));
        assert_eq!(server.wait_for_requests(2, WAIT).len(), 2);
        assert_eq!(server.body_writes(), []);
    }

    /// A large piece without a chunk size goes out in bounded writes: the first one returns
    /// (and is marked) while the client has read none of the body, far more than the socket
    /// buffers can hold. Written whole, the first write could only return once nearly all
    /// of it had been read.
    #[test]
    fn a_large_piece_starts_going_out_before_the_client_reads_it() {
        const LEN: usize = 64 * 1024 * 1024;
        let payload: Vec<u8> = (0..LEN).map(|i| (i % 251) as u8).collect();
        for body in [
            Body::fixed(payload.clone()),
            Body::chunked().bytes(payload.clone()),
        ] {
            let chunked = body.framing() == crate::Framing::Chunked;
            let server =
                TestServer::start(Script::new().then(ScriptedResponse::new(200).body(body)))
                    .unwrap();
            let mut socket = connect(&server);
            get(&mut socket, "GET", true);
            assert_eq!(server.wait_for_body_writes(1, WAIT).len(), 1);
            let mut reply = Vec::new();
            socket.read_to_end(&mut reply).unwrap();
            let head_end = reply.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
            let body = &reply[head_end..];
            if chunked {
                let header = format!("{LEN:X}\r\n");
                assert!(body.starts_with(header.as_bytes()));
                assert_eq!(&body[header.len()..header.len() + LEN], &payload[..]);
                assert_eq!(&body[header.len() + LEN..], b"\r\n0\r\n\r\n");
            } else {
                assert_eq!(body, &payload[..]);
            }
        }
    }
}
