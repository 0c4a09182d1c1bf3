//! The server: a listener thread that starts one thread per connection, and the shared state
//! they record into.

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::body_write::BodyWrite;
use crate::connection::serve;
use crate::dynamic_route::{Responder, respond};
use crate::request::RecordedRequest;
use crate::script::{Script, ScriptedResponse};
use crate::stop::StopSignal;
use crate::tls::TestIdentity;
use crate::websocket::{WsMessage, WsScript, WsSession};

/// What the script and the record share; one lock, so the record's order is the order in which
/// requests took their scripted responses.
#[derive(Debug)]
struct State {
    script: Script,
    requests: Vec<RecordedRequest>,
    body_writes: Vec<BodyWrite>,
    ws_sessions: Vec<WsSession>,
    ws_messages: Vec<WsMessage>,
}

/// How a request gets its response.
enum Answer {
    /// From a script entry (or the exhaustion `500`).
    Ready(ScriptedResponse),
    /// From a dynamic route, once the lock is released.
    Dynamic(Responder, RecordedRequest),
}

/// State shared by the server handle and its threads.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) stop: Arc<StopSignal>,
    /// The TLS configuration, in TLS mode.
    pub(crate) tls: Option<Arc<rustls::ServerConfig>>,
    state: Mutex<State>,
    recorded: Condvar,
    connections: Mutex<Vec<JoinHandle<()>>>,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn connections(&self) -> MutexGuard<'_, Vec<JoinHandle<()>>> {
        self.connections
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Records `request` and takes its scripted response (or the exhaustion `500`), with the
    /// request's index in the record.
    ///
    /// A dynamic route's responder runs after the request is recorded and the lock released,
    /// so a slow responder holds up no other connection.
    pub(crate) fn answer(&self, mut request: RecordedRequest) -> (usize, ScriptedResponse) {
        let mut state = self.state();
        let index = state.requests.len();
        let answer = match state.script.take(&request.method, &request.path) {
            Some(response) => Answer::Ready(response),
            None => match state.script.route_for(&request.method, &request.path) {
                Some(responder) => Answer::Dynamic(responder, request.clone()),
                None => {
                    request.script_exhausted = true;
                    Answer::Ready(ScriptedResponse::script_exhausted(
                        &request.method,
                        &request.path,
                    ))
                }
            },
        };
        state.requests.push(request);
        drop(state);
        self.recorded.notify_all();
        let response = match answer {
            Answer::Ready(response) => response,
            Answer::Dynamic(responder, request) => respond(&responder, &request),
        };
        (index, response)
    }

    /// Records when a payload step of a response body began to go out.
    pub(crate) fn record_body_write(&self, write: BodyWrite) {
        self.state().body_writes.push(write);
        self.recorded.notify_all();
    }

    /// Records a new WebSocket session, built from its index.
    pub(crate) fn open_ws_session(&self, session: impl FnOnce(usize) -> WsSession) -> usize {
        let mut state = self.state();
        let index = state.ws_sessions.len();
        state.ws_sessions.push(session(index));
        drop(state);
        self.recorded.notify_all();
        index
    }

    /// Changes the record of a WebSocket session.
    pub(crate) fn update_ws_session(&self, index: usize, change: impl FnOnce(&mut WsSession)) {
        if let Some(session) = self.state().ws_sessions.get_mut(index) {
            change(session);
        }
        self.recorded.notify_all();
    }

    /// Records a message a WebSocket client sent.
    pub(crate) fn record_ws_message(&self, message: WsMessage) {
        self.state().ws_messages.push(message);
        self.recorded.notify_all();
    }

    /// Waits until `ready` holds for the state or `timeout` passes; returns the state either way.
    fn wait_until(
        &self,
        timeout: Duration,
        ready: impl Fn(&State) -> bool,
    ) -> MutexGuard<'_, State> {
        let deadline = Instant::now().checked_add(timeout);
        let mut state = self.state();
        while !ready(&state) {
            let now = Instant::now();
            let left = match deadline {
                Some(deadline) if deadline > now => deadline - now,
                Some(_) => break,
                None => Duration::from_secs(3600),
            };
            state = self
                .recorded
                .wait_timeout(state, left)
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .0;
        }
        state
    }
}

