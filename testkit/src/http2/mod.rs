//! The HTTP/2 mode (cargo feature `http2`): the same [`Script`] served by hyper 1 on a tokio
//! runtime of the server's own, over TLS with ALPN `h2` (what `api.openai.com` negotiates) or
//! over plain TCP with HTTP/2 prior knowledge (h2c); HTTP/1.1 too, for clients that do not
//! speak HTTP/2. See [`Http2Options`] for how a script maps to HTTP/2.

mod body;
mod serve;

use std::fmt;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::script::{Script, ScriptedResponse};
use crate::server::TestServer;
use crate::tls::TestIdentity;

/// The most concurrent streams a client may open on one HTTP/2 connection, unless set with
/// [`Http2Options::max_concurrent_streams`].
pub const DEFAULT_MAX_CONCURRENT_STREAMS: u32 = 100_000;

/// Which protocols the HTTP/2 mode speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Protocols {
    Both,
    Http2Only,
    Http1Only,
}

/// How [`TestServer::start_http2`] serves: TLS or plain TCP, the protocols offered, stream
/// and thread limits, and an optional [`Hold`]. The HTTP/2 mode (cargo feature `http2`) serves
/// the same [`Script`] by hyper 1 on a tokio runtime of the server's own.
///
/// ```
/// use std::time::Duration;
/// use codex_api_testkit::tls::TestIdentity;
/// use codex_api_testkit::{Http2Options, Script, ScriptedResponse, TestServer, Transcript};
///
/// let stream = Transcript::new().created().message(&["Hello"]).completed();
/// let options = Http2Options::tls(&TestIdentity::localhost()).max_concurrent_streams(20_000);
/// let stats = options.stats();
/// let server = TestServer::start_http2(Script::new().then(ScriptedResponse::sse(stream)), options)?;
/// assert!(server.url().starts_with("https://127.0.0.1:"));
/// // A client that trusts `TestIdentity::localhost_ca_path()` and offers `h2` by ALPN now
/// // streams the transcript over HTTP/2; `server.requests()` records its request, and
/// // `stats.h2_requests()` counts it.
/// assert_eq!(stats.h2_requests(), 0);
/// # let _ = Duration::ZERO;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # What maps to what
///
/// Every request is recorded as in the HTTP/1.1 modes ([`TestServer::requests`]) and takes the
/// next scripted response, routes and dynamic routes included. Differences:
///
/// - **Request headers** come as hyper parsed them: lowercase names, grouped by name (the first
///   occurrence of each name sets its place). An HTTP/2 request has no `host` field; its
///   authority (`:authority`) and the other pseudo-header fields are not recorded.
/// - **Response head**: the status and the scripted headers. Over HTTP/2 the
///   connection-specific fields (`connection`, `keep-alive`, `proxy-connection`,
///   `transfer-encoding`, `upgrade`) are left out, as HTTP/2 forbids them, and a
///   [`reason`](ScriptedResponse::reason) is not sent (HTTP/2 has none). A body framed with
///   `Content-Length` declares it (hyper writes the field); a chunked body has no length
///   (over HTTP/1.1 hyper then chunks it itself, in chunks of its own choosing).
/// - **Body**: each chunk of the script ([`Body::chunk_size`](crate::Body::chunk_size), one per
///   event for [`Body::events`](crate::Body::events) and transcripts, each byte of a
///   [`drip`](crate::Body::drip)) is handed to hyper as one data frame, and over HTTP/2 goes out
///   as one `DATA` frame (split at the peer's maximum frame size, 16 KiB by default, and by
///   flow control); [`gather_writes(max)`](crate::Body::gather_writes) hands consecutive
///   chunks over as one frame of at most `max` payload bytes (no framing to count). Pieces of
///   more than 64 KiB go in 64 KiB frames. Pauses, chunk delays, stalls (with keep-alive
///   comments for a chunked body) happen at the same payload offsets as over HTTP/1.1.
///   `END_STREAM` rides on the last `DATA` frame ([`end_stream_apart`](Self::end_stream_apart)
///   sends it in an empty frame of its own).
/// - **Faults**: a scripted [`close`](crate::Body::close) (or `close_at`) ends the response
///   abruptly: over HTTP/2 the stream is reset (`RST_STREAM`, `INTERNAL_ERROR`) and the
///   connection's other streams go on; over HTTP/1.1 the connection closes. Either happens
///   50 ms after the last bytes before the fault were handed to hyper, which drops what it has
///   not written yet when it resets or closes, so those bytes reach the client first. A
///   [`Cut`](crate::Cut) of the chunked encoding cannot be sent through hyper: it does the same
///   as a close. [`ScriptedResponse::hang_up`] resets the stream (HTTP/2) or closes the
///   connection (HTTP/1.1) without a head. [`close_connection`](ScriptedResponse::close_connection)
///   closes an HTTP/1.1 connection after the response and is ignored over HTTP/2.
/// - **Not supported**: WebSocket upgrades ([`ScriptedResponse::websocket`]) are answered `501`.
/// - [`BodyWrite`](crate::BodyWrite) marks are taken when a payload step's first frame is handed
///   to hyper (it may wait there for flow-control credit), not at a socket `write`.
/// - A dynamic route's responder ([`Script::on_fn`]) runs on one of the runtime's worker
///   threads: a slow one holds up the connections served by that thread.
///
/// Dropping the server stops accepting, drops every connection (a stalled or held response
/// ends with its connection) and joins the runtime's threads.
#[derive(Clone)]
pub struct Http2Options {
    identity: Option<TestIdentity>,
    protocols: Protocols,
    max_concurrent_streams: u32,
    worker_threads: usize,
    hold: Option<Hold>,
    end_stream_apart: bool,
    stats: Http2Stats,
}

