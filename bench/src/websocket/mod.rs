//! Responses over WebSocket (issue 15), the `websocket` binary. See BENCHMARKS.md,
//! "Responses over WebSocket (issue 15)".
//!
//! - [`tool_loop`]: a 20-turn tool loop against the testkit (server in a child process), per
//!   turn latency over WebSocket (with and without permessage-deflate) and over HTTP on the
//!   same client, over plain TCP and TLS.
//! - [`frames`]: frame decoding, our `WebSocketCodec` against tungstenite 0.30, on the same
//!   recorded server frames.
//! - [`wire_bytes`]: bytes on the wire through a counting TCP proxy: a 1 MB transcript and the
//!   tool loop, over HTTP, WebSocket and WebSocket with permessage-deflate.
//! - [`link`]: a relay adding a round-trip time and an upload bandwidth cap between the client
//!   and the server (the tool loop's "realistic link" rows).
//! - [`idle`]: heap bytes and RSS per idle open WebSocket connection (a child process with a
//!   tracking allocator).

pub mod frames;
pub mod idle;
pub mod link;
pub mod prepare;
pub mod tool_loop;
pub mod wire_bytes;

use codex_api_core::wire::{Reasoning, ReasoningEffort, ReasoningSummary};
use codex_api_core::wire::{
    ResponseItem, ResponsesApiRequest, Role, Tool, ToolChoice, ToolChoiceMode, ToolOutput,
};
use codex_api_testkit::tls::TestIdentity;
use codex_api_testkit::{Body, Script, ScriptedResponse, Transcript, WsScript, WsTurn};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::corpus::XorShift;
use crate::end_to_end::{MODEL, Transport, credentials, provider};

/// The path both transports use.
pub const PATH: &str = "/v1/responses";

/// One client for a testkit server at `url`: the tokio adapter, no proxy, trusting the
/// testkit's CA over TLS. Its HTTP path (`stream`) and its WebSocket sessions (`websocket()`)
/// are the two contenders.
pub fn client(url: &str, transport: Transport) -> codex_api_tokio::Client {
    let builder = codex_api_tokio::Client::builder(
        provider(url),
        codex_api_tokio::StaticAuth::new(credentials()),
    )
    .without_proxy()
    .stream_idle_timeout(None);
    let builder = if transport == Transport::Tls {
        builder.ca_bundle(TestIdentity::localhost_ca_path())
    } else {
        builder
    };
    builder.build().unwrap_or_else(|error| panic!("{error}"))
}

/// A current-thread tokio runtime (as the end-to-end section uses).
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|error| panic!("{error}"))
}

/// A script answering every WebSocket upgrade on [`PATH`] (permessage-deflate allowed) and
/// every `response.create` on it with `turn`, and every `POST` on [`PATH`] with `body` as SSE.
/// Both routes are dynamic: never used up.
pub fn script(turn: WsTurn, body: Body) -> Script {
    script_cycling(vec![turn], vec![body])
}

/// [`script`] with several answers, used in turn (the n-th `response.create` of the server,
/// over any connection, gets `turns[n % len]`; likewise the n-th `POST` gets `bodies[n % len]`).
pub fn script_cycling(turns: Vec<WsTurn>, bodies: Vec<Body>) -> Script {
    script_cycling_at(turns, bodies, WsScript::new().deflate(true))
}

/// [`script_cycling`] with the WebSocket sessions' settings taken from `session`.
fn script_cycling_at(turns: Vec<WsTurn>, bodies: Vec<Body>, session: WsScript) -> Script {
    let creates = Arc::new(AtomicUsize::new(0));
    let session = session.respond_with(move |_message| {
        let n = creates.fetch_add(1, Ordering::Relaxed);
        turns[n % turns.len()].clone()
    });
    let posts = AtomicUsize::new(0);
    Script::new()
        .on_fn("GET", PATH, move |_request| {
            ScriptedResponse::websocket(session.clone())
        })
        .on_fn("POST", PATH, move |_request| {
            let n = posts.fetch_add(1, Ordering::Relaxed);
            ScriptedResponse::sse(bodies[n % bodies.len()].clone())
        })
}