/// A scripted HTTP/1.1 server on `127.0.0.1`, on an ephemeral port, over plain TCP
/// ([`start`](Self::start)) or TLS ([`start_tls`](Self::start_tls)).
///
/// Each connection gets a thread of its own; requests on one connection are answered in turn
/// (keep-alive). Dropping the server stops accepting, ends every response still running
/// (pauses, stalls, slow readers) by closing its connection, and joins every thread.
///
/// With the cargo feature `http2`, `start_h2`, `start_h2c` and `start_http2` serve the same
/// script over HTTP/2 (and HTTP/1.1) by hyper on a tokio runtime of the server's own.
#[derive(Debug)]
pub struct TestServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

impl TestServer {
    /// Binds `127.0.0.1:0` and starts serving `script` over plain TCP.
    pub fn start(script: Script) -> io::Result<TestServer> {
        TestServer::launch(script, None)
    }

    /// Binds `127.0.0.1:0` and starts serving `script` over TLS with `identity` (for example
    /// [`TestIdentity::localhost`]); [`url`](Self::url) is then `https://127.0.0.1:PORT`.
    ///
    /// Everything else is as over plain TCP: each response's bytes go through the TLS session
    /// (records of at most 16 KiB), faults and pauses happen at the same payload offsets, and
    /// a scripted close sends a `close_notify` before the FIN, so the client sees a clean end
    /// of stream exactly where a plain client would see the FIN. A client that does not trust
    /// the issuer fails the handshake and the connection ends without a request recorded.
    ///
    /// Fails with [`io::ErrorKind::InvalidInput`] when the identity's PEM is unusable.
    pub fn start_tls(script: Script, identity: &TestIdentity) -> io::Result<TestServer> {
        TestServer::launch(script, Some(identity.server_config()?))
    }

    fn launch(script: Script, tls: Option<Arc<rustls::ServerConfig>>) -> io::Result<TestServer> {
        let listener = TcpListener::bind(("127.0.0.1", 0))?;
        let addr = listener.local_addr()?;
        TestServer::launch_with(script, tls, |accepting| {
            let acceptor = std::thread::Builder::new()
                .name(format!("testkit-accept-{}", addr.port()))
                .spawn(move || accept(listener, accepting))?;
            Ok((addr, acceptor))
        })
    }

    /// Starts a server whose listener thread `spawn` starts (it returns the address listened
    /// on and the thread). The thread must return once the stop signal is raised and a
    /// connection (the wake-up `Drop` makes) has come in, or soon after the signal anyway.
    pub(crate) fn launch_with(
        script: Script,
        tls: Option<Arc<rustls::ServerConfig>>,
        spawn: impl FnOnce(Arc<Shared>) -> io::Result<(SocketAddr, JoinHandle<()>)>,
    ) -> io::Result<TestServer> {
        let shared = Arc::new(Shared {
            stop: Arc::new(StopSignal::default()),
            tls,
            state: Mutex::new(State {
                script,
                requests: Vec::new(),
                body_writes: Vec::new(),
                ws_sessions: Vec::new(),
                ws_messages: Vec::new(),
            }),
            recorded: Condvar::new(),
            connections: Mutex::new(Vec::new()),
        });
        let (addr, acceptor) = spawn(Arc::clone(&shared))?;
        Ok(TestServer {
            addr,
            shared,
            acceptor: Some(acceptor),
        })
    }