impl fmt::Debug for Http2Options {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Http2Options")
            .field("tls", &self.identity.is_some())
            .field("protocols", &self.protocols)
            .field("max_concurrent_streams", &self.max_concurrent_streams)
            .field("worker_threads", &self.worker_threads)
            .field("hold", &self.hold)
            .field("end_stream_apart", &self.end_stream_apart)
            .finish()
    }
}

impl Http2Options {
    fn new(identity: Option<TestIdentity>) -> Http2Options {
        Http2Options {
            identity,
            protocols: Protocols::Both,
            max_concurrent_streams: DEFAULT_MAX_CONCURRENT_STREAMS,
            worker_threads: 2,
            hold: None,
            end_stream_apart: false,
            stats: Http2Stats::default(),
        }
    }

    /// TLS with `identity` (for example [`TestIdentity::localhost`]), ALPN `h2` then
    /// `http/1.1`: a client that offers `h2` gets HTTP/2, one that offers only `http/1.1` (or
    /// no ALPN) gets HTTP/1.1.
    pub fn tls(identity: &TestIdentity) -> Http2Options {
        Http2Options::new(Some(identity.clone()))
    }

    /// Plain TCP: HTTP/2 with prior knowledge (h2c, a client that starts with the HTTP/2
    /// connection preface) and HTTP/1.1 (any other client). No `Upgrade: h2c`.
    pub fn cleartext() -> Http2Options {
        Http2Options::new(None)
    }

    /// HTTP/2 only: over TLS, ALPN `h2` alone (a client that offers only `http/1.1` fails the
    /// handshake); over plain TCP, a client without the preface is refused.
    pub fn http2_only(mut self) -> Http2Options {
        self.protocols = Protocols::Http2Only;
        self
    }

    /// HTTP/1.1 only, by hyper on the same runtime (over TLS, ALPN `http/1.1` alone, so a
    /// client that offers `h2` too picks HTTP/1.1): for comparisons with the HTTP/2 mode on the
    /// same server, or for many HTTP/1.1 connections without a thread each.
    pub fn http1_only(mut self) -> Http2Options {
        self.protocols = Protocols::Http1Only;
        self
    }

