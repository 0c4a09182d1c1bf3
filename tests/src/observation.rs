//! What one run of a scenario produced, normalised so that runs on different runtimes compare
//! equal exactly when they behaved the same.

use std::time::Duration;

use codex_api_core::call::AttemptRecord;
use codex_api_core::error::ApiError;
use codex_api_core::stream::{ResponseEvent, ResponseStream, StreamItem, StreamStats};
use codex_api_core::unauthorized::RecoveryStep;
use codex_api_core::wire::{CompactionOutput, MemorySummarizeOutput, ModelsResponse};
use codex_api_testkit::RecordedRequest;

/// Request headers left out of the comparison because the HTTP stack, not the core, owns them:
/// the connection-management headers (`connection`, `keep-alive`, `te`) and the body framing
/// (`content-length` vs `transfer-encoding`); also [`ACCEPT_ENCODING`]. Everything else —
/// `host` (the run's own server shown as [`SERVER_HOST`]), `user-agent`, `originator`,
/// `authorization`, `accept`, `content-type`, session and Codex headers — must be identical.
pub const TRANSPORT_HEADERS: [&str; 5] = [
    "connection",
    "keep-alive",
    "te",
    "content-length",
    "transfer-encoding",
];

/// Also excluded: transport compression the HTTP stack may offer on its own.
pub const ACCEPT_ENCODING: &str = "accept-encoding";

/// What a `host` header naming the run's own server reads as (each run's server has an
/// ephemeral port of its own).
pub const SERVER_HOST: &str = "<server>";

/// Where a failure surfaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// From `ClientBuilder::build` (or `Client::from_env`): a `ConfigError`, no call made.
    Build,
    /// From the call itself (before any stream existed, or a unary call).
    Call,
    /// From the event stream, after the call returned it.
    Stream,
}

/// A failure, reduced to what a caller acts on, plus the whole error for strictness.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorFacts {
    /// Where it surfaced.
    pub phase: Phase,
    /// The adapter error's `kind()`.
    pub kind: String,
    /// The HTTP status, for server errors.
    pub status: Option<u16>,
    /// The server's retry delay, for server errors.
    pub retry_after: Option<Duration>,
    /// The request id, for server errors.
    pub request_id: Option<String>,
    /// The whole server error, when it was one.
    pub api: Option<ApiError>,
    /// Anything else the error says that is not runtime-specific (e.g. transport kind and
    /// attempts, a core `CallError`'s Debug).
    pub detail: String,
}

impl ErrorFacts {
    /// Facts of a server error.
    pub fn from_api(phase: Phase, kind: &str, api: &ApiError) -> ErrorFacts {
        ErrorFacts {
            phase,
            kind: kind.to_owned(),
            status: api.status().map(|status| status.as_u16()),
            retry_after: api.retry_after(),
            request_id: api.request_id().map(str::to_owned),
            api: Some(api.clone()),
            detail: String::new(),
        }
    }

    /// Facts of a configuration error (kind `config`; the detail is its `Debug`, then its
    /// message).
    pub fn config(error: &codex_api_core::client_config::ConfigError) -> ErrorFacts {
        ErrorFacts::other(Phase::Build, "config", format!("{error:?}: {error}"))
    }

    /// Facts of any other error.
    pub fn other(phase: Phase, kind: &str, detail: String) -> ErrorFacts {
        ErrorFacts {
            phase,
            kind: kind.to_owned(),
            status: None,
            retry_after: None,
            request_id: None,
            api: None,
            detail,
        }
    }
}

/// How the call ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The event stream ended without an error.
    StreamEnded,
    /// `responses/compact` succeeded.
    Compacted(CompactionOutput),
    /// `memories/trace_summarize` succeeded.
    Memories(MemorySummarizeOutput),
    /// `list_models` succeeded.
    Models(ModelsResponse),
    /// A generic unary call succeeded.
    Unary {
        /// The status.
        status: u16,
        /// The response headers as the adapter returned them, minus the framing ones
        /// ([`TRANSPORT_HEADERS`]), lowercased and sorted.
        headers: Vec<(String, String)>,
        /// The body.
        body: Vec<u8>,
    },
    /// A Responses-resource or Conversations call succeeded: its typed reply, re-encoded as
    /// JSON (lossless, so every member the server sent is compared).
    Resource(String),
    /// The call or its stream failed.
    Failed(ErrorFacts),
    /// The consumer dropped the stream early ([`Step::StreamAndDrop`](crate::scenario::Step)).
    Dropped,
    /// The outcome of each call step of a [`CallSpec::Sequence`](crate::scenario::CallSpec).
    Steps(Vec<Outcome>),
}