    /// The socket address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL, `http://127.0.0.1:PORT`, or `https://127.0.0.1:PORT` in TLS mode (no
    /// trailing slash).
    pub fn url(&self) -> String {
        let scheme = if self.is_tls() { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// Whether the server speaks TLS ([`start_tls`](Self::start_tls)).
    pub fn is_tls(&self) -> bool {
        self.shared.tls.is_some()
    }

    /// Every request received so far, in the order they took their responses.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.state().requests.clone()
    }

    /// Waits until at least `count` requests have arrived, or `timeout` passes; returns every
    /// request received so far (fewer than `count` on timeout).
    pub fn wait_for_requests(&self, count: usize, timeout: Duration) -> Vec<RecordedRequest> {
        self.shared
            .wait_until(timeout, |state| state.requests.len() >= count)
            .requests
            .clone()
    }

    /// When each payload step of every response body began to go out, in the order the
    /// server wrote them (see [`BodyWrite`]).
    pub fn body_writes(&self) -> Vec<BodyWrite> {
        self.shared.state().body_writes.clone()
    }

    /// Waits until at least `count` body writes are recorded, or `timeout` passes; returns
    /// every one recorded so far (fewer than `count` on timeout).
    pub fn wait_for_body_writes(&self, count: usize, timeout: Duration) -> Vec<BodyWrite> {
        self.shared
            .wait_until(timeout, |state| state.body_writes.len() >= count)
            .body_writes
            .clone()
    }

    /// Every WebSocket session accepted so far (upgrades answered `101`), in order.
    pub fn websocket_sessions(&self) -> Vec<WsSession> {
        self.shared.state().ws_sessions.clone()
    }

    /// Waits until at least `count` WebSocket sessions were accepted, or `timeout` passes;
    /// returns every one so far (fewer than `count` on timeout).
    pub fn wait_for_websocket_sessions(&self, count: usize, timeout: Duration) -> Vec<WsSession> {
        self.shared
            .wait_until(timeout, |state| state.ws_sessions.len() >= count)
            .ws_sessions
            .clone()
    }

    /// Every message WebSocket clients sent so far, over all sessions, in the order received.
    pub fn websocket_messages(&self) -> Vec<WsMessage> {
        self.shared.state().ws_messages.clone()
    }

    /// Waits until at least `count` WebSocket messages arrived, or `timeout` passes; returns
    /// every one so far (fewer than `count` on timeout).
    pub fn wait_for_websocket_messages(&self, count: usize, timeout: Duration) -> Vec<WsMessage> {
        self.shared
            .wait_until(timeout, |state| state.ws_messages.len() >= count)
            .ws_messages
            .clone()
    }

    /// Waits until the WebSocket session `index` is over (see [`WsSession::ended`]), or
    /// `timeout` passes; returns its record then (`None` if it never opened).
    pub fn wait_for_websocket_end(&self, index: usize, timeout: Duration) -> Option<WsSession> {
        self.shared
            .wait_until(timeout, |state| {
                state.ws_sessions.get(index).is_some_and(|s| s.ended)
            })
            .ws_sessions
            .get(index)
            .cloned()
    }

    /// Appends a WebSocket session for the next upgrade on `path` (see [`Script::on_websocket`]).
    pub fn push_websocket(&self, path: &str, script: WsScript) {
        let mut state = self.shared.state();
        let script_now = std::mem::take(&mut state.script);
        state.script = script_now.on_websocket(path, script);
    }

    /// Appends a response for the next request that no routed entry claims (see [`Script::then`]).
    pub fn push(&self, response: ScriptedResponse) {
        let mut state = self.shared.state();
        let script = std::mem::take(&mut state.script);
        state.script = script.then(response);
    }

    /// Appends a response for requests with this method and path (see [`Script::on`]).
    pub fn push_on(&self, method: &str, path: &str, response: ScriptedResponse) {
        let mut state = self.shared.state();
        let script = std::mem::take(&mut state.script);
        state.script = script.on(method, path, response);
    }

    /// Adds a dynamic route (see [`Script::on_fn`]): every request with this method whose path
    /// (without its query) starts with `path_prefix` is answered by `responder`, after unused
    /// entries and the routes added before.
    pub fn push_fn(
        &self,
        method: &str,
        path_prefix: &str,
        responder: impl Fn(&RecordedRequest) -> ScriptedResponse + Send + Sync + 'static,
    ) {
        let mut state = self.shared.state();
        let script = std::mem::take(&mut state.script);
        state.script = script.on_fn(method, path_prefix, responder);
    }

    /// How many scripted responses are still unused (dynamic routes are not counted).
    pub fn remaining_responses(&self) -> usize {
        self.shared.state().script.len()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shared.stop.stop();
        // Wake the listener thread out of `accept`; it sees the stop signal and returns.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
        let connections = std::mem::take(&mut *self.shared.connections());
        for connection in connections {
            let _ = connection.join();
        }
    }
}

/// Accepts connections until the server stops.
fn accept(listener: TcpListener, shared: Arc<Shared>) {
    let mut next_id = 0u64;
    for stream in listener.incoming() {
        if shared.stop.is_stopped() {
            return;
        }
        let Ok(stream) = stream else {
            // Out of descriptors or an aborted handshake: back off briefly and go on.
            if shared.stop.sleep(Duration::from_millis(10)) {
                return;
            }
            continue;
        };
        let id = next_id;
        next_id += 1;
        let serving = Arc::clone(&shared);
        let spawned = std::thread::Builder::new()
            .name(format!("testkit-conn-{id}"))
            .spawn(move || serve(stream, id, serving));
        if let Ok(handle) = spawned {
            let mut connections = shared.connections();
            connections.retain(|handle| !handle.is_finished());
            connections.push(handle);
        }
    }
}
