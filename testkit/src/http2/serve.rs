//! The HTTP/2 mode's server: a tokio runtime on a thread of its own, its listener, one task per
//! connection (TLS handshake, then hyper's HTTP/2 or HTTP/1.1), one call of the service per
//! request.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue};
use http::{Request, Response, StatusCode};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio_rustls::TlsAcceptor;

use super::body::{self, Marks, ScriptBody};
use super::{Http2Options, Http2Stats, Protocols, Settings, is_h2, websocket_unsupported};
use crate::request::RecordedRequest;
use crate::script::{Script, ScriptedResponse};
use crate::server::{Shared, TestServer};

/// How often the listener looks at the stop signal while no connection comes.
const POLL: Duration = Duration::from_millis(100);

/// The listen backlog asked for (the system caps it at `net.core.somaxconn`).
const BACKLOG: u32 = 4096;

/// Header fields HTTP/2 forbids (RFC 9113, section 8.2.2).
const CONNECTION_SPECIFIC: [&str; 5] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "upgrade",
];

/// What every connection task shares.
struct Server {
    shared: Arc<Shared>,
    tls: Option<TlsAcceptor>,
    builder: auto::Builder<TokioExecutor>,
    settings: Settings,
}

/// Sets up the runtime, the TLS configuration and the listener, then starts the listener
/// thread.
pub(super) fn start(script: Script, options: Http2Options) -> io::Result<TestServer> {
    let tls = match &options.identity {
        Some(identity) => {
            let mut config = (*identity.server_config()?).clone();
            config.alpn_protocols = options.alpn();
            Some(Arc::new(config))
        }
        None => None,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(options.worker_threads)
        .thread_name("testkit-h2")
        .enable_all()
        .build()?;
    let listener = {
        let _entered = runtime.enter();
        let socket = TcpSocket::new_v4()?;
        socket.bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))?;
        socket.listen(BACKLOG)?
    };
    let addr = listener.local_addr()?;
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new());
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(options.max_concurrent_streams)
        // Scripted closes reset streams; let a test script as many as it likes.
        .max_local_error_reset_streams(None);
    let builder = match options.protocols {
        Protocols::Both => builder,
        Protocols::Http2Only => builder.http2_only(),
        Protocols::Http1Only => builder.http1_only(),
    };
    let acceptor = tls.clone().map(TlsAcceptor::from);
    let settings = Settings {
        hold: options.hold,
        end_stream_apart: options.end_stream_apart,
        stats: options.stats,
    };
    TestServer::launch_with(script, tls, move |shared| {
        let server = Arc::new(Server {
            shared,
            tls: acceptor,
            builder,
            settings,
        });
        let thread = std::thread::Builder::new()
            .name(format!("testkit-h2-accept-{}", addr.port()))
            .spawn(move || {
                runtime.block_on(accept(listener, server));
                // Dropping the runtime drops every connection task, and so every connection.
                drop(runtime);
            })?;
        Ok((addr, thread))
    })
}

/// Accepts connections until the server stops.
async fn accept(listener: TcpListener, server: Arc<Server>) {
    let mut next_id = 0u64;
    loop {
        if server.shared.stop.is_stopped() {
            return;
        }
        let accepted = match tokio::time::timeout(POLL, listener.accept()).await {
            Ok(accepted) => accepted,
            Err(_) => continue,
        };
        if server.shared.stop.is_stopped() {
            return;
        }
        let Ok((socket, _)) = accepted else {
            // Out of descriptors or an aborted handshake: back off briefly and go on.
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let id = next_id;
        next_id += 1;
        Http2Stats::count(&server.settings.stats.0.connections);
        tokio::spawn(connection(socket, id, Arc::clone(&server)));
    }
}

/// Serves one connection until it closes or the server stops.
async fn connection(socket: TcpStream, id: u64, server: Arc<Server>) {
    let _ = socket.set_nodelay(true);
    let counted = Arc::new(AtomicBool::new(false));
    let serving = Arc::clone(&server);
    let service =
        service_fn(move |request| handle(request, id, Arc::clone(&serving), Arc::clone(&counted)));
    match &server.tls {
        Some(acceptor) => {
            let Ok(tls) = acceptor.accept(socket).await else {
                Http2Stats::count(&server.settings.stats.0.failed_handshakes);
                return;
            };
            let _ = server
                .builder
                .serve_connection(TokioIo::new(tls), service)
                .await;
        }
        None => {
            let _ = server
                .builder
                .serve_connection(TokioIo::new(socket), service)
                .await;
        }
    }
}

/// No response: the stream is reset (HTTP/2) or the connection closed (HTTP/1.1).
#[derive(Debug)]
struct HangUp;

impl std::fmt::Display for HangUp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("codex-api-testkit: the script hangs up")
    }
}

