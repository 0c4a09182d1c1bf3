//! `codex-api replay`: decode a recorded `text/event-stream` body and print what it holds.

use std::fmt::Write as _;
use std::io::{self, Read, Write};
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use codex_api_core::accumulator::{Outcome, Replay};
use codex_api_core::sse::SseDecoder;
use codex_api_core::stream::StreamConfig;
use serde::Serialize;

/// Arguments of `codex-api replay`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// Print one JSON document instead of a human-readable listing (a failure as one
    /// `{"error":{...}}` object).
    #[arg(long)]
    pub json: bool,
    /// Read and decode this many bytes at a time (default 64 KiB).
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

/// One frame of the text listing.
fn render_frame(out: &mut String, index: usize, frame: &FrameRecord) {
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

/// Run `codex-api replay`: the input is read and decoded chunk by chunk (64 KiB, or
/// `--chunk-size`), each frame written as it is decoded, so memory stays bounded by the
/// decoder's event-size limit (plus the outcome's text) whatever the input's size.
pub fn run(args: &ReplayArgs) -> Result<ExitCode, String> {
    let name = args.input.display().to_string();
    let mut input: Box<dyn Read> = if args.input.as_os_str() == "-" {
        Box::new(io::stdin().lock())
    } else {
        Box::new(
            std::fs::File::open(&args.input).map_err(|err| format!("cannot read {name}: {err}"))?,
        )
    };
    let step = args.chunk_size.map_or(64 * 1024, NonZeroUsize::get);
    let mut out = io::BufWriter::new(io::stdout().lock());
    let mut writer = FrameWriter::new(args.json);
    let mut decoder = SseDecoder::new();
    let mut replay = Replay::new(StreamConfig::default());
    let mut replaying = true;
    let mut errors = Vec::new();
    let mut buffer = vec![0; step];
    loop {
        let read = match input.read(&mut buffer) {
            Ok(0) => break,
            Ok(read) => read,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(format!("cannot read {name}: {err}")),
        };
        let chunk = buffer.get(..read).unwrap_or_default();
        let mut feed = decoder.feed(chunk);
        while let Some(next) = feed.next_frame() {
            match next {
                Ok(frame) => writer.frame(
                    &mut out,
                    &FrameRecord {
                        event: frame.event().map(str::to_owned),
                        data: frame.data().to_owned(),
                        id: frame.id().map(str::to_owned),
                    },
                )?,
                Err(err) => errors.push(err.to_string()),
            }
        }
        if replaying {
            replaying = replay.handle_chunk(chunk);
        }
        // What this chunk decoded is shown now, not when the input ends (`curl ... | codex-api
        // replay -` follows a live stream).
        out.flush()
            .map_err(|err| format!("cannot write output: {err}"))?;
    }
    let finish = decoder.finish();
    let (outcome, _) = replay.finish();
    let end = DecodeEnd {
        frame_count: writer.count,
        discarded_incomplete_event: finish.discarded_incomplete_event,
        reconnection_time_ms: decoder.reconnection_time_ms(),
        last_event_id: Some(decoder.last_event_id())
            .filter(|id| !id.is_empty())
            .map(str::to_owned),
        errors,
    };
    writer.end(&mut out, &end, &outcome)?;
    out.flush()
        .map_err(|err| format!("cannot write output: {err}"))?;
    Ok(ExitCode::SUCCESS)
}

/// What `replay` reports once the input has ended.
#[derive(Debug, Serialize)]
struct DecodeEnd {
    frame_count: usize,
    discarded_incomplete_event: bool,
    reconnection_time_ms: Option<u64>,
    last_event_id: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<String>,
}

/// Writes frames as they are decoded: JSON inside `{"decode":{"frames":[...]`, or the text
/// listing.
struct FrameWriter {
    json: bool,
    count: usize,
}

impl FrameWriter {
    fn new(json: bool) -> FrameWriter {
        FrameWriter { json, count: 0 }
    }

    fn frame(&mut self, out: &mut impl Write, frame: &FrameRecord) -> Result<(), String> {
        let written = if self.json {
            let separator = if self.count == 0 {
                "{\"decode\":{\"frames\":["
            } else {
                ","
            };
            serde_json::to_string(frame)
                .map_err(|err| err.to_string())
                .and_then(|json| write!(out, "{separator}{json}").map_err(|err| err.to_string()))
        } else {
            let mut text = String::new();
            render_frame(&mut text, self.count, frame);
            out.write_all(text.as_bytes())
                .map_err(|err| err.to_string())
        };
        self.count += 1;
        written.map_err(|err| format!("cannot write output: {err}"))
    }

    fn end(self, out: &mut impl Write, end: &DecodeEnd, outcome: &Outcome) -> Result<(), String> {
        let text = if self.json {
            let opening = if self.count == 0 {
                "{\"decode\":{\"frames\":["
            } else {
                ""
            };
            let mut rest = serde_json::to_string(end).map_err(|err| err.to_string())?;
            // The end's members continue the `decode` object opened with the frames.
            rest.remove(0);
            let outcome = serde_json::to_string(outcome).map_err(|err| err.to_string())?;
            format!("{opening}],{rest},\"outcome\":{outcome}}}\n")
        } else {
            let mut text = String::new();
            for err in &end.errors {
                let _ = writeln!(text, "error: {err}");
            }
            let _ = writeln!(
                text,
                "{} frame(s){}",
                end.frame_count,
                if end.discarded_incomplete_event {
                    "; an unterminated event at the end was discarded"
                } else {
                    ""
                }
            );
            render_outcome(&mut text, outcome);
            text
        };
        out.write_all(text.as_bytes())
            .map_err(|err| format!("cannot write output: {err}"))
    }
}