/// How the tool loop's server writes its answers and compresses them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServerShape {
    /// Both transports gather the events that are ready into writes of at most
    /// [`GATHER`] bytes (`Body::events(..).gather_writes`, `WsTurn::gather_writes`), as a
    /// server writes what it has (hyper gathers queued chunks; a WebSocket server's buffered
    /// writer its queued frames); `false`: one write per SSE chunk and per WebSocket frame.
    pub gather: bool,
    /// The level the server compresses WebSocket messages at under permessage-deflate.
    pub deflate_level: u32,
}

/// The largest gathered write (as the end-to-end section's headline row).
pub const GATHER: usize = 64 * 1024;

impl ServerShape {
    /// The tool loop's default: gathered writes, deflate level 1 (Go's gorilla/websocket and
    /// Centrifugo compress at `BestSpeed` by default; zlib's default 6 is the testkit's).
    pub const DEFAULT: ServerShape = ServerShape {
        gather: true,
        deflate_level: 1,
    };

    /// The first run's shape (issue 15): a write per chunk or frame, level 6.
    pub const ISSUE_15: ServerShape = ServerShape {
        gather: false,
        deflate_level: 6,
    };

    /// The server child's arguments: `gather|per-event LEVEL`.
    pub fn args(self) -> [String; 2] {
        [
            if self.gather { "gather" } else { "per-event" }.to_owned(),
            self.deflate_level.to_string(),
        ]
    }

    /// Parses [`args`](Self::args) (missing ones take the default).
    pub fn from_args(writes: Option<&str>, level: Option<&str>) -> ServerShape {
        ServerShape {
            gather: writes != Some("per-event"),
            deflate_level: level
                .and_then(|level| level.parse().ok())
                .unwrap_or(ServerShape::DEFAULT.deflate_level),
        }
    }

    /// For the report.
    pub fn describe(self) -> String {
        let writes = if self.gather {
            format!(
                "the events that are ready gathered into writes of at most {} KiB on both transports (SSE: `Body::events(..).gather_writes`, one chunk per event; WebSocket: `WsTurn::gather_writes`, one frame per event)",
                GATHER / 1024
            )
        } else {
            "one write per SSE chunk (one chunk per event) and per WebSocket frame".to_owned()
        };
        format!(
            "{writes}; permessage-deflate at level {} on the server",
            self.deflate_level
        )
    }
}

/// The tool loop's server script: [`turn_transcript`] variants 0..[`VARIANTS`] in turn, written
/// and compressed as `shape` says.
pub fn loop_script(shape: ServerShape) -> Script {
    let transcripts: Vec<Transcript> = (0..VARIANTS).map(turn_transcript).collect();
    let turns = transcripts
        .iter()
        .map(|transcript| {
            let turn = WsTurn::from(transcript);
            if shape.gather {
                turn.gather_writes(GATHER)
            } else {
                turn
            }
        })
        .collect();
    let bodies = transcripts
        .iter()
        .map(|transcript| {
            if shape.gather {
                Body::chunked()
                    .events(transcript.to_bytes())
                    .gather_writes(GATHER)
            } else {
                Body::from(transcript)
            }
        })
        .collect();
    script_cycling_at(
        turns,
        bodies,
        WsScript::new()
            .deflate(true)
            .deflate_level(shape.deflate_level),
    )
}

/// How many different answers the tool loop's server cycles through (as many as the loop has
/// turns by default, so that no answer repeats within a loop: a repeat would flatter
/// permessage-deflate, whose window would hold the whole previous answer).
pub const VARIANTS: u64 = 20;

fn words(rng: &mut XorShift, count: usize) -> String {
    const WORDS: &[&str] = &[
        "the",
        "function",
        "returns",
        "a",
        "value",
        "when",
        "called",
        "with",
        "file",
        "path",
        "error",
        "ok",
        "test",
        "build",
        "crate",
        "module",
        "struct",
        "field",
        "type",
        "impl",
        "trait",
        "config",
        "request",
        "response",
        "stream",
        "event",
        "delta",
        "output",
        "Ünïcode",
        "naïve",
        "日本語",
        "テスト",
        "\"quoted\"",
        "back\\slash",
        "tab\there",
        "emoji 🦀",
    ];
    let mut out = String::new();
    for index in 0..count {
        if index > 0 {
            out.push(if index % 12 == 0 { '\n' } else { ' ' });
        }
        out.push_str(WORDS[rng.below(WORDS.len())]);
    }
    out
}

