//! `codex-api replay`: decode a recorded `text/event-stream` body and print what it holds.

use std::fmt::Write as _;
use std::io::{self, Read, Write};
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use codex_api_core::accumulator::{Outcome, replay};
use codex_api_core::sse::SseDecoder;
use serde::Serialize;

/// Arguments of `codex-api replay`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// Print one JSON document instead of a human-readable listing.
    #[arg(long)]
    json: bool,
    /// Feed the decoder this many bytes at a time (default: the whole input at once).
    #[arg(long, value_name = "N")]
    chunk_size: Option<NonZeroUsize>,
    /// The recorded body: a file path, or `-` for standard input.
    #[arg(value_name = "FILE|-")]
    input: PathBuf,
}

/// One decoded frame, as printed by `--json`.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct FrameRecord {
    /// The `event:` type, or null when the event-type buffer was empty.
    pub event: Option<String>,
    /// The data buffer, without its final line feed.
    pub data: String,
    /// The last event id at dispatch, or null when empty.
    pub id: Option<String>,
}

/// The `"decode"` section of `replay --json`.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct DecodeReport {
    /// Every frame, in order.
    pub frames: Vec<FrameRecord>,
    /// `frames.len()`.
    pub frame_count: usize,
    /// Whether EOF discarded an unterminated block.
    pub discarded_incomplete_event: bool,
    /// The last accepted `retry:` value, in milliseconds.
    pub reconnection_time_ms: Option<u64>,
    /// The last event id when the stream ended, or null when empty.
    pub last_event_id: Option<String>,
    /// Events that exceeded the decoder's size limit (each reported once, then skipped).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

/// The whole `replay --json` document: what the SSE decoder saw, and what the stream
/// interpreter made of it.
#[derive(Serialize)]
struct ReplayDocument<'a> {
    decode: &'a DecodeReport,
    outcome: &'a Outcome,
}

/// Decode `body`, feeding the decoder `chunk_size` bytes at a time (all at once when `None`).
pub fn decode(body: &[u8], chunk_size: Option<NonZeroUsize>) -> DecodeReport {
    let mut decoder = SseDecoder::new();
    let mut frames = Vec::new();
    let mut errors = Vec::new();
    let step = chunk_size.map_or(body.len().max(1), NonZeroUsize::get);
    for chunk in body.chunks(step) {
        let mut feed = decoder.feed(chunk);
        while let Some(next) = feed.next_frame() {
            match next {
                Ok(frame) => frames.push(FrameRecord {
                    event: frame.event().map(str::to_owned),
                    data: frame.data().to_owned(),
                    id: frame.id().map(str::to_owned),
                }),
                Err(err) => errors.push(err.to_string()),
            }
        }
    }
    let finish = decoder.finish();
    let last_event_id = Some(decoder.last_event_id())
        .filter(|id| !id.is_empty())
        .map(str::to_owned);
    DecodeReport {
        frame_count: frames.len(),
        frames,
        discarded_incomplete_event: finish.discarded_incomplete_event,
        reconnection_time_ms: decoder.reconnection_time_ms(),
        last_event_id,
        errors,
    }
}

fn read_input(input: &PathBuf) -> io::Result<Vec<u8>> {
    if input.as_os_str() == "-" {
        let mut body = Vec::new();
        io::stdin().lock().read_to_end(&mut body)?;
        Ok(body)
    } else {
        std::fs::read(input)
    }
}

fn render_text(report: &DecodeReport, outcome: &Outcome) -> String {
    let mut out = String::new();
    for (index, frame) in report.frames.iter().enumerate() {
        let event = frame.event.as_deref().unwrap_or("message");
        let _ = write!(out, "#{index} {event}");
        if let Some(id) = &frame.id {
            let _ = write!(out, " (id {id})");
        }
        let _ = writeln!(out);
        for line in frame.data.split('\n') {
            let _ = writeln!(out, "  {line}");
        }
    }
    for err in &report.errors {
        let _ = writeln!(out, "error: {err}");
    }
    let _ = writeln!(
        out,
        "{} frame(s){}",
        report.frame_count,
        if report.discarded_incomplete_event {
            "; an unterminated event at the end was discarded"
        } else {
            ""
        }
    );
    render_outcome(&mut out, outcome);
    out
}

fn render_outcome(out: &mut String, outcome: &Outcome) {
    let _ = writeln!(out, "\noutcome: {}", outcome.kind.as_str());
    if let Some(id) = &outcome.response_id {
        let status = outcome.status.as_deref().unwrap_or("unknown");
        let _ = writeln!(out, "response: {id} ({status})");
    }
    if !outcome.output_text.is_empty() {
        let _ = writeln!(out, "text: {}", outcome.output_text);
    }
    if !outcome.refusal_text.is_empty() {
        let _ = writeln!(out, "refusal: {}", outcome.refusal_text);
    }
    for summary in &outcome.reasoning_summaries {
        let _ = writeln!(out, "reasoning summary: {summary}");
    }
    for call in &outcome.function_calls {
        let _ = writeln!(
            out,
            "function call: {}({}) [call_id {}]",
            call.name, call.arguments, call.call_id
        );
    }
    for call in &outcome.custom_tool_calls {
        let _ = writeln!(
            out,
            "custom tool call: {} <- {:?} [call_id {}]",
            call.name, call.input, call.call_id
        );
    }
    if let Some(usage) = &outcome.usage {
        let _ = writeln!(
            out,
            "usage: {} input ({} cached), {} output ({} reasoning), {} total",
            usage.input_tokens,
            usage.cached_tokens,
            usage.output_tokens,
            usage.reasoning_tokens,
            usage.total_tokens
        );
    }
    if let Some(reason) = &outcome.incomplete_reason {
        let _ = writeln!(out, "incomplete: {reason}");
    }
    if let Some(error) = &outcome.error {
        let code = error.code.as_deref().unwrap_or("-");
        let _ = writeln!(
            out,
            "error: {code}: {} (retryable: {})",
            error.message, error.retryable
        );
    }
    if !outcome.unknown_event_types.is_empty() {
        let _ = writeln!(
            out,
            "unknown events: {}",
            outcome.unknown_event_types.join(", ")
        );
    }
}

/// Run `codex-api replay`.
pub fn run(args: &ReplayArgs) -> Result<ExitCode, String> {
    let body = read_input(&args.input)
        .map_err(|err| format!("cannot read {}: {err}", args.input.display()))?;
    let report = decode(&body, args.chunk_size);
    let outcome = replay(&body, args.chunk_size.map(NonZeroUsize::get));
    let rendered = if args.json {
        let mut json = serde_json::to_string(&ReplayDocument {
            decode: &report,
            outcome: &outcome,
        })
        .map_err(|err| format!("cannot encode the report: {err}"))?;
        json.push('\n');
        json
    } else {
        render_text(&report, &outcome)
    };
    io::stdout()
        .lock()
        .write_all(rendered.as_bytes())
        .map_err(|err| format!("cannot write output: {err}"))?;
    Ok(ExitCode::SUCCESS)
}