/// One request as the server saw it, minus the transport's headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenRequest {
    /// The method.
    pub method: String,
    /// The target, with its query.
    pub path: String,
    /// Headers, names lowercased, sorted by name (order within a name kept).
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl SeenRequest {
    /// The first value of a header (`name` lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// The headers of a `CONNECT` request (the transport's own request to a proxy) that are
/// compared: the proxy's credentials, and the API's, which must never be there. The rest
/// (`user-agent`, `proxy-connection`, ...) is the stack's.
pub const CONNECT_HEADERS: [&str; 2] = ["proxy-authorization", "authorization"];

/// Normalises the requests a server at `server` (`127.0.0.1:PORT`) recorded: drops the
/// transport headers (of a `CONNECT`, all but [`CONNECT_HEADERS`]), shows a `host` naming
/// `server` as [`SERVER_HOST`], lowercases and sorts the rest.
pub fn normalise(requests: &[RecordedRequest], server: &str) -> Vec<SeenRequest> {
    requests
        .iter()
        .map(|request| {
            let connect = request.method == "CONNECT";
            let mut headers: Vec<(String, String)> = request
                .headers
                .iter()
                .map(|(name, value)| {
                    let name = name.to_ascii_lowercase();
                    match value.as_str() {
                        value if name == "host" && value == server => {
                            (name, SERVER_HOST.to_owned())
                        }
                        value => (name, value.to_owned()),
                    }
                })
                .filter(|(name, _)| {
                    !TRANSPORT_HEADERS.contains(&name.as_str()) && name != ACCEPT_ENCODING
                })
                .filter(|(name, _)| !connect || CONNECT_HEADERS.contains(&name.as_str()))
                .collect();
            headers.sort_by(|a, b| a.0.cmp(&b.0));
            SeenRequest {
                method: request.method.clone(),
                path: request.path.clone(),
                headers,
                body: request.body.clone(),
            }
        })
        .collect()
}

/// The connection of each request, numbered by first use (`[7, 7, 9]` becomes `[0, 0, 1]`).
pub fn connections(requests: &[RecordedRequest]) -> Vec<u64> {
    let mut seen: Vec<u64> = Vec::new();
    requests
        .iter()
        .map(|request| {
            let index = seen.iter().position(|id| *id == request.connection_id);
            index.unwrap_or_else(|| {
                seen.push(request.connection_id);
                seen.len() - 1
            }) as u64
        })
        .collect()
}

/// What a drained stream knows about itself (the core's `ResponseStream` accessors).
#[derive(Debug, Clone, PartialEq)]
pub struct StreamFacts {
    /// The counters, with `bytes_received` zeroed: it counts bytes read after the terminal
    /// event too, and how many of those an HTTP stack happened to read is its own business.
    pub stats: StreamStats,
    /// The request id from the head.
    pub request_id: Option<String>,
    /// `x-codex-turn-state` from the head.
    pub turn_state: Option<String>,
    /// `openai-model` from the head.
    pub server_model: Option<String>,
    /// Whether `data: [DONE]` ended the stream.
    pub done_sentinel_seen: bool,
    /// The last `sequence_number` seen.
    pub last_sequence_number: Option<u64>,
    /// `response.end_turn` of the completion.
    pub end_turn: Option<bool>,
}

impl StreamFacts {
    /// The facts of `stream`.
    pub fn of(stream: &ResponseStream) -> Self {
        let mut stats = stream.stats();
        stats.bytes_received = 0;
        StreamFacts {
            stats,
            request_id: stream.request_id().map(str::to_owned),
            turn_state: stream.turn_state().map(str::to_owned),
            server_model: stream.server_model().map(str::to_owned),
            done_sentinel_seen: stream.done_sentinel_seen(),
            last_sequence_number: stream.last_sequence_number(),
            end_turn: stream.end_turn(),
        }
    }
}

/// A count of the events of a [`CallSpec::Tally`](crate::scenario::CallSpec::Tally) call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Events delivered.
    pub events: u64,
    /// Of which text deltas.
    pub text_deltas: u64,
    /// The bytes of their text.
    pub text_bytes: u64,
    /// Whether a `Completed` event was delivered.
    pub completed: bool,
}