impl std::error::Error for HangUp {}

/// Records one request and answers it from the script.
async fn handle(
    request: Request<Incoming>,
    connection_id: u64,
    server: Arc<Server>,
    counted: Arc<AtomicBool>,
) -> Result<Response<ScriptBody>, HangUp> {
    let received_at = Instant::now();
    let h2 = is_h2(request.version());
    let counters = &server.settings.stats.0;
    if !counted.swap(true, Ordering::Relaxed) {
        Http2Stats::count(if h2 {
            &counters.h2_connections
        } else {
            &counters.http1_connections
        });
    }
    Http2Stats::count(if h2 {
        &counters.h2_requests
    } else {
        &counters.http1_requests
    });
    let (head, body) = request.into_parts();
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return Err(HangUp),
    };
    let recorded = RecordedRequest {
        method: head.method.as_str().to_owned(),
        path: head
            .uri
            .path_and_query()
            .map_or("/", |path| path.as_str())
            .to_owned(),
        headers: head
            .headers
            .iter()
            .map(|(name, value)| {
                let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                (name.as_str().to_owned(), value)
            })
            .collect(),
        body: Vec::from(body),
        received_at,
        connection_id,
        script_exhausted: false,
    };
    let shared = Arc::clone(&server.shared);
    let (index, mut response) = shared.answer(recorded);
    if response.hang_up {
        return Err(HangUp);
    }
    if !response.head_delay.is_zero() {
        tokio::time::sleep(response.head_delay).await;
    }
    if response.websocket.take().is_some() {
        response = websocket_unsupported();
    }
    Ok(respond(&response, h2, index, &server))
}

/// The response head and body hyper sends for a scripted response.
fn respond(
    response: &ScriptedResponse,
    h2: bool,
    index: usize,
    server: &Arc<Server>,
) -> Response<ScriptBody> {
    let mut sets_framing = false;
    let mut headers = Vec::with_capacity(response.headers.len() + 1);
    for (name, value) in &response.headers {
        let lower = name.to_ascii_lowercase();
        if lower == "content-length" || lower == "transfer-encoding" {
            sets_framing = true;
        }
        if h2 && CONNECTION_SPECIFIC.contains(&lower.as_str()) {
            continue;
        }
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            headers.push((name, value));
        }
    }
    if response.close_connection && !h2 {
        headers.push((http::header::CONNECTION, HeaderValue::from_static("close")));
    }
    let settings = &server.settings;
    let body = body::start(
        &response.body,
        !sets_framing,
        settings.end_stream_apart,
        settings.hold.clone(),
        Marks {
            shared: Arc::clone(&server.shared),
            request: index,
        },
        settings.stats.open_response(),
    );
    let mut out = Response::new(body);
    *out.status_mut() =
        StatusCode::from_u16(response.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let map = out.headers_mut();
    for (name, value) in headers {
        map.append(name, value);
    }
    if let Some(reason) = response.reason.as_deref().filter(|_| !h2)
        && let Ok(reason) = hyper::ext::ReasonPhrase::try_from(Bytes::from(reason.to_owned()))
    {
        out.extensions_mut().insert(reason);
    }
    out
}
