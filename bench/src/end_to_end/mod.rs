//! End to end over loopback (the `end_to_end` binary): our tokio, async-std and blocking
//! clients and async-openai's `responses().create_stream` against the codex-api-testkit
//! server. See BENCHMARKS.md, "End to end over loopback".
//!
//! - [`throughput`]: a large transcript from a server in a child process (wall time, client
//!   CPU time, time to first event).
//! - [`latency`]: a server in this process, whose [`BodyWrite`](codex_api_testkit::BodyWrite)
//!   marks say when it wrote an event; the client notes when it got the typed event.
//! - [`idle`]: many concurrent idle streams on one tokio client (RSS per stream).
//! - [`http2`]: the throughput transcript over TLS + HTTP/2 (the testkit's HTTP/2 mode).

pub mod clients;
pub mod http2;
pub mod idle;
pub mod latency;
pub mod throughput;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use codex_api_core::credentials::Credentials;
use codex_api_core::provider::Provider;
use codex_api_core::wire::{ResponseItem, ResponsesApiRequest, Role};
use codex_api_testkit::tls::TestIdentity;
use codex_api_testkit::{Script, TestServer};

/// The model every contender asks for.
pub const MODEL: &str = "gpt-5-codex";

/// Our request: model `gpt-5-codex`, one user message `hi` (streamed).
pub fn request() -> ResponsesApiRequest {
    ResponsesApiRequest::new(MODEL).input(vec![ResponseItem::text_message(Role::User, "hi")])
}

/// async-openai's equivalent: the same model, one user input message `hi`, `stream: true`.
pub fn openai_request() -> async_openai::types::responses::CreateResponse {
    use async_openai::types::responses as openai;
    openai::CreateResponse {
        model: Some(MODEL.to_owned()),
        input: openai::InputParam::Items(vec![openai::InputItem::Item(openai::Item::Message(
            openai::MessageItem::Input(openai::InputMessage {
                content: vec![openai::InputContent::InputText(openai::InputTextContent {
                    text: "hi".to_owned(),
                    prompt_cache_breakpoint: None,
                })],
                role: openai::InputRole::User,
                status: None,
            }),
        ))]),
        stream: Some(true),
        ..Default::default()
    }
}

/// Our provider for a testkit server at `url`.
pub fn provider(url: &str) -> Provider {
    Provider::custom("bench", format!("{url}/v1")).unwrap_or_else(|error| panic!("{error}"))
}

/// The API key every contender sends.
pub const API_KEY: &str = "sk-bench";

/// Our credentials.
pub fn credentials() -> Credentials {
    Credentials::api_key(API_KEY)
}

/// The contenders.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Contender {
    /// `codex-api-tokio` on a current-thread runtime.
    Tokio,
    /// `codex-api-async-std` under `async_std::task::block_on`.
    AsyncStd,
    /// `codex-api-blocking`.
    Blocking,
    /// async-openai 0.43 `responses().create_stream` (reqwest 0.13's `bytes_stream` into
    /// eventsource-stream 0.2, in a task it spawns, events handed over an unbounded channel), on
    /// the same current-thread tokio runtime.
    AsyncOpenAi,
}

impl Contender {
    /// Every contender, ours first.
    pub const ALL: [Contender; 4] = [
        Contender::Tokio,
        Contender::AsyncStd,
        Contender::Blocking,
        Contender::AsyncOpenAi,
    ];

    /// The name in the tables.
    pub fn name(self) -> &'static str {
        match self {
            Contender::Tokio => "codex-api-tokio (current-thread runtime)",
            Contender::AsyncStd => "codex-api-async-std (async_std::task::block_on)",
            Contender::Blocking => "codex-api-blocking",
            Contender::AsyncOpenAi => "async-openai 0.43 create_stream (current-thread tokio)",
        }
    }

    /// Whether this is one of ours.
    pub fn is_ours(self) -> bool {
        self != Contender::AsyncOpenAi
    }
}

/// What a contender handed the application, reduced to what the bench counts.
#[derive(Debug)]
pub enum Seen {
    /// `response.created` (ours: `ResponseEvent::Created`).
    Created,
    /// An output text delta of this many bytes.
    Delta(usize),
    /// `response.completed`.
    Completed,
    /// Any other typed event.
    Other,
    /// An error item of the stream (or the call), as text.
    Error(String),
}

/// What one streamed response gave the client.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Typed events handed to the application.
    pub events: u64,
    /// Bytes of output text delta.
    pub delta_bytes: u64,
    /// Whether `response.completed` came.
    pub completed: bool,
    /// Error items.
    pub errors: u64,
    /// The first error, as text.
    pub first_error: Option<String>,
}

impl Outcome {
    /// Counts one item of the stream.
    pub fn add(&mut self, seen: Seen) {
        match seen {
            Seen::Error(error) => {
                self.errors += 1;
                self.first_error.get_or_insert(error);
                return;
            }
            Seen::Delta(len) => self.delta_bytes += len as u64,
            Seen::Completed => self.completed = true,
            Seen::Created | Seen::Other => {}
        }
        self.events += 1;
    }
}

/// `VmHWM` and `VmRSS` of this process, in KiB.
pub fn memory_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|line| line.starts_with(name))
            .and_then(|line| line.split_whitespace().nth(1))
            .and_then(|value| value.parse::<u64>().ok())
            .unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// Whether a server speaks plain HTTP or HTTPS.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Transport {
    /// `http://`: the testkit's plain TCP mode.
    Plain,
    /// `https://`: the testkit's TLS mode with its bundled `localhost` / `127.0.0.1`
    /// identity; every client trusts the bundled test CA (and only it, for ours and reqwest).
    Tls,
}

impl Transport {
    /// The word on the command line of the server child.
    pub fn arg(self) -> &'static str {
        match self {
            Transport::Plain => "plain",
            Transport::Tls => "tls",
        }
    }

    /// Parses [`arg`](Self::arg) (anything else is plain).
    pub fn from_arg(arg: Option<&str>) -> Transport {
        if arg == Some("tls") {
            Transport::Tls
        } else {
            Transport::Plain
        }
    }

    /// Starts a testkit server for `script` over this transport.
    pub fn start(self, script: Script) -> TestServer {
        let started = match self {
            Transport::Plain => TestServer::start(script),
            Transport::Tls => TestServer::start_tls(script, &TestIdentity::localhost()),
        };
        started.unwrap_or_else(|error| panic!("{error}"))
    }
}

/// Serves `script` over `transport` until stdin closes; prints the URL (and `note`) on stdout
/// first. Run in a child process of the bench (see [`spawn_self`]).
pub fn serve(script: Script, transport: Transport, note: String) {
    let server = transport.start(script);
    println!("{} {note}", server.url());
    let _ = std::io::stdout().flush();
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
    drop(server);
}

/// Starts this binary again with `args`; returns the child and the first line it printed.
pub fn spawn_self(args: &[String]) -> (Child, String) {
    let exe = std::env::current_exe().unwrap_or_else(|error| panic!("{error}"));
    let mut child = Command::new(exe)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("{error}"));
    let mut line = String::new();
    let stdout = child.stdout.take().unwrap_or_else(|| unreachable!());
    let _ = BufReader::new(stdout).read_line(&mut line);
    (child, line.trim().to_owned())
}

/// Closes a child's stdin (the server child then stops) and waits for it.
pub fn finish(mut child: Child) {
    drop(child.stdin.take());
    let _ = child.wait();
}

/// The median of `values` (the upper one of an even count).
pub fn median(mut values: Vec<Duration>) -> Duration {
    values.sort_unstable();
    values.get(values.len() / 2).copied().unwrap_or_default()
}