impl Tally {
    /// Counts one event.
    pub fn add(&mut self, event: &ResponseEvent) {
        self.events += 1;
        match event {
            ResponseEvent::OutputTextDelta { delta, .. } => {
                self.text_deltas += 1;
                self.text_bytes += delta.len() as u64;
            }
            ResponseEvent::Completed { .. } => self.completed = true,
            _ => {}
        }
    }
}

/// Everything one run of a scenario produced. Equal across runtimes, or a runtime differs.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// The Codex-level events delivered before the end.
    pub events: Vec<ResponseEvent>,
    /// The raw items delivered before the end (raw-view calls only).
    pub raw: Vec<StreamItem>,
    /// The tally of the events (tally calls only: their events are not kept).
    pub tally: Option<Tally>,
    /// What the drained stream knew about itself (streamed calls only).
    pub stream: Option<StreamFacts>,
    /// How it ended.
    pub outcome: Outcome,
    /// What the server received.
    pub requests: Vec<SeenRequest>,
    /// The auth recovery steps the adapter ran.
    pub auth_steps: Vec<RecoveryStep>,
    /// The core's record of every attempt, as the adapter reported it (`elapsed` zeroed: it
    /// is the only timing in it). Retry delays are compared exactly: the jitter is seeded.
    pub attempts: Vec<AttemptRecord>,
    /// The connection each request arrived on, numbered by first use (`[0, 0, 1]`: the third
    /// request opened a new connection). A runtime whose pool legitimately differs says so
    /// ([`Scenario::connections_on`](crate::scenario::Scenario::connections_on)).
    pub connections: Vec<u64>,
    /// The WebSocket messages the server received: (session, text), in order.
    pub websocket: Vec<(usize, String)>,
    /// Whether each WebSocket session negotiated `permessage-deflate`.
    pub websocket_deflate: Vec<bool>,
}

impl Observation {
    /// The JSON of every WebSocket message the server received.
    pub fn ws_messages(&self) -> Vec<serde_json::Value> {
        self.websocket
            .iter()
            .map(|(_, text)| serde_json::from_str(text).expect("a JSON message"))
            .collect()
    }

    /// The concatenated output text deltas.
    pub fn text(&self) -> String {
        self.events
            .iter()
            .filter_map(|event| match event {
                ResponseEvent::OutputTextDelta { delta, .. } => Some(delta.as_str()),
                _ => None,
            })
            .collect()
    }

    /// The outcomes of a sequence's call steps; panics with the outcome for a single call.
    pub fn steps(&self) -> &[Outcome] {
        match &self.outcome {
            Outcome::Steps(steps) => steps,
            other => panic!("expected the outcomes of a sequence, got {other:?}"),
        }
    }

    /// The failure, if the call failed.
    pub fn error(&self) -> Option<&ErrorFacts> {
        match &self.outcome {
            Outcome::Failed(facts) => Some(facts),
            _ => None,
        }
    }

    /// The failure; panics with the outcome when the call did not fail.
    pub fn expect_error(&self) -> &ErrorFacts {
        match &self.outcome {
            Outcome::Failed(facts) => facts,
            other => panic!("expected a failure, got {other:?}"),
        }
    }

    /// Whether the stream ended with a `Completed` event and no error.
    pub fn completed(&self) -> bool {
        self.outcome == Outcome::StreamEnded
            && matches!(self.events.last(), Some(ResponseEvent::Completed { .. }))
    }
}

/// A request as one readable line: method, path, headers, body as (lossy) text.
fn describe_request(request: &SeenRequest) -> String {
    format!(
        "{} {} {:?} body={:?}",
        request.method,
        request.path,
        request.headers,
        String::from_utf8_lossy(&request.body)
    )
}