    /// `SETTINGS_MAX_CONCURRENT_STREAMS`: how many streams a client may have open at once on
    /// one connection (default [`DEFAULT_MAX_CONCURRENT_STREAMS`]).
    pub fn max_concurrent_streams(mut self, max: u32) -> Http2Options {
        self.max_concurrent_streams = max;
        self
    }

    /// The worker threads of the server's tokio runtime (default 2; at least 1).
    pub fn worker_threads(mut self, threads: usize) -> Http2Options {
        self.worker_threads = threads.max(1);
        self
    }

    /// Holds every [`Stall::until_shutdown`](crate::Stall::until_shutdown) of the scripted
    /// bodies until `hold` is [released](Hold::release) (the body then goes on, and stalls
    /// reached after the release pass at once) rather than until the server drops.
    pub fn hold(mut self, hold: &Hold) -> Http2Options {
        self.hold = Some(hold.clone());
        self
    }

    /// Ends each stream in an empty `END_STREAM` frame of its own, after the last `DATA` frame
    /// (as a server that flushes its last event before it knows the body is over), instead of
    /// setting `END_STREAM` on the last `DATA` frame (the default). Over HTTP/1.1: the
    /// terminating chunk in a write of its own.
    pub fn end_stream_apart(mut self) -> Http2Options {
        self.end_stream_apart = true;
        self
    }

    /// The counters this server will keep (connections, requests by protocol, open responses);
    /// take them before starting the server.
    pub fn stats(&self) -> Http2Stats {
        self.stats.clone()
    }

    /// The ALPN protocols offered over TLS, in order of preference.
    fn alpn(&self) -> Vec<Vec<u8>> {
        match self.protocols {
            Protocols::Both => vec![b"h2".to_vec(), b"http/1.1".to_vec()],
            Protocols::Http2Only => vec![b"h2".to_vec()],
            Protocols::Http1Only => vec![b"http/1.1".to_vec()],
        }
    }
}

impl TestServer {
    /// Binds `127.0.0.1:0` and serves `script` over TLS with `identity`, HTTP/2 to clients
    /// that offer `h2` by ALPN and HTTP/1.1 to the others: [`start_http2`](Self::start_http2)
    /// with [`Http2Options::tls`]. [`url`](Self::url) is `https://127.0.0.1:PORT`.
    pub fn start_h2(script: Script, identity: &TestIdentity) -> io::Result<TestServer> {
        TestServer::start_http2(script, Http2Options::tls(identity))
    }

    /// Binds `127.0.0.1:0` and serves `script` over plain TCP, HTTP/2 to clients with prior
    /// knowledge (h2c) and HTTP/1.1 to the others: [`start_http2`](Self::start_http2) with
    /// [`Http2Options::cleartext`].
    pub fn start_h2c(script: Script) -> io::Result<TestServer> {
        TestServer::start_http2(script, Http2Options::cleartext())
    }

    /// Binds `127.0.0.1:0` and serves `script` by hyper on a tokio runtime of the server's
    /// own, as `options` say (see [`Http2Options`] for how a script maps to HTTP/2). The listen backlog is 4,096 (as the system allows), so thousands of clients
    /// may connect at once.
    ///
    /// Fails when the runtime or the socket cannot be set up, or (with
    /// [`io::ErrorKind::InvalidInput`]) when the identity's PEM is unusable.
    pub fn start_http2(script: Script, options: Http2Options) -> io::Result<TestServer> {
        serve::start(script, options)
    }
}

/// A latch for [`Http2Options::hold`]: scripted `Stall::until_shutdown()` stalls wait for it.
/// Cheap to clone; clones share the latch.
///
/// For example, to have N streams all open at once: script each response as the first event,
/// then `Stall::until_shutdown()`, then the rest; wait until the client has the first event of
/// every stream; then [`release`](Self::release).
#[derive(Clone)]
pub struct Hold {
    released: Arc<tokio::sync::watch::Sender<bool>>,
}

impl Default for Hold {
    fn default() -> Self {
        Hold::new()
    }
}

impl fmt::Debug for Hold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hold")
            .field("released", &self.is_released())
            .finish()
    }
}