/// The answer to every turn of the tool loop, as a real reasoning model's tool call streams:
/// `response.created`, `response.in_progress`, a reasoning item (summary streamed in 24
/// deltas, ~1.6 KB of `encrypted_content` in its done item), a `shell` function call whose
/// arguments stream in 12 deltas, and `response.completed` whose `output` holds both items
/// (what the client appends to the next turn's input) and usage. 47 events, ~6.6 KB of JSON.
/// Each `variant` has its own ids, call id, summary text, encrypted content and command.
pub fn turn_transcript(variant: u64) -> Transcript {
    let mut rng = XorShift::new(0x7001_100F ^ variant.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let hex = format!(
        "{:016x}{:016x}{:016x}",
        rng.next_u64(),
        rng.next_u64(),
        rng.next_u64()
    );
    let id = format!("resp_{hex}");
    let rs = format!("rs_{hex}");
    let fc = format!("fc_{hex}");
    let call_id = format!("call_{:016x}", rng.next_u64());
    let (id, rs, fc, call_id) = (id.as_str(), rs.as_str(), fc.as_str(), call_id.as_str());
    let deltas: Vec<String> = (0..24)
        .map(|_| {
            let words = words(&mut rng, 3);
            format!("{words} ")
        })
        .collect();
    let summary: String = deltas.concat();
    let encrypted: String = (0..1600)
        .map(|_| {
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[rng.below(64)]
                as char
        })
        .collect();
    let arguments = json!({
        "command": ["bash", "-lc", format!("rg -n \"{}\" client/src | head -40", words(&mut rng, 2))],
        "workdir": "/work/repo",
        "timeout_ms": 120000,
    })
    .to_string();
    let argument_deltas: Vec<String> = arguments
        .as_bytes()
        .chunks(arguments.len().div_ceil(12))
        .map(|piece| String::from_utf8_lossy(piece).into_owned())
        .collect();
    let reasoning_done = json!({
        "id": rs, "type": "reasoning",
        "summary": [{ "type": "summary_text", "text": summary }],
        "encrypted_content": encrypted,
    });
    let call_done = json!({
        "id": fc, "type": "function_call", "status": "completed",
        "call_id": call_id, "name": "shell", "arguments": arguments,
    });
    let location = json!({ "item_id": rs, "output_index": 0, "summary_index": 0 });
    let at = |extra: Value| {
        let mut object = location.clone();
        if let (Some(target), Value::Object(extra)) = (object.as_object_mut(), extra) {
            target.extend(extra);
        }
        object
    };
    let mut transcript = Transcript::new()
        .response_id(id)
        .model(MODEL)
        .created()
        .in_progress()
        .event(
            "response.output_item.added",
            json!({ "output_index": 0, "item": { "id": rs, "type": "reasoning", "summary": [] } }),
        )
        .event(
            "response.reasoning_summary_part.added",
            at(json!({ "part": { "type": "summary_text", "text": "" } })),
        );
    for delta in &deltas {
        transcript = transcript.event(
            "response.reasoning_summary_text.delta",
            at(json!({ "delta": delta })),
        );
    }
    transcript = transcript
        .event(
            "response.reasoning_summary_text.done",
            at(json!({ "text": summary })),
        )
        .event(
            "response.reasoning_summary_part.done",
            at(json!({ "part": { "type": "summary_text", "text": summary } })),
        )
        .event(
            "response.output_item.done",
            json!({ "output_index": 0, "item": reasoning_done }),
        )
        .event(
            "response.output_item.added",
            json!({ "output_index": 1, "item": { "id": fc, "type": "function_call",
                    "status": "in_progress", "call_id": call_id, "name": "shell",
                    "arguments": "" } }),
        );
    for delta in &argument_deltas {
        transcript = transcript.event(
            "response.function_call_arguments.delta",
            json!({ "item_id": fc, "output_index": 1, "delta": delta }),
        );
    }
    transcript = transcript
        .event(
            "response.function_call_arguments.done",
            json!({ "item_id": fc, "output_index": 1, "name": "shell", "arguments": arguments }),
        )
        .event(
            "response.output_item.done",
            json!({ "output_index": 1, "item": call_done }),
        );
    let mut completed = transcript.response_object("completed");
    completed["completed_at"] = json!(1_763_750_001);
    completed["output"] = json!([reasoning_done, call_done]);
    completed["usage"] = json!({
        "input_tokens": 12000, "input_tokens_details": { "cached_tokens": 11264 },
        "output_tokens": 420, "output_tokens_details": { "reasoning_tokens": 256 },
        "total_tokens": 12420,
    });
    transcript.event("response.completed", json!({ "response": completed }))
}

/// The tool output the loop sends back each turn: ~1.5 KB of `rg`-like lines (with quotes,
/// backslashes, tabs, accents, CJK and an emoji, as real output has), varying by turn.
pub fn tool_output(turn: usize) -> String {
    let mut rng = XorShift::new(0xA11C_E5E5 ^ turn as u64);
    let mut out = String::new();
    let mut line = 0;
    while out.len() < 1500 {
        line += 1;
        out.push_str(&format!(
            "client/src/file_{}.rs:{}: ",
            rng.below(40),
            10 + line * 7
        ));
        out.push_str(&words(&mut rng, 8));
        out.push('\n');
    }
    out
}

/// The loop's first request: Codex-like (~9 KB of instructions, 8 function tools with JSON
/// schemas, reasoning, `store: false`, `include: reasoning.encrypted_content`, a prompt cache
/// key) and one user message.
pub fn first_request() -> ResponsesApiRequest {
    let conversation = crate::request_cost::conversation(crate::corpus::DEFAULT_SEED, 1);
    let mut request = ResponsesApiRequest::new(MODEL);
    request.instructions = Some(conversation.instructions.clone());
    request.input = vec![ResponseItem::text_message(
        Role::User,
        "Find where the client streams a response and explain the retry logic around it.",
    )];
    request.tools = conversation
        .tool_names
        .iter()
        .map(|name| {
            Tool::function(
                name.clone(),
                format!("Runs {name}."),
                json!({
                    "type": "object",
                    "properties": {
                        "command": {"type": "array", "items": {"type": "string"}, "description": format!("The command {name} runs")},
                        "workdir": {"type": "string", "description": "The working directory"},
                        "timeout_ms": {"type": "number", "description": "The timeout in milliseconds"},
                    },
                    "required": ["command"],
                    "additionalProperties": false,
                }),
            )
        })
        .collect();
    request.tool_choice = Some(ToolChoice::Mode(ToolChoiceMode::Auto));
    request.parallel_tool_calls = Some(false);
    request.reasoning = Some(
        Reasoning::default()
            .effort(ReasoningEffort::Medium)
            .summary(ReasoningSummary::Auto),
    );
    request.store = Some(false);
    request.include = vec!["reasoning.encrypted_content".to_owned()];
    request.prompt_cache_key = Some(conversation.prompt_cache_key.clone());
    request
}

/// The next turn's request: the previous request's input, the response's output, and the
/// tool's output for every function call in it.
pub fn next_request(
    previous: &ResponsesApiRequest,
    output: &[ResponseItem],
    turn: usize,
) -> ResponsesApiRequest {
    let mut next = previous.clone();
    next.input.extend(output.iter().cloned());
    for item in output {
        if let ResponseItem::FunctionCall(call) = item {
            next.input.push(ResponseItem::function_call_output(
                call.call_id.clone(),
                ToolOutput::Text(tool_output(turn)),
            ));
        }
    }
    next
}

/// The percentile `p` (0–100) of sorted `values` (nearest rank).
pub fn percentile(sorted: &[std::time::Duration], p: f64) -> std::time::Duration {
    if sorted.is_empty() {
        return std::time::Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}