/// What differs between two observations, one readable line per difference (empty when
/// equal).
pub fn differences(left: &Observation, right: &Observation) -> Vec<String> {
    let mut out = Vec::new();
    let events = left.events.len().max(right.events.len());
    for index in 0..events {
        let (a, b) = (left.events.get(index), right.events.get(index));
        if a != b {
            out.push(format!("event {index}: {a:?}\n    vs {b:?}"));
        }
    }
    let raw = left.raw.len().max(right.raw.len());
    for index in 0..raw {
        let (a, b) = (left.raw.get(index), right.raw.get(index));
        if a != b {
            out.push(format!("raw item {index}: {a:?}\n    vs {b:?}"));
        }
    }
    if left.tally != right.tally {
        out.push(format!("tally: {:?}\n    vs {:?}", left.tally, right.tally));
    }
    if left.stream != right.stream {
        out.push(format!(
            "stream facts: {:?}\n    vs {:?}",
            left.stream, right.stream
        ));
    }
    if left.outcome != right.outcome {
        out.push(format!(
            "outcome: {:?}\n    vs {:?}",
            left.outcome, right.outcome
        ));
    }
    let requests = left.requests.len().max(right.requests.len());
    for index in 0..requests {
        let (a, b) = (left.requests.get(index), right.requests.get(index));
        if a != b {
            out.push(format!(
                "request {index}: {}\n    vs {}",
                a.map(describe_request).unwrap_or_else(|| "none".into()),
                b.map(describe_request).unwrap_or_else(|| "none".into())
            ));
        }
    }
    if left.websocket != right.websocket || left.websocket_deflate != right.websocket_deflate {
        out.push(format!(
            "websocket: {:?} {:?}\n    vs {:?} {:?}",
            left.websocket, left.websocket_deflate, right.websocket, right.websocket_deflate
        ));
    }
    if left.connections != right.connections {
        out.push(format!(
            "connections: {:?}\n    vs {:?}",
            left.connections, right.connections
        ));
    }
    let attempts = left.attempts.len().max(right.attempts.len());
    for index in 0..attempts {
        let (a, b) = (left.attempts.get(index), right.attempts.get(index));
        if a != b {
            out.push(format!("attempt {index}: {a:?}\n    vs {b:?}"));
        }
    }
    if left.auth_steps != right.auth_steps {
        out.push(format!(
            "auth steps: {:?}\n    vs {:?}",
            left.auth_steps, right.auth_steps
        ));
    }
    out
}

/// An attempt record without its timing.
pub fn normalise_attempt(record: &AttemptRecord) -> AttemptRecord {
    let mut record = record.clone();
    record.elapsed = Duration::ZERO;
    record
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    fn recorded(headers: &[(&str, &str)]) -> RecordedRequest {
        RecordedRequest {
            method: "POST".into(),
            path: "/v1/responses".into(),
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: b"{}".to_vec(),
            received_at: Instant::now(),
            connection_id: 0,
            script_exhausted: false,
        }
    }

    #[test]
    fn normalise_drops_only_transport_headers_and_names_the_server() {
        let seen = normalise(
            &[recorded(&[
                ("User-Agent", "codex-api/0.1.0"),
                ("Host", "127.0.0.1:4000"),
                ("Content-Length", "2"),
                ("Accept-Encoding", "gzip"),
                ("Authorization", "Bearer sk"),
                ("x-extra", "1"),
                ("X-Extra", "2"),
            ])],
            "127.0.0.1:4000",
        );
        assert_eq!(
            seen[0].headers,
            [
                ("authorization".to_owned(), "Bearer sk".to_owned()),
                ("host".to_owned(), SERVER_HOST.to_owned()),
                ("user-agent".to_owned(), "codex-api/0.1.0".to_owned()),
                ("x-extra".to_owned(), "1".to_owned()),
                ("x-extra".to_owned(), "2".to_owned()),
            ]
        );
    }

    #[test]
    fn differences_name_each_differing_part() {
        let base = Observation {
            events: vec![ResponseEvent::Created],
            raw: Vec::new(),
            tally: None,
            stream: None,
            outcome: Outcome::StreamEnded,
            requests: normalise(&[recorded(&[("user-agent", "a")])], ""),
            auth_steps: Vec::new(),
            attempts: Vec::new(),
            connections: vec![0],
            websocket: Vec::new(),
            websocket_deflate: Vec::new(),
        };
        assert!(differences(&base, &base.clone()).is_empty());
        let mut other = base.clone();
        other.connections = vec![1];
        other.requests = normalise(&[recorded(&[("user-agent", "b")])], "");
        other.auth_steps = vec![RecoveryStep::Reload];
        let found = differences(&other, &base);
        assert_eq!(found.len(), 3, "{found:#?}");
        assert!(found[0].starts_with("request 0:"), "{found:#?}");
        assert!(found[1].starts_with("connections:"), "{found:#?}");
        assert!(found[2].starts_with("auth steps:"), "{found:#?}");
    }
}