impl Hold {
    /// A latch not yet released.
    pub fn new() -> Hold {
        Hold {
            released: Arc::new(tokio::sync::watch::Sender::new(false)),
        }
    }

    /// Releases every held stall, now and for good.
    pub fn release(&self) {
        self.released.send_replace(true);
    }

    /// Whether [`release`](Self::release) was called.
    pub fn is_released(&self) -> bool {
        *self.released.borrow()
    }

    /// Waits until released.
    pub(crate) async fn wait(&self) {
        let mut released = self.released.subscribe();
        // The sender lives as long as `self`, so this only ends by the release.
        let _ = released.wait_for(|released| *released).await;
    }
}

/// Counters of a server in the HTTP/2 mode, from [`Http2Options::stats`]. Cheap to clone;
/// clones share the counters.
#[derive(Clone, Debug, Default)]
pub struct Http2Stats(Arc<Counters>);

#[derive(Debug, Default)]
struct Counters {
    connections: AtomicU64,
    failed_handshakes: AtomicU64,
    h2_connections: AtomicU64,
    http1_connections: AtomicU64,
    h2_requests: AtomicU64,
    http1_requests: AtomicU64,
    open_responses: AtomicU64,
    peak_open_responses: AtomicU64,
}

impl Http2Stats {
    /// TCP connections accepted (a TLS handshake that failed included).
    pub fn connections(&self) -> u64 {
        self.0.connections.load(Ordering::Relaxed)
    }

    /// TLS handshakes that failed (an untrusted certificate, no common ALPN protocol...).
    pub fn failed_handshakes(&self) -> u64 {
        self.0.failed_handshakes.load(Ordering::Relaxed)
    }

    /// Connections that carried at least one HTTP/2 request.
    pub fn h2_connections(&self) -> u64 {
        self.0.h2_connections.load(Ordering::Relaxed)
    }

    /// Connections that carried at least one HTTP/1.x request.
    pub fn http1_connections(&self) -> u64 {
        self.0.http1_connections.load(Ordering::Relaxed)
    }

    /// Requests received over HTTP/2.
    pub fn h2_requests(&self) -> u64 {
        self.0.h2_requests.load(Ordering::Relaxed)
    }

    /// Requests received over HTTP/1.x.
    pub fn http1_requests(&self) -> u64 {
        self.0.http1_requests.load(Ordering::Relaxed)
    }

    /// Responses whose body hyper has not finished with yet (still being sent, paused, stalled
    /// or held).
    pub fn open_responses(&self) -> u64 {
        self.0.open_responses.load(Ordering::Relaxed)
    }

    /// The most responses open at once so far.
    pub fn peak_open_responses(&self) -> u64 {
        self.0.peak_open_responses.load(Ordering::Relaxed)
    }

    fn count(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a response whose body starts; the guard counts its end when dropped.
    fn open_response(&self) -> OpenResponse {
        let open = self.0.open_responses.fetch_add(1, Ordering::Relaxed) + 1;
        self.0
            .peak_open_responses
            .fetch_max(open, Ordering::Relaxed);
        OpenResponse(self.clone())
    }
}

/// One open response, for [`Http2Stats::open_responses`].
struct OpenResponse(Http2Stats);

impl Drop for OpenResponse {
    fn drop(&mut self) {
        self.0.0.open_responses.fetch_sub(1, Ordering::Relaxed);
    }
}

/// What every connection of one server shares.
pub(crate) struct Settings {
    hold: Option<Hold>,
    end_stream_apart: bool,
    stats: Http2Stats,
}

/// Whether the version is HTTP/2 (else HTTP/1.x).
fn is_h2(version: http::Version) -> bool {
    version == http::Version::HTTP_2
}

/// The `501` a WebSocket upgrade gets in this mode.
fn websocket_unsupported() -> ScriptedResponse {
    ScriptedResponse::text(
        501,
        "codex-api-testkit: the HTTP/2 mode does not serve WebSocket upgrades; use TestServer::start\n",
    )
}
